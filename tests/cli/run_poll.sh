# netmem run: poll, ppoll, select and epoll over netmem sockets and kernel
# fds together (rt_poll, rt_epoll), each against an echo peer on shm.
. "$(dirname "$0")/lib.inc"
need_rt rt_peer rt_poll rt_epoll
for pc in rt_poll:1 rt_epoll:2; do
	prog=${pc%:*}
	rt_peer_shm p$prog$UNIQ 198.18.0.1 echo 198.18.0.1 7000 ${pc#*:}
	run "$NETMEM" run --quiet --wire shm:p$prog$UNIQ --addr 198.18.0.2/24 -- \
		"$RT/$prog" 198.18.0.1 7000
	[ "$RC" = 0 ] || fail "$prog exit $RC: $(cat "$T/out" "$T/err")"
	grep -q "^$prog: ok\$" "$T/out" || fail "$prog: $(cat "$T/out")"
	wait $spid || fail "peer of $prog: $(cat "$T/peer.err")"
done
