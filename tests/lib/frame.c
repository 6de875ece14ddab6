/* SPDX-License-Identifier: MIT */
/*
 * The frame builder and reader (t_frame.h).  Every frame a test or a fuzz
 * harness makes by hand comes from here: one description (struct
 * t_frame) covers what the NIC's parser knows, and the flow and spoofed
 * segment builders fill one in.  Output is deterministic: the fuzz seed
 * corpora are written from it and checked byte for byte.
 */
#include <arpa/inet.h>

#include "t_frame.h"
#include "nic/wire_drv.h"

const uint8_t t_mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
const uint8_t t_mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
const uint8_t t_bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static uint32_t l4_hdr_len(const struct t_frame *s)
{
	switch (s->proto) {
	case NM_IPPROTO_TCP:
		return 20u + s->tcp_opts_len;
	case NM_IPPROTO_UDP:
	case NM_IPPROTO_ICMP:
	case NM_IPPROTO_ICMPV6:
		return 8;
	}
	return 0;
}

static void put_payload(uint8_t *p, const struct t_frame *s)
{
	if (s->payload) {
		memcpy(p, s->payload, s->payload_len);
		return;
	}
	for (uint32_t i = 0; i < s->payload_len; i++)
		p[i] = (uint8_t)(s->payload_byte + i);
}

/* The Ethernet header and VLAN tags; returns the L3 offset. */
static uint32_t put_l2(uint8_t *buf, const struct t_frame *s, uint16_t et)
{
	uint32_t off = 12;

	for (int i = 0; i < 6; i++) {
		buf[i] = s->dst_mac ? s->dst_mac[i] : (uint8_t)(0x02 + i);
		buf[6 + i] = s->src_mac ? s->src_mac[i] : (uint8_t)(0x12 + i);
	}
	for (int i = 0; i < s->nr_vlans; i++) {
		t_put16(buf + off, s->vlan_tpid[i]);
		t_put16(buf + off + 2, s->vlan_tci[i]);
		off += 4;
	}
	t_put16(buf + off, et);
	return off + 2;
}

/* IPv4 header + options at l3; returns the L4 offset. */
static uint32_t put_ipv4(uint8_t *buf, uint32_t l3, uint32_t iplen, const struct t_frame *s)
{
	uint32_t ihl = 20u + s->ip_opts_len;

	buf[l3] = (uint8_t)(0x40 | ihl / 4);
	t_put16(buf + l3 + 2, (uint16_t)iplen);
	t_put16(buf + l3 + 4, s->ip_id);
	t_put16(buf + l3 + 6, s->frag_off);
	buf[l3 + 8] = 64;
	buf[l3 + 9] = s->proto;
	memcpy(buf + l3 + 12, s->src, 4);
	memcpy(buf + l3 + 16, s->dst, 4);
	for (uint32_t i = 0; i < s->ip_opts_len; i++)
		buf[l3 + 20 + i] = 1;		/* NOP options */
	if (!s->no_csum)
		t_put16(buf + l3 + 10, t_ref_csum(buf + l3, ihl, 0));
	return l3 + ihl;
}

/* IPv6 header + extension headers at l3; returns the L4 offset. */
static uint32_t put_ipv6(uint8_t *buf, uint32_t l3, uint32_t iplen, const struct t_frame *s)
{
	uint32_t p = l3 + 40;

	buf[l3] = 0x60;
	t_put16(buf + l3 + 4, (uint16_t)(iplen - 40));
	buf[l3 + 6] = s->nr_ext ? s->ext_type[0] : s->proto;
	buf[l3 + 7] = 64;
	memcpy(buf + l3 + 8, s->src, 16);
	memcpy(buf + l3 + 24, s->dst, 16);
	for (int i = 0; i < s->nr_ext; i++) {
		buf[p] = i + 1 < s->nr_ext ? s->ext_type[i + 1] : s->proto;
		if (s->ext_type[i] == NM_IPPROTO_FRAGMENT) {
			t_put16(buf + p + 2, s->frag_off);
		} else {
			buf[p + 1] = (uint8_t)(s->ext_len[i] / 8 - 1);
			if (s->ext_type[i] != NM_IPPROTO_ROUTING) {
				/* PadN filling the rest */
				buf[p + 2] = 1;
				buf[p + 3] = (uint8_t)(s->ext_len[i] - 4);
			}
		}
		p += s->ext_len[i];
	}
	return p;
}

