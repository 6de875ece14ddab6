# examples/devmem_receiver and devmem_sender: --help is usage and exit 0,
# a wrong argument is usage on stderr and exit 2, every wait ends after
# --timeout (the receiver once waited forever, --help included), and the
# two together move the stream: the receiver counts and sums what the
# sender sent.  The kernel build of the receiver (-DNM_KERNEL_DEVMEM) takes
# IFNAME QUEUE, and a failure names what failed (/dev/udmabuf, the
# interface) without the usage.
. "$(dirname "$0")/lib.inc"
EX=$BUILD/examples
[ -x "$EX/devmem_receiver" ] && [ -x "$EX/devmem_sender" ] || skip "examples not built in $EX"
R=$EX/devmem_receiver S=$EX/devmem_sender K=$EX/devmem_receiver_kernel
# one shm wire name for both: no other test uses it
for p in "$R" "$S"; do
	n=$(basename "$p")
	run "$p" --help
	[ "$RC" = 0 ] || fail "$n --help: exit $RC (124: it waited): $(cat "$T/err")"
	grep -q "^usage: $n \[--timeout SEC\]" "$T/out" || fail "$n --help: $(cat "$T/out")"
	[ -s "$T/err" ] && fail "$n --help wrote to stderr: $(cat "$T/err")"
	for bad in --bogus extra "--timeout 0" "--timeout x" --timeout; do
		run "$p" $bad
		[ "$RC" = 2 ] || fail "$n $bad: exit $RC, wanted 2"
		head -1 "$T/err" | grep -q "^$n: " || fail "$n $bad: first line: $(cat "$T/err")"
		grep -q "^usage: $n" "$T/err" || fail "$n $bad: no usage: $(cat "$T/err")"
	done
done
# alone, each gives up after --timeout, in one line that says what it waited for
t0=$(date +%s)
run "$R" --timeout 1
[ "$RC" = 1 ] || fail "receiver alone: exit $RC (124: it waited)"
[ "$(wc -l <"$T/err")" = 1 ] && grep -q 'no sender attached to shm wire devmem-example within 1 s' "$T/err" ||
	fail "receiver alone: $(cat "$T/err")"
run "$S" --timeout 1
[ "$RC" = 1 ] || fail "sender alone: exit $RC (124: it waited)"
[ "$(wc -l <"$T/err")" = 1 ] && grep -q 'no devmem_receiver waits on shm wire devmem-example' "$T/err" ||
	fail "sender alone: $(cat "$T/err")"
[ $(($(date +%s) - t0)) -le 10 ] || fail "two 1 s timeouts took $(($(date +%s) - t0)) s"
# together (the sender may start first): what arrives is what was sent.
# with_sender RECEIVER: run RECEIVER against the sender and check the
# stream: length and byte sum against what the sender says it sent
with_sender() {
	n=$(basename "$1")
	timeout 60 "$S" --timeout 20 >"$T/snd" 2>"$T/snd.err" &
	cpid=$!
	run "$1" --timeout 20
	wait $cpid; src=$?
	[ "$RC" = 0 ] || fail "$n: exit $RC: $(cat "$T/err")"
	[ "$src" = 0 ] || fail "sender to $n: exit $src: $(cat "$T/snd.err")"
	sent=$(sed -n 's/^sent \([0-9]*\) bytes from device memory in \([0-9]*\) sendmsg.*/\1/p' "$T/snd")
	calls=$(sed -n 's/^sent [0-9]* bytes from device memory in \([0-9]*\) sendmsg.*/\1/p' "$T/snd")
	[ -n "$sent" ] && [ "$sent" -ge 67108864 ] || fail "sender: $(cat "$T/snd")"
	grep -q "^received $sent bytes, byte sum " "$T/out" || fail "$n received vs sent $sent: $(cat "$T/out")"
	# each full send carries dma-buf bytes 4096..1 MiB-1, the byte at i being i % 256
	if [ $((sent % 1044480)) = 0 ] && [ $((sent / 1044480)) = "$calls" ]; then
		grep -q "byte sum $((calls * 133171200))\$" "$T/out" || fail "$n byte sum: $(cat "$T/out")"
	fi
}
with_sender "$R"
# examples/zcrx_receiver: the same stream through io_uring zcrx (RECV_ZC into
# an area of its memory, buffers back through the refill ring), same sums
Z=$EX/zcrx_receiver
if [ -x "$Z" ]; then
	run "$Z" --help
	[ "$RC" = 0 ] && grep -q '^usage: zcrx_receiver \[--timeout SEC\]' "$T/out" ||
		fail "zcrx_receiver --help: $RC $(cat "$T/out" "$T/err")"
	for bad in --bogus extra "--timeout 0"; do
		run "$Z" $bad
		[ "$RC" = 2 ] && grep -q '^usage: zcrx_receiver' "$T/err" || fail "zcrx_receiver $bad: $RC"
	done
	with_sender "$Z"
fi
# the kernel build
[ -x "$K" ] || { echo "no $K (kernel headers lack udmabuf): its half did not run"; exit 0; }
run "$K" --help
[ "$RC" = 0 ] && grep -q '^usage: devmem_receiver_kernel \[--timeout SEC\] IFNAME QUEUE' "$T/out" ||
	fail "kernel --help: $RC $(cat "$T/out" "$T/err")"
for bad in "" lo "lo x" "lo 1 2" --bogus; do
	run "$K" $bad
	[ "$RC" = 2 ] && grep -q '^usage: devmem_receiver_kernel' "$T/err" || fail "kernel '$bad': $RC $(cat "$T/err")"
done
run "$K" nosuch$UNIQ 1
[ "$RC" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "interface nosuch$UNIQ: " "$T/err" ||
	fail "kernel, no such interface: $RC $(cat "$T/err")"
run "$K" --timeout 1 lo 1
[ "$RC" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] || fail "kernel lo 1: exit $RC: $(cat "$T/err")"
grep -q usage "$T/err" && fail "kernel lo 1: usage for good arguments: $(cat "$T/err")"
if [ -e /dev/udmabuf ]; then
	grep -q 'bind-rx of lo queue 1' "$T/err" || fail "kernel lo 1: $(cat "$T/err")"
else
	grep -q 'open /dev/udmabuf: No such file or directory' "$T/err" || fail "kernel lo 1: $(cat "$T/err")"
fi
exit 0
