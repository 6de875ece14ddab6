#!/bin/sh
# make fuzz-deps: what `make fuzz` needs beyond a fresh machine's clang:
# libFuzzer, which Debian ships in libclang-rt-<N>-dev for clang N.  As root
# it is installed with apt-get; otherwise one line says what to install.
# Usage: deps.sh [CLANG]
set -eu
cc=${1:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "make fuzz needs clang ($cc not found): apt-get install clang" >&2
	exit 1
fi
probe() {
	tmp=$(mktemp -d)
	printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' >"$tmp/p.c"
	"$cc" -fsanitize=fuzzer,address,undefined "$tmp/p.c" -o "$tmp/p" >/dev/null 2>&1
	r=$?
	rm -rf "$tmp"
	return $r
}
probe && exit 0
major=$("$cc" -dumpversion | cut -d. -f1)
pkg=libclang-rt-$major-dev
if [ "$(id -u)" -ne 0 ]; then
	echo "make fuzz needs libFuzzer for clang $major: as root, apt-get install $pkg (or run make fuzz-deps as root)" >&2
	exit 1
fi
echo "fuzz-deps: installing $pkg (libFuzzer for clang $major)"
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$pkg" >/dev/null ||
	{ apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$pkg" >/dev/null; }
probe || { echo "fuzz-deps: $pkg installed but clang still cannot link -fsanitize=fuzzer" >&2; exit 1; }
