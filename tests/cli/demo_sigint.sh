# SIGINT/SIGTERM stop netmem demo as they stop server and client: within a
# second the transfer ends "interrupted", the summary follows with what
# arrived (marked interrupted; JSON "result":"interrupted","signal":...),
# one line on stderr says so, and the exit status is 128 + the signal.
# Regression: the demo died on SIGINT with no summary.
. "$(dirname "$0")/lib.inc"
# sigstop SIG ARGS...: run demo ARGS in the background, send SIG after a
# second of transfer, RC its status once it exited (within 2 s)
sigstop() {
	sig=$1; shift
	"$NETMEM" demo "$@" >"$T/out" 2>"$T/err" &
	spid=$!
	sleep 1
	kill -0 $spid 2>/dev/null || fail "demo $*: ended before the signal: $(cat "$T/err")"
	kill -$sig $spid
	i=0
	while kill -0 $spid 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 40 ] || fail "demo $*: still runs 2 s after SIG$sig"
		sleep 0.05
	done
	wait $spid; RC=$?
	spid=
}
sigstop INT --bytes 8T --quiet
[ "$RC" = 130 ] || fail "SIGINT: exit $RC, wanted 130: $(cat "$T/err")"
grep -q '^netmem demo (interrupted by SIGINT): 8192.00 GiB over a shm wire' "$T/out" ||
	fail "no interrupted summary: $(cat "$T/out")"
grep -q '^  result:      interrupted - SIGINT after [1-9][0-9]* bytes' "$T/out" || fail "result: $(cat "$T/out")"
grep -q '^  validated:   every byte received until the signal' "$T/out" || fail "validated: $(cat "$T/out")"
grep -q '^  page pools:  ' "$T/out" || fail "summary incomplete: $(cat "$T/out")"
[ "$(wc -l <"$T/err")" = 1 ] && grep -q '^netmem demo: interrupted by SIGINT after [1-9][0-9]* of 8796093022208 bytes$' "$T/err" ||
	fail "stderr: $(cat "$T/err")"
# --json: the object, interrupted, with the bytes that came
sigstop TERM --bytes 8T --quiet --json
[ "$RC" = 143 ] || fail "SIGTERM: exit $RC, wanted 143: $(cat "$T/err")"
[ "$(grep -c '^{' "$T/out")" = 1 ] || fail "JSON lines: $(cat "$T/out")"
last_json | grep -q '"result":"interrupted","signal":"SIGTERM"' || fail "JSON: $(last_json)"
[ "$(jfield bytes)" -gt 0 ] || fail "JSON bytes: $(last_json)"
last_json | grep -q '"validated":false' || fail "an interrupted stream is not validated: $(last_json)"
grep -q '^netmem demo (interrupted by SIGTERM): ' "$T/err" || fail "JSON run's summary on stderr: $(cat "$T/err")"
# the kernel's TCP as the sender (root: the demo makes its own namespace)
[ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null || skip "not root: the TAP half did not run"
sigstop INT --wire tap --bytes 8T --quiet
[ "$RC" = 130 ] || fail "tap SIGINT: exit $RC, wanted 130: $(cat "$T/err")"
grep -q '^netmem demo (interrupted by SIGINT): .* over a TAP (kernel sender)' "$T/out" ||
	fail "tap summary: $(cat "$T/out")"
grep -q '^  result:      interrupted - SIGINT after [1-9][0-9]* bytes' "$T/out" || fail "tap result: $(cat "$T/out")"
exit 0
