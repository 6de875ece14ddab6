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

/* nm_err() for a message without conversions (static storage): recorded
 * by pointer.  nm_err() below picks it at compile time for a literal that
 * has no '%', so the polling loops' -EAGAINs skip even err.c's strchr(). */
int nm_err_lit(int err, const char *msg);

#define NM__ERR_FMT(fmt, ...) (fmt)
#define NM__ERR_IS_LIT(fmt) \
	(__builtin_constant_p(__builtin_strchr((fmt), '%') == NULL) && \
	 __builtin_strchr((fmt), '%') == NULL)
#define nm_err(err, ...)							\
	(NM__ERR_IS_LIT(NM__ERR_FMT(__VA_ARGS__, 0)) ?				\
	 nm_err_lit((err), NM__ERR_FMT(__VA_ARGS__, 0)) : (nm_err)((err), __VA_ARGS__))

/* Same, but keeps the message of a lower layer and prefixes it. */
int nm_err_wrap(int neg_err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define NM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define nm_likely(x)   __builtin_expect(!!(x), 1)
#define nm_unlikely(x) __builtin_expect(!!(x), 0)

#endif
