/* SPDX-License-Identifier: MIT */
#ifndef NM_POOL_INTERNAL_H
#define NM_POOL_INTERNAL_H

/*
 * Internals of the pool/ layer: the page pool's struct, its return ring and
 * the helpers its files share.
 *
 * Page pool invariants (checked by nm_page_pool_check()):
 *  1. Every netmem in the cache or the ring has desc.pp == pool and
 *     pp_ref_count == 0, appears once, and is not the fragment buffer.
 *  2. hold_cnt - release_cnt = buffers taken from the provider and not given
 *     back = refs - 1 while the pool is alive (refs - 0 once destroyed):
 *     every such buffer holds one pool reference, the owner holds one.
 *  3. The fragment buffer, if any, has pp_ref_count =
 *     NM_PP_FRAG_BIAS - frag_users + (fragments still out) and
 *     frag_offset <= buf_size.
 *  4. After destroy the ring is closed (NM_PP_RING_CLOSED in ring_tail) and
 *     empty, the cache is empty, and nothing is added to either again.
 */

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>


#include "pool/memory_provider.h"
#include "pool/page_pool.h"
#include "util/err.h"

#define NM_CACHELINE 64

/* desc.pp_flags: the buffer sits in the pool (cache, ring) or went back to
 * the provider; cleared when it is handed out.  Catches a second
 * nm_page_pool_put_unrefed_netmem() of the same buffer. */
#define NM_PP_F_IDLE		1u

/* The alloc cache takes a refill from the ring or the provider
 * (NM_PP_REFILL) and, above all, a burst of direct recycles: a devmem
 * application returns a whole recvmsg's tokens at once (hundreds of
 * buffers).  Spilled into the FIFO ring, they made every buffer of the
 * pool cycle, a working set past L2 that the NIC then wrote cold; kept
 * LIFO here, the same few MiB are reused hot (docs/pool.md has the
 * figures). */
#define NM_PP_CACHE_SIZE	1024
#define NM_PP_REFILL		64

#define NM_PP_MAGIC		0x6e6d7070u	/* "nmpp": alive */
#define NM_PP_MAGIC_DEAD	0x64656164u	/* "dead": destroyed, buffers out */
#define NM_PP_MAGIC_INIT	0x696e6974u	/* "init": inside the provider's init */

/* The pool's share of a fragment buffer's count while it carves it: large
 * enough that fragments can never exhaust it. */
#define NM_PP_FRAG_BIAS		(LONG_MAX / 2)

/* Set in ring_tail when the ring is closed (pool destroyed). */
#define NM_PP_RING_CLOSED	(1ULL << 63)

struct nm_pp_cell {
	atomic_ullong seq;
	nm_netmem_t nm;
};

struct nm_page_pool {
	/* ---- read-mostly: set at create, read by every thread ---- */
	atomic_uint magic;
	uint32_t buf_size;
	uint64_t ring_mask;
	struct nm_pp_cell *ring;
	const struct nm_memory_provider_ops *mp_ops;
	atomic_bool destroyed;

	/* ---- hot, written by the owner thread only ---- */
	_Alignas(NM_CACHELINE) uint32_t cache_count;
	uint32_t frag_offset;
	uint64_t ring_head;		/* consumer position */
	nm_netmem_t frag_nm;		/* buffer being carved, 0 if none */
	long frag_users;		/* fragments carved from it */
	/* single-writer counters: relaxed load + store, no RMW */
	atomic_ullong st_alloc_fast, st_alloc_slow, st_alloc_empty, st_alloc_refill;
	atomic_ullong st_alloc_fail, st_alloc_frag, st_recycle_cached, st_recycle_cache_full;
	atomic_ullong hold_cnt;
	nm_netmem_t cache[NM_PP_CACHE_SIZE];

	/* ---- shared by the producers of the return ring ---- */
	_Alignas(NM_CACHELINE) atomic_ullong ring_tail;

	/* ---- cross-thread, slow paths ---- */
	_Alignas(NM_CACHELINE) atomic_long refs;
	atomic_ullong release_cnt, release_kept, st_ring_full, st_released_refcnt;

	/* ---- cold ---- */
	_Alignas(NM_CACHELINE) struct nm_page_pool_params params;
	uint32_t id;
	uint32_t ring_size;
	void *mp_priv;
	void *mp_state;
	bool in_init;
	uint64_t detach_time_ns;
};

