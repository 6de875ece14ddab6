/* SPDX-License-Identifier: MIT */
#ifndef NM_UTIL_BITS_H
#define NM_UTIL_BITS_H

#include <stdint.h>

/* The smallest power of two >= v (1 for 0); v at most 2^31. */
static inline uint32_t nm_roundup_pow2(uint32_t v)
{
	uint32_t r = 1;

	while (r < v)
		r <<= 1;
	return r;
}

#endif
