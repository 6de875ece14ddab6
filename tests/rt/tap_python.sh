# Python's own socket and asyncio servers and clients (tests/rt/py_peer.py),
# the python3 interpreter under `netmem run` on a TAP with the kernel's TCP
# as the peer, both roles; then Debian's curl fetching a file from Python's
# http.server under `netmem run`, and curl under `netmem run` fetching from
# a kernel-side http.server: the contents checked (sha256).
rt_netns=1
. "$(dirname "$0")/lib.inc"
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3) || skip "no python3 (tools/deps.sh test installs it)"
command -v curl >/dev/null 2>&1 || skip "no curl (tools/deps.sh test installs it)"
PEER=$(dirname "$0")/py_peer.py
N=8 B=262144
for kind in socket asyncio; do
	rt_bg "$T/srv" rt_tap $PY "$PEER" $kind-server 0.0.0.0 5000 $N
	$PY "$PEER" $kind-client 198.18.0.2 5000 $N $B >"$T/cli" 2>&1 ||
		fail "kernel $kind-client -> python $kind-server under netmem run: $(tail -5 "$T/cli")"
	rt_ok "python $kind-server under netmem run" "$T/srv"
	grep -q "$kind-server: $N connections" "$T/srv" || fail "$kind-server: $(cat "$T/srv")"
	rt_bg "$T/srv" $PY "$PEER" $kind-server 0.0.0.0 5001 $N
	rt_until_listening 5001
	rt_tap $PY "$PEER" $kind-client 198.18.0.1 5001 $N $B >"$T/cli" 2>&1 ||
		fail "python $kind-client under netmem run -> kernel $kind-server: $(tail -5 "$T/cli")"
	grep -q "$kind-client: $N connections, $B bytes each, every byte checked" "$T/cli" ||
		fail "$kind-client: $(cat "$T/cli")"
	rt_ok "kernel $kind-server" "$T/srv"
done

# http: an 8 MiB file of random bytes
mkdir -p "$T/www"
head -c 8388608 /dev/urandom >"$T/www/blob"
want=$(sha256sum <"$T/www/blob")
# fetch URL OUT [RUN...]: curl, tried again while the server is not up (exit 7)
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
# python -m http.server under netmem run; the kernel's curl fetches
rt_bg "$T/http" rt_tap $PY -m http.server --bind 0.0.0.0 --directory "$T/www" 8000
fetch http://198.18.0.2:8000/blob "$T/got1"
[ "$(sha256sum <"$T/got1")" = "$want" ] || fail "curl from http.server under netmem run: sha256 differs"
# ^C to the server: Python exits 0 on KeyboardInterrupt, and netmem run with it
pid=$(pgrep -f -- "--directory $T/www 8000" | while read -r p; do
	[ "$(readlink /proc/$p/exe)" = "$(readlink -f $PY)" ] && echo $p; done | head -1)
[ -n "$pid" ] || fail "no http.server process found"
kill -INT "$pid"
rt_ok "http.server under netmem run, after SIGINT" "$T/http"
# curl under netmem run; Python's http.server on the kernel
$PY -m http.server --bind 0.0.0.0 --directory "$T/www" 8001 >"$T/khttp" 2>&1 &
kpid=$!
RT_PIDS="$RT_PIDS $kpid"
rt_until_listening 8001
fetch http://198.18.0.1:8001/blob "$T/got2" rt_tap
[ "$(sha256sum <"$T/got2")" = "$want" ] || fail "curl under netmem run from a kernel http.server: sha256 differs"
kill -INT $kpid
exit 0
