/* SPDX-License-Identifier: MIT */
#ifndef NM_T_CSUM_UTIL_H
#define NM_T_CSUM_UTIL_H

/*
 * Checksums of the frames tests and fuzz harnesses build by hand: fill
 * the IPv4 header checksum and the L4 one (TCP, UDP, ICMP, ICMPv6) with
 * the NIC's own functions, as far as the frame parses.
 */
#include <stdbool.h>
#include <stdint.h>

#include "nic/csum.h"
#include "nic/pkt.h"

/* Whether the frame parsed (then its checksums are right). */
static inline bool t_fill_csums(uint8_t *f, uint32_t len)
{
	struct nm_pkt_info info;

	if (nm_pkt_parse(f, len, &info) != 0)
		return false;
	if (info.l3_proto == 4)
		nm_csum_ipv4_fill(f, len, &info);
	if (info.l4_hdr_len)
		nm_csum_l4_fill(f, len, &info);
	return true;
}

#endif
