# netmem run --pcap: the program's NIC writes what crosses its wire to a
# pcap file.  An unmodified client (nmp_client) under `netmem run` sends
# 4 MiB of the ncdevmem pattern to `netmem server` over an shm wire, twice,
# into one file; Debian's tcpdump reads the file and the TCP payload
# reassembled from it (tests/cli/pcap_tcp.py) is each stream, byte for
# byte.  --snaplen cuts every record; a path that cannot be written is one
# line and exit 2, before the program runs.
. "$(dirname "$0")/lib.inc"
PY=$(dirname "$0")/../cli/pcap_tcp.py
command -v python3 >/dev/null 2>&1 || skip "no python3 (make test installs it: tools/deps.sh)"
TCPDUMP=$(command -v tcpdump || ls /usr/sbin/tcpdump /sbin/tcpdump 2>/dev/null | head -1)
[ -n "$TCPDUMP" ] || skip "no tcpdump (make test installs it: tools/deps.sh)"
W=rp$UNIQ
rt_bg "$T/srv" timeout 60 "$NETMEM" server --wire shm:$W --count 2 --bytes 4M --wait 30
wait_shm $W
# the client sends the pattern (period 255) and expects nothing back
timeout 60 "$NETMEM" run --wire shm:$W --addr 198.18.0.1/24 --pcap "$T/run.pcap" -- \
	sh -c "'$P/nmp_client' block 198.18.0.2 5201 1 4194304 ncdevmem:255 &&
	       '$P/nmp_client' block 198.18.0.2 5201 1 4194304 ncdevmem:255" \
	>"$T/out" 2>"$T/err" || fail "netmem run --pcap: $(cat "$T/out" "$T/err")"
rt_ok "netmem server" "$T/srv"
"$TCPDUMP" -r "$T/run.pcap" -nn >"$T/td" 2>"$T/td.err" || fail "tcpdump -r: $(cat "$T/td.err")"
grep -q ' > 198\.18\.0\.2\.5201: Flags \[S\]' "$T/td" ||
	fail "tcpdump shows no SYN to the server: $(head -5 "$T/td")"
python3 "$PY" "$T/run.pcap" stream 5201 2 4194304 >"$T/py" 2>&1 || fail "$(cat "$T/py")"
python3 "$PY" "$T/run.pcap" summary >"$T/sum"
grep -q 'cut 0 snaplen 262144 precision micro$' "$T/sum" || fail "file: $(cat "$T/sum")"

# --snaplen 96 --pcap-nano: every record is cut, the stamps are in
# nanoseconds, and tcpdump still reads the headers
W=rq$UNIQ
rt_bg "$T/srv2" timeout 60 "$NETMEM" server --wire shm:$W --bytes 1M --wait 30
wait_shm $W
timeout 60 "$NETMEM" run --wire shm:$W --addr 198.18.0.1/24 --pcap "$T/snap.pcap" --snaplen 96 \
	--pcap-nano \
	--quiet -- "$P/nmp_client" block 198.18.0.2 5201 1 1048576 ncdevmem:255 >"$T/out" 2>"$T/err" ||
	fail "netmem run --snaplen: $(cat "$T/out" "$T/err")"
rt_ok "netmem server (snaplen)" "$T/srv2"
python3 "$PY" "$T/snap.pcap" summary >"$T/sum"
grep -q 'max_caplen 96 cut [1-9][0-9]* snaplen 96 precision nano$' "$T/sum" ||
	fail "snaplen file: $(cat "$T/sum")"
"$TCPDUMP" -r "$T/snap.pcap" -nn 2>/dev/null | grep -q ' > 198\.18\.0\.2\.5201: Flags \[S\]' ||
	fail "tcpdump cannot read the cut capture"

# --snaplen without --pcap is the capture's: one line, exit 2
timeout 30 "$NETMEM" run --wire shm:bad$UNIQ --snaplen 96 -- true >"$T/out" 2>"$T/err"
RC=$?
[ "$RC" = 2 ] && grep -q -- '--snaplen is the capture' "$T/err" || fail "--snaplen alone: exit $RC: $(cat "$T/err")"
# a path that cannot be written: one line, exit 2, the program never runs
timeout 30 "$NETMEM" run --wire shm:bad$UNIQ --addr 198.18.0.1/24 --pcap /nonexistent-dir/x.pcap \
	-- touch "$T/ran" >"$T/out" 2>"$T/err"
RC=$?
[ "$RC" = 2 ] || fail "bad --pcap path: exit $RC: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" = 1 ] && grep -q -- '--pcap /nonexistent-dir/x.pcap: No such file' "$T/err" ||
	fail "bad --pcap path: $(cat "$T/err")"
[ ! -e "$T/ran" ] || fail "the program ran with an unwritable --pcap"
exit 0
