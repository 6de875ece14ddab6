# A shell under netmem run configures the NIC with Debian's ethtool, then
# runs the program that receives (issue 16, "helper processes"):
#   sh -c 'ethtool -L ...; ethtool -N ...; ./prog; echo done'
#   sh -c 'ethtool ...; exec ./prog'
#   sh -c 'ethtool ...; ./prog; ./prog'
# The shell answered ethtool's requests with a NIC for control only (no
# wire); ./prog's first netmem socket takes the NIC over with what ethtool
# set (src/rt/up.c, nic_conf.c), exec carries it to the new image, and
# ./prog's exit hands it back to the shell for the next program.
# nmp_ethtool sink reads the configuration back (SIOCETHTOOL) and checks
# every byte of a stream from the kernel's TCP (TAP) or from another netmem
# process (shm); its helpers then read its NIC: ethtool -S shows the ntuple
# rule steering the stream to its queue, nmp_nl the tcp-data-split and
# hds-thresh that nmp_nl set through the shell (ethtool netlink).  A
# process that runs the NIC with sockets still refuses another (EBUSY).
# On main the shell kept the NIC: ./prog's bind got EBUSY, and an exec lost
# what ethtool had set.
rt_netns=1
. "$(dirname "$0")/lib.inc"
E=$P/nmp_ethtool
NL=$P/nmp_nl
[ -x "$E" ] && [ -x "$NL" ] || fail "no $E or $NL: build the nmp_* targets (tests/progs/)"
command -v ethtool >/dev/null || fail "no ethtool: make deps-test installs it"
command -v python3 >/dev/null || fail "no python3"

# sudo in front of one command (a helper that never owns the NIC: sudo
# closes the run page's fd); not on the sanitized runtime, as in
# ethtool_cmd.sh
SUDO="sudo "
case ${NETMEM_PRELOAD:-} in *.asan.so) SUDO= ;; esac
BYTES=4194304
KEY=01:23:45:67:89:ab:cd:ef:10:32:54:76:98:ba:dc:fe:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:a0:a1:a2:a3:a4:a5:a6:a7
# ethtool's commands, one per line of a shell script; PORT the flow's.
# Debian's ethtool 6.1 has no -G tcp-data-split: nmp_nl sets it, and
# hds-thresh, over the ethtool netlink family
ethtool_cmds() {
	echo "ethtool -L nm0 rx 3 tx 3 &&
$NL rings nm0 off 256 >/dev/null &&
ethtool -G nm0 rx 1024 tx 2048 &&
ethtool -X nm0 equal 2 hkey $KEY &&
${SUDO}ethtool -K nm0 rxhash off &&
ethtool -N nm0 flow-type tcp4 dst-port $1 action 2 loc 5 >/dev/null"
}

# the kernel's TCP sends BYTES of the ncdevmem pattern (period 251) to
# 198.18.0.2:PORT
kernel_send() {
	python3 - "$1" "$BYTES" 251 <<'EOF' || fail "the kernel's sender to port $1"
import socket, sys, time
port, n, per = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
pat = bytes(k + 1 if k != per - 1 else 10 for k in range(per))
buf = pat * ((1 << 16) // per + 2)
end = time.time() + 20
while True:
    try:
        s = socket.create_connection(("198.18.0.2", port), timeout=5)
        break
    except OSError:
        if time.time() > end:
            raise
        time.sleep(0.1)
off = 0
while off < n:
    i = off % per
    c = buf[i:i + min(n - off, 1 << 16)]
    s.sendall(c)
    off += len(c)
s.shutdown(socket.SHUT_WR)
s.settimeout(20)
s.recv(1)
s.close()
EOF
}

# until FILE shows the program listened and read its configuration (40 s:
# five ethtool commands before it, slow on the sanitized runtime)
until_shown() {
	_i=0
	until grep -q "^rxhash" "$1" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt 800 ] || fail "$2: the program never listened: $(cat "$1" "$1.err" 2>/dev/null)"
		sleep 0.05
	done
}

# what the program read back and received; what its helpers read from its
# NIC after the stream: ethtool -S (FILE.S), rings over netlink (FILE.rings)
check_show() {
	_s=$(cat "$1")
	for _l in "channels rx 3 tx 3" "rings rx 1024 tx 2048" \
		"rule 5 flow 0x1 dst-port $3 action 2" "indir 0 1 0 1 0 1 0 1" \
		"key $(echo $KEY | tr 'A-F' 'a-f')" "rxhash 0" "ntuple 1" "sink: $BYTES bytes ok"; do
		echo "$_s" | grep -q "^$_l" || fail "$2: no '$_l' in: $_s $(cat "$1.err" 2>/dev/null)"
	done
	grep -q "^tcp-data-split 1 hds-thresh 256$" "$1.rings" ||
		fail "$2: rings over netlink: $(cat "$1.rings")"
	_rx2=$(sed -n 's/^ *rx2_bytes: //p' "$1.S")
	[ "${_rx2:-0}" -ge "$BYTES" ] ||
		fail "$2: the rule's queue 2 received ${_rx2:-nothing}: $(cat "$1.S")"
}

