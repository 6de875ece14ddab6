/* SPDX-License-Identifier: MIT */
#ifndef NM_T_XPROC_H
#define NM_T_XPROC_H

/*
 * Two hosts in two processes (xproc.c): A (198.18.0.1, t_mac_a) creates
 * an shm wire by name, B (198.18.0.2, t_mac_b) connects to it; each host
 * has a PCI topology of its own (nic0) and runs its stack in its process.
 *
 * t_xp_devmem() is the whole cross-process devmem transfer: the caller
 * (A) forks B, sends r->total bytes of the stream pattern (t_util.h) with
 * devmem TX (SCM_DEVMEM_DMABUF + MSG_ZEROCOPY from a memfd dma-buf bound
 * for TX), B receives them with devmem RX (a memfd dma-buf bound to its
 * queue 0), checking every byte through its CPU-access window, and both
 * report their wire counters.  Every completion arrives in order, and at
 * the end both topologies are destroyed (nothing mapped, nothing held).
 *
 *	struct t_xp_run r = { .total = 256 << 20, .wp = &wp };
 *	t_xp_devmem(&r);
 *	T_ASSERT(r.wa.tx_refs > 0);
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <netmem/wire.h>

#include "nic/wire_shm.h"
#include "t_devmem.h"
#include "t_wire.h"

struct t_xp {
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_host *h;
	struct nm_netdev *nd;
	struct nm_stack *st;
	struct nm_wire *w;		/* the host's */
};

/* A (creator, with wp) or B (connector) on wire name. */
void t_xp_up(struct t_xp *x, const char *name, bool creator, const struct nm_wire_shm_params *wp);
/* The host (stack, netdev, wire), then the topology: -EBUSY there (a test
 * failure) while anything still uses the NIC. */
void t_xp_down(struct t_xp *x);
/* One pass of the stack; when it did nothing, a sleep of up to 1 ms. */
void t_xp_poll(struct t_xp *x);

/* Fork the peer process, which runs child(arg, to_a, from_a) (its ends
 * of two pipes) and exits with its result; the caller gets the other
 * ends, *from_b and *to_b, and a wire name of its own in name. */
pid_t t_xp_fork(int (*child)(void *arg, int to_a, int from_a), void *arg, int *from_b,
		int *to_b, char name[64]);

/* Connect to wire name, retrying while its creator does not listen yet. */
struct nm_wire *t_xp_connect(const char *name);
/* One byte from fd (a pipe), which must be want, within 10 s. */
void t_xp_expect(int fd, char want);
/* A reference's release for tests: counts calls in *(int *)arg. */
void t_xp_count(void *arg);

/* For tests of references: skip (77) where NM_SHM_REFS=0 turns them off. */
#define T_XP_NEED_REFS() T_NEED_SHM_REFS()

/* A memory object over a memfd of size bytes, byte i being byte(tag, i),
 * sealed against shrinking or not (the object keeps its own fd). */
struct nm_memobj *t_xp_memfd_obj(uint64_t size, bool sealed, uint8_t (*byte)(uint32_t, uint64_t),
				 uint32_t tag);

struct t_xp_run {
	/* in */
	uint64_t total;			/* bytes A sends B */
	const struct nm_wire_shm_params *wp;	/* A's wire (NULL: ring 4096, arena 32 MiB, MTU 9000) */
	bool b_no_refs;			/* B connects with NM_SHM_REFS=0 */
	/* B can open no more files once it listens (RLIMIT_NOFILE at its
	 * lowest free descriptor): A's memfds do not reach it (MSG_CTRUNC) */
	bool b_no_fds;
	/* > 0: B stops reading once it has this many bytes, and A kills it
	 * (SIGKILL) while frames referencing its memory wait unread; A must
	 * get every reference back */
	uint64_t kill_at;
	int timeout_s;			/* 0: 120 */
	bool no_check;			/* B does not read the bytes (a benchmark:
					 * t_dm_rx_take) */
	/* out */
	struct nm_wire_stats wa, wb;	/* A's wire, B's (sent back by B) */
	uint64_t us;			/* the transfer's time */
	int refs_at_kill;		/* A's slots holding references when B died */
};

void t_xp_devmem(struct t_xp_run *r);

#endif
