# Bad use of sockets gets the kernel's errno under `netmem run`, never a
# crash: nmp_errno (closed fds: EBADF; a listening socket: ENOTCONN; bad
# optlen: EINVAL; unknown options: ENOPROTOOPT; and ~150 more calls) runs
# first on the kernel alone -- the oracle -- and then under `netmem run`
# on a TAP (the kernel's TCP the peer) and on shm (a netmem peer); each
# output must be the oracle's, line for line.
rt_netns=1
. "$(dirname "$0")/lib.inc"
# the oracle: kernel to kernel on the namespace's loopback
rt_bg "$T/ksrv" "$P/nmp_server" thread 0.0.0.0 6000 1000
rt_until_listening 6000
timeout 60 "$P/nmp_errno" 127.0.0.1 6000 6100 >"$T/oracle" 2>&1 ||
	fail "nmp_errno on the kernel alone: $(tail -5 "$T/oracle")"
grep -q '^-- end$' "$T/oracle" || fail "the oracle did not finish: $(tail -5 "$T/oracle")"
grep -q 'EBADF' "$T/oracle" && grep -q 'ENOTCONN' "$T/oracle" && grep -q 'ENOPROTOOPT' "$T/oracle" ||
	fail "the oracle lacks the errnos this test is for"
# TAP: the kernel's echo server (the one above) at 198.18.0.1
rt_tap "$P/nmp_errno" 198.18.0.1 6000 6100 >"$T/tap" 2>&1 ||
	fail "nmp_errno under netmem run (TAP): exit $?: $(tail -5 "$T/tap")"
diff -u "$T/oracle" "$T/tap" >"$T/diff" || fail "TAP: errnos differ from the kernel's: $(cat "$T/diff")"
# shm: an echo server under netmem run is the peer
rt_shm_bg "$T/nsrv" r$UNIQ 198.18.0.1 "$P/nmp_server" thread 0.0.0.0 6000 1000
rt_shm r$UNIQ 198.18.0.2 "$P/nmp_errno" 198.18.0.1 6000 6100 >"$T/shm" 2>&1 ||
	fail "nmp_errno under netmem run (shm): exit $?: $(tail -5 "$T/shm")"
diff -u "$T/oracle" "$T/shm" >"$T/diff" || fail "shm: errnos differ from the kernel's: $(cat "$T/diff")"
# shm, nmp_errno first: it makes the wire, and the runtime opens its fds in
# the background (the rendezvous, then the stack when the other end comes)
# while the program closes fds and expects EBADF on them; its first
# sockets pend for the stack meanwhile
rt_shm_bg "$T/first" p$UNIQ 198.18.0.2 "$P/nmp_errno" 198.18.0.1 6000 6100
rt_bg "$T/nsrv2" rt_shm p$UNIQ 198.18.0.1 "$P/nmp_server" thread 0.0.0.0 6000 1000
rt_ok "nmp_errno under netmem run (shm, first)" "$T/first"
diff -u "$T/oracle" "$T/first" >"$T/diff" ||
	fail "shm, nmp_errno first: errnos differ from the kernel's: $(cat "$T/diff")"
exit 0
