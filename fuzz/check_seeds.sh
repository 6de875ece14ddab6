#!/bin/sh
# fuzz_seeds_<name>: the seed corpus in the tree is what the harness writes
# (`fuzz_replay_<name> --write-seeds DIR`), byte for byte, so no seed is an
# opaque blob and none went stale when a harness changed its input format.
# Regenerate with `make fuzz-seeds`.
# Usage: check_seeds.sh REPLAY_BINARY CORPUS_DIR
set -eu
bin=$1 corpus=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" --write-seeds "$tmp" >/dev/null
n=0 bad=0
for f in "$tmp"/*; do
	n=$((n + 1))
	name=$(basename "$f")
	if ! cmp -s "$f" "$corpus/$name"; then
		echo "seed $name: missing from $corpus or different (make fuzz-seeds)"
		bad=$((bad + 1))
	fi
done
[ "$n" -gt 0 ] || { echo "the harness wrote no seeds"; exit 1; }
[ "$bad" -eq 0 ] || exit 1
echo "PASS: $n seeds in $corpus are current"
