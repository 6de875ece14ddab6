# A connection's life under `netmem run` around fork, exec, exit and
# SIGKILL (tests/progs/life.c, glibc and the kernel's headers only):
#  - fork + exec: children that close the inherited socket, use it
#    (EBADFD) or exec a program whose own socket is refused (EBUSY: it
#    does not own the NIC) leave the parent's echo intact, every byte
#    checked; over TAP against the kernel and over shm against a netmem
#    server;
#  - exit: a program that returns from main with its socket open sends a
#    FIN after its bytes (the kernel peer reads them all, then the end of
#    stream), or an RST when data it never read is queued (the kernel
#    peer's recv fails with ECONNRESET);
#  - SIGKILL: the program killed mid-connection, netmem run ends with the
#    same signal and leaves nothing: no TAP, no /dev/shm object, no
#    process, no shm name.
rt_netns=1
. "$(dirname "$0")/lib.inc"
L=$P/nmp_life
[ -x "$L" ] || fail "no $L: build the nmp_* targets (tests/progs/)"
PY=$(command -v python3) || skip "no python3 (tools/deps.sh test installs it)"
B=1048576
# wait_line_re FILE RE: until a line of FILE matches RE, 10 s
wait_line_re() {
	i=0
	until grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 200 ] || fail "no '$2' in $1 within 10 s: $(cat "$1" "$1.err")"
		sleep 0.05
	done
}

# fork + exec, TAP: the kernel echoes
rt_bg "$T/srv" "$P/nmp_server" block 0.0.0.0 5000 1
rt_until_listening 5000
rt_tap "$L" echo 198.18.0.1 5000 $B >"$T/out" 2>&1 || fail "TAP: fork/exec echo: $(tail -5 "$T/out")"
grep -q "^nmp_life echo: $B bytes echoed across fork, use, exec: every byte checked" "$T/out" ||
	fail "TAP: $(cat "$T/out")"
rt_ok "kernel echo server" "$T/srv"

# fork + exec, shm: a netmem server echoes
rt_bg "$T/srv" rt_shm lf$UNIQ 198.18.0.2 "$P/nmp_server" block 0.0.0.0 5001 1
rt_shm lf$UNIQ 198.18.0.1 "$L" echo 198.18.0.2 5001 $B >"$T/out" 2>&1 ||
	fail "shm: fork/exec echo: $(tail -5 "$T/out")"
grep -q "^nmp_life echo: $B bytes echoed" "$T/out" || fail "shm: $(cat "$T/out")"
rt_ok "shm: netmem echo server" "$T/srv"

# exit: the kernel peer says how the connection ended and what it read
cat >"$T/peer.py" <<'PY'
import socket, sys
port, send = int(sys.argv[1]), int(sys.argv[2])
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", port))
l.listen(1)
l.settimeout(30)
c, _ = l.accept()
c.settimeout(30)
if send:
    c.sendall(b"u" * send)
got = 0
try:
    while True:
        b = c.recv(65536)
        if not b:
            print("fin", got)
            break
        got += len(b)
except ConnectionResetError:
    print("rst", got)
PY
rt_bg "$T/kp" $PY "$T/peer.py" 5002 0
rt_until_listening 5002
rt_tap "$L" exit 198.18.0.1 5002 $B fin >"$T/out" 2>&1 || fail "exit (fin): $(tail -5 "$T/out")"
rt_ok "kernel peer (fin)" "$T/kp"
[ "$(cat "$T/kp")" = "fin $B" ] || fail "exit with the socket open: the peer saw '$(cat "$T/kp")', wanted 'fin $B'"

rt_bg "$T/kp" $PY "$T/peer.py" 5003 1000
rt_until_listening 5003
rt_tap "$L" exit 198.18.0.1 5003 4096 rst >"$T/out" 2>&1 || fail "exit (rst): $(tail -5 "$T/out")"
rt_ok "kernel peer (rst)" "$T/kp"
grep -q '^rst ' "$T/kp" || fail "exit with unread data: the peer saw '$(cat "$T/kp")', wanted an RST"

# kill_hold WIRE: SIGKILL to the nmp_life process (not netmem run) that
# this test's `netmem run --wire WIRE` started (rt_life.asan may run the
# same programs beside it: its netmem run names another wire); its pid
# in $hpid
kill_hold() {
	hpid=$(run_child "$1" "$L" | head -1)
	[ -n "$hpid" ] || fail "no nmp_life hold process under netmem run on $1"
	kill -KILL "$hpid"
}
# run_child WIRE EXE: the pids of EXE started by a netmem run on WIRE
run_child() {
	pgrep -f -- "--wire $1 " | while read -r r; do
		pgrep -P "$r" | while read -r p; do
			[ "$(readlink /proc/$p/exe)" = "$(readlink -f "$2")" ] && echo $p; done
	done
}

# SIGKILL: TAP
shm_before=$(ls /dev/shm | sort)
rt_bg "$T/kp" $PY "$T/peer.py" 5004 0
rt_until_listening 5004
rt_bg "$T/hold" "$NETMEM" run --quiet --wire "tap:$TAP" --addr 198.18.0.2/24 --host-addr 198.18.0.1/24 \
	-- "$L" hold 198.18.0.1 5004
wait_line_re "$T/hold" "^connected"
kill_hold "tap:$TAP"
rt_wait "$T/hold"
[ "$RC" = 137 ] || fail "SIGKILL of the program: netmem run exit $RC, wanted 137 (the same signal)"
! kill -0 "$hpid" 2>/dev/null || fail "the killed program is still there"
! ip link show "$TAP" >/dev/null 2>&1 || fail "TAP $TAP left after SIGKILL"
# (this run's processes only: rt_life.asan may run beside it)
[ -z "$(pgrep -f -- "tap:$TAP ")" ] || fail "processes left: $(pgrep -af -- "tap:$TAP ")"
kill $(pgrep -f -- "$T/peer.py 5004") 2>/dev/null

# SIGKILL: shm, the killed program the wire's creator
rt_bg "$T/hold" "$NETMEM" run --quiet --wire "shm:k$UNIQ" --addr 198.18.0.1/24 \
	-- "$L" hold 198.18.0.2 5005
rt_bg "$T/ks" rt_shm k$UNIQ 198.18.0.2 "$P/nmp_server" block 0.0.0.0 5005 1
wait_line_re "$T/hold" "^connected"
grep -q "@netmem-shm-k$UNIQ\$" /proc/net/unix || fail "no shm name while connected"
kill_hold "shm:k$UNIQ"
rt_wait "$T/hold"
[ "$RC" = 137 ] || fail "shm: SIGKILL of the program: netmem run exit $RC, wanted 137"
# the peer process still holds its end; the name was the killed one's
kill $(run_child "shm:k$UNIQ" "$P/nmp_server") 2>/dev/null
rt_wait "$T/ks"
i=0
while grep -q "@netmem-shm-k$UNIQ\$" /proc/net/unix; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "shm name left after SIGKILL"
	sleep 0.05
done
! kill -0 "$hpid" 2>/dev/null || fail "the killed program is still there (shm)"
[ -z "$(pgrep -f -- "shm:k$UNIQ ")" ] || fail "processes left: $(pgrep -af -- "shm:k$UNIQ ")"
[ "$(ls /dev/shm | sort)" = "$shm_before" ] || fail "/dev/shm objects left: $(ls /dev/shm)"
exit 0
