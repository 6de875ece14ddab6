/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_RESV_H
#define NETMEM_RESV_H

/*
 * dma-resv: the set of fences guarding a buffer, each with a usage class.
 *
 * Classes are ordered KERNEL < WRITE < READ < BOOKKEEP.  Asking about a
 * class includes the classes below it: testing READ also tests WRITE and
 * KERNEL fences.  Adding a fence that is already present with a lower
 * (stronger) usage promotes it; adding it with a higher one never demotes
 * it.  A newer fence of the same context replaces an older one of the same
 * or a weaker class.  Signaled fences are pruned as new ones are added.
 *
 * Calling order: a job adds its fence before it starts and signals it when
 * it ends; a reader waits for (or tests) WRITE, a writer for READ, which
 * includes WRITE and KERNEL.  nm_resv_wait() also waits for fences added
 * while it waits; a fence added after it returned is the next wait's.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netmem/fence.h>

#ifdef __cplusplus
extern "C" {
#endif

enum nm_resv_usage {
	NM_RESV_USAGE_KERNEL = 0,	/* memory management (moves, clears) */
	NM_RESV_USAGE_WRITE,		/* implicit-sync writers */
	NM_RESV_USAGE_READ,		/* implicit-sync readers */
	NM_RESV_USAGE_BOOKKEEP,		/* no implicit sync: bookkeeping only */
};

struct nm_resv;

int nm_resv_create(struct nm_resv **out);
/* Drops every fence reference it holds. */
void nm_resv_destroy(struct nm_resv *resv);

/* Add fence (the resv takes its own reference). */
int nm_resv_add_fence(struct nm_resv *resv, struct nm_fence *fence,
		      enum nm_resv_usage usage);

/* 1 if every fence of usage <= the given one is signaled, 0 if not. */
int nm_resv_test_signaled(struct nm_resv *resv, enum nm_resv_usage usage);

/* Wait for every fence of usage <= the given one.  0, or -ETIME. */
int nm_resv_wait(struct nm_resv *resv, enum nm_resv_usage usage, int64_t timeout_ns);

/* Copy out (with a reference each) the unsignaled and signaled fences of
 * usage <= the given one, with their usages; returns how many there are in
 * all (entries past max are not written). */
int nm_resv_get_fences(struct nm_resv *resv, enum nm_resv_usage usage,
		       struct nm_fence **fences, enum nm_resv_usage *usages,
		       size_t max);

/* The usage recorded for fence, or -ENOENT. */
int nm_resv_fence_usage(struct nm_resv *resv, const struct nm_fence *fence);

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_RESV_H */
