# netmem demo --rx/--tx: every combination of the devmem and copy paths,
# --quiet, and progress lines off a terminal.
. "$(dirname "$0")/lib.inc"
for p in "copy copy" "devmem copy" "copy devmem"; do
	set -- $p
	run "$NETMEM" demo --bytes 32M --tx $1 --rx $2 --json --quiet
	[ "$RC" = 0 ] || fail "--tx $1 --rx $2: exit $RC: $(cat "$T/err")"
	[ "$(jfield validated)" = true ] || fail "--tx $1 --rx $2: $(last_json)"
	grep -q 'MiB' "$T/err" && fail "--quiet printed progress: $(cat "$T/err")"
	if [ $2 = copy ]; then
		[ "$(jfield devmem_bytes)" = 0 ] || fail "copy RX used devmem"
	fi
	# the stacks count what they copy: 32 MiB per copy end
	want=0
	[ $1 = copy ] && want=$((want + 33554432))
	[ $2 = copy ] && want=$((want + 33554432))
	[ "$(jfield stack_payload_copies)" = "$want" ] ||
		fail "--tx $1 --rx $2: stack_payload_copies $(jfield stack_payload_copies), want $want"
done
# not a terminal: plain progress lines (one a second) on stderr
run "$NETMEM" demo --bytes 1G --tx copy --rx copy
[ "$RC" = 0 ] || fail "1G copy: exit $RC"
grep -q "netmem demo: .* MiB" "$T/err" || fail "no progress line: $(cat "$T/err")"
grep -q "$(printf '\r')" "$T/err" && fail "carriage returns off a terminal"
# on a terminal: the live bar (script(1) gives it a pty)
if command -v script >/dev/null 2>&1; then
	timeout 60 script -qec "$NETMEM demo --bytes 1G --tx copy --rx copy" /dev/null >"$T/tty" 2>&1 ||
		fail "demo under script failed: $(tail -3 "$T/tty")"
	grep -q '\[#' "$T/tty" || fail "no progress bar on a terminal"
fi
exit 0
