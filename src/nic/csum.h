/* SPDX-License-Identifier: MIT */
#ifndef NM_NIC_CSUM_H
#define NM_NIC_CSUM_H

/*
 * Internet checksums (RFC 1071) for the NIC's checksum offload and TSO.
 *
 * Byte order: sums are computed on 16-bit words loaded in host order, which
 * is valid in either byte order (RFC 1071 2(B)): a 16-bit result written to
 * memory as is (nm_csum_st16) is the checksum in network order.  So every
 * "sum" below is an opaque 32-bit ones-complement accumulator, and every
 * uint16_t checksum is a raw value as it lies in memory (load it with
 * nm_csum_ld16, not with a byte swap).
 *
 *	sum  = nm_csum_partial(buf, len, 0);       32-bit, unfolded
 *	sum  = nm_csum_add(sum, other_sum);        combine (both at even offsets)
 *	sum  = nm_csum_block_add(sum, s2, off);    s2 summed from byte off
 *	csum = nm_csum_fold(sum);                  ~fold16(sum): the field value
 *
 * A region whose sum (including its checksum field) folds to 0 is valid.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "nic/pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Primitives (no argument can be invalid: pure arithmetic) ------------ */

/* Ones-complement sum of len bytes at buf (any alignment, any length),
 * added to sum.  A NULL buf with len > 0 records an error and returns sum. */
uint32_t nm_csum_partial(const void *buf, size_t len, uint32_t sum);

/*
 * Copy len bytes from the src pieces to the dst pieces (scatter-gather on
 * both sides) and, with sum, return the ones-complement sum of the bytes
 * copied (seed 0, from the first byte).  One pass over memory: the copy
 * goes in chunks that stay in the L1 cache and each chunk is summed right
 * after it landed, so the payload is streamed once, not twice (copy, then
 * a second read to verify).  The pieces must hold len bytes each side.
 */
uint32_t nm_csum_copy_iov(const struct iovec *dst, unsigned dn, const struct iovec *src,
			  unsigned sn, size_t len, bool sum);

/* Fold to 16 bits and complement: the value for a checksum field. */
static inline uint16_t nm_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ones-complement addition of two sums. */
static inline uint32_t nm_csum_add(uint32_t a, uint32_t b)
{
	uint32_t s = a + b;

	return s + (s < a);
}

/* Add sum2, computed over bytes that start at byte offset off of the region
 * sum covers: an odd offset swaps the bytes of each 16-bit word. */
static inline uint32_t nm_csum_block_add(uint32_t sum, uint32_t sum2, size_t off)
{
	if (off & 1)
		sum2 = (sum2 >> 8) | (sum2 << 24);
	return nm_csum_add(sum, sum2);
}

/* Checksum of a whole buffer: nm_csum_fold(nm_csum_partial(buf, len, 0)). */
uint16_t nm_csum(const void *buf, size_t len);

