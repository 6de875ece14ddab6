# With --json, a command that fails before its summary still puts one JSON
# object on stdout, {"cmd":CMD,"result":"error","error":WHY,"exit":N}, the
# same words as its one line on stderr, and exits N as before.  A total
# after a wait that ran out says why in "error".  Regression: stdout was
# empty, so a program reading the JSON saw nothing at all.
. "$(dirname "$0")/lib.inc"
# json_error CODE ARGS...: one stderr line, one stdout line, and they agree
json_error() {
	expect_error "$@"
	[ "$(wc -l <"$T/out")" = 1 ] || fail "netmem $*: stdout: $(cat "$T/out")"
	grep -q "^{\"cmd\":\"$2\",\"result\":\"error\",\"error\":\".*\",\"exit\":$1}\$" "$T/out" ||
		fail "netmem $*: JSON: $(cat "$T/out")"
	why=$(sed 's/^netmem [a-z]*: //' "$T/err")
	[ "$(sed 's/.*"error":"\(.*\)","exit".*/\1/' "$T/out")" = "$why" ] ||
		fail "netmem $*: JSON error is not stderr's: $(cat "$T/out") / $why"
}
# bad endpoints and values, wherever --json stands
json_error 2 server --wire shm:x -s not.an.ip --json
json_error 2 server --json --wire shm:x -s not.an.ip
json_error 2 client --json --wire 'shm:bad/name'
json_error 2 demo --json --bytes 0
json_error 2 server --json
# the same without --json: nothing on stdout
expect_error 2 server --wire shm:x -s not.an.ip
[ ! -s "$T/out" ] || fail "no --json, stdout: $(cat "$T/out")"
# no server on the wire
json_error 1 client --wire shm:none$UNIQ --wait 1 --json --quiet
grep -q '"error":"no server on shm:none' "$T/out" || fail "no server: $(cat "$T/out")"
# a wire name another server holds
W=taken$UNIQ
"$NETMEM" server --wire shm:$W --wait 20 --quiet >/dev/null 2>&1 &
spid=$!
wait_shm $W
json_error 1 server --wire shm:$W --json --quiet
grep -q 'the name is taken' "$T/out" || fail "name taken: $(cat "$T/out")"
kill $spid; wait $spid 2>/dev/null; spid=
# a TAP that cannot be opened (not root: needs root; root: a name that is
# not a TAP, lo)
if [ "$(id -u)" = 0 ]; then
	json_error 1 server --wire tap:lo --json --quiet
else
	json_error 1 server --wire tap:nm$UNIQ --json --quiet
fi
# a run that ends early on a wait still ends with its total, saying why
W=ew$UNIQ
"$NETMEM" server --wire shm:$W --wait 20 --timeout 2 --json --quiet >"$T/srv" 2>"$T/srv.err" &
spid=$!
run "$NETMEM" client --wire shm:$W -p 9 --wait 1 --json --quiet
[ "$RC" = 1 ] || fail "client to port 9: exit $RC: $(cat "$T/err")"
[ "$(grep -c '^{' "$T/out")" = 1 ] || fail "client to port 9: stdout: $(cat "$T/out")"
last_json | grep -q '"total":true.*"failed":1.*"error":"connect to 198.18.0.2 port 9: ' ||
	fail "client total: $(cat "$T/out")"
kill $spid; wait $spid 2>/dev/null; spid=
run "$NETMEM" server --wire shm:none$UNIQ --wait 1 --json --quiet
[ "$RC" = 1 ] || fail "server, nobody came: exit $RC"
[ "$(grep -c '^{' "$T/out")" = 1 ] && last_json | grep -q \
	'"total":true,"connections":0,.*"error":"no client connected to shm:none.* within 1 s"}$' ||
	fail "server total: $(cat "$T/out")"
exit 0
