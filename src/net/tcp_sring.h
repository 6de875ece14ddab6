/* SPDX-License-Identifier: MIT */
#ifndef NM_NET_TCP_SRING_H
#define NM_NET_TCP_SRING_H

/*
 * The send ring's memory (tcp_sring.c): one host memory object mapped for
 * the NIC, counted by the tcb whose ring it is and by every segment whose
 * payload a wire still references there (shm with references: the peer's
 * NIC copies it, or lends it to the peer's recv, docs/nic.md).
 *
 * A referenced segment's bytes must not be rewritten until the wire gives
 * it back, which may be long after the peer acknowledged them (a lent
 * payload waits for the peer's application).  So the ring also counts its
 * referenced segments by generation, each with the lowest sequence number
 * it holds, and the tcb does not write over the lowest one.  A ring that
 * grows or a connection that ends drops the tcb's count only: the memory
 * lives until its last segment comes back.
 *
 * Invariants (nm_tcp_sring_check):
 *  1. refs == (tp != NULL) + the segments held counts.
 *  2. Each generation's mark is at or below the start of every segment
 *     it counts (struct nm_tcp_gens).
 * Everything runs on the stack thread of the tcb that made it.
 */

#include <stdbool.h>
#include <stdint.h>

#include "net/tcp.h"

struct nm_device;
struct nm_dma_mapping;
struct nm_memobj;
struct nm_skb;
struct nm_tcp_sock;

struct nm_tcp_sring {
	uint32_t refs;
	struct nm_memobj *obj;
	struct nm_dma_mapping *map;
	struct nm_tcp_sock *tp;		/* whose ring it is (NULL once dropped) */
	struct nm_tcp_gens held;	/* segments carrying its bytes */
	bool blocked;			/* the tcb waits for held bytes back */
};

/* A ring of size bytes mapped for dev, counted once (the tcb's). */
int nm_tcp_sring_new(struct nm_device *dev, uint32_t size, struct nm_tcp_sring **out);
/* The tcb lets go of its ring (grown, or the connection ended). */
void nm_tcp_sring_drop(struct nm_tcp_sring *r);
/* skb carries ring bytes from seq on: it counts in r until freed. */
void nm_tcp_sring_hold(struct nm_tcp_sring *r, struct nm_skb *skb, uint32_t seq);
/* The lowest sequence number a referenced segment holds: false if none. */
bool nm_tcp_sring_held_low(const struct nm_tcp_sring *r, uint32_t *seq);
int nm_tcp_sring_check(const struct nm_tcp_sring *r);

#endif