/* The L4 header at l4 (payload already in place) and its checksum. */
static void put_l4(uint8_t *buf, uint32_t l4, uint32_t l4len, const struct t_frame *s)
{
	uint32_t hl = l4_hdr_len(s);

	if (s->proto == NM_IPPROTO_TCP) {
		t_put16(buf + l4, s->sport);
		t_put16(buf + l4 + 2, s->dport);
		t_put32(buf + l4 + 4, s->seq);
		t_put32(buf + l4 + 8, s->ack);
		buf[l4 + 12] = (uint8_t)((hl / 4) << 4);
		buf[l4 + 13] = s->flags;
		t_put16(buf + l4 + 14, s->win);
		memcpy(buf + l4 + 20, s->tcp_opts, s->tcp_opts_len);
	} else if (s->proto == NM_IPPROTO_UDP) {
		t_put16(buf + l4, s->sport);
		t_put16(buf + l4 + 2, s->dport);
		t_put16(buf + l4 + 4, (uint16_t)l4len);
	} else if (s->proto == NM_IPPROTO_ICMP || s->proto == NM_IPPROTO_ICMPV6) {
		buf[l4] = s->proto == NM_IPPROTO_ICMP ? 8 : 128;	/* echo request */
		t_put16(buf + l4 + 4, 0x1234);
	}
	if (!s->no_csum && hl) {
		uint32_t field = s->proto == NM_IPPROTO_TCP ? 16 : s->proto == NM_IPPROTO_UDP ? 6 : 2;
		uint32_t ph = s->proto == NM_IPPROTO_ICMP
				      ? 0
				      : t_ref_pseudo(s->ip, s->src, s->dst, s->proto, l4len);
		uint16_t c = t_ref_csum(buf + l4, l4len, ph);

		if (c == 0 && s->proto == NM_IPPROTO_UDP)
			c = 0xffff;
		t_put16(buf + l4 + field, c);
	}
}

uint32_t t_build(uint8_t *buf, uint32_t cap, const struct t_frame *s)
{
	uint32_t l3, l4, iplen, l4len, ext = 0, hl = l4_hdr_len(s);
	uint16_t et = s->ethertype ? s->ethertype
				   : s->ip == 4 ? NM_ETH_P_IPV4 : NM_ETH_P_IPV6;

	for (int i = 0; i < s->nr_ext; i++)
		ext += s->ext_len[i];
	l4len = hl + s->payload_len;
	iplen = s->ip == 4 ? 20u + s->ip_opts_len + l4len : s->ip == 6 ? 40u + ext + l4len
							   : s->payload_len;
	if (14u + 4u * s->nr_vlans + iplen + s->pad > cap)
		return 0;
	memset(buf, 0, 14u + 4u * s->nr_vlans + iplen + s->pad);
	l3 = put_l2(buf, s, et);
	if (s->ip == 0) {
		put_payload(buf + l3, s);
		return l3 + s->payload_len + s->pad;
	}
	l4 = s->ip == 4 ? put_ipv4(buf, l3, iplen, s) : put_ipv6(buf, l3, iplen, s);
	put_payload(buf + l4 + hl, s);
	put_l4(buf, l4, l4len, s);
	for (uint32_t i = 0; i < s->pad; i++)
		buf[l4 + l4len + i] = 0xee;
	return l4 + l4len + s->pad;
}

struct t_frame t_tcp4(uint32_t payload_len)
{
	static const uint8_t ts[12] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	struct t_frame s;

