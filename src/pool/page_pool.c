/* SPDX-License-Identifier: MIT */
/*
 * Page pool lifetime: create, destroy, release to the provider, the final
 * free, and the queries (stats, info, inflight, the debug checker).
 *
 * The allocation fast path is in pp_alloc.c and recycling in pp_recycle.c;
 * the invariants are listed in pool_internal.h.
 *
 * Lifetime is a reference count: the owner holds one, and every buffer
 * taken from the provider holds one until it is given back.  Destroy gives
 * back everything idle (the fragment bias, the ring after closing it, the
 * cache) and drops the owner's reference; whichever thread gives back the
 * last buffer frees the pool.  Closing the ring with one atomic OR on its
 * tail tells exactly which positions producers took, so no returned buffer
 * can be stranded in a ring nobody drains.
 *
 * Workload: one pool per RX queue, created and destroyed on queue restart;
 * release to the provider is rare (ring overflow, destroy).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pool/pool_internal.h"
#include "util/bits.h"

static atomic_uint nm_pp_next_id = 1;

static uint64_t nm_pp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int nm__pp_check_alive(const struct nm_page_pool *pool)
{
	unsigned int m;

	if (!pool)
		return nm_err(EINVAL, "pool is NULL");
	if (!nm_pp_ptr_ok(pool))
		return nm_err(EINVAL, "%p is not a page pool (misaligned)",
			      (const void *)pool);
	m = atomic_load_explicit(&pool->magic, memory_order_relaxed);
	if (m == NM_PP_MAGIC_DEAD)
		return nm_err(EINVAL, "page_pool %u is destroyed", pool->id);
	if (m != NM_PP_MAGIC)
		return nm_err(EINVAL, "%p is not a page pool", (const void *)pool);
	return 0;
}

/* Alive or destroyed-with-buffers-out: queries accept both. */
static int nm_pp_check_any(const struct nm_page_pool *pool)
{
	unsigned int m;

	if (!pool)
		return nm_err(EINVAL, "pool is NULL");
	if (!nm_pp_ptr_ok(pool))
		return nm_err(EINVAL, "%p is not a page pool (misaligned)",
			      (const void *)pool);
	m = atomic_load_explicit(&pool->magic, memory_order_relaxed);
	if (m != NM_PP_MAGIC && m != NM_PP_MAGIC_DEAD && m != NM_PP_MAGIC_INIT)
		return nm_err(EINVAL, "%p is not a page pool", (const void *)pool);
	return 0;
}

/* ---- Create ---------------------------------------------------------------- */

static int nm_pp_check_params(const struct nm_page_pool_params *p)
{
	const struct nm_memory_provider_ops *ops = p->mp_ops;

	if (p->order > NM_PP_MAX_ORDER)
		return nm_err(EINVAL, "order %u > %u", p->order,
			      NM_PP_MAX_ORDER);
	if (p->pool_size > NM_PP_MAX_POOL_SIZE)
		return nm_err(E2BIG, "pool_size %u > %u", p->pool_size,
			      NM_PP_MAX_POOL_SIZE);
	if ((unsigned int)p->dir > NM_DMA_FROM_DEVICE)
		return nm_err(EINVAL, "bad DMA direction %d", (int)p->dir);
	if (p->flags)
		return nm_err(EINVAL, "unknown flags 0x%x", p->flags);
	if (ops && (!ops->init || !ops->destroy || !ops->alloc_netmems ||
		    !ops->release_netmem))
		return nm_err(EINVAL, "provider %s lacks a required op",
			      ops->name ? ops->name : "(unnamed)");
	return 0;
}

