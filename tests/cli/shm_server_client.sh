# netmem server and client over a cross-process shm wire: two connections,
# each validated (-v 7 on both sides), JSON per connection, the total last.
# The client starts right after (or before) its server: no sleep, --wait.
. "$(dirname "$0")/lib.inc"
W=srv$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W -v 7 -q 1 -t 1 --queues 2 -p 7000 --count 2 \
	--bytes 16M --wait 20 --json --quiet >"$T/srv" 2>"$T/srv.err" &
spid=$!
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
run "$NETMEM" client --wire shm:$W --addr 2001:2::1/64 -s 2001:2::2 --tx copy --bytes 4M --quiet
[ "$RC" = 0 ] || fail "v6 client exit $RC: $(cat "$T/err")"
wait $spid || fail "v6 server: $(cat "$T/srv.err")"
grep -q 'conn 1 from \[2001:2::1\]' "$T/srv" || fail "v6 server output: $(cat "$T/srv")"
grep -q 'total: 1 of 1 connections ok' "$T/srv" || fail "v6 total: $(cat "$T/srv")"
# -q 3 without --queues: the NIC grows to 3 queues, all bound
W=q3$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W -q 3 --bytes 4M --wait 20 >"$T/srv" 2>"$T/srv.err" &
spid=$!
run "$NETMEM" client --wire shm:$W --bytes 4M --quiet
[ "$RC" = 0 ] || fail "-q 3 client exit $RC: $(cat "$T/err")"
wait $spid || fail "-q 3 server: $(cat "$T/srv.err")"
grep -q 'on queues 0..2 of' "$T/srv.err" || fail "-q 3: $(cat "$T/srv.err")"
grep -q 'total: 1 of 1 connections ok.*all validated' "$T/srv" || fail "-q 3 total: $(cat "$T/srv")"
# a connection that carries nothing is not "validated"
W=zero$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W --count 2 --wait 20 --quiet >"$T/srv" 2>"$T/srv.err" &
spid=$!
run "$NETMEM" client --wire shm:$W --count 2 --bytes 1M --fault 1:short:0 --quiet
[ "$RC" = 0 ] || fail "0-byte client exit $RC: $(cat "$T/err")"
wait $spid || fail "0-byte server: $(cat "$T/srv.err")"
grep -q '^conn 1 from .*: ok, 0 bytes, nothing to validate$' "$T/srv" ||
	fail "0-byte conn: $(cat "$T/srv")"
grep -q '^conn 2 from .*: ok, 1048576 bytes .*, validated,' "$T/srv" || fail "conn 2: $(cat "$T/srv")"
grep -q 'validated' "$T/srv" && ! grep -q '^conn 1.*validated,' "$T/srv" || fail "$(cat "$T/srv")"
W=zj$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W --wait 20 --json --quiet >"$T/srv" 2>"$T/srv.err" &
spid=$!
run "$NETMEM" client --wire shm:$W --bytes 1M --fault 1:short:0 --quiet
wait $spid || fail "0-byte JSON server: $(cat "$T/srv.err")"
sed -n 1p "$T/srv" | grep -q '"result":"ok","bytes":0,.*"validated":false' ||
	fail "0-byte JSON: $(sed -n 1p "$T/srv")"
tail -1 "$T/srv" | grep -q '"total":true.*"validated":false' || fail "0-byte total: $(tail -1 "$T/srv")"
exit 0
