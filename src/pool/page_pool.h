/* SPDX-License-Identifier: MIT */
#ifndef NM_POOL_PAGE_POOL_H
#define NM_POOL_PAGE_POOL_H

/*
 * Page pool: the buffers of one RX queue (the library's side; what the
 * control plane reports is in include/netmem/page_pool.h).
 *
 * A pool hands out netmems (nm_netmem_t) of one buffer size that are already
 * DMA-mapped for its device, and takes them back for reuse.  Buffers come
 * from a memory provider (memory_provider.h): host pages by default, or
 * net_iovs of a dma-buf binding (device memory).
 *
 * Threads.  A pool is owned by one thread, its stack thread: only that
 * thread allocates, puts with allow_direct, checks, and destroys it.  Any
 * thread may drop references (put without allow_direct, unref, ref); a
 * buffer whose last reference is dropped elsewhere goes back through a
 * lock-free return ring that the owner drains when its cache runs empty.
 *
 * Lifetime.  nm_page_pool_destroy() gives every idle buffer back to the
 * provider.  Buffers still held (by sockets, tokens, another thread) keep
 * the pool's memory alive; each goes straight back to the provider when
 * released, and the last one frees the pool, whichever thread drops it.
 * After destroy the pool pointer may only be used to put netmems that still
 * hold references.
 *
 * Calling order: create -> (alloc | alloc_frag | put | ...)* -> destroy.
 */

#include <stdbool.h>
#include <stdint.h>

#include <netmem/dma.h>
#include <netmem/page_pool.h>

#include "pool/netmem_ref.h"


