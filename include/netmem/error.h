/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_ERROR_H
#define NETMEM_ERROR_H

/*
 * Errors, kernel style, and the convention of the calls that report
 * counters (below).
 *
 * Every public netmem function that can fail returns an int: >= 0 on
 * success, -errno on failure.  Functions that produce an object return it
 * through an out-parameter.  On failure the calling thread's last-error
 * message says what was wrong in words, after the name of the call the
 * application made ("nm_udmabuf_create: udmabuf: memfd lacks
 * F_SEAL_SHRINK").  A failed system call reads "<call>: <system call and
 * object>: <strerror>" ("nm_stack_create: epoll_create1: Too many open
 * files").
 */

#ifdef __cplusplus
extern "C" {
#endif

/* The message set by the last failing netmem call on this thread, or "" if
 * none failed yet.  The pointer stays valid until the thread's next failing
 * call. */
const char *nm_last_error(void);

/* Forget the last error of this thread. */
void nm_clear_error(void);

/*
 * Counters.  Every call that reports counters (nm_stack_get_stats(),
 * nm_netdev_get_stats(), nm_netdev_get_rxq_stats(), nm_wire_get_stats(),
 * nm_dma_get_stats(), ..., and the control plane's
 * nm_ctl_page_pool_stats_get()) takes the size of the caller's struct
 * after the struct itself:
 *
 *	struct nm_stack_stats s;
 *
 *	nm_stack_get_stats(st, &s, sizeof(s));
 *
 * A stats struct only grows, by fields added at its end.  The library
 * fills the first min(size, its own size) bytes and zeroes the rest of the
 * caller's struct: a program built against older headers (a smaller
 * struct) gets the fields it knows and nothing is written past them; one
 * built against newer headers than the library it runs with reads 0 in the
 * fields this library does not have.  A size of 0 or above
 * NM_STATS_SIZE_MAX is -EINVAL.
 */
#define NM_STATS_SIZE_MAX	65536

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_ERROR_H */
