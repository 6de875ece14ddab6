# Signals, timeouts and a peer's reset under `netmem run`, as the kernel
# does them: nmp_misc (tests/progs/misc.c) runs each case on the kernel
# alone first -- the oracle -- then under `netmem run` on a TAP with the
# kernel's TCP as the peer and on shm with a netmem peer; the outputs must
# be the oracle's line for line.
#  signals: SIGINT during a blocking recv without SA_RESTART (EINTR), with
#    it (restarted, the data arrives), with it and SO_RCVTIMEO set (EINTR);
#    SO_RCVTIMEO alone (EAGAIN after the time); poll, epoll_wait and
#    accept interrupted (EINTR); the connection still good afterwards;
#    then SIGPIPE: a send after SHUT_WR with a handler, MSG_NOSIGNAL, write,
#    SIGPIPE blocked (left pending), ignored; and its default action
#  reconnect: connect again on a socket whose connect failed (no listener):
#    the failure reported to the next connect (ECONNABORTED once SO_ERROR
#    took it), then a new attempt that connects; non-blocking and blocking
#  reset: a peer sends 64 KiB and resets: every byte arrives (checked),
#    then ECONNRESET, then 0, and EPIPE for a send; in both roles
rt_netns=1
. "$(dirname "$0")/lib.inc"
rt_bg "$T/ksrv" "$P/nmp_server" thread 0.0.0.0 6000 1000
rt_until_listening 6000
# same WHAT FILE: FILE is the oracle's output
same() {
	diff -u "$T/oracle.$1" "$2" >"$T/diff" || fail "$1 ($2): differs from the kernel: $(cat "$T/diff")"
}
# oracle CASE ARGS...: nmp_misc CASE ARGS on the kernel alone
oracle() {
	_c=$1
	timeout 60 "$P/nmp_misc" "$@" >"$T/oracle.$_c" 2>&1 ||
		fail "nmp_misc $* on the kernel alone: $(tail -5 "$T/oracle.$_c")"
	grep -q '^-- end$' "$T/oracle.$_c" || fail "oracle $_c did not finish"
}

# ---- signals
oracle signals 127.0.0.1 6000
grep -q 'SA_RESTART and SO_RCVTIMEO *-1 EINTR' "$T/oracle.signals" && grep -q 'SIGPIPE pending *yes' "$T/oracle.signals" ||
	fail "the oracle is not what this test expects: $(cat "$T/oracle.signals")"
rt_tap "$P/nmp_misc" signals 198.18.0.1 6000 >"$T/tap.signals" 2>&1 ||
	fail "signals under netmem run (TAP): $(tail -5 "$T/tap.signals")"
same signals "$T/tap.signals"
# (the netmem server binds the port the kernel's server holds: a netmem
# socket bound while its stack comes up must not take the kernel's port)
rt_shm_bg "$T/nsrv" s$UNIQ 198.18.0.1 "$P/nmp_server" thread 0.0.0.0 6000 1000
rt_shm s$UNIQ 198.18.0.2 "$P/nmp_misc" signals 198.18.0.1 6000 >"$T/shm.signals" 2>&1 ||
	fail "signals under netmem run (shm): $(tail -5 "$T/shm.signals")"
same signals "$T/shm.signals"
# SIGPIPE's default action: the program dies of it, and so does netmem run
# (a shell sees 128 + 13), on both wires
sigpipe_dies() {
	_rc=0
	"$@" >"$T/out" 2>&1 || _rc=$?
	[ "$_rc" = 141 ] || fail "sigpipe-dies ($1 $2): exit $_rc, not 141 (SIGPIPE): $(tail -3 "$T/out")"
}
sigpipe_dies timeout 60 "$P/nmp_misc" sigpipe-dies 127.0.0.1 6000
sigpipe_dies rt_tap "$P/nmp_misc" sigpipe-dies 198.18.0.1 6000
rt_shm_bg "$T/nsrv2" p$UNIQ 198.18.0.1 "$P/nmp_server" thread 0.0.0.0 6000 1000
sigpipe_dies rt_shm p$UNIQ 198.18.0.2 "$P/nmp_misc" sigpipe-dies 198.18.0.1 6000

