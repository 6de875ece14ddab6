# Debian's ethtool binary as a helper process of a program under netmem
# run (system(), a shell, with and without sudo): it reaches the NIC of
# the process that owns it over the control endpoint, and what it changes
# is what that process reads back (nmp_ethtool show).  The commands that
# ethtool 6.1 sends as SIOCETHTOOL: -i, -S, -n/-N (flow-type tcp4 and tcp6,
# RX_CLS_LOC_ANY, delete), -x/-X (equal N); and those it sends over the
# ethtool netlink family (-g/-G, -l/-L, -k/-K), its netlink socket forwarded.  A process outside the run that
# names the run's endpoint gets EPERM.
rt_netns=1
. "$(dirname "$0")/lib.inc"
E=$P/nmp_ethtool
[ -x "$E" ] || fail "no $E: build the nmp_* targets (tests/progs/)"
command -v ethtool >/dev/null || fail "no ethtool: make deps-test installs it"

# sudo in front: not on the sanitized runtime (rt_ethtool_cmd.asan), whose
# ASan runtime, loaded behind the program, is not yet initialized when
# sudo's libcap-ng calls open() from its constructor (a segfault in ASan's
# shadow memory, before any code of ours runs its checks)
SUDO="sudo "
case ${NETMEM_PRELOAD:-} in *.asan.so) SUDO= ;; esac

# the program asks its helpers first, before any socket (ncdevmem's order):
# the NIC comes up in the program, the helpers' changes stay there
rt_tap "$E" nm0 system \
	"ethtool -i nm0 >$T/i" \
	"ethtool -X nm0 equal 1" \
	"ethtool -N nm0 flow-type tcp4 dst-ip 198.18.0.2 dst-port 5201 action 1 >$T/n4" \
	"${SUDO}ethtool -N nm0 flow-type tcp6 dst-port 5202 action 0 >$T/n6" \
	"ethtool -n nm0 >$T/n" \
	"ethtool -x nm0 >$T/x" \
	"ethtool -S nm0 >$T/S" >"$T/show" 2>&1 || fail "$(cat "$T/show")"
grep -q "^driver: netmem" "$T/i" || fail "ethtool -i: $(cat "$T/i")"
grep -q "^Added rule with ID 0" "$T/n4" || fail "ethtool -N tcp4: $(cat "$T/n4")"
grep -q "^Added rule with ID 1" "$T/n6" || fail "sudo ethtool -N tcp6: $(cat "$T/n6")"
grep -q "^Total 2 rules" "$T/n" || fail "ethtool -n: $(cat "$T/n")"
grep -q "Dest port: 5201" "$T/n" && grep -q "Rule Type: TCP over IPv6" "$T/n" ||
	fail "ethtool -n: $(cat "$T/n")"
grep -q "^ *0: *0 *0 *0 *0 *0 *0 *0 *0$" "$T/x" || fail "ethtool -x after -X equal 1: $(cat "$T/x")"
grep -q "rx_packets: " "$T/S" || fail "ethtool -S: $(cat "$T/S")"
# the program itself sees what its helpers did
grep -q "^rule 0 flow 0x1 dst-port 5201 action 1$" "$T/show" || fail "show: $(cat "$T/show")"
grep -q "^rule 1 flow 0x5 dst-port 5202 action 0$" "$T/show" || fail "show: $(cat "$T/show")"
grep -q "^indir 0 0 0 0 " "$T/show" || fail "show: $(cat "$T/show")"

# delete, and -X equal 2 back, from one helper shell; the program reads back
rt_tap "$E" nm0 system \
	"ethtool -N nm0 flow-type tcp4 dst-port 5201 action 1 >/dev/null" \
	"ethtool -N nm0 delete 0 && ethtool -X nm0 equal 2" \
	"ethtool -n nm0 >$T/n" >"$T/show" 2>&1 || fail "$(cat "$T/show")"
grep -q "^Total 0 rules" "$T/n" || fail "ethtool -n after delete: $(cat "$T/n")"
grep -q "^indir 0 1 0 1 " "$T/show" || fail "show: $(cat "$T/show")"
grep -q "^rule " "$T/show" && fail "a rule left: $(cat "$T/show")"

