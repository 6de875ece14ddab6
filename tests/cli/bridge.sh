# Two machines on a LAN (root): network namespaces A and B joined by a
# veth pair, B's end in a Linux bridge together with netmem's TAPs, which
# get no kernel address (a bridge's port).  A's kernel (198.18.0.1/24 on
# its veth) sends a validated stream to `netmem server` in B (198.18.0.2),
# and `netmem client` in B (198.18.0.3) sends one to a kernel server in A,
# which checks every byte.  A's kernel learns netmem's MAC through ARP.
. "$(dirname "$0")/lib.inc"
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, a bridge, TAP devices)"
command -v python3 >/dev/null 2>&1 || skip "no python3 (make test installs it: tools/deps.sh)"
KPEER=$(cd "$(dirname "$0")" && pwd)/kpeer.py
A=nmA$UNIQ B=nmB$UNIQ
ip netns add $A 2>/dev/null || skip "cannot create network namespaces here"
trap 'kill $spid $cpid 2>/dev/null; ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -rf "$T"' EXIT
ip netns add $B || fail "ip netns add $B"
set -e
ip -n $A link set lo up
ip -n $B link set lo up
ip link add va netns $A type veth peer name vb netns $B
ip -n $A addr add 198.18.0.1/24 dev va
ip -n $A link set va up
ip -n $B link add br0 type bridge
ip -n $B link set vb master br0
ip -n $B link set vb up
for tap in nmts nmtc; do
	ip -n $B tuntap add dev $tap mode tap
	ip -n $B link set $tap master br0
done
ip -n $B link set br0 up
set +e

# the kernel in A -> netmem server in B
timeout 60 ip netns exec $B "$NETMEM" server -f nmts --addr 198.18.0.2/24 --bytes 8M --wait 30 \
	--json >"$T/srv" 2>"$T/srv.err" &
spid=$!
timeout 60 ip netns exec $A python3 "$KPEER" client 198.18.0.2 5201 8388608 2>"$T/kc.err" ||
	fail "kernel client in A: $(cat "$T/kc.err") server: $(cat "$T/srv.err")"
wait $spid || fail "netmem server in B: $(cat "$T/srv.err")"
spid=
tail -1 "$T/srv" | grep -q '"ok":1,"bytes":8388608,.*"validated":true' ||
	fail "server: $(cat "$T/srv")"
grep -q 'TAP nmts: no kernel address (a bridge.s port)' "$T/srv.err" || fail "$(cat "$T/srv.err")"
# what A sees: netmem's MAC for 198.18.0.2, learnt by ARP
ip -n $A neigh show 198.18.0.2 dev va | grep -q 'lladdr 02:00:00:00:4e:02' ||
	fail "A's neighbour entry: $(ip -n $A neigh show dev va)"

# netmem client in B -> a kernel server in A, every byte checked there
timeout 60 ip netns exec $A python3 "$KPEER" server 198.18.0.1 5201 "$T/ready" >"$T/ks.out" 2>&1 &
cpid=$!
i=0
until [ -f "$T/ready" ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "kernel server did not start"; sleep 0.1; done
timeout 60 ip netns exec $B "$NETMEM" client -f nmtc --addr 198.18.0.3/24 -s 198.18.0.1 \
	--bytes 8M --quiet >"$T/cli" 2>"$T/cli.err" || fail "netmem client in B: $(cat "$T/cli.err")"
wait $cpid || fail "kernel server in A: $(cat "$T/ks.out")"
cpid=
grep -qx '8388608 ok' "$T/ks.out" || fail "kernel server in A got: $(cat "$T/ks.out")"
ip -n $A neigh show 198.18.0.3 dev va | grep -q 'lladdr 02:00:00:00:4e:01' ||
	fail "A's neighbour entry for the client: $(ip -n $A neigh show dev va)"

# neither TAP got a kernel address, and B's kernel has none on the LAN
[ -z "$(ip -n $B -4 addr show | grep 'inet 198\.18')" ] || fail "B's kernel: $(ip -n $B -4 addr)"
# a client on a bridged TAP must be told its server: one line, exit 2
NETMEM="ip netns exec $B $NETMEM"
expect_error 2 client -f nmtc --bytes 1M
grep -q 'has no kernel address' "$T/err" || fail "$(cat "$T/err")"
# and so must one told --host-addr none (refused before any TAP is touched)
expect_error 2 client --wire tap:nmtx$UNIQ --host-addr none --bytes 1M
grep -q 'has no kernel address to talk to (--host-addr none)' "$T/err" || fail "$(cat "$T/err")"
exit 0