# 1. the shell stays (its last command is not the program): handover
rt_bg "$T/run1" rt_tap sh -c "$(ethtool_cmds 5301) || exit 9
$E nm0 sink 198.18.0.2 5301 $BYTES 251 'ethtool -S nm0 >$T/show1.S' '$NL rings nm0 >$T/show1.rings' >$T/show1 2>$T/show1.err
echo done \$?"
until_shown "$T/show1" "sh; prog"
kernel_send 5301
rt_ok "sh -c 'ethtool ...; prog; echo done'" "$T/run1"
grep -q "^done 0$" "$T/run1" || fail "sh; prog: $(cat "$T/run1" "$T/show1.err")"
check_show "$T/show1" "sh; prog" 5301

# 2. the shell execs the program: the configuration crosses the exec
rt_bg "$T/run2" rt_tap sh -c "$(ethtool_cmds 5302) || exit 9
exec $E nm0 sink 198.18.0.2 5302 $BYTES 251 'ethtool -S nm0 >$T/show2.S' '$NL rings nm0 >$T/show2.rings' >$T/show2 2>$T/show2.err"
until_shown "$T/show2" "sh; exec prog"
kernel_send 5302
rt_ok "sh -c 'ethtool ...; exec prog'" "$T/run2"
check_show "$T/show2" "sh; exec prog" 5302

# 3. bash runs a -c script's last command by exec when it has no
# redirection (no exec word): the program's output is the run's
if command -v bash >/dev/null; then
	rt_bg "$T/run3" rt_tap bash -c "$(ethtool_cmds 5303) || exit 9
$E nm0 sink 198.18.0.2 5303 $BYTES 251 'ethtool -S nm0 >$T/run3.S' '$NL rings nm0 >$T/run3.rings'"
	until_shown "$T/run3" "bash; prog"
	kernel_send 5303
	rt_ok "bash -c 'ethtool ...; prog'" "$T/run3"
	check_show "$T/run3" "bash; prog" 5303
fi

# 4. shm: the other end is another netmem process (netmem client); the
# shell's control-only NIC never took the wire, the program's NIC does
W=nmho$UNIQ
rt_bg "$T/cli" timeout 60 "$NETMEM" client --wire "shm:$W" -s 198.18.0.2 -c 198.18.0.1 \
	-p 5304 -v 251 --bytes $BYTES --tx copy --wait 30
rt_shm "$W" 198.18.0.2 sh -c "$(ethtool_cmds 5304) || exit 9
$E nm0 sink 198.18.0.2 5304 $BYTES 251 'ethtool -S nm0 >$T/show4.S' '$NL rings nm0 >$T/show4.rings' >$T/show4 2>$T/show4.err
echo done \$?" >"$T/run4" 2>&1 || fail "shm: sh; prog: $(cat "$T/run4" "$T/show4.err")"
grep -q "^done 0$" "$T/run4" || fail "shm: sh; prog: $(cat "$T/run4" "$T/show4.err")"
rt_ok "netmem client over shm" "$T/cli"
check_show "$T/show4" "shm: sh; prog" 5304

# 5. two programs one after the other: the first one's exit hands the
# configuration back to the shell, the second runs on it too
rt_bg "$T/run6" rt_tap sh -c "$(ethtool_cmds 5307) || exit 9
$E nm0 sink 198.18.0.2 5307 $BYTES 251 'ethtool -S nm0 >$T/show6.S' '$NL rings nm0 >$T/show6.rings' >$T/show6 2>$T/show6.err || exit 7
$E nm0 sink 198.18.0.2 5307 $BYTES 251 'ethtool -S nm0 >$T/show7.S' '$NL rings nm0 >$T/show7.rings' >$T/show7 2>$T/show7.err
echo done \$?"
until_shown "$T/show6" "sh; prog; prog (the first)"
kernel_send 5307
until_shown "$T/show7" "sh; prog; prog (the second)"
kernel_send 5307
rt_ok "sh -c 'ethtool ...; prog; prog'" "$T/run6"
grep -q "^done 0$" "$T/run6" || fail "sh; prog; prog: $(cat "$T/run6" "$T/show7.err")"
check_show "$T/show6" "sh; prog; prog (the first)" 5307
check_show "$T/show7" "sh; prog; prog (the second)" 5307

# 6. a process that runs the NIC with its sockets is never asked to hand
# over: a second program's bind to netmem's address is refused (EBUSY)
rt_bg "$T/run5" rt_tap sh -c "ethtool -L nm0 rx 3 tx 3 || exit 9
$E nm0 sink 198.18.0.2 5305 $BYTES 251 >$T/show5 2>$T/show5.err &
i=0; until grep -q '^rxhash' $T/show5; do i=\$((i+1)); [ \$i -lt 800 ] || exit 8; sleep 0.05; done
$E nm0 bind 198.18.0.2 5306 >$T/busy 2>&1
wait \$!"
until_shown "$T/show5" "a real owner"
kernel_send 5305
rt_ok "sh -c 'ethtool ...; prog & prog2'" "$T/run5"
grep -q "^sink: $BYTES bytes ok" "$T/show5" || fail "a real owner: $(cat "$T/show5" "$T/show5.err")"
grep -q "^bind: EBUSY$" "$T/busy" || fail "a second program next to a real owner: $(cat "$T/busy")"
exit 0
