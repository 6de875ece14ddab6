# --rx zcrx: netmem demo and netmem server receive through io_uring zcrx
# (an nm_uring, an ifq on the receive queue, RECV_ZC into an area of the
# receiver's memory, buffers back through the refill ring); every byte
# validated, all of it zero-copy.  The server takes three connections in a
# row on one ifq (a descriptor reused by the next connection once ended
# the second at 0 bytes), and a bad --rx names the three paths.
. "$(dirname "$0")/lib.inc"
run "$NETMEM" demo --bytes 64M --rx zcrx --json --quiet
[ "$RC" = 0 ] || fail "demo --rx zcrx: exit $RC: $(cat "$T/err")"
[ "$(jfield rx_path)" = '"zcrx"' ] || fail "rx_path: $(last_json)"
[ "$(jfield validated)" = true ] || fail "not validated: $(last_json)"
[ "$(jfield devmem_bytes)" = 67108864 ] && [ "$(jfield linear_bytes)" = 0 ] ||
	fail "not all zero-copy: $(last_json)"
[ "$(jfield stack_payload_copies)" = 0 ] || fail "copies: $(last_json)"
grep -q 'io_uring zcrx RX' "$T/err" || fail "summary: $(cat "$T/err")"
# with loss and reordering on the wire
run "$NETMEM" demo --bytes 16M --rx zcrx --loss 1% --reorder 1% --json --quiet
[ "$RC" = 0 ] && [ "$(jfield validated)" = true ] || fail "faults: $RC $(last_json) $(cat "$T/err")"
expect_error 2 demo --rx bogus
grep -q 'devmem, zcrx or copy' "$T/err" || fail "--rx bogus: $(cat "$T/err")"
expect_error 2 demo --tx zcrx
# the server, three connections in a row on one ifq
W=zc$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W --rx zcrx --count 3 --bytes 16M --wait 20 --json \
	--quiet >"$T/srv" 2>"$T/srv.err" &
spid=$!
run "$NETMEM" client --wire shm:$W --bytes 16M --count 3 --json --quiet
[ "$RC" = 0 ] || fail "client exit $RC: $(cat "$T/err")"
wait $spid; src=$?
[ "$src" = 0 ] || fail "server exit $src: $(cat "$T/srv.err")"
[ "$(grep -c '"result":"ok".*"validated":true' "$T/srv")" = 3 ] || fail "connections: $(cat "$T/srv")"
[ "$(grep -c '"devmem_bytes":16777216' "$T/srv")" = 3 ] || fail "not zero-copy: $(cat "$T/srv")"
exit 0
