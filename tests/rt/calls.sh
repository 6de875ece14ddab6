# The socket calls and the waits of unmodified programs under `netmem run`
# behave as on Linux: nmp_api (a connected socket's names, options,
# TCP_INFO in the kernel's layout, read/write/readv/writev/MSG_PEEK/
# FIONREAD, O_NONBLOCK, SO_RCVTIMEO, dup/dup2, sendfile, a listener's
# ENOTCONN/EINVAL/EAGAIN; a dual-stack [::] listener that takes IPv4 as
# ::ffff:a.b.c.d next to an IPV6_V6ONLY one that does not) and nmp_wait
# (epoll level/edge/oneshot/exclusive, poll, ppoll, select over sockets
# and a pipe) assert Linux's answers; nmp_api close-race (sockets closed
# under other threads' calls).  Each runs on the kernel alone first
# (so the assertions are the kernel's), then under `netmem run` on a TAP
# with the kernel's TCP as the peer and on shm with a netmem peer.
rt_netns=1
. "$(dirname "$0")/lib.inc"
# ok WHAT FILE: FILE ends with the program's "ok" line
ok() { grep -q "^$1: ok\$" "$2" || fail "$1 ($WIRE): $(tail -5 "$2")"; }
rt_bg "$T/ksrv" "$P/nmp_server" thread 0.0.0.0 6000 1000
rt_until_listening 6000

# ---- the kernel alone
WIRE=kernel
timeout 60 "$P/nmp_api" calls 127.0.0.1 6000 127.0.0.1 6100 >"$T/out" 2>&1
ok "nmp_api calls" "$T/out"
timeout 60 "$P/nmp_wait" 127.0.0.1 6000 >"$T/out" 2>&1
ok nmp_wait "$T/out"
rt_bg "$T/v6s" "$P/nmp_api" v6-server 6200
rt_until_listening 6200
timeout 60 "$P/nmp_api" v6-client 127.0.0.1 6200 >"$T/out" 2>&1
ok "nmp_api v6-client" "$T/out"
rt_ok "nmp_api v6-server on the kernel" "$T/v6s"

# ---- TAP: the kernel's TCP is the peer
WIRE=tap
rt_tap "$P/nmp_api" calls 198.18.0.1 6000 198.18.0.2 6100 >"$T/out" 2>&1
ok "nmp_api calls" "$T/out"
rt_tap "$P/nmp_wait" 198.18.0.1 6000 >"$T/out" 2>&1
ok nmp_wait "$T/out"
rt_bg "$T/v6s" rt_tap "$P/nmp_api" v6-server 6202
rt_until_tap
timeout 60 "$P/nmp_api" v6-client 198.18.0.2 6202 >"$T/out" 2>&1
ok "nmp_api v6-client" "$T/out"
rt_ok "nmp_api v6-server under netmem run (TAP)" "$T/v6s"
rt_bg "$T/v6s" "$P/nmp_api" v6-server 6204
rt_until_listening 6204
rt_tap "$P/nmp_api" v6-client 198.18.0.1 6204 >"$T/out" 2>&1
ok "nmp_api v6-client" "$T/out"
rt_ok "nmp_api v6-server on the kernel" "$T/v6s"

# ---- shm: a netmem echo server is the peer
WIRE=shm
# (one shm wire per pair of processes: a wire's end is one process)
rt_shm_bg "$T/nsrv" c$UNIQ 198.18.0.1 "$P/nmp_server" thread 0.0.0.0 6000 2
# (without --quiet: netmem run's summary counts the two connections and
# what the program moved, a MSG_PEEK once, when it is read: 1000 + 8 + 3
# + 100 + 100 + 5000)
timeout 60 "$NETMEM" run --wire shm:c$UNIQ --addr 198.18.0.2/24 -- \
	"$P/nmp_api" calls 198.18.0.1 6000 198.18.0.2 6100 >"$T/out" 2>"$T/err"
ok "nmp_api calls" "$T/out"
grep -q '^netmem run: 2 connections, 6211 bytes in, 6211 bytes out, 0 drops$' "$T/err" ||
	fail "netmem run's summary: $(cat "$T/err")"
rt_ok "the netmem echo server (shm)" "$T/nsrv"
rt_shm_bg "$T/nsrv" w$UNIQ 198.18.0.1 "$P/nmp_server" thread 0.0.0.0 6000 2
rt_shm w$UNIQ 198.18.0.2 "$P/nmp_wait" 198.18.0.1 6000 >"$T/out" 2>&1
ok nmp_wait "$T/out"
rt_wait "$T/nsrv"	# (its second connection ends with a reset: unread data)
rt_shm_bg "$T/v6s" v$UNIQ 198.18.0.1 "$P/nmp_api" v6-server 6206
rt_shm v$UNIQ 198.18.0.2 "$P/nmp_api" v6-client 198.18.0.1 6206 >"$T/out" 2>&1
ok "nmp_api v6-client" "$T/out"
rt_ok "nmp_api v6-server under netmem run (shm)" "$T/v6s"

# ---- close-race: sockets made and closed on one fd number while other
# threads call on it: Linux's answers (EBADF or the socket's), no crash
# (rt_calls.asan runs it on the sanitized runtime)
WIRE=kernel
timeout 60 "$P/nmp_api" close-race >"$T/out" 2>&1
ok "nmp_api close-race" "$T/out"
WIRE=shm
rt_shm r$UNIQ 198.18.0.2 "$P/nmp_api" close-race >"$T/out" 2>&1
ok "nmp_api close-race" "$T/out"
exit 0