# the commands ethtool 6.1 sends over the ethtool netlink family (the
# helper's netlink socket forwarded to the owner): -g/-G, -l/-L, -k/-K
rt_tap "$E" nm0 system \
	"ethtool -G nm0 rx 1024 tx 2048" \
	"ethtool -L nm0 rx 3 tx 3" \
	"ethtool -k nm0 >$T/k0" \
	"ethtool -K nm0 ntuple off" \
	"ethtool -k nm0 >$T/k1" \
	"ethtool -g nm0 >$T/g" "ethtool -l nm0 >$T/l" >"$T/show" 2>&1 || fail "$(cat "$T/show")"
grep -q "^ntuple-filters: on" "$T/k0" && grep -q "^ntuple-filters: off" "$T/k1" &&
	grep -q "^rx-checksumming: on" "$T/k1" || fail "ethtool -k: $(cat "$T/k0" "$T/k1")"
grep -q "^channels rx 3 tx 3$" "$T/show" && grep -q "^rings rx 1024 tx 2048$" "$T/show" &&
	grep -q "^ntuple 0$" "$T/show" || fail "after -G/-L/-K: $(cat "$T/show")"
[ "$(sed -n '/^Current/,$p' "$T/g" | grep -E '^(RX|TX):' | tr -s '\t ' ' ' | tr '\n' ' ')" = \
	"RX: 1024 TX: 2048 " ] || fail "ethtool -g: $(cat "$T/g")"
[ "$(sed -n '/^Current/,$p' "$T/l" | grep -E '^(RX|TX):' | tr -s '\t ' ' ' | tr '\n' ' ')" = \
	"RX: 3 TX: 3 " ] || fail "ethtool -l: $(cat "$T/l")"

# a helper's refusal is the kernel's: an action past the queues
rt_tap "$E" nm0 system "ethtool -N nm0 flow-type tcp4 dst-port 1 action 7 2>$T/bad; true" \
	>"$T/show" 2>&1 || fail "$(cat "$T/show")"
grep -q "Invalid argument" "$T/bad" || fail "ethtool -N action 7: $(cat "$T/bad")"

# a fork child (no exec) reaches its parent's NIC, not its copy of it
rt_tap "$E" nm0 fork >"$T/fork" 2>&1 || fail "fork: $(cat "$T/fork")"
grep -q "^fork: the child read and set the parent's NIC" "$T/fork" || fail "fork: $(cat "$T/fork")"

# a helper left behind after the run's processes ended: nobody serves the
# NIC any more, ENODEV (ethtool: "No such device")
rt_tap sh -c "(sleep 0.5; ethtool -i nm0 >$T/late 2>&1; echo \$? >$T/late.rc) & exit 0" ||
	fail "the run that leaves a helper behind"
i=0
until [ -s "$T/late.rc" ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "the late helper never ended"; sleep 0.05; done
[ "$(cat "$T/late.rc")" != 0 ] && grep -q "No such device" "$T/late" ||
	fail "a helper with nobody serving: exit $(cat "$T/late.rc"): $(cat "$T/late")"

# outside the run: a process that is no descendant of netmem run gets EPERM
rt_bg "$T/run" rt_tap sh -c "echo \$NETMEM_CTL >$T/ctl; $E nm0 show >/dev/null; sleep 3"
i=0
until [ -s "$T/ctl" ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "no NETMEM_CTL"; sleep 0.05; done
sleep 0.3
env LD_PRELOAD="$BUILD/libnetmem-preload.so" NETMEM_WIRE="tap:$TAP" NETMEM_QUIET=1 \
	NETMEM_CTL="$(cat "$T/ctl")" NETMEM_ADDR=198.18.0.2/24 ethtool -i nm0 >"$T/out" 2>&1 &&
	fail "a process outside the run reached the NIC: $(cat "$T/out")"
grep -q "Operation not permitted" "$T/out" || fail "outside the run: $(cat "$T/out")"
rt_ok "the run" "$T/run"
exit 0
