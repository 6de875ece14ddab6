/* SPDX-License-Identifier: MIT */
/*
 * Internet checksum (RFC 1071): the sum primitive, pseudo-headers,
 * incremental update (RFC 1624), and verify/fill for parsed frames, both
 * "full compute" and "partial completion" (virtio NEEDS_CSUM).
 *
 * Invariants:
 *  1. Sums are host-order ones-complement accumulators (see csum.h); the
 *     sum of any byte range is independent of the buffer's alignment.
 *  2. Functions that take a parsed frame check that the offsets in info lie
 *     inside the bytes given before touching them, so a stale or forged info
 *     is -EINVAL, never an out-of-bounds access.
 *
 * Workload: nm_csum_partial runs over every payload byte the NIC verifies
 * or fills (up to 64 KiB per TSO super-frame), so it is the only loop that
 * matters: 64-bit loads into 128-bit accumulators (the carries collect in
 * the high halves; add/adc on x86-64), two independent chains, 32 bytes per
 * iteration.  Everything else is per packet and touches a few header words.
 */
#include <string.h>

#include "nic/csum.h"
#include "util/err.h"

static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* 64 -> 32 bits, keeping the ones-complement value (2^32 == 1 mod 0xffff). */
static inline uint32_t fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

static inline uint64_t fold128(unsigned __int128 a)
{
	uint64_t lo = (uint64_t)a, hi = (uint64_t)(a >> 64);
	uint64_t s = lo + hi;

	return s + (s < lo);
}

uint32_t nm_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	unsigned __int128 a0 = sum, a1 = 0;
	uint64_t s;

	if (nm_unlikely(!p && len)) {
		nm_err(EINVAL, "NULL buffer of %zu bytes", len);
		return sum;
	}
	while (len >= 32) {
		a0 += ld64(p);
		a1 += ld64(p + 8);
		a0 += ld64(p + 16);
		a1 += ld64(p + 24);
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		a0 += ld64(p);
		p += 8;
		len -= 8;
	}
	if (len) {
		/* The tail padded with zeros after it: an odd last byte is the
		 * first byte of a word whose second byte is 0 (RFC 1071). */
		uint64_t t = 0;

		memcpy(&t, p, len);
		a1 += t;
	}
	s = fold128(a0);
	return nm_csum_add(fold64(s), fold64(fold128(a1)));
}

/* 4 KiB: a chunk and its source stay in a 32 KiB L1 while it is summed. */
#define NM_CSUM_COPY_CHUNK	4096u

uint32_t nm_csum_copy_iov(const struct iovec *dst, unsigned dn, const struct iovec *src,
			  unsigned sn, size_t len, bool sum)
{
	size_t doff = 0, soff = 0, done = 0;
	unsigned di = 0, si = 0;
	uint32_t s = 0;

	while (done < len && di < dn && si < sn) {
		size_t k = dst[di].iov_len - doff;
		uint8_t *d = (uint8_t *)dst[di].iov_base + doff;

		if (src[si].iov_len - soff < k)
			k = src[si].iov_len - soff;
		if (len - done < k)
			k = len - done;
		if (k > NM_CSUM_COPY_CHUNK)
			k = NM_CSUM_COPY_CHUNK;
		memcpy(d, (const uint8_t *)src[si].iov_base + soff, k);
		if (sum)
			s = nm_csum_block_add(s, nm_csum_partial(d, k, 0), done);
		done += k;
		doff += k;
		soff += k;
		if (doff == dst[di].iov_len) {
			di++;
			doff = 0;
		}
		if (soff == src[si].iov_len) {
			si++;
			soff = 0;
		}
	}
	return s;
}

uint16_t nm_csum(const void *buf, size_t len)
{
	return nm_csum_fold(nm_csum_partial(buf, len, 0));
}

