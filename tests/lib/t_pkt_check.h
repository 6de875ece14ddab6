/* SPDX-License-Identifier: MIT */
#ifndef NM_T_PKT_CHECK_H
#define NM_T_PKT_CHECK_H

/*
 * One frame through every function of the nic/ packet code that reads
 * outside bytes, with the oracles that must hold whatever the bytes are:
 * nm_pkt_parse (the layout invariants of pkt.h, or -EBADMSG with a drop
 * reason), the checksum verifiers (full and split agree), RSS and ntuple,
 * the header-only parse (with the bytes past hdr_avail really absent: the
 * same answer once the headers fit) and TSO of whatever parsed as TCP/UDP
 * (each segment parses and carries a good checksum).
 *
 * Shared by t_nic_pkt_fuzz (random mutations of the seeds below) and
 * fuzz/fuzz_pkt_parse.c (coverage-guided), which pick the free choices
 * (struct t_pkt_pick) from their own randomness.
 */
#include <errno.h>
#include <stdlib.h>

#include "nic/csum.h"
#include "nic/ntuple.h"
#include "nic/rss.h"
#include "nic/tso.h"
#include "t_frame.h"
#include "t_util.h"

/* The choices an exercise leaves open; any values are fine (reduced mod
 * what applies to the frame). */
struct t_pkt_pick {
	uint32_t split;			/* where the split checksum splits */
	uint32_t avail;			/* header bytes the header-only parse sees */
	uint8_t tso_type;
	uint16_t tso_mss;
};

struct t_pkt_counts {
	long reasons[NM_PKT_REASON_MAX];
	long csum_res[5];		/* OK, NONE, BADMSG, OPNOTSUPP, other */
	long tso_ok, tso_segs, hdr_parses;
};

/* The tables exercised: RSS over 8 queues, an ntuple rule steering TCP4
 * port 80 to queue 1 and one dropping UDP6. */
struct t_pkt_tables {
	struct nm_rss rss;
	struct nm_ntuple_table *nt;
};

void t_pkt_tables_init(struct t_pkt_tables *t);

void t_pkt_tables_fini(struct t_pkt_tables *t);

/* Calls add(frame, len, ctx) for each seed frame: TCP/UDP/ICMP over IPv4
 * and IPv6 with options, extension headers, fragments, VLAN tags,
 * padding, ARP and an unknown ethertype. */
void t_pkt_seed_frames(void (*add)(const uint8_t *f, uint32_t len, void *ctx), void *ctx);

void t_pkt_check_parsed(uint32_t len, const struct nm_pkt_info *in);

void t_pkt_check_csum(const uint8_t *f, uint32_t len, const struct nm_pkt_info *in,
		      const struct t_pkt_pick *pk, struct t_pkt_counts *c);

/* Header-only parse with the bytes after hdr_avail really absent. */
void t_pkt_check_hdr(const uint8_t *f, uint32_t len, const struct nm_pkt_info *in,
		     const struct t_pkt_pick *pk, struct t_pkt_counts *c);

/* TSO on whatever parsed as TCP/UDP: every segment parses, checksum good. */
void t_pkt_check_tso(const uint8_t *f, uint32_t len, const struct nm_pkt_info *in,
		     const struct t_pkt_pick *pk, struct t_pkt_counts *c);

/* The frame must lie in a buffer of exactly len bytes (reads past it are
 * ASan reports). */
void t_pkt_exercise(const uint8_t *f, uint32_t len, const struct t_pkt_pick *pk,
		    const struct t_pkt_tables *tb, struct t_pkt_counts *c);

#endif
