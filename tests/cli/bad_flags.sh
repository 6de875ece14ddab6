# Bad flags: one line on stderr, exit 2, never a hang or a trace.
. "$(dirname "$0")/lib.inc"
expect_error 2 frobnicate
expect_error 2 demo --bytes lots
expect_error 2 demo --bytes 0
expect_error 2 demo --bytes 2Q
expect_error 2 demo --loss 2
expect_error 2 demo --loss -1
expect_error 2 demo --reorder x
expect_error 2 demo --mtu 10
expect_error 2 demo --queues 0
# the demo suggests only wires it takes (once: shm:NAME, which it refuses)
expect_error 2 demo --wire fibre
grep -q "the demo's wire is shm or tap" "$T/err" || fail "demo --wire fibre: $(cat "$T/err")"
for w in foo shm: shmx tap:x; do
	expect_error 2 demo --wire "$w"
	grep -q 'shm, shm:NAME' "$T/err" && fail "demo --wire $w suggests what the demo refuses: $(cat "$T/err")"
done
expect_error 2 demo --wire shm:mine
grep -q -- '--wire shm or --wire tap' "$T/err" || fail "demo --wire shm:mine: $(cat "$T/err")"
expect_error 2 demo --rx zerocopy
expect_error 2 demo --bogus
expect_error 2 demo --bytes
expect_error 2 demo extra
expect_error 2 demo -p 0
expect_error 2 demo -p 65536
expect_error 2 demo --wire tap --loss 0.1
expect_error 2 demo --dmabuf-size 5000
expect_error 2 server
expect_error 2 server --wire shm
expect_error 2 server --wire tap:averyveryverylongname
expect_error 2 server --wire 'shm:bad/name'
expect_error 2 server --wire shm:x --host-addr 198.18.0.1/24
expect_error 2 server --wire tap:x --addr 198.18.0.1/24 --host-addr 198.18.0.1/24
expect_error 2 server --wire tap:x --addr 198.18.0.2/99
expect_error 2 server --wire tap:x -s 2001:2::2 --host-addr 198.18.0.1/24
expect_error 2 server --wire shm:x -s not.an.ip
expect_error 2 server --wire shm:x -t 5 -q 1 --queues 2
# queues are checked before any wait for a client (--wait 30 would show)
expect_error 2 server --wire shm:x -q 3 --queues 2 --wait 30
grep -q -- '-q 3: the NIC has 2 queues (--queues 2)' "$T/err" || fail "-q 3: $(cat "$T/err")"
expect_error 2 server --wire shm:x -t 1 -q 2 --queues 2 --wait 30
grep -q -- '-t 1 -q 2: queues 1..2 do not exist, the NIC has 2' "$T/err" || fail "-t 1 -q 2: $(cat "$T/err")"
expect_error 2 server --wire shm:x -t 40 -q 64 --wait 30
expect_error 2 client --wire shm:x -q 1
expect_error 2 client --wire shm:x -t 0
expect_error 2 server --wire shm:x --count 0
expect_error 2 server --wire shm:x -v abc
expect_error 2 client --wire shm:x --tx foo
expect_error 2 client --wire shm:x --fault 1:explode:1M
# a fault for a connection past --count is refused, not silently ignored
expect_error 2 client --wire shm:x --count 2 --fault 3:short:1M --wait 30
grep -q -- 'only 2 connections' "$T/err" || fail "--fault 3 --count 2: $(cat "$T/err")"
# a fault past --bytes would never happen (the whole stream went out
# "faulted"): refused before any wait, in either order of the flags
expect_error 2 client --wire shm:x --fault 1:short:2G --bytes 1M --wait 30
grep -q -- '--fault 1:short:2G: 2147483648 bytes is past --bytes 1048576' "$T/err" ||
	fail "--fault past --bytes: $(cat "$T/err")"
expect_error 2 client --wire shm:x --bytes 1M --fault 1:reset:1025K --wait 30
expect_error 2 client --wire shm:x --fault 1:stall:2G --wait 30
expect_error 2 client --wire shm:x --bytes 1M --fault 1:short:1M --wait 30
# ... but a reset or a stall after the last byte is a fault (no wire: exit 1)
run "$NETMEM" client --wire shm:nosuch$UNIQ --bytes 1M --fault 1:reset:1M --wait 1
[ "$RC" = 1 ] && grep -q 'no server on shm' "$T/err" || fail "--fault 1:reset:1M --bytes 1M: $RC $(cat "$T/err")"
expect_error 2 client --wire shm:x -c 198.18.0.9 --addr 198.18.0.1/24
expect_error 2 bench --bogus
run "$NETMEM"
[ "$RC" = 2 ] && grep -q usage "$T/err" || fail "no arguments: exit $RC"
run "$NETMEM" --help
[ "$RC" = 0 ] && grep -q demo "$T/out" || fail "--help"
run "$NETMEM" version
[ "$RC" = 0 ] && grep -q '^netmem [0-9]' "$T/out" || fail "version"
# no stray arguments, like every subcommand
expect_error 2 version extra
expect_error 2 --version extra
expect_error 2 help extra
exit 0
