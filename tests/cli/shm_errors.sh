# Wire name taken, no server, no client, nobody on the port: one line
# each, non-zero, no hang.
. "$(dirname "$0")/lib.inc"
W=taken$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W --wait 20 --bytes 1M --quiet >"$T/srv" 2>&1 &
spid=$!
wait_shm $W
expect_error 1 server --wire shm:$W --wait 2 --quiet
grep -q taken "$T/err" || fail "name taken: $(cat "$T/err")"
run "$NETMEM" client --wire shm:$W --bytes 1M --quiet
[ "$RC" = 0 ] || fail "client to the first server: $RC $(cat "$T/err")"
wait $spid || fail "first server: $(cat "$T/srv")"
start=$(date +%s)
expect_error 1 client --wire shm:none$UNIQ --wait 2
grep -q "no server" "$T/err" || fail "no server: $(cat "$T/err")"
end=$(date +%s)
[ $((end - start)) -ge 1 ] && [ $((end - start)) -le 5 ] ||
	fail "client gave up after $((end - start)) s, not after --wait 2"
expect_error 1 server --wire shm:lonely$UNIQ --wait 1 --quiet
# a port nobody listens on: refused until --wait passes, then one line
W=port$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W -p 7000 --wait 2 --quiet >"$T/srv" 2>"$T/srv.err" &
spid=$!
expect_error 1 client --wire shm:$W -p 7001 --wait 1 --quiet
grep -q 'connect to 198.18.0.2 port 7001: refused for 1 s (nobody listens on that port)' \
	"$T/err" || fail "port nobody listens on: $(cat "$T/err")"
wait $spid && fail "server served nothing but exited 0"
spid=
grep -q 'no new client on shm:.* within 2 s (0 of 1' "$T/srv.err" || fail "server: $(cat "$T/srv.err")"
exit 0