	memset(&s, 0, sizeof(s));
	s.ip = 4;
	s.proto = NM_IPPROTO_TCP;
	s.src[0] = 10, s.src[3] = 1;
	s.dst[0] = 10, s.dst[3] = 2;
	s.sport = 1234;
	s.dport = 80;
	s.seq = 1000;
	s.ack = 2000;
	s.flags = NM_TCP_ACK;
	s.win = 65535;
	s.ip_id = 7;
	memcpy(s.tcp_opts, ts, sizeof(ts));
	s.tcp_opts_len = sizeof(ts);
	s.payload_len = payload_len;
	return s;
}

struct t_frame t_tcp6(uint32_t payload_len)
{
	struct t_frame s = t_tcp4(payload_len);

	memset(s.src, 0, 16);
	memset(s.dst, 0, 16);
	s.ip = 6;
	s.src[0] = 0x20, s.src[1] = 0x01, s.src[2] = 0x0d, s.src[3] = 0xb8, s.src[15] = 1;
	s.dst[0] = 0x20, s.dst[1] = 0x01, s.dst[2] = 0x0d, s.dst[3] = 0xb8, s.dst[15] = 2;
	return s;
}

/* ---- flows ------------------------------------------------------------------ */

void t_flow_v4(struct t_flow *f, uint32_t src_host, uint32_t dst_host, uint16_t sport,
	       uint16_t dport)
{
	uint32_t s = htonl(src_host), d = htonl(dst_host);

	memset(f, 0, sizeof(*f));
	memcpy(f->src, &s, 4);
	memcpy(f->dst, &d, 4);
	f->sport = sport;
	f->dport = dport;
}

uint32_t t_flow_frame(uint8_t *buf, const struct t_flow *f, uint32_t payload_len,
		      uint32_t tcp_opt_len)
{
	struct t_frame s = {
		.ip = f->v6 ? 6 : 4, .proto = f->udp ? NM_IPPROTO_UDP : NM_IPPROTO_TCP,
		.frag_off = f->v6 ? 0 : 0x4000,	/* DF */
		.sport = f->sport, .dport = f->dport, .seq = f->seq,
		.flags = NM_TCP_PSH | NM_TCP_ACK, .win = 65535,
		.tcp_opts_len = (uint8_t)tcp_opt_len,
		.payload_len = payload_len, .payload = t_pat(f->seq),
		.dst_mac = t_mac_b, .src_mac = t_mac_a,
	};
	uint32_t len;

	T_ASSERT(tcp_opt_len <= sizeof(s.tcp_opts) && tcp_opt_len % 4 == 0);
	T_ASSERT(payload_len <= T_PAT_RUN);
	memcpy(s.src, f->src, 16);
	memcpy(s.dst, f->dst, 16);
	memset(s.tcp_opts, 1, tcp_opt_len);	/* NOPs */
	len = t_build(buf, NM_WIRE_MAX_FRAME, &s);
	T_ASSERT(len > 0);
	return len;
}

/* ---- a spoofed segment -------------------------------------------------------- */

size_t t_tcp4_seg(uint8_t *f, const struct t_tcp4_seg *s)
{
	struct t_frame fr = {
		.ip = 4, .proto = NM_IPPROTO_TCP, .frag_off = 0x4000,	/* DF */
		.sport = s->sport, .dport = s->dport, .seq = s->seq, .ack = s->ack,
		.flags = s->flags, .win = s->win, .payload = s->payload, .payload_len = s->len,
		.dst_mac = s->dst_mac, .src_mac = s->src_mac,
	};

	t_put32(fr.src, s->saddr);
	t_put32(fr.dst, s->daddr);
	return t_build(f, 54u + s->len, &fr);
}

/* ---- one header at a time ------------------------------------------------------ */

size_t t_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	t_put16(f + 12, type);
	return 14;
}

