/* SPDX-License-Identifier: MIT */
/*
 * phyr -> dma_vec mapping.
 *
 * A map call takes an array of physical ranges and gives the device a
 * compact dma_vec list.  Ranges of host memory (and of peer memory that is
 * only reachable through the host bridge) share one IOVA block allocated
 * for the whole call, so consecutive page-aligned ranges come out as one
 * dma_vec however scattered they are physically.  Peer memory behind a
 * common switch gets its PCI bus address instead (NM_DMA_VEC_P2P), like
 * Linux p2pdma's BUS_ADDR mapping; memory the device cannot reach is
 * -EREMOTEIO.  A device without an IOMMU gets bus addresses for all.
 *
 * Alongside the vecs the mapping keeps "segments" for the DMA engine: runs
 * that are contiguous both in the device's view and in one memory object,
 * each holding a reference on its object.
 *
 * Lock order: physmap (read) -> domain (write).  Objects are released
 * only after the domain lock is dropped, since freeing one takes the
 * physmap lock for writing.
 *
 * Workload: a page pool maps each buffer once; a dma-buf binding maps once.
 * 1 GiB as 262144 phyrs is one pass over the array, with no per-page state
 * left behind when the pages are physically contiguous.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem_internal.h"
#include "util/err.h"

/* Largest dma_vec: lengths are 32-bit; keep entries aligned and round. */
#define NM_DMA_MAX_SEG (1ULL << 31)
/* Largest phyr array one call accepts (1 TiB of 4 KiB pages). */
#define NM_DMA_MAX_PHYRS (1ULL << 28)

enum map_class {
	MAP_IOVA,	/* through the device's IOMMU */
	MAP_P2P,	/* peer memory by PCI bus address */
	MAP_DIRECT,	/* host memory by bus address: the device has no IOMMU */
};

struct seg_array {
	struct nm_map_seg *v;
	uint32_t nr, cap;
};

struct map_build {
	struct nm_device *dev;
	struct nm_dma_mapping *m;
	uint32_t cap_vecs;
	struct seg_array iova, bus;	/* engine runs by kind */
};

static int classify(struct nm_device *dev, const struct nm_phyr *p, size_t i,
		    enum map_class *cls, uint64_t *bus_off)
{
	struct nm_memobj *obj;
	enum nm_p2p_map_type t;
	uint64_t off, run;

	if (!p->len)
		return nm_err(EINVAL, "phyr %zu has zero length", i);
	if (p->addr + p->len < p->addr)
		return nm_err(EINVAL, "phyr %zu wraps the address space", i);
	obj = nm__phys_find(p->addr, &off, &run);
	if (!obj)
		return nm_err(EINVAL, "phyr %zu at %#llx is not memory", i,
			      (unsigned long long)p->addr);
	if (p->addr - obj->phys_base + p->len > obj->size)
		return nm_err(EINVAL, "phyr %zu crosses the end of its memory object", i);
	*cls = dev->dom.translated ? MAP_IOVA : MAP_DIRECT;
	*bus_off = nm_device_bus_offset(dev);
	if (!obj->dev)
		return 0;
	if (obj->dev->topo != dev->topo)
		return nm_err(EREMOTEIO, "phyr %zu is memory of %s, outside %s's topology",
			      i, obj->dev->name, dev->name);
	if (nm_p2p_distance(obj->dev, dev, &t) < 0)
		return nm_err_wrap(-EREMOTEIO, "phyr %zu", i);
	switch (t) {
	case NM_P2P_MAP_BUS_ADDR:
		*cls = MAP_P2P;
		*bus_off = nm_device_bus_offset(obj->dev);
		return 0;
	case NM_P2P_MAP_THRU_HOST_BRIDGE:
		return 0;
	default:
		return nm_err(EREMOTEIO, "%s cannot reach memory of %s (p2p %s)",
			      dev->name, obj->dev->name, nm_p2p_map_type_name(t));
	}
}