int nm_page_pool_create(const struct nm_page_pool_params *params, struct nm_page_pool **out)
{
	struct nm_page_pool *pool;
	uint32_t i;
	int r;

	if (!params || !out)
		return nm_err(EINVAL, "%s is NULL", params ? "out" : "params");
	r = nm_pp_check_params(params);
	if (r)
		return r;

	pool = aligned_alloc(NM_CACHELINE, sizeof(*pool));
	if (!pool)
		return nm_err(ENOMEM, "no memory for the pool");
	memset(pool, 0, sizeof(*pool));
	pool->params = *params;
	if (!pool->params.mp_ops)
		pool->params.mp_ops = &nm_mp_host_ops;
	pool->mp_ops = pool->params.mp_ops;
	pool->mp_priv = pool->params.mp_priv;
	pool->buf_size = (uint32_t)(NM_PAGE_SIZE << params->order);
	pool->ring_size = nm_roundup_pow2(params->pool_size ? params->pool_size
							     : NM_PP_DEFAULT_POOL_SIZE);
	pool->ring_mask = pool->ring_size - 1;
	pool->id = atomic_fetch_add_explicit(&nm_pp_next_id, 1, memory_order_relaxed);
	atomic_init(&pool->refs, 1);	/* the owner's */

	/* aligned_alloc wants a multiple of the alignment */
	pool->ring = aligned_alloc(NM_CACHELINE, (sizeof(*pool->ring) * pool->ring_size +
						  NM_CACHELINE - 1) & ~(size_t)(NM_CACHELINE - 1));
	if (!pool->ring) {
		r = nm_err(ENOMEM, "no memory for a %u-entry ring",
			   pool->ring_size);
		goto err_free_pool;
	}
	for (i = 0; i < pool->ring_size; i++) {
		atomic_init(&pool->ring[i].seq, i);
		pool->ring[i].nm = 0;
	}

	pool->in_init = true;
	atomic_store_explicit(&pool->magic, NM_PP_MAGIC_INIT, memory_order_relaxed);
	r = pool->mp_ops->init(pool);
	pool->in_init = false;
	if (r < 0) {
		atomic_store_explicit(&pool->magic, 0, memory_order_relaxed);
		r = nm_err_wrap(r, "provider %s", pool->mp_ops->name);
		goto err_free_ring;
	}
	atomic_store_explicit(&pool->magic, NM_PP_MAGIC, memory_order_release);
	*out = pool;
	return 0;

err_free_ring:
	free(pool->ring);
err_free_pool:
	free(pool);
	return r;
}

/* ---- Release and free ----------------------------------------------------- */

static void nm_pp_free(struct nm_page_pool *pool)
{
	pool->mp_ops->destroy(pool);
	atomic_store_explicit(&pool->magic, 0, memory_order_relaxed);
	free(pool->ring);
	free(pool);
}

/* Drop one pool reference; the last one frees the pool. */
static bool nm_pp_put_ref(struct nm_page_pool *pool)
{
	if (atomic_fetch_sub_explicit(&pool->refs, 1, memory_order_acq_rel) != 1)
		return false;
	nm_pp_free(pool);
	return true;
}

void nm__pp_release_netmem(struct nm_page_pool *pool, nm_netmem_t nm)
{
	struct nm_netmem_desc *d = nm_netmem_to_desc(nm);
	bool took;

	/* Forget the buffer before the provider may hand it to another pool. */
	d->pp = NULL;
	took = pool->mp_ops->release_netmem(pool, nm);
	atomic_fetch_add_explicit(&pool->release_cnt, 1, memory_order_relaxed);
	if (!took)
		atomic_fetch_add_explicit(&pool->release_kept, 1, memory_order_relaxed);
	nm_pp_put_ref(pool);	/* may free the pool: touch nothing after */
}

/* ---- Destroy ---------------------------------------------------------------- */

/* Close the ring and give back everything producers put in it, waiting for
 * the few that took a position but have not published yet. */
static void nm_pp_drain_ring(struct nm_page_pool *pool)
{
	uint64_t end = atomic_fetch_or_explicit(&pool->ring_tail, NM_PP_RING_CLOSED,
						memory_order_acq_rel) & ~NM_PP_RING_CLOSED;
	nm_netmem_t batch[NM_PP_REFILL];

	while (pool->ring_head != end) {
		unsigned int n = nm_pp_ring_pop(pool, batch, NM_PP_REFILL);

		for (unsigned int i = 0; i < n; i++)
			nm__pp_release_netmem(pool, batch[i]);
		if (!n)
			sched_yield();	/* a producer between reserve and publish */
	}
}

int nm_page_pool_destroy(struct nm_page_pool *pool)
{
	int r = nm__pp_check_alive(pool);

	if (r)
		return r;
	nm__pp_frag_drain(pool);
	atomic_store_explicit(&pool->destroyed, true, memory_order_release);
	atomic_store_explicit(&pool->magic, NM_PP_MAGIC_DEAD, memory_order_relaxed);
	pool->detach_time_ns = nm_pp_now_ns();
	nm_pp_drain_ring(pool);
	while (pool->cache_count)
		nm__pp_release_netmem(pool, pool->cache[--pool->cache_count]);
	return nm_pp_put_ref(pool) ? 0 : 1;
}

