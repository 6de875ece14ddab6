# make install into a staging DESTDIR (default PREFIX /usr/local): the
# library (versioned shared, and static), the preload library of netmem run
# next to it, headers, netmem.pc, man pages and the command land there (the
# installed netmem run preloads the installed library); both examples build out of tree with
# `pkg-config --cflags --libs netmem`, once against libnetmem.so and once
# statically (pkg-config --static, libnetmem.a), and the receiver and the
# sender of each build move their stream over the shm wire; make uninstall
# then leaves nothing behind.
. "$(dirname "$0")/lib.inc"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
CC=${CC:-cc}
command -v pkg-config >/dev/null 2>&1 || skip "no pkg-config (make test installs it: tools/deps.sh)"
command -v "$CC" >/dev/null 2>&1 || skip "no C compiler $CC"
DEST=$T/dest
PFX=/usr/local
# the build tree's manifest belongs to the user's own install: kept aside
MAN_SAVED=
if [ -f "$BUILD/install_manifest.txt" ]; then
	cp "$BUILD/install_manifest.txt" "$T/manifest.saved" && MAN_SAVED=1
fi
restore() {
	if [ -n "$MAN_SAVED" ]; then cp "$T/manifest.saved" "$BUILD/install_manifest.txt"
	else rm -f "$BUILD/install_manifest.txt"; fi
}
trap 'restore; kill $spid $cpid 2>/dev/null; rm -rf "$T"' EXIT

make -s -C "$SRC" install BUILD="$BUILD" DESTDIR="$DEST" >"$T/install.out" 2>&1 ||
	fail "make install: $(tail -5 "$T/install.out")"
L=$DEST$PFX/lib
# what is there
for f in lib/libnetmem.a lib/libnetmem.so.0.1.0 lib/libnetmem-preload.so lib/pkgconfig/netmem.pc \
	bin/netmem share/man/man1/netmem.1 share/man/man1/netmem-run.1 \
	share/man/man3/nm_netdev_capture_start.3; do
	[ -f "$DEST$PFX/$f" ] || fail "not installed: $PFX/$f"
done
[ "$(readlink "$L/libnetmem.so.0")" = libnetmem.so.0.1.0 ] &&
	[ "$(readlink "$L/libnetmem.so")" = libnetmem.so.0 ] || fail "shared library links: $(ls -l "$L")"
