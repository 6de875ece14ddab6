# Netlink under `netmem run` (docs/netlink.md): an unmodified program
# (tests/progs/nl.c, glibc and kernel headers only) finds netmem's
# interface by name (if_nametoindex, getifaddrs), the generic netlink
# "netdev" family by name (a reply is readable for poll, select and
# epoll at once; a fork child's inherited socket is the kernel's), lists
# devices, queues and NAPIs (the kernel's and netmem's in one dump), gets bind-rx refused with the kernel's errno
# and extack text (header split turned off through ethtool netlink first,
# as ncdevmem's self-test does), binds a queue, sees it in queue-get, is
# refused turning header split off and dropping the bound queue's channel,
# is refused the same queue on a second socket, and unbinds by closing its
# socket.
rt_netns=1
. "$(dirname "$0")/lib.inc"
[ -x "$P/nmp_nl" ] || fail "no $P/nmp_nl"

rt_tap "$P/nmp_nl" netdev nm0 >"$T/out" 2>"$T/err" || fail "nmp_nl netdev: $(cat "$T/out" "$T/err")"
for step in if_nametoindex getifaddrs family "poll select epoll" "short recv" "writev readv" "bad iovec" \
	"fork child" "dev-get dump" \
	"queue-get dump" "napi-get dump" \
	"header split" bind-rx "close unbinds"; do
	grep -qx "ok $step" "$T/out" || fail "no 'ok $step': $(cat "$T/out")"
done
grep -q '^FAIL' "$T/out" && fail "$(grep '^FAIL' "$T/out")"
grep -qx 'refused a bound queue: File exists "designated queue already memory provider bound"' "$T/out" ||
	fail "EEXIST: $(cat "$T/out")"
grep -qx 'refused header split off: Invalid argument "tcp-data-split is disabled"' "$T/out" ||
	fail "header split: $(cat "$T/out")"
grep -q '^refused a channel count dropping a bound queue: Invalid argument "requested channel counts are too low for existing memory provider setting (1)"$' "$T/out" ||
	fail "channels: $(cat "$T/out")"
# the family id is the kernel's: the same program on the kernel alone
kid=$("$P/nmp_nl" family netdev) || skip "the kernel has no netdev family"
nid=$(rt_tap "$P/nmp_nl" family netdev) || fail "family under netmem run: $nid"
[ "$kid" = "$nid" ] || fail "netdev family: the kernel's $kid, under netmem run $nid"
exit 0
