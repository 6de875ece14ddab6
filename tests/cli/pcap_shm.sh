# --pcap over the shm wire: Debian's tcpdump reads what the demo, a
# server and a client captured, and the TCP payload reassembled from each
# file (pcap_tcp.py) is the stream that was sent, byte for byte: with a
# lossy wire (retransmissions), from a client that sends from device
# memory, and over a server that appends one file across two clients.
# --snaplen cuts every record; --pcap-nano writes nanosecond stamps; a path
# that cannot be written, a full disk and misused flags get one line.
. "$(dirname "$0")/lib.inc"
PY=$(dirname "$0")/pcap_tcp.py
command -v python3 >/dev/null 2>&1 || skip "no python3 (make test installs it: tools/deps.sh)"
TCPDUMP=$(command -v tcpdump || ls /usr/sbin/tcpdump /sbin/tcpdump 2>/dev/null | head -1)
[ -n "$TCPDUMP" ] || skip "no tcpdump (make test installs it: tools/deps.sh)"
# tcpdump_reads FILE: exits 0 and prints TCP lines of the stream to port 5201
tcpdump_reads() {
	"$TCPDUMP" -r "$1" -nn >"$T/td" 2>"$T/td.err" || fail "tcpdump -r $1: $(cat "$T/td.err")"
	grep -q ' > 198\.18\.0\.2\.5201: Flags \[S\]' "$T/td" &&
		grep -q ' > 198\.18\.0\.2\.5201: Flags \[P*\.\], seq [0-9]*:[0-9]*,.* length [1-9]' "$T/td" ||
		fail "tcpdump -r $1 shows no stream: $(head -5 "$T/td")"
}
stream_ok() {	# FILE CONNS BYTES [PERIOD]
	python3 "$PY" "$@" >"$T/py" 2>&1 || fail "$1: $(cat "$T/py")"
}

# demo: the receiving host's NIC, both directions
run "$NETMEM" demo --bytes 8M --pcap "$T/demo.pcap" --json --quiet
[ "$RC" = 0 ] || fail "demo --pcap: exit $RC: $(cat "$T/err")"
grep -q "capture:     [0-9]* frames of nmb (both directions) in $T/demo.pcap" "$T/err" ||
	fail "demo summary: $(cat "$T/err")"
tcpdump_reads "$T/demo.pcap"
python3 "$PY" "$T/demo.pcap" stream 5201 1 8388608 >"$T/py" 2>&1 || fail "demo: $(cat "$T/py")"
python3 "$PY" "$T/demo.pcap" summary >"$T/sum"
[ "$(jfield pcap_frames)" = "$(sed 's/^records \([0-9]*\) .*/\1/' "$T/sum")" ] ||
	fail "pcap_frames $(jfield pcap_frames), file: $(cat "$T/sum")"
grep -q 'cut 0 snaplen 262144 precision micro$' "$T/sum" || fail "demo file: $(cat "$T/sum")"

# a lossy, reordering wire: the capture holds the retransmissions too
run "$NETMEM" demo --bytes 4M --loss 2% --reorder 2% -v 101 --pcap "$T/loss.pcap" --json --quiet
[ "$RC" = 0 ] || fail "lossy demo: exit $RC: $(cat "$T/err")"
[ "$(jfield tcp_retransmits)" -gt 0 ] || fail "no retransmissions: $(last_json)"
python3 "$PY" "$T/loss.pcap" stream 5201 1 4194304 101 >"$T/py" 2>&1 ||
	fail "lossy demo: $(cat "$T/py")"

# --snaplen 96: every record cut, tcpdump still reads the headers
run "$NETMEM" demo --bytes 1M --pcap "$T/snap.pcap" --snaplen 96 --pcap-nano --quiet
[ "$RC" = 0 ] || fail "demo --snaplen: exit $RC: $(cat "$T/err")"
grep -q 'cut to --snaplen' "$T/out" || fail "snaplen summary: $(cat "$T/out")"
tcpdump_reads "$T/snap.pcap"
python3 "$PY" "$T/snap.pcap" summary >"$T/sum"
grep -q 'max_caplen 96 cut [1-9][0-9]* snaplen 96 precision nano$' "$T/sum" ||
	fail "snaplen file: $(cat "$T/sum")"
python3 "$PY" "$T/snap.pcap" stream 5201 1 1048576 >"$T/py" 2>&1 &&
	fail "a cut capture reassembled"
grep -q 'cut to 96 of' "$T/py" || fail "cut capture: $(cat "$T/py")"

# server and client on one shm wire, each capturing its NIC; the server
# serves two client processes, one after the other, into one file
W=pc$UNIQ
timeout 60 "$NETMEM" server --wire shm:$W --count 2 --bytes 4M --wait 20 --pcap "$T/srv.pcap" \
	>"$T/srv" 2>"$T/srv.err" &
spid=$!
run "$NETMEM" client --wire shm:$W --bytes 4M --pcap "$T/cli.pcap" --pcap-nano
[ "$RC" = 0 ] || fail "client 1: exit $RC: $(cat "$T/err")"
grep -q "netmem client: [0-9]* frames of nm1 captured to $T/cli.pcap" "$T/err" ||
	fail "client's capture line: $(cat "$T/err")"
tcpdump_reads "$T/cli.pcap"
python3 "$PY" "$T/cli.pcap" summary | grep -q 'precision nano$' || fail "client file not nano"
stream_ok "$T/cli.pcap" stream 5201 1 4194304
run "$NETMEM" client --wire shm:$W --bytes 4M --quiet
[ "$RC" = 0 ] || fail "client 2: exit $RC: $(cat "$T/err")"
wait $spid || fail "server: $(cat "$T/srv.err")"
[ "$(grep -c "frames of nm0 captured to $T/srv.pcap" "$T/srv.err")" = 2 ] ||
	fail "server's capture lines: $(cat "$T/srv.err")"
tcpdump_reads "$T/srv.pcap"
stream_ok "$T/srv.pcap" stream 5201 2 4194304

# errors: one line each, before any wait
expect_error 1 demo --bytes 1M --pcap /nonexistent-dir/x.pcap
grep -q -- '--pcap /nonexistent-dir/x.pcap: No such file or directory' "$T/err" || fail "$(cat "$T/err")"
expect_error 1 server --wire shm:bad$UNIQ --wait 30 --pcap /nonexistent-dir/x.pcap
grep -q 'No such file' "$T/err" || fail "server bad path: $(cat "$T/err")"
expect_error 1 client --wire shm:bad$UNIQ --wait 30 --pcap /nonexistent-dir/x.pcap
expect_error 2 demo --snaplen 100
grep -q -- '--snaplen is the capture' "$T/err" || fail "$(cat "$T/err")"
expect_error 2 server --wire shm:x --pcap-nano
expect_error 2 demo --pcap -
expect_error 2 demo --pcap "$T/x.pcap" --snaplen 262145
# a full disk: the transfer is fine, the capture is not, and that fails the run
if [ -w /dev/full ]; then
	run "$NETMEM" demo --bytes 1M --pcap /dev/full --quiet
	[ "$RC" = 1 ] || fail "demo --pcap /dev/full: exit $RC"
	grep -q '^netmem demo: --pcap /dev/full: .*No space left on device' "$T/err" ||
		fail "full disk: $(cat "$T/err")"
	grep -q 'result:      ok' "$T/out" || fail "full disk: the transfer: $(cat "$T/out")"
fi
exit 0
