/* SPDX-License-Identifier: MIT */
/*
 * dmabuf memory provider: a page pool whose buffers are the net_iovs of a
 * dma-buf binding (device memory: unreadable, never touched by the CPU).
 *
 * Each pool holds a reference on its binding, so an unbound binding's
 * mapping and memory stay valid while any pool built on it still has
 * net_iovs out.  The net_iovs were mapped once, when the binding was made:
 * taking and giving back a buffer is a push or pop on the binding's chunk
 * allocator, nothing more.
 *
 * The ops table is private to this file (as the kernel's devmem.c keeps
 * dmabuf_devmem_ops): pools are pointed at it by
 * nm_page_pool_params_set_dmabuf(), and what others need to know about a
 * dmabuf pool they ask through the ops: fill_info (page-pool-get,
 * queue-get's binding id) and mem_avail (how much receive memory is left,
 * for TCP's window).
 *
 * Workload: bulk allocations on pool refill, releases on ring overflow and
 * pool destroy (any thread: the allocator has its own lock); mem_avail on
 * every receive-window computation (one uncontended lock).
 */
#include "pool/dmabuf_binding.h"
#include "pool/pool_internal.h"

static int nm_mpd_init(struct nm_page_pool *pool)
{
	const struct nm_page_pool_params *p = nm_page_pool_params(pool);
	struct nm_dmabuf_binding *b = nm_page_pool_mp_priv(pool);
	int r;

	if (!b || b->magic != NM_BINDING_MAGIC)
		return nm_err(EINVAL, "mp_priv %p is not a dma-buf binding", (void *)b);
	if (atomic_load_explicit(&b->unbound, memory_order_acquire))
		return nm_err(ENODEV, "binding %u is unbound",
			      atomic_load_explicit(&b->id, memory_order_relaxed));
	if (p->dev && p->dev != b->dev)
		return nm_err(EINVAL, "pool device differs from the binding's");
	if (p->dir != b->dir)
		return nm_err(EINVAL, "pool direction %d differs from the binding's %d",
			      (int)p->dir, (int)b->dir);
	if (p->order && (NM_PAGE_SIZE << p->order) != b->niov_size)
		return nm_err(EINVAL, "order %u (%llu bytes) differs from the "
			      "binding's %u-byte net_iovs", p->order,
			      (unsigned long long)(NM_PAGE_SIZE << p->order), b->niov_size);
	r = nm_page_pool_set_buf_size(pool, b->niov_size);
	if (r)
		return r;
	r = nm_dmabuf_binding_get(b);
	if (r)
		return r;
	return nm_page_pool_set_mp_state(pool, b);
}

static void nm_mpd_destroy(struct nm_page_pool *pool)
{
	nm_dmabuf_binding_put(nm_page_pool_mp_state(pool));
}

static int nm_mpd_alloc(struct nm_page_pool *pool, nm_netmem_t *out, unsigned int n)
{
	struct nm_dmabuf_binding *b = nm_page_pool_mp_state(pool);
	struct nm_net_iov *niovs[NM_PP_REFILL];
	unsigned int got = 0;

	while (got < n) {
		unsigned int want = n - got < NM_PP_REFILL ? n - got : NM_PP_REFILL;
		int r = nm_dmabuf_binding_alloc_niovs(b, niovs, want);

		if (r < 0)
			return got ? (int)got : r;
		for (int i = 0; i < r; i++)
			out[got++] = nm_net_iov_to_netmem(niovs[i]);
		if ((unsigned int)r < want)
			break;
	}
	return (int)got;
}

static bool nm_mpd_release(struct nm_page_pool *pool, nm_netmem_t nm)
{
	nm_dmabuf_binding_free_niov(nm_page_pool_mp_state(pool), nm_netmem_to_net_iov(nm));
	return true;
}

static int nm_mpd_fill_info(struct nm_page_pool *pool, struct nm_mp_info *info)
{
	struct nm_dmabuf_binding *b = nm_page_pool_mp_state(pool);

	info->dmabuf_id = atomic_load_explicit(&b->id, memory_order_relaxed);
	info->dmabuf_ino = nm_dmabuf_ino(b->buf);
	info->total = b->nr_niovs;
	info->available = nm_dmabuf_binding_avail(b);
	return 0;
}

/* The binding's free net_iovs: every pool on it (queues share bindings)
 * may take them, so each pool's answer counts them all. */
static uint64_t nm_mpd_mem_avail(struct nm_page_pool *pool)
{
	struct nm_dmabuf_binding *b = nm_page_pool_mp_state(pool);

	return nm_dmabuf_binding_avail(b) * (uint64_t)b->niov_size;
}

static const struct nm_memory_provider_ops nm_mp_dmabuf_ops = {
	.name = "dmabuf",
	.init = nm_mpd_init,
	.destroy = nm_mpd_destroy,
	.alloc_netmems = nm_mpd_alloc,
	.release_netmem = nm_mpd_release,
	.fill_info = nm_mpd_fill_info,
	.mem_avail = nm_mpd_mem_avail,
	.unreadable = true,
};

int nm_page_pool_params_set_dmabuf(struct nm_page_pool_params *params,
				   struct nm_dmabuf_binding *b)
{
	if (!params)
		return nm_err(EINVAL, "NULL params");
	params->mp_ops = &nm_mp_dmabuf_ops;
	params->mp_priv = b;
	return 0;
}
