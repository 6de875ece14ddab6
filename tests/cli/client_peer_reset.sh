# A client whose server resets its connection says so, with the bytes it
# had sent: the server (-v 7) meets a byte of another pattern (-v 255),
# closes with the stream unread, and its stack answers the client's next
# segments with RST.  Once the client read only "send: not connected
# (CLOSED)", which hides who ended the connection.  Both send paths.
. "$(dirname "$0")/lib.inc"
for tx in devmem copy; do
	W=rst$tx$UNIQ
	timeout 60 "$NETMEM" server --wire shm:$W -v 7 --wait 20 --quiet >"$T/srv" 2>"$T/srv.err" &
	spid=$!
	run "$NETMEM" client --wire shm:$W -v 255 --tx $tx --bytes 256M --quiet
	[ "$RC" = 1 ] || fail "$tx: client exit $RC, wanted 1: $(cat "$T/out" "$T/err")"
	wait $spid
	grep -q 'conn 1 from .*: invalid' "$T/srv" || fail "$tx: server: $(cat "$T/srv" "$T/srv.err")"
	grep -q '^conn 1 to .*: error - the peer reset the connection after [0-9]* bytes had been sent' \
		"$T/out" || fail "$tx: client does not say the peer reset it: $(cat "$T/out")"
	grep -q 'not connected' "$T/out" && fail "$tx: client still says not connected: $(cat "$T/out")"
	# the bytes named are the bytes counted
	said=$(sed -n 's/.*reset the connection after \([0-9]*\) bytes.*/\1/p' "$T/out")
	grep -q "), $said bytes in" "$T/out" || fail "$tx: $said bytes said, other bytes counted: $(cat "$T/out")"
done
# JSON: the same words in "detail"
W=rstj$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W -v 7 --wait 20 --quiet >"$T/srv" 2>"$T/srv.err" &
spid=$!
run "$NETMEM" client --wire shm:$W -v 255 --bytes 256M --json --quiet
wait $spid
grep '"conn":1' "$T/out" | grep -q '"result":"error".*"detail":"the peer reset the connection after' ||
	fail "JSON: $(cat "$T/out")"
exit 0
