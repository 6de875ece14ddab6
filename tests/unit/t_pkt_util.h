/* SPDX-License-Identifier: MIT */
#ifndef NM_T_PKT_UTIL_H
#define NM_T_PKT_UTIL_H

/*
 * Frame builder for the nic/ packet tests: Ethernet (+VLANs), IPv4 (+options)
 * or IPv6 (+extension headers), TCP (+options) / UDP / ICMP / ICMPv6 / other,
 * payload, padding.  Checksums are filled with a naive big-endian reference
 * (t_ref_csum), independent of nic/csum.c, so tests are not circular.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "nic/pkt.h"

struct t_frame {
	int nr_vlans;
	uint16_t vlan_tpid[2], vlan_tci[2];
	uint16_t ethertype;		/* 0: from ip */
	int ip;				/* 4, 6, or 0 (raw ethertype + payload) */
	uint8_t ip_opts_len;		/* IPv4 options, multiple of 4, <= 40 */
	int nr_ext;			/* IPv6 extension headers, in order */
	uint8_t ext_type[10];
	uint16_t ext_len[10];		/* bytes, multiple of 8 (fragment: 8) */
	uint16_t frag_off;		/* v4 flags+offset field / v6 fragment field */
	uint8_t proto;
	uint8_t tcp_opts[40];
	uint8_t tcp_opts_len;		/* multiple of 4 */
	uint8_t src[16], dst[16];	/* v4: first 4 bytes */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t ip_id;
	uint32_t payload_len;
	uint8_t payload_byte;		/* payload[i] = payload_byte + i */
	uint32_t pad;			/* Ethernet padding after the IP packet */
	bool no_csum;			/* leave checksums 0 */
};

static inline void t_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void t_wr32(uint8_t *p, uint32_t v)
{
	t_wr16(p, (uint16_t)(v >> 16));
	t_wr16(p + 2, (uint16_t)v);
}

static inline uint16_t t_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t t_rd32(const uint8_t *p)
{
	return (uint32_t)t_rd16(p) << 16 | t_rd16(p + 2);
}

/* Naive RFC 1071: big-endian 16-bit words, folded at the end. */
static inline uint32_t t_ref_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	uint64_t s = sum;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

/* Host-order checksum value (write with t_wr16). */
static inline uint16_t t_ref_csum(const uint8_t *p, size_t n, uint32_t sum)
{
	return (uint16_t)~t_ref_sum(p, n, sum);
}

static inline uint32_t t_ref_pseudo(int ip, const uint8_t *src, const uint8_t *dst,
				    uint8_t proto, uint32_t len)
{
	uint8_t ph[40];
	int alen = ip == 4 ? 4 : 16;

	memset(ph, 0, sizeof(ph));
	memcpy(ph, src, alen);
	memcpy(ph + alen, dst, alen);
	if (ip == 4) {
		ph[9] = proto;
		t_wr16(ph + 10, (uint16_t)len);
		return t_ref_sum(ph, 12, 0);
	}
	t_wr32(ph + 32, len);
	ph[39] = proto;
	return t_ref_sum(ph, 40, 0);
}

static inline uint32_t t_l4_hdr_len(const struct t_frame *s)
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

