# A kernel dump larger than the emulated socket's receive queue, passed
# through under `netmem run`: 60000 routes (198.19.0.0/16 as /32s on lo,
# in the test's own network namespace) make a RTM_GETROUTE dump of about
# 4 MB, which the kernel hands out a datagram at a time as the program
# reads.  `ip route show table local` under netmem run must list every
# route the same `ip` lists without it, beside the TAP's own (the
# passthrough once queued the whole dump, dropped what passed 1 MiB and
# failed with ENOBUFS).
rt_netns=1
. "$(dirname "$0")/lib.inc"
command -v ip >/dev/null 2>&1 || skip "no ip (iproute2)"

i=0
while [ $i -lt 60000 ]; do
	echo "route add local 198.19.$((i / 250)).$((i % 250 + 1))/32 dev lo table local"
	i=$((i + 1))
done >"$T/routes"
ip -batch "$T/routes" || fail "ip -batch: adding the routes"
ip route show table local >"$T/want" || fail "ip route show without netmem run"
n=$(wc -l <"$T/want")
[ "$n" -gt 60000 ] || fail "only $n routes to compare"
rt_tap ip route show table local >"$T/all" 2>"$T/err" || fail "ip route under netmem run: $(cat "$T/err")"
# the TAP's kernel side adds its own local routes while netmem run lasts
grep -v " dev $TAP " "$T/all" >"$T/got"
cmp -s "$T/want" "$T/got" || fail "the dump differs: $(wc -l <"$T/got") lines of $n; $(head -3 "$T/err")"

# A program that reads the dump with 4 KiB buffers (libmnl's size) gets
# whole datagrams of at most that size, never a truncated one, and every
# route: python3's own netlink socket, with and without netmem run, as
# the process that owns the NIC and as a helper (a child of the shell
# netmem run starts: its socket is forwarded to the owner, which must cut
# the dump to the helper's receives).
cat >"$T/dump.py" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.bind((0, 0))
# RTM_GETROUTE (26), NLM_F_REQUEST|NLM_F_DUMP, struct rtmsg for AF_INET
s.send(struct.pack("=IHHII", 16 + 12, 26, 0x301, 1, 0) + struct.pack("=BBBBBBBBI", 2, 0, 0, 0, 0, 0, 0, 0, 0))
routes = 0
while True:
    data, anc, flags, addr = s.recvmsg(4096)
    if flags & socket.MSG_TRUNC:
        sys.exit("a truncated datagram of the dump")
    off, done = 0, False
    while off + 16 <= len(data):
        ln, typ = struct.unpack_from("=IH", data, off)
        if ln < 16:
            sys.exit("a message of length %d" % ln)
        if typ == 3:
            done = True
        elif typ == 2:
            sys.exit("the dump ended in an error")
        elif typ == 24:
            routes += 1
        off += (ln + 3) & ~3
    if done:
        break
print(routes)
PY
python3 "$T/dump.py" >"$T/pwant" || fail "python3's dump without netmem run"
rt_tap sh -c "python3 $T/dump.py; ip -4 route show table all | grep -c ' dev $TAP '" \
	>"$T/pgot" 2>"$T/perr" || fail "python3's dump under netmem run: $(cat "$T/perr")"
# the TAP's kernel side has routes of its own while netmem run lasts
got=$(sed -n 1p "$T/pgot") tap=$(sed -n 2p "$T/pgot")
[ "$got" -eq "$(($(cat "$T/pwant") + tap))" ] ||
	fail "python3 counted $got routes under netmem run ($tap of the TAP), $(cat "$T/pwant") without: $(cat "$T/perr")"
rt_tap python3 "$T/dump.py" >"$T/pown" 2>"$T/perr" || fail "python3's dump as the owner: $(cat "$T/perr")"
[ "$(cat "$T/pown")" = "$got" ] || fail "python3 as the owner counted $(cat "$T/pown") routes, $got as a helper"

# Requests while the kernel's dump runs on the socket: a do is answered
# (once, beside the dump's datagrams, which all still come), a second dump
# is refused with EBUSY, as the kernel does; with and without netmem run.
cat >"$T/mid.py" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.bind((0, 0))
rtmsg = struct.pack("=BBBBBBBBI", 2, 0, 0, 0, 0, 0, 0, 0, 0)
def req(typ, flags, seq, body):
    s.send(struct.pack("=IHHII", 16 + len(body), typ, flags, seq, 0) + body)
req(26, 0x301, 1, rtmsg)                       # RTM_GETROUTE dump, seq 1
got = {"routes": 0, "link": 0, "busy": 0, "done": 0}
first = True
while not got["done"] or not got["link"]:
    data = s.recv(32768)
    off = 0
    while off + 16 <= len(data):
        ln, typ, fl, seq = struct.unpack_from("=IHHI", data, off)
        if typ == 24 and seq == 1:
            got["routes"] += 1
        elif typ == 16 and seq == 2:          # RTM_NEWLINK: the do's reply
            got["link"] += 1
        elif typ == 2 and seq == 3:
            err = struct.unpack_from("=i", data, off + 16)[0]
            got["busy"] += err == -16
        elif typ == 3 and seq == 1:
            got["done"] += 1
        else:
            sys.exit("unexpected message type %d seq %d" % (typ, seq))
        off += (ln + 3) & ~3
    if first:
        first = False
        req(18, 0x1, 2, struct.pack("=BBHiII", 0, 0, 0, 1, 0, 0))   # RTM_GETLINK lo
        req(26, 0x301, 3, rtmsg)               # a second dump: EBUSY
print(got["routes"], got["link"], got["busy"], got["done"])
PY
python3 "$T/mid.py" >"$T/mwant" || fail "the dump with requests beside it, without netmem run"
read -r r l b d <"$T/mwant"
[ "$l $b $d" = "1 1 1" ] && [ "$r" -gt 60000 ] || fail "the kernel's own answers: $(cat "$T/mwant")"
rt_tap python3 "$T/mid.py" >"$T/mgot" 2>"$T/merr" || fail "the same under netmem run: $(cat "$T/merr")"
read -r r2 l2 b2 d2 <"$T/mgot"
[ "$l2 $b2 $d2" = "1 1 1" ] && [ "$r2" -eq "$got" ] ||
	fail "under netmem run: $(cat "$T/mgot") (routes, do replies, EBUSY, DONE); $got routes expected"
exit 0
