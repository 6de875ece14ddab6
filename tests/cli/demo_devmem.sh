# netmem demo: devmem TX -> devmem RX over shm, every byte validated, the
# JSON summary (stdout's only line with --json) with zero payload copies
# and every token returned.
. "$(dirname "$0")/lib.inc"
run "$NETMEM" demo --bytes 64M --json
[ "$RC" = 0 ] || fail "demo exited $RC: $(cat "$T/err")"
[ "$(jfield validated)" = true ] || fail "not validated: $(last_json)"
[ "$(jfield result)" = '"ok"' ] || fail "result: $(last_json)"
[ "$(jfield bytes)" = 67108864 ] || fail "bytes: $(last_json)"
[ "$(jfield devmem_bytes)" = 67108864 ] || fail "devmem_bytes: $(last_json)"
[ "$(jfield linear_bytes)" = 0 ] || fail "linear_bytes: $(last_json)"
tok=$(jfield tokens); [ "$tok" -gt 1000 ] || fail "tokens: $tok"
# zero stack payload copies
c=$(jfield stack_payload_copies); [ "$c" = 0 ] || fail "stack_payload_copies $c"
[ "$(jfield tx_completions)" = "$(jfield tx_sends)" ] || fail "completions: $(last_json)"
# with --json stdout is the JSON line alone; the words go to stderr
grep -q "validated:   yes" "$T/err" || fail "no human summary on stderr"
[ "$(wc -l <"$T/out")" = 1 ] && grep -q '^{.*}$' "$T/out" || fail "stdout is not one JSON line: $(cat "$T/out")"
# without --json the summary is on stdout
run "$NETMEM" demo --bytes 8M --quiet
[ "$RC" = 0 ] && grep -q "validated:   yes" "$T/out" && ! grep -q '^{' "$T/out" ||
	fail "human summary: $(cat "$T/out")"
exit 0
