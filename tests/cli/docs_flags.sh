# The man page and --help list the same flags for every subcommand, and
# the command accepts each of them (netmem run's also in netmem-run.1's
# OPTIONS); SIZE suffixes are what both say.
. "$(dirname "$0")/lib.inc"
MAN=$(dirname "$0")/../../docs/man/netmem.1
[ -f "$MAN" ] || skip "no man page at $MAN"
# flag-like words: -x or --xyz after a space, comma, bracket or line start
flags() { grep -oE '(^|[ ,(\[])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[ ,(\[]//' |
	grep -vxE -- '-h|--help' | sort -u; }
for cmd in demo server client bench run; do
	run "$NETMEM" $cmd --help
	[ "$RC" = 0 ] || fail "$cmd --help: exit $RC"
	flags <"$T/out" >"$T/help.$cmd"
	# the man page's section for cmd: .SS cmd up to the next .SS or .SH
	sed -n "/^\.SS $cmd\$/,/^\.S[SH] /p" "$MAN" | sed '1d;$d' |
		sed 's/\\f[BIRP]//g; s/\\-/-/g' | flags >"$T/man.$cmd"
	[ -s "$T/man.$cmd" ] || fail "no flags in the man page's $cmd section"
	missing=$(comm -23 "$T/help.$cmd" "$T/man.$cmd" | tr '\n' ' ')
	[ -z "$missing" ] || fail "$cmd: in --help, not in the man page: $missing"
	extra=$(comm -13 "$T/help.$cmd" "$T/man.$cmd" | tr '\n' ' ')
	[ -z "$extra" ] || fail "$cmd: in the man page, not in --help: $extra"
	# each is an option of cmd (two stray words: nothing runs, exit 2)
	for f in $(cat "$T/help.$cmd"); do
		run "$NETMEM" $cmd $f 1 __x__
		[ "$RC" = 2 ] || fail "$cmd $f 1 __x__: exit $RC, wanted 2: $(cat "$T/err")"
		grep -q "unknown option" "$T/err" && fail "$cmd does not take $f: $(cat "$T/err")"
	done
done
# netmem-run.1's OPTIONS: the same flags as netmem.1's run section
RUNMAN=$(dirname "$0")/../../docs/man/netmem-run.1
sed -n '/^\.SH OPTIONS$/,/^\.SH /p' "$RUNMAN" | sed '1d;$d' | sed 's/\\f[BIRP]//g; s/\\-/-/g' |
	flags >"$T/man1.run"
[ -s "$T/man1.run" ] || fail "no flags in netmem-run.1's OPTIONS"
cmp -s "$T/man1.run" "$T/man.run" || fail "netmem-run.1 and netmem.1 list other flags for run: $(diff "$T/man1.run" "$T/man.run" | tr '\n' ' ')"
# demo --port/--validate and bench --no-demo were once missing
grep -q 'no\\-demo' "$MAN" && grep -q '\\-\\-port' "$MAN" && grep -q '\\-\\-validate' "$MAN" ||
	fail "man page lacks --no-demo, --port or --validate"
# SIZE: K, M, G, T (powers of 1024), optionally i, iB or B; as --help says
for s in 1K 1M 1G 1T 1GiB 1GB 1Gi 4096; do
	run "$NETMEM" demo --bytes $s __x__
	grep -q "unexpected argument '__x__'" "$T/err" || fail "--bytes $s refused: $(cat "$T/err")"
done
for s in 1P 1Q 1Gb 1KiBB -1 ''; do
	expect_error 2 demo --bytes "$s"
done
grep -q "NT" "$T/err" || fail "size error does not list T: $(cat "$T/err")"
for cmd in demo server client; do
	"$NETMEM" $cmd --help | grep -q 'K, M, G or T' || fail "$cmd --help: no SIZE suffixes"
done
grep -q 'suffix \\fBK\\fP, \\fBM\\fP,' "$MAN" && grep -q '\\fBG\\fP or \\fBT\\fP' "$MAN" ||
	fail "man page: no SIZE suffixes"
grep -q 'K, M, G or T' "$(dirname "$0")/../../docs/guide.md" || fail "guide: no SIZE suffixes"
exit 0
