/* SPDX-License-Identifier: MIT */
#ifndef NM_T_WIRE_H
#define NM_T_WIRE_H

/*
 * Wires on the test bed (wire.c): one frame in, one frame out; and for
 * the shm wire tests, frames that carry their sequence number and a
 * pattern derived from it, so a receiver can tell which frame it got and
 * whether its bytes are intact, sent in runs through the fault injector.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <netmem/wire.h>

#include "nic/wire_drv.h"
#include "nic/wire_shm.h"

#include "t_util.h"

/* Send one linear frame (meta NULL: none); nm_wire_xmit()'s result
 * (-EAGAIN when the ring is full). */
int t_wire_send(struct nm_wire *w, const uint8_t *f, uint32_t len, const struct nm_wire_meta *meta);
/* Receive one frame; nm_wire_rx_copy()'s result (-EAGAIN when none). */
int t_wire_recv(struct nm_wire *w, uint8_t *buf, uint32_t cap, struct nm_wire_meta *meta);
/* In main(): skip (77) when NM_SHM_REFS=0 turns references off. */
#define T_NEED_SHM_REFS()                                                    \
	do {                                                                 \
		if (!nm__shm_refs_env()) {                                   \
			printf("SKIP: NM_SHM_REFS=0 turns references off\n"); \
			return 77;                                           \
		}                                                            \
	} while (0)

/* The next frame as the NIC takes it (nm_wire_rx, no buffers offered: a
 * lending wire); fails the test if there is none. */
void t_wire_rx(struct nm_wire *w, struct nm_wire_frame *f);

/* Bytes 0..7: seq; the rest a function of (seq, index). */
uint8_t t_wpat(uint64_t seq, uint32_t i);

void t_wfill(uint8_t *buf, uint32_t len, uint64_t seq);
uint64_t t_wseq(const uint8_t *buf);
/* Number of bits in which buf differs from frame seq of length len. */
unsigned t_wbitdiff(const uint8_t *buf, uint32_t len, uint64_t seq);

uint64_t t_wstat_total_inj(const struct nm_wire_stats *s);

/* Both directions of wp: 1 % loss, 1 % reordering, 0.5 % duplication,
 * seeded seed (a -> b) and seed + 1 (b -> a). */
void t_wfaults_lossy(struct nm_wire_shm_params *wp, uint64_t seed);

/* ---- fault runs ------------------------------------------------------ */

/* One delivered frame: its sequence number (from bytes 0..7, which a
 * corruption may hit) and its bit distance from the frame it claims to be. */
struct t_wgot {
	uint64_t seq;
	uint32_t len;
	uint32_t bitdiff;
	uint32_t bitdiff_pos;		/* from frame number <position delivered> */
};

struct t_wrun {
	struct t_wgot *got;
	size_t ngot;
	struct nm_wire_stats tx;	/* sender's stats */
};

uint32_t t_wlen(uint64_t seq);

/* Send n frames a->b through a pair with faults[0] = *f, receiving after
 * every send; flush and drain at the end. */
void t_wfault_run(const struct nm_wire_faults *f, uint64_t n, struct t_wrun *run);

/* Reorder/delay: every frame arrives once, and each late one (a frame
 * with a higher number arrived first) after exactly `after` frames that
 * were not held (fewer only for the last ones, which the final flush
 * releases).  Returns the number of late frames. */
uint64_t t_wcheck_holds(const struct t_wrun *run, uint64_t n, uint32_t after);

/* |observed/n - rate| within tol (absolute, in probability). */
void t_wrate_ok(const char *what, uint64_t observed, uint64_t n, double rate, double tol);

#endif