static int push_vec(struct map_build *b, uint64_t addr, uint64_t len, uint32_t flags)
{
	struct nm_dma_mapping *m = b->m;

	while (len) {
		struct nm_dma_vec *prev = m->nr_vecs ? &m->vecs[m->nr_vecs - 1] : NULL;
		uint64_t n;

		if (prev && prev->flags == flags && prev->addr + prev->len == addr &&
		    prev->len < NM_DMA_MAX_SEG) {
			n = NM_DMA_MAX_SEG - prev->len;
			n = n < len ? n : len;
			prev->len += (uint32_t)n;
		} else {
			if (m->nr_vecs == b->cap_vecs) {
				uint32_t cap = b->cap_vecs * 2;
				void *p = realloc(m->vecs, cap * sizeof(*m->vecs));

				if (!p)
					return -ENOMEM;
				m->vecs = p;
				b->cap_vecs = cap;
			}
			n = len < NM_DMA_MAX_SEG ? len : NM_DMA_MAX_SEG;
			m->vecs[m->nr_vecs++] = (struct nm_dma_vec){ addr, (uint32_t)n, flags };
		}
		addr += n;
		len -= n;
	}
	return 0;
}

/* Add the engine runs of one phyr placed at device address dma. */
static int push_segs(struct seg_array *sa, const struct nm_phyr *p, uint64_t dma)
{
	uint64_t phys = p->addr, rem = p->len;

	while (rem) {
		uint64_t off, run, n;
		struct nm_memobj *obj = nm__phys_find(phys, &off, &run);
		struct nm_map_seg *prev = sa->nr ? &sa->v[sa->nr - 1] : NULL;

		n = run < rem ? run : rem;
		if (prev && prev->obj == obj && prev->dma + prev->len == dma &&
		    prev->obj_off + prev->len == off) {
			prev->len += n;
		} else {
			if (sa->nr == sa->cap) {
				uint32_t cap = sa->cap ? sa->cap * 2 : 8;
				void *q = realloc(sa->v, cap * sizeof(*sa->v));

				if (!q)
					return -ENOMEM;
				sa->v = q;
				sa->cap = cap;
			}
			sa->v[sa->nr++] = (struct nm_map_seg){
				.dma = dma, .len = n, .phys = phys, .obj = obj, .obj_off = off };
		}
		phys += n;
		dma += n;
		rem -= n;
	}
	return 0;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct nm_map_seg *x = a, *y = b;

	return x->dma < y->dma ? -1 : x->dma > y->dma;
}

static uint64_t page_span(const struct nm_phyr *p)
{
	uint64_t s = p->addr & ~(NM_PAGE_SIZE - 1);
	uint64_t e = (p->addr + p->len + NM_PAGE_SIZE - 1) & ~(NM_PAGE_SIZE - 1);

	return e - s;
}

static void mapping_free(struct nm_dma_mapping *m)
{
	free(m->vecs);
	free(m->segs);
	free(m);
}

/* Drop the object references of the segments (no locks held). */
static void mapping_release_objs(struct nm_dma_mapping *m)
{
	for (uint32_t i = 0; i < m->nr_segs; i++) {
		atomic_fetch_sub(&m->segs[i].obj->maps, 1);
		nm_memobj_put(m->segs[i].obj);
	}
}

/* Two passes over the phyrs: classify and size the IOVA block, then lay
 * out vecs (in phyr order) and engine runs.  Caller holds the physmap read
 * lock. */
