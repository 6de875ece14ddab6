/* SPDX-License-Identifier: MIT */
/*
 * IPv6 neighbour discovery (RFC 4861), the host part we need: answer
 * neighbour solicitations for our addresses (the global one and the
 * link-local one derived from the MAC), send solicitations to resolve
 * (solicited-node multicast) and unicast probes (STALE entries), and take
 * neighbour advertisements.  The cache itself is shared with ARP (arp.c).
 *
 * Not done: duplicate address detection (our addresses are configured,
 * assumed unique), router and prefix discovery (the gateway is static),
 * redirects.  Router solicitations/advertisements and redirects are
 * ignored by icmp.c.
 *
 * Validation follows RFC 4861 7.1.1 / 7.1.2: hop limit 255, code 0, length
 * >= 24, target not multicast, every option of non-zero length, no source
 * link-layer option from the unspecified address (which may only solicit
 * towards a solicited-node group), S clear in advertisements to multicast.
 * Workload: a few messages per neighbour per reachable time.
 */
#include <string.h>

#include "net/ip.h"
#include "nic/csum.h"
#include "nic/pkt.h"
#include "util/err.h"

#define ND_NS		135
#define ND_NA		136
#define ND_OPT_SLLA	1
#define ND_OPT_TLLA	2
#define NA_F_ROUTER	0x80
#define NA_F_SOLICITED	0x40
#define NA_F_OVERRIDE	0x20
#define ND_MAX_MSG	512	/* what we read of a message: options past it are ignored */

/* Build an NS or NA with a link-layer option; data at the ICMPv6 header. */
static struct nm_skb *nd_build(struct nm_iface *ifc, uint8_t type, uint8_t flags,
			       const struct nm_addr *target, uint8_t opt)
{
	struct nm_skb *skb = nm_skb_alloc(32);
	uint8_t *p;

	if (!skb)
		return NULL;
	p = nm_skb_put(skb, 32);
	memset(p, 0, 32);
	p[0] = type;
	p[4] = flags;
	memcpy(p + 8, target->b, 16);
	p[24] = opt;
	p[25] = 1;	/* 8 bytes */
	memcpy(p + 26, ifc->mac, 6);
	return skb;
}

/* ICMPv6 checksum of a linear message, then send with hop limit 255. */
static void nd_send(struct nm_iface *ifc, struct nm_skb *skb, const struct nm_addr *src,
		    const struct nm_addr *dst, const uint8_t *dst_mac)
{
	uint32_t sum = nm_csum_pseudo_v6(src->b, dst->b, NM_IPPROTO_ICMPV6, skb->len);

	sum = nm_csum_partial(skb->data, skb->linear, sum);
	nm_csum_st16(skb->data + 2, nm_csum_fold(sum));
	if (dst_mac) {
		/* unicast probe to a MAC we already know: straight to it */
		uint8_t *ip = nm_skb_push(skb, 40);

		if (!ip) {
			nm_skb_free(skb);
			return;
		}
		nm_ip6_fill_hdr(ip, src, dst, NM_IPPROTO_ICMPV6, 255, skb->len - 40);
		ifc->st->stats.ip6_out++;
		nm_eth_output(ifc, skb, dst_mac, NM_ETH_P_IPV6);
		return;
	}
	nm_ip6_output_ifc(ifc, skb, src, dst, dst, NM_IPPROTO_ICMPV6, 255);
}

void nm_nd_solicit(struct nm_iface *ifc, const struct nm_addr *ip, const uint8_t *mac)
{
	struct nm_addr src, dst;
	struct nm_skb *skb;

	if (nm_iface_src_for(ifc, ip, &src) < 0)
		return;
	skb = nd_build(ifc, ND_NS, 0, ip, ND_OPT_SLLA);
	if (!skb)
		return;
	if (mac)
		dst = *ip;
	else
		nm_addr6_solicited(&dst, ip);
	ifc->st->stats.nd_solicits++;
	nd_send(ifc, skb, &src, &dst, mac);
}

