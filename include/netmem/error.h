/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_ERROR_H
#define NETMEM_ERROR_H

/*
 * Errors, kernel style.
 *
 * Every public netmem function that can fail returns an int: >= 0 on
 * success, -errno on failure.  Functions that produce an object return it
 * through an out-parameter.  On failure the calling thread's last-error
 * message says what was wrong in words ("udmabuf: memfd lacks F_SEAL_SHRINK").
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

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_ERROR_H */
