/* SPDX-License-Identifier: MIT */
/*
 * Frame parser: Ethernet II (+ one or two 802.1Q/802.1ad tags), ARP, IPv4
 * with options, IPv6 with extension headers, TCP with options, UDP,
 * ICMP/ICMPv6, into struct nm_pkt_info (pkt.h).
 *
 * Invariants:
 *  1. No byte outside [frame, frame + avail) is ever read, whatever the
 *     length fields say; every offset is checked before it is used and all
 *     arithmetic is on uint32_t values that cannot wrap (frames are at most
 *     4 GiB and every added quantity is at most 16 bits).
 *  2. After a 0 return: l2_len == l3_off <= l4_off <= payload_off <= l3_end
 *     <= len, payload_off + payload_len + pad_len == len, hdr_len ==
 *     payload_off, l4_hdr_len == payload_off - l4_off.
 *  3. A malformed frame returns -EBADMSG with a drop reason; a frame that is
 *     well formed but not understood (unknown ethertype or L4 protocol,
 *     fragment) returns 0 with a non-drop reason: the NIC still delivers it.
 *
 * Not understood, on purpose: IPv4 option contents (IHL is honoured, the
 * options are not walked), IPv6 jumbograms (payload length 0 with a jumbo
 * option: BAD_EXT_HDR or TRUNCATED_L4), AH/ESP (UNKNOWN_L4), a UDP length
 * shorter than the IP payload (BAD_UDP_LEN, where Linux would trim).
 *
 * Workload: once per received frame and once per transmitted super-frame,
 * so the common case (untagged IPv4/IPv6 + TCP with the timestamp option)
 * is straight-line code; the option walk has a fast path for the usual
 * NOP,NOP,TS layout.  The drop path formats a message (cold, out of line).
 */
#include <string.h>

#include "nic/pkt.h"
#include "util/err.h"

static const char *const reason_names[NM_PKT_REASON_MAX] = {
	[NM_PKT_OK] = "OK",
	[NM_PKT_UNKNOWN_ETHERTYPE] = "UNKNOWN_ETHERTYPE",
	[NM_PKT_IP_FRAGMENT] = "IP_FRAGMENT",
	[NM_PKT_UNKNOWN_L4] = "UNKNOWN_L4",
	[NM_PKT_TRUNCATED_ETH] = "TRUNCATED_ETH",
	[NM_PKT_TRUNCATED_L3] = "TRUNCATED_L3",
	[NM_PKT_BAD_IP_VERSION] = "BAD_IP_VERSION",
	[NM_PKT_BAD_IHL] = "BAD_IHL",
	[NM_PKT_BAD_IP_LEN] = "BAD_IP_LEN",
	[NM_PKT_BAD_IPV6_PAYLOAD_LEN] = "BAD_IPV6_PAYLOAD_LEN",
	[NM_PKT_BAD_EXT_HDR] = "BAD_EXT_HDR",
	[NM_PKT_TRUNCATED_L4] = "TRUNCATED_L4",
	[NM_PKT_BAD_TCP_DOFF] = "BAD_TCP_DOFF",
	[NM_PKT_BAD_TCP_OPTION] = "BAD_TCP_OPTION",
	[NM_PKT_BAD_UDP_LEN] = "BAD_UDP_LEN",
};

const char *nm_pkt_reason_name(unsigned reason)
{
	if (reason >= NM_PKT_REASON_MAX || !reason_names[reason])
		return "?";
	return reason_names[reason];
}

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The frame being parsed: avail bytes readable, len bytes long. */
struct pctx {
	const uint8_t *f;
	uint32_t avail;
	uint32_t len;
};

__attribute__((cold, noinline))
static int drop(struct nm_pkt_info *info, enum nm_pkt_reason r, uint32_t off)
{
	info->drop_reason = (uint8_t)r;
	info->drop_off = off;
	return nm_err(EBADMSG, "%s at byte %u of a %u-byte frame", reason_names[r], off,
		      info->len);
}

/* Parsing ends here: the payload runs from payload_off to end. */
static inline int finish(struct nm_pkt_info *info, enum nm_pkt_reason r, uint32_t payload_off,
			 uint32_t end)
{
	info->payload_off = payload_off;
	info->hdr_len = payload_off;
	info->payload_len = end - payload_off;
	info->pad_len = info->len - end;
	info->drop_reason = (uint8_t)r;
	return 0;
}

/*
 * Walk TCP options (n bytes at o).  Returns 0, or the offset in o + 1 of
 * the first bad option.  Known kinds must have their defined length;
 * unknown kinds need length >= 2 and must end within the header.
 */
