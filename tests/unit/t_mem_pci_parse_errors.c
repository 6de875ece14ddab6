/* Every class of malformed topology text is -EINVAL, leaves *out NULL, and
 * names the offending byte position in nm_last_error(). */
#include <netmem/pci.h>

#include "mem/mem_internal.h"
#include "util/err.h"
#include "t_util.h"

struct bad {
	const char *desc;
	size_t pos;		/* expected byte position in the message */
	const char *what;	/* expected words in the message */
};

static const struct bad cases[] = {
	/* no endpoint */
	{ "", 0, "no endpoint" },
	{ "   ", 3, "no endpoint" },
	{ "rc0", 3, "no endpoint" },
	{ "rc0 { }", 7, "no endpoint" },
	{ "rc0 { sw0 { } } rc1", 19, "no endpoint" },
	/* unbalanced braces, stray tokens */
	{ "{", 0, "expected a node name" },
	{ "}", 0, "expected a node name" },
	{ "rc0 {", 5, "end of text" },
	{ "rc0 { nic0", 10, "end of text" },
	{ "rc0 { sw { nic0 }", 17, "end of text" },
	{ "rc0 { nic0 } }", 13, "expected a node name" },
	{ "rc0 {n} }", 8, "expected a node name" },
	{ "rc0 { nic0 )", 11, "expected a node name" },
	{ ", rc0 { n }", 0, "expected a node name" },
	{ "rc0 { n }(", 9, "expected a node name" },
	{ "rc0 (p2p) (p2p) { n }", 10, "expected a node name" },
	{ "rc0 { n@ }", 7, "expected a node name" },
	{ "rc\x01 { n }", 2, "0x01" },
	{ "rc0 { n }\xff", 9, "0xff" },
	{ "rc0 { n = }", 8, "expected a node name" },
	/* names */
	{ "rc0 { abcdefghijklmnopqrstuvwxyz012345 }", 6, "longer than 31" },
	{ "abcdefghijklmnopqrstuvwxyz012345 { n }", 0, "longer than 31" },
	{ "rc0 { n n }", 8, "duplicate name 'n'" },
	{ "rc0 { n } rc0", 10, "duplicate name 'rc0'" },
	{ "rc0 { rc0 }", 6, "duplicate name" },
	{ "rc0 { sw { n } sw { m } }", 15, "duplicate name 'sw'" },
	/* attribute syntax */
	{ "rc0(", 4, "expected an attribute" },
	{ "rc0() { n }", 4, "expected an attribute" },
	{ "rc0(p2p", 7, "expected ',' or ')'" },
	{ "rc0(p2p,) { n }", 8, "expected an attribute" },
	{ "rc0(p2p p2p) { n }", 8, "expected ',' or ')'" },
	{ "rc0(,p2p) { n }", 4, "expected an attribute" },
	{ "rc0(foo) { n }", 4, "unknown attribute 'foo'" },
	{ "rc0(P2P) { n }", 4, "unknown attribute" },
	{ "rc0(p2p2) { n }", 4, "unknown attribute" },
	{ "rc0(p2p,p2p) { n }", 8, "given twice" },
	{ "rc0 { n(mem=4K, mem=8K) }", 16, "given twice" },
	{ "rc0 { n(noiommu=1) }", 15, "takes no value" },
	{ "rc0 { n(mem) }", 11, "needs '=value'" },
	{ "rc0(busoff 5) { n }", 11, "needs '=value'" },
	/* attribute on the wrong kind of node */
	{ "rc0(acs) { n }", 4, "not allowed on root complex 'rc0'" },
	{ "rc0(noiommu) { n }", 4, "not allowed on root complex" },
	{ "rc0(mem=4K) { n }", 4, "not allowed on root complex" },
	{ "rc0 { sw0(p2p) { n } }", 10, "not allowed on switch 'sw0'" },
	{ "rc0 { sw0(mem=4K) { n } }", 10, "not allowed on switch" },
	{ "rc0 { n(mem=4K) { m } }", 8, "not allowed on switch 'n'" },
	{ "rc0 { n(acs) }", 8, "not allowed on endpoint 'n'" },
	{ "rc0 { n(busoff=1) }", 8, "not allowed on endpoint" },
	{ "rc0 { n(p2p) }", 8, "not allowed on endpoint" },
	{ "rc0 { n(mem=4K, acs) }", 16, "'acs' is not allowed" },
	/* sizes and numbers */
	{ "rc0 { n(mem=) }", 12, "expected a number" },
	{ "rc0 { n(mem=-4096) }", 12, "expected a number" },
	{ "rc0 { n(mem=K) }", 12, "expected a number" },
	{ "rc0 { n(mem=0x) }", 14, "expected hex digits" },
	{ "rc0 { n(mem=0xK) }", 14, "expected hex digits" },
	{ "rc0 { n(mem=0) }", 12, "nonzero multiple of 4096" },
	{ "rc0 { n(mem=0K) }", 12, "nonzero multiple" },
	{ "rc0 { n(mem=4097) }", 12, "nonzero multiple" },
	{ "rc0 { n(mem=1000) }", 12, "nonzero multiple" },
	{ "rc0 { n(mem=0x1001) }", 12, "nonzero multiple" },
	{ "rc0 { n(mem=1K) }", 12, "nonzero multiple" },
	{ "rc0 { n(mem=8T) }", 12, "larger than" },
	{ "rc0 { n(mem=0x40000001000) }", 12, "larger than" },
	{ "rc0 { n(mem=16777216T) }", 12, "does not fit" },
	{ "rc0 { n(mem=18446744073709551616) }", 12, "does not fit" },
	{ "rc0 { n(mem=99999999999999999999) }", 12, "does not fit" },
	{ "rc0 { n(mem=0x10000000000000000) }", 12, "does not fit" },
	{ "rc0 { n(mem=1G5) }", 14, "expected ',' or ')'" },
	{ "rc0 { n(mem=1GG) }", 14, "expected ',' or ')'" },
	{ "rc0 { n(mem=4KQ) }", 14, "expected ',' or ')'" },
	{ "rc0 { n(mem=4096 K) }", 17, "expected ',' or ')'" },
	{ "rc0(busoff=0x10000000000000000) { n }", 11, "does not fit" },
	/* regression: bus addresses that wrap aliased IOVAs (review) */
	{ "rc0(busoff=0xfffe000000100000) { n }", 11, "makes bus addresses wrap" },
	{ "rc0(busoff=0xffffffffffffffff) { n }", 11, "makes bus addresses wrap" },
	{ "rc0(busoff=1K) { n }", 12, "expected ',' or ')'" },
	{ "rc0(busoff=0x) { n }", 13, "expected hex digits" },
	{ "rc0(busoff=) { n }", 11, "expected a number" },
};