static int map_build(struct map_build *b, const struct nm_phyr *phyrs, size_t n)
{
	struct nm_dma_mapping *m = b->m;
	struct nm_iommu_domain *dom = &b->dev->dom;
	uint64_t iova_len = 0, cursor, bus_off;
	enum map_class cls;
	int ret;

	for (size_t i = 0; i < n; i++) {
		ret = classify(b->dev, &phyrs[i], i, &cls, &bus_off);
		if (ret)
			return ret;
		if (cls == MAP_IOVA)
			iova_len += page_span(&phyrs[i]);
		m->len += phyrs[i].len;
	}
	if (iova_len) {
		pthread_rwlock_wrlock(&dom->lock);
		ret = nm_range_alloc(&dom->iova, iova_len, NM_PAGE_SIZE, &m->iova);
		pthread_rwlock_unlock(&dom->lock);
		if (ret)
			return nm_err(ENOMEM, "%s: no IOVA space for %llu bytes",
				      b->dev->name, (unsigned long long)iova_len);
		m->iova_len = iova_len;
	}
	cursor = m->iova;
	for (size_t i = 0; i < n; i++) {
		const struct nm_phyr *p = &phyrs[i];
		uint64_t dma;

		classify(b->dev, p, i, &cls, &bus_off);
		if (cls == MAP_IOVA) {
			dma = cursor + (p->addr & (NM_PAGE_SIZE - 1));
			cursor += page_span(p);
			ret = push_vec(b, dma, p->len, 0) || push_segs(&b->iova, p, dma);
		} else {
			dma = p->addr + bus_off;
			ret = push_vec(b, dma, p->len, cls == MAP_P2P ? NM_DMA_VEC_P2P : 0) ||
			      push_segs(&b->bus, p, dma);
		}
		if (ret)
			return nm_err(ENOMEM, "out of memory");
	}
	/* engine runs: IOVA ones (ascending by construction), then bus ones */
	if (b->bus.nr)
		qsort(b->bus.v, b->bus.nr, sizeof(*b->bus.v), seg_cmp);
	m->nr_iova_segs = b->iova.nr;
	m->nr_segs = b->iova.nr + b->bus.nr;
	m->segs = malloc((m->nr_segs ? m->nr_segs : 1) * sizeof(*m->segs));
	if (!m->segs)
		return nm_err(ENOMEM, "out of memory");
	if (b->iova.nr)
		memcpy(m->segs, b->iova.v, b->iova.nr * sizeof(*m->segs));
	if (b->bus.nr)
		memcpy(m->segs + b->iova.nr, b->bus.v, b->bus.nr * sizeof(*m->segs));
	return 0;
}

static bool dir_valid(enum nm_dma_dir dir)
{
	return dir == NM_DMA_BIDIRECTIONAL || dir == NM_DMA_TO_DEVICE ||
	       dir == NM_DMA_FROM_DEVICE;
}

int nm_dma_map(struct nm_device *dev, const struct nm_phyr *phyrs, size_t n,
	       enum nm_dma_dir dir, uint32_t attrs, struct nm_dma_mapping **out)
{
	NM_API_CALL();
	struct map_build b = { .dev = dev };
	struct nm_dma_mapping *m;
	int ret;

	if (!dev || !out)
		return nm_err(EINVAL, "NULL %s", dev ? "output pointer" : "device");
	if (!phyrs || !n)
		return nm_err(EINVAL, "no ranges to map");
	if (n > NM_DMA_MAX_PHYRS)
		return nm_err(E2BIG, "%zu ranges exceed the limit of %llu", n,
			      (unsigned long long)NM_DMA_MAX_PHYRS);
	if (!dir_valid(dir))
		return nm_err(EINVAL, "direction %d invalid", (int)dir);
	if (attrs)
		return nm_err(EINVAL, "unknown attrs %#x", attrs);
	m = calloc(1, sizeof(*m));
	b.cap_vecs = 8;
	if (m)
		m->vecs = malloc(b.cap_vecs * sizeof(*m->vecs));
	if (!m || !m->vecs) {
		free(m);
		return nm_err(ENOMEM, "out of memory");
	}
	m->dev = dev;
	m->dir = dir;
	b.m = m;

