/* SPDX-License-Identifier: MIT */
/*
 * TSO and USO segmentation: per-segment headers for a TCP or UDP
 * super-frame whose payload this code never reads (see tso.h).
 *
 * Invariants:
 *  1. After nm_tso_prepare() returns 0: info parsed OK down to the TCP/UDP
 *     header, hdr_len == info.payload_off <= hdr_avail, payload_len >= 1,
 *     nr_segs == ceil(payload_len / gso_size), and the last segment carries
 *     payload_len - (nr_segs - 1) * gso_size bytes.
 *  2. Segment i's header depends only on t and i (and payload_sum for its
 *     checksum): no state changes while segmenting.
 *  3. Every length written fits its field: a segment is never longer than
 *     the super-frame, whose lengths the parser checked.
 *
 * Workload: one prepare per super-frame (up to 64 KiB, ~45 segments at an
 * MSS of 1448), then one header copy of ~66 bytes plus a checksum over the
 * L4 header per segment.
 */
#include <string.h>

#include "nic/csum.h"
#include "nic/tso.h"
#include "nic/wire_drv.h"
#include "util/err.h"

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int check_type(const struct nm_pkt_info *in, uint8_t gso_type)
{
	switch (gso_type) {
	case NM_WIRE_GSO_TCPV4:
		if (in->l3_proto != 4 || in->l4_proto != NM_IPPROTO_TCP)
			return nm_err(EINVAL, "tso: GSO_TCPV4 on a frame that is not TCP/IPv4");
		break;
	case NM_WIRE_GSO_TCPV6:
		if (in->l3_proto != 6 || in->l4_proto != NM_IPPROTO_TCP)
			return nm_err(EINVAL, "tso: GSO_TCPV6 on a frame that is not TCP/IPv6");
		break;
	case NM_WIRE_GSO_UDP_L4:
		if (in->l4_proto != NM_IPPROTO_UDP)
			return nm_err(EINVAL, "tso: GSO_UDP_L4 on a frame that is not UDP");
		break;
	case NM_WIRE_GSO_UDP:
		return nm_err(EOPNOTSUPP, "tso: UFO (IP fragmentation offload) is not supported");
	default:
		return nm_err(EINVAL, "tso: GSO type %u", gso_type);
	}
	return 0;
}

int nm_tso_prepare(struct nm_tso *t, const uint8_t *hdr, uint32_t hdr_avail, uint32_t frame_len,
		   uint8_t gso_type, uint16_t gso_size)
{
	struct nm_pkt_info *in;
	int ret;

	if (!t || !hdr)
		return nm_err(EINVAL, "tso_prepare: NULL %s", t ? "header" : "tso");
	if (gso_size == 0)
		return nm_err(EINVAL, "tso_prepare: gso_size 0");
	memset(t, 0, sizeof(*t));
	in = &t->info;
	ret = nm_pkt_parse_hdr(hdr, hdr_avail, frame_len, in);
	if (ret == -EBADMSG)
		return nm_err_wrap(-EINVAL, "tso_prepare");
	if (ret)
		return ret;
	if (in->drop_reason != NM_PKT_OK || in->l4_hdr_len == 0)
		return nm_err(EINVAL, "tso_prepare: not a TCP/UDP frame (%s)",
			      nm_pkt_reason_name(in->drop_reason));
	ret = check_type(in, gso_type);
	if (ret)
		return ret;
	if (in->l4_proto == NM_IPPROTO_TCP && (in->tcp_flags & (NM_TCP_SYN | NM_TCP_RST)))
		return nm_err(EINVAL, "tso_prepare: SYN/RST super-frame (flags 0x%02x)",
			      in->tcp_flags);
	if (in->payload_len == 0)
		return nm_err(EINVAL, "tso_prepare: no payload to segment");
	if (in->pad_len != 0)
		return nm_err(EINVAL, "tso_prepare: %u bytes after the IP packet", in->pad_len);
	if (in->l3_proto == 6 && in->ipv6_rh_segs_left)
		return nm_err(EOPNOTSUPP, "tso_prepare: IPv6 routing header with segments left");

	t->hdr = hdr;
	t->hdr_len = in->payload_off;
	t->payload_len = in->payload_len;
	t->gso_size = gso_size;
	t->gso_type = gso_type;
	t->nr_segs = (t->payload_len + gso_size - 1) / gso_size;
	t->l4_field = in->l4_proto == NM_IPPROTO_TCP ? 16 : 6;
	if (in->l3_proto == 4) {
		/* Template checksum with the field zeroed; segments patch it. */
		uint8_t iph[60];

		memcpy(iph, hdr + in->l3_off, in->l3_len);
		nm_csum_st16(iph + 10, 0);
		t->ip_check0 = nm_csum(iph, in->l3_len);
	}
	return 0;
}

