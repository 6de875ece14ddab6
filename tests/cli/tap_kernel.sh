# Over a TAP in a private network namespace (root): demo with the kernel's
# TCP as sender; netmem server with ordinary kernel clients (a Python
# socket, one that resets midway); netmem client to a kernel server and
# to a kernel port nobody listens on; a TAP name already taken.
. "$(dirname "$0")/lib.inc"
[ "$(id -u)" = 0 ] || skip "needs root (a network namespace and TAP devices)"
unshare -n true 2>/dev/null || skip "cannot create network namespaces here"
run "$NETMEM" demo --wire tap --bytes 64M --json --quiet
[ "$RC" = 0 ] || fail "demo --wire tap: $RC $(cat "$T/err")"
[ "$(jfield validated)" = true ] && [ "$(jfield tx_path)" = '"kernel"' ] || fail "$(last_json)"
[ "$(jfield devmem_bytes)" -gt 0 ] || fail "tap demo not devmem: $(last_json)"
# the kernel's clients and server below are Python sockets
command -v python3 >/dev/null 2>&1 ||
	skip "no python3: the demo passed, but the kernel client and server parts did not run"
cat >"$T/kclient.py" <<'PY'
import socket, struct, sys, time
host, port, n, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
pat = bytes((i % 255) + 1 if i % 255 != 254 else 10 for i in range(255)) * 4200
for i in range(100):
    try:
        s = socket.create_connection((host, port), timeout=10); break
    except OSError:
        time.sleep(0.1)
sent = 0
while sent < n:
    k = min(len(pat) - 255, n - sent)
    off = sent % 255
    s.sendall(pat[off:off + k]); sent += k
if mode == "reset":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
else:
    s.shutdown(socket.SHUT_WR); s.recv(1)
s.close()
PY
cat >"$T/kserver.py" <<'PY'
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], int(sys.argv[2]))); l.listen(1); l.settimeout(30)
open(sys.argv[3], "w").write("ready\n")
# the ncdevmem pattern (-v 255): byte i is i % 255 + 1, or 10 where that is 255
pat = bytes((i % 255) + 1 if i % 255 != 254 else 10 for i in range(255)) * 4200
c, _ = l.accept(); got = 0; bad = -1
while True:
    b = c.recv(1 << 20)
    if not b: break
    want = pat[got % 255:got % 255 + len(b)]
    if bad < 0 and b != want:   # every byte, and where the first wrong one is
        bad = got + next(j for j in range(len(b)) if b[j] != want[j])
    got += len(b)
print(got, "bad at %d" % bad if bad >= 0 else "ok")
PY
cat >"$T/ns.sh" <<NS
set -e
ip link set lo up
"$NETMEM" server --wire tap:nmt$UNIQ --count 2 --bytes 8M --timeout 5 --wait 30 --json --quiet \
	>"$T/srv" 2>"$T/srv.err" &
spid=\$!
python3 "$T/kclient.py" 198.18.0.2 5201 8388608 reset || true
python3 "$T/kclient.py" 198.18.0.2 5201 8388608 ok
ret=0; wait \$spid || ret=\$?
echo "server \$ret" >"$T/srv.rc"
# the TAP name is taken while another program holds it
"$NETMEM" server --wire tap:nmt$UNIQ --wait 5 --quiet >/dev/null 2>"$T/taken.err" &
hpid=\$!
for i in \$(seq 100); do ip link show nmt$UNIQ >/dev/null 2>&1 && break; sleep 0.05; done
"$NETMEM" server --wire tap:nmt$UNIQ --wait 1 --quiet >/dev/null 2>"$T/taken2.err" || echo "\$?" >"$T/taken.rc"
kill \$hpid 2>/dev/null; wait \$hpid 2>/dev/null || true
# netmem client -> a kernel server (Python, listening on any address)
python3 "$T/kserver.py" 0.0.0.0 5201 "$T/ready" >"$T/kserver.out" &
kpid=\$!
for i in \$(seq 50); do [ -f "$T/ready" ] && break; sleep 0.2; done
ret=0; "$NETMEM" client --wire tap:nmc$UNIQ --bytes 16M --quiet >"$T/cli" 2>"$T/cli.err" || ret=\$?
echo "client \$ret" >"$T/cli.rc"
wait \$kpid || true
# netmem client -> a kernel port nobody listens on: refused for --wait, one line
ret=0; "$NETMEM" client --wire tap:nmc$UNIQ -p 5999 --wait 1 --quiet >/dev/null \
	2>"$T/refused.err" || ret=\$?
echo "\$ret" >"$T/refused.rc"
NS
timeout 120 unshare -n sh "$T/ns.sh" || fail "namespace script: $?"
grep -q 'server 1' "$T/srv.rc" || fail "server exit: $(cat "$T/srv.rc") $(cat "$T/srv.err")"
sed -n 1p "$T/srv" | grep -q '"result":"reset"' || fail "reset client: $(cat "$T/srv")"
sed -n 2p "$T/srv" | grep -q '"result":"ok".*"validated":true' || fail "python client: $(cat "$T/srv")"
grep -q '^1$' "$T/taken.rc" 2>/dev/null || fail "TAP taken: rc $(cat "$T/taken.rc" 2>/dev/null)"
[ "$(wc -l <"$T/taken2.err")" = 1 ] && grep -q taken "$T/taken2.err" || fail "TAP taken msg: $(cat "$T/taken2.err")"
grep -q '16777216 ok' "$T/kserver.out" || fail "kernel server got: $(cat "$T/kserver.out") client: $(cat "$T/cli.err")"
grep -q '^1$' "$T/refused.rc" || fail "client to a closed port: rc $(cat "$T/refused.rc")"
[ "$(wc -l <"$T/refused.err")" = 1 ] &&
	grep -q 'port 5999: refused for 1 s (nobody listens on that port)' "$T/refused.err" ||
	fail "closed port: $(cat "$T/refused.err")"
exit 0
