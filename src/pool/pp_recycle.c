/* SPDX-License-Identifier: MIT */
/*
 * Page pool references and recycling.
 *
 * pp_ref_count is an atomic long per buffer.  Dropping references reads it
 * first: when it equals the amount dropped the caller holds every reference,
 * nobody else can touch the count, and a plain store of 0 replaces the
 * atomic read-modify-write (the common case: one packet, one reference).
 * Otherwise an atomic subtract decides who dropped the last one.  A count
 * that would go below zero is a double put and is refused.
 *
 * A buffer whose count reaches zero is recycled: into the alloc cache when
 * the caller is the owner thread (allow_direct), else into the return ring;
 * a full ring or a destroyed pool sends it back to the provider.
 *
 * Workload: one put per consumed payload, from the stack thread (direct)
 * or from application threads returning tokens (the ring).
 */
#include "pool/pool_internal.h"

static inline long nm_pp_count_load(const struct nm_netmem_desc *d)
{
	return atomic_load_explicit(&d->pp_ref_count, memory_order_acquire);
}

long nm__pp_unref(nm_netmem_t nm, long nr)
{
	struct nm_netmem_desc *d = nm_netmem_to_desc(nm);
	long c = nm_pp_count_load(d), old;

	if (nm_likely(c == nr)) {
		atomic_store_explicit(&d->pp_ref_count, 0, memory_order_relaxed);
		return 0;
	}
	if (nm_unlikely(c < nr))
		return nm_err(EINVAL, "netmem %#lx holds %ld references, dropping %ld",
			      (unsigned long)nm, c, nr);
	old = atomic_fetch_sub_explicit(&d->pp_ref_count, nr, memory_order_acq_rel);
	if (nm_unlikely(old < nr)) {
		/* another thread dropped references we thought held: undo */
		atomic_fetch_add_explicit(&d->pp_ref_count, nr, memory_order_relaxed);
		return nm_err(EINVAL, "netmem %#lx: concurrent double put (count %ld, "
			      "dropping %ld)", (unsigned long)nm, old, nr);
	}
	return old - nr;
}

/* Inlined into the put fast path; nm__pp_recycle() for the other files. */
static inline __attribute__((always_inline)) int
nm_pp_recycle(struct nm_page_pool *pool, nm_netmem_t nm, bool allow_direct)
{
	int r;

	nm_netmem_to_desc(nm)->pp_flags |= NM_PP_F_IDLE;
	if (allow_direct) {
		if (nm_unlikely(atomic_load_explicit(&pool->destroyed, memory_order_relaxed)))
			goto release_destroyed;
		if (nm_likely(pool->cache_count < NM_PP_CACHE_SIZE)) {
			pool->cache[pool->cache_count++] = nm;
			nm_pp_stat_add(&pool->st_recycle_cached, 1);
			return 0;
		}
		nm_pp_stat_add(&pool->st_recycle_cache_full, 1);
	}
	r = nm_pp_ring_push(pool, nm);
	if (nm_likely(r == 0))
		return 0;
	if (r == -ENOSPC) {
		atomic_fetch_add_explicit(&pool->st_ring_full, 1, memory_order_relaxed);
		nm__pp_release_netmem(pool, nm);
		return 0;
	}
release_destroyed:
	atomic_fetch_add_explicit(&pool->st_released_refcnt, 1, memory_order_relaxed);
	nm__pp_release_netmem(pool, nm);	/* may free the pool */
	return 0;
}

int nm__pp_recycle(struct nm_page_pool *pool, nm_netmem_t nm, bool allow_direct)
{
	return nm_pp_recycle(pool, nm, allow_direct);
}

/* A netmem argument: non-zero, a descriptor of the kind its tag says, and
 * (when pool is given) one of pool's. */
