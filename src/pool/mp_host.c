/* SPDX-License-Identifier: MIT */
/*
 * Host-page memory provider: readable host buffers for a page pool.
 *
 * Buffers are cut from anonymous memory objects ("blocks") of block_bufs
 * buffers each; a buffer's descriptor (struct nm_page) lives in its block.
 * A block is DMA-mapped for the pool's device once, whole, when it is made,
 * and unmapped when it is freed (as soon as all of its buffers are back).
 * One mapping per block rather than per buffer keeps the device's IOMMU
 * domain 64 times smaller: every DMA the NIC does into a buffer looks its
 * address up there, and with a mapping per 4 KiB page those lookups were
 * cache misses costing ~8% of a receiving thread.  A block whose buffers
 * do not each fall inside one DMA range of the block's mapping (scattered
 * pages behind a device without an IOMMU) maps its buffers one by one, when
 * they are handed to the pool, as before.
 *
 * Invariants:
 *  1. A block is on the partial list iff it has a free buffer; nr_free
 *     counts its free list.
 *  2. out = buffers handed to the pool = sum over blocks of (nr - nr_free);
 *     each of them has page->map set (its block's mapping, or its own),
 *     each free one has page->map NULL.
 *
 * Workload: bulk allocations when a pool's cache and ring are empty,
 * releases on ring overflow and pool destroy; releases come from any
 * thread, hence one mutex per pool's provider state.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <netmem/mem.h>

#include "pool/pool_internal.h"

#define NM_HP_BLOCK_BUFS	64	/* 256 KiB blocks of 4 KiB buffers */

struct nm_hp_block {
	struct nm_hp_block *prev, *next;	/* partial list */
	struct nm_memobj *obj;
	struct nm_dma_mapping *map;	/* the whole block, or NULL: per buffer */
	uint8_t *vaddr;
	uint32_t nr, nr_free;
	struct nm_page *free;
	struct nm_page pages[];
};

struct nm_hp_state {
	pthread_mutex_t lock;
	struct nm_device *dev;
	enum nm_dma_dir dir;
	uint32_t buf_size, block_bufs, max_buffers, mem_flags;
	struct nm_hp_block *partial;
	uint64_t blocks, buffers, out, created, freed;
};

/* ---- Blocks ---------------------------------------------------------------- */

static void nm_hp_partial_add(struct nm_hp_state *s, struct nm_hp_block *blk)
{
	blk->prev = NULL;
	blk->next = s->partial;
	if (s->partial)
		s->partial->prev = blk;
	s->partial = blk;
}

static void nm_hp_partial_del(struct nm_hp_state *s, struct nm_hp_block *blk)
{
	if (blk->prev)
		blk->prev->next = blk->next;
	else
		s->partial = blk->next;
	if (blk->next)
		blk->next->prev = blk->prev;
	blk->prev = blk->next = NULL;
}

/*
 * Map blk whole and give each buffer its device address, or leave blk->map
 * NULL (buffers then map one by one) when that cannot be done: a mapping
 * failure here is not an error, the per-buffer path reports its own.
 */
static void nm_hp_block_map(struct nm_hp_state *s, struct nm_hp_block *blk)
{
	uint64_t size = (uint64_t)blk->nr * s->buf_size, start = 0;
	const struct nm_dma_vec *v;
	struct nm_phyr *phyrs;
	uint32_t nr_vecs, j = 0;
	int n;

	n = nm_memobj_get_phyrs(blk->obj, 0, size, NULL, 0);
	if (n <= 0)
		return;
	phyrs = malloc((size_t)n * sizeof(*phyrs));
	if (!phyrs)
		return;
	if (nm_memobj_get_phyrs(blk->obj, 0, size, phyrs, (size_t)n) != n ||
	    nm_dma_map(s->dev, phyrs, (size_t)n, s->dir, 0, &blk->map) < 0) {
		free(phyrs);
		blk->map = NULL;
		return;
	}
	free(phyrs);
	v = nm_dma_mapping_vecs(blk->map, &nr_vecs);
	for (uint32_t i = 0; i < blk->nr; i++) {
		uint64_t off = (uint64_t)i * s->buf_size;

		while (j < nr_vecs && off >= start + v[j].len)
			start += v[j++].len;
		if (j == nr_vecs || off + s->buf_size > start + v[j].len) {
			/* a buffer straddles two DMA ranges */
			nm_dma_unmap(blk->map);
			blk->map = NULL;
			return;
		}
		blk->pages[i].desc.dma_addr = v[j].addr + (off - start);
		blk->pages[i].map_off = off;
	}
}

