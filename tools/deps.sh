#!/bin/sh
# What the build and the tests need from Debian, installed by the README's
# own commands: the top-level Makefile runs this before it builds.
#
#   sh tools/deps.sh TARGET...      TARGET: build, test, fuzz (add one below)
#
# Each target names the Debian packages it needs.  All present: exit 0 at
# once (one dpkg-query, no apt).  Some missing: as root, install them with
# apt-get (one line says which); otherwise fail with one line naming them
# and the command that installs them.  On a system without dpkg nothing is
# checked (the build says what it lacks).
#
# Environment (for tests of this script): NM_DEPS_EXTRA adds packages to
# every target.
set -u

# The packages each target needs; a new target is one more line.
packages_for() {
	case $1 in
	# the library captures through libpcap, speaks netlink through libmnl
	# and batches the TAP's I/O through liburing, found with pkg-config
	build) echo libpcap-dev libmnl-dev liburing-dev pkg-config ;;
	test) echo libpcap-dev tcpdump python3 pkg-config curl ethtool sudo ;;	# readers and peers of the tests
	# make fuzz: libFuzzer, which Debian ships for clang N in
	# libclang-rt-N-dev (N: the clang on PATH; bookworm's is 14)
	fuzz) v=$(${FUZZ_CC:-clang} -dumpversion 2>/dev/null | cut -d. -f1)
	      echo clang "libclang-rt-${v:-14}-dev" ;;
	*) return 1 ;;
	esac
}

say() { echo "deps: $*" >&2; }

[ $# -gt 0 ] || { say "usage: sh tools/deps.sh TARGET... (build, test, fuzz)"; exit 2; }
want=
for t in "$@"; do
	p=$(packages_for "$t") || { say "unknown target '$t' (build, test, fuzz)"; exit 2; }
	want="$want $p"
done
want="$want ${NM_DEPS_EXTRA:-}"
command -v dpkg-query >/dev/null 2>&1 || exit 0

# Installed packages print "ii"; unknown ones make dpkg-query fail and
# print nothing for them, which counts as missing too.
missing() {
	inst=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "$@" 2>/dev/null |
		awk '$1 == "ii" { print $2 }')
	for p in "$@"; do
		echo "$inst" | grep -qx -- "$p" || echo "$p"
	done
}
# shellcheck disable=SC2086  # word splitting of the package list is wanted
miss=$(missing $(echo $want | tr ' ' '\n' | sort -u) | tr '\n' ' ' | sed 's/ $//')
[ -n "$miss" ] || exit 0

if [ "$(id -u)" != 0 ]; then
	say "missing Debian packages: $miss; install them with: sudo apt-get install -y $miss (or run make as root)"
	exit 1
fi
say "installing $miss (apt-get)"
log=$(mktemp /tmp/netmem-deps.XXXXXX)
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! apt-get install -y -q --no-install-recommends $miss >"$log" 2>&1; then
	# a fresh machine has no package lists yet
	# shellcheck disable=SC2086
	apt-get update -q >>"$log" 2>&1 &&
		apt-get install -y -q --no-install-recommends $miss >>"$log" 2>&1
fi
# shellcheck disable=SC2086
left=$(missing $miss | tr '\n' ' ' | sed 's/ $//')
if [ -n "$left" ]; then
	say "apt-get could not install $left; its output:"
	cat "$log" >&2
	rm -f "$log"
	exit 1
fi
rm -f "$log"
exit 0
