# The runtime without the command and its environment switches (docs/run.md,
# "Environment"): libnetmem-preload.so in LD_PRELOAD by hand with the
# NETMEM_* variables is what netmem run sets up (an echo server preloaded
# by hand, its client under netmem run, over shm, every byte checked);
# NETMEM_WILDCARD=kernel sends a wildcard bind to the kernel (a kernel
# client reaches the server on 127.0.0.1); a bad value is one line and the
# program runs on the kernel's sockets.
rt_netns=1
. "$(dirname "$0")/lib.inc"
# the library netmem run preloads (NETMEM_PRELOAD: the rt_*.asan variant)
LIB=${NETMEM_PRELOAD:-$(dirname "$NETMEM")/libnetmem-preload.so}
[ -r "$LIB" ] || fail "no $LIB next to $NETMEM"

# by hand: the server preloaded, the client under netmem run
rt_bg "$T/srv" env LD_PRELOAD="$LIB" NETMEM_WIRE="shm:env$UNIQ" NETMEM_ADDR=198.18.0.2/24 \
	NETMEM_QUIET=1 timeout 60 "$P/nmp_server" block 0.0.0.0 5000 1
rt_shm env$UNIQ 198.18.0.1 "$P/nmp_client" block 198.18.0.2 5000 1 1048576 >"$T/cli" 2>&1 ||
	fail "client under netmem run -> server preloaded by hand: $(tail -5 "$T/cli")"
grep -q "nmp_client block: 1 connections, 1048576 bytes each, every byte checked" "$T/cli" ||
	fail "client: $(cat "$T/cli")"
rt_ok "server preloaded by hand" "$T/srv"

# NETMEM_WILDCARD=kernel: 0.0.0.0 is the kernel's, loopback reaches it
rt_bg "$T/srv" env NETMEM_WILDCARD=kernel timeout 60 "$NETMEM" run --wire "shm:wk$UNIQ" \
	--addr 198.18.0.2/24 -- "$P/nmp_server" block 0.0.0.0 5001 1
rt_until_listening 5001
"$P/nmp_client" block 127.0.0.1 5001 1 65536 >"$T/cli" 2>&1 ||
	fail "kernel client -> wildcard server with NETMEM_WILDCARD=kernel: $(tail -5 "$T/cli")"
rt_ok "server with NETMEM_WILDCARD=kernel" "$T/srv"
grep -q '^netmem run: 0 connections' "$T/srv.err" || fail "NETMEM_WILDCARD=kernel: $(cat "$T/srv.err")"

# a bad value: one line, then the kernel's sockets
rt_bg "$T/srv" env LD_PRELOAD="$LIB" NETMEM_WIRE="shm:bad$UNIQ" NETMEM_ADDR=198.18.0.2 \
	timeout 60 "$P/nmp_server" block 0.0.0.0 5002 1
rt_until_listening 5002
"$P/nmp_client" block 127.0.0.1 5002 1 65536 >"$T/cli" 2>&1 ||
	fail "kernel client -> server with a bad NETMEM_ADDR: $(tail -5 "$T/cli")"
rt_ok "server with a bad NETMEM_ADDR" "$T/srv"
grep -q "NETMEM_ADDR=198.18.0.2: needs a /prefix length; the program runs on the kernel's sockets" \
	"$T/srv.err" || fail "bad NETMEM_ADDR: $(cat "$T/srv.err")"
exit 0
