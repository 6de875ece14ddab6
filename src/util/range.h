/* SPDX-License-Identifier: MIT */
#ifndef NM_UTIL_RANGE_H
#define NM_UTIL_RANGE_H

#include <stdint.h>

/*
 * A first-fit allocator of ranges of a 64-bit address space (IOVAs,
 * simulated physical addresses).  Free ranges are kept sorted and merged;
 * allocation scans them, so cost grows with fragmentation, not with the
 * number of allocations.  Control path only: callers hold their own lock.
 */
struct nm_range_alloc {
	uint64_t base, end;
	struct nm_range_free {
		uint64_t start, len;
	} *free;
	uint32_t nr, cap;
	uint64_t used;
};

int nm_range_init(struct nm_range_alloc *ra, uint64_t base, uint64_t len);
void nm_range_fini(struct nm_range_alloc *ra);
/* len and align must be nonzero; align a power of two.  -ENOSPC if no
 * range fits, -ENOMEM if bookkeeping cannot grow. */
int nm_range_alloc(struct nm_range_alloc *ra, uint64_t len, uint64_t align, uint64_t *start);
/* Give back exactly a range returned by nm_range_alloc (or a part of one).
 * -EINVAL if it is outside the space or overlaps a free range. */
int nm_range_free(struct nm_range_alloc *ra, uint64_t start, uint64_t len);

#endif
