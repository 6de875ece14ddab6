# netmem server and client over a cross-process shm wire: two connections,
# each validated (-v 7 on both sides), JSON per connection, the total last.
. "$(dirname "$0")/lib.inc"
W=srv$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W -v 7 -q 1 -t 1 --queues 2 -p 7000 --count 2 \
	--bytes 16M --wait 20 --json --quiet >"$T/srv" 2>"$T/srv.err" &
spid=$!
sleep 0.3
run "$NETMEM" client --wire shm:$W -v 7 -p 7000 --bytes 16M --count 2 --json --quiet
[ "$RC" = 0 ] || fail "client exit $RC: $(cat "$T/err")"
wait $spid; src=$?
[ "$src" = 0 ] || fail "server exit $src: $(cat "$T/srv.err")"
[ "$(grep -c '^{' "$T/srv")" = 3 ] || fail "server JSON lines: $(cat "$T/srv")"
tail -1 "$T/srv" | grep -q '"total":true' || fail "total not last"
tail -1 "$T/srv" | grep -q '"ok":2' || fail "total: $(tail -1 "$T/srv")"
tail -1 "$T/srv" | grep -q '"validated":true' || fail "total not validated"
[ "$(grep -c '"result":"ok".*"validated":true' "$T/srv")" = 2 ] || fail "connections: $(cat "$T/srv")"
grep -q '"devmem_bytes":16777216' "$T/srv" || fail "not devmem: $(cat "$T/srv")"
[ "$(grep -c '"completions":16' "$T/out")" = 2 ] || fail "client completions: $(cat "$T/out")"
# IPv6 on the stack, copy paths, -c steering, human output
W=v6$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W --addr 2001:2::2/64 -c 2001:2::1 --rx copy \
	--bytes 4M --wait 20 --quiet >"$T/srv" 2>"$T/srv.err" &
spid=$!
sleep 0.3
run "$NETMEM" client --wire shm:$W --addr 2001:2::1/64 -s 2001:2::2 --tx copy --bytes 4M --quiet
[ "$RC" = 0 ] || fail "v6 client exit $RC: $(cat "$T/err")"
wait $spid || fail "v6 server: $(cat "$T/srv.err")"
grep -q 'conn 1 from \[2001:2::1\]' "$T/srv" || fail "v6 server output: $(cat "$T/srv")"
grep -q 'total: 1 of 1 connections ok' "$T/srv" || fail "v6 total: $(cat "$T/srv")"
exit 0
