/* SPDX-License-Identifier: MIT */
/*
 * Attribute policies: the kernel's validation of a request's attributes
 * (lib/nlattr.c's __nla_validate_parse() with NL_VALIDATE_STRICT, which the
 * netdev and ethtool families use), with the same errnos and extack
 * messages, so a program's malformed request reads the same refusal here
 * as from the kernel:
 *
 *	unknown type (strict)		EINVAL	"Unknown attribute type"
 *	fixed-size type, other length	EINVAL	"invalid attribute length"
 *	nest shorter than a header	EINVAL	"Attribute failed policy validation"
 *	nest without NLA_F_NESTED	EINVAL	"NLA_F_NESTED is missing"
 *	NLA_F_NESTED on a non-nest	EINVAL	"NLA_F_NESTED not expected"
 *	string without a NUL (NUL_STR)	EINVAL	"Attribute failed policy validation"
 *	integer outside the range	ERANGE	"integer out of range"
 *	bytes after the last attribute	EINVAL	"bytes leftover after parsing attributes"
 *
 * Parsing walks the bytes with libmnl (mnl_attr_ok()/mnl_attr_next()),
 * which never reads past the buffer.  The last attribute of a type wins,
 * as nla_parse() keeps it.
 */
#include <errno.h>
#include <string.h>

#include "ctl/nl_internal.h"

static int check_len(struct nl_req *r, const struct nlattr *a, const struct nl_pol *p)
{
	uint16_t len = mnl_attr_get_payload_len(a);
	static const uint8_t fixed[] = { [NLK_U8] = 1, [NLK_U16] = 2, [NLK_U32] = 4,
					 [NLK_U64] = 8, [NLK_S32] = 4, [NLK_FLAG] = 0,
					 [NLK_BITFIELD32] = 8 };

	switch (p->kind) {
	case NLK_U8: case NLK_U16: case NLK_U32: case NLK_U64: case NLK_S32:
	case NLK_BITFIELD32:
		if (len != fixed[p->kind])
			return nl_fail(r, EINVAL, a, "invalid attribute length");
		return 0;
	case NLK_FLAG:
		return len ? nl_fail(r, EINVAL, a, "invalid attribute length") : 0;
	case NLK_UINT:
		return len == 4 || len == 8 ? 0 :
		       nl_fail(r, EINVAL, a, "invalid attribute length");
	case NLK_NEST:
		return len && len < NLA_HDRLEN ?
		       nl_fail(r, EINVAL, a, "Attribute failed policy validation") : 0;
	case NLK_NUL_STR:
		/* a NUL within the first max + 1 bytes, or the string runs
		 * past the policy (and, at the end, past the message) */
		if (!memchr(mnl_attr_get_payload(a), '\0',
			    p->max && p->max + 1u < len ? p->max + 1u : len))
			return nl_fail(r, EINVAL, a, "Attribute failed policy validation");
		/* fall through */
	case NLK_STR: {
		const char *str = mnl_attr_get_payload(a);
		size_t n = len;

		if (n < 1)
			return nl_fail(r, EINVAL, a, "Attribute failed policy validation");
		if (str[n - 1] == '\0')
			n--;
		if (p->max && n > p->max)
			return nl_fail(r, EINVAL, a, "Attribute failed policy validation");
		return 0;
	}
	default:
		return 0;
	}
}

static uint64_t uint_of(const struct nlattr *a)
{
	if (mnl_attr_get_payload_len(a) == 8)
		return mnl_attr_get_u64(a);
	return mnl_attr_get_u32(a);
}

static int check_range(struct nl_req *r, const struct nlattr *a, const struct nl_pol *p)
{
	uint64_t v;

	if (p->kind != NLK_U32 && p->kind != NLK_UINT)
		return 0;
	if (!p->min && !p->max)
		return 0;
	v = p->kind == NLK_U32 ? mnl_attr_get_u32(a) : uint_of(a);
	if (v < p->min || (p->max && v > p->max))
		return nl_fail(r, ERANGE, a, "integer out of range");
	return 0;
}

int nl_parse(struct nl_req *r, const void *p, size_t len, const struct nl_pol *pol,
	     uint16_t maxtype, bool strict, const struct nlattr **tb)
{
	const struct nlattr *a = p;
	int rem = (int)len;

	memset(tb, 0, sizeof(*tb) * (maxtype + 1u));
	while (mnl_attr_ok(a, rem)) {
		uint16_t type = mnl_attr_get_type(a);
		bool nested = a->nla_type & NLA_F_NESTED;
		int err;

		if (type == 0 || type > maxtype || pol[type].kind == NLK_NONE) {
			if (strict)
				return nl_fail(r, EINVAL, a, "Unknown attribute type");
			goto next;
		}
		if (strict && pol[type].kind == NLK_NEST && !nested)
			return nl_fail(r, EINVAL, a, "NLA_F_NESTED is missing");
		if (strict && pol[type].kind != NLK_NEST && nested)
			return nl_fail(r, EINVAL, a, "NLA_F_NESTED not expected");
		err = check_len(r, a, &pol[type]);
		if (!err)
			err = check_range(r, a, &pol[type]);
		if (err)
			return err;
		tb[type] = a;
next:
		rem -= NLA_ALIGN(a->nla_len);
		a = mnl_attr_next(a);
	}
	if (rem > 0 && strict)
		return nl_fail(r, EINVAL, NULL, "bytes leftover after parsing attributes");
	return 0;
}

int nl_parse_nested(struct nl_req *r, const struct nlattr *nest, const struct nl_pol *pol,
		    uint16_t maxtype, bool strict, const struct nlattr **tb)
{
	return nl_parse(r, mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), pol,
			maxtype, strict, tb);
}

int nl_strscpy(char *dst, const struct nlattr *a, size_t size)
{
	const char *src = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);
	const char *nul = memchr(src, '\0', len);

	if (nul)
		len = (size_t)(nul - src);
	if (!size)
		return -E2BIG;
	if (len >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}