size_t t_ipv4(uint8_t *p, uint8_t proto, const uint8_t *src, const uint8_t *dst, size_t payload)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	t_put16(p + 2, (uint16_t)(20 + payload));
	t_put16(p + 4, 0x1234);
	t_put16(p + 6, 0x4000);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	t_put16(p + 10, t_csum(t_sum(p, 20, 0)));
	return 20;
}

size_t t_ipv6(uint8_t *p, uint8_t nh, const uint8_t *src, const uint8_t *dst, size_t payload,
	      uint8_t hlim)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	t_put16(p + 4, (uint16_t)payload);
	p[6] = nh;
	p[7] = hlim;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return 40;
}

size_t t_arp(uint8_t *p, uint16_t op, const uint8_t *sha, const uint8_t *spa, const uint8_t *tha,
	     const uint8_t *tpa)
{
	t_put16(p, 1);
	t_put16(p + 2, T_ETH_IP);
	p[4] = 6;
	p[5] = 4;
	t_put16(p + 6, op);
	memcpy(p + 8, sha, 6);
	memcpy(p + 14, spa, 4);
	memcpy(p + 18, tha, 6);
	memcpy(p + 24, tpa, 4);
	return 28;
}

uint32_t t_arp_frame(uint8_t *f, const uint8_t *dmac, uint16_t op, const uint8_t *sha,
		     const char *spa, const char *tpa)
{
	static const uint8_t zero[6];
	uint8_t sip[4], tip[4];

	T_ASSERT(inet_pton(AF_INET, spa, sip) == 1);
	T_ASSERT(inet_pton(AF_INET, tpa, tip) == 1);
	return (uint32_t)(t_eth(f, dmac, sha, T_ETH_ARP) + t_arp(f + 14, op, sha, sip, zero, tip));
}

/* ---- reading frames back --------------------------------------------------------- */

bool t_is_ipv4(const uint8_t *f, size_t len, uint8_t proto)
{
	return len >= 34 && t_get16(f + 12) == T_ETH_IP && (f[14] >> 4) == 4 && f[14 + 9] == proto;
}

bool t_is_ipv6(const uint8_t *f, size_t len, uint8_t nh)
{
	return len >= 54 && t_get16(f + 12) == T_ETH_IP6 && (f[14] >> 4) == 6 && f[14 + 6] == nh;
}

/* Up to 4 SACK blocks from the options th[20..doff). */
static int sack_blocks(const uint8_t *th, uint32_t doff, uint32_t blocks[4][2])
{
	int nb = 0;

	for (uint32_t i = 20; i < doff;) {
		uint8_t kind = th[i], l;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= doff)
			break;
		l = th[i + 1];
		if (l < 2 || i + l > doff)
			break;
		for (uint32_t k = 0; kind == 5 && k + 8 <= (uint32_t)l - 2 && nb < 4; k += 8, nb++)
			for (int j = 0; j < 2; j++)
				blocks[nb][j] = t_get32(th + i + 2 + k + 4 * j);
		i += l;
	}
	return nb;
}

bool t_seg_parse(const uint8_t *f, size_t len, struct t_seg *s)
{
	uint32_t ihl, doff, tot;
	const uint8_t *ip = f + 14, *th;

	if (len < 14 + 20 + 20 || !t_is_ipv4(f, len, 6))
		return false;
	ihl = (uint32_t)(ip[0] & 15) * 4;
	tot = t_get16(ip + 2);
	if (14 + ihl + 20 > len)
		return false;
	th = ip + ihl;
	doff = (uint32_t)(th[12] >> 4) * 4;
	memset(s, 0, sizeof(*s));
	s->saddr = t_get32(ip + 12);
	s->daddr = t_get32(ip + 16);
	s->sport = t_get16(th);
	s->dport = t_get16(th + 2);
	s->seq = t_get32(th + 4);
	s->ack = t_get32(th + 8);
	s->flags = th[13];
	s->win = t_get16(th + 14);
	s->plen = tot > ihl + doff ? tot - ihl - doff : 0;
	s->nsack = 14 + ihl + doff > len ? -1 : sack_blocks(th, doff, s->sack);
	return true;
}
