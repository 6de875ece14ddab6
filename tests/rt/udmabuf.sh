# /dev/udmabuf and /dev/dma_heap/system under netmem run, from an
# unmodified program (tests/progs/udmabuf.c, glibc and the kernel's uAPI
# headers only): UDMABUF_CREATE and _LIST on sealed memfds, the heap's
# ALLOC, the dma-buf fds mmapped (the memfd's own pages), DMA_BUF_IOCTL_SYNC
# and DMA_BUF_SET_NAME, and each of the kernel's refusals with its errno.
rt_netns=1
. "$(dirname "$0")/lib.inc"
U=$P/nmp_udmabuf
[ -x "$U" ] || fail "no $U: build the nmp_* targets (tests/progs/)"

# the devices need no NIC: a wire that never comes is fine
"$NETMEM" run --wire "shm:ub$UNIQ" --addr 198.18.0.1/24 --quiet -- "$U" >"$T/u" 2>&1 ||
	fail "nmp_udmabuf: $(cat "$T/u")"
grep -q "^nmp_udmabuf: all checks passed" "$T/u" || fail "nmp_udmabuf: $(cat "$T/u")"

# outside netmem run the kernel answers (where it has the udmabuf module)
"$U" >"$T/k" 2>&1
rc=$?
[ $rc = 0 ] || [ $rc = 77 ] || fail "nmp_udmabuf on the kernel: exit $rc: $(cat "$T/k")"
exit 0