/* Raw 16-bit loads/stores of checksum fields and the fields they cover. */
static inline uint16_t nm_csum_ld16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static inline void nm_csum_st16(void *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/*
 * Pseudo-header sums (unfolded).  Addresses as on the wire; proto and len
 * (the upper-layer length: L4 header + payload) in host order.
 */
uint32_t nm_csum_pseudo_v4(const uint8_t saddr[4], const uint8_t daddr[4], uint8_t proto,
			   uint32_t len);
uint32_t nm_csum_pseudo_v6(const uint8_t saddr[16], const uint8_t daddr[16], uint8_t proto,
			   uint32_t len);

/*
 * Incremental update (RFC 1624 eqn. 3) of a checksum field after a 16- or
 * 32-bit field it covers changed from old to new.  All values raw, as
 * loaded with memcpy (nm_csum_ld16).  Used for header rewrites (TSO's IPv4
 * total length and id).
 */
uint16_t nm_csum_replace16(uint16_t check, uint16_t old, uint16_t new_);
uint16_t nm_csum_replace32(uint16_t check, uint32_t old, uint32_t new_);

/* ---- Parsed frames (receive: verify; transmit: fill) --------------------- */

/* nm_csum_l4_verify() results besides -errno. */
#define NM_CSUM_OK	0	/* checksum present and correct */
#define NM_CSUM_NONE	1	/* UDP over IPv4 with checksum 0: nothing to verify */

/*
 * IPv4 header checksum of a frame parsed by nm_pkt_parse (info, with len the
 * same frame length).  0 if correct, -EBADMSG if not, -EINVAL if the frame
 * is not IPv4 or info does not describe a frame of len bytes.
 */
int nm_csum_ipv4_verify(const uint8_t *frame, uint32_t len, const struct nm_pkt_info *info);
/* Compute and store it.  Same arguments; 0 or -EINVAL. */
int nm_csum_ipv4_fill(uint8_t *frame, uint32_t len, const struct nm_pkt_info *info);

/*
 * L4 checksum (TCP, UDP, ICMP over IPv4; TCP, UDP, ICMPv6 over IPv6) of a
 * parsed frame, over l4_off .. l3_end (padding excluded).
 * Returns NM_CSUM_OK, NM_CSUM_NONE (UDP/IPv4 checksum 0), -EBADMSG (wrong;
 * also UDP/IPv6 with checksum 0, which RFC 8200 forbids), -EOPNOTSUPP when
 * the frame cannot be verified (no L4 header parsed: fragment, unknown
 * protocol; or an IPv6 routing header with segments left, whose final
 * destination the pseudo-header needs), -EINVAL for bad arguments.
 */
int nm_csum_l4_verify(const uint8_t *frame, uint32_t len, const struct nm_pkt_info *info);

/*
 * Same, for a frame whose bytes from hdr_len on are not readable here
 * (device memory): payload_sum = nm_csum_partial over frame bytes
 * [hdr_len, info->l3_end), seed 0, computed by whoever can read them (the
 * DMA engine).  info->payload_off <= hdr_len <= info->l3_end and hdr holds
 * the first hdr_len bytes of the frame.
 */
int nm_csum_l4_verify_split(const uint8_t *hdr, uint32_t hdr_len,
			    const struct nm_pkt_info *info, uint32_t payload_sum);

/*
 * Transmit, full compute: ignore what the checksum field holds, compute the
 * L4 checksum (pseudo-header included) and store it.  A UDP result of 0 is
 * stored as 0xffff.  0, -EOPNOTSUPP (no L4 header to fill, or routing
 * header as above), -EINVAL.
 */
int nm_csum_l4_fill(uint8_t *frame, uint32_t len, const struct nm_pkt_info *info);
int nm_csum_l4_fill_split(uint8_t *hdr, uint32_t hdr_len, const struct nm_pkt_info *info,
			  uint32_t payload_sum);

/*
 * Transmit, partial completion (virtio NEEDS_CSUM / Linux CHECKSUM_PARTIAL):
 * the sender left the folded, uncomplemented pseudo-header sum in the field
 * at csum_start + csum_offset; sum from csum_start to the end of the frame
 * and store the folded result there (0 becomes 0xffff, like Linux).  Needs
 * no parse.  0, or -EINVAL if the field does not lie inside the frame.
 */
int nm_csum_partial_complete(uint8_t *frame, uint32_t len, uint32_t csum_start,
			     uint32_t csum_offset);
/* Same with the bytes from hdr_len on elsewhere, summarized by payload_sum
 * (seed 0, from frame byte hdr_len); the field must lie in hdr. */
int nm_csum_partial_complete_split(uint8_t *hdr, uint32_t hdr_len, uint32_t csum_start,
				   uint32_t csum_offset, uint32_t payload_sum);

/* Offset of the L4 checksum field from l4_off (TCP 16, UDP 6, ICMP 2), or
 * -EOPNOTSUPP if info has no L4 header with a checksum. */
int nm_csum_l4_field(const struct nm_pkt_info *info);

#ifdef __cplusplus
}
#endif
#endif /* NM_NIC_CSUM_H */