uint32_t nm_csum_pseudo_v4(const uint8_t saddr[4], const uint8_t daddr[4], uint8_t proto,
			   uint32_t len)
{
	/* zero, protocol, 16-bit length: two words, as they would lie in memory */
	uint8_t tail[4] = { 0, proto, (uint8_t)(len >> 8), (uint8_t)len };
	uint64_t s = (uint64_t)ld32(saddr) + ld32(daddr) + ld32(tail);

	return fold64(s);
}

uint32_t nm_csum_pseudo_v6(const uint8_t saddr[16], const uint8_t daddr[16], uint8_t proto,
			   uint32_t len)
{
	/* 32-bit length, three zero bytes, next header (RFC 8200 8.1) */
	uint8_t tail[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			    (uint8_t)len, 0, 0, 0, proto };
	uint64_t s = 0;

	for (int i = 0; i < 16; i += 4)
		s += (uint64_t)ld32(saddr + i) + ld32(daddr + i);
	s += (uint64_t)ld32(tail) + ld32(tail + 4);
	return fold64(s);
}

uint16_t nm_csum_replace16(uint16_t check, uint16_t old, uint16_t new_)
{
	/* HC' = ~(~HC + ~m + m') */
	uint32_t s = (uint32_t)(uint16_t)~check + (uint16_t)~old + new_;

	return nm_csum_fold(s);
}

uint16_t nm_csum_replace32(uint16_t check, uint32_t old, uint32_t new_)
{
	uint32_t s = (uint32_t)(uint16_t)~check + (uint16_t)~old + (uint16_t)~(old >> 16) +
		     (new_ & 0xffff) + (new_ >> 16);

	return nm_csum_fold(s);
}

/* ---- parsed frames -------------------------------------------------------- */

int nm_csum_l4_field(const struct nm_pkt_info *info)
{
	if (!info)
		return nm_err(EINVAL, "NULL info");
	if (info->l4_hdr_len == 0)
		return nm_err(EOPNOTSUPP, "no L4 header parsed (%s, protocol %u)",
			      nm_pkt_reason_name(info->drop_reason), info->l4_proto);
	switch (info->l4_proto) {
	case NM_IPPROTO_TCP:
		return 16;
	case NM_IPPROTO_UDP:
		return 6;
	case NM_IPPROTO_ICMP:
	case NM_IPPROTO_ICMPV6:
		return 2;
	}
	return nm_err(EOPNOTSUPP, "protocol %u has no checksum here", info->l4_proto);
}

/*
 * Check that info describes L4 bytes [l4_off, l3_end) of a frame whose
 * first avail bytes are readable here and whose L4 header lies among them.
 * Returns the checksum field's offset from l4_off.
 */
static int check_l4(const struct nm_pkt_info *info, uint32_t avail)
{
	int field;

	if (info->l3_proto != 4 && info->l3_proto != 6)
		return nm_err(EOPNOTSUPP, "not an IP frame");
	field = nm_csum_l4_field(info);
	if (field < 0)
		return field;
	if (info->l3_end > info->len || info->l4_off > info->l3_end ||
	    info->l3_end - info->l4_off < info->l4_hdr_len ||
	    info->l4_off + info->l4_hdr_len > avail || (uint32_t)field + 2 > info->l4_hdr_len)
		return nm_err(EINVAL, "info offsets (l4 %u+%u, end %u) do not fit %u bytes",
			      info->l4_off, info->l4_hdr_len, info->l3_end, info->len);
	if (info->l3_proto == 6 && info->ipv6_rh_segs_left)
		return nm_err(EOPNOTSUPP, "routing header with %u segments left",
			      info->ipv6_rh_segs_left);
	return field;
}

static uint32_t pseudo(const struct nm_pkt_info *info)
{
	uint32_t l4len = info->l3_end - info->l4_off;

	if (info->l4_proto == NM_IPPROTO_ICMP)
		return 0;		/* ICMPv4 covers the message only */
	if (info->l3_proto == 4)
		return nm_csum_pseudo_v4(info->src_addr + 12, info->dst_addr + 12,
					 info->l4_proto, l4len);
	return nm_csum_pseudo_v6(info->src_addr, info->dst_addr, info->l4_proto, l4len);
}

