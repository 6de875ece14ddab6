# Addresses that cannot work are refused before any wait, one line, exit 2:
# a subnet's network or broadcast address (IPv6: subnet-router anycast) as
# the stack's, the kernel's or a peer's, and --addr / --host-addr of a TAP
# that are not in one subnet (the first connection waited forever).  Also
# a TAP error names the TAP once ("TAP lo: tap lo: ..." once).  As root the
# commands run in a network namespace of their own, so a check that fails
# to refuse leaves no TAP on the host's network.
. "$(dirname "$0")/lib.inc"
ROOT=
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
	ROOT=1
	NETMEM="unshare -n $NETMEM"
fi
expect_error 2 server --wire shm:x --addr 198.18.0.255/24 --wait 30
grep -q -- '--addr 198.18.0.255 is the broadcast address of 198.18.0.0/24' "$T/err" ||
	fail "broadcast: $(cat "$T/err")"
expect_error 2 server --wire shm:x --addr 198.18.0.0/24 --wait 30
grep -q -- 'is the network address of 198.18.0.0/24' "$T/err" || fail "network: $(cat "$T/err")"
expect_error 2 server --wire shm:x --addr 198.18.3.255/22 --wait 30
expect_error 2 server --wire shm:x -s 198.18.0.255 --wait 30
expect_error 2 server --wire shm:x -c 198.18.0.0 --wait 30
expect_error 2 client --wire shm:x -s 198.18.0.255 --wait 30
expect_error 2 server --wire shm:x --addr 2001:2::/64 --wait 30
grep -q 'subnet-router anycast' "$T/err" || fail "v6 anycast: $(cat "$T/err")"
expect_error 2 server --wire tap:x --host-addr 198.18.0.255/24 --wait 30
expect_error 2 client --wire tap:x --host-addr 198.18.0.0/24 --wait 30
# a TAP's two ends in different subnets: neither could reach the other
expect_error 2 server --wire tap:x --addr 10.0.0.2/24 --wait 30
grep -q -- '--addr 10.0.0.2/24 and --host-addr 198.18.0.1/24 are not in one subnet' "$T/err" ||
	fail "subnets: $(cat "$T/err")"
expect_error 2 client --wire tap:x --addr 198.18.1.2/16 --host-addr 198.18.0.1/24 --wait 30
expect_error 2 server --wire tap:x --addr 2001:2:1::2/64 --wait 30
# what is a host's address is taken: .255 in a /16, .0 in a /23's upper half
run $NETMEM server --wire shm:ok$UNIQ --addr 198.18.0.255/16 --wait 1
[ "$RC" = 1 ] && grep -q 'no client connected' "$T/err" || fail "198.18.0.255/16: $RC $(cat "$T/err")"
run $NETMEM server --wire shm:ok$UNIQ --addr 198.18.1.0/23 --wait 1
[ "$RC" = 1 ] && grep -q 'no client connected' "$T/err" || fail "198.18.1.0/23: $RC $(cat "$T/err")"
[ "$ROOT" ] || skip "not root (or no unshare -n): the TAP half did not run"
# one subnet with different prefix lengths is fine: the TAP comes up
run $NETMEM server --wire tap:nma$UNIQ --addr 198.18.0.2/24 --host-addr 198.18.0.1/16 --wait 1
[ "$RC" = 1 ] && grep -q 'no connection within 1 s' "$T/err" || fail "one subnet: $RC $(cat "$T/err")"
# a name that is not a TAP: one line that names it once
expect_error 1 server -f lo --wait 30
grep -q '^netmem server: nm_wire_tap_open: tap lo: .*not a TAP' "$T/err" || fail "-f lo: $(cat "$T/err")"
[ "$(grep -o 'lo:' "$T/err" | wc -l)" = 1 ] || fail "-f lo names lo more than once: $(cat "$T/err")"
exit 0