# ---- connect again after a failed connect (6001: no listener anywhere)
oracle reconnect 127.0.0.1 6000 6001
grep -q 'connect to the dead port again *-1 ECONNABORTED' "$T/oracle.reconnect" ||
	fail "the oracle is not what this test expects: $(cat "$T/oracle.reconnect")"
rt_tap "$P/nmp_misc" reconnect 198.18.0.1 6000 6001 >"$T/tap.reconnect" 2>&1 ||
	fail "reconnect under netmem run (TAP): $(tail -5 "$T/tap.reconnect")"
same reconnect "$T/tap.reconnect"
rt_shm_bg "$T/nsrv3" r$UNIQ 198.18.0.1 "$P/nmp_server" thread 0.0.0.0 6000 1000
rt_shm r$UNIQ 198.18.0.2 "$P/nmp_misc" reconnect 198.18.0.1 6000 6001 >"$T/shm.reconnect" 2>&1 ||
	fail "reconnect under netmem run (shm): $(tail -5 "$T/shm.reconnect")"
same reconnect "$T/shm.reconnect"

# ---- a peer's reset, both roles: the receiver's output, then the resetter's
# the oracle: kernel to kernel
rt_bg "$T/rs" "$P/nmp_misc" resetter-server 0.0.0.0 6010
rt_until_listening 6010
oracle reset-client 127.0.0.1 6010
rt_ok "resetter-server on the kernel" "$T/rs"
cp "$T/rs" "$T/oracle.resetter"
grep -q 'recv at the reset *-1 ECONNRESET' "$T/oracle.reset-client" ||
	fail "the oracle is not what this test expects: $(cat "$T/oracle.reset-client")"
rt_bg "$T/rc" "$P/nmp_misc" reset-server 0.0.0.0 6011
rt_until_listening 6011
"$P/nmp_misc" resetter-client 127.0.0.1 6011 >"$T/oracle.resetter2" 2>&1 ||
	fail "resetter-client on the kernel: $(cat "$T/oracle.resetter2")"
rt_ok "reset-server on the kernel" "$T/rc"
cp "$T/rc" "$T/oracle.reset-server"
# TAP: netmem receives, the kernel resets; then the other way round
rt_bg "$T/rs" "$P/nmp_misc" resetter-server 0.0.0.0 6012
rt_until_listening 6012
rt_tap "$P/nmp_misc" reset-client 198.18.0.1 6012 >"$T/out" 2>&1 ||
	fail "reset-client under netmem run (TAP): $(tail -5 "$T/out")"
same reset-client "$T/out"
rt_ok "kernel resetter-server" "$T/rs"
same resetter "$T/rs"
rt_bg "$T/rc" rt_tap "$P/nmp_misc" reset-server 0.0.0.0 6013
rt_until_tap
"$P/nmp_misc" resetter-client 198.18.0.2 6013 >"$T/out" 2>&1 ||
	fail "kernel resetter-client: $(cat "$T/out")"
rt_ok "reset-server under netmem run (TAP)" "$T/rc"
same reset-server "$T/rc"
# shm: netmem on both ends, both roles
rt_shm_bg "$T/rs" x$UNIQ 198.18.0.1 "$P/nmp_misc" resetter-server 0.0.0.0 6014
rt_shm x$UNIQ 198.18.0.2 "$P/nmp_misc" reset-client 198.18.0.1 6014 >"$T/out" 2>&1 ||
	fail "reset-client under netmem run (shm): $(tail -5 "$T/out")"
same reset-client "$T/out"
rt_ok "resetter-server under netmem run (shm)" "$T/rs"
same resetter "$T/rs"
rt_shm_bg "$T/rc" y$UNIQ 198.18.0.1 "$P/nmp_misc" reset-server 0.0.0.0 6015
rt_shm y$UNIQ 198.18.0.2 "$P/nmp_misc" resetter-client 198.18.0.1 6015 >"$T/out" 2>&1 ||
	fail "resetter-client under netmem run (shm): $(tail -5 "$T/out")"
same resetter2 "$T/out"
rt_ok "reset-server under netmem run (shm)" "$T/rc"
same reset-server "$T/rc"
exit 0
