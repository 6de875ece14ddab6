/* SPDX-License-Identifier: MIT */
#ifndef NM_T_CORRUPT_UTIL_H
#define NM_T_CORRUPT_UTIL_H

/*
 * Accounting for a stream through a wire whose fault injector corrupts
 * frames (one bit of one byte each): what each end counted, and how many
 * corrupted frames may get past every check.
 */
#include "t_util.h"
#include <netmem/netdev.h>
#include <netmem/stack.h>
#include <netmem/wire.h>

struct t_end_stats {
	struct nm_wire_stats wire;	/* the sender's endpoint counts its faults */
	struct nm_queue_stats nic;
	struct nm_stack_stats st;
};

static inline void t_end_stats_get(struct t_end_stats *s, struct nm_wire *w,
				   struct nm_netdev *nd, struct nm_stack *st)
{
	T_OK(nm_wire_get_stats(w, &s->wire));
	T_OK(nm_netdev_get_stats(nd, &s->nic));
	T_OK(nm_stack_get_stats(st, &s->st));
}

/* Frames the receiving stack's Ethernet layer dropped (the flip hit the
 * destination MAC or the ethertype). */
static inline uint64_t t_eth_drops(const struct nm_stack_stats *s)
{
	return s->eth_bad + s->eth_not_ours + s->eth_unknown_type + s->eth_vlan_dropped;
}

/*
 * Of `corrupted` frames, how many may pass every check: a flip in the
 * source MAC, which nothing verifies.  48 bits of the frame, so at most 1
 * flip in 9 for the shortest (54-byte) frame; the expectation plus three
 * standard deviations and a little.  More than that got through a check.
 */
static inline uint64_t t_corrupt_unchecked_bound(uint64_t corrupted)
{
	uint64_t mean = corrupted / 9, r = 0;

	while ((r + 1) * (r + 1) <= mean)
		r++;
	return mean + 3 * r + 3;
}

#endif