/* Sum of frame bytes [l4_off, l3_end): hdr bytes up to hdr_len, then
 * payload_sum for the rest. */
static uint32_t l4_sum(const uint8_t *hdr, uint32_t hdr_len, const struct nm_pkt_info *info,
		       uint32_t payload_sum)
{
	uint32_t n = hdr_len - info->l4_off;
	uint32_t s = nm_csum_partial(hdr + info->l4_off, n, pseudo(info));

	return nm_csum_block_add(s, payload_sum, n);
}

__attribute__((cold, noinline))
static int bad_csum(const struct nm_pkt_info *info, uint16_t field, uint16_t residue)
{
	return nm_err(EBADMSG, "bad %s checksum 0x%04x (residue 0x%04x)",
		      info->l4_proto == NM_IPPROTO_TCP   ? "TCP"
		      : info->l4_proto == NM_IPPROTO_UDP ? "UDP"
							 : "ICMP",
		      field, residue);
}

static int verify(const uint8_t *hdr, uint32_t hdr_len, const struct nm_pkt_info *info,
		  uint32_t payload_sum, int field)
{
	uint16_t have = nm_csum_ld16(hdr + info->l4_off + (uint32_t)field);
	uint16_t r;

	if (info->l4_proto == NM_IPPROTO_UDP && have == 0) {
		if (info->l3_proto == 4)
			return NM_CSUM_NONE;
		return nm_err(EBADMSG, "UDP over IPv6 with checksum 0");
	}
	r = nm_csum_fold(l4_sum(hdr, hdr_len, info, payload_sum));
	if (nm_unlikely(r != 0))
		return bad_csum(info, have, r);
	return NM_CSUM_OK;
}

int nm_csum_l4_verify(const uint8_t *frame, uint32_t len, const struct nm_pkt_info *info)
{
	int field;

	if (!frame || !info)
		return nm_err(EINVAL, "NULL %s", frame ? "info" : "frame");
	if (info->len != len)
		return nm_err(EINVAL, "info is for %u bytes, frame has %u",
			      info->len, len);
	field = check_l4(info, len);
	if (field < 0)
		return field;
	return verify(frame, info->l3_end, info, 0, field);
}

static int check_split(const uint8_t *hdr, uint32_t hdr_len, const struct nm_pkt_info *info)
{
	int field;

	if (!hdr || !info)
		return nm_err(EINVAL, "NULL %s", hdr ? "info" : "hdr");
	field = check_l4(info, hdr_len);
	if (field < 0)
		return field;
	if (hdr_len < info->l4_off + info->l4_hdr_len || hdr_len > info->l3_end)
		return nm_err(EINVAL, "header length %u outside [%u, %u]", hdr_len,
			      info->l4_off + info->l4_hdr_len, info->l3_end);
	return field;
}

int nm_csum_l4_verify_split(const uint8_t *hdr, uint32_t hdr_len,
			    const struct nm_pkt_info *info, uint32_t payload_sum)
{
	int field = check_split(hdr, hdr_len, info);

	if (field < 0)
		return field;
	return verify(hdr, hdr_len, info, payload_sum, field);
}

static void fill(uint8_t *hdr, uint32_t hdr_len, const struct nm_pkt_info *info,
		 uint32_t payload_sum, int field)
{
	uint8_t *check = hdr + info->l4_off + (uint32_t)field;
	uint16_t c;

	nm_csum_st16(check, 0);
	c = nm_csum_fold(l4_sum(hdr, hdr_len, info, payload_sum));
	if (c == 0 && info->l4_proto == NM_IPPROTO_UDP)
		c = 0xffff;		/* 0 means "no checksum" for UDP */
	nm_csum_st16(check, c);
}

