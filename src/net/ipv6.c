/* SPDX-License-Identifier: MIT */
/*
 * IPv6 in and out (RFC 8200).
 *
 * In: the fixed header must lie in the linear part; version 6, payload
 * length non-zero (no jumbograms) and within the frame (padding trimmed),
 * source not multicast; destination one of our addresses, all-nodes
 * (ff02::1) or one of our solicited-node groups.  Extension headers are
 * walked (at most 8, each inside the linear part): hop-by-hop (first only),
 * destination options and routing headers with segments left 0 are
 * skipped; options whose type says "discard" when unknown (RFC 8200 4.2)
 * drop the packet; a routing header with segments left > 0 (we do not
 * forward) and anything malformed count as bad headers; a fragment header
 * is counted (ip6_fragments) and dropped.  Delivered: ICMPv6 and TCP.
 * Counters: ip6_in == bad_header + fragments + not_ours + delivered +
 * unknown_proto.
 *
 * Out: 40-byte header, hop limit 64 (255 for ND), no flow label.
 */
#include <string.h>

#include "net/ip.h"
#include "nic/csum.h"
#include "nic/pkt.h"
#include "util/err.h"

#define IP6_MAX_EXT 8

static bool ip6_dst_ours(const struct nm_iface *ifc, const struct nm_addr *dst)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	struct nm_addr sol;

	if (nm_addr_same(dst, &ifc->ll6) || (ifc->has6 && nm_addr_same(dst, &ifc->addr6)))
		return true;
	if (!memcmp(dst->b, all_nodes, 16))
		return true;
	nm_addr6_solicited(&sol, &ifc->ll6);
	if (nm_addr_same(dst, &sol))
		return true;
	if (ifc->has6) {
		nm_addr6_solicited(&sol, &ifc->addr6);
		if (nm_addr_same(dst, &sol))
			return true;
	}
	return false;
}

/* TLV options of a hop-by-hop / destination options header: false if an
 * unknown option asks for the packet to be discarded, or they overrun. */
static bool ip6_opts_ok(const uint8_t *o, uint32_t len)
{
	uint32_t i = 2;

	while (i < len) {
		uint32_t olen;

		if (o[i] == 0) {	/* Pad1 */
			i++;
			continue;
		}
		if (i + 2 > len)
			return false;
		olen = 2u + o[i + 1];
		if (i + olen > len)
			return false;
		/* PadN (1), router alert (5), jumbo (0xc2: we have none) */
		if (o[i] != 1 && o[i] != 5 && (o[i] & 0xc0) != 0)
			return false;
		i += olen;
	}
	return true;
}

void nm_ipv6_rcv(struct nm_iface *ifc, struct nm_skb *skb)
{
	struct nm_stack *st = ifc->st;
	struct nm_stack_stats *s = &st->stats;
	const uint8_t *h = skb->data;
	struct nm_addr src, dst;
	uint32_t plen, off = 40;
	uint8_t nh, hlim;

	s->ip6_in++;
	if (skb->linear < 40 || (h[0] >> 4) != 6)
		goto bad;
	plen = nm_get16(h + 4);
	if (plen == 0 || 40 + plen > skb->len)
		goto bad;
	memcpy(src.b, h + 8, 16);
	memcpy(dst.b, h + 24, 16);
	if (nm_addr6_mcast(&src))
		goto bad;
	if (40 + plen < skb->len && nm_skb_trim(skb, 40 + plen) < 0)
		goto bad;
	if (!ip6_dst_ours(ifc, &dst)) {
		s->ip6_not_ours++;
		goto drop;
	}
	nh = h[6];
	hlim = h[7];
	for (int n = 0;; n++) {
		const uint8_t *e = h + off;
		uint32_t elen;

		if (nh == NM_IPPROTO_ICMPV6 || nh == NM_IPPROTO_TCP)
			break;
		if (nh == NM_IPPROTO_FRAGMENT) {
			s->ip6_fragments++;
			goto drop;
		}
		if (nh != NM_IPPROTO_HOPOPTS && nh != NM_IPPROTO_DSTOPTS &&
		    nh != NM_IPPROTO_ROUTING) {
			s->ip6_unknown_proto++;	/* incl. no next header (59) */
			goto drop;
		}
		if (n >= IP6_MAX_EXT || (nh == NM_IPPROTO_HOPOPTS && n != 0) ||
		    off + 8 > skb->linear)
			goto bad;
		elen = ((uint32_t)e[1] + 1) * 8;
		if (off + elen > skb->linear || off + elen > 40 + plen)
			goto bad;
		if (nh == NM_IPPROTO_ROUTING) {
			if (e[3] != 0)	/* segments left: we would have to forward */
				goto bad;
		} else if (!ip6_opts_ok(e, elen)) {
			goto bad;
		}
		nh = e[0];
		off += elen;
	}
	skb->l4_off = (uint16_t)(skb->l3_off + off);
	s->ip6_delivered++;
	nm_skb_pull(skb, off);
	if (nh == NM_IPPROTO_ICMPV6)
		nm_icmp6_rcv(ifc, skb, &src, &dst, hlim);
	else
		nm_tcp_rcv(st, skb, &src, &dst);
	return;
bad:
	s->ip6_bad_header++;
drop:
	nm_skb_free(skb);
}

void nm_ip6_fill_hdr(uint8_t *p, const struct nm_addr *src, const struct nm_addr *dst,
		     uint8_t proto, uint8_t hlim, uint32_t payload_len)
{
	p[0] = 0x60;
	p[1] = p[2] = p[3] = 0;
	nm_put16(p + 4, (uint16_t)payload_len);
	p[6] = proto;
	p[7] = hlim;
	memcpy(p + 8, src->b, 16);
	memcpy(p + 24, dst->b, 16);
}

int nm_ip6_output_ifc(struct nm_iface *ifc, struct nm_skb *skb, const struct nm_addr *src,
		      const struct nm_addr *dst, const struct nm_addr *nexthop, uint8_t proto,
		      uint8_t hlim)
{
	uint32_t plen = skb->len;
	uint8_t *h;

	if (plen > 0xffff || (plen + 40 > ifc->mtu && !skb->gso_size)) {
		nm_skb_free(skb);
		return nm_err(EMSGSIZE, "%u bytes above the MTU %u", plen + 40,
			      ifc->mtu);
	}
	if (skb->csum_partial) {
		uint32_t off = skb->csum_offset;

		if (off + 2u > skb->linear) {
			nm_skb_free(skb);
			return nm_err(EINVAL, "checksum field at %u outside the header",
				      off);
		}
		skb->csum_start = (uint16_t)(skb->data - skb->head);
		nm_csum_st16(skb->data + off,
			     (uint16_t)~nm_csum_fold(nm_csum_pseudo_v6(src->b, dst->b, proto, plen)));
	}
	h = nm_skb_push(skb, 40);
	if (!h) {
		nm_skb_free(skb);
		return nm_err(ENOSPC, "no headroom");
	}
	nm_ip6_fill_hdr(h, src, dst, proto, hlim, plen);
	ifc->st->stats.ip6_out++;
	return nm_neigh_output(ifc, nexthop, skb);
}