/* Build into buf (cap bytes); returns the frame length, 0 if it does not fit. */
static inline uint32_t t_build(uint8_t *buf, uint32_t cap, const struct t_frame *s)
{
	uint32_t off = 12, l3, l4, iplen, l4len, ext = 0, hl = t_l4_hdr_len(s);
	uint16_t et = s->ethertype ? s->ethertype
				   : s->ip == 4 ? NM_ETH_P_IPV4 : NM_ETH_P_IPV6;
	uint8_t nh;

	for (int i = 0; i < s->nr_ext; i++)
		ext += s->ext_len[i];
	l4len = hl + s->payload_len;
	iplen = s->ip == 4 ? 20u + s->ip_opts_len + l4len : s->ip == 6 ? 40u + ext + l4len
							   : s->payload_len;
	if (14u + 4u * s->nr_vlans + iplen + s->pad > cap)
		return 0;
	memset(buf, 0, 14u + 4u * s->nr_vlans + iplen + s->pad);
	for (int i = 0; i < 6; i++) {
		buf[i] = (uint8_t)(0x02 + i);		/* dst MAC */
		buf[6 + i] = (uint8_t)(0x12 + i);	/* src MAC */
	}
	for (int i = 0; i < s->nr_vlans; i++) {
		t_wr16(buf + off, s->vlan_tpid[i]);
		t_wr16(buf + off + 2, s->vlan_tci[i]);
		off += 4;
	}
	t_wr16(buf + off, et);
	off += 2;
	l3 = off;
	if (s->ip == 0) {
		for (uint32_t i = 0; i < s->payload_len; i++)
			buf[l3 + i] = (uint8_t)(s->payload_byte + i);
		return l3 + s->payload_len + s->pad;
	}
	if (s->ip == 4) {
		uint32_t ihl = 20u + s->ip_opts_len;

		buf[l3] = (uint8_t)(0x40 | ihl / 4);
		t_wr16(buf + l3 + 2, (uint16_t)iplen);
		t_wr16(buf + l3 + 4, s->ip_id);
		t_wr16(buf + l3 + 6, s->frag_off);
		buf[l3 + 8] = 64;
		buf[l3 + 9] = s->proto;
		memcpy(buf + l3 + 12, s->src, 4);
		memcpy(buf + l3 + 16, s->dst, 4);
		for (uint32_t i = 0; i < s->ip_opts_len; i++)
			buf[l3 + 20 + i] = 1;		/* NOP options */
		if (!s->no_csum)
			t_wr16(buf + l3 + 10, t_ref_csum(buf + l3, ihl, 0));
		l4 = l3 + ihl;
	} else {
		uint32_t p;

		buf[l3] = 0x60;
		t_wr16(buf + l3 + 4, (uint16_t)(iplen - 40));
		buf[l3 + 7] = 64;
		memcpy(buf + l3 + 8, s->src, 16);
		memcpy(buf + l3 + 24, s->dst, 16);
		p = l3 + 40;
		nh = s->nr_ext ? s->ext_type[0] : s->proto;
		buf[l3 + 6] = nh;
		for (int i = 0; i < s->nr_ext; i++) {
			uint8_t next = i + 1 < s->nr_ext ? s->ext_type[i + 1] : s->proto;

			buf[p] = next;
			if (s->ext_type[i] == NM_IPPROTO_FRAGMENT) {
				t_wr16(buf + p + 2, s->frag_off);
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
		l4 = p;
	}
	if (s->proto == NM_IPPROTO_TCP) {
		t_wr16(buf + l4, s->sport);
		t_wr16(buf + l4 + 2, s->dport);
		t_wr32(buf + l4 + 4, s->seq);
		t_wr32(buf + l4 + 8, s->ack);
		buf[l4 + 12] = (uint8_t)((hl / 4) << 4);
		buf[l4 + 13] = s->flags;
		t_wr16(buf + l4 + 14, 65535);
		memcpy(buf + l4 + 20, s->tcp_opts, s->tcp_opts_len);
	} else if (s->proto == NM_IPPROTO_UDP) {
		t_wr16(buf + l4, s->sport);
		t_wr16(buf + l4 + 2, s->dport);
		t_wr16(buf + l4 + 4, (uint16_t)l4len);
	} else if (s->proto == NM_IPPROTO_ICMP || s->proto == NM_IPPROTO_ICMPV6) {
		buf[l4] = s->proto == NM_IPPROTO_ICMP ? 8 : 128;	/* echo request */
		t_wr16(buf + l4 + 4, 0x1234);
	}
	for (uint32_t i = 0; i < s->payload_len; i++)
		buf[l4 + hl + i] = (uint8_t)(s->payload_byte + i);
	if (!s->no_csum && hl) {
		uint32_t field = s->proto == NM_IPPROTO_TCP ? 16 : s->proto == NM_IPPROTO_UDP ? 6 : 2;
		uint32_t ph = s->proto == NM_IPPROTO_ICMP
				      ? 0
				      : t_ref_pseudo(s->ip, s->src, s->dst, s->proto, l4len);
		uint16_t c = t_ref_csum(buf + l4, l4len, ph);

		if (c == 0 && s->proto == NM_IPPROTO_UDP)
			c = 0xffff;
		t_wr16(buf + l4 + field, c);
	}
	for (uint32_t i = 0; i < s->pad; i++)
		buf[l4 + l4len + i] = 0xee;
	return l4 + l4len + s->pad;
}

/* A TCP/IPv4 frame template: 10.0.0.1:1234 -> 10.0.0.2:80, ACK, TS option. */
static inline struct t_frame t_tcp4(uint32_t payload_len)
{
	struct t_frame s;
	static const uint8_t ts[12] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };

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
	s.ip_id = 7;
	memcpy(s.tcp_opts, ts, sizeof(ts));
	s.tcp_opts_len = sizeof(ts);
	s.payload_len = payload_len;
	return s;
}

/* The same flow over IPv6: 2001:db8::1 -> 2001:db8::2. */
static inline struct t_frame t_tcp6(uint32_t payload_len)
{
	struct t_frame s = t_tcp4(payload_len);

	memset(s.src, 0, 16);
	memset(s.dst, 0, 16);
	s.ip = 6;
	s.src[0] = 0x20, s.src[1] = 0x01, s.src[2] = 0x0d, s.src[3] = 0xb8, s.src[15] = 1;
	s.dst[0] = 0x20, s.dst[1] = 0x01, s.dst[2] = 0x0d, s.dst[3] = 0xb8, s.dst[15] = 2;
	return s;
}

#endif