#ifdef __cplusplus
extern "C" {
#endif

struct nm_page_pool;
struct nm_device;
struct nm_memory_provider_ops;

/* Buffer sizes for host pages: NM_PAGE_SIZE << order. */
#define NM_PP_MAX_ORDER		4		/* 64 KiB */
/* Return ring capacity: default and limit (like the kernel's 32768). */
#define NM_PP_DEFAULT_POOL_SIZE	1024
#define NM_PP_MAX_POOL_SIZE	32768

struct nm_page_pool_params {
	/* Device that DMAs into the buffers: required for host pages (they
	 * are mapped for it); for a dmabuf provider NULL or the binding's. */
	struct nm_device *dev;
	/* Host buffers are NM_PAGE_SIZE << order bytes (0..NM_PP_MAX_ORDER).
	 * A provider with its own size (dmabuf: the binding's net_iov size)
	 * takes order 0 or the matching order. */
	uint32_t order;
	/* Return ring capacity, rounded up to a power of two; 0 = default. */
	uint32_t pool_size;
	enum nm_dma_dir dir;		/* of the buffers' DMA mappings */
	uint32_t flags;			/* must be 0 */
	uint32_t queue_idx;		/* RX queue the pool serves (reported) */
	/* Memory provider; NULL = host pages (nm_mp_host_ops). */
	const struct nm_memory_provider_ops *mp_ops;
	void *mp_priv;			/* the provider's argument */
};

/* ---- Lifetime ----------------------------------------------------------- */

int nm_page_pool_create(const struct nm_page_pool_params *params,
			struct nm_page_pool **out);

/* Caller must own the pool.  Returns 0 when the pool was freed at once,
 * 1 when buffers are still in flight (the last one frees it). */
int nm_page_pool_destroy(struct nm_page_pool *pool);

/* ---- Allocation: caller must own the pool (its stack thread) ------------- */

/* One whole buffer with one reference.  -ENOMEM when the cache, the ring and
 * the provider are all empty (stat alloc_empty/alloc_fail). */
int nm_page_pool_alloc_netmem(struct nm_page_pool *pool, nm_netmem_t *out);

/* Up to n whole buffers; returns how many (>= 1) or -errno if none. */
int nm_page_pool_alloc_netmems(struct nm_page_pool *pool, nm_netmem_t *out,
			       unsigned int n);

/*
 * A fragment of size bytes (1 .. buffer size): *out is the buffer and
 * *offset the fragment's start in it.  Fragments are carved one after the
 * other from the pool's current buffer, unaligned, so 1448-byte payloads
 * pack 2 per 4 KiB buffer and 45 per 64 KiB.  Each fragment holds one
 * reference; the buffer recycles when every fragment has been put.
 */
int nm_page_pool_alloc_frag(struct nm_page_pool *pool, uint32_t size,
			    nm_netmem_t *out, uint32_t *offset);

/* ---- References: any thread -------------------------------------------- */

/* Drop one reference.  At zero the buffer is recycled: with allow_direct
 * (only the owner thread may pass true) into the alloc cache, else into the
 * return ring; when that is full, or the pool is destroyed, it goes back to
 * the provider.  -EINVAL for 0, a foreign pool's netmem, or one that holds
 * no reference. */
int nm_page_pool_put_netmem(struct nm_page_pool *pool, nm_netmem_t nm, bool allow_direct);

/* Take one more reference on a netmem that holds at least one (a token, a
 * cloned frag).  Returns the new count or -errno. */
long nm_page_pool_ref_netmem(nm_netmem_t nm);

/* Drop nr references (nr >= 1, at most the count) without recycling;
 * returns the remaining count.  At 0 the caller owns the buffer and must
 * hand it back with nm_page_pool_put_unrefed_netmem(). */
long nm_page_pool_unref_netmem(nm_netmem_t nm, long nr);

/* Recycle a buffer whose count the caller brought to 0 (see above). */
int nm_page_pool_put_unrefed_netmem(struct nm_page_pool *pool, nm_netmem_t nm,
				    bool allow_direct);

/* Make the CPU see what the device wrote to [off, off + len) of nm (a sync
 * of its DMA mapping).  Any thread holding a reference. */
int nm_page_pool_dma_sync_for_cpu(struct nm_page_pool *pool, nm_netmem_t nm,
				  uint32_t off, uint32_t len);

/* ---- Queries -------------------------------------------------------------- */

/* Any thread; counters are snapshots. */
int nm_page_pool_get_stats(const struct nm_page_pool *pool, struct nm_page_pool_stats *st);

/*
 * Buffers handed out and not yet returned: taken from the provider and
 * neither in the cache, nor in the ring, nor the pool's current fragment
 * buffer with no fragment out.  Exact on the owner thread once other
 * threads are quiet; 0 means every reference came back.
 */
int64_t nm_page_pool_inflight(const struct nm_page_pool *pool);

uint32_t nm_page_pool_buf_size(const struct nm_page_pool *pool);	/* 0 on NULL */
/* Buffers sitting idle in the pool (alloc cache and return ring), ready
 * to hand out without asking the provider.  Owner thread; -errno. */
int64_t nm_page_pool_idle(const struct nm_page_pool *pool);
/* Bytes of buffers the pool can still hand out: its idle buffers plus what
 * its provider can still give it (the provider's mem_avail op).
 * UINT64_MAX when the provider sets no limit (host pages), 0 on NULL.
 * Owner thread, O(1). */
uint64_t nm_page_pool_mem_avail(struct nm_page_pool *pool);
/* A unique id (never 0) assigned at create, like the kernel's pool id. */
uint32_t nm_page_pool_id(const struct nm_page_pool *pool);

int nm_page_pool_get_info(const struct nm_page_pool *pool, struct nm_page_pool_info *info);

/* Debug checker (caller must own the pool; exact when other threads are
 * quiet): walks the cache, the ring and the counters.  0, or -EUCLEAN with
 * the first broken invariant in nm_last_error(). */
int nm_page_pool_check(const struct nm_page_pool *pool);

#ifdef __cplusplus
}
#endif
#endif /* NM_POOL_PAGE_POOL_H */
