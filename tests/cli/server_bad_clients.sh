# A client that closes early, resets, stalls or sends wrong bytes is
# reported and the server carries on to the next connection.  The client
# reports those connections as "faulted" (JSON only on stdout with --json)
# and counts their bytes in its total.  No sleep before the clients: they
# wait for their server (--wait).
. "$(dirname "$0")/lib.inc"
W=bad$UNIQ
timeout 90 "$NETMEM" server --wire shm:$W --count 4 --bytes 8M --timeout 2 --wait 20 --json \
	--quiet >"$T/srv" 2>"$T/srv.err" &
spid=$!
run "$NETMEM" client --wire shm:$W --bytes 8M --count 4 --fault 1:short:3M --fault 2:reset:2M \
	--fault 3:stall:1M --json --quiet
[ "$RC" = 0 ] || fail "client: $RC $(cat "$T/err")"
wait $spid; src=$?
[ "$src" = 1 ] || fail "server exit $src (wanted 1: not every connection was ok)"
sed -n 1p "$T/srv" | grep -q '"result":"short"' || fail "conn 1: $(sed -n 1p "$T/srv")"
sed -n 2p "$T/srv" | grep -q '"result":"reset"' || fail "conn 2: $(sed -n 2p "$T/srv")"
sed -n 3p "$T/srv" | grep -q '"result":"stalled"' || fail "conn 3: $(sed -n 3p "$T/srv")"
sed -n 4p "$T/srv" | grep -q '"result":"ok".*"validated":true' || fail "conn 4: $(sed -n 4p "$T/srv")"
sed -n 5p "$T/srv" | grep -q '"total":true.*"ok":1' || fail "total: $(sed -n 5p "$T/srv")"
# the client: JSON lines only, faulted connections said so, their bytes counted
grep -qv '^{' "$T/out" && fail "client --json printed non-JSON on stdout: $(grep -v '^{' "$T/out")"
[ "$(grep -c '^{' "$T/out")" = 5 ] || fail "client JSON lines: $(cat "$T/out")"
sed -n 1p "$T/out" | grep -q '"result":"faulted","fault":"short","bytes":3145728' ||
	fail "client conn 1: $(sed -n 1p "$T/out")"
sed -n 2p "$T/out" | grep -q '"result":"faulted","fault":"reset"' || fail "client conn 2: $(sed -n 2p "$T/out")"
sed -n 3p "$T/out" | grep -q '"result":"faulted","fault":"stalled"' || fail "client conn 3: $(sed -n 3p "$T/out")"
sed -n 4p "$T/out" | grep -q '"result":"ok"' || fail "client conn 4: $(sed -n 4p "$T/out")"
[ "$(jfield ok)" = 1 ] && [ "$(jfield faulted)" = 3 ] && [ "$(jfield failed)" = 0 ] ||
	fail "client total counts: $(last_json)"
[ "$(jfield bytes)" = $((14 << 20)) ] || fail "client total bytes (3M+2M+1M+8M): $(last_json)"
# wrong bytes: the server validates period 255, the client sends period 7
W=inv$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W --bytes 4M --wait 20 --json --quiet >"$T/srv" 2>&1 &
spid=$!
timeout 60 "$NETMEM" client --wire shm:$W -v 7 --bytes 4M --quiet >/dev/null 2>&1
wait $spid && fail "server accepted a wrong pattern"
grep -q '"result":"invalid".*byte 6 is 10, the pattern says 7' "$T/srv" || fail "invalid: $(cat "$T/srv")"
exit 0
