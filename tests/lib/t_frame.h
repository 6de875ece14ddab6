/* SPDX-License-Identifier: MIT */
#ifndef NM_T_FRAME_H
#define NM_T_FRAME_H

/*
 * Frames by hand (frame.c, csum.c): the one frame builder of the test bed
 * and its reader.  Checksums come from a naive big-endian reference
 * (t_sum), independent of nic/csum.c, so tests of the NIC are not
 * circular; t_fill_csums() is the exception that says so.
 *
 *  - struct t_frame + t_build(): any frame the parser knows, from a
 *    description (Ethernet + VLANs, IPv4 + options or IPv6 + extension
 *    headers, TCP + options / UDP / ICMP / ICMPv6 / raw, payload, padding);
 *    t_tcp4() / t_tcp6() are TCP templates to edit.
 *  - struct t_flow + t_flow_frame(): a TCP or UDP frame of a flow from MAC
 *    t_mac_a to t_mac_b carrying the stream pattern (t_util.h) from f->seq.
 *  - struct t_tcp4_seg + t_tcp4_seg(): a spoofed Ethernet/IPv4/TCP segment
 *    with any addresses, flags, numbers and window (the storm tests).
 *  - t_eth(), t_ipv4(), t_ipv6(), t_arp(): one header each, for composing
 *    odd frames byte by byte (the TAP tests); t_arp_frame() a whole ARP.
 *  - t_seg_parse(): an Ethernet/IPv4/TCP frame read back.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netmem/wire.h>

#include "nic/csum.h"
#include "nic/pkt.h"
#include "t_util.h"

/* Two stations: A (02:00:00:00:00:0a) sends to B (...0b) by default. */
extern const uint8_t t_mac_a[6], t_mac_b[6], t_bcast_mac[6];

/* ---- bytes in network order, checksums ---------------------------------- */

void t_put16(uint8_t *p, uint16_t v);
void t_put32(uint8_t *p, uint32_t v);
uint16_t t_get16(const uint8_t *p);
uint32_t t_get32(const uint8_t *p);

/* Ones' complement sum of big-endian 16-bit words added to sum, not yet
 * folded or complemented. */
uint32_t t_sum(const uint8_t *p, size_t len, uint32_t sum);
uint16_t t_fold(uint32_t sum);
/* The checksum to put in a header: ~fold(sum).  0 checks as valid. */
uint16_t t_csum(uint32_t sum);
/* Pseudo-header sums (RFC 768 / RFC 8200 8.1), not folded. */
uint32_t t_pseudo4(const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t len);
uint32_t t_pseudo6(const uint8_t *src, const uint8_t *dst, uint8_t nh, size_t len);
/* The same folded (RFC 1071), as the builder uses them: t_ref_sum() is
 * fold(t_sum()), t_ref_csum() the header value, t_ref_pseudo() the
 * pseudo-header of ip (4 or 6). */
uint32_t t_ref_sum(const uint8_t *p, size_t n, uint32_t sum);
uint16_t t_ref_csum(const uint8_t *p, size_t n, uint32_t sum);
uint32_t t_ref_pseudo(int ip, const uint8_t *src, const uint8_t *dst, uint8_t proto, uint32_t len);
/* Fill the IPv4 and L4 checksums of a frame with the NIC's own functions
 * (nic/csum.c), as far as it parses; whether it parsed.  For fuzz inputs
 * and frames edited after building, where the NIC is not under test. */
bool t_fill_csums(uint8_t *f, uint32_t len);

/* ---- any frame, from a description -------------------------------------- */

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
	uint16_t win;			/* TCP window (t_tcp4/6: 65535) */
	uint16_t ip_id;
	uint32_t payload_len;
	uint8_t payload_byte;		/* payload[i] = payload_byte + i ... */
	const uint8_t *payload;		/* ... unless given here */
	const uint8_t *dst_mac, *src_mac;	/* NULL: 02:03:04:05:06:07, 12:13:...:17 */
	uint32_t pad;			/* Ethernet padding after the IP packet */
	bool no_csum;			/* leave checksums 0 */
};

/* Build into buf (cap bytes); returns the frame length, 0 if it does not
 * fit. */
