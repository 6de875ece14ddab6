# A client process that dies mid-stream (SIGKILL) or leaves early: the
# server reports that connection "gone" at once (not after --timeout),
# and a server killed mid-stream: the client says so at once, with the
# time and rate of what it sent (not "0.00 s");
# creates its shm wire again and serves the next clients; a client that
# attaches but opens no connection is let go after --timeout; with no
# next client the server ends after --wait.  Never a hang.
. "$(dirname "$0")/lib.inc"
W=kc$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W --count 3 --timeout 5 --wait 20 --json \
	>"$T/srv" 2>"$T/srv.err" &
spid=$!
# (not under timeout(1): the kill must reach the client itself)
"$NETMEM" client --wire shm:$W --bytes 64G --quiet >/dev/null 2>&1 &
cpid=$!
# kill it once the server has received for a second (a progress line)
i=0
until grep -q 'netmem server: .* MiB' "$T/srv.err"; do
	i=$((i + 1)); [ $i -lt 300 ] || fail "no data reached the server: $(cat "$T/srv.err")"
	sleep 0.05
done
kill -9 $cpid
wait $cpid 2>/dev/null
cpid=
t0=$(date +%s)
# the next client right away: it waits (--wait) while the server re-arms
run "$NETMEM" client --wire shm:$W --bytes 8M --count 2 --quiet
[ "$RC" = 0 ] || fail "client after the killed one: $RC $(cat "$T/err")"
t1=$(date +%s)
wait $spid; src=$?
[ "$src" = 1 ] || fail "server exit $src (wanted 1: one connection was not ok)"
sed -n 1p "$T/srv" | grep -q '"result":"gone".*"detail":"the client process ended' ||
	fail "killed client: $(sed -n 1p "$T/srv")"
sed -n 2p "$T/srv" | grep -q '"result":"ok".*"validated":true' || fail "conn 2: $(sed -n 2p "$T/srv")"
sed -n 3p "$T/srv" | grep -q '"result":"ok".*"validated":true' || fail "conn 3: $(sed -n 3p "$T/srv")"
sed -n 4p "$T/srv" | grep -q '"total":true,"connections":3,"ok":2' || fail "total: $(sed -n 4p "$T/srv")"
# gone is seen within a slice or two, not after --timeout 5
[ $((t1 - t0)) -lt 4 ] || fail "the next client waited $((t1 - t0)) s"
grep -q 'is gone; waiting for the next one' "$T/srv.err" || fail "no re-arm: $(cat "$T/srv.err")"

# a client that leaves after 1 of 2: the server waits --wait for the next
# and then ends with its total; a client that attaches and never gets a
# connection (nobody on its port) is let go after --timeout
W=lv$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W --count 2 --timeout 2 --wait 3 --json --quiet \
	>"$T/srv" 2>"$T/srv.err" &
spid=$!
run "$NETMEM" client --wire shm:$W --bytes 1M --quiet
[ "$RC" = 0 ] || fail "first client: $RC $(cat "$T/err")"
run "$NETMEM" client --wire shm:$W -p 9 --wait 30 --quiet
[ "$RC" = 1 ] || fail "client to port 9: exit $RC $(cat "$T/err")"
grep -q 'the server on shm:.* is gone' "$T/err" || fail "port-9 client: $(cat "$T/err")"
t0=$(date +%s)
wait $spid; src=$?
t1=$(date +%s)
[ "$src" = 1 ] || fail "server exit $src, wanted 1 (1 of 2 served)"
[ $((t1 - t0)) -le 5 ] || fail "server took $((t1 - t0)) s after its last client"
[ "$(wc -l <"$T/srv.err")" = 1 ] && grep -q 'no new client on shm:.* within 3 s (1 of 2' \
	"$T/srv.err" || fail "server stderr: $(cat "$T/srv.err")"
tail -1 "$T/srv" | grep -q '"total":true,"connections":1,"ok":1' || fail "total: $(cat "$T/srv")"

# the server dies mid-stream: the client reports it at once, exit 1
W=sk$UNIQ
"$NETMEM" server --wire shm:$W --quiet >/dev/null 2>&1 &
spid=$!
timeout 60 "$NETMEM" client --wire shm:$W --bytes 64G --json >"$T/cli" 2>"$T/cli.err" &
cpid=$!
i=0
until grep -q 'netmem client: .* MiB' "$T/cli.err"; do
	i=$((i + 1)); [ $i -lt 300 ] || fail "the client sent nothing: $(cat "$T/cli.err")"
	sleep 0.05
done
kill -9 $spid
wait $spid 2>/dev/null
t0=$(date +%s)
wait $cpid; crc=$?
t1=$(date +%s)
cpid=
[ "$crc" = 1 ] || fail "client exit $crc after its server died"
[ $((t1 - t0)) -lt 4 ] || fail "the client took $((t1 - t0)) s to see its server die"
sed -n 1p "$T/cli" | grep -q '"result":"error".*the server.s process ended' ||
	fail "client conn line: $(cat "$T/cli")"
python3 - "$T/cli" <<'PY' || fail "client JSON: $(cat "$T/cli")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
c = lines[0]
assert c["bytes"] > 0 and c["seconds"] > 0 and c["gbps"] > 0, c
# the total counts the failed connection's time with its bytes
t = lines[-1]
assert t["total"] and t["bytes"] == c["bytes"] and t["seconds"] > 0, t
assert abs(t["gbps"] - c["gbps"]) <= 0.01 * c["gbps"], (t, c)
PY
exit 0