static uint32_t tcp_options(const uint8_t *o, uint32_t n, struct nm_pkt_info *info)
{
	uint32_t i = 0;

	/* Fast path: NOP, NOP, TS (what Linux sends on established flows). */
	if (n == 12 && o[0] == 1 && o[1] == 1 && o[2] == 8 && o[3] == 10) {
		info->tcp_opts = NM_TCPOPT_F_TS;
		info->tcp_tsval = rd32(o + 4);
		info->tcp_tsecr = rd32(o + 8);
		return 0;
	}
	while (i < n) {
		uint8_t kind = o[i], ol;

		if (kind == 0)		/* EOL: the rest is padding */
			break;
		if (kind == 1) {	/* NOP */
			i++;
			continue;
		}
		if (n - i < 2)
			return i + 1;
		ol = o[i + 1];
		if (ol < 2 || ol > n - i)
			return i + 1;
		switch (kind) {
		case 2:			/* MSS */
			if (ol != 4)
				return i + 1;
			info->tcp_opts |= NM_TCPOPT_F_MSS;
			info->tcp_mss = rd16(o + i + 2);
			break;
		case 3:			/* window scale */
			if (ol != 3)
				return i + 1;
			info->tcp_opts |= NM_TCPOPT_F_WS;
			info->tcp_wscale = o[i + 2];
			break;
		case 4:			/* SACK permitted */
			if (ol != 2)
				return i + 1;
			info->tcp_opts |= NM_TCPOPT_F_SACK_PERM;
			break;
		case 5:			/* SACK: 1..4 blocks of 8 bytes */
			if (ol < 10 || ol > 34 || (ol - 2) % 8 != 0)
				return i + 1;
			/* where the first one lies, so TCP reads the
			 * blocks without walking the options again */
			if (!(info->tcp_opts & NM_TCPOPT_F_SACK))
				info->tcp_sack_off = (uint8_t)(20 + i);
			info->tcp_opts |= NM_TCPOPT_F_SACK;
			info->tcp_sack_blocks += (uint8_t)((ol - 2) / 8);
			break;
		case 8:			/* timestamps */
			if (ol != 10)
				return i + 1;
			info->tcp_opts |= NM_TCPOPT_F_TS;
			info->tcp_tsval = rd32(o + i + 2);
			info->tcp_tsecr = rd32(o + i + 6);
			break;
		default:
			break;
		}
		i += ol;
	}
	return 0;
}

/* L4 header at info->l4_off, IP payload ending at info->l3_end. */
static inline int parse_l4(const struct pctx *c, struct nm_pkt_info *info)
{
	uint32_t start = info->l4_off, end = info->l3_end;
	const uint8_t *p = c->f + start;
	uint32_t hl;

	switch (info->l4_proto) {
	case NM_IPPROTO_TCP: {
		uint32_t bad;

		if (end - start < 20 || c->avail - start < 20)
			return drop(info, NM_PKT_TRUNCATED_L4, start);
		hl = (uint32_t)(p[12] >> 4) * 4;
		if (hl < 20 || hl > end - start)
			return drop(info, NM_PKT_BAD_TCP_DOFF, start + 12);
		if (hl > c->avail - start)
			return drop(info, NM_PKT_TRUNCATED_L4, start);
		info->src_port = rd16(p);
		info->dst_port = rd16(p + 2);
		info->tcp_seq = rd32(p + 4);
		info->tcp_ack = rd32(p + 8);
		info->tcp_flags = p[13];
		info->tcp_win = rd16(p + 14);
		if (hl > 20 && (bad = tcp_options(p + 20, hl - 20, info)) != 0)
			return drop(info, NM_PKT_BAD_TCP_OPTION, start + 20 + bad - 1);
		break;
	}
	case NM_IPPROTO_UDP:
		hl = 8;
		if (end - start < 8 || c->avail - start < 8)
			return drop(info, NM_PKT_TRUNCATED_L4, start);
		/* Stricter than Linux (which trims to the UDP length): a length
		 * that disagrees with IP's is a lie one way or the other. */
		if (rd16(p + 4) != end - start)
			return drop(info, NM_PKT_BAD_UDP_LEN, start + 4);
		info->src_port = rd16(p);
		info->dst_port = rd16(p + 2);
		break;
	case NM_IPPROTO_ICMP:
	case NM_IPPROTO_ICMPV6:
		/* ICMP over IPv6 or ICMPv6 over IPv4 is not ICMP. */
		if ((info->l4_proto == NM_IPPROTO_ICMP) != (info->l3_proto == 4))
			return finish(info, NM_PKT_UNKNOWN_L4, start, end);
		hl = 8;		/* type, code, checksum, 4 bytes of message */
		if (end - start < 8 || c->avail - start < 8)
			return drop(info, NM_PKT_TRUNCATED_L4, start);
		info->icmp_type = p[0];
		info->icmp_code = p[1];
		break;
	default:
		return finish(info, NM_PKT_UNKNOWN_L4, start, end);
	}
	info->l4_hdr_len = (uint16_t)hl;
	return finish(info, NM_PKT_OK, start + hl, end);
}

