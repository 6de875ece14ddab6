# SIGINT/SIGTERM stop netmem server and client cleanly: the connection in
# progress is reported "interrupted" (the peer sees it aborted, not a
# complete stream), the total follows, marked interrupted, the wire is
# released, and the exit status is 128 + the signal, within a second.
# Regression: a SIGINT to the server lost the total it had received.
. "$(dirname "$0")/lib.inc"
# ended PID TICKS WHAT: the status of PID once it exited, within TICKS
# times 50 ms, else fail with WHAT
ended() {
	i=0
	while kill -0 "$1" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt "$2" ] || fail "$3"
		sleep 0.05
	done
	wait "$1"
}
# stopped PID: the status of PID once it exited, within 2 s of the signal
stopped() {
	ended "$1" 40 "pid $1 still runs 2 s after the signal"
}
# until_grep PATTERN FILE: until FILE holds PATTERN, 20 s
until_grep() {
	i=0
	until grep -q "$1" "$2" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 400 ] || fail "no '$1' in $2 within 20 s: $(cat "$2")"
		sleep 0.05
	done
}
# a server between connections (waiting for the next client process):
# SIGINT, the total of what it received, exit 130
W=si$UNIQ
"$NETMEM" server --wire shm:$W --count 3 --json --quiet >"$T/srv" 2>"$T/srv.err" &
spid=$!
run "$NETMEM" client --wire shm:$W --bytes 4M --json --quiet
[ "$RC" = 0 ] || fail "client exit $RC: $(cat "$T/err")"
until_grep '"conn":1' "$T/srv"
sleep 0.3
kill -INT $spid
stopped $spid; src=$?
spid=
[ "$src" = 130 ] || fail "server exit $src, wanted 130: $(cat "$T/srv.err")"
[ "$(grep -c '^{' "$T/srv")" = 2 ] || fail "server JSON lines: $(cat "$T/srv")"
sed -n 1p "$T/srv" | grep -q '"conn":1,.*"result":"ok","bytes":4194304' ||
	fail "conn 1: $(sed -n 1p "$T/srv")"
tail -1 "$T/srv" | grep -q '^{"total":true,"connections":1,"ok":1,"bytes":4194304,' ||
	fail "total: $(tail -1 "$T/srv")"
tail -1 "$T/srv" | grep -q '"result":"interrupted","signal":"SIGINT"}$' ||
	fail "total not interrupted: $(tail -1 "$T/srv")"
grep -q '^netmem server: interrupted by SIGINT (1 of 3 connections served)$' "$T/srv.err" ||
	fail "server stderr: $(cat "$T/srv.err")"
# the wire is gone: its name is free for the next server
! grep -q "@netmem-shm-$W\$" /proc/net/unix || fail "shm:$W still held"
# a server that no client ever reached (waiting forever): SIGTERM, 143,
# the text total says so
W=st$UNIQ
"$NETMEM" server --wire shm:$W --quiet >"$T/srv" 2>"$T/srv.err" &
spid=$!
wait_shm $W
kill -TERM $spid
stopped $spid; src=$?
spid=
[ "$src" = 143 ] || fail "idle server exit $src, wanted 143: $(cat "$T/srv.err")"
grep -q '^total (interrupted by SIGTERM): 0 of 1 connections ok, 0 bytes' "$T/srv" ||
	fail "idle server total: $(cat "$T/srv")"
# mid-stream: the server's connection ends "interrupted", the client sees
# its connection end (not a hang) and says why
W=sm$UNIQ
"$NETMEM" server --wire shm:$W --json >"$T/srv" 2>"$T/srv.err" &
spid=$!
"$NETMEM" client --wire shm:$W --bytes 64G --json --quiet >"$T/cli" 2>"$T/cli.err" &
cpid=$!
until_grep 'netmem server: .* MiB' "$T/srv.err"
kill -INT $spid
stopped $spid; src=$?
spid=
[ "$src" = 130 ] || fail "mid-stream server exit $src: $(cat "$T/srv.err")"
sed -n 1p "$T/srv" | grep -q '"result":"interrupted",.*"detail":"SIGINT after [0-9]* bytes"' ||
	fail "mid-stream conn: $(sed -n 1p "$T/srv")"
tail -1 "$T/srv" | grep -q '"total":true,"connections":1,"ok":0,.*"result":"interrupted"' ||
	fail "mid-stream total: $(tail -1 "$T/srv")"
ended $cpid 200 "client still runs 10 s after its server stopped"; crc=$?
cpid=
[ "$crc" = 1 ] || fail "client of a stopped server: exit $crc: $(cat "$T/cli.err")"
tail -1 "$T/cli" | grep -q '"total":true.*"failed":1' || fail "client total: $(cat "$T/cli")"
# the client stopped mid-stream: 130, its connection "interrupted", and the
# server sees it aborted (reset), not a complete stream
W=sc$UNIQ
"$NETMEM" server --wire shm:$W --json --quiet >"$T/srv" 2>"$T/srv.err" &
spid=$!
"$NETMEM" client --wire shm:$W --bytes 64G --json >"$T/cli" 2>"$T/cli.err" &
cpid=$!
until_grep 'netmem client: .* MiB' "$T/cli.err"
kill -INT $cpid
stopped $cpid; crc=$?
cpid=
[ "$crc" = 130 ] || fail "client exit $crc, wanted 130: $(cat "$T/cli.err")"
sed -n 1p "$T/cli" | grep -q '"result":"interrupted"' || fail "client conn: $(cat "$T/cli")"
tail -1 "$T/cli" | grep -q '"total":true.*"result":"interrupted","signal":"SIGINT"}$' ||
	fail "client total: $(tail -1 "$T/cli")"
ended $spid 200 "server still runs 10 s after its client stopped"; src=$?
spid=
[ "$src" = 1 ] || fail "server of a stopped client: exit $src: $(cat "$T/srv.err")"
sed -n 1p "$T/srv" | grep -q '"result":"reset"' || fail "server saw: $(sed -n 1p "$T/srv")"
exit 0
