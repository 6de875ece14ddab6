# The unmodified C server and client (tests/progs/) both under `netmem run`
# on one shm wire, each the other's netmem peer: blocking; a thread per
# connection; two threads on one socket; non-blocking with epoll (level-
# and edge-triggered, EPOLLONESHOT; two threads whose epolls share the
# listener with EPOLLEXCLUSIVE), poll and select, 64 connections at
# once; a dual-stack server.  Every byte is checked (the client compares
# the echo with what it sent); both exit statuses are their programs'.
rt_netns=1
. "$(dirname "$0")/lib.inc"
B=131072			# bytes per connection, each way
# SERVERMODE CONNS BYTES [CLIENTMODE] [SERVERADDR]
echo_shm() {
	_m=$1 _n=$2 _b=$3 _cm=${4:-$1} _sa=${5:-0.0.0.0}
	_w=e$UNIQ$_m$_n
	rt_shm_bg "$T/srv" $_w 198.18.0.1 "$P/nmp_server" "$_m" "$_sa" 5000 "$_n"
	rt_shm $_w 198.18.0.2 "$P/nmp_client" "$_cm" 198.18.0.1 5000 "$_n" "$_b" >"$T/cli" 2>&1 ||
		fail "netmem client $_cm -> netmem server $_m: $(cat "$T/cli")"
	grep -q "nmp_client $_cm: $_n connections, $_b bytes each, every byte checked" "$T/cli" ||
		fail "client $_cm: $(cat "$T/cli")"
	rt_ok "netmem server $_m ($_n connections of $_b bytes)" "$T/srv"
	grep -q "nmp_server $_m: $_n connections ok" "$T/srv.err" || fail "server $_m: $(cat "$T/srv.err")"
}
echo_shm block 2 1048576
echo_shm thread 64 $B
echo_shm thread 4 1048576 duplex
for m in epoll-lt epoll-et epoll-oneshot poll select; do
	echo_shm $m 64 $B
done
# two server threads, an epoll each, the listener EPOLLEXCLUSIVE in both
echo_shm epoll-excl 64 $B epoll-lt
# a dual-stack socket (::) takes IPv4 as ::ffff:198.18.0.1
echo_shm epoll-lt 2 65536 block ::
exit 0
