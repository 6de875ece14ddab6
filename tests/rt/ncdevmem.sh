# Issue 16's "done when": nmp_ncdevmem (tests/progs/ncdevmem.c, written
# only against the kernel's headers) does what ncdevmem's server does,
# unchanged, under netmem run with the kernel's TCP sending over the TAP:
# channels and rings read and tcp-data-split turned on through ethtool
# netlink, `ethtool -X equal N` and `ethtool -N flow-type tcp4|tcp6 ...
# action Q` run as helper processes (and the rule deleted at the end), a
# buffer from /dev/udmabuf, a hand-written generic netlink bind-rx, an
# AF_INET6 listener that accepts an IPv4 peer v4-mapped, recvmsg
# (MSG_SOCK_DEVMEM), every byte validated between DMA_BUF_IOCTL_SYNC START
# and END, each token returned alone (SO_DEVMEM_DONTNEED says 1).  1 GiB
# over IPv4 and 1 GiB over IPv6; and 1 GiB more into a buffer made by
# UDMABUF_CREATE_LIST of two memfds and separate ranges of one (holes in
# both files; `list`), each byte validated through the dma-buf's mmap and
# again through its memfd's own mapping, every item receiving frags.  Then ncdevmem's no-address self-test:
# binding no queues fails, binding with header split off fails, with it on
# succeeds, a channels-set that drops a bound queue fails.  And the TX
# side: bind-tx of a /dev/udmabuf buffer, sendmsg(SCM_DEVMEM_DMABUF,
# MSG_ZEROCOPY) with every completion read, to the kernel's TCP (which
# checks every byte), over IPv4 and IPv6.
rt_netns=1
. "$(dirname "$0")/lib.inc"
N=$P/nmp_ncdevmem
D=$P/nmp_devmem
[ -x "$N" ] && [ -x "$D" ] || fail "no $N or $D: build the nmp_* targets (tests/progs/)"
command -v ethtool >/dev/null || fail "no ethtool: make deps-test installs it"
B=1073741824

# ADDR PLEN HOSTADDR PORT FLOW PEER [list]
serve() {
	rt_bg "$T/srv" timeout 120 "$NETMEM" run --wire "tap:$TAP" --addr "$1/$2" \
		--host-addr "$3/$2" --quiet -- "$N" server nm0 "$1" "$4" $B $7
	i=0
	until grep -q "^listening" "$T/srv" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 400 ] || fail "nmp_ncdevmem does not listen: $(cat "$T/srv" "$T/srv.err")"
		[ -f "$T/srv.rc" ] && fail "nmp_ncdevmem: $(cat "$T/srv" "$T/srv.err")"
		sleep 0.05
	done
	"$D" send "$1" "$4" $B >"$T/ks" 2>&1 || fail "kernel sender to $1: $(cat "$T/ks")"
	rt_ok "nmp_ncdevmem on $1" "$T/srv"
	for w in "^tcp-data-split on" "^ran: ethtool -X nm0 equal 1" \
		 "^ran: ethtool -N nm0 flow-type $5 dst-ip $1 dst-port $4 action 1 (rule 0)" \
		 "^bound queues 1..1 to dma-buf" "^accepted from $6" "^ran: ethtool -N nm0 delete 0" \
		 "^nmp_ncdevmem: $B bytes, [1-9][0-9]* dma-buf frags, 0 linear, every byte validated"; do
		grep -q "$w" "$T/srv" || fail "$1: no '$w': $(cat "$T/srv" "$T/srv.err")"
	done
	[ "$7" = list ] || return 0
	for w in "^udmabuf: a list of 3 items over 2 memfds, 16777216 bytes" \
		 "^list: dma-buf frags per item [1-9][0-9]* [1-9][0-9]* [1-9][0-9]*, each byte also"; do
		grep -q "$w" "$T/srv" || fail "$1 (list): no '$w': $(cat "$T/srv" "$T/srv.err")"
	done
}
serve 198.18.0.2 24 198.18.0.1 5201 tcp4 "::ffff:198.18.0.1"
serve 2001:2::2 64 2001:2::1 5202 tcp6 "2001:2::1"
serve 198.18.0.2 24 198.18.0.1 5203 tcp4 "::ffff:198.18.0.1" list

# TX: PEER PLEN SELF LISTEN PORT
send_tx() {
	rt_bg "$T/kr" "$D" recv "$4" "$5" $((B / 4))
	rt_until_listening "$5"
	timeout 60 "$NETMEM" run --wire "tap:$TAP" --addr "$3/$2" --host-addr "$1/$2" --quiet -- \
		"$N" client nm0 "$1" "$5" $((B / 4)) >"$T/tx" 2>&1 || fail "client to $1: $(cat "$T/tx")"
	grep -q "^nmp_ncdevmem client: $((B / 4)) bytes from the dma-buf in \([0-9]*\) sends, \1 completions" \
		"$T/tx" || fail "client to $1: $(cat "$T/tx")"
	rt_ok "kernel receiver on $1" "$T/kr"
	grep -q "^nmp_devmem recv: $((B / 4)) bytes, every byte checked" "$T/kr" ||
		fail "kernel receiver: $(cat "$T/kr")"
}
send_tx 198.18.0.1 24 198.18.0.2 0.0.0.0 6001
send_tx 2001:2::1 64 2001:2::2 :: 6003

rt_tap "$N" selftest nm0 >"$T/st" 2>&1 || fail "selftest: $(cat "$T/st")"
for w in "^bind-rx of no queues: Invalid argument" \
	 '^bind-rx with header split off: Invalid argument "tcp-data-split is disabled"' \
	 "^bind-rx with header split on: dma-buf" \
	 "^channels-set rx 1 (drops a bound queue): Invalid argument" \
	 "^nmp_ncdevmem: selftest ok"; do
	grep -q "$w" "$T/st" || fail "selftest: no '$w': $(cat "$T/st")"
done
exit 0