	nm_physmap_rdlock();
	ret = map_build(&b, phyrs, n);
	if (ret)
		goto err_iova;
	/* the objects may not go away while mapped */
	for (uint32_t i = 0; i < m->nr_segs; i++) {
		nm_memobj_get(m->segs[i].obj);
		atomic_fetch_add(&m->segs[i].obj->maps, 1);
	}
	pthread_rwlock_wrlock(&dev->dom.lock);
	ret = nm_iommu_insert(&dev->dom, m);
	pthread_rwlock_unlock(&dev->dom.lock);
	nm_physmap_unlock();
	if (ret) {
		mapping_release_objs(m);
		ret = nm_err(ENOMEM, "out of memory");
		nm_physmap_rdlock();
		goto err_iova;
	}
	free(b.iova.v);
	free(b.bus.v);
	nm_device_ref(dev);
	atomic_fetch_add_explicit(&dev->st_maps, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&dev->st_live, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&dev->st_mapped_bytes, m->len, memory_order_relaxed);
	*out = m;
	return (int)(m->nr_vecs > INT32_MAX ? INT32_MAX : m->nr_vecs);

err_iova:
	if (m->iova_len) {
		pthread_rwlock_wrlock(&dev->dom.lock);
		nm_range_free(&dev->dom.iova, m->iova, m->iova_len);
		pthread_rwlock_unlock(&dev->dom.lock);
	}
	nm_physmap_unlock();
	free(b.iova.v);
	free(b.bus.v);
	mapping_free(m);
	return ret;
}

/* Remove m from its domain, give its IOVAs and objects back. */
static void mapping_teardown(struct nm_dma_mapping *m)
{
	struct nm_device *dev = m->dev;

	pthread_rwlock_wrlock(&dev->dom.lock);
	nm_iommu_remove(&dev->dom, m);
	if (m->iova_len)
		nm_range_free(&dev->dom.iova, m->iova, m->iova_len);
	pthread_rwlock_unlock(&dev->dom.lock);
	mapping_release_objs(m);
	atomic_fetch_add_explicit(&dev->st_unmaps, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&dev->st_live, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&dev->st_mapped_bytes, m->len, memory_order_relaxed);
	nm_device_unref(dev);
	m->dead = true;
}

void nm_dma_invalidate(struct nm_dma_mapping *m)
{
	if (m && !m->dead)
		mapping_teardown(m);
}

int nm_dma_unmap(struct nm_dma_mapping *m)
{
	NM_API_CALL();
	if (!m)
		return nm_err(EINVAL, "NULL mapping");
	if (!m->dead)
		mapping_teardown(m);
	mapping_free(m);
	return 0;
}

const struct nm_dma_vec *nm_dma_mapping_vecs(const struct nm_dma_mapping *m, uint32_t *nr)
{
	if (nr)
		*nr = m ? m->nr_vecs : 0;
	return m ? m->vecs : NULL;
}

uint64_t nm_dma_mapping_len(const struct nm_dma_mapping *m)
{
	return m ? m->len : 0;
}

enum nm_dma_dir nm_dma_mapping_dir(const struct nm_dma_mapping *m)
{
	return m ? m->dir : NM_DMA_BIDIRECTIONAL;
}

static int sync_check(const char *fn, const struct nm_dma_mapping *m, uint64_t off,
		      uint64_t len)
{
	if (!m)
		return nm_err(EINVAL, "%s: NULL mapping", fn);
	if (!len || off >= m->len || len > m->len - off)
		return nm_err(EINVAL, "%s: range [%llu, +%llu) outside the %llu-byte mapping",
			      fn, (unsigned long long)off, (unsigned long long)len,
			      (unsigned long long)m->len);
	return 0;
}

/* Our simulated devices are cache-coherent, so a sync is a full memory
 * barrier: what one side wrote is visible to the other afterwards. */
int nm_dma_sync_for_cpu(struct nm_dma_mapping *m, uint64_t off, uint64_t len)
{
	NM_API_CALL();
	int ret = sync_check("dma_sync_for_cpu", m, off, len);

	if (!ret)
		atomic_thread_fence(memory_order_seq_cst);
	return ret;
}

int nm_dma_sync_for_device(struct nm_dma_mapping *m, uint64_t off, uint64_t len)
{
	NM_API_CALL();
	int ret = sync_check("dma_sync_for_device", m, off, len);

	if (!ret)
		atomic_thread_fence(memory_order_seq_cst);
	return ret;
}