readelf -d "$L/libnetmem.so.0.1.0" | grep -q 'SONAME.*\[libnetmem\.so\.0\]' || fail "SONAME"
for h in "$SRC"/include/netmem/*.h; do
	cmp -s "$h" "$DEST$PFX/include/netmem/$(basename "$h")" || fail "header $(basename "$h")"
done
[ "$(ls "$DEST$PFX/share/man/man3" | wc -l)" = "$(ls "$SRC"/docs/man/man3/*.3 | wc -l)" ] ||
	fail "man3 pages: $(ls "$DEST$PFX/share/man/man3" | wc -l) installed"
"$DEST$PFX/bin/netmem" version | grep -q '^netmem 0\.1\.0$' || fail "installed netmem version"
grep -qx "prefix=$PFX" "$L/pkgconfig/netmem.pc" || fail "netmem.pc prefix: $(cat "$L/pkgconfig/netmem.pc")"
# the preload library: the interposed calls and the devmem hooks exported,
# no dependency on libnetmem.so (the library is inside); the installed
# netmem run finds it next to libnetmem (../lib from bin/)
P_SYMS=$(nm -D --defined-only "$L/libnetmem-preload.so" | awk '{ print $3 }')
for s in socket recvmsg epoll_wait netmem_rt_bind_rx; do
	echo "$P_SYMS" | grep -qx "$s" || fail "libnetmem-preload.so does not export $s"
done
echo "$P_SYMS" | grep -q '^nm_' && fail "libnetmem-preload.so exports the library: $(echo "$P_SYMS" | grep '^nm_' | head -3)"
readelf -d "$L/libnetmem-preload.so" | grep -q 'NEEDED.*libnetmem\.so' && fail "libnetmem-preload.so needs libnetmem.so"
pre=$(NETMEM_PRELOAD= "$DEST$PFX/bin/netmem" run --quiet --wire shm:inst$UNIQ -- sh -c 'echo "$LD_PRELOAD"')
[ "$pre" = "$DEST$PFX/bin/../lib/libnetmem-preload.so" ] || [ "$pre" = "$L/libnetmem-preload.so" ] ||
	fail "the installed netmem run preloads '$pre', not $L/libnetmem-preload.so"

# out of tree, as a user: only the staged netmem.pc, its paths under DESTDIR
export PKG_CONFIG_LIBDIR="$L/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$DEST"
unset PKG_CONFIG_PATH
[ "$(pkg-config --modversion netmem)" = 0.1.0 ] || fail "pkg-config --modversion netmem"
pkg-config --static --libs netmem | grep -q -- '-lpcap' || fail "--static lacks -lpcap"
SH_FLAGS=$(pkg-config --cflags --libs netmem)
# a static link takes libnetmem.a where -lnetmem stands (as meson's
# static dependencies do); libpcap and libc stay shared (Debian has no
# static libsystemd, which a fully static libpcap would need)
ST_FLAGS=$(pkg-config --static --cflags --libs netmem | sed 's/-lnetmem\( \|$\)/-l:libnetmem.a\1/')
mkdir "$T/ex"
for kind in sh st; do
	if [ $kind = sh ]; then flags=$SH_FLAGS; else flags=$ST_FLAGS; fi
	# shellcheck disable=SC2086
	$CC -O2 -Wall -o "$T/ex/recv_$kind" "$SRC/examples/devmem_receiver.c" $flags \
		2>"$T/cc.err" || fail "build receiver ($kind): $(cat "$T/cc.err")"
	# shellcheck disable=SC2086
	$CC -O2 -Wall -o "$T/ex/send_$kind" "$SRC/examples/devmem_sender.c" $flags \
		2>"$T/cc.err" || fail "build sender ($kind): $(cat "$T/cc.err")"
done
for p in recv_sh send_sh; do
	readelf -d "$T/ex/$p" | grep -q 'NEEDED.*\[libnetmem\.so\.0\]' || fail "$p: not linked to libnetmem.so.0"
done
for p in recv_st send_st; do
	readelf -d "$T/ex/$p" | grep -q 'NEEDED.*libnetmem' && fail "$p: linked to libnetmem.so"
	nm "$T/ex/$p" | grep -q ' T nm_socket$' || fail "$p: nm_socket not linked in"
done

# receiver and sender of each build over the shm wire "devmem-example";
# as root in a network namespace of their own (its abstract socket name
# then clashes with nobody's)
cat >"$T/pair.sh" <<EOF
export LD_LIBRARY_PATH="$L"
for kind in sh st; do
	timeout 60 "$T/ex/recv_\$kind" >"$T/recv_\$kind.out" 2>&1 &
	rp=\$!
	i=0
	until grep -q '@netmem-shm-devmem-example\$' /proc/net/unix; do
		i=\$((i + 1)); [ \$i -lt 200 ] || break; sleep 0.05
	done
	timeout 60 "$T/ex/send_\$kind" >"$T/send_\$kind.out" 2>&1; echo \$? >"$T/send_\$kind.rc"
	wait \$rp; echo \$? >"$T/recv_\$kind.rc"
done
EOF
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
	unshare -n sh "$T/pair.sh"
else
	sh "$T/pair.sh"
fi
for kind in sh st; do
	[ "$(cat "$T/send_$kind.rc")" = 0 ] || fail "sender ($kind): $(cat "$T/send_$kind.out")"
	[ "$(cat "$T/recv_$kind.rc")" = 0 ] || fail "receiver ($kind): $(cat "$T/recv_$kind.out")"
	sent=$(sed -n 's/^sent \([0-9]*\) bytes from device memory.*all completed$/\1/p' "$T/send_$kind.out")
	[ -n "$sent" ] && [ "$sent" -gt 0 ] || fail "sender ($kind): $(cat "$T/send_$kind.out")"
	# the sender sends bytes 4096.. of a buffer whose byte i is i % 256,
	# 1 MiB - 4 KiB at a time: each send adds up to 4080 * (0 + ... + 255)
	per=1044480
	[ $((sent % per)) = 0 ] || fail "sender ($kind): $sent is not whole sends"
	want="received $sent bytes, byte sum $((sent / per * 4080 * 32640))"
	grep -qx "$want" "$T/recv_$kind.out" ||
		fail "receiver ($kind): wanted '$want': $(cat "$T/recv_$kind.out")"
done

make -s -C "$SRC" uninstall BUILD="$BUILD" DESTDIR="$DEST" >"$T/uninstall.out" 2>&1 ||
	fail "make uninstall: $(tail -5 "$T/uninstall.out")"
left=$(find "$DEST" ! -type d)
[ -z "$left" ] || fail "left after make uninstall: $left"
[ ! -e "$DEST$PFX/include/netmem" ] || fail "include/netmem left after make uninstall"
# a second uninstall has nothing listed to remove: one clear failure
make -s -C "$SRC" uninstall BUILD="$BUILD" DESTDIR="$DEST" >"$T/uninstall.out" 2>&1 &&
	fail "second make uninstall succeeded"
grep -q 'nothing was installed' "$T/uninstall.out" || fail "second uninstall: $(cat "$T/uninstall.out")"
exit 0
