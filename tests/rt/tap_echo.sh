# Unmodified C servers and clients (tests/progs/) under `netmem run` on a
# TAP, the kernel's TCP the peer, in both roles: blocking; a thread per
# connection; two threads on one socket; non-blocking with epoll (level-
# and edge-triggered, EPOLLONESHOT; two threads whose epolls share the
# listener with EPOLLEXCLUSIVE), poll and select, 64 connections at
# once.  Every byte is checked (an echo: the client compares what comes
# back with what it sent); the netmem side's exit status is its
# program's.  Each pair runs kernel to kernel first (the programs' own
# check).
rt_netns=1
. "$(dirname "$0")/lib.inc"
B=131072			# bytes per connection, each way
# MODE CONNS BYTES: netmem server, kernel client; then kernel server, netmem client
echo_both() {
	_m=$1 _n=$2 _b=$3 _cm=${4:-$1}
	rt_bg "$T/srv" "$P/nmp_server" "$_m" 127.0.0.1 5003 "$_n"
	rt_until_listening 5003
	"$P/nmp_client" "$_cm" 127.0.0.1 5003 "$_n" "$_b" >"$T/cli" 2>&1 ||
		fail "kernel to kernel, $_cm -> $_m: $(cat "$T/cli")"
	rt_ok "kernel server $_m (kernel client)" "$T/srv"
	rt_bg "$T/srv" rt_tap "$P/nmp_server" "$_m" 0.0.0.0 5000 "$_n"
	rt_until_tap
	"$P/nmp_client" "$_cm" 198.18.0.2 5000 "$_n" "$_b" >"$T/cli" 2>&1 ||
		fail "kernel client $_cm -> netmem server $_m: $(cat "$T/cli")"
	rt_ok "netmem server $_m ($_n connections of $_b bytes)" "$T/srv"
	grep -q "nmp_server $_m: $_n connections ok" "$T/srv.err" || fail "server $_m: $(cat "$T/srv.err")"
	rt_bg "$T/srv" "$P/nmp_server" "$_m" 0.0.0.0 5001 "$_n"
	rt_until_listening 5001
	rt_tap "$P/nmp_client" "$_cm" 198.18.0.1 5001 "$_n" "$_b" >"$T/cli" 2>&1 ||
		fail "netmem client $_cm -> kernel server $_m: $? $(cat "$T/cli")"
	grep -q "nmp_client $_cm: $_n connections, $_b bytes each, every byte checked" "$T/cli" ||
		fail "client $_cm: $(cat "$T/cli")"
	rt_ok "kernel server $_m" "$T/srv"
}
echo_both block 2 1048576
echo_both thread 64 $B
echo_both thread 4 1048576 duplex
for m in epoll-lt epoll-et epoll-oneshot poll select; do
	echo_both $m 64 $B
done
# two server threads, an epoll each, the listener EPOLLEXCLUSIVE in both
echo_both epoll-excl 64 $B epoll-lt
# a dual-stack socket (::) takes IPv4 as ::ffff:198.18.0.2
rt_bg "$T/srv" rt_tap "$P/nmp_server" epoll-lt :: 5002 2
rt_until_tap
"$P/nmp_client" block 198.18.0.2 5002 2 65536 >"$T/cli" 2>&1 ||
	fail "kernel client -> netmem server on [::]: $(cat "$T/cli")"
rt_ok "netmem server on [::]" "$T/srv"
exit 0
