/* SPDX-License-Identifier: MIT */
/*
 * dma-buf binding: a dma-buf attached to a NIC, mapped once, and cut into
 * net_iovs, one net_iov area per dma_vec of the mapping.
 *
 * Invariants (nm_dmabuf_binding_check()):
 *  1. Area i covers [base_virtual, + area_len) of the dma-buf, right after
 *     area i-1; its niov j has dma_addr = base_dma + j * niov_size and
 *     offset base_virtual + j * niov_size.  A vec's tail shorter than
 *     niov_size has no niov.
 *  2. The free stack holds nr_free distinct net_iovs, exactly those with
 *     is_free set; a free net_iov has no pool and pp_ref_count 0.
 *  3. The mapping, the attachment and the dma-buf reference live as long as
 *     the binding: until the last reference (the creator's, one per pool)
 *     is dropped, whatever unbind did.
 *
 * Workload: created by bind-rx, a handful per process; the allocator runs
 * on pool refills (bulk) and releases (ring overflow, pool destroy).
 */
#include <stdlib.h>
#include <string.h>

#include "pool/dmabuf_binding.h"
#include "util/err.h"

static int nm_binding_check_arg(const struct nm_dmabuf_binding *b)
{
	if (!b)
		return nm_err(EINVAL, "binding is NULL");
	if (b->magic != NM_BINDING_MAGIC)
		return nm_err(EINVAL, "%p is not a dma-buf binding", (const void *)b);
	return 0;
}

/* ---- Create ------------------------------------------------------------------ */

static int nm_binding_check_create(const struct nm_dmabuf *buf, const struct nm_device *nic,
				   enum nm_dma_dir dir, uint32_t niov_size, const void *out)
{

	if (!buf || !nic || !out)
		return nm_err(EINVAL, "%s is NULL", !buf ? "dmabuf" : !nic ? "nic" : "out");
	if ((unsigned int)dir > NM_DMA_FROM_DEVICE)
		return nm_err(EINVAL, "bad DMA direction %d", (int)dir);
	if (niov_size < NM_NIOV_SIZE_MIN || niov_size > NM_NIOV_SIZE_MAX ||
	    (niov_size & (niov_size - 1)))
		return nm_err(EINVAL, "net_iov size %u is not a power of two in [%u, %u]",
			      niov_size, NM_NIOV_SIZE_MIN, NM_NIOV_SIZE_MAX);
	return 0;
}

/* Build one area per dma_vec; returns the number of net_iovs. */
static int nm_binding_build_areas(struct nm_dmabuf_binding *b)
{
	const struct nm_dma_vec *vecs;
	uint32_t nr_vecs;
	uint64_t off = 0, total = 0;

	vecs = nm_dma_mapping_vecs(b->map, &nr_vecs);
	if (!vecs || nr_vecs == 0)
		return nm_err(EINVAL, "mapping has no dma_vecs");
	b->areas = calloc(nr_vecs, sizeof(*b->areas));
	b->area_len = calloc(nr_vecs, sizeof(*b->area_len));
	b->area_first = calloc(nr_vecs, sizeof(*b->area_first));
	if (!b->areas || !b->area_len || !b->area_first)
		return nm_err(ENOMEM, "no memory for %u areas", nr_vecs);
	b->nr_areas = nr_vecs;

	for (uint32_t i = 0; i < nr_vecs; i++) {
		struct nm_net_iov_area *a = &b->areas[i];
		uint32_t n = vecs[i].len >> b->niov_shift;

		a->num_niovs = n;
		a->niov_shift = b->niov_shift;
		a->base_virtual = off;
		a->base_dma = vecs[i].addr;
		a->map = b->map;
		a->map_offset = off;
		a->type = NM_NET_IOV_DMABUF;
		a->owner = b;
		b->area_len[i] = vecs[i].len;
		b->area_first[i] = total;
		if (n) {
			a->niovs = calloc(n, sizeof(*a->niovs));
			if (!a->niovs)
				return nm_err(ENOMEM, "no memory for %u "
					      "net_iovs", n);
		}
		for (uint32_t j = 0; j < n; j++) {
			struct nm_net_iov *niov = &a->niovs[j];

			niov->desc.magic = NM_NETMEM_MAGIC_NIOV;
			niov->desc.dma_addr = a->base_dma + ((uint64_t)j << b->niov_shift);
			atomic_init(&niov->desc.pp_ref_count, 0);
			niov->owner = a;
		}
		off += vecs[i].len;
		total += n;
	}
	if (total == 0)
		return nm_err(EINVAL, "no dma_vec of the %llu-byte "
			      "dma-buf holds a %u-byte net_iov", (unsigned long long)off,
			      b->niov_size);
	b->nr_niovs = total;
	return 0;
}

