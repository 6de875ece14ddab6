/* SPDX-License-Identifier: MIT */
/*
 * Page pool allocation: whole buffers and fragments.
 *
 * Fast path: pop the alloc cache, a plain array owned by the pool's thread
 * (no atomics beyond setting the buffer's count).  Slow path, once per
 * NM_PP_REFILL buffers: refill the cache from the return ring, else from the
 * provider in bulk.  Fragments are carved from one buffer at a time; the
 * pool takes a large bias on the buffer's count up front, so handing out a
 * fragment is an increment of a pool-local counter, and only the fragments'
 * puts touch the shared count.
 *
 * Workload: one alloc per received packet (the NIC's RX ring refill), one
 * fragment per payload of a header-split queue; both on the stack thread.
 * Caller must own the pool (its stack thread) for everything here.
 */
#include "pool/pool_internal.h"

/* Hand a buffer out: it holds v references and is no longer idle. */
static inline void nm_pp_set_count(nm_netmem_t nm, long v)
{
	struct nm_netmem_desc *d = nm_netmem_to_desc(nm);

	atomic_store_explicit(&d->pp_ref_count, v, memory_order_relaxed);
	d->pp_flags &= ~NM_PP_F_IDLE;
}

/*
 * Check what the provider handed over and make it ours.  A buffer that
 * already names this pool is one of ours coming back through the provider
 * (a refill ring: its count was brought to 0 by nm_page_pool_unref_netmem());
 * it is still held, so it is not counted again.
 */
static int nm_pp_adopt(struct nm_page_pool *pool, const nm_netmem_t *nms, int n)
{
	int fresh = 0;

	for (int i = 0; i < n; i++) {
		struct nm_netmem_desc *d;

		if (!nm_netmem_magic_ok(nms[i]))
			return nm_err(EUCLEAN, "page_pool %u: provider %s returned a bad netmem "
				      "%#lx", pool->id, pool->mp_ops->name, (unsigned long)nms[i]);
		d = nm_netmem_to_desc(nms[i]);
		if (atomic_load_explicit(&d->pp_ref_count, memory_order_acquire) != 0 ||
		    (d->pp && d->pp != pool))
			return nm_err(EUCLEAN, "page_pool %u: provider %s returned netmem %#lx "
				      "that is in use", pool->id, pool->mp_ops->name,
				      (unsigned long)nms[i]);
		if (!d->pp) {
			d->pp = pool;
			fresh++;
		}
		d->pp_flags |= NM_PP_F_IDLE;	/* into the cache */
	}
	nm_pp_stat_add(&pool->hold_cnt, (uint64_t)fresh);
	atomic_fetch_add_explicit(&pool->refs, fresh, memory_order_relaxed);
	return 0;
}

/* Cache is empty: refill it.  Returns how many buffers it now holds (> 0)
 * or -errno. */
static int nm_pp_refill(struct nm_page_pool *pool)
{
	unsigned int n;
	int r;

	nm_pp_stat_add(&pool->st_alloc_slow, 1);
	n = nm_pp_ring_pop(pool, pool->cache, NM_PP_REFILL);
	if (n) {
		nm_pp_stat_add(&pool->st_alloc_refill, n);
		pool->cache_count = n;
		return (int)n;
	}
	nm_pp_stat_add(&pool->st_alloc_empty, 1);
	r = pool->mp_ops->alloc_netmems(pool, pool->cache, NM_PP_REFILL);
	if (r < 0) {
		nm_pp_stat_add(&pool->st_alloc_fail, 1);
		return nm_err_wrap(r, "page_pool %u: provider %s", pool->id, pool->mp_ops->name);
	}
	if (r > NM_PP_REFILL)
		return nm_err(EUCLEAN, "page_pool %u: provider %s returned %d > %d buffers",
			      pool->id, pool->mp_ops->name, r, NM_PP_REFILL);
	if (r == 0) {
		nm_pp_stat_add(&pool->st_alloc_fail, 1);
		return nm_err(ENOMEM, "page_pool %u: out of buffers (cache, ring and provider "
			      "%s are empty)", pool->id, pool->mp_ops->name);
	}
	int a = nm_pp_adopt(pool, pool->cache, r);
	if (a)
		return a;
	pool->cache_count = (uint32_t)r;
	return r;
}

static int nm_pp_bad_alloc(const struct nm_page_pool *pool)
{
	int r = nm__pp_check_alive(pool);

	if (r)
		return r;
	return nm_err(EINVAL, "out is NULL");
}