int nm_tso_seg_range(const struct nm_tso *t, uint32_t i, uint32_t *payload_off,
		     uint32_t *payload_len)
{
	uint32_t done;

	if (!t || !payload_off || !payload_len)
		return nm_err(EINVAL, "tso_seg_range: NULL argument");
	if (i >= t->nr_segs)
		return nm_err(EINVAL, "tso_seg_range: segment %u of %u", i, t->nr_segs);
	done = i * t->gso_size;
	*payload_off = t->hdr_len + done;
	*payload_len = t->payload_len - done < t->gso_size ? t->payload_len - done : t->gso_size;
	return 0;
}

/* IPv4/IPv6 length fields of a segment with seg_len payload bytes. */
static void rewrite_ip(const struct nm_tso *t, uint32_t i, uint32_t seg_len, uint8_t *out)
{
	const struct nm_pkt_info *in = &t->info;
	uint8_t *iph = out + in->l3_off;
	uint32_t l3_bytes = in->l3_len + in->l4_hdr_len + seg_len;

	if (in->l3_proto == 4) {
		uint16_t tot0 = nm_csum_ld16(iph + 2), id0 = nm_csum_ld16(iph + 4);
		uint16_t c;

		wr16(iph + 2, (uint16_t)l3_bytes);
		wr16(iph + 4, (uint16_t)(in->ip_id + i));
		/* RFC 1624: patch the template's checksum for the two fields. */
		c = nm_csum_replace16(t->ip_check0, tot0, nm_csum_ld16(iph + 2));
		c = nm_csum_replace16(c, id0, nm_csum_ld16(iph + 4));
		nm_csum_st16(iph + 10, c);
	} else {
		wr16(iph + 4, (uint16_t)(l3_bytes - 40));
	}
}

int nm_tso_segment(const struct nm_tso *t, uint32_t i, uint32_t payload_sum, unsigned flags,
		   uint8_t *out, uint32_t out_cap, struct nm_tso_seg *seg)
{
	const struct nm_pkt_info *in;
	uint32_t off = 0, len = 0, l4len, pseudo;
	uint8_t *l4, *check;
	int ret;

	if (!t || !out || !seg)
		return nm_err(EINVAL, "tso_segment: NULL argument");
	if (flags & ~(unsigned)NM_TSO_CSUM_PARTIAL)
		return nm_err(EINVAL, "tso_segment: flags 0x%x", flags);
	ret = nm_tso_seg_range(t, i, &off, &len);
	if (ret)
		return ret;
	if (out_cap < t->hdr_len)
		return nm_err(EINVAL, "tso_segment: %u-byte buffer for a %u-byte header", out_cap,
			      t->hdr_len);
	in = &t->info;
	memcpy(out, t->hdr, t->hdr_len);
	rewrite_ip(t, i, len, out);

	l4 = out + in->l4_off;
	l4len = in->l4_hdr_len + len;
	if (in->l4_proto == NM_IPPROTO_TCP) {
		uint8_t fl = in->tcp_flags;

		wr32(l4 + 4, in->tcp_seq + i * t->gso_size);
		if (i + 1 < t->nr_segs)
			fl &= (uint8_t)~(NM_TCP_FIN | NM_TCP_PSH);
		if (i > 0)
			fl &= (uint8_t)~NM_TCP_CWR;
		l4[13] = fl;
	} else {
		wr16(l4 + 4, (uint16_t)l4len);
	}

	if (in->l3_proto == 4)
		pseudo = nm_csum_pseudo_v4(in->src_addr + 12, in->dst_addr + 12, in->l4_proto,
					   l4len);
	else
		pseudo = nm_csum_pseudo_v6(in->src_addr, in->dst_addr, in->l4_proto, l4len);
	check = l4 + t->l4_field;
	if (flags & NM_TSO_CSUM_PARTIAL) {
		/* CHECKSUM_PARTIAL: the folded pseudo-header sum, uncomplemented */
		nm_csum_st16(check, (uint16_t)~nm_csum_fold(pseudo));
	} else {
		uint32_t s;
		uint16_t c;

		nm_csum_st16(check, 0);
		s = nm_csum_partial(l4, in->l4_hdr_len, pseudo);
		/* L4 headers are a multiple of 4 bytes: the payload starts even */
		c = nm_csum_fold(nm_csum_add(s, payload_sum));
		if (c == 0 && in->l4_proto == NM_IPPROTO_UDP)
			c = 0xffff;
		nm_csum_st16(check, c);
	}

	seg->index = i;
	seg->payload_off = off;
	seg->payload_len = len;
	seg->hdr_len = t->hdr_len;
	seg->frame_len = t->hdr_len + len;
	seg->csum_start = (uint16_t)in->l4_off;
	seg->csum_offset = t->l4_field;
	seg->last = i + 1 == t->nr_segs;
	return 0;
}