static inline int parse_ipv4(const struct pctx *c, struct nm_pkt_info *info)
{
	uint32_t off = info->l3_off, ihl, tot;
	const uint8_t *p = c->f + off;
	uint16_t frag;

	if (c->avail - off < 20)
		return drop(info, NM_PKT_TRUNCATED_L3, off);
	if (p[0] >> 4 != 4)
		return drop(info, NM_PKT_BAD_IP_VERSION, off);
	ihl = (uint32_t)(p[0] & 0x0f) * 4;
	if (ihl < 20)
		return drop(info, NM_PKT_BAD_IHL, off);
	if (c->avail - off < ihl)
		return drop(info, NM_PKT_TRUNCATED_L3, off);
	tot = rd16(p + 2);
	if (tot < ihl || tot > c->len - off)
		return drop(info, NM_PKT_BAD_IP_LEN, off + 2);

	info->l3_proto = 4;
	info->l3_len = ihl;
	info->l3_end = off + tot;
	info->l4_off = off + ihl;
	info->ip_tos = p[1];
	info->ip_id = rd16(p + 4);
	info->ip_ttl = p[8];
	info->l4_proto = p[9];
	info->src_addr[10] = info->src_addr[11] = 0xff;
	info->dst_addr[10] = info->dst_addr[11] = 0xff;
	memcpy(info->src_addr + 12, p + 12, 4);
	memcpy(info->dst_addr + 12, p + 16, 4);

	frag = rd16(p + 6);
	if (frag & 0x3fff) {		/* MF or a fragment offset */
		info->is_fragment = 1;
		return finish(info, NM_PKT_IP_FRAGMENT, info->l4_off, info->l3_end);
	}
	return parse_l4(c, info);
}

/* Options of a hop-by-hop or destination options header: TLVs that must
 * exactly fill it.  Returns 0 or the offset + 1 of the bad one. */
static uint32_t ipv6_tlvs(const uint8_t *o, uint32_t n)
{
	uint32_t i = 2;

	while (i < n) {
		if (o[i] == 0) {	/* Pad1 */
			i++;
			continue;
		}
		if (n - i < 2 || o[i + 1] > n - i - 2)
			return i + 1;
		i += 2u + o[i + 1];
	}
	return 0;
}

static int parse_ipv6(const struct pctx *c, struct nm_pkt_info *info)
{
	uint32_t off = info->l3_off, plen, pos, n;
	const uint8_t *p = c->f + off;
	uint8_t nh;

	if (c->avail - off < 40)
		return drop(info, NM_PKT_TRUNCATED_L3, off);
	if (p[0] >> 4 != 6)
		return drop(info, NM_PKT_BAD_IP_VERSION, off);
	plen = rd16(p + 4);
	if (plen > c->len - off - 40)
		return drop(info, NM_PKT_BAD_IPV6_PAYLOAD_LEN, off + 4);

	info->l3_proto = 6;
	info->l3_end = off + 40 + plen;
	info->ip_tos = (uint8_t)((p[0] & 0x0f) << 4 | p[1] >> 4);
	info->ip_ttl = p[7];
	memcpy(info->src_addr, p + 8, 16);
	memcpy(info->dst_addr, p + 24, 16);

	nh = p[6];
	pos = off + 40;
	for (n = 0;; n++) {
		const uint8_t *e = c->f + pos;
		uint32_t hl, bad;

		if (nh != NM_IPPROTO_HOPOPTS && nh != NM_IPPROTO_DSTOPTS &&
		    nh != NM_IPPROTO_ROUTING && nh != NM_IPPROTO_FRAGMENT)
			break;
		/* Hop-by-hop must come first (RFC 8200 4.1); the chain is bounded
		 * so a frame of 8-byte headers cannot make us walk for long. */
		if ((nh == NM_IPPROTO_HOPOPTS && n != 0) || n == NM_PKT_MAX_EXT_HDRS)
			return drop(info, NM_PKT_BAD_EXT_HDR, pos);
		if (info->l3_end - pos < 8)
			return drop(info, NM_PKT_BAD_EXT_HDR, pos);
		if (c->avail - pos < 8)
			return drop(info, NM_PKT_TRUNCATED_L3, pos);
		hl = nh == NM_IPPROTO_FRAGMENT ? 8 : ((uint32_t)e[1] + 1) * 8;
		if (hl > info->l3_end - pos)
			return drop(info, NM_PKT_BAD_EXT_HDR, pos + 1);
		if (hl > c->avail - pos)
			return drop(info, NM_PKT_TRUNCATED_L3, pos);
		switch (nh) {
		case NM_IPPROTO_HOPOPTS:
		case NM_IPPROTO_DSTOPTS:
			if ((bad = ipv6_tlvs(e, hl)) != 0)
				return drop(info, NM_PKT_BAD_EXT_HDR, pos + bad - 1);
			break;
		case NM_IPPROTO_ROUTING:
			info->ipv6_rh_segs_left = e[3];
			break;
		case NM_IPPROTO_FRAGMENT:
			/* An atomic fragment (offset 0, M clear) is a whole
			 * packet (RFC 6946): keep parsing. */
			if (rd16(e + 2) & 0xfff9)
				info->is_fragment = 1;
			break;
		}
		nh = e[0];
		pos += hl;
		if (info->is_fragment)
			break;
	}
	info->ipv6_nr_ext = (uint8_t)(n + info->is_fragment);
	info->l3_len = pos - off;
	info->l4_off = pos;
	info->l4_proto = nh;
	if (info->is_fragment)
		return finish(info, NM_PKT_IP_FRAGMENT, pos, info->l3_end);
	return parse_l4(c, info);
}

