# UDMABUF_CREATE_LIST end to end under netmem run: nmp_ncdevmem's server
# (tests/progs/ncdevmem.c, the kernel's headers only) with `list` makes
# its receive buffer as one UDMABUF_CREATE_LIST of two memfds and separate
# ranges of one (holes in both files), mmaps the dma-buf fd, binds it for
# RX with a hand-written genl bind-rx and receives the kernel's TCP stream
# over the TAP with recvmsg(MSG_SOCK_DEVMEM): every byte validated through
# the dma-buf's mmap between DMA_BUF_IOCTL_SYNC START and END, and again
# through each memfd's own mapping at the file offset the frag's buffer
# offset stands for; every item of the list received frags.
rt_netns=1
. "$(dirname "$0")/lib.inc"
N=$P/nmp_ncdevmem
D=$P/nmp_devmem
[ -x "$N" ] && [ -x "$D" ] || fail "no $N or $D: build the nmp_* targets (tests/progs/)"
command -v ethtool >/dev/null || fail "no ethtool: make deps-test installs it"
B=268435456

rt_bg "$T/srv" timeout 120 "$NETMEM" run --wire "tap:$TAP" --addr 198.18.0.2/24 \
	--host-addr 198.18.0.1/24 --quiet -- "$N" server nm0 198.18.0.2 5301 $B list
i=0
until grep -q "^listening" "$T/srv" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 400 ] || fail "nmp_ncdevmem does not listen: $(cat "$T/srv" "$T/srv.err")"
	[ -f "$T/srv.rc" ] && fail "nmp_ncdevmem: $(cat "$T/srv" "$T/srv.err")"
	sleep 0.05
done
"$D" send 198.18.0.2 5301 $B >"$T/ks" 2>&1 || fail "kernel sender: $(cat "$T/ks")"
rt_ok "nmp_ncdevmem list" "$T/srv"
for w in "^udmabuf: a list of 3 items over 2 memfds, 16777216 bytes" \
	 "^bound queues 1..1 to dma-buf" \
	 "^list: dma-buf frags per item [1-9][0-9]* [1-9][0-9]* [1-9][0-9]*, each byte also validated" \
	 "^nmp_ncdevmem: $B bytes, [1-9][0-9]* dma-buf frags, 0 linear, every byte validated"; do
	grep -q "$w" "$T/srv" || fail "no '$w': $(cat "$T/srv" "$T/srv.err")"
done
exit 0
