# A helper process's netlink sockets forwarded to the process that owns
# the NIC (the control endpoint): nmp_nl (tests/progs/nl.c) run by a
# program through system() does its look-ups, a recv shorter than the
# reply (the length it returns), dumps, the bind-rx refusals
# with their extack, a binding (its memfd, the helper's fd, taken over by
# the owner) and its undoing when the helper's socket closes; the owner
# reads back afterwards that the helper's binding went with it.  iproute2
# (`ip link show nm0`, `ip addr show dev nm0`) as a helper too.
rt_netns=1
. "$(dirname "$0")/lib.inc"
E=$P/nmp_ethtool
N=$P/nmp_nl
[ -x "$E" ] && [ -x "$N" ] || fail "no $E or $N: build the nmp_* targets (tests/progs/)"

rt_tap "$E" nm0 system "$N netdev nm0 >$T/nl 2>&1" >"$T/show" 2>&1 ||
	fail "$(cat "$T/show") $(cat "$T/nl")"
for w in "ok family" "ok short recv" "ok bad iovec" "ok dev-get dump" "ok queue-get dump" "ok bind-rx" "ok close unbinds" \
	 'refused rx-page-size 12288: Invalid argument "rx-page-size must be a power of 2"' \
	 'refused a bound queue: File exists "designated queue already memory provider bound"'; do
	grep -qF "$w" "$T/nl" || fail "helper's netlink: no '$w': $(cat "$T/nl")"
done
# iproute2 as a helper: RTM_GETLINK and RTM_GETADDR for nm0 over its
# forwarded NETLINK_ROUTE socket
rt_tap "$E" nm0 system "ip link show nm0 >$T/link 2>&1" "ip addr show dev nm0 >$T/addr 2>&1" \
	>"$T/show" 2>&1 || fail "ip: $(cat "$T/show") $(cat "$T/link" "$T/addr" 2>/dev/null)"
grep -q "^[0-9]*: nm0: <.*UP" "$T/link" || fail "ip link show nm0: $(cat "$T/link")"
grep -q "inet 198.18.0.2/24 .* nm0" "$T/addr" || fail "ip addr show dev nm0: $(cat "$T/addr")"
# and the same program as the owner gives the same lines
rt_tap "$N" netdev nm0 >"$T/own" 2>&1 || fail "owner: $(cat "$T/own")"
diff "$T/own" "$T/nl" >"$T/diff" || fail "helper and owner differ: $(cat "$T/diff")"
exit 0