/* Find the link-layer option of type want; false if options are bad. */
static bool nd_opts(const uint8_t *o, uint32_t len, uint8_t want, const uint8_t **lla)
{
	*lla = NULL;
	while (len) {
		uint32_t olen;

		if (len < 2 || o[1] == 0)
			return false;
		olen = (uint32_t)o[1] * 8;
		if (olen > len)
			return false;
		if (o[0] == want && olen >= 8)
			*lla = o + 2;
		o += olen;
		len -= olen;
	}
	return true;
}

static void nd_rcv_ns(struct nm_iface *ifc, const uint8_t *m, uint32_t len,
		      const struct nm_addr *src, const struct nm_addr *dst)
{
	struct nm_stack_stats *s = &ifc->st->stats;
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	struct nm_addr target, to, from, sol;
	const uint8_t *slla;
	struct nm_skb *skb;
	bool unspec = nm_addr_unspec(src);

	memcpy(target.b, m + 8, 16);
	if (nm_addr6_mcast(&target) || !nd_opts(m + 24, len - 24, ND_OPT_SLLA, &slla)) {
		s->nd_bad++;
		return;
	}
	nm_addr6_solicited(&sol, &target);
	if (unspec && (slla || !nm_addr_same(dst, &sol))) {
		s->nd_bad++;
		return;
	}
	if (!nm_iface_has_addr(ifc, &target) || nm_addr_is_v4(&target)) {
		return;	/* not for us (no proxy ND) */
	}
	if (slla && !unspec)
		nm_neigh_update(ifc, src, slla, NM_NEIGH_UPD_LEARN);
	skb = nd_build(ifc, ND_NA, unspec ? NA_F_OVERRIDE : NA_F_SOLICITED | NA_F_OVERRIDE,
		       &target, ND_OPT_TLLA);
	if (!skb)
		return;
	from = target;
	if (unspec)
		memcpy(to.b, all_nodes, 16);
	else
		to = *src;
	s->nd_adverts++;
	nd_send(ifc, skb, &from, &to, NULL);
}

static void nd_rcv_na(struct nm_iface *ifc, const uint8_t *m, uint32_t len,
		      const struct nm_addr *dst)
{
	struct nm_stack_stats *s = &ifc->st->stats;
	struct nm_addr target;
	const uint8_t *tlla;
	uint8_t flags = m[4];

	memcpy(target.b, m + 8, 16);
	if (nm_addr6_mcast(&target) || !nd_opts(m + 24, len - 24, ND_OPT_TLLA, &tlla) ||
	    (nm_addr6_mcast(dst) && (flags & NA_F_SOLICITED))) {
		s->nd_bad++;
		return;
	}
	if (!tlla)
		return;	/* nothing to learn without the MAC (we keep no
			 * entries that could be confirmed without one) */
	nm_neigh_update(ifc, &target, tlla,
			(flags & NA_F_SOLICITED) ? NM_NEIGH_UPD_CONFIRM : NM_NEIGH_UPD_WEAK);
}

void nm_nd_rcv(struct nm_iface *ifc, struct nm_skb *skb, const struct nm_addr *src,
	       const struct nm_addr *dst, uint8_t hop_limit)
{
	struct nm_stack_stats *s = &ifc->st->stats;
	uint8_t m[ND_MAX_MSG];
	uint32_t len = skb->len < ND_MAX_MSG ? skb->len : ND_MAX_MSG;

	/* options are multiples of 8 bytes: drop a cut-off tail */
	if (skb->len > ND_MAX_MSG)
		len = 24 + ((ND_MAX_MSG - 24) & ~7u);
	if (hop_limit != 255 || skb->len < 24 || nm_skb_copy_bits(skb, 0, m, len) < 0 ||
	    m[1] != 0) {
		s->nd_bad++;
		goto out;
	}
	if (m[0] == ND_NS)
		nd_rcv_ns(ifc, m, len, src, dst);
	else if (m[0] == ND_NA)
		nd_rcv_na(ifc, m, len, dst);
out:
	nm_skb_free(skb);
}
