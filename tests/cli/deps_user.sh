# tools/deps.sh without root: what is missing is named in one line with
# the command that installs it, and the step fails without calling apt;
# all present, it passes at once.  Against fake dpkg-query and apt-get
# (deps.inc), and once against the machine's dpkg-query with a package
# that exists nowhere.
. "$(dirname "$0")/lib.inc"
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 || skip "root, and no setpriv to drop it"
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups --"
else
	AS=
fi
. "$(dirname "$0")/deps.inc"
printf '%s\n' libpcap-dev libmnl-dev liburing-dev >"$FAKE/installed"
deps build test
[ "$RC" = 1 ] || fail "missing packages: exit $RC: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" = 1 ] || fail "wanted one line: $(cat "$T/err")"
grep -q 'missing Debian packages: curl ethtool pkg-config python3 sudo tcpdump;' "$T/err" &&
	grep -q 'apt-get install -y curl ethtool pkg-config python3 sudo tcpdump' "$T/err" || fail "$(cat "$T/err")"
[ ! -s "$FAKE/apt.log" ] || fail "apt-get ran without root: $(cat "$FAKE/apt.log")"
# build alone: libpcap-dev, libmnl-dev, liburing-dev and pkg-config
deps build
[ "$RC" = 1 ] && grep -q 'missing Debian packages: pkg-config;' "$T/err" ||
	fail "build deps: exit $RC: $(cat "$T/err")"
printf '%s\n' libpcap-dev libmnl-dev liburing-dev pkg-config >"$FAKE/installed"
deps build
[ "$RC" = 0 ] && [ ! -s "$T/err" ] || fail "build deps present: exit $RC: $(cat "$T/err")"
printf '%s\n' libpcap-dev libmnl-dev liburing-dev tcpdump python3 pkg-config curl ethtool sudo >"$FAKE/installed"
deps build test
[ "$RC" = 0 ] && [ ! -s "$T/err" ] || fail "all present: exit $RC: $(cat "$T/err")"
NM_DEPS_EXTRA=netmem-extra-pkg deps build
[ "$RC" = 1 ] && grep -q 'missing Debian packages: netmem-extra-pkg;' "$T/err" ||
	fail "NM_DEPS_EXTRA: exit $RC: $(cat "$T/err")"
deps fuzzz
[ "$RC" = 2 ] && grep -q "unknown target 'fuzzz'" "$T/err" || fail "bad target: $RC $(cat "$T/err")"
# the real dpkg-query, a package no distribution has
if command -v dpkg-query >/dev/null 2>&1; then
	NM_DEPS_EXTRA=netmem-no-such-package $AS sh "$DEPS" build >"$T/out" 2>"$T/err"
	RC=$?
	[ "$RC" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] &&
		grep -q 'netmem-no-such-package' "$T/err" || fail "real dpkg-query: $RC $(cat "$T/err")"
fi
exit 0
