/* SPDX-License-Identifier: MIT */
#ifndef NM_NIC_TSO_H
#define NM_NIC_TSO_H

/*
 * TSO / USO: cut a TCP (or UDP) super-frame into frames of at most gso_size
 * payload bytes, the way a NIC does it.
 *
 * The payload may lie in device memory that only the DMA engine may touch,
 * so this code never reads it.  It produces, per segment, the segment's
 * header bytes and says which payload bytes follow them; the NIC moves the
 * payload itself (DMA read into the wire buffer, or an iovec) and supplies
 * the payload's partial checksum (nm_csum_partial over exactly those bytes,
 * which the DMA engine can compute on the way):
 *
 *	struct nm_tso t;
 *	nm_tso_prepare(&t, hdr, hdr_avail, frame_len, meta->gso_type, meta->gso_size);
 *	for (uint32_t i = 0; i < t.nr_segs; i++) {
 *		uint32_t off, len;
 *		nm_tso_seg_range(&t, i, &off, &len);        // super-frame bytes
 *		sum = <DMA-read payload [off, off+len) to buf + t.hdr_len, summing>;
 *		nm_tso_segment(&t, i, sum, 0, buf, cap, &seg);  // header into buf
 *		xmit(buf, seg.frame_len);
 *	}
 *
 * Each segment's header is a pure function of (super-frame header, index,
 * payload sum), so segments may be built in any order or in parallel.
 *
 * Rewrites per segment (like Linux tcp_gso_segment / a NIC's TSO):
 *  - IPv4: total length; id = id + index; header checksum (RFC 1624
 *    incremental update from the template's).
 *  - IPv6: payload length (extension headers are copied).
 *  - TCP: sequence number advanced by the payload before it; FIN and PSH
 *    only on the last segment, CWR only on the first; checksum.
 *  - UDP (USO): length; checksum (0 is sent as 0xffff).
 */

#include <stdbool.h>
#include <stdint.h>

#include <netmem/wire.h>

#include "nic/pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* nm_tso_segment() flags */
#define NM_TSO_CSUM_PARTIAL	0x1	/* leave the L4 checksum to the peer: store the
					 * pseudo-header sum (NEEDS_CSUM, csum_start/offset
					 * in the segment); payload_sum is ignored */

struct nm_tso {
	struct nm_pkt_info info;	/* the super-frame's headers, parsed */
	const uint8_t *hdr;		/* caller's header bytes: must outlive t */
	uint32_t hdr_len;		/* Ethernet + IP + L4 header (= info.payload_off) */
	uint32_t payload_len;		/* super-frame payload bytes */
	uint32_t gso_size;
	uint32_t nr_segs;
	uint8_t gso_type;		/* enum nm_wire_gso */
	uint8_t l4_field;		/* checksum field offset from l4_off */
	uint16_t ip_check0;		/* IPv4: checksum of the template header */
};

struct nm_tso_seg {
	uint32_t index;
	uint32_t payload_off;		/* offset in the super-frame of its payload */
	uint32_t payload_len;
	uint32_t hdr_len;		/* header bytes written to out */
	uint32_t frame_len;		/* hdr_len + payload_len */
	uint16_t csum_start;		/* NM_TSO_CSUM_PARTIAL: the L4 header's offset... */
	uint16_t csum_offset;		/* ...and its checksum field's offset within it */
	bool last;
};

/*
 * Parse and check a super-frame of frame_len bytes whose first hdr_avail
 * bytes (at least all its headers) are readable at hdr.  gso_type and
 * gso_size as in struct nm_wire_meta: NM_WIRE_GSO_TCPV4 (TCP/IPv4),
 * NM_WIRE_GSO_TCPV6 (TCP/IPv6), NM_WIRE_GSO_UDP_L4 (UDP over either).
 * Returns 0 with t->nr_segs >= 1; -EINVAL for a frame that is not what the
 * type says, malformed, a fragment, SYN/RST, with no payload or bytes after
 * the IP packet, gso_size 0; -EOPNOTSUPP for UFO (NM_WIRE_GSO_UDP) or an
 * IPv6 routing header with segments left.
 */
int nm_tso_prepare(struct nm_tso *t, const uint8_t *hdr, uint32_t hdr_avail, uint32_t frame_len,
		   uint8_t gso_type, uint16_t gso_size);

/* Super-frame byte range of segment i's payload.  0, or -EINVAL. */
int nm_tso_seg_range(const struct nm_tso *t, uint32_t i, uint32_t *payload_off,
		     uint32_t *payload_len);

/*
 * Write segment i's header (t->hdr_len bytes) to out (out_cap >= hdr_len)
 * and describe the segment in *seg.  payload_sum is nm_csum_partial(seed 0)
 * of the segment's payload bytes unless NM_TSO_CSUM_PARTIAL.
 * 0, or -EINVAL (index, buffer, flags).
 */
int nm_tso_segment(const struct nm_tso *t, uint32_t i, uint32_t payload_sum, unsigned flags,
		   uint8_t *out, uint32_t out_cap, struct nm_tso_seg *seg);

#ifdef __cplusplus
}
#endif
#endif /* NM_NIC_TSO_H */