int nm_csum_l4_fill(uint8_t *frame, uint32_t len, const struct nm_pkt_info *info)
{
	int field;

	if (!frame || !info)
		return nm_err(EINVAL, "NULL %s", frame ? "info" : "frame");
	if (info->len != len)
		return nm_err(EINVAL, "info is for %u bytes, frame has %u",
			      info->len, len);
	field = check_l4(info, len);
	if (field < 0)
		return field;
	fill(frame, info->l3_end, info, 0, field);
	return 0;
}

int nm_csum_l4_fill_split(uint8_t *hdr, uint32_t hdr_len, const struct nm_pkt_info *info,
			  uint32_t payload_sum)
{
	int field = check_split(hdr, hdr_len, info);

	if (field < 0)
		return field;
	fill(hdr, hdr_len, info, payload_sum, field);
	return 0;
}

static int check_ipv4(const uint8_t *frame, uint32_t len, const struct nm_pkt_info *info)
{
	if (!frame || !info)
		return nm_err(EINVAL, "NULL %s", frame ? "info" : "frame");
	if (info->l3_proto != 4)
		return nm_err(EINVAL, "not an IPv4 frame");
	if (info->l3_len < 20 || info->l3_len > 60 || info->l3_off > len ||
	    info->l3_len > len - info->l3_off)
		return nm_err(EINVAL, "IPv4 header %u+%u outside %u bytes",
			      info->l3_off, info->l3_len, len);
	return 0;
}

int nm_csum_ipv4_verify(const uint8_t *frame, uint32_t len, const struct nm_pkt_info *info)
{
	int r = check_ipv4(frame, len, info);
	uint16_t res;

	if (r)
		return r;
	res = nm_csum(frame + info->l3_off, info->l3_len);
	if (nm_unlikely(res != 0))
		return nm_err(EBADMSG, "bad IPv4 header checksum 0x%04x (residue 0x%04x)",
			      nm_csum_ld16(frame + info->l3_off + 10), res);
	return 0;
}

int nm_csum_ipv4_fill(uint8_t *frame, uint32_t len, const struct nm_pkt_info *info)
{
	int r = check_ipv4(frame, len, info);
	uint8_t *iph;

	if (r)
		return r;
	iph = frame + info->l3_off;
	nm_csum_st16(iph + 10, 0);
	nm_csum_st16(iph + 10, nm_csum(iph, info->l3_len));
	return 0;
}

/* ---- partial completion (NEEDS_CSUM) -------------------------------------- */

static int check_partial(const uint8_t *buf, uint32_t len, uint32_t start, uint32_t off)
{
	if (!buf)
		return nm_err(EINVAL, "NULL frame");
	if (start > len || off > len - start || len - start - off < 2)
		return nm_err(EINVAL, "field at %u+%u outside %u bytes", start, off, len);
	return 0;
}

int nm_csum_partial_complete(uint8_t *frame, uint32_t len, uint32_t csum_start,
			     uint32_t csum_offset)
{
	int r = check_partial(frame, len, csum_start, csum_offset);
	uint16_t c;

	if (r)
		return r;
	c = nm_csum(frame + csum_start, len - csum_start);
	nm_csum_st16(frame + csum_start + csum_offset, c ? c : 0xffff);
	return 0;
}

int nm_csum_partial_complete_split(uint8_t *hdr, uint32_t hdr_len, uint32_t csum_start,
				   uint32_t csum_offset, uint32_t payload_sum)
{
	int r = check_partial(hdr, hdr_len, csum_start, csum_offset);
	uint32_t s;
	uint16_t c;

	if (r)
		return r;
	s = nm_csum_partial(hdr + csum_start, hdr_len - csum_start, 0);
	c = nm_csum_fold(nm_csum_block_add(s, payload_sum, hdr_len - csum_start));
	nm_csum_st16(hdr + csum_start + csum_offset, c ? c : 0xffff);
	return 0;
}