static int nm_hp_block_new(struct nm_hp_state *s)
{
	struct nm_hp_block *blk;
	int r;

	blk = calloc(1, sizeof(*blk) + s->block_bufs * sizeof(struct nm_page));
	if (!blk)
		return nm_err(ENOMEM, "mp_host: no memory for a block descriptor");
	r = nm_memobj_create_anon((uint64_t)s->block_bufs * s->buf_size, s->mem_flags, &blk->obj);
	if (r < 0) {
		free(blk);
		return nm_err_wrap(r, "mp_host: block of %u x %u bytes", s->block_bufs,
				   s->buf_size);
	}
	blk->vaddr = nm_memobj_host_addr(blk->obj);
	blk->nr = blk->nr_free = s->block_bufs;
	for (uint32_t i = s->block_bufs; i-- > 0;) {
		struct nm_page *pg = &blk->pages[i];

		pg->desc.magic = NM_NETMEM_MAGIC_PAGE;
		atomic_init(&pg->desc.pp_ref_count, 0);
		pg->vaddr = blk->vaddr + (uint64_t)i * s->buf_size;
		pg->mp_block = blk;
		pg->mp_next = blk->free;
		blk->free = pg;
	}
	nm_hp_block_map(s, blk);
	nm_hp_partial_add(s, blk);
	s->blocks++;
	s->buffers += blk->nr;
	s->created++;
	return 0;
}

static void nm_hp_block_free(struct nm_hp_state *s, struct nm_hp_block *blk)
{
	nm_hp_partial_del(s, blk);
	if (blk->map)
		nm_dma_unmap(blk->map);
	nm_memobj_put(blk->obj);
	s->blocks--;
	s->buffers -= blk->nr;
	s->freed++;
	free(blk);
}

/* ---- Mapping ---------------------------------------------------------------- */

static int nm_hp_map(struct nm_hp_state *s, struct nm_page *pg)
{
	struct nm_hp_block *blk = pg->mp_block;
	struct nm_phyr phyrs[16];	/* 64 KiB max: at most 16 pages */
	const struct nm_dma_vec *v;
	uint32_t nr_vecs;
	uint64_t off = (uint64_t)((uint8_t *)pg->vaddr - blk->vaddr);
	int n, r;

	if (blk->map) {
		/* device address set when the block was mapped */
		pg->map = blk->map;
		return 0;
	}
	n = nm_memobj_get_phyrs(blk->obj, off, s->buf_size, phyrs, NM_ARRAY_SIZE(phyrs));
	if (n < 0)
		return nm_err_wrap(n, "mp_host: phyrs");
	if ((size_t)n > NM_ARRAY_SIZE(phyrs))
		return nm_err(ENOMEM, "mp_host: a %u-byte buffer spans %d physical ranges",
			      s->buf_size, n);
	r = nm_dma_map(s->dev, phyrs, (size_t)n, s->dir, 0, &pg->map);
	if (r < 0)
		return nm_err_wrap(r, "mp_host: dma_map");
	v = nm_dma_mapping_vecs(pg->map, &nr_vecs);
	if (nr_vecs != 1) {
		nm_dma_unmap(pg->map);
		pg->map = NULL;
		return nm_err(ENOMEM, "mp_host: buffer maps to %u DMA ranges, need 1", nr_vecs);
	}
	pg->desc.dma_addr = v[0].addr;
	pg->map_off = 0;
	return 0;
}

static void nm_hp_unmap(struct nm_page *pg)
{
	struct nm_hp_block *blk = pg->mp_block;

	if (pg->map != blk->map) {
		nm_dma_unmap(pg->map);
		pg->desc.dma_addr = 0;
	}
	pg->map = NULL;
}

/* ---- Ops ------------------------------------------------------------------------ */

