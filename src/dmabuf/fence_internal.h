/* SPDX-License-Identifier: MIT */
#ifndef NM_DMABUF_FENCE_INTERNAL_H
#define NM_DMABUF_FENCE_INTERNAL_H

/*
 * Internal glue between fence.c, fence_fd.c and resv.c, plus the debug
 * checkers that tests call.  Nothing here is exported from libnetmem.so.
 */

#include <netmem/fence.h>
#include <netmem/resv.h>

#define NM_FENCE_HIDDEN __attribute__((visibility("hidden")))

/* fence_fd.c: the callback behind nm_fence_get_fd().  It owns a private dup
 * of the eventfd and frees itself when it runs. */
void nm__fence_fd_signaled(struct nm_fence *fence, struct nm_fence_cb *cb) NM_FENCE_HIDDEN;

/* fence_fd.c: called by fence.c instead of the callback when a fence is
 * freed unsignaled with an fd callback still pending: closes the dup and
 * frees the callback, so nothing leaks.  The caller's fd never polls
 * readable (the fence can no longer signal). */
void nm__fence_fd_abandon(struct nm_fence_cb *cb) NM_FENCE_HIDDEN;

/* Debug checkers: 0 if the object's invariants hold, else -EUCLEAN with a
 * message naming the broken one.  Take the object's lock; O(n). */
int nm__fence_check(struct nm_fence *fence) NM_FENCE_HIDDEN;
int nm__resv_check(struct nm_resv *resv) NM_FENCE_HIDDEN;

/* Current reference count, for tests that prove no reference leaks. */
unsigned nm__fence_refcount(const struct nm_fence *fence) NM_FENCE_HIDDEN;

#endif
