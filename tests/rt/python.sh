# Python's own socket and asyncio servers and clients (tests/rt/py_peer.py)
# and Debian's curl against Python's http.server, the python3 interpreter
# and curl unmodified under `netmem run`, every byte checked:
#  - TAP, the kernel's TCP the peer, both roles: python under netmem run
#    against python on the kernel; curl (kernel) fetching an 8 MiB random
#    file from http.server under netmem run, and curl under netmem run
#    fetching it from a kernel http.server (sha256 compared);
#  - shm, a netmem peer: both ends under netmem run (python to python,
#    curl to http.server).
# A netmem side's summary must count its connections: a kernel peer at the
# kernel's own address is also reachable over loopback, and a program
# whose sockets the runtime missed would pass the byte checks that way.
rt_netns=1
. "$(dirname "$0")/lib.inc"
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3) || skip "no python3 (tools/deps.sh test installs it)"
command -v curl >/dev/null 2>&1 || skip "no curl (tools/deps.sh test installs it)"
PEER=$(dirname "$0")/py_peer.py
N=8 B=262144

# tap PROG...: PROG under netmem run on the TAP, with the summary line
tap() {
	timeout 60 "$NETMEM" run --wire "tap:$TAP" --addr 198.18.0.2/24 --host-addr 198.18.0.1/24 \
		-- "$@"
}
# shm NAME ADDR PROG...: PROG under netmem run on shm:NAME, with the summary
shm() {
	_n=$1 _a=$2
	shift 2
	timeout 60 "$NETMEM" run --wire "shm:$_n" --addr "$_a/24" -- "$@"
}
# counted WHAT ERRFILE: the summary in ERRFILE counts at least one
# connection and 1 MiB in or out
counted() {
	_s=$(grep '^netmem run: [0-9]* connections' "$2") || fail "$1: no summary: $(tail -5 "$2")"
	echo "$_s" | awk '{ exit !($3 >= 1 && ($5 >= 1048576 || $8 >= 1048576)) }' ||
		fail "$1 did not run on netmem: $_s"
}

for kind in socket asyncio; do
	rt_bg "$T/srv" tap $PY "$PEER" $kind-server 0.0.0.0 5000 $N
	$PY "$PEER" $kind-client 198.18.0.2 5000 $N $B >"$T/cli" 2>&1 ||
		fail "kernel $kind-client -> python $kind-server under netmem run: $(tail -5 "$T/cli")"
	grep -q "$kind-client: $N connections, $B bytes each, every byte checked" "$T/cli" ||
		fail "kernel $kind-client: $(cat "$T/cli")"
	rt_ok "python $kind-server under netmem run" "$T/srv"
	grep -q "$kind-server: $N connections" "$T/srv" || fail "$kind-server: $(cat "$T/srv")"
	counted "python $kind-server" "$T/srv.err"

	rt_bg "$T/srv" $PY "$PEER" $kind-server 0.0.0.0 5001 $N
	rt_until_listening 5001
	tap $PY "$PEER" $kind-client 198.18.0.1 5001 $N $B >"$T/cli" 2>"$T/cli.err" ||
		fail "python $kind-client under netmem run -> kernel $kind-server: $(tail -5 "$T/cli.err")"
	grep -q "$kind-client: $N connections, $B bytes each, every byte checked" "$T/cli" ||
		fail "$kind-client: $(cat "$T/cli")"
	counted "python $kind-client" "$T/cli.err"
	rt_ok "kernel $kind-server" "$T/srv"

	# shm: both ends under netmem run
	rt_bg "$T/srv" shm py$kind$UNIQ 198.18.0.2 $PY "$PEER" $kind-server 0.0.0.0 5002 $N
	shm py$kind$UNIQ 198.18.0.1 $PY "$PEER" $kind-client 198.18.0.2 5002 $N $B \
		>"$T/cli" 2>"$T/cli.err" ||
		fail "shm: python $kind-client -> $kind-server: $(tail -5 "$T/cli.err")"
	grep -q "$kind-client: $N connections, $B bytes each, every byte checked" "$T/cli" ||
		fail "shm $kind-client: $(cat "$T/cli")"
	rt_ok "shm: python $kind-server under netmem run" "$T/srv"
	counted "shm: python $kind-server" "$T/srv.err"
