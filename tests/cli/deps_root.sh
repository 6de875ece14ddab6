# tools/deps.sh as root: what is missing is installed with apt-get (one
# line says which), with an apt-get update first on a machine that has no
# package lists yet; nothing present means no apt call at all; a package
# apt cannot install fails the step with apt's words.  Against fake
# dpkg-query and apt-get (deps.inc): the machine's apt is never called.
. "$(dirname "$0")/lib.inc"
[ "$(id -u)" = 0 ] || skip "needs root (the script installs only as root)"
AS=
. "$(dirname "$0")/deps.inc"
printf '%s\n' libpcap-dev libmnl-dev liburing-dev tcpdump python3 pkg-config curl ethtool sudo >"$FAKE/installed"
deps build test
[ "$RC" = 0 ] && [ ! -s "$T/err" ] && [ ! -s "$FAKE/apt.log" ] ||
	fail "all present: exit $RC, apt: $(cat "$FAKE/apt.log"), $(cat "$T/err")"
# two missing: one apt-get install of both, one line
printf '%s\n' libpcap-dev libmnl-dev liburing-dev python3 curl ethtool sudo >"$FAKE/installed"
deps build test
[ "$RC" = 0 ] || fail "install: exit $RC: $(cat "$T/err")"
[ "$(cat "$T/err")" = "deps: installing pkg-config tcpdump (apt-get)" ] || fail "$(cat "$T/err")"
[ "$(cat "$FAKE/apt.log")" = "install -y -q --no-install-recommends pkg-config tcpdump" ] ||
	fail "apt calls: $(cat "$FAKE/apt.log")"
# a fresh machine: no lists until apt-get update
printf '%s\n' python3 >"$FAKE/installed"
: >"$FAKE/apt.log"
echo nolists >"$FAKE/apt.mode"
deps build
[ "$RC" = 0 ] && grep -qx libpcap-dev "$FAKE/installed" && grep -qx libmnl-dev "$FAKE/installed" || fail "no lists: $RC $(cat "$T/err")"
b="libmnl-dev libpcap-dev liburing-dev pkg-config"
[ "$(tr '\n' '|' <"$FAKE/apt.log")" = "install -y -q --no-install-recommends $b|update -q|install -y -q --no-install-recommends $b|" ] ||
	fail "no lists: apt calls $(cat "$FAKE/apt.log")"
# apt cannot: fails, says so with apt's output
echo fail >"$FAKE/apt.mode"
NM_DEPS_EXTRA=netmem-no-such-package deps build
[ "$RC" = 1 ] && grep -q 'apt-get could not install netmem-no-such-package' "$T/err" &&
	grep -q 'Unable to locate package' "$T/err" || fail "apt fails: exit $RC: $(cat "$T/err")"
exit 0