uint32_t t_build(uint8_t *buf, uint32_t cap, const struct t_frame *s);
/* A TCP/IPv4 frame template: 10.0.0.1:1234 -> 10.0.0.2:80, ACK, TS option. */
struct t_frame t_tcp4(uint32_t payload_len);
/* The same flow over IPv6: 2001:db8::1 -> 2001:db8::2. */
struct t_frame t_tcp6(uint32_t payload_len);

/* ---- a flow's frames, carrying the stream pattern ------------------------- */

struct t_flow {
	int v6;				/* 0: IPv4, 1: IPv6 */
	int udp;
	uint8_t src[16], dst[16];	/* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	uint32_t seq;
};

void t_flow_v4(struct t_flow *f, uint32_t src_host, uint32_t dst_host, uint16_t sport,
	       uint16_t dport);
/* A frame of the flow from t_mac_a to t_mac_b (IPv4 with DF): PSH|ACK,
 * window 65535, tcp_opt_len bytes of NOP options (a multiple of 4), the
 * payload the stream pattern from f->seq; checksums correct.  buf holds
 * NM_WIRE_MAX_FRAME bytes; returns the length. */
uint32_t t_flow_frame(uint8_t *buf, const struct t_flow *f, uint32_t payload_len,
		      uint32_t tcp_opt_len);

/* ---- a spoofed TCP segment ------------------------------------------------ */

struct t_tcp4_seg {
	uint8_t dst_mac[6], src_mac[6];
	uint32_t saddr, daddr;		/* IPv4, host order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;			/* TH_* bits: FIN 0x01 SYN 0x02 RST 0x04 ACK 0x10 */
	uint16_t win;
	const uint8_t *payload;
	uint16_t len;			/* payload bytes */
};

/* An Ethernet + IPv4 (DF, TTL 64) + 20-byte TCP frame with valid
 * checksums into f (room for 54 + len bytes); returns its length. */
size_t t_tcp4_seg(uint8_t *f, const struct t_tcp4_seg *s);

/* ---- one header at a time -------------------------------------------------- */

#define T_ETH_IP	0x0800
#define T_ETH_ARP	0x0806
#define T_ETH_IP6	0x86dd
#define T_IPPROTO_ICMP	1
#define T_IPPROTO_UDP	17
#define T_IPPROTO_ICMP6	58

size_t t_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type);
/* 20-byte IPv4 header, id 0x1234, DF, TTL 64, checksum filled. */
size_t t_ipv4(uint8_t *p, uint8_t proto, const uint8_t *src, const uint8_t *dst, size_t payload);
/* 40-byte IPv6 header. */
size_t t_ipv6(uint8_t *p, uint8_t nh, const uint8_t *src, const uint8_t *dst, size_t payload,
	      uint8_t hlim);
/* 28-byte Ethernet/IPv4 ARP body. */
size_t t_arp(uint8_t *p, uint16_t op, const uint8_t *sha, const uint8_t *spa, const uint8_t *tha,
	     const uint8_t *tpa);
/* A whole ARP frame (op 1 request, 2 reply) from sha to dmac: sender spa,
 * target tpa (dotted quads), target MAC zero.  Returns its length, 42. */
uint32_t t_arp_frame(uint8_t *f, const uint8_t *dmac, uint16_t op, const uint8_t *sha,
		     const char *spa, const char *tpa);

/* ---- reading frames back ------------------------------------------------- */

bool t_is_ipv4(const uint8_t *f, size_t len, uint8_t proto);
bool t_is_ipv6(const uint8_t *f, size_t len, uint8_t nh);

/* An Ethernet/IPv4/TCP frame (host order). */
struct t_seg {
	uint32_t saddr, daddr, seq, ack;
	uint16_t sport, dport, win;
	uint8_t flags;
	uint32_t plen;			/* payload bytes, by the IPv4 total length */
	int nsack;			/* SACK blocks (up to 4); -1: options cut off */
	uint32_t sack[4][2];
};

/* false for anything but Ethernet/IPv4/TCP with a whole TCP header. */
bool t_seg_parse(const uint8_t *f, size_t len, struct t_seg *s);

#endif
