# The ethtool netlink family under `netmem run` with a real program,
# Debian's ethtool, as the process that owns the NIC: `-g` (rings, with
# TCP data split), `-l` (channels), `-k` (features by the kernel's names:
# netmem's bits at the kernel's indices of the global feature string set),
# and `-K ntuple`, `-K tx off` (TSO then off, still requested), `-G rx`
# (ring size), `-L rx` accepted (Debian 12's ethtool
# 6.1 has no `-G tcp-data-split`: tests/progs/nl.c sets it over netlink).  Each ethtool is
# a process of its own (its own NIC: a change does not outlive it); the
# ioctl-based options (-x, -i, -n) are the ioctl half's (SIOCETHTOOL).
rt_netns=1
. "$(dirname "$0")/lib.inc"
command -v ethtool >/dev/null 2>&1 || skip "no ethtool (Debian's ethtool package)"

rt_tap sh -c '
	ethtool -g nm0; echo "g rc=$?"
	ethtool -l nm0; echo "l rc=$?"
	ethtool -k nm0; echo "k rc=$?"
	ethtool -K nm0 ntuple off; echo "K rc=$?"
	ethtool -G nm0 rx 256; echo "G rc=$?"
	ethtool -L nm0 rx 1; echo "L rc=$?"
	ethtool -g lo; echo "lo rc=$?"' >"$T/out" 2>&1 || fail "ethtool under netmem run: $(cat "$T/out")"
for rc in g l k K G L; do
	grep -qx "$rc rc=0" "$T/out" || fail "ethtool -$rc nm0: $(cat "$T/out")"
done
grep -q '^Ring parameters for nm0:' "$T/out" && grep -Eq '^TCP data split:[[:space:]]+on$' "$T/out" ||
	fail "-g: $(cat "$T/out")"
grep -Eq '^RX:[[:space:]]+2$' "$T/out" && grep -Eq '^TX:[[:space:]]+2$' "$T/out" || fail "-l: $(cat "$T/out")"
for f in 'rx-checksumming: on' 'tcp-segmentation-offload: on' 'ntuple-filters: on' \
	'receive-hashing: on' 'scatter-gather: off' 'tx-scatter-gather: off \[fixed\]'; do
	grep -Eq "^[[:space:]]*$f" "$T/out" || fail "-k lacks '$f': $(cat "$T/out")"
done
# -K tx off with TSO on: accepted, TSO goes off with it and stays wanted,
# as the kernel's netdev_fix_features does (it once failed: "TSO needs TX
# checksum offload")
rt_tap sh -c 'ethtool -K nm0 tx off; echo "tx rc=$?"; ethtool -k nm0' >"$T/tx" 2>&1 ||
	fail "ethtool -K tx off: $(cat "$T/tx")"
grep -qx 'tx rc=0' "$T/tx" && grep -Eq '^tx-checksumming: off$' "$T/tx" &&
	grep -Eq '^[[:space:]]*tx-tcp-segmentation: off \[requested on\]$' "$T/tx" ||
	fail "-K tx off: $(cat "$T/tx")"
# the kernel's lo answers through the same program: the kernel's own
grep -qx 'lo rc=0' "$T/out" || grep -q 'Operation not supported' "$T/out" || fail "lo: $(cat "$T/out")"
exit 0
