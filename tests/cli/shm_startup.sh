# Client and server started together, in either order, with no sleep:
# the client waits (--wait) for the server's shm name and then for its
# listener.  The README's shm commands, 15 times back to back.
. "$(dirname "$0")/lib.inc"
# the client first; the server half a second later
W=first$UNIQ
timeout 60 "$NETMEM" client --wire shm:$W --bytes 8M --wait 20 --json --quiet >"$T/cli" \
	2>"$T/cli.err" &
cpid=$!
sleep 0.5
run "$NETMEM" server --wire shm:$W --bytes 8M --wait 20 --json --quiet
[ "$RC" = 0 ] || fail "server: $RC $(cat "$T/err")"
wait $cpid || fail "client started first: $(cat "$T/cli.err")"
cpid=
tail -1 "$T/cli" | grep -q '"total":true.*"ok":1' || fail "client: $(cat "$T/cli")"
# README: `server --wire shm:lab --count 2 --json &` then the client at once
i=0
while [ $i -lt 15 ]; do
	W=rd$i$UNIQ
	timeout 60 "$NETMEM" server --wire shm:$W --count 2 --json >"$T/srv" 2>"$T/srv.err" &
	spid=$!
	timeout 60 "$NETMEM" client --wire shm:$W --count 2 --bytes 4M >"$T/out" 2>"$T/err" ||
		fail "run $i: client: $(cat "$T/err")"
	wait $spid || fail "run $i: server: $(cat "$T/srv.err")"
	spid=
	tail -1 "$T/srv" | grep -q '"total":true,"connections":2,"ok":2' ||
		fail "run $i: server total: $(tail -1 "$T/srv")"
	i=$((i + 1))
done
exit 0
