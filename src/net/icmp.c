/* SPDX-License-Identifier: MIT */
/*
 * ICMP (RFC 792) and ICMPv6 (RFC 4443): echo and errors.
 *
 * Every message's checksum is verified here (ICMPv6 with the pseudo-
 * header); one whose bytes lie in device memory cannot be and is dropped
 * (unreadable_dropped).  Echo requests are answered with the same id, seq
 * and payload, any size up to the MTU; echo replies are counted (and the
 * last recorded) for nm_icmp_echo_send().  Errors (destination
 * unreachable, packet too big / fragmentation needed, time exceeded,
 * parameter problem) about a TCP segment we sent go to nm_tcp_err() with
 * the embedded addresses and ports (sport = ours).  ND messages go to
 * nd.c; router discovery and redirects are ignored.  Nothing is rate
 * limited.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/ip.h"
#include "nic/csum.h"
#include "nic/pkt.h"
#include "util/err.h"

#define ICMP_ECHOREPLY		0
#define ICMP_DEST_UNREACH	3
#define ICMP_ECHO		8
#define ICMP_TIME_EXCEEDED	11
#define ICMP_PARAMETERPROB	12
#define ICMP_FRAG_NEEDED	4	/* code of DEST_UNREACH */

#define ICMP6_DEST_UNREACH	1
#define ICMP6_PACKET_TOO_BIG	2
#define ICMP6_TIME_EXCEEDED	3
#define ICMP6_PARAMPROB		4
#define ICMP6_ECHO_REQUEST	128
#define ICMP6_ECHO_REPLY	129

uint32_t nm_skb_sum(const struct nm_skb *skb, uint32_t off, uint32_t len, int *err)
{
	uint32_t sum = 0, done = 0;

	*err = 0;
	if ((uint64_t)off + len > skb->len) {
		*err = -EINVAL;
		return 0;
	}
	if (off < skb->linear) {
		uint32_t k = skb->linear - off < len ? skb->linear - off : len;

		sum = nm_csum_partial(skb->data + off, k, 0);
		done = k;
		off = 0;
	} else {
		off -= skb->linear;
	}
	for (uint16_t i = 0; i < skb->nr_frags && done < len; i++) {
		const struct nm_skb_frag *f = &skb->frags[i];
		uint32_t k;

		if (off >= f->len) {
			off -= f->len;
			continue;
		}
		if (skb->tx || skb->unreadable || !nm_netmem_is_readable(f->netmem)) {
			*err = -EFAULT;
			return 0;
		}
		k = f->len - off < len - done ? f->len - off : len - done;
		sum = nm_csum_block_add(sum,
					nm_csum_partial((const uint8_t *)nm_netmem_address(f->netmem) +
							f->off + off, k, 0),
					done);
		done += k;
		off = 0;
	}
	return sum;
}

/* Copy a received message into a fresh linear skb (for the echo reply). */
static struct nm_skb *icmp_copy(const struct nm_skb *skb)
{
	struct nm_skb *r = nm_skb_alloc(skb->len);

	if (!r)
		return NULL;
	if (nm_skb_copy_bits(skb, 0, nm_skb_put(r, skb->len), skb->len) < 0) {
		nm_skb_free(r);
		return NULL;
	}
	return r;
}

static void icmp_echo_seen(struct nm_stack *st, const struct nm_skb *skb)
{
	uint8_t h[8];

	if (nm_skb_copy_bits(skb, 0, h, 8) < 0)
		return;
	st->echo_last_id = nm_get16(h + 4);
	st->echo_last_seq = nm_get16(h + 6);
	st->echo_last_len = skb->len - 8;
}

/* The TCP ports and sequence number of an embedded IP packet whose upper
 * layer starts at byte l4 of the ICMP message; false if too short. */
static bool icmp_inner_tcp(const struct nm_skb *skb, uint32_t l4, uint16_t *sport,
			   uint16_t *dport, uint32_t *seq)
{
	uint8_t p[8];

	if (nm_skb_copy_bits(skb, l4, p, 8) < 0)
		return false;
	*sport = nm_get16(p);
	*dport = nm_get16(p + 2);
	*seq = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	return true;
}