static int parse_arp(const struct pctx *c, struct nm_pkt_info *info)
{
	uint32_t off = info->l3_off, alen;
	const uint8_t *p = c->f + off;

	if (c->avail - off < 8)
		return drop(info, NM_PKT_TRUNCATED_L3, off);
	alen = 8 + 2 * ((uint32_t)p[4] + p[5]);	/* fixed part + sender/target */
	if (c->avail - off < alen)
		return drop(info, NM_PKT_TRUNCATED_L3, off);
	/* The whole ARP packet is header: the stack must read all of it. */
	info->l3_len = alen;
	info->l3_end = off + alen;
	info->l4_off = off + alen;
	return finish(info, NM_PKT_OK, off + alen, off + alen);
}

static inline int parse(const struct pctx *c, struct nm_pkt_info *info)
{
	uint32_t off = 12;
	uint16_t type;

	memset(info, 0, sizeof(*info));
	info->len = c->len;
	if (c->avail < NM_ETH_HLEN)
		return drop(info, NM_PKT_TRUNCATED_ETH, 0);
	type = rd16(c->f + 12);
	off = NM_ETH_HLEN;
	while (type == NM_ETH_P_8021Q || type == NM_ETH_P_8021AD) {
		if (info->nr_vlans == NM_PKT_MAX_VLANS)
			break;		/* a third tag: L2 only */
		if (c->avail - off < NM_VLAN_HLEN)
			return drop(info, NM_PKT_TRUNCATED_ETH, off);
		info->vlan_tpid[info->nr_vlans] = type;
		info->vlan_tci[info->nr_vlans] = rd16(c->f + off);
		info->nr_vlans++;
		type = rd16(c->f + off + 2);
		off += NM_VLAN_HLEN;
	}
	info->l2_len = (uint16_t)off;
	info->ethertype = type;
	info->l3_off = off;
	info->l4_off = off;
	info->l3_end = c->len;

	switch (type) {
	case NM_ETH_P_IPV4:
		return parse_ipv4(c, info);
	case NM_ETH_P_IPV6:
		return parse_ipv6(c, info);
	case NM_ETH_P_ARP:
		return parse_arp(c, info);
	default:
		return finish(info, NM_PKT_UNKNOWN_ETHERTYPE, off, c->len);
	}
}

int nm_pkt_parse(const uint8_t *frame, uint32_t len, struct nm_pkt_info *info)
{
	struct pctx c = { .f = frame, .avail = len, .len = len };

	if (nm_unlikely(!frame || !info))
		return nm_err(EINVAL, "NULL %s", frame ? "info" : "frame");
	return parse(&c, info);
}

int nm_pkt_parse_hdr(const uint8_t *hdr, uint32_t hdr_avail, uint32_t frame_len,
		     struct nm_pkt_info *info)
{
	struct pctx c = { .f = hdr, .avail = hdr_avail, .len = frame_len };

	if (!hdr || !info)
		return nm_err(EINVAL, "NULL %s", hdr ? "info" : "hdr");
	if (hdr_avail > frame_len)
		return nm_err(EINVAL, "%u readable bytes in a %u-byte frame",
			      hdr_avail, frame_len);
	return parse(&c, info);
}
