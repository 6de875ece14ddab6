# The receiver example's kernel build (examples/devmem_receiver.c with
# -DNM_KERNEL_DEVMEM: plain sockets, /dev/udmabuf, a generic netlink
# bind-rx, as on a real devmem NIC) runs unchanged under netmem run: the
# kernel's TCP sends 16 MiB over the TAP and the example's count and byte
# sum are the stream's (connection 1's of tests/progs/prog.h).  One RX
# queue, bound: every payload byte lands in the dma-buf.
rt_netns=1
. "$(dirname "$0")/lib.inc"
X=$BUILD/examples/devmem_receiver_kernel
D=$P/nmp_devmem
[ -x "$X" ] || skip "no $X: the system's headers lack linux/udmabuf.h or genetlink.h"
[ -x "$D" ] || fail "no $D: build the nmp_* targets (tests/progs/)"
B=16777216
want=$(python3 -c "print(sum((i % 251) ^ 37 for i in range($B)))") || fail "python3"

rt_bg "$T/ex" timeout 60 "$NETMEM" run --queues 1 --wire "tap:$TAP" --addr 198.18.0.2/24 \
	--host-addr 198.18.0.1/24 --quiet -- "$X" --timeout 30 nm0 0
i=0
until "$D" send 198.18.0.2 5201 $B >"$T/ks" 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "kernel sender: $(cat "$T/ks"); example: $(cat "$T/ex" "$T/ex.err")"
	[ -f "$T/ex.rc" ] && fail "the example ended: $(cat "$T/ex" "$T/ex.err")"
	sleep 0.1
done
rt_ok "devmem_receiver_kernel" "$T/ex"
grep -q "^received $B bytes, byte sum $want$" "$T/ex" ||
	fail "example: $(cat "$T/ex" "$T/ex.err"), want $B bytes, sum $want"
exit 0