static int nm_pp_check_netmem(const struct nm_page_pool *pool, nm_netmem_t nm,
			      bool need_pool)
{
	if (need_pool && !pool)
		return nm_err(EINVAL, "pool is NULL");
	if (!nm)
		return nm_err(EINVAL, "netmem is 0");
	if (nm & NM_NETMEM_BAD_BITS)
		return nm_err(EINVAL, "%#lx is not a netmem (misaligned)",
			      (unsigned long)nm);
	if (!nm_netmem_magic_ok(nm))
		return nm_err(EINVAL, "%#lx is not a netmem (bad magic)",
			      (unsigned long)nm);
	if (need_pool && nm_netmem_pool(nm) != pool)
		return nm_err(EINVAL, "netmem %#lx belongs to pool %p, not %p",
			      (unsigned long)nm, (void *)nm_netmem_pool(nm), (const void *)pool);
	if (!need_pool && !nm_netmem_pool(nm))
		return nm_err(EINVAL, "netmem %#lx is not in a pool", (unsigned long)nm);
	return 0;
}

int nm_page_pool_put_netmem(struct nm_page_pool *pool, nm_netmem_t nm, bool allow_direct)
{
	struct nm_netmem_desc *d = nm_netmem_to_desc(nm);

	if (nm_unlikely(!pool || !nm_netmem_magic_ok(nm) || d->pp != pool))
		return nm_pp_check_netmem(pool, nm, true);
	if (nm_likely(nm_pp_count_load(d) == 1))
		atomic_store_explicit(&d->pp_ref_count, 0, memory_order_relaxed);
	else {
		long left = nm__pp_unref(nm, 1);

		if (left != 0)
			return left < 0 ? (int)left : 0;
	}
	return nm_pp_recycle(pool, nm, allow_direct);
}

long nm_page_pool_ref_netmem(nm_netmem_t nm)
{
	struct nm_netmem_desc *d;
	long c;
	int r = nm_pp_check_netmem(NULL, nm, false);

	if (r)
		return r;
	d = nm_netmem_to_desc(nm);
	c = nm_pp_count_load(d);
	if (c <= 0)
		return nm_err(EINVAL, "netmem %#lx holds no reference",
			      (unsigned long)nm);
	if (c >= LONG_MAX - 1)
		return nm_err(EOVERFLOW, "netmem %#lx count overflow",
			      (unsigned long)nm);
	return atomic_fetch_add_explicit(&d->pp_ref_count, 1, memory_order_relaxed) + 1;
}

long nm_page_pool_unref_netmem(nm_netmem_t nm, long nr)
{
	int r = nm_pp_check_netmem(NULL, nm, false);

	if (r)
		return r;
	if (nr < 1)
		return nm_err(EINVAL, "nr %ld < 1", nr);
	return nm__pp_unref(nm, nr);
}

int nm_page_pool_put_unrefed_netmem(struct nm_page_pool *pool, nm_netmem_t nm,
				    bool allow_direct)
{
	long c;
	int r = nm_pp_check_netmem(pool, nm, true);

	if (r)
		return r;
	c = nm_pp_count_load(nm_netmem_to_desc(nm));
	if (c != 0)
		return nm_err(EINVAL, "netmem %#lx still holds "
			      "%ld references", (unsigned long)nm, c);
	if (nm_netmem_to_desc(nm)->pp_flags & NM_PP_F_IDLE)
		return nm_err(EINVAL, "netmem %#lx is already "
			      "back in the pool (double put)", (unsigned long)nm);
	return nm__pp_recycle(pool, nm, allow_direct);
}

int nm_page_pool_dma_sync_for_cpu(struct nm_page_pool *pool, nm_netmem_t nm, uint32_t off,
				  uint32_t len)
{
	struct nm_dma_mapping *map;
	uint64_t base;
	int r = nm_pp_check_netmem(pool, nm, true);

	if (r)
		return r;
	if (len == 0 || off > pool->buf_size || len > pool->buf_size - off)
		return nm_err(EINVAL, "[%u, +%u) outside a %u-byte buffer", off, len,
			      pool->buf_size);
	if (nm_netmem_is_net_iov(nm)) {
		const struct nm_net_iov *niov = nm_netmem_to_net_iov(nm);

		map = niov->owner->map;
		base = niov->owner->map_offset +
		       ((uint64_t)nm_net_iov_idx(niov) << niov->owner->niov_shift);
	} else {
		map = nm_netmem_to_page(nm)->map;
		base = nm_netmem_to_page(nm)->map_off;
	}
	if (!map)
		return nm_err(EINVAL, "netmem %#lx has no DMA mapping", (unsigned long)nm);
	r = nm_dma_sync_for_cpu(map, base + off, len);
	return r < 0 ? r : 0;
}