done

# http: an 8 MiB file of random bytes
mkdir -p "$T/www"
head -c 8388608 /dev/urandom >"$T/www/blob"
want=$(sha256sum <"$T/www/blob")
# fetch URL OUT [RUN...]: curl (under RUN...), tried again while the
# server is not up yet (curl's exit 7: could not connect), 10 s
fetch() {
	_url=$1 _out=$2
	shift 2
	_i=0
	while :; do
		"$@" curl -sS --max-time 30 -o "$_out" "$_url" 2>"$T/curl.err" && return 0
		_rc=$?
		[ $_rc = 7 ] && [ $_i -lt 100 ] || fail "curl $_url: exit $_rc: $(cat "$T/curl.err")"
		_i=$((_i + 1))
		sleep 0.1
	done
}
# the python3 process serving on PORT (child of netmem run or not)
http_pid() {
	pgrep -f -- "--directory $T/www $1" | while read -r p; do
		[ "$(readlink /proc/$p/exe)" = "$(readlink -f $PY)" ] && echo $p
	done | head -1
}

# serving FILE: until http.server says it listens (stdout unbuffered), 10 s
serving() {
	_i=0
	until grep -q '^Serving HTTP on' "$1" 2>/dev/null; do
		_i=$((_i + 1)); [ $_i -lt 200 ] || fail "http.server did not start: $(cat "$1.err")"
		sleep 0.05
	done
}
# python -m http.server under netmem run; the kernel's curl fetches
rt_bg "$T/http" tap $PY -u -m http.server --bind 0.0.0.0 --directory "$T/www" 8000
fetch http://198.18.0.2:8000/blob "$T/got1"
[ "$(sha256sum <"$T/got1")" = "$want" ] || fail "curl from http.server under netmem run: sha256 differs"
# ^C to the server: Python exits 0 on KeyboardInterrupt, and netmem run with it
pid=$(http_pid 8000)
[ -n "$pid" ] || fail "no http.server process found"
kill -INT "$pid"
rt_ok "http.server under netmem run, after SIGINT" "$T/http"
counted "http.server under netmem run" "$T/http.err"

# curl under netmem run; Python's http.server on the kernel
$PY -m http.server --bind 0.0.0.0 --directory "$T/www" 8001 >"$T/khttp" 2>&1 &
kpid=$!
RT_PIDS="$RT_PIDS $kpid"
rt_until_listening 8001
fetch http://198.18.0.1:8001/blob "$T/got2" tap
[ "$(sha256sum <"$T/got2")" = "$want" ] || fail "curl under netmem run from a kernel http.server: sha256 differs"
counted "curl under netmem run" "$T/curl.err"
kill -INT $kpid

# shm: curl under netmem run fetching from http.server under netmem run
rt_bg "$T/http" shm http$UNIQ 198.18.0.2 $PY -u -m http.server --bind 0.0.0.0 --directory "$T/www" 8002
# one try: a second curl would be a second peer on the wire; the server
# says it listens (its runtime replays the listen when the wire comes up)
serving "$T/http"
fetch http://198.18.0.2:8002/blob "$T/got3" shm http$UNIQ 198.18.0.1
[ "$(sha256sum <"$T/got3")" = "$want" ] || fail "shm: curl from http.server, both under netmem run: sha256 differs"
counted "shm: curl under netmem run" "$T/curl.err"
pid=$(http_pid 8002)
[ -n "$pid" ] || fail "no shm http.server process found"
kill -INT "$pid"
rt_ok "shm: http.server under netmem run, after SIGINT" "$T/http"
counted "shm: http.server under netmem run" "$T/http.err"
exit 0
