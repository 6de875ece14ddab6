/* SPDX-License-Identifier: MIT */
#ifndef NM_NET_IP_H
#define NM_NET_IP_H

/*
 * What the lower half of net/ (eth, neighbours, IPv4, IPv6, ICMP, routes)
 * shares internally, beside net_internal.h: address helpers, per-interface
 * output with an explicit next hop, neighbour updates and checksums over
 * skbs.  TCP does not need this header.
 */

#include <string.h>

#include "net/net_internal.h"

/* ---- addresses -------------------------------------------------------------- */

static inline void nm_addr_set_v4(struct nm_addr *a, const uint8_t v4[4])
{
	memset(a->b, 0, 10);
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	memcpy(a->b + 12, v4, 4);
}

static inline void nm_addr_set_v6(struct nm_addr *a, const uint8_t v6[16])
{
	memcpy(a->b, v6, 16);
}

static inline bool nm_addr_same(const struct nm_addr *a, const struct nm_addr *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}

/* :: or 0.0.0.0 */
static inline bool nm_addr_unspec(const struct nm_addr *a)
{
	static const uint8_t z[16];

	return !memcmp(a->b, z, 16) || (nm_addr_is_v4(a) && !memcmp(a->b + 12, z, 4));
}

static inline bool nm_addr6_mcast(const struct nm_addr *a)
{
	return a->b[0] == 0xff;
}

static inline bool nm_addr6_linklocal(const struct nm_addr *a)
{
	return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

/* 224.0.0.0/4, 255.255.255.255 */
static inline bool nm_addr4_mcast_or_bcast(const uint8_t *v4)
{
	return (v4[0] & 0xf0) == 0xe0 || (v4[0] == 255 && v4[1] == 255 && v4[2] == 255 &&
					  v4[3] == 255);
}

/* ff02::1:ffXX:XXXX for target */
static inline void nm_addr6_solicited(struct nm_addr *out, const struct nm_addr *target)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };

	memcpy(out->b, pfx, 13);
	memcpy(out->b + 13, target->b + 13, 3);
}

/* The first plen bits of a and b agree (plen counts from byte 0). */
static inline bool nm_addr_prefix_match(const struct nm_addr *a, const struct nm_addr *b,
					unsigned plen)
{
	unsigned bytes = plen / 8, bits = plen % 8;

	if (memcmp(a->b, b->b, bytes))
		return false;
	if (bits) {
		uint8_t m = (uint8_t)(0xff << (8 - bits));

		return (a->b[bytes] & m) == (b->b[bytes] & m);
	}
	return true;
}

/* 33:33:xx:xx:xx:xx for an IPv6 multicast address */
static inline void nm_eth_mcast6(uint8_t mac[6], const struct nm_addr *a)
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, a->b + 12, 4);
}

static inline uint16_t nm_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void nm_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- interfaces (stack.c) ---------------------------------------------------- */

/* Is a one of ifc's own addresses (addr4, addr6, ll6)? */
bool nm_iface_has_addr(const struct nm_iface *ifc, const struct nm_addr *a);
/* The source address ifc uses toward dst (its global IPv6 address for a
 * global dst when it has one, else its link-local; its IPv4 address). */
int nm_iface_src_for(const struct nm_iface *ifc, const struct nm_addr *dst, struct nm_addr *src);

/* ---- output on a known interface --------------------------------------------- */

/* Push the IP header and hand skb (data at the L4 header) to the neighbour
 * layer for nexthop.  Consume skb. */
int nm_ip4_output_ifc(struct nm_iface *ifc, struct nm_skb *skb, const struct nm_addr *src,
		      const struct nm_addr *dst, const struct nm_addr *nexthop, uint8_t proto,
		      uint8_t ttl);
/* Write a 40-byte IPv6 header at p. */
void nm_ip6_fill_hdr(uint8_t *p, const struct nm_addr *src, const struct nm_addr *dst,
		     uint8_t proto, uint8_t hlim, uint32_t payload_len);
int nm_ip6_output_ifc(struct nm_iface *ifc, struct nm_skb *skb, const struct nm_addr *src,
		      const struct nm_addr *dst, const struct nm_addr *nexthop, uint8_t proto,
		      uint8_t hlim);

/* ---- neighbours --------------------------------------------------------------- */

enum nm_neigh_update {
	NM_NEIGH_UPD_LEARN,	/* a request for us: create (STALE) or update */
	NM_NEIGH_UPD_CONFIRM,	/* a solicited reply: REACHABLE if the entry exists */
	NM_NEIGH_UPD_WEAK,	/* unsolicited news: update only an existing entry */
};
void nm_neigh_update(struct nm_iface *ifc, const struct nm_addr *ip, const uint8_t mac[6],
		     enum nm_neigh_update how);
/* Solicit ip's MAC: broadcast / solicited-node multicast when mac is NULL,
 * else a unicast probe to mac. */
void nm_arp_solicit(struct nm_iface *ifc, const struct nm_addr *ip, const uint8_t *mac);
void nm_nd_solicit(struct nm_iface *ifc, const struct nm_addr *ip, const uint8_t *mac);

/* ---- checksums over skbs (icmp.c) ------------------------------------------- */

/* Ones'-complement sum (unfolded) of [off, off + len) of skb, or -EFAULT
 * (via *err) when it would read an unreadable frag. */
uint32_t nm_skb_sum(const struct nm_skb *skb, uint32_t off, uint32_t len, int *err);

#endif