/* ---- Queries ------------------------------------------------------------------ */

int nm_page_pool_get_stats(const struct nm_page_pool *pool, struct nm_page_pool_stats *st)
{
	int r = nm_pp_check_any(pool);

	if (r)
		return r;
	if (!st)
		return nm_err(EINVAL, "st is NULL");
	memset(st, 0, sizeof(*st));
	st->alloc_fast = nm_pp_load(&pool->st_alloc_fast);
	st->alloc_slow = nm_pp_load(&pool->st_alloc_slow);
	st->alloc_empty = nm_pp_load(&pool->st_alloc_empty);
	st->alloc_refill = nm_pp_load(&pool->st_alloc_refill);
	st->alloc_fail = nm_pp_load(&pool->st_alloc_fail);
	st->alloc_frag = nm_pp_load(&pool->st_alloc_frag);
	st->recycle_cached = nm_pp_load(&pool->st_recycle_cached);
	st->recycle_cache_full = nm_pp_load(&pool->st_recycle_cache_full);
	/* every successful push took one ring position */
	st->recycle_ring = nm_pp_ring_tail(pool);
	st->recycle_ring_full = nm_pp_load(&pool->st_ring_full);
	st->recycle_released_refcnt = nm_pp_load(&pool->st_released_refcnt);
	st->hold_cnt = nm_pp_load(&pool->hold_cnt);
	st->release_cnt = nm_pp_load(&pool->release_cnt);
	st->release_kept = nm_pp_load(&pool->release_kept);
	return 0;
}

/* Fragments of the current fragment buffer still out. */
static long nm_pp_frag_outstanding(const struct nm_page_pool *pool)
{
	long c;

	if (!pool->frag_nm)
		return 0;
	c = atomic_load_explicit(&nm_netmem_to_desc(pool->frag_nm)->pp_ref_count,
				 memory_order_acquire);
	return c - (NM_PP_FRAG_BIAS - pool->frag_users);
}

static int64_t nm_pp_inflight(const struct nm_page_pool *pool)
{
	int64_t held = (int64_t)(nm_pp_load(&pool->hold_cnt) - nm_pp_load(&pool->release_cnt));
	int64_t idle = pool->cache_count;

	idle += (int64_t)(nm_pp_ring_tail(pool) - pool->ring_head);
	if (pool->frag_nm && nm_pp_frag_outstanding(pool) == 0)
		idle++;
	return held - idle;
}

int64_t nm_page_pool_inflight(const struct nm_page_pool *pool)
{
	int r = nm_pp_check_any(pool);

	if (r)
		return r;
	return nm_pp_inflight(pool);
}

int64_t nm_page_pool_idle(const struct nm_page_pool *pool)
{
	int r = nm_pp_check_any(pool);

	if (r)
		return r;
	return pool->cache_count + (int64_t)(nm_pp_ring_tail(pool) - pool->ring_head);
}

uint64_t nm_page_pool_mem_avail(struct nm_page_pool *pool)
{
	uint64_t idle;

	if (nm_pp_check_any(pool))
		return 0;
	if (!pool->mp_ops->mem_avail)
		return UINT64_MAX;
	idle = (uint64_t)pool->cache_count + (nm_pp_ring_tail(pool) - pool->ring_head);
	return idle * pool->buf_size + pool->mp_ops->mem_avail(pool);
}

uint32_t nm_page_pool_buf_size(const struct nm_page_pool *pool)
{
	return nm_pp_check_any(pool) ? 0 : pool->buf_size;
}

uint32_t nm_page_pool_id(const struct nm_page_pool *pool)
{
	return nm_pp_check_any(pool) ? 0 : pool->id;
}

