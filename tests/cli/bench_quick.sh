# netmem bench --quick: JSON lines and an SVG plot, within 240 s (a bound
# against hangs, not a performance check: it takes ~16 s on an idle 2-core
# VM, and took 91 s there beside a ctest -j4 and two busy loops, which the
# old bound of 90 s failed).
. "$(dirname "$0")/lib.inc"
[ -d "$BUILD/bench" ] || skip "no benchmarks built in $BUILD/bench"
start=$(date +%s)
timeout 270 "$NETMEM" bench --quick --quiet --out "$T/b" >"$T/out" 2>"$T/err"; RC=$?
end=$(date +%s)
[ "$RC" = 0 ] || fail "bench exit $RC: $(cat "$T/err")"
[ $((end - start)) -lt 240 ] || fail "bench --quick took $((end - start)) s"
[ "$(grep -c '^{"bench":' "$T/b/bench.jsonl")" -gt 10 ] || fail "few JSON lines"
grep -q '"bench":"netmem","metric":"shm_devmem_tx_rx_vs_copy"' "$T/b/bench.jsonl" || fail "no demo line"
grep -q '<svg' "$T/b/bench.svg" && tail -1 "$T/b/bench.svg" | grep -q '</svg>' || fail "svg"
grep -q 'shm_devmem_tx_rx_vs_copy' "$T/b/bench.svg" || fail "svg lacks the demo"
expect_error 1 bench --dir /nonexistent
exit 0
