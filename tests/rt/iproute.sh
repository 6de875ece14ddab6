# NETLINK_ROUTE under `netmem run` with a real program, iproute2's `ip`,
# as the process that owns the NIC: `ip link show nm0` and
# `ip addr show dev nm0` find netmem's interface (its ifindex, MAC, MTU,
# queues, its address) beside the kernel's lo; changes to it are refused
# with EOPNOTSUPP ("Operation not supported"), the kernel's interfaces
# still answer.
rt_netns=1
. "$(dirname "$0")/lib.inc"
command -v ip >/dev/null 2>&1 || skip "no ip (iproute2)"

rt_tap sh -c '
	ip link show nm0 && ip addr show dev nm0 && ip -d link show dev nm0 &&
	ip -o link show && ip -o -4 addr show
	ip link set nm0 mtu 1400; echo "mtu rc=$?"
	ip addr add 198.18.0.9/24 dev nm0; echo "addr rc=$?"
	ip link show lo' >"$T/out" 2>&1 || fail "ip under netmem run: $(cat "$T/out")"
grep -Eq '^[0-9]+: nm0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP' "$T/out" ||
	fail "ip link show nm0: $(cat "$T/out")"
grep -q 'link/ether 02:00:00:00:4e:02 brd ff:ff:ff:ff:ff:ff' "$T/out" || fail "MAC: $(cat "$T/out")"
grep -q 'inet 198.18.0.2/24 brd 198.18.0.255 scope global nm0' "$T/out" || fail "address: $(cat "$T/out")"
grep -q 'numtxqueues 2 numrxqueues 2' "$T/out" || fail "queues: $(cat "$T/out")"
# the dumps: the kernel's lo and nm0 together
grep -Eq '^1: lo: ' "$T/out" && grep -Eq '^[0-9]+: nm0: ' "$T/out" || fail "ip -o link: $(cat "$T/out")"
grep -Eq 'nm0 +inet 198.18.0.2/24' "$T/out" || fail "ip -o -4 addr: $(cat "$T/out")"
# nm0's ifindex is none of the kernel's
idx=$(sed -n 's/^\([0-9]*\): nm0:.*/\1/p' "$T/out" | head -1)
ip -o link show | grep -q "^$idx:" && fail "nm0's ifindex $idx is the kernel's too"
[ "$(grep -c 'RTNETLINK answers: Operation not supported' "$T/out")" = 2 ] &&
	grep -qx 'mtu rc=2' "$T/out" && grep -qx 'addr rc=2' "$T/out" || fail "changes: $(cat "$T/out")"
exit 0
