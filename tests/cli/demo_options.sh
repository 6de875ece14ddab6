# netmem demo's wire and NIC options: faults (each injected, losses
# retransmitted), MTU, queues, period and chunk (bytes per send) in effect
# as the JSON reports them; GSO off, dma-buf size and port accepted, with
# the transfer still validated; -v 0 reads nothing.
. "$(dirname "$0")/lib.inc"
run "$NETMEM" demo --bytes 16M --loss 1% --reorder 2% --dup 3% --seed 7 --json --quiet
[ "$RC" = 0 ] || fail "faults: exit $RC: $(cat "$T/err")"
[ "$(jfield validated)" = true ] || fail "faults: $(last_json)"
lost=$(jfield wire_lost); [ "$lost" -gt 0 ] || fail "no loss injected: $(last_json)"
[ "$(jfield wire_dup)" -gt 0 ] || fail "no dup injected"
[ "$(jfield wire_reordered)" -gt 0 ] || fail "no reordering injected: $(last_json)"
[ "$(jfield tcp_retransmits)" -gt 0 ] || fail "loss without retransmits"
run "$NETMEM" demo --bytes 16M --mtu 9000 --queues 4 -v 7 --no-gso --dmabuf-size 8M \
	--chunk 64K -p 6000 --json --quiet
[ "$RC" = 0 ] || fail "options: exit $RC: $(cat "$T/err")"
[ "$(jfield validate_period)" = 7 ] || fail "-v 7: $(last_json)"
[ "$(jfield mtu)" = 9000 ] || fail "--mtu: $(last_json)"
[ "$(jfield queues)" = 4 ] || fail "--queues: $(last_json)"
[ "$(jfield validated)" = true ] || fail "options: not validated: $(last_json)"
# devmem TX: one sendmsg per chunk, 16M / 64K of them
[ "$(jfield tx_sends)" = 256 ] || fail "--chunk 64K: $(jfield tx_sends) sends for 16M"
run "$NETMEM" demo --bytes 8M -v 0 --json --quiet
[ "$RC" = 0 ] || fail "-v 0: exit $RC"
[ "$(jfield validated)" = false ] || fail "-v 0 claims validation"
[ "$(jfield cpu_windows)" = 0 ] || fail "-v 0 read device memory"
run "$NETMEM" demo --help
[ "$RC" = 0 ] && grep -q -- --reorder "$T/out" || fail "demo --help"
exit 0
