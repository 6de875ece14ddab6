# A stdout that cannot be written (a full disk, a closed pipe, closed) is
# an error: one line on stderr, exit 1, for every command; --help and
# version too.  Regression: `netmem demo > /dev/full` exited 0.
. "$(dirname "$0")/lib.inc"
[ -w /dev/full ] || skip "no /dev/full"
# full_check WHAT: the last run failed with exit 1 and the one-line reason
full_check() {
	[ "$RC" = 1 ] || fail "$1 > /dev/full: exit $RC: $(cat "$T/err")"
	[ "$(grep -c 'writing to stdout' "$T/err")" = 1 ] || fail "$1: stderr: $(cat "$T/err")"
	grep -q '^netmem.*: writing to stdout: No space left on device$' "$T/err" ||
		fail "$1: message: $(cat "$T/err")"
}
for args in "demo --bytes 1M --quiet" "demo --bytes 1M --json --quiet" "version" "--help" \
	"demo --help" "server --help" "client --help" "bench --help"; do
	timeout 60 "$NETMEM" $args >/dev/full 2>"$T/err"; RC=$?
	full_check "$args"
done
# server and client over shm, both writing to /dev/full
W=full$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W --json --quiet --wait 20 >/dev/full 2>"$T/srv.err" &
spid=$!
timeout 60 "$NETMEM" client --wire shm:$W --bytes 1M --json --quiet >/dev/full 2>"$T/err"; RC=$?
full_check client
wait $spid; RC=$?
spid=
cp "$T/srv.err" "$T/err"
full_check server
# a closed pipe: EPIPE, not a silent death by SIGPIPE
{ sleep 0.5; "$NETMEM" version; echo $? >"$T/rc"; } 2>"$T/err" | true
RC=$(cat "$T/rc")
[ "$RC" = 1 ] || fail "version | (closed): exit $RC"
grep -q 'writing to stdout: Broken pipe' "$T/err" || fail "EPIPE: $(cat "$T/err")"
# stdout closed
timeout 60 "$NETMEM" demo --bytes 1M --quiet >&- 2>"$T/err"; RC=$?
[ "$RC" = 1 ] && grep -q 'writing to stdout' "$T/err" || fail "closed stdout: $RC $(cat "$T/err")"
# and a good stdout still exits 0
run "$NETMEM" demo --bytes 1M --quiet
[ "$RC" = 0 ] && [ ! -s "$T/err" ] || fail "demo to a file: $RC $(cat "$T/err")"
exit 0