static void icmp_err4(struct nm_stack *st, const struct nm_skb *skb, const uint8_t *h)
{
	uint8_t ip[20];
	struct nm_addr isrc, idst;
	uint16_t sport, dport;
	uint32_t ihl, mtu = 0, seq;
	int err;

	st->stats.icmp_in_errors++;
	if (nm_skb_copy_bits(skb, 8, ip, 20) < 0 || (ip[0] >> 4) != 4)
		return;
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	if (ihl < 20 || ip[9] != NM_IPPROTO_TCP ||
	    !icmp_inner_tcp(skb, 8 + ihl, &sport, &dport, &seq))
		return;
	nm_addr_set_v4(&isrc, ip + 12);
	nm_addr_set_v4(&idst, ip + 16);
	switch (h[0]) {
	case ICMP_DEST_UNREACH:
		switch (h[1]) {
		case 0: err = ENETUNREACH; break;
		case 2: err = ENOPROTOOPT; break;
		case 3: err = ECONNREFUSED; break;
		case ICMP_FRAG_NEEDED:
			err = EMSGSIZE;
			mtu = nm_get16(h + 6);
			break;
		default: err = EHOSTUNREACH; break;
		}
		break;
	case ICMP_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	default:
		err = EPROTO;
		break;
	}
	nm_tcp_err(st, &isrc, &idst, sport, dport, seq, err, mtu);
}

/* An ICMP or ICMPv6 message's first 8 bytes into h, and its checksum
 * (seeded with pseudo, 0 for ICMPv4) verified.  false: dropped and counted
 * (bad, or unreadable payload the stack must not read). */
static bool icmp_check(const struct nm_skb *skb, uint32_t pseudo, uint8_t h[8],
		       struct nm_stack_stats *s, uint64_t *bad)
{
	uint32_t sum;
	int err;

	if (skb->len < 8 || nm_skb_copy_bits(skb, 0, h, 8) < 0) {
		(*bad)++;
		return false;
	}
	sum = nm_skb_sum(skb, 0, skb->len, &err);
	if (err == -EFAULT) {
		s->unreadable_dropped++;
		return false;
	}
	if (err || nm_csum_fold(nm_csum_add(sum, pseudo)) != 0) {
		(*bad)++;
		return false;
	}
	return true;
}

void nm_icmp_rcv(struct nm_iface *ifc, struct nm_skb *skb, const struct nm_addr *src,
		 const struct nm_addr *dst)
{
	struct nm_stack *st = ifc->st;
	struct nm_stack_stats *s = &st->stats;
	uint8_t h[8];

	s->icmp_in++;
	if (!icmp_check(skb, 0, h, s, &s->icmp_bad))
		goto out;
	switch (h[0]) {
	case ICMP_ECHO: {
		struct nm_skb *r = icmp_copy(skb);

		if (!r)
			goto out;
		r->data[0] = ICMP_ECHOREPLY;
		r->data[1] = 0;
		nm_csum_st16(r->data + 2, 0);
		nm_csum_st16(r->data + 2, nm_csum(r->data, r->len));
		if (nm_ip_output(st, r, dst, src, NM_IPPROTO_ICMP) == 0)
			s->icmp_echo_replied++;
		break;
	}
	case ICMP_ECHOREPLY:
		s->icmp_echo_reply_in++;
		icmp_echo_seen(st, skb);
		break;
	case ICMP_DEST_UNREACH:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAMETERPROB:
		icmp_err4(st, skb, h);
		break;
	default:
		break;
	}
out:
	nm_skb_free(skb);
}

static void icmp6_err(struct nm_stack *st, const struct nm_skb *skb, const uint8_t *h)
{
	uint8_t ip[40];
	struct nm_addr isrc, idst;
	uint16_t sport, dport;
	uint32_t mtu = 0, seq;
	int err;

	st->stats.icmp_in_errors++;
	/* only a TCP header right after the fixed header is looked at */
	if (nm_skb_copy_bits(skb, 8, ip, 40) < 0 || (ip[0] >> 4) != 6 || ip[6] != NM_IPPROTO_TCP ||
	    !icmp_inner_tcp(skb, 48, &sport, &dport, &seq))
		return;
	memcpy(isrc.b, ip + 8, 16);
	memcpy(idst.b, ip + 24, 16);
	switch (h[0]) {
	case ICMP6_DEST_UNREACH:
		err = h[1] == 4 ? ECONNREFUSED : h[1] == 1 ? EACCES : EHOSTUNREACH;
		break;
	case ICMP6_PACKET_TOO_BIG:
		err = EMSGSIZE;
		mtu = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
		break;
	case ICMP6_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	default:
		err = EPROTO;
		break;
	}
	nm_tcp_err(st, &isrc, &idst, sport, dport, seq, err, mtu);
}

