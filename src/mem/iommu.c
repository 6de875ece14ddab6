/* SPDX-License-Identifier: MIT */
/*
 * IOMMU domains: one per DMA device.  An IOVA range allocator plus the index
 * of live mappings that the DMA engine translates through.
 *
 * Invariants:
 *  1. maps[] is sorted by iova, keys[i] == maps[i]->iova; IOVA blocks never
 *     overlap (the allocator hands each out once).
 *  2. A mapping is in maps[] iff it has an IOVA block, in p2p[] iff it has
 *     P2P runs; it is in neither once unmapped.
 *  3. Translation holds dom.lock for reading, so an unmap (write lock)
 *     never frees a mapping under a running copy.
 *
 * Workload: insert/remove per nm_dma_map/unmap (control path, or a page
 * pool filling up); find per DMA-engine access (data path, binary search
 * over live mappings, then over the mapping's runs).
 */
#include <stdlib.h>
#include <string.h>

#include "mem/mem_internal.h"
#include "util/err.h"

int nm_device_init(struct nm_device *dev)
{
	struct nm_iommu_domain *dom = &dev->dom;
	int ret;

	dev->region = -1;
	atomic_init(&dev->refs, 0);
	memset(dom, 0, sizeof(*dom));
	dom->translated = !(dev->node && (dev->node->flags & NM_PCI_F_NOIOMMU));
	if (nm_range_init(&dom->iova, NM_IOVA_BASE, NM_IOVA_END - NM_IOVA_BASE))
		return nm_err(ENOMEM, "device %s: cannot set up its IOMMU domain", dev->name);
	if (pthread_rwlock_init(&dom->lock, NULL)) {
		nm_range_fini(&dom->iova);
		return nm_err(ENOMEM, "device %s: cannot set up its IOMMU lock", dev->name);
	}
	if (dev->mem_size) {
		ret = nm_physmap_add_device(dev, dev->mem_size, &dev->mem_phys);
		if (ret) {
			pthread_rwlock_destroy(&dom->lock);
			nm_range_fini(&dom->iova);
			return nm_err_wrap(ret, "device %s", dev->name);
		}
	}
	return 0;
}

void nm_device_fini(struct nm_device *dev)
{
	if (dev->region > 0)
		nm_physmap_remove_device(dev);
	pthread_rwlock_destroy(&dev->dom.lock);
	nm_range_fini(&dev->dom.iova);
	free(dev->dom.maps);
	free(dev->dom.keys);
	free(dev->dom.p2p);
	memset(&dev->dom, 0, sizeof(dev->dom));
}

uint64_t nm_device_bus_offset(const struct nm_device *dev)
{
	const struct nm_pci_node *n = dev ? dev->node : NULL;

	while (n && n->parent)
		n = n->parent;
	return n ? n->bus_offset : 0;
}

static int grow(void *arrp, uint32_t *cap, uint32_t nr)
{
	void **arr = arrp;
	uint32_t ncap;
	void *p;

	if (nr < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * sizeof(void *));
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Room for one more in maps[] and keys[] (same capacity). */
static int grow_maps(struct nm_iommu_domain *dom)
{
	uint32_t cap = dom->cap_maps;
	uint64_t *k;

	if (dom->nr_maps < cap)
		return 0;
	if (grow(&dom->maps, &cap, dom->nr_maps))
		return -ENOMEM;
	k = realloc(dom->keys, cap * sizeof(*k));
	if (!k)
		return -ENOMEM;	/* maps[] is larger: harmless, cap stays */
	dom->keys = k;
	dom->cap_maps = cap;
	return 0;
}

/* First index whose mapping starts above addr. */
static uint32_t maps_upper(const struct nm_iommu_domain *dom, uint64_t addr)
{
	uint32_t lo = 0, hi = dom->nr_maps;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (dom->keys[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int nm_iommu_insert(struct nm_iommu_domain *dom, struct nm_dma_mapping *map)
{
	bool iova = map->iova_len != 0, p2p = map->nr_segs > map->nr_iova_segs;

	if ((iova && grow_maps(dom)) ||
	    (p2p && grow(&dom->p2p, &dom->cap_p2p, dom->nr_p2p)))
		return -ENOMEM;
	if (iova) {
		uint32_t i = maps_upper(dom, map->iova);

		memmove(&dom->maps[i + 1], &dom->maps[i], (dom->nr_maps - i) * sizeof(map));
		memmove(&dom->keys[i + 1], &dom->keys[i], (dom->nr_maps - i) * sizeof(uint64_t));
		dom->maps[i] = map;
		dom->keys[i] = map->iova;
		dom->nr_maps++;
	}
	if (p2p)
		dom->p2p[dom->nr_p2p++] = map;
	return 0;
}

void nm_iommu_remove(struct nm_iommu_domain *dom, struct nm_dma_mapping *map)
{
	if (map->iova_len) {
		uint32_t i = maps_upper(dom, map->iova);

		if (i && dom->maps[i - 1] == map) {
			i--;
			memmove(&dom->maps[i], &dom->maps[i + 1],
				(dom->nr_maps - i - 1) * sizeof(map));
			memmove(&dom->keys[i], &dom->keys[i + 1],
				(dom->nr_maps - i - 1) * sizeof(uint64_t));
			dom->nr_maps--;
		}
	}
	for (uint32_t i = 0; i < dom->nr_p2p; i++) {
		if (dom->p2p[i] == map) {
			dom->p2p[i] = dom->p2p[--dom->nr_p2p];
			break;
		}
	}
}

/* The run of segs[lo, hi) covering addr, or NULL. */
static const struct nm_map_seg *seg_find(const struct nm_map_seg *segs, uint32_t lo,
					 uint32_t hi, uint64_t addr)
{
	uint32_t first = lo;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (segs[mid].dma <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == first || addr - segs[lo - 1].dma >= segs[lo - 1].len)
		return NULL;
	return &segs[lo - 1];
}

static bool dir_allows(enum nm_dma_dir dir, bool device_writes)
{
	if (dir == NM_DMA_BIDIRECTIONAL)
		return true;
	return device_writes ? dir == NM_DMA_FROM_DEVICE : dir == NM_DMA_TO_DEVICE;
}

const struct nm_map_seg *nm_iommu_find(const struct nm_iommu_domain *dom, uint64_t addr,
				       bool device_writes, bool *dir_fault)
{
	const struct nm_map_seg *seg, *wrong = NULL;
	uint32_t i = maps_upper(dom, addr);

	*dir_fault = false;
	if (i) {
		const struct nm_dma_mapping *m = dom->maps[i - 1];

		if (addr - m->iova < m->iova_len) {
			seg = seg_find(m->segs, 0, m->nr_iova_segs, addr);
			if (seg && dir_allows(m->dir, device_writes))
				return seg;
			if (seg)
				wrong = seg;
		}
	}
	for (uint32_t j = 0; j < dom->nr_p2p; j++) {
		const struct nm_dma_mapping *m = dom->p2p[j];

		seg = seg_find(m->segs, m->nr_iova_segs, m->nr_segs, addr);
		if (!seg)
			continue;
		if (dir_allows(m->dir, device_writes))
			return seg;
		wrong = seg;
	}
	*dir_fault = wrong != NULL;
	return NULL;
}
