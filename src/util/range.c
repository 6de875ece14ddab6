/* SPDX-License-Identifier: MIT */
/*
 * First-fit range allocator (see range.h).
 *
 * Invariants:
 *  1. free[] is sorted by start, entries are non-empty, disjoint and never
 *     adjacent (adjacent ranges are merged on free).
 *  2. used == (end - base) - sum(free[i].len).
 *
 * Workload: a few allocations per DMA mapping or memory object; the free
 * list stays short because mappings come and go in roughly LIFO order.
 */
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/range.h"

static int range_grow(struct nm_range_alloc *ra)
{
	uint32_t cap = ra->cap ? ra->cap * 2 : 16;
	void *p = realloc(ra->free, cap * sizeof(*ra->free));

	if (!p)
		return -ENOMEM;
	ra->free = p;
	ra->cap = cap;
	return 0;
}

static int range_insert(struct nm_range_alloc *ra, uint32_t i, uint64_t start, uint64_t len)
{
	if (ra->nr == ra->cap && range_grow(ra))
		return -ENOMEM;
	memmove(&ra->free[i + 1], &ra->free[i], (ra->nr - i) * sizeof(*ra->free));
	ra->free[i].start = start;
	ra->free[i].len = len;
	ra->nr++;
	return 0;
}

static void range_remove(struct nm_range_alloc *ra, uint32_t i)
{
	memmove(&ra->free[i], &ra->free[i + 1], (ra->nr - i - 1) * sizeof(*ra->free));
	ra->nr--;
}

int nm_range_init(struct nm_range_alloc *ra, uint64_t base, uint64_t len)
{
	memset(ra, 0, sizeof(*ra));
	if (!len || base + len < base)
		return -EINVAL;
	ra->base = base;
	ra->end = base + len;
	return range_insert(ra, 0, base, len);
}

void nm_range_fini(struct nm_range_alloc *ra)
{
	free(ra->free);
	memset(ra, 0, sizeof(*ra));
}

int nm_range_alloc(struct nm_range_alloc *ra, uint64_t len, uint64_t align, uint64_t *start)
{
	if (!len || !align || (align & (align - 1)))
		return -EINVAL;
	for (uint32_t i = 0; i < ra->nr; i++) {
		struct nm_range_free *f = &ra->free[i];
		uint64_t s = (f->start + align - 1) & ~(align - 1);
		uint64_t fend = f->start + f->len;

		if (s < f->start || s > fend || fend - s < len)
			continue;
		/* Split f into [f->start, s) and [s + len, fend). */
		if (s + len < fend) {
			if (s > f->start) {
				if (range_insert(ra, i + 1, s + len, fend - s - len))
					return -ENOMEM;
				ra->free[i].len = s - ra->free[i].start;
			} else {
				f->start = s + len;
				f->len = fend - f->start;
			}
		} else if (s > f->start) {
			f->len = s - f->start;
		} else {
			range_remove(ra, i);
		}
		ra->used += len;
		*start = s;
		return 0;
	}
	return -ENOSPC;
}

int nm_range_free(struct nm_range_alloc *ra, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;
	uint32_t lo = 0, hi = ra->nr;

	if (!len || end < start || start < ra->base || end > ra->end)
		return -EINVAL;
	/* First free range starting after start. */
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (ra->free[mid].start <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	struct nm_range_free *prev = lo ? &ra->free[lo - 1] : NULL;
	struct nm_range_free *next = lo < ra->nr ? &ra->free[lo] : NULL;

	if ((prev && prev->start + prev->len > start) || (next && next->start < end))
		return -EINVAL;	/* double free or overlap */
	int merge_prev = prev && prev->start + prev->len == start;
	int merge_next = next && next->start == end;

	if (merge_prev && merge_next) {
		prev->len += len + next->len;
		range_remove(ra, lo);
	} else if (merge_prev) {
		prev->len += len;
	} else if (merge_next) {
		next->start = start;
		next->len += len;
	} else if (range_insert(ra, lo, start, len)) {
		return -ENOMEM;
	}
	ra->used -= len;
	return 0;
}