void nm_icmp6_rcv(struct nm_iface *ifc, struct nm_skb *skb, const struct nm_addr *src,
		  const struct nm_addr *dst, uint8_t hop_limit)
{
	struct nm_stack *st = ifc->st;
	struct nm_stack_stats *s = &st->stats;
	uint8_t h[8];
	uint32_t sum;

	s->icmp6_in++;
	if (!icmp_check(skb, nm_csum_pseudo_v6(src->b, dst->b, NM_IPPROTO_ICMPV6, skb->len), h,
			s, &s->icmp6_bad))
		goto out;
	switch (h[0]) {
	case ICMP6_ECHO_REQUEST: {
		struct nm_addr from = *dst;
		struct nm_skb *r;

		if (nm_addr6_mcast(dst) && nm_iface_src_for(ifc, src, &from) < 0)
			goto out;
		r = icmp_copy(skb);
		if (!r)
			goto out;
		r->data[0] = ICMP6_ECHO_REPLY;
		r->data[1] = 0;
		nm_csum_st16(r->data + 2, 0);
		sum = nm_csum_pseudo_v6(from.b, src->b, NM_IPPROTO_ICMPV6, r->len);
		nm_csum_st16(r->data + 2, nm_csum_fold(nm_csum_partial(r->data, r->len, sum)));
		if (nm_ip_output(st, r, &from, src, NM_IPPROTO_ICMPV6) == 0)
			s->icmp6_echo_replied++;
		break;
	}
	case ICMP6_ECHO_REPLY:
		s->icmp6_echo_reply_in++;
		icmp_echo_seen(st, skb);
		break;
	case 135:	/* neighbour solicitation */
	case 136:	/* neighbour advertisement */
		nm_nd_rcv(ifc, skb, src, dst, hop_limit);
		return;
	case ICMP6_DEST_UNREACH:
	case ICMP6_PACKET_TOO_BIG:
	case ICMP6_TIME_EXCEEDED:
	case ICMP6_PARAMPROB:
		icmp6_err(st, skb, h);
		break;
	default:	/* router discovery, redirects, MLD: ignored */
		break;
	}
out:
	nm_skb_free(skb);
}

int nm_icmp_echo_send(struct nm_stack *st, const struct nm_addr *dst, uint16_t id,
		      uint16_t seq, const void *payload, uint32_t len)
{
	struct nm_route rt;
	struct nm_skb *skb;
	uint8_t *p;
	bool v4;
	int r;

	if (!st || !dst || (len && !payload))
		return nm_err(EINVAL, "NULL argument");
	if (len > 65535 - 8 - 40)
		return nm_err(EMSGSIZE, "%u bytes of payload", len);
	r = nm_route_lookup(st, dst, &rt);
	if (r < 0)
		return r;
	v4 = nm_addr_is_v4(dst);
	if ((v4 ? 20u : 40u) + 8 + len > rt.ifc->mtu)
		return nm_err(EMSGSIZE, "%u bytes of payload exceed the MTU %u", len,
			      rt.ifc->mtu);
	skb = nm_skb_alloc(8 + len);
	if (!skb)
		return -ENOMEM;
	p = nm_skb_put(skb, 8 + len);
	p[0] = v4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	p[1] = 0;
	nm_put16(p + 2, 0);
	nm_put16(p + 4, id);
	nm_put16(p + 6, seq);
	if (len)
		memcpy(p + 8, payload, len);
	if (v4) {
		nm_csum_st16(p + 2, nm_csum(p, 8 + len));
		return nm_ip4_output_ifc(rt.ifc, skb, &rt.src, dst, &rt.nexthop, NM_IPPROTO_ICMP, 64);
	}
	nm_csum_st16(p + 2, nm_csum_fold(nm_csum_partial(
				    p, 8 + len, nm_csum_pseudo_v6(rt.src.b, dst->b, NM_IPPROTO_ICMPV6,
								  8 + len))));
	return nm_ip6_output_ifc(rt.ifc, skb, &rt.src, dst, &rt.nexthop, NM_IPPROTO_ICMPV6, 64);
}
