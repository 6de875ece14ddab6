# --pcap over a TAP with the kernel's TCP as the peer (root, a private
# network namespace): the demo's kernel sender -> netmem, and netmem client
# -> a kernel server (Python).  Debian's tcpdump reads both files, the TCP
# payload reassembled from each is the stream sent, byte for byte, and the
# files hold the GSO super-frames (longer than the MTU allows) that cross a
# TAP with offloads, as documented.
. "$(dirname "$0")/lib.inc"
PY=$(cd "$(dirname "$0")" && pwd)/pcap_tcp.py
KPEER=$(cd "$(dirname "$0")" && pwd)/kpeer.py
[ "$(id -u)" = 0 ] || skip "needs root (a network namespace and TAP devices)"
unshare -n true 2>/dev/null || skip "cannot create network namespaces here"
command -v python3 >/dev/null 2>&1 || skip "no python3 (make test installs it: tools/deps.sh)"
TCPDUMP=$(command -v tcpdump || ls /usr/sbin/tcpdump /sbin/tcpdump 2>/dev/null | head -1)
[ -n "$TCPDUMP" ] || skip "no tcpdump (make test installs it: tools/deps.sh)"

run "$NETMEM" demo --wire tap --bytes 16M --pcap "$T/demo.pcap" --quiet
[ "$RC" = 0 ] || fail "demo --wire tap --pcap: exit $RC: $(cat "$T/err")"
cat >"$T/ns.sh" <<EOF
ip link set lo up
python3 "$KPEER" server 0.0.0.0 5201 "$T/ready" >"$T/kserver.out" 2>&1 &
kpid=\$!
for i in \$(seq 100); do [ -f "$T/ready" ] && break; sleep 0.1; done
"$NETMEM" client --wire tap:nmp$UNIQ --bytes 16M --pcap "$T/cli.pcap" --quiet \
	>"$T/cli" 2>"$T/cli.err"; echo \$? >"$T/cli.rc"
wait \$kpid
EOF
timeout 120 unshare -n sh "$T/ns.sh" || fail "namespace script: $?"
[ "$(cat "$T/cli.rc")" = 0 ] || fail "client: $(cat "$T/cli.err")"
grep -qx '16777216 ok' "$T/kserver.out" || fail "kernel server: $(cat "$T/kserver.out")"

for f in demo cli; do
	"$TCPDUMP" -r "$T/$f.pcap" -nn >"$T/td" 2>"$T/td.err" || fail "tcpdump -r $f: $(cat "$T/td.err")"
	grep -q ' > 198\.18\.0\.[12]\.5201: Flags \[P*\.\], seq [0-9]*:[0-9]*,.* length [1-9]' "$T/td" ||
		fail "tcpdump -r $f.pcap shows no stream: $(head -5 "$T/td")"
	python3 "$PY" "$T/$f.pcap" stream 5201 1 16777216 >"$T/py" 2>&1 || fail "$f: $(cat "$T/py")"
	python3 "$PY" "$T/$f.pcap" summary >"$T/sum"
	max=$(sed 's/.* max_len \([0-9]*\) .*/\1/' "$T/sum")
	[ "$max" -gt 1514 ] || fail "$f: no GSO super-frame in the file: $(cat "$T/sum")"
done
exit 0