/* The free stack, lowest offsets on top so a fresh binding hands out the
 * dma-buf in order. */
static int nm_binding_build_allocator(struct nm_dmabuf_binding *b)
{
	uint64_t k = b->nr_niovs;

	b->free_stack = malloc(b->nr_niovs * sizeof(*b->free_stack));
	b->is_free = malloc(b->nr_niovs);
	if (!b->free_stack || !b->is_free)
		return nm_err(ENOMEM, "no memory for %llu chunks",
			      (unsigned long long)b->nr_niovs);
	for (uint32_t i = 0; i < b->nr_areas; i++)
		for (uint32_t j = 0; j < b->areas[i].num_niovs; j++)
			b->free_stack[--k] = &b->areas[i].niovs[j];
	memset(b->is_free, 1, b->nr_niovs);
	b->nr_free = b->nr_niovs;
	return 0;
}

static void nm_binding_free_areas(struct nm_dmabuf_binding *b)
{
	if (b->areas)
		for (uint32_t i = 0; i < b->nr_areas; i++)
			free(b->areas[i].niovs);
	free(b->areas);
	free(b->area_len);
	free(b->area_first);
	free(b->free_stack);
	free(b->is_free);
}

int nm_dmabuf_binding_create(struct nm_dmabuf *buf, struct nm_device *nic, enum nm_dma_dir dir,
			     uint32_t niov_size, struct nm_dmabuf_binding **out)
{
	struct nm_dmabuf_binding *b;
	int r;

	if (niov_size == 0)
		niov_size = NM_NIOV_SIZE_MIN;
	r = nm_binding_check_create(buf, nic, dir, niov_size, out);
	if (r)
		return r;
	b = calloc(1, sizeof(*b));
	if (!b)
		return nm_err(ENOMEM, "no memory for the binding");
	b->buf = nm_dmabuf_get(buf);
	if (!b->buf) {
		r = nm_err_wrap(-EINVAL, "taking a reference on the dma-buf");
		goto err_free_binding;
	}
	b->dev = nic;
	b->dir = dir;
	b->niov_size = niov_size;
	b->niov_shift = (uint32_t)__builtin_ctz(niov_size);
	r = nm_dmabuf_attach(buf, nic, &b->att);
	if (r < 0) {
		r = nm_err_wrap(r, "attach of the dma-buf");
		goto err_put_buf;
	}
	r = nm_dmabuf_map_attachment(b->att, dir, &b->map);
	if (r < 0) {
		r = nm_err_wrap(r, "mapping the attachment");
		goto err_detach;
	}
	r = nm_binding_build_areas(b);
	if (r)
		goto err_free_areas;
	r = nm_binding_build_allocator(b);
	if (r)
		goto err_free_areas;
	r = pthread_mutex_init(&b->lock, NULL);
	if (r) {
		r = nm_err(r, "mutex init");
		goto err_free_areas;
	}
	atomic_init(&b->refs, 1);
	b->magic = NM_BINDING_MAGIC;
	*out = b;
	return 0;

err_free_areas:
	nm_binding_free_areas(b);
	nm_dmabuf_unmap_attachment(b->att, b->map);
err_detach:
	nm_dmabuf_detach(b->att);
err_put_buf:
	nm_dmabuf_put(b->buf);
err_free_binding:
	free(b);
	return r;
}

/* ---- References -------------------------------------------------------------- */

static void nm_binding_free(struct nm_dmabuf_binding *b)
{
	b->magic = 0;
	nm_dmabuf_unmap_attachment(b->att, b->map);
	nm_dmabuf_detach(b->att);
	nm_dmabuf_put(b->buf);
	pthread_mutex_destroy(&b->lock);
	nm_binding_free_areas(b);
	free(b);
}

int nm_dmabuf_binding_get(struct nm_dmabuf_binding *b)
{
	int r = nm_binding_check_arg(b);

	if (r)
		return r;
	atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
	return 0;
}

void nm_dmabuf_binding_put(struct nm_dmabuf_binding *b)
{
	if (nm_binding_check_arg(b))
		return;
	if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
		nm_binding_free(b);
}

