# Without root, TAP wires fail with one line that says so.
. "$(dirname "$0")/lib.inc"
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 || skip "root, and no setpriv to drop it"
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups --"
else
	AS=
fi
cp "$NETMEM" "$T/netmem" && chmod 755 "$T" "$T/netmem"
NETMEM="$AS $T/netmem"
expect_error 1 demo --wire tap --bytes 1M
grep -q root "$T/err" || fail "demo: $(cat "$T/err")"
expect_error 1 server --wire tap:nmnoroot0 --wait 1
grep -q root "$T/err" || fail "server: $(cat "$T/err")"
expect_error 1 client --wire tap:nmnoroot0 --wait 1
exit 0