/* Single-writer counter bump: a plain add, visible to relaxed readers. */
static inline void nm_pp_stat_add(atomic_ullong *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

static inline uint64_t nm_pp_load(const atomic_ullong *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Descriptors are 8-byte aligned: bits 1-2 of a netmem are always 0. */
#define NM_NETMEM_BAD_BITS	((uintptr_t)6)

/* nm is non-zero, aligned, and its descriptor's magic matches its tag. */
static inline bool nm_netmem_magic_ok(nm_netmem_t nm)
{
	/* the expected magic without a branch on the tag */
	uint32_t want = NM_NETMEM_MAGIC_PAGE ^
			((uint32_t)(nm & NM_NETMEM_NIOV_BIT) *
			 (NM_NETMEM_MAGIC_PAGE ^ NM_NETMEM_MAGIC_NIOV));

	return nm && !(nm & NM_NETMEM_BAD_BITS) && nm_netmem_to_desc(nm)->magic == want;
}

/* Pools are cache-line aligned: anything else is not a pool. */
static inline bool nm_pp_ptr_ok(const struct nm_page_pool *pool)
{
	return pool && !((uintptr_t)pool & (NM_CACHELINE - 1));
}

/* ---- Return ring: bounded MPSC (Vyukov), closable --------------------------
 *
 * Cell i starts with seq = i.  A producer owns position pos once it moves
 * ring_tail from pos to pos + 1 while cell[pos & mask].seq == pos; it writes
 * the netmem and publishes seq = pos + 1.  The consumer (the owner) takes
 * cell[head] when its seq == head + 1 and frees it for the next lap with
 * seq = head + size.  Closing sets NM_PP_RING_CLOSED in ring_tail: producers
 * then fail, and the consumer knows exactly which positions were taken.
 */

/* Any thread.  0, -ENOSPC (full) or -EPIPE (closed). */
static inline int nm_pp_ring_push(struct nm_page_pool *pool, nm_netmem_t nm)
{
	uint64_t pos = atomic_load_explicit(&pool->ring_tail, memory_order_relaxed);

	for (;;) {
		struct nm_pp_cell *c;
		int64_t dif;

		if (nm_unlikely(pos & NM_PP_RING_CLOSED))
			return -EPIPE;
		c = &pool->ring[pos & pool->ring_mask];
		dif = (int64_t)(atomic_load_explicit(&c->seq, memory_order_acquire) - pos);
		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(&pool->ring_tail, &pos, pos + 1,
								  memory_order_relaxed,
								  memory_order_relaxed)) {
				c->nm = nm;
				atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
				return 0;
			}
		} else if (dif < 0) {
			return -ENOSPC;
		} else {
			pos = atomic_load_explicit(&pool->ring_tail, memory_order_relaxed);
		}
	}
}

/* Owner thread: take up to n published netmems. */
static inline unsigned int nm_pp_ring_pop(struct nm_page_pool *pool, nm_netmem_t *out,
					  unsigned int n)
{
	uint64_t pos = pool->ring_head;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct nm_pp_cell *c = &pool->ring[pos & pool->ring_mask];

		if (atomic_load_explicit(&c->seq, memory_order_acquire) != pos + 1)
			break;
		out[i] = c->nm;
		atomic_store_explicit(&c->seq, pos + pool->ring_mask + 1, memory_order_release);
		pos++;
	}
	pool->ring_head = pos;
	return i;
}

/* Positions taken by producers so far (published or not). */
static inline uint64_t nm_pp_ring_tail(const struct nm_page_pool *pool)
{
	return atomic_load_explicit(&pool->ring_tail, memory_order_acquire) &
	       ~NM_PP_RING_CLOSED;
}

/* ---- Shared between the pool's files ----------------------------------- */

/* page_pool.c: give nm back to the provider and drop its pool reference
 * (the pool may be freed on return).  Any thread. */
void nm__pp_release_netmem(struct nm_page_pool *pool, nm_netmem_t nm);

/* pp_recycle.c: put a netmem whose count is 0 back (cache, ring or
 * provider). */
int nm__pp_recycle(struct nm_page_pool *pool, nm_netmem_t nm, bool allow_direct);

/* pp_recycle.c: drop nr references; returns the remaining count or -errno. */
long nm__pp_unref(nm_netmem_t nm, long nr);

/* pp_alloc.c: give the fragment buffer's bias back (owner thread). */
void nm__pp_frag_drain(struct nm_page_pool *pool);

/* Validate a pool argument of an owner-thread entry point. */
int nm__pp_check_alive(const struct nm_page_pool *pool);

#endif /* NM_POOL_INTERNAL_H */
