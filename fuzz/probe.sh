#!/bin/sh
# make fuzz-deps, after tools/deps.sh installed clang's libFuzzer runtime:
# can this clang link a libFuzzer harness?  One line and exit 1 if not.
# Usage: probe.sh [CLANG]
set -u
cc=${1:-clang}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' >"$tmp/p.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$tmp/p.c" -o "$tmp/p" 2>"$tmp/err"; then
	echo "fuzz-deps: $cc cannot link -fsanitize=fuzzer: $(head -1 "$tmp/err")" >&2
	exit 1
fi
