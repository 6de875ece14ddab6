/* SPDX-License-Identifier: MIT */
#ifndef NM_UTIL_STATS_H
#define NM_UTIL_STATS_H

#include <stddef.h>
#include <string.h>

#include <netmem/error.h>

#include "util/err.h"

/*
 * Hand counters out by the stats convention (include/netmem/error.h): the
 * library's struct src of src_size bytes into the caller's dst of size
 * bytes, which may be older (smaller) or newer (larger) than ours: the
 * first min(size, src_size) bytes, and zeroes for the caller's fields past
 * ours.  call names the public call in the message of a refusal: -EINVAL
 * for a NULL dst, or a size of 0 or above NM_STATS_SIZE_MAX.
 */
static inline int nm_stats_copy(const char *call, void *dst, size_t size, const void *src,
				size_t src_size)
{
	if (!dst)
		return nm_err(EINVAL, "%s: NULL stats", call);
	if (!size || size > NM_STATS_SIZE_MAX)
		return nm_err(EINVAL, "%s: stats size %zu (sizeof the struct, 1..%d)", call, size,
			      NM_STATS_SIZE_MAX);
	if (size <= src_size) {
		memcpy(dst, src, size);
	} else {
		memcpy(dst, src, src_size);
		memset((char *)dst + src_size, 0, size - src_size);
	}
	return 0;
}

#endif
