# A client that closes early, resets, stalls or sends wrong bytes is
# reported and the server carries on to the next connection.
. "$(dirname "$0")/lib.inc"
W=bad$UNIQ
timeout 90 "$NETMEM" server --wire shm:$W --count 4 --bytes 8M --timeout 2 --wait 20 --json \
	--quiet >"$T/srv" 2>"$T/srv.err" &
spid=$!
sleep 0.3
run "$NETMEM" client --wire shm:$W --bytes 8M --count 4 --fault 1:short:3M --fault 2:reset:2M \
	--fault 3:stall:1M --quiet
[ "$RC" = 0 ] || fail "client: $RC $(cat "$T/err")"
wait $spid; src=$?
[ "$src" = 1 ] || fail "server exit $src (wanted 1: not every connection was ok)"
sed -n 1p "$T/srv" | grep -q '"result":"short"' || fail "conn 1: $(sed -n 1p "$T/srv")"
sed -n 2p "$T/srv" | grep -q '"result":"reset"' || fail "conn 2: $(sed -n 2p "$T/srv")"
sed -n 3p "$T/srv" | grep -q '"result":"stalled"' || fail "conn 3: $(sed -n 3p "$T/srv")"
sed -n 4p "$T/srv" | grep -q '"result":"ok".*"validated":true' || fail "conn 4: $(sed -n 4p "$T/srv")"
sed -n 5p "$T/srv" | grep -q '"total":true.*"ok":1' || fail "total: $(sed -n 5p "$T/srv")"
# wrong bytes: the server validates period 255, the client sends period 7
W=inv$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W --bytes 4M --wait 20 --json --quiet >"$T/srv" 2>&1 &
spid=$!
sleep 0.3
timeout 60 "$NETMEM" client --wire shm:$W -v 7 --bytes 4M --quiet >/dev/null 2>&1
wait $spid && fail "server accepted a wrong pattern"
grep -q '"result":"invalid".*byte 6 is 10, the pattern says 7' "$T/srv" || fail "invalid: $(cat "$T/srv")"
exit 0
