/* SPDX-License-Identifier: MIT */
#ifndef NM_UTIL_ERR_H
#define NM_UTIL_ERR_H

#include <errno.h>
#include <netmem/error.h>

/*
 * nm_err(): record a readable message for nm_last_error() and return -err.
 * Use at the point where the error is detected:
 *
 *	if (len == 0)
 *		return nm_err(EINVAL, "dma_map: empty range");
 *
 * err is a positive errno value.  fmt must be a string literal: one
 * without conversions is kept by pointer, not copied (err.c).
 */
int nm_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Same, but keeps the message of a lower layer and prefixes it. */
int nm_err_wrap(int neg_err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define NM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define nm_likely(x)   __builtin_expect(!!(x), 1)
#define nm_unlikely(x) __builtin_expect(!!(x), 0)

#endif