static void check(const char *desc, size_t pos, const char *what)
{
	struct nm_topo *t = (struct nm_topo *)&t;	/* must be reset to NULL */
	char want[64];

	nm_clear_error();
	int r = nm_topo_create(desc, &t);
	if (r != -EINVAL)
		T_FAIL("'%s': got %d (%s), want -EINVAL", desc, r, nm_last_error());
	if (t != NULL)
		T_FAIL("'%s': *out not reset", desc);
	snprintf(want, sizeof(want), "byte %zu:", pos);
	if (!strstr(nm_last_error(), want))
		T_FAIL("'%s': message '%s' lacks '%s'", desc, nm_last_error(), want);
	if (what && !strstr(nm_last_error(), what))
		T_FAIL("'%s': message '%s' lacks '%s'", desc, nm_last_error(), what);
}

int main(void)
{
	char buf[8192];
	size_t n;

	for (size_t i = 0; i < NM_ARRAY_SIZE(cases); i++)
		check(cases[i].desc, cases[i].pos, cases[i].what);

	/* 17 brace levels: the 17th '{' is refused. */
	n = (size_t)snprintf(buf, sizeof(buf), "r");
	size_t brace17 = 0;
	for (int i = 1; i <= 17; i++) {
		if (i == 17)
			brace17 = n + 1;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " { s%d", i);
	}
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, " { e");
	for (int i = 0; i < 18; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " }");
	check(buf, brace17, "nesting deeper than 16");

	/* Nesting far past the limit, never closed: refused at the 17th '{'
	 * (the parser does not recurse further). */
	n = (size_t)snprintf(buf, sizeof(buf), "r");
	for (int i = 1; n + 16 < sizeof(buf); i++) {
		if (i == 17)
			brace17 = n;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "{s%d", i);
	}
	check(buf, brace17, "nesting deeper than 16");

	/* 257 nodes: the 257th name is refused. */
	n = (size_t)snprintf(buf, sizeof(buf), "r {");
	size_t name257 = 0;
	for (int i = 0; i < 256; i++) {
		if (i == 255)
			name257 = n + 1;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " e%d", i);
	}
	snprintf(buf + n, sizeof(buf) - n, " }");
	check(buf, name257, "more than 256 nodes");

	/* A long run of garbage after a valid topology is still caught. */
	n = (size_t)snprintf(buf, sizeof(buf), "r { e }");
	memset(buf + n, ' ', 4000);
	buf[n + 4000] = '#';
	buf[n + 4001] = '\0';
	check(buf, n + 4000, "'#'");

	T_PASS();
}
