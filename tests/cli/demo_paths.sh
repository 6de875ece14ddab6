# netmem demo --rx/--tx: the combinations with a copy path (devmem both
# ways is cli_demo_devmem), each on the paths it asked for; --quiet; plain
# progress lines off a terminal and the live bar on one (script(1)).
. "$(dirname "$0")/lib.inc"
for p in "copy copy" "devmem copy" "copy devmem"; do
	set -- $p
	run "$NETMEM" demo --bytes 32M --tx $1 --rx $2 --json --quiet
	[ "$RC" = 0 ] || fail "--tx $1 --rx $2: exit $RC: $(cat "$T/err")"
	[ "$(jfield validated)" = true ] || fail "--tx $1 --rx $2: $(last_json)"
	grep -q 'MiB' "$T/err" && fail "--quiet printed progress: $(cat "$T/err")"
	[ "$(jfield tx_path)" = "\"$1\"" ] && [ "$(jfield rx_path)" = "\"$2\"" ] ||
		fail "--tx $1 --rx $2 ran: $(last_json)"
	if [ $2 = copy ]; then
		[ "$(jfield devmem_bytes)" = 0 ] || fail "copy RX used devmem"
	else
		[ "$(jfield devmem_bytes)" = 33554432 ] && [ "$(jfield linear_bytes)" = 0 ] ||
			fail "devmem RX: $(last_json)"
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
command -v script >/dev/null 2>&1 ||
	skip "no script(1) (util-linux): the progress bar on a terminal was not checked"
timeout 60 script -qec "$NETMEM demo --bytes 1G --tx copy --rx copy" /dev/null >"$T/tty" 2>&1 ||
	fail "demo under script failed: $(tail -3 "$T/tty")"
grep -q '\[#' "$T/tty" || fail "no progress bar on a terminal"
exit 0
