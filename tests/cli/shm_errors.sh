# Wire name taken, no server, no client: one line each, non-zero, no hang.
. "$(dirname "$0")/lib.inc"
W=taken$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W --wait 20 --bytes 1M --quiet >"$T/srv" 2>&1 &
spid=$!
sleep 0.3
expect_error 1 server --wire shm:$W --wait 2 --quiet
grep -q taken "$T/err" || fail "name taken: $(cat "$T/err")"
run "$NETMEM" client --wire shm:$W --bytes 1M --quiet
[ "$RC" = 0 ] || fail "client to the first server: $RC $(cat "$T/err")"
wait $spid || fail "first server: $(cat "$T/srv")"
expect_error 1 client --wire shm:none$UNIQ --wait 1
grep -q "no server" "$T/err" || fail "no server: $(cat "$T/err")"
expect_error 1 server --wire shm:lonely$UNIQ --wait 1 --quiet
exit 0
