# netmem run: the socket calls on netmem sockets and their errnos (rt_sock),
# against an echo peer that is another netmem process on an shm wire.
. "$(dirname "$0")/lib.inc"
need_rt rt_peer rt_sock
rt_peer_shm rs$UNIQ 198.18.0.1 echo 198.18.0.1 7000 2
run "$NETMEM" run --wire shm:rs$UNIQ --addr 198.18.0.2/24 -- "$RT/rt_sock" 198.18.0.1 7000 198.18.0.2
[ "$RC" = 0 ] || fail "rt_sock exit $RC: $(cat "$T/out" "$T/err")"
grep -q '^rt_sock: ok$' "$T/out" || fail "rt_sock: $(cat "$T/out")"
# the summary: two connections, the bytes both ways
grep -q '^netmem run: 2 connections, ' "$T/err" || fail "summary: $(cat "$T/err")"
wait $spid || fail "peer: $(cat "$T/peer.err")"
