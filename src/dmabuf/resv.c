/* SPDX-License-Identifier: MIT */
/*
 * dma-resv: the fences guarding one buffer, each with a usage class
 * (KERNEL < WRITE < READ < BOOKKEEP; asking about a class includes every
 * stronger, lower one).
 *
 * Invariants (nm__resv_check() verifies them):
 *  1. n <= cap; entries [0, n) each hold one fence reference and a valid
 *     usage.
 *  2. A fence appears at most once; its usage is the strongest (lowest) it
 *     was ever added with: adding again promotes, never demotes.
 *  3. When a fence is added, every entry it supersedes is gone: a fence of
 *     the same context that is not later and has the same or a weaker
 *     usage (within a context fences signal in order, so waiting for the
 *     newer one covers it), and every already signaled fence.
 *
 * Workload: a buffer sees a few fences at a time (one per engine and
 * class), added per job and tested far more often than waited on.  A flat
 * array under one mutex beats anything cleverer at that size; pruning on
 * add keeps it that size.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "dmabuf/fence_internal.h"
#include "util/err.h"

/* A few engines times a few classes. */
#define NM_RESV_INITIAL_CAP 4

struct nm_resv_entry {
	struct nm_fence *fence;
	enum nm_resv_usage usage;
};

struct nm_resv {
	pthread_mutex_t lock;
	struct nm_resv_entry *v;
	size_t n, cap;
};

static bool nm_resv_usage_valid(enum nm_resv_usage usage)
{
	return (unsigned)usage <= NM_RESV_USAGE_BOOKKEEP;
}

int nm_resv_create(struct nm_resv **out)
{
	NM_API_CALL();
	struct nm_resv *resv;

	if (!out)
		return nm_err(EINVAL, "NULL out");
	*out = NULL;
	resv = calloc(1, sizeof(*resv));
	if (!resv)
		return nm_err(ENOMEM, "out of memory");
	if (pthread_mutex_init(&resv->lock, NULL)) {
		free(resv);
		return nm_err(ENOMEM, "cannot initialize lock");
	}
	*out = resv;
	return 0;
}

void nm_resv_destroy(struct nm_resv *resv)
{
	size_t i;

	if (!resv)
		return;
	for (i = 0; i < resv->n; i++)
		nm_fence_put(resv->v[i].fence);
	free(resv->v);
	pthread_mutex_destroy(&resv->lock);
	free(resv);
}

/* Caller holds resv->lock.  Room for one more entry. */
static int nm__resv_reserve_one(struct nm_resv *resv)
{
	struct nm_resv_entry *v;
	size_t cap;

	if (resv->n < resv->cap)
		return 0;
	cap = resv->cap ? resv->cap * 2 : NM_RESV_INITIAL_CAP;
	v = realloc(resv->v, cap * sizeof(*v));
	if (!v)
		return nm_err(ENOMEM, "out of memory for %zu fences", cap);
	resv->v = v;
	resv->cap = cap;
	return 0;
}

/* Does the new fence (with usage) make entry e redundant? */
static bool nm_resv_supersedes(const struct nm_fence *fence, enum nm_resv_usage usage,
			       const struct nm_resv_entry *e)
{
	if (nm_fence_is_signaled(e->fence))
		return true;
	return nm_fence_context(e->fence) == nm_fence_context(fence) && e->usage >= usage &&
	       nm_fence_is_later(e->fence, fence) == 0;
}

int nm_resv_add_fence(struct nm_resv *resv, struct nm_fence *fence,
		      enum nm_resv_usage usage)
{
	NM_API_CALL();
	size_t i, j, self = SIZE_MAX;
	bool placed;
	int r = 0;

	if (!resv || !fence)
		return nm_err(EINVAL, "NULL %s", resv ? "fence" : "resv");
	if (!nm_resv_usage_valid(usage))
		return nm_err(EINVAL, "bad usage %d", (int)usage);

	pthread_mutex_lock(&resv->lock);
	for (i = 0; i < resv->n; i++) {
		if (resv->v[i].fence == fence) {
			self = i;
			break;
		}
	}
	placed = self != SIZE_MAX;
	if (placed) {
		if (usage < resv->v[self].usage)
			resv->v[self].usage = usage;	/* promote, never demote */
		usage = resv->v[self].usage;		/* what it now covers */
	} else {
		/* Reserve before changing anything: failure leaves the set
		 * as it was. */
		r = nm__resv_reserve_one(resv);
		if (r)
			goto out_unlock;
	}

	/* Compact away superseded entries.  The first one gives its slot to
	 * the new fence, so the order of the others is stable.  Puts under
	 * the lock are fine: freeing a fence runs no callbacks and takes no
	 * lock of ours. */
	for (i = 0, j = 0; i < resv->n; i++) {
		struct nm_resv_entry *e = &resv->v[i];

		if (i == self || !nm_resv_supersedes(fence, usage, e)) {
			resv->v[j++] = *e;
			continue;
		}
		nm_fence_put(e->fence);
		if (!placed) {
			resv->v[j].fence = nm_fence_get(fence);
			resv->v[j++].usage = usage;
			placed = true;
		}
	}
	resv->n = j;
	if (!placed) {
		resv->v[resv->n].fence = nm_fence_get(fence);
		resv->v[resv->n++].usage = usage;
	}
out_unlock:
	pthread_mutex_unlock(&resv->lock);
	return r;
}