int nm_page_pool_mp_info(struct nm_page_pool *pool, struct nm_mp_info *info)
{
	int r = nm_pp_check_any(pool);

	if (r)
		return r;
	if (!info)
		return nm_err(EINVAL, "info is NULL");
	memset(info, 0, sizeof(*info));
	info->name = pool->mp_ops->name;
	info->unreadable = pool->mp_ops->unreadable;
	if (pool->mp_ops->fill_info) {
		r = pool->mp_ops->fill_info(pool, info);
		if (r < 0)
			return nm_err_wrap(r, "provider %s",
					   pool->mp_ops->name);
	}
	return 0;
}

int nm_page_pool_get_info(const struct nm_page_pool *pool, struct nm_page_pool_info *info)
{
	struct nm_mp_info mi;
	int r = nm_pp_check_any(pool);

	if (r)
		return r;
	if (!info)
		return nm_err(EINVAL, "info is NULL");
	r = nm_page_pool_mp_info((struct nm_page_pool *)pool, &mi);
	if (r)
		return r;
	memset(info, 0, sizeof(*info));
	info->id = pool->id;
	info->queue_idx = pool->params.queue_idx;
	info->buf_size = pool->buf_size;
	info->ring_size = pool->ring_size;
	info->inflight = nm_pp_inflight(pool);
	info->inflight_mem = info->inflight > 0 ? (uint64_t)info->inflight * pool->buf_size : 0;
	info->detach_time_ns = pool->detach_time_ns;
	info->mp_name = mi.name;
	info->unreadable = mi.unreadable;
	info->dmabuf_id = mi.dmabuf_id;
	info->dmabuf_ino = mi.dmabuf_ino;
	info->io_uring = mi.io_uring;
	return 0;
}

/* ---- For providers ---------------------------------------------------------- */

const struct nm_page_pool_params *nm_page_pool_params(const struct nm_page_pool *pool)
{
	return nm_pp_ptr_ok(pool) ? &pool->params : NULL;
}

void *nm_page_pool_mp_priv(const struct nm_page_pool *pool)
{
	return nm_pp_ptr_ok(pool) ? pool->mp_priv : NULL;
}

void *nm_page_pool_mp_state(const struct nm_page_pool *pool)
{
	return nm_pp_ptr_ok(pool) ? pool->mp_state : NULL;
}

int nm_page_pool_set_mp_state(struct nm_page_pool *pool, void *state)
{
	if (!nm_pp_ptr_ok(pool))
		return nm_err(EINVAL, "pool %p is not a page pool", (void *)pool);
	if (!pool->in_init)
		return nm_err(EBUSY, "only from the provider's init");
	pool->mp_state = state;
	return 0;
}

int nm_page_pool_set_buf_size(struct nm_page_pool *pool, uint32_t buf_size)
{
	if (!nm_pp_ptr_ok(pool))
		return nm_err(EINVAL, "pool %p is not a page pool", (void *)pool);
	if (!pool->in_init)
		return nm_err(EBUSY, "only from the provider's init");
	if (buf_size < 64 || (buf_size & (buf_size - 1)) || buf_size > (1u << 30))
		return nm_err(EINVAL, "%u is not a power of two in "
			      "[64, 1 GiB]", buf_size);
	pool->buf_size = buf_size;
	return 0;
}

/* ---- Debug checker -------------------------------------------------------------- */

static int nm_pp_cmp_netmem(const void *a, const void *b)
{
	nm_netmem_t x = *(const nm_netmem_t *)a, y = *(const nm_netmem_t *)b;

	return x < y ? -1 : x > y;
}

static int nm_pp_check_idle(const struct nm_page_pool *pool, nm_netmem_t nm,
			    const char *where, uint64_t i)
{
	long c;

	if (!nm_netmem_magic_ok(nm))
		return nm_err(EUCLEAN, "page_pool %u: %s[%llu] %#lx has a bad magic",
			      pool->id, where, (unsigned long long)i, (unsigned long)nm);
	if (nm_netmem_pool(nm) != pool)
		return nm_err(EUCLEAN, "page_pool %u: %s[%llu] %#lx belongs to pool %p",
			      pool->id, where, (unsigned long long)i, (unsigned long)nm,
			      (void *)nm_netmem_pool(nm));
	c = nm_netmem_ref_count(nm);
	if (c != 0)
		return nm_err(EUCLEAN, "page_pool %u: idle %s[%llu] %#lx has pp_ref_count %ld",
			      pool->id, where, (unsigned long long)i, (unsigned long)nm, c);
	if (nm == pool->frag_nm)
		return nm_err(EUCLEAN, "page_pool %u: fragment buffer %#lx is also in the %s",
			      pool->id, (unsigned long)nm, where);
	return 0;
}

