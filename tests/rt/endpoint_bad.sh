# Malformed requests to a run's control endpoint from a process of the run
# (tests/rt/ep_bad.py: truncated, lying lengths, unknown requests, a
# netlink send with no socket, an ethtool command netmem has not, a
# process that sends requests and never reads the answers, then 300
# random ones, seeded): each is answered with its errno, the server goes
# on, and the ethtool command still reaches the NIC afterwards.
rt_netns=1
. "$(dirname "$0")/lib.inc"
E=$P/nmp_ethtool
[ -x "$E" ] || fail "no $E: build the nmp_* targets (tests/progs/)"
command -v ethtool >/dev/null || fail "no ethtool: make deps-test installs it"
for seed in 1 2; do
	rt_tap "$E" nm0 system "python3 $(dirname "$0")/ep_bad.py $seed >$T/bad 2>&1" \
		"ethtool -i nm0 >$T/i" >"$T/show" 2>&1 || fail "seed $seed: $(cat "$T/show" "$T/bad")"
	grep -q "^ok 300 random requests answered" "$T/bad" || fail "seed $seed: $(cat "$T/bad")"
	grep -q "^ok answered next to a process that never reads" "$T/bad" ||
		fail "seed $seed: $(cat "$T/bad")"
	grep -q "^driver: netmem" "$T/i" || fail "ethtool -i after: $(cat "$T/i")"
done
exit 0