int nm_resv_test_signaled(struct nm_resv *resv, enum nm_resv_usage usage)
{
	NM_API_CALL();
	int signaled = 1;
	size_t i;

	if (!resv)
		return nm_err(EINVAL, "NULL resv");
	if (!nm_resv_usage_valid(usage))
		return nm_err(EINVAL, "bad usage %d", (int)usage);

	pthread_mutex_lock(&resv->lock);
	for (i = 0; i < resv->n && signaled; i++)
		if (resv->v[i].usage <= usage && !nm_fence_is_signaled(resv->v[i].fence))
			signaled = 0;
	pthread_mutex_unlock(&resv->lock);
	return signaled;
}

/* A reference to the first unsignaled fence of usage <= the given one, or
 * NULL when there is none. */
static struct nm_fence *nm_resv_first_busy(struct nm_resv *resv, enum nm_resv_usage usage)
{
	struct nm_fence *busy = NULL;
	size_t i;

	pthread_mutex_lock(&resv->lock);
	for (i = 0; i < resv->n; i++) {
		if (resv->v[i].usage <= usage && !nm_fence_is_signaled(resv->v[i].fence)) {
			busy = nm_fence_get(resv->v[i].fence);
			break;
		}
	}
	pthread_mutex_unlock(&resv->lock);
	return busy;
}

static int64_t nm_resv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int nm_resv_wait(struct nm_resv *resv, enum nm_resv_usage usage, int64_t timeout_ns)
{
	NM_API_CALL();
	struct nm_fence *busy;
	int64_t deadline = 0, left = timeout_ns;
	int r = 0;

	if (!resv)
		return nm_err(EINVAL, "NULL resv");
	if (!nm_resv_usage_valid(usage))
		return nm_err(EINVAL, "bad usage %d", (int)usage);
	if (timeout_ns > 0)
		deadline = nm_resv_now_ns() + (timeout_ns > INT64_MAX / 2 ? INT64_MAX / 2 : timeout_ns);

	/* One fence at a time, without the lock while blocked: adders are not
	 * held up, and fences added meanwhile are waited for too. */
	while ((busy = nm_resv_first_busy(resv, usage))) {
		if (timeout_ns > 0) {
			left = deadline - nm_resv_now_ns();
			if (left <= 0)
				left = 0;
		}
		r = nm_fence_wait(busy, left);
		nm_fence_put(busy);
		if (r)
			return r;
	}
	return 0;
}

int nm_resv_get_fences(struct nm_resv *resv, enum nm_resv_usage usage,
		       struct nm_fence **fences, enum nm_resv_usage *usages,
		       size_t max)
{
	NM_API_CALL();
	size_t i, count = 0;

	if (!resv)
		return nm_err(EINVAL, "NULL resv");
	if (!nm_resv_usage_valid(usage))
		return nm_err(EINVAL, "bad usage %d", (int)usage);
	if (max && !fences)
		return nm_err(EINVAL, "NULL fences with max %zu", max);

	pthread_mutex_lock(&resv->lock);
	for (i = 0; i < resv->n; i++) {
		if (resv->v[i].usage > usage)
			continue;
		if (count < max) {
			fences[count] = nm_fence_get(resv->v[i].fence);
			if (usages)
				usages[count] = resv->v[i].usage;
		}
		count++;
	}
	pthread_mutex_unlock(&resv->lock);
	/* count <= n, and n is bounded by memory far below INT_MAX entries. */
	return (int)count;
}

int nm_resv_fence_usage(struct nm_resv *resv, const struct nm_fence *fence)
{
	NM_API_CALL();
	int usage = -1;
	size_t i;

	if (!resv || !fence)
		return nm_err(EINVAL, "NULL %s", resv ? "fence" : "resv");

	pthread_mutex_lock(&resv->lock);
	for (i = 0; i < resv->n; i++) {
		if (resv->v[i].fence == fence) {
			usage = (int)resv->v[i].usage;
			break;
		}
	}
	pthread_mutex_unlock(&resv->lock);
	if (usage < 0)
		return nm_err(ENOENT, "fence %llu:%llu not in resv",
			      (unsigned long long)nm_fence_context(fence),
			      (unsigned long long)nm_fence_seqno(fence));
	return usage;
}

int nm__resv_check(struct nm_resv *resv)
{
	size_t i, j;
	int r = 0;

	if (!resv)
		return nm_err(EINVAL, "resv_check: NULL resv");
	pthread_mutex_lock(&resv->lock);
	if (resv->n > resv->cap) {
		r = nm_err(EUCLEAN, "resv_check: %zu entries, capacity %zu", resv->n, resv->cap);
		goto out_unlock;
	}
	for (i = 0; i < resv->n; i++) {
		if (!resv->v[i].fence || !nm_resv_usage_valid(resv->v[i].usage) ||
		    nm__fence_refcount(resv->v[i].fence) == 0) {
			r = nm_err(EUCLEAN, "resv_check: entry %zu is bad", i);
			goto out_unlock;
		}
		for (j = 0; j < i; j++) {
			if (resv->v[j].fence == resv->v[i].fence) {
				r = nm_err(EUCLEAN, "resv_check: entries %zu and %zu hold one fence",
					   j, i);
				goto out_unlock;
			}
		}
	}
out_unlock:
	pthread_mutex_unlock(&resv->lock);
	return r;
}
