# SIOCETHTOOL and SIOCGIF* on netmem's interface from an unmodified
# program (tests/progs/ethtool.c, glibc and linux/ethtool.h only) under
# netmem run: channels, rings, features (and the legacy flag calls),
# ntuple rules at RX_CLS_LOC_ANY, the RSS table and key, string sets and
# counters, each set read back and each refusal checked for the kernel's
# errno; if_nametoindex/if_indextoname and SIOCGIFNAME find nm0 next to
# the kernel's lo.  Over the TAP, and over shm with both ends configuring
# their own NIC at once (the ioctl brings the NIC up and waits for the
# wire's other end, as a socket call would).
rt_netns=1
. "$(dirname "$0")/lib.inc"
E=$P/nmp_ethtool
[ -x "$E" ] || fail "no $E: build the nmp_* targets (tests/progs/)"

rt_tap "$E" nm0 >"$T/tap" 2>&1 || fail "TAP: $(cat "$T/tap")"
grep -q "^nmp_ethtool: all checks passed" "$T/tap" || fail "TAP: $(cat "$T/tap")"


rt_bg "$T/a" rt_shm et$UNIQ 198.18.0.1 "$E" nm0
rt_shm et$UNIQ 198.18.0.2 "$E" nm0 >"$T/b" 2>&1 || fail "shm: $(cat "$T/b")"
grep -q "^nmp_ethtool: all checks passed" "$T/b" || fail "shm: $(cat "$T/b")"
rt_ok "shm: the other end" "$T/a"
grep -q "^nmp_ethtool: all checks passed" "$T/a" || fail "shm: the other end: $(cat "$T/a")"

# the kernel's own interfaces stay the kernel's: lo answers as it does
# without netmem (SIOCETHTOOL on lo is not netmem's drvinfo)
rt_tap sh -c 'ip link show lo >/dev/null && echo lo-ok' >"$T/lo" 2>&1 || fail "lo: $(cat "$T/lo")"
grep -q lo-ok "$T/lo" || fail "lo: $(cat "$T/lo")"
exit 0
