/* SPDX-License-Identifier: MIT */
#ifndef NM_NIC_PKT_H
#define NM_NIC_PKT_H

/*
 * Packet parsing for the virtual NIC: what one received (or to be sent)
 * Ethernet frame holds, as offsets into the frame and the header fields that
 * steering (RSS, ntuple), header split, checksum offload and TSO need.
 *
 * The parser (parse.c) is a pure function of the bytes: no state, no
 * allocation, never reads outside [frame, frame + len) whatever the bytes
 * say.  It runs once per frame on the NIC's receive path and once per
 * super-frame on the transmit path.
 *
 * Conventions:
 *  - All offsets are from the first byte of the Ethernet header.
 *  - Multi-byte header fields are stored in host byte order, except
 *    addresses, which are kept as the bytes on the wire.
 *  - IPv4 addresses are stored IPv4-mapped (RFC 4291 2.5.5.2:
 *    ::ffff:a.b.c.d), so the four address bytes sit at [12..15] and every
 *    address compare is one 16-byte compare.  nm_pkt_v4_src()/dst() point
 *    at them.
 *  - Layout of a parsed frame, all offsets increasing:
 *      0 .. l2_len            Ethernet (+ up to two VLAN tags)
 *      l3_off .. l4_off       IP header (options / IPv6 extension headers)
 *      l4_off .. payload_off  TCP/UDP/ICMP header (l4_hdr_len bytes)
 *      payload_off .. l3_end  payload (payload_len bytes)
 *      l3_end .. len          Ethernet padding (pad_len bytes), ignored
 *    so payload_off + payload_len + pad_len == len always holds after a
 *    successful parse, and hdr_len == payload_off is the header-split point.
 *    ARP: the ARP packet is the "L3 header" (l3_len bytes, l3_proto 0) and
 *    there is no payload.  L2-only frames: everything after l2_len is
 *    payload.  ICMP: the 8-byte ICMP header is the L4 header, the rest of
 *    the message is payload (a NIC that splits headers should split only
 *    flows whose payload the stack never reads, i.e. TCP).
 */

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Ethernet / IP constants --------------------------------------------- */

#define NM_ETH_HLEN		14
#define NM_VLAN_HLEN		4
#define NM_PKT_MAX_VLANS	2

#define NM_ETH_P_IPV4		0x0800
#define NM_ETH_P_ARP		0x0806
#define NM_ETH_P_8021Q		0x8100
#define NM_ETH_P_8021AD		0x88a8
#define NM_ETH_P_IPV6		0x86dd

#define NM_IPPROTO_HOPOPTS	0
#define NM_IPPROTO_ICMP		1
#define NM_IPPROTO_TCP		6
#define NM_IPPROTO_UDP		17
#define NM_IPPROTO_ROUTING	43
#define NM_IPPROTO_FRAGMENT	44
#define NM_IPPROTO_ICMPV6	58
#define NM_IPPROTO_NONE		59
#define NM_IPPROTO_DSTOPTS	60

/* IPv6 extension headers followed before giving up (BAD_EXT_HDR). */
#define NM_PKT_MAX_EXT_HDRS	8

/* TCP flags (info->tcp_flags, the low byte of the TCP flags field). */
#define NM_TCP_FIN	0x01
#define NM_TCP_SYN	0x02
#define NM_TCP_RST	0x04
#define NM_TCP_PSH	0x08
#define NM_TCP_ACK	0x10
#define NM_TCP_URG	0x20
#define NM_TCP_ECE	0x40
#define NM_TCP_CWR	0x80

/* TCP options seen (info->tcp_opts). */
#define NM_TCPOPT_F_MSS		0x01
#define NM_TCPOPT_F_WS		0x02
#define NM_TCPOPT_F_SACK_PERM	0x04
#define NM_TCPOPT_F_SACK	0x08
#define NM_TCPOPT_F_TS		0x10

/* ---- Why parsing stopped ------------------------------------------------- */

/*
 * The values below NM_PKT_DROP_FIRST are not errors: nm_pkt_parse() returns
 * 0 and the frame is usable as far as it was parsed (they say why it went no
 * deeper).  From NM_PKT_DROP_FIRST on, the frame is malformed:
 * nm_pkt_parse() returns -EBADMSG and the NIC should drop it, counting the
 * reason.
 */
enum nm_pkt_reason {
	NM_PKT_OK = 0,			/* parsed down to L4 (or ARP) */
	NM_PKT_UNKNOWN_ETHERTYPE,	/* L2 only: not IPv4/IPv6/ARP, or a third VLAN tag */
	NM_PKT_IP_FRAGMENT,		/* L3 only: a fragment, L4 not parsed */
	NM_PKT_UNKNOWN_L4,		/* L3 only: not TCP/UDP/ICMP/ICMPv6 */

	NM_PKT_DROP_FIRST,
	NM_PKT_TRUNCATED_ETH = NM_PKT_DROP_FIRST, /* shorter than Ethernet + VLAN tags */
	NM_PKT_TRUNCATED_L3,		/* shorter than the IP (or ARP) header */
	NM_PKT_BAD_IP_VERSION,		/* version field disagrees with the ethertype */
	NM_PKT_BAD_IHL,			/* IPv4 IHL < 5 */
	NM_PKT_BAD_IP_LEN,		/* IPv4 total length > frame or < header */
	NM_PKT_BAD_IPV6_PAYLOAD_LEN,	/* IPv6 payload length > frame */
	NM_PKT_BAD_EXT_HDR,		/* IPv6 extension header: length, order, chain > 8 */
	NM_PKT_TRUNCATED_L4,		/* L4 header does not fit in the IP payload */
	NM_PKT_BAD_TCP_DOFF,		/* data offset < 5 or past the IP payload */
	NM_PKT_BAD_TCP_OPTION,		/* option length 0/1, past doff, wrong for its kind */
	NM_PKT_BAD_UDP_LEN,		/* UDP length != IP payload length */
	NM_PKT_REASON_MAX
};

