# netmem demo: devmem TX -> devmem RX over shm, every byte validated, the
# JSON summary (stdout's only line with --json) with zero payload copies,
# every frag's token returned and every payload buffer back in its pool
# (in flight: only what is posted to the NIC's rings), also through a wire
# that loses, reorders and duplicates.
. "$(dirname "$0")/lib.inc"
# all_back: the tokens of every frag came back, and with them the buffers
all_back() {
	fr=$(jfield frags) tok=$(jfield tokens)
	[ "$fr" -gt 1000 ] || fail "$1: frags: $fr"
	[ "$tok" = "$fr" ] || fail "$1: $tok tokens returned of $fr frags"
	inf=$(jfield inflight) posted=$(jfield posted)
	[ -n "$inf" ] && [ "$inf" = "$posted" ] ||
		fail "$1: $inf payload buffers in flight, $posted of them posted to the NIC: $(last_json)"
}
run "$NETMEM" demo --bytes 64M --json
[ "$RC" = 0 ] || fail "demo exited $RC: $(cat "$T/err")"
[ "$(jfield validated)" = true ] || fail "not validated: $(last_json)"
[ "$(jfield result)" = '"ok"' ] || fail "result: $(last_json)"
[ "$(jfield bytes)" = 67108864 ] || fail "bytes: $(last_json)"
[ "$(jfield devmem_bytes)" = 67108864 ] || fail "devmem_bytes: $(last_json)"
[ "$(jfield linear_bytes)" = 0 ] || fail "linear_bytes: $(last_json)"
all_back "64M"
# zero stack payload copies
c=$(jfield stack_payload_copies); [ "$c" = 0 ] || fail "stack_payload_copies $c"
[ "$(jfield tx_completions)" = "$(jfield tx_sends)" ] || fail "completions: $(last_json)"
# with --json stdout is the JSON line alone; the words go to stderr
grep -q "validated:   yes" "$T/err" || fail "no human summary on stderr"
[ "$(wc -l <"$T/out")" = 1 ] && grep -q '^{.*}$' "$T/out" || fail "stdout is not one JSON line: $(cat "$T/out")"
# loss, reordering and duplicates: out-of-order queues and retransmissions
# hold and drop buffers, and every one still comes back
run "$NETMEM" demo --bytes 16M --loss 0.01 --reorder 0.01 --dup 0.01 --json
[ "$RC" = 0 ] && [ "$(jfield validated)" = true ] || fail "faulted demo: $(last_json) $(cat "$T/err")"
[ "$(jfield wire_lost)" -gt 0 ] && [ "$(jfield wire_dup)" -gt 0 ] || fail "no faults: $(last_json)"
all_back "faulted"
# without --json the summary is on stdout
run "$NETMEM" demo --bytes 8M --quiet
[ "$RC" = 0 ] && grep -q "validated:   yes" "$T/out" && ! grep -q '^{' "$T/out" ||
	fail "human summary: $(cat "$T/out")"
exit 0