int nm_dmabuf_binding_unbind(struct nm_dmabuf_binding *b)
{
	int r = nm_binding_check_arg(b);

	if (r)
		return r;
	if (atomic_exchange_explicit(&b->unbound, true, memory_order_acq_rel))
		return nm_err(EINVAL, "binding %u already unbound",
			      atomic_load_explicit(&b->id, memory_order_relaxed));
	nm_dmabuf_binding_put(b);
	return 0;
}

/* ---- Queries ------------------------------------------------------------------- */

int nm_dmabuf_binding_set_id(struct nm_dmabuf_binding *b, uint32_t id)
{
	int r = nm_binding_check_arg(b);

	if (r)
		return r;
	atomic_store_explicit(&b->id, id, memory_order_relaxed);
	return 0;
}

uint32_t nm_dmabuf_binding_id(const struct nm_dmabuf_binding *b)
{
	if (nm_binding_check_arg(b))
		return 0;
	return atomic_load_explicit(&b->id, memory_order_relaxed);
}

struct nm_dmabuf *nm_dmabuf_binding_dmabuf(const struct nm_dmabuf_binding *b)
{
	return nm_binding_check_arg(b) ? NULL : b->buf;
}

struct nm_device *nm_dmabuf_binding_device(const struct nm_dmabuf_binding *b)
{
	return nm_binding_check_arg(b) ? NULL : b->dev;
}

enum nm_dma_dir nm_dmabuf_binding_dir(const struct nm_dmabuf_binding *b)
{
	return nm_binding_check_arg(b) ? NM_DMA_BIDIRECTIONAL : b->dir;
}

struct nm_dma_mapping *nm_dmabuf_binding_mapping(const struct nm_dmabuf_binding *b)
{
	return nm_binding_check_arg(b) ? NULL : b->map;
}

uint32_t nm_dmabuf_binding_niov_size(const struct nm_dmabuf_binding *b)
{
	return nm_binding_check_arg(b) ? 0 : b->niov_size;
}

bool nm_dmabuf_binding_is_unbound(const struct nm_dmabuf_binding *b)
{
	if (nm_binding_check_arg(b))
		return true;
	return atomic_load_explicit(&b->unbound, memory_order_acquire);
}

long nm_dmabuf_binding_refs(const struct nm_dmabuf_binding *b)
{
	int r = nm_binding_check_arg(b);

	return r ? r : atomic_load_explicit(&b->refs, memory_order_relaxed);
}

uint32_t nm_dmabuf_binding_num_areas(const struct nm_dmabuf_binding *b)
{
	return nm_binding_check_arg(b) ? 0 : b->nr_areas;
}

int nm_dmabuf_binding_area(struct nm_dmabuf_binding *b, uint32_t i,
			   struct nm_net_iov_area **out)
{
	int r = nm_binding_check_arg(b);

	if (r)
		return r;
	if (!out)
		return nm_err(EINVAL, "out is NULL");
	if (i >= b->nr_areas)
		return nm_err(EINVAL, "area %u of %u", i, b->nr_areas);
	*out = &b->areas[i];
	return 0;
}

uint64_t nm_dmabuf_binding_num_niovs(const struct nm_dmabuf_binding *b)
{
	return nm_binding_check_arg(b) ? 0 : b->nr_niovs;
}

uint64_t nm_dmabuf_binding_avail(const struct nm_dmabuf_binding *b)
{
	struct nm_dmabuf_binding *mb = (struct nm_dmabuf_binding *)b;
	uint64_t n;

	if (nm_binding_check_arg(b))
		return 0;
	pthread_mutex_lock(&mb->lock);
	n = mb->nr_free;
	pthread_mutex_unlock(&mb->lock);
	return n;
}

int nm_dmabuf_binding_niov_at(struct nm_dmabuf_binding *b, uint64_t offset,
			      struct nm_net_iov **out)
{
	uint32_t lo = 0, hi;
	const struct nm_net_iov_area *a;
	uint64_t j;
	int r = nm_binding_check_arg(b);

	if (r)
		return r;
	if (!out)
		return nm_err(EINVAL, "out is NULL");
	hi = b->nr_areas;
	/* last area with base_virtual <= offset */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (b->areas[mid].base_virtual <= offset)
			lo = mid;
		else
			hi = mid;
	}
	a = &b->areas[lo];
	if (offset >= a->base_virtual + b->area_len[lo])
		return nm_err(EINVAL, "offset %llu beyond the %llu-byte "
			      "dma-buf", (unsigned long long)offset,
			      (unsigned long long)(a->base_virtual + b->area_len[lo]));
	j = (offset - a->base_virtual) >> b->niov_shift;
	if (j >= a->num_niovs)
		return nm_err(ENOENT, "offset %llu is in the unused tail "
			      "of area %u", (unsigned long long)offset, lo);
	*out = &a->niovs[j];
	return 0;
}