static inline bool nm_pkt_reason_is_drop(unsigned reason)
{
	return reason >= NM_PKT_DROP_FIRST;
}

/* "TRUNCATED_L4" etc.; "?" for values out of range.  Never NULL. */
const char *nm_pkt_reason_name(unsigned reason);

/* ---- Parse result -------------------------------------------------------- */

struct nm_pkt_info {
	/* ---- hot: steering, header split, checksum offload ---- */
	uint32_t len;			/* frame length given to the parser */
	uint32_t hdr_len;		/* == payload_off: the header-split point */
	uint32_t payload_off;
	uint32_t payload_len;
	uint32_t l3_off;		/* == l2_len */
	uint32_t l3_len;		/* IP header incl. options / extension headers */
	uint32_t l3_end;		/* where the IP packet ends (padding excluded) */
	uint32_t l4_off;		/* == l3_off + l3_len */
	uint16_t l4_hdr_len;		/* 0: no L4 header parsed */
	uint16_t l2_len;		/* Ethernet header + VLAN tags */
	uint16_t ethertype;		/* innermost */
	uint8_t l3_proto;		/* 4, 6, or 0 (L2 only) */
	uint8_t l4_proto;		/* IP protocol of the upper layer (last next header) */
	uint16_t src_port, dst_port;	/* TCP/UDP, 0 otherwise */
	uint8_t tcp_flags;		/* NM_TCP_* */
	uint8_t is_fragment;		/* IPv4 MF/offset or IPv6 fragment header (not atomic) */
	uint8_t nr_vlans;
	uint8_t drop_reason;		/* enum nm_pkt_reason */
	uint8_t src_addr[16];		/* IPv4-mapped for IPv4 */
	uint8_t dst_addr[16];

	/* ---- cold: for the stack above and for diagnostics ---- */
	uint32_t pad_len;		/* bytes after l3_end (Ethernet padding) */
	uint32_t drop_off;		/* frame offset where the problem was seen */
	uint16_t vlan_tpid[NM_PKT_MAX_VLANS];	/* outer first */
	uint16_t vlan_tci[NM_PKT_MAX_VLANS];	/* PCP:3 DEI:1 VID:12 */
	uint8_t ip_ttl;			/* TTL / hop limit */
	uint8_t ip_tos;			/* TOS / traffic class */
	uint16_t ip_id;			/* IPv4 identification */
	uint8_t ipv6_nr_ext;		/* extension headers walked */
	uint8_t ipv6_rh_segs_left;	/* routing header segments left: != 0 means the
					 * L4 pseudo-header's destination is not dst_addr */
	uint8_t icmp_type, icmp_code;
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_win;
	uint16_t tcp_mss;		/* valid if tcp_opts & NM_TCPOPT_F_MSS */
	uint8_t tcp_wscale;		/* valid if tcp_opts & NM_TCPOPT_F_WS */
	uint8_t tcp_opts;		/* NM_TCPOPT_F_* */
	uint8_t tcp_sack_blocks;	/* 0..4, in all SACK options together */
	uint8_t tcp_sack_off;		/* the first SACK option's kind byte, from
					 * l4_off (0: none); its blocks follow it */
	uint32_t tcp_tsval, tcp_tsecr;	/* valid if tcp_opts & NM_TCPOPT_F_TS */
};

#define NM_VLAN_VID(tci)	((uint16_t)((tci) & 0x0fff))
#define NM_VLAN_PCP(tci)	((uint8_t)((tci) >> 13))

static inline const uint8_t *nm_pkt_v4_src(const struct nm_pkt_info *info)
{
	return info->src_addr + 12;
}

static inline const uint8_t *nm_pkt_v4_dst(const struct nm_pkt_info *info)
{
	return info->dst_addr + 12;
}

/*
 * Parse one Ethernet frame (no FCS).
 *
 * Returns 0 when the frame is well formed as far as the parser understands
 * it: info is filled and info->drop_reason is NM_PKT_OK or one of the
 * non-drop reasons (UNKNOWN_ETHERTYPE, IP_FRAGMENT, UNKNOWN_L4) saying how
 * deep it went.  Returns -EBADMSG for a malformed frame, with
 * info->drop_reason and info->drop_off saying why and where (the other
 * fields hold what was parsed before that point), and -EINVAL for bad
 * arguments (NULL, len 0 is -EBADMSG/TRUNCATED_ETH).
 *
 * Checksums are not verified here (csum.h does that).  A malformed frame
 * also records a message for nm_last_error(); that costs a formatted string,
 * on the drop path only.
 */
int nm_pkt_parse(const uint8_t *frame, uint32_t len, struct nm_pkt_info *info);

/*
 * Parse the headers of a frame of frame_len bytes of which only the first
 * hdr_avail are readable here (header split on transmit: the payload lies
 * in device memory that only the DMA engine may touch).  Length fields are
 * checked against frame_len; every header byte the parser needs must lie in
 * the first hdr_avail bytes, else the matching TRUNCATED_* reason.
 * hdr_avail <= frame_len.
 */
int nm_pkt_parse_hdr(const uint8_t *hdr, uint32_t hdr_avail, uint32_t frame_len,
		     struct nm_pkt_info *info);

#ifdef __cplusplus
}
#endif
#endif /* NM_NIC_PKT_H */