static int nm_hp_init(struct nm_page_pool *pool)
{
	const struct nm_page_pool_params *p = nm_page_pool_params(pool);
	const struct nm_mp_host_params *hp = nm_page_pool_mp_priv(pool);
	struct nm_hp_state *s;
	int r;

	if (!p->dev)
		return nm_err(EINVAL, "mp_host: params.dev is NULL (host buffers are mapped "
			      "for it)");
	s = calloc(1, sizeof(*s));
	if (!s)
		return nm_err(ENOMEM, "mp_host: no memory");
	s->dev = p->dev;
	s->dir = p->dir;
	s->buf_size = nm_page_pool_buf_size(pool);
	s->block_bufs = hp && hp->block_bufs ? hp->block_bufs : NM_HP_BLOCK_BUFS;
	s->max_buffers = hp ? hp->max_buffers : 0;
	s->mem_flags = hp ? hp->mem_flags : 0;
	if (s->block_bufs > 65536) {
		r = nm_err(EINVAL, "mp_host: block_bufs %u > 65536", s->block_bufs);
		free(s);
		return r;
	}
	r = pthread_mutex_init(&s->lock, NULL);
	if (r) {
		free(s);
		return nm_err(r, "mp_host: mutex init");
	}
	return nm_page_pool_set_mp_state(pool, s);
}

static void nm_hp_destroy(struct nm_page_pool *pool)
{
	struct nm_hp_state *s = nm_page_pool_mp_state(pool);

	/* Every buffer is back, so every block is already freed; free any
	 * left by a provider bug rather than leak them. */
	while (s->partial)
		nm_hp_block_free(s, s->partial);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int nm_hp_alloc(struct nm_page_pool *pool, nm_netmem_t *out, unsigned int n)
{
	struct nm_hp_state *s = nm_page_pool_mp_state(pool);
	unsigned int i;
	int r = 0;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < n; i++) {
		struct nm_hp_block *blk;
		struct nm_page *pg;

		if (s->max_buffers && s->out >= s->max_buffers)
			break;
		if (!s->partial) {
			r = nm_hp_block_new(s);
			if (r)
				break;
		}
		blk = s->partial;
		pg = blk->free;
		r = nm_hp_map(s, pg);
		if (r)
			break;
		blk->free = pg->mp_next;
		pg->mp_next = NULL;
		if (--blk->nr_free == 0)
			nm_hp_partial_del(s, blk);
		s->out++;
		out[i] = nm_page_to_netmem(pg);
	}
	/* a fresh block we could not use at all */
	if (s->partial && s->partial->nr_free == s->partial->nr && r)
		nm_hp_block_free(s, s->partial);
	pthread_mutex_unlock(&s->lock);
	return i ? (int)i : r;
}

static bool nm_hp_release(struct nm_page_pool *pool, nm_netmem_t nm)
{
	struct nm_hp_state *s = nm_page_pool_mp_state(pool);
	struct nm_page *pg = nm_netmem_to_page(nm);
	struct nm_hp_block *blk = pg->mp_block;

	nm_hp_unmap(pg);
	pthread_mutex_lock(&s->lock);
	pg->mp_next = blk->free;
	blk->free = pg;
	if (blk->nr_free++ == 0)
		nm_hp_partial_add(s, blk);
	s->out--;
	if (blk->nr_free == blk->nr)
		nm_hp_block_free(s, blk);
	pthread_mutex_unlock(&s->lock);
	return true;
}

static int nm_hp_fill_info(struct nm_page_pool *pool, struct nm_mp_info *info)
{
	struct nm_hp_state *s = nm_page_pool_mp_state(pool);

	pthread_mutex_lock(&s->lock);
	info->total = s->max_buffers;
	info->available = s->max_buffers ? s->max_buffers - s->out : 0;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

const struct nm_memory_provider_ops nm_mp_host_ops = {
	.name = "host",
	.init = nm_hp_init,
	.destroy = nm_hp_destroy,
	.alloc_netmems = nm_hp_alloc,
	.release_netmem = nm_hp_release,
	.fill_info = nm_hp_fill_info,
	.unreadable = false,
};

int nm_mp_host_get_stats(struct nm_page_pool *pool, struct nm_mp_host_stats *st)
{
	struct nm_hp_state *s;

	if (!pool || !st)
		return nm_err(EINVAL, "mp_host_get_stats: %s is NULL", pool ? "st" : "pool");
	if (!nm_page_pool_buf_size(pool))
		return nm_err(EINVAL, "mp_host_get_stats: %p is not a page pool", (void *)pool);
	if (pool->mp_ops != &nm_mp_host_ops)
		return nm_err(EINVAL, "mp_host_get_stats: pool %u does not use host pages",
			      nm_page_pool_id(pool));
	s = nm_page_pool_mp_state(pool);
	pthread_mutex_lock(&s->lock);
	st->blocks = s->blocks;
	st->buffers = s->buffers;
	st->out = s->out;
	st->blocks_created = s->created;
	st->blocks_freed = s->freed;
	pthread_mutex_unlock(&s->lock);
	return 0;
}
