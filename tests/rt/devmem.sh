# devmem TCP through plain socket calls under `netmem run`: nmp_devmem
# (tests/progs/devmem.c, glibc and the kernel's headers only) receives
# with recvmsg(MSG_SOCK_DEVMEM) + SO_DEVMEM_DONTNEED into a dma-buf bound
# to an RX queue, and sends from a dma-buf bound for TX with
# sendmsg(SCM_DEVMEM_DMABUF, MSG_ZEROCOPY) + MSG_ERRQUEUE completions; the
# control plane is the runtime's hooks (bind-rx, steering, bind-tx).
# Every byte is checked where it lies (the dma-buf, or the iov):
#  - shm: the devmem sender and the devmem receiver, both under netmem run;
#  - TAP: the kernel's TCP sending to the devmem receiver, and the devmem
#    sender sending to a kernel receiver.
rt_netns=1
. "$(dirname "$0")/lib.inc"
D=$P/nmp_devmem
[ -x "$D" ] || fail "no $D: build the nmp_* targets (tests/progs/)"
B=16777216

# shm
rt_bg "$T/rx" rt_shm dm$UNIQ 198.18.0.2 "$D" rx 198.18.0.2 6000 $B
rt_shm dm$UNIQ 198.18.0.1 "$D" tx 198.18.0.2 6000 $B >"$T/tx" 2>&1 ||
	fail "shm: devmem sender: $(tail -5 "$T/tx")"
grep -q "^nmp_devmem tx: $B bytes from device memory in [0-9]* sends, [0-9]* completions" "$T/tx" ||
	fail "shm: devmem sender: $(cat "$T/tx")"
rt_ok "shm: devmem receiver" "$T/rx"
grep -q "^nmp_devmem rx: $B bytes, $B in [1-9][0-9]* dma-buf frags, 0 linear, every byte checked" "$T/rx" ||
	fail "shm: devmem receiver: $(cat "$T/rx")"

# TAP: the kernel sends, the devmem receiver under netmem run checks
rt_bg "$T/rx" rt_tap "$D" rx 198.18.0.2 6001 $B
"$D" send 198.18.0.2 6001 $B >"$T/ks" 2>&1 || fail "kernel sender: $(tail -5 "$T/ks")"
rt_ok "TAP: devmem receiver" "$T/rx"
grep -q "^nmp_devmem rx: $B bytes, [1-9][0-9]* in [1-9][0-9]* dma-buf frags" "$T/rx" ||
	fail "TAP: devmem receiver: $(cat "$T/rx")"

# TAP: the devmem sender under netmem run, the kernel receives and checks
rt_bg "$T/kr" "$D" recv 0.0.0.0 6002 $B
rt_until_listening 6002
rt_tap "$D" tx 198.18.0.1 6002 $B >"$T/tx" 2>&1 || fail "TAP: devmem sender: $(tail -5 "$T/tx")"
grep -q "^nmp_devmem tx: $B bytes from device memory" "$T/tx" || fail "TAP: devmem sender: $(cat "$T/tx")"
rt_ok "kernel receiver" "$T/kr"
grep -q "^nmp_devmem recv: $B bytes, every byte checked" "$T/kr" || fail "kernel receiver: $(cat "$T/kr")"
exit 0
