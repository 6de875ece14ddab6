/* SPDX-License-Identifier: MIT */
/*
 * IPv4 in and out (RFC 791, host requirements of RFC 1122), and
 * nm_ip_output() for both families.
 *
 * In: the header must lie in the linear part (the NIC puts every header
 * there); version 4, IHL >= 5, total length between the header and the
 * frame (Ethernet padding beyond it trimmed): taken from the NIC's parse
 * when the skb carries one (parse once), read here otherwise; header
 * checksum verified
 * (20-60 bytes: cheaper than proving the NIC did), source not multicast /
 * broadcast, destination one of our addresses; otherwise dropped and
 * counted.  Fragments (MF or an offset) are counted and dropped: we never
 * send them (DF) and TCP never needs them.  Options are skipped.  TTL is
 * not checked on local delivery (we do not forward).  Delivered: ICMP and
 * TCP; other protocols counted (ip4_unknown_proto).
 * Counters: ip4_in == bad_header + fragments + not_ours + delivered +
 * unknown_proto.
 *
 * Out: 20-byte header, DF, a per-stack incrementing ID, TTL 64, checksum;
 * routed by route.c, resolved by the neighbour layer.
 */
#include <string.h>

#include "net/ip.h"
#include "nic/csum.h"
#include "nic/netdev_drv.h"
#include "nic/pkt.h"
#include "util/err.h"

#define IP4_TTL 64

/* Header and packet length.  The NIC's parse already checked version,
 * IHL and total length against the frame (it drops frames where they
 * disagree); without one they are read here.  false: a bad header. */
static bool ip4_lengths(const struct nm_skb *skb, uint32_t *ihl, uint32_t *tot)
{
	const struct nm_rx_parse *p = nm_skb_parse_l3(skb, 4);
	const uint8_t *h = skb->data;

	if (p) {
		*ihl = (uint32_t)(p->l4_off - p->l3_off);
		*tot = p->l3_end - p->l3_off;
	} else {
		if (skb->linear < 20 || (h[0] >> 4) != 4)
			return false;
		*ihl = (uint32_t)(h[0] & 0xf) * 4;
		*tot = nm_get16(h + 2);
	}
	return *ihl >= 20 && *ihl <= skb->linear && *tot >= *ihl && *tot <= skb->len;
}

void nm_ipv4_rcv(struct nm_iface *ifc, struct nm_skb *skb)
{
	struct nm_stack *st = ifc->st;
	struct nm_stack_stats *s = &st->stats;
	const uint8_t *h = skb->data;
	struct nm_addr src, dst;
	uint32_t ihl, tot;

	s->ip4_in++;
	if (!ip4_lengths(skb, &ihl, &tot))
		goto bad;
	if (nm_csum(h, ihl) != 0)
		goto bad;
	if (nm_addr4_mcast_or_bcast(h + 12) || h[12] == 0 || h[12] == 127)
		goto bad;	/* martian source */
	if (tot < skb->len && nm_skb_trim(skb, tot) < 0)
		goto bad;
	nm_addr_set_v4(&src, h + 12);
	nm_addr_set_v4(&dst, h + 16);
	if (!ifc->has4 || !nm_addr_same(&dst, &ifc->addr4)) {
		s->ip4_not_ours++;
		goto drop;
	}
	if ((nm_get16(h + 6) & 0x3fff) != 0) {	/* MF or fragment offset */
		s->ip4_fragments++;
		goto drop;
	}
	skb->l4_off = (uint16_t)(skb->l3_off + ihl);
	switch (h[9]) {
	case NM_IPPROTO_ICMP:
		s->ip4_delivered++;
		nm_skb_pull(skb, ihl);
		nm_icmp_rcv(ifc, skb, &src, &dst);
		return;
	case NM_IPPROTO_TCP:
		s->ip4_delivered++;
		nm_skb_pull(skb, ihl);
		nm_tcp_rcv(st, skb, &src, &dst);
		return;
	default:
		s->ip4_unknown_proto++;
		goto drop;
	}
bad:
	s->ip4_bad_header++;
drop:
	nm_skb_free(skb);
}

int nm_ip4_output_ifc(struct nm_iface *ifc, struct nm_skb *skb, const struct nm_addr *src,
		      const struct nm_addr *dst, const struct nm_addr *nexthop, uint8_t proto,
		      uint8_t ttl)
{
	struct nm_stack *st = ifc->st;
	uint32_t tot = skb->len + 20;
	uint8_t *h;

	if (tot > 0xffff || (tot > ifc->mtu && !skb->gso_size)) {
		nm_skb_free(skb);
		return nm_err(EMSGSIZE, "ip_output: %u bytes above the MTU %u", tot, ifc->mtu);
	}
	if (skb->csum_partial) {
		/* the NIC fills the L4 checksum from the pseudo-header sum */
		uint32_t off = skb->csum_offset;

		if (off + 2u > skb->linear) {
			nm_skb_free(skb);
			return nm_err(EINVAL, "ip_output: checksum field at %u outside the header",
				      off);
		}
		skb->csum_start = (uint16_t)(skb->data - skb->head);
		nm_csum_st16(skb->data + off,
			     (uint16_t)~nm_csum_fold(nm_csum_pseudo_v4(src->b + 12, dst->b + 12,
								       proto, skb->len)));
	}
	h = nm_skb_push(skb, 20);
	if (!h) {
		nm_skb_free(skb);
		return nm_err(ENOSPC, "ip_output: no headroom");
	}
	h[0] = 0x45;
	h[1] = 0;
	nm_put16(h + 2, (uint16_t)tot);
	nm_put16(h + 4, (uint16_t)st->ip4_id++);
	nm_put16(h + 6, 0x4000);	/* DF */
	h[8] = ttl;
	h[9] = proto;
	h[10] = h[11] = 0;
	memcpy(h + 12, src->b + 12, 4);
	memcpy(h + 16, dst->b + 12, 4);
	nm_csum_st16(h + 10, nm_csum(h, 20));
	st->stats.ip4_out++;
	return nm_neigh_output(ifc, nexthop, skb);
}

int nm_ip_output(struct nm_stack *st, struct nm_skb *skb, const struct nm_addr *src,
		 const struct nm_addr *dst, uint8_t proto)
{
	struct nm_route rt;
	const struct nm_addr *from;
	int r;

	if (!st || !skb || !dst) {
		nm_skb_free(skb);
		return nm_err(EINVAL, "ip_output: NULL argument");
	}
	if (src && !nm_addr_unspec(src) && nm_addr_is_v4(src) != nm_addr_is_v4(dst)) {
		nm_skb_free(skb);
		return nm_err(EINVAL, "ip_output: source and destination of different families");
	}
	r = nm_route_lookup(st, dst, &rt);
	if (r < 0) {
		nm_skb_free(skb);
		return r;
	}
	from = (src && !nm_addr_unspec(src)) ? src : &rt.src;
	if (nm_addr_is_v4(dst))
		return nm_ip4_output_ifc(rt.ifc, skb, from, dst, &rt.nexthop, proto, IP4_TTL);
	return nm_ip6_output_ifc(rt.ifc, skb, from, dst, &rt.nexthop, proto, 64);
}