/* ---- Chunk allocator --------------------------------------------------------------- */

static uint64_t nm_binding_global_idx(const struct nm_dmabuf_binding *b,
				      const struct nm_net_iov *niov)
{
	uint32_t a = (uint32_t)(niov->owner - b->areas);

	return b->area_first[a] + nm_net_iov_idx(niov);
}

int nm_dmabuf_binding_alloc_niovs(struct nm_dmabuf_binding *b, struct nm_net_iov **out,
				  unsigned int n)
{
	unsigned int i;
	int r = nm_binding_check_arg(b);

	if (r)
		return r;
	if (!out || n == 0 || n > INT32_MAX)
		return nm_err(EINVAL, "%s", out ? "bad n" : "out is NULL");
	if (atomic_load_explicit(&b->unbound, memory_order_acquire))
		return nm_err(ENODEV, "binding %u is unbound",
			      atomic_load_explicit(&b->id, memory_order_relaxed));
	pthread_mutex_lock(&b->lock);
	for (i = 0; i < n && b->nr_free; i++) {
		struct nm_net_iov *niov = b->free_stack[--b->nr_free];

		b->is_free[nm_binding_global_idx(b, niov)] = 0;
		out[i] = niov;
	}
	pthread_mutex_unlock(&b->lock);
	return (int)i;
}

int nm_dmabuf_binding_free_niov(struct nm_dmabuf_binding *b, struct nm_net_iov *niov)
{
	uint64_t g;
	int r = nm_binding_check_arg(b);

	if (r)
		return r;
	if (!niov)
		return nm_err(EINVAL, "net_iov is NULL");
	if (niov->desc.magic != NM_NETMEM_MAGIC_NIOV || !niov->owner ||
	    niov->owner->owner != b || niov->owner->type != NM_NET_IOV_DMABUF)
		return nm_err(EINVAL, "net_iov %p is not one of binding %p's",
			      (void *)niov, (void *)b);
	g = nm_binding_global_idx(b, niov);
	pthread_mutex_lock(&b->lock);
	if (b->is_free[g]) {
		pthread_mutex_unlock(&b->lock);
		return nm_err(EINVAL, "net_iov at offset %llu is already free",
			      (unsigned long long)nm_net_iov_offset(niov));
	}
	b->is_free[g] = 1;
	b->free_stack[b->nr_free++] = niov;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int nm_dmabuf_binding_check(struct nm_dmabuf_binding *b)
{
	uint64_t set = 0, off = 0;
	int r = nm_binding_check_arg(b);

	if (r)
		return r;
	for (uint32_t i = 0; i < b->nr_areas; i++) {
		const struct nm_net_iov_area *a = &b->areas[i];

		if (a->base_virtual != off || a->owner != b)
			return nm_err(EUCLEAN, "area %u starts at %llu, expected %llu", i,
				      (unsigned long long)a->base_virtual,
				      (unsigned long long)off);
		for (uint32_t j = 0; j < a->num_niovs; j++) {
			const struct nm_net_iov *niov = &a->niovs[j];

			if (niov->owner != a ||
			    niov->desc.dma_addr != a->base_dma + ((uint64_t)j << a->niov_shift))
				return nm_err(EUCLEAN, "area %u niov %u: bad owner or "
					      "dma address", i, j);
		}
		off += b->area_len[i];
	}
	pthread_mutex_lock(&b->lock);
	for (uint64_t g = 0; g < b->nr_niovs; g++)
		set += b->is_free[g];
	if (set != b->nr_free)
		r = nm_err(EUCLEAN, "%llu net_iovs marked free, %llu on the stack",
			   (unsigned long long)set, (unsigned long long)b->nr_free);
	for (uint64_t k = 0; !r && k < b->nr_free; k++) {
		const struct nm_net_iov *niov = b->free_stack[k];

		if (!b->is_free[nm_binding_global_idx(b, niov)])
			r = nm_err(EUCLEAN, "stack entry %llu is not marked free",
				   (unsigned long long)k);
		else if (niov->desc.pp ||
			 atomic_load_explicit(&niov->desc.pp_ref_count, memory_order_relaxed))
			r = nm_err(EUCLEAN, "free net_iov %llu still has a pool or "
				   "references", (unsigned long long)k);
	}
	pthread_mutex_unlock(&b->lock);
	return r;
}
