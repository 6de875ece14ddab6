/* SPDX-License-Identifier: MIT */
/*
 * The simulated physical address map.
 *
 * One process-wide map: a RAM region and up to NM_PHYS_MAX_DEV device BAR
 * regions, each with its own range allocator.  A memory object owns one
 * contiguous physical span; with NM_MEM_SCATTER its pages are placed in a
 * shuffled order inside the span (page i at span page i ^ 1), so a
 * physically contiguous object is not also contiguous in object offsets,
 * as with a real page allocator.
 *
 * Invariants:
 *  1. objs[] is sorted by base; spans never overlap.
 *  2. An object's extents cover [0, size) exactly, and their physical runs
 *     cover its span exactly.
 *  3. A device region is removed only when nothing is placed in it.
 *
 * Workload: placement on object creation (control path, write lock);
 * lookups during dma_map and nm_phys_lookup (read lock, binary search).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem_internal.h"
#include "util/err.h"
#include "util/stats.h"
#include "util/range.h"

struct pm_region {
	struct nm_device *dev;		/* NULL: free slot (device regions) */
	struct nm_range_alloc ra;
};

struct pm_obj {
	uint64_t base;
	struct nm_memobj *obj;
};

static struct {
	pthread_rwlock_t lock;
	bool ready;
	struct pm_region region[1 + NM_PHYS_MAX_DEV];	/* 0 = RAM */
	struct pm_obj *objs;
	uint32_t nr_objs, cap_objs;
} pm = { .lock = PTHREAD_RWLOCK_INITIALIZER };

/* Caller holds the write lock. */
static int pm_ready(void)
{
	if (pm.ready)
		return 0;
	if (nm_range_init(&pm.region[0].ra, NM_PHYS_RAM_BASE, NM_PHYS_RAM_SIZE))
		return nm_err(ENOMEM, "physmap: cannot set up the RAM region");
	pm.ready = true;
	return 0;
}

void nm_physmap_rdlock(void)
{
	pthread_rwlock_rdlock(&pm.lock);
}

void nm_physmap_unlock(void)
{
	pthread_rwlock_unlock(&pm.lock);
}

int nm_physmap_add_device(struct nm_device *dev, uint64_t size, uint64_t *phys)
{
	int ret = 0;

	if (!size || size > NM_PHYS_DEV_STRIDE || (size & (NM_PAGE_SIZE - 1)))
		return nm_err(EINVAL, "physmap: device memory size %#llx invalid",
			      (unsigned long long)size);
	pthread_rwlock_wrlock(&pm.lock);
	ret = pm_ready();
	if (ret)
		goto out;
	for (int i = 1; i <= NM_PHYS_MAX_DEV; i++) {
		uint64_t base = NM_PHYS_DEV_BASE + (uint64_t)(i - 1) * NM_PHYS_DEV_STRIDE;

		if (pm.region[i].dev)
			continue;
		if (nm_range_init(&pm.region[i].ra, base, size)) {
			ret = nm_err(ENOMEM, "physmap: out of memory");
			goto out;
		}
		pm.region[i].dev = dev;
		dev->region = i;
		*phys = base;
		goto out;
	}
	ret = nm_err(ENOSPC, "physmap: all %d device regions in use", NM_PHYS_MAX_DEV);
out:
	pthread_rwlock_unlock(&pm.lock);
	return ret;
}

int nm_physmap_remove_device(struct nm_device *dev)
{
	int ret = 0;

	pthread_rwlock_wrlock(&pm.lock);
	if (dev->region <= 0 || dev->region > NM_PHYS_MAX_DEV ||
	    pm.region[dev->region].dev != dev) {
		ret = nm_err(EINVAL, "physmap: %s has no device region", dev->name);
	} else if (pm.region[dev->region].ra.used) {
		ret = nm_err(EBUSY, "physmap: memory of %s still allocated", dev->name);
	} else {
		nm_range_fini(&pm.region[dev->region].ra);
		pm.region[dev->region].dev = NULL;
		dev->region = -1;
	}
	pthread_rwlock_unlock(&pm.lock);
	return ret;
}

