#!/bin/sh
# make fuzz: run every libFuzzer harness for SECONDS with its corpus and
# print, per harness, the executions, the coverage libFuzzer reports (cov:
# edges, ft: features) and the crashes with the file each was saved to.
# New corpus entries and crash files go under OUT, never into the tree
# (docs/fuzzing.md says how a crash becomes a regression test).
# Exits 1 if any harness crashed (or did not run).
#
# Usage: run.sh BUILD_DIR OUT_DIR SECONDS [NAME...]
#   NAME: harness names (pkt_parse, tcp_states, ...); default all.
#   fuzz/options/NAME: extra libFuzzer flags for that harness, one a line.
#   FUZZ_FLAGS: extra flags for every harness (e.g. -jobs=2 -workers=2).
set -u
build=$1 out=$2 secs=$3
shift 3
src=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
	set -- $(for f in "$src"/fuzz_*.c; do basename "$f" .c | sed 's/^fuzz_//'; done)
fi
mkdir -p "$out"
summary=$out/summary.txt
: >"$summary"
failed=0
for name in "$@"; do
	bin=$build/fuzz_$name
	corpus=$out/corpus/$name
	crashes=$out/crashes/$name
	log=$out/$name.log
	mkdir -p "$corpus" "$crashes"
	if [ ! -x "$bin" ]; then
		echo "$name: no $bin (make fuzz-build)" | tee -a "$summary"
		failed=1
		continue
	fi
	flags=
	[ -f "$src/options/$name" ] && flags=$(grep -v '^#' "$src/options/$name" | tr '\n' ' ')
	echo "== $name: ${secs}s (log $log)"
	# new finds into $corpus (first dir), the tree's seeds read only
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=20 \
		-artifact_prefix="$crashes/" $flags ${FUZZ_FLAGS:-} \
		"$corpus" "$src/corpus/$name" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	covl=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
	cov=$(echo "$covl" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$covl" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	crashfiles=$(sed -n "s/.*Test unit written to \(.*\)/\1/p" "$log")
	ncrash=$(echo "$crashfiles" | grep -c . || true)
	line="$name: executions ${execs:-?} (${rate:-?}/s), cov ${cov:-?}, ft ${ft:-?}, crashes $ncrash"
	echo "$line" | tee -a "$summary"
	for c in $crashfiles; do
		echo "    crash: $c" | tee -a "$summary"
	done
	if [ "$ncrash" -gt 0 ] || [ "$rc" -ne 0 ]; then
		[ "$ncrash" -gt 0 ] || echo "    libFuzzer exited $rc: see $log" | tee -a "$summary"
		grep -m3 -E 'ERROR|FUZZ ORACLE|FAIL ' "$log" | sed 's/^/    /' | tee -a "$summary"
		failed=1
	fi
done
echo "summary in $summary"
exit $failed