/* One buffer with count 1: the cache, else a refill. */
static inline int nm_pp_get_one(struct nm_page_pool *pool, nm_netmem_t *out)
{
	nm_netmem_t nm;

	uint32_t n = pool->cache_count;

	if (nm_likely(n)) {
		nm = pool->cache[--n];
		pool->cache_count = n;
		nm_pp_set_count(nm, 1);
		*out = nm;
		nm_pp_stat_add(&pool->st_alloc_fast, 1);
		return 0;
	}
	n = (uint32_t)nm_pp_refill(pool);
	if ((int)n < 0)
		return (int)n;
	nm = pool->cache[--n];
	pool->cache_count = n;
	nm_pp_set_count(nm, 1);
	*out = nm;
	return 0;
}

int nm_page_pool_alloc_netmem(struct nm_page_pool *pool, nm_netmem_t *out)
{
	if (nm_unlikely(!nm_pp_ptr_ok(pool) || !out ||
			atomic_load_explicit(&pool->magic, memory_order_relaxed) != NM_PP_MAGIC))
		return nm_pp_bad_alloc(pool);
	return nm_pp_get_one(pool, out);
}

int nm_page_pool_alloc_netmems(struct nm_page_pool *pool, nm_netmem_t *out, unsigned int n)
{
	unsigned int got = 0;

	if (!nm_pp_ptr_ok(pool) || !out ||
	    atomic_load_explicit(&pool->magic, memory_order_relaxed) != NM_PP_MAGIC)
		return nm_pp_bad_alloc(pool);
	if (n == 0)
		return nm_err(EINVAL, "n is 0");
	while (got < n) {
		unsigned int take, slow = 0;

		if (!pool->cache_count) {
			int r = nm_pp_refill(pool);

			if (r < 0)
				return got ? (int)got : r;
			slow = 1;	/* the first buffer counts as the slow one */
		}
		take = n - got < pool->cache_count ? n - got : pool->cache_count;
		nm_pp_stat_add(&pool->st_alloc_fast, take - slow);
		for (unsigned int i = 0; i < take; i++) {
			nm_netmem_t nm = pool->cache[--pool->cache_count];

			nm_pp_set_count(nm, 1);
			out[got++] = nm;
		}
	}
	return (int)got;
}

/* ---- Fragments ------------------------------------------------------------- */

void nm__pp_frag_drain(struct nm_page_pool *pool)
{
	nm_netmem_t nm = pool->frag_nm;
	long left;

	if (!nm)
		return;
	pool->frag_nm = 0;
	left = nm__pp_unref(nm, NM_PP_FRAG_BIAS - pool->frag_users);
	if (left == 0)
		nm__pp_recycle(pool, nm, true);
}

static int nm_pp_alloc_frag_slow(struct nm_page_pool *pool, uint32_t size,
				 nm_netmem_t *out, uint32_t *offset)
{
	nm_netmem_t nm;
	int r;

	nm__pp_frag_drain(pool);
	r = nm_pp_get_one(pool, &nm);
	if (r)
		return r;
	nm_pp_set_count(nm, NM_PP_FRAG_BIAS);
	pool->frag_nm = nm;
	pool->frag_users = 1;
	pool->frag_offset = size;
	nm_pp_stat_add(&pool->st_alloc_frag, 1);
	*out = nm;
	*offset = 0;
	return 0;
}

static int nm_pp_bad_frag(const struct nm_page_pool *pool, uint32_t size,
			  const nm_netmem_t *out, const uint32_t *offset)
{
	int r = nm__pp_check_alive(pool);

	if (r)
		return r;
	if (!out || !offset)
		return nm_err(EINVAL, "%s is NULL", out ? "offset" : "out");
	return nm_err(EINVAL, "size %u not in [1, %u]", size, pool->buf_size);
}

int nm_page_pool_alloc_frag(struct nm_page_pool *pool, uint32_t size, nm_netmem_t *out,
			    uint32_t *offset)
{
	if (nm_unlikely(!nm_pp_ptr_ok(pool) || !out || !offset ||
			atomic_load_explicit(&pool->magic, memory_order_relaxed) != NM_PP_MAGIC ||
			size == 0 || size > pool->buf_size))
		return nm_pp_bad_frag(pool, size, out, offset);
	if (nm_likely(pool->frag_nm && size <= pool->buf_size - pool->frag_offset)) {
		*out = pool->frag_nm;
		*offset = pool->frag_offset;
		pool->frag_offset += size;
		pool->frag_users++;
		nm_pp_stat_add(&pool->st_alloc_frag, 1);
		return 0;
	}
	return nm_pp_alloc_frag_slow(pool, size, out, offset);
}
