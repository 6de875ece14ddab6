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
 *		return nm_err(EINVAL, "empty range");
 *
 * The message says what is wrong, not who says it: the public call's name
 * goes in front by itself (NM_API_CALL() below; "nm_dma_map: empty range").
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

/*
 * A failed system call, converted once, where it is made:
 *
 *	fd = open(path, O_RDWR);
 *	if (fd < 0)
 *		return nm_err_sys(errno, "open %s", path);
 *
 * records "<public call>: <what>: <strerror(err)>" ("nm_stack_create:
 * epoll_create1: Too many open files") and returns -err.  what
 * names the system call and its object, never a function of ours: the
 * public call comes from NM_API_CALL() below.  err is the errno the call
 * left (or the one it returned, as netlink's error or SO_ERROR do).
 */
int nm_err_sys(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The public call running on this thread, named once where it starts:
 * every public function that returns 0 or -errno (int, ssize_t) opens with
 *
 *	NM_API_CALL();
 *
 * (tools/check_api.py checks it).  The outermost call keeps the name (a
 * public call made inside another, nm_host_destroy()'s nm_stack_destroy(),
 * is part of the outer one), and the name goes when that call returns.
 * Errors made outside any public call (a test driving an internal
 * function) carry no name.  initial-exec: a load and a store, not a
 * __tls_get_addr() call, on every socket call.
 */
extern __thread const char *nm__api_call
	__attribute__((tls_model("initial-exec"), visibility("hidden")));

static inline const char *nm__api_enter(const char *fn)
{
	const char *outer = nm__api_call;

	if (!outer)
		nm__api_call = fn;
	return outer;
}

static inline void nm__api_leave(const char *const *outer)
{
	nm__api_call = *outer;
}

#define NM_API_CALL()								\
	const char *const nm__api_outer					\
		__attribute__((cleanup(nm__api_leave), unused)) = nm__api_enter(__func__)

#define NM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define nm_likely(x)   __builtin_expect(!!(x), 1)
#define nm_unlikely(x) __builtin_expect(!!(x), 0)

#endif
