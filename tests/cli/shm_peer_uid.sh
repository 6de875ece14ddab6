# Who may plug into a server's shm wire (root: setpriv switches uids).
# By default a client process of the server's uid and root: one of uid
# 65534 is refused, says so in one line (exit 1), the server logs the
# refusal in one line and goes on to serve a root client; --allow-uid
# 65534 or --allow-uid any admits it; a server of uid 65534 admits a
# client of its own uid and root.  Regression: a root server served a
# client started as nobody.
. "$(dirname "$0")/lib.inc"
# the option's values are checked before any wait (no root needed)
expect_error 2 server --wire shm:x --allow-uid -1 --wait 30
expect_error 2 server --wire shm:x --allow-uid nobody --wait 30
expect_error 2 server --wire shm:x --allow-uid 4294967295 --wait 30
expect_error 2 server --wire tap:x --allow-uid 65534 --wait 30
grep -q 'who may attach to an shm wire' "$T/err" || fail "tap --allow-uid: $(cat "$T/err")"
expect_error 2 client --wire shm:x --allow-uid 65534 --wait 30
[ "$(id -u)" = 0 ] || skip "not root: cannot run a client of another uid"
command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
NOBODY="setpriv --reuid 65534 --regid 65534 --clear-groups"
$NOBODY "$NETMEM" version >/dev/null 2>&1 || skip "uid 65534 cannot run $NETMEM"
# serve NAME ARGS...: a server for two connections of 4M in the background
serve() {
	n=$1; shift
	timeout 60 "$NETMEM" server --wire shm:$n --bytes 4M --wait 20 "$@" >"$T/srv" 2>"$T/srv.err" &
	spid=$!
}
served() {
	wait $spid; src=$?; spid=
	[ "$src" = 0 ] || fail "server exit $src: $(cat "$T/srv" "$T/srv.err")"
}
# default: nobody is refused, the server goes on and serves root
W=pu$UNIQ
serve $W --quiet
run $NOBODY "$NETMEM" client --wire shm:$W --bytes 4M --quiet
[ "$RC" = 1 ] || fail "nobody's client: exit $RC, wanted 1: $(cat "$T/out" "$T/err")"
[ "$(wc -l <"$T/err")" = 1 ] || fail "nobody's client: not one line: $(cat "$T/err")"
grep -q "^netmem client: shm:$W: .*refused this process by its credentials: uid 65534 may not attach" \
	"$T/err" || fail "nobody's client: $(cat "$T/err")"
grep -q 'netmem server --allow-uid 65534 would admit this client' "$T/err" || fail "no hint: $(cat "$T/err")"
run "$NETMEM" client --wire shm:$W --bytes 4M --quiet
[ "$RC" = 0 ] || fail "root's client after the refusal: exit $RC: $(cat "$T/err")"
served
[ "$(wc -l <"$T/srv.err")" = 1 ] || fail "server stderr: $(cat "$T/srv.err")"
grep -q "^netmem server: refused a client on shm:$W by its credentials: pid [0-9]* runs as uid 65534;" \
	"$T/srv.err" || fail "server's refusal line: $(cat "$T/srv.err")"
grep -q '^total: 1 of 1 connections ok, 4194304 bytes' "$T/srv" || fail "server total: $(cat "$T/srv")"
# --allow-uid 65534 (with another uid listed too), --allow-uid any
for allow in "--allow-uid 1000 --allow-uid 65534" "--allow-uid any"; do
	serve a$W $allow --quiet
	run $NOBODY "$NETMEM" client --wire shm:a$W --bytes 4M --quiet
	[ "$RC" = 0 ] || fail "$allow: nobody's client exit $RC: $(cat "$T/err")"
	served
	[ -s "$T/srv.err" ] && fail "$allow: server stderr: $(cat "$T/srv.err")"
done
# --allow-uid 1000 alone does not admit 65534
serve l$W --allow-uid 1000 --quiet --wait 3
run $NOBODY "$NETMEM" client --wire shm:l$W --bytes 4M --quiet
[ "$RC" = 1 ] && grep -q 'refused this process by its credentials' "$T/err" ||
	fail "--allow-uid 1000: nobody's client: $RC $(cat "$T/err")"
wait $spid; spid=
grep -q 'refused a client on shm:l.* runs as uid 65534; this server admits its own uid (0), root and its --allow-uid list' \
	"$T/srv.err" || fail "--allow-uid 1000: server: $(cat "$T/srv.err")"
# a server of uid 65534: the same uid, and root, are admitted
timeout 60 $NOBODY "$NETMEM" server --wire shm:n$W --bytes 4M --count 2 --wait 20 --quiet \
	>"$T/srv" 2>"$T/srv.err" &
spid=$!
run $NOBODY "$NETMEM" client --wire shm:n$W --bytes 4M --quiet
[ "$RC" = 0 ] || fail "nobody to nobody: exit $RC: $(cat "$T/err")"
run "$NETMEM" client --wire shm:n$W --bytes 4M --quiet
[ "$RC" = 0 ] || fail "root to nobody: exit $RC: $(cat "$T/err")"
served
grep -q '^total: 2 of 2 connections ok' "$T/srv" || fail "nobody's server: $(cat "$T/srv")"
exit 0