/* Index of the first entry with base > phys. */
static uint32_t pm_upper(uint64_t phys)
{
	uint32_t lo = 0, hi = pm.nr_objs;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (pm.objs[mid].base <= phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int pm_index_insert(struct nm_memobj *obj)
{
	uint32_t i;

	if (pm.nr_objs == pm.cap_objs) {
		uint32_t cap = pm.cap_objs ? pm.cap_objs * 2 : 64;
		void *p = realloc(pm.objs, cap * sizeof(*pm.objs));

		if (!p)
			return -ENOMEM;
		pm.objs = p;
		pm.cap_objs = cap;
	}
	i = pm_upper(obj->phys_base);
	memmove(&pm.objs[i + 1], &pm.objs[i], (pm.nr_objs - i) * sizeof(*pm.objs));
	pm.objs[i].base = obj->phys_base;
	pm.objs[i].obj = obj;
	pm.nr_objs++;
	return 0;
}

static void pm_index_remove(struct nm_memobj *obj)
{
	uint32_t i = pm_upper(obj->phys_base);

	if (i && pm.objs[i - 1].obj == obj) {
		i--;
		memmove(&pm.objs[i], &pm.objs[i + 1], (pm.nr_objs - i - 1) * sizeof(*pm.objs));
		pm.nr_objs--;
	}
}

/* Build the extents of obj placed at base.  Scattered objects swap each
 * pair of pages, so no two neighbouring object pages are physically
 * adjacent. */
static int pm_build_extents(struct nm_memobj *obj, uint64_t base)
{
	uint64_t pages = obj->size >> NM_PAGE_SHIFT;
	uint32_t n = (obj->flags & NM_MEM_SCATTER) && pages >= 2 ? (uint32_t)pages : 1;
	struct nm_extent *ext = calloc(n, sizeof(*ext));
	uint32_t *byp = calloc(n, sizeof(*byp));

	if (!ext || !byp) {
		free(ext);
		free(byp);
		return -ENOMEM;
	}
	if (n == 1) {
		ext[0] = (struct nm_extent){ .phys = base, .off = 0, .len = obj->size };
		byp[0] = 0;
	} else {
		for (uint32_t i = 0; i < n; i++) {
			uint32_t slot = (i ^ 1u) < n ? (i ^ 1u) : i;

			ext[i].off = (uint64_t)i << NM_PAGE_SHIFT;
			ext[i].len = NM_PAGE_SIZE;
			ext[i].phys = base + ((uint64_t)slot << NM_PAGE_SHIFT);
			byp[slot] = i;
		}
	}
	free(obj->ext);
	free(obj->ext_by_phys);
	obj->ext = ext;
	obj->ext_by_phys = byp;
	obj->nr_ext = n;
	obj->phys_base = base;
	return 0;
}

static struct pm_region *pm_region_of(int region)
{
	if (region < 0 || region > NM_PHYS_MAX_DEV)
		return NULL;
	if (region && !pm.region[region].dev)
		return NULL;
	return &pm.region[region];
}

int nm_physmap_alloc(struct nm_memobj *obj)
{
	struct pm_region *r;
	uint64_t base;
	int ret;

	pthread_rwlock_wrlock(&pm.lock);
	ret = pm_ready();
	if (ret)
		goto out;
	r = pm_region_of(obj->region);
	if (!r) {
		ret = nm_err(EINVAL, "physmap: no region %d", obj->region);
		goto out;
	}
	ret = nm_range_alloc(&r->ra, obj->size, NM_PAGE_SIZE, &base);
	if (ret) {
		ret = nm_err(ret == -ENOSPC ? ENOMEM : -ret,
			     "physmap: no room for %llu bytes in %s",
			     (unsigned long long)obj->size,
			     obj->region ? "device memory" : "RAM");
		goto out;
	}
	ret = pm_build_extents(obj, base);
	if (!ret)
		ret = pm_index_insert(obj);
	if (ret) {
		/* forget the extents too, so the object's free does not give
		 * the span back a second time */
		nm_range_free(&r->ra, base, obj->size);
		free(obj->ext);
		free(obj->ext_by_phys);
		obj->ext = NULL;
		obj->ext_by_phys = NULL;
		obj->nr_ext = 0;
		ret = nm_err(ENOMEM, "physmap: out of memory");
	}
out:
	pthread_rwlock_unlock(&pm.lock);
	return ret;
}

void nm_physmap_free(struct nm_memobj *obj)
{
	struct pm_region *r;

	if (!obj->ext)
		return;
	pthread_rwlock_wrlock(&pm.lock);
	pm_index_remove(obj);
	r = pm_region_of(obj->region);
	if (r)
		nm_range_free(&r->ra, obj->phys_base, obj->size);
	pthread_rwlock_unlock(&pm.lock);
	free(obj->ext);
	free(obj->ext_by_phys);
	obj->ext = NULL;
	obj->ext_by_phys = NULL;
	obj->nr_ext = 0;
}

int nm_memobj_relocate(struct nm_memobj *obj)
{
	struct pm_region *r;
	uint64_t base, old;
	int ret;

	if (!obj)
		return nm_err(EINVAL, "memobj_relocate: NULL object");
	pthread_rwlock_wrlock(&pm.lock);
	/* dma_map counts segments under the read lock, so this is stable */
	if (atomic_load(&obj->maps)) {
		ret = nm_err(EBUSY, "memobj_relocate: object still has DMA mappings");
		goto out;
	}
	r = pm_region_of(obj->region);
	if (!r) {
		ret = nm_err(EINVAL, "memobj_relocate: object has no region");
		goto out;
	}
	ret = nm_range_alloc(&r->ra, obj->size, NM_PAGE_SIZE, &base);
	if (ret) {
		ret = nm_err(ENOMEM, "memobj_relocate: no room to move %llu bytes",
			     (unsigned long long)obj->size);
		goto out;
	}
	old = obj->phys_base;
	pm_index_remove(obj);
	ret = pm_build_extents(obj, base);
	if (ret) {
		/* extents of the old placement are intact: put them back */
		nm_range_free(&r->ra, base, obj->size);
		pm_index_insert(obj);
		ret = nm_err(ENOMEM, "memobj_relocate: out of memory");
		goto out;
	}
	if (pm_index_insert(obj)) {
		/* cannot fail: the entry we removed left room */
		ret = nm_err(ENOMEM, "memobj_relocate: out of memory");
	}
	nm_range_free(&r->ra, old, obj->size);
out:
	pthread_rwlock_unlock(&pm.lock);
	return ret;
}

struct nm_memobj *nm__phys_find(uint64_t phys, uint64_t *off, uint64_t *run)
{
	uint32_t i = pm_upper(phys);
	struct nm_memobj *obj;
	uint32_t lo = 0, hi;

	if (!i)
		return NULL;
	obj = pm.objs[i - 1].obj;
	if (phys - obj->phys_base >= obj->size)
		return NULL;
	/* last extent (by phys) starting at or below phys */
	hi = obj->nr_ext;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (obj->ext[obj->ext_by_phys[mid]].phys <= phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	const struct nm_extent *e = &obj->ext[obj->ext_by_phys[lo - 1]];

	*off = e->off + (phys - e->phys);
	*run = e->len - (phys - e->phys);
	return obj;
}

int nm_phys_lookup(uint64_t phys, struct nm_memobj **objp, uint64_t *offset)
{
	NM_API_CALL();
	struct nm_memobj *obj;
	uint64_t off, run;

	if (!objp || !offset)
		return nm_err(EINVAL, "NULL output pointer");
	pthread_rwlock_rdlock(&pm.lock);
	obj = nm__phys_find(phys, &off, &run);
	if (obj)
		nm_memobj_get(obj);
	pthread_rwlock_unlock(&pm.lock);
	if (!obj)
		return nm_err(ENOENT, "no memory object at %#llx",
			      (unsigned long long)phys);
	*objp = obj;
	*offset = off;
	return 0;
}

int nm_physmap_get_stats(struct nm_physmap_stats *st, size_t size)
{
	NM_API_CALL();
	struct nm_physmap_stats s = { 0 };

	if (!st)
		return nm_err(EINVAL, "NULL output");
	pthread_rwlock_rdlock(&pm.lock);
	s.ram_base = NM_PHYS_RAM_BASE;
	s.ram_size = NM_PHYS_RAM_SIZE;
	s.ram_used = pm.ready ? pm.region[0].ra.used : 0;
	for (int i = 1; i <= NM_PHYS_MAX_DEV; i++) {
		if (!pm.region[i].dev)
			continue;
		s.device_regions++;
		s.device_used += pm.region[i].ra.used;
	}
	s.objects = pm.nr_objs;
	pthread_rwlock_unlock(&pm.lock);
	return nm_stats_copy("physmap_get_stats", st, size, &s, sizeof(s));
}