static int nm_pp_check_counts(const struct nm_page_pool *pool, uint64_t idle)
{
	uint64_t hold = nm_pp_load(&pool->hold_cnt), rel = nm_pp_load(&pool->release_cnt);
	long refs = atomic_load_explicit(&pool->refs, memory_order_acquire);
	long owner = atomic_load_explicit(&pool->destroyed, memory_order_relaxed) ? 0 : 1;

	if (rel > hold)
		return nm_err(EUCLEAN, "page_pool %u: released %llu > held %llu", pool->id,
			      (unsigned long long)rel, (unsigned long long)hold);
	if ((long)(hold - rel) != refs - owner)
		return nm_err(EUCLEAN, "page_pool %u: held-released %llu != refs %ld - %ld",
			      pool->id, (unsigned long long)(hold - rel), refs, owner);
	if (hold - rel < idle)
		return nm_err(EUCLEAN, "page_pool %u: %llu idle buffers but only %llu held",
			      pool->id, (unsigned long long)idle,
			      (unsigned long long)(hold - rel));
	return 0;
}

static int nm_pp_check_frag(const struct nm_page_pool *pool)
{
	long out;

	if (!pool->frag_nm)
		return 0;
	if (nm_netmem_pool(pool->frag_nm) != pool || !nm_netmem_magic_ok(pool->frag_nm))
		return nm_err(EUCLEAN, "page_pool %u: fragment buffer %#lx is not ours",
			      pool->id, (unsigned long)pool->frag_nm);
	if (pool->frag_offset > pool->buf_size || pool->frag_users < 1)
		return nm_err(EUCLEAN, "page_pool %u: fragment offset %u / users %ld broken",
			      pool->id, pool->frag_offset, pool->frag_users);
	out = nm_pp_frag_outstanding(pool);
	if (out < 0)
		return nm_err(EUCLEAN, "page_pool %u: fragment buffer has %ld fragments out",
			      pool->id, out);
	return 0;
}

int nm_page_pool_check(const struct nm_page_pool *pool)
{
	uint64_t tail, n_ring, i, n = 0;
	nm_netmem_t *all;
	int r = nm_pp_check_any(pool);

	if (r)
		return r;
	if (pool->cache_count > NM_PP_CACHE_SIZE)
		return nm_err(EUCLEAN, "page_pool %u: cache holds %u > %u", pool->id,
			      pool->cache_count, NM_PP_CACHE_SIZE);
	tail = nm_pp_ring_tail(pool);
	if (tail - pool->ring_head > pool->ring_size)
		return nm_err(EUCLEAN, "page_pool %u: ring head %llu tail %llu", pool->id,
			      (unsigned long long)pool->ring_head, (unsigned long long)tail);
	n_ring = tail - pool->ring_head;
	all = malloc((pool->cache_count + n_ring + 1) * sizeof(*all));
	if (!all)
		return nm_err(ENOMEM, "no memory");

	for (i = 0; i < pool->cache_count; i++) {
		r = nm_pp_check_idle(pool, pool->cache[i], "cache", i);
		if (r)
			goto out;
		all[n++] = pool->cache[i];
	}
	for (i = pool->ring_head; i != tail; i++) {
		const struct nm_pp_cell *c = &pool->ring[i & pool->ring_mask];

		/* a producer between reserve and publish: its netmem is not
		 * readable yet */
		if (atomic_load_explicit(&c->seq, memory_order_acquire) != i + 1)
			continue;
		r = nm_pp_check_idle(pool, c->nm, "ring", i);
		if (r)
			goto out;
		all[n++] = c->nm;
	}
	qsort(all, n, sizeof(*all), nm_pp_cmp_netmem);
	for (i = 1; i < n; i++) {
		if (all[i] == all[i - 1]) {
			r = nm_err(EUCLEAN, "page_pool %u: %#lx is idle twice", pool->id,
				   (unsigned long)all[i]);
			goto out;
		}
	}
	r = nm_pp_check_frag(pool);
	if (r)
		goto out;
	r = nm_pp_check_counts(pool, pool->cache_count + n_ring);
out:
	free(all);
	return r;
}
