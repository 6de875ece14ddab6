/* SPDX-License-Identifier: MIT */
/*
 * dma-fence: a one-shot, reference-counted completion event, ordered by a
 * 64-bit sequence number within its context (timeline).
 *
 * Invariants (nm__fence_check() verifies what it can):
 *  1. refcount > 0 while anyone may touch the fence; the put that drops it
 *     to zero frees the fence.  nm_fence_signal() holds its own reference
 *     while callbacks run, so a callback may drop the last outside one.
 *  2. signaled goes false -> true exactly once, under lock.  error and
 *     timestamp are written before that store (release) and never after,
 *     so a lock-free reader that sees signaled (acquire) sees them too.
 *  3. The pending list (head .. tail, FIFO by add order) holds exactly the
 *     callbacks that have neither run nor been removed.  Nothing is added
 *     once signaled is set; the signaling thread pops and runs them one by
 *     one without the lock, so once signaled and not dispatching, it is
 *     empty.
 *  4. running is the callback being run right now (NULL if none), by the
 *     thread dispatcher.  nm_fence_remove_callback() of a callback that is
 *     running on another thread waits for it to return, so "false" always
 *     means "has run to completion" (or "was never added") and the caller
 *     may free it.
 *
 * Workload: fences are created per job or transfer, carry a handful of
 * callbacks at most, and are polled (nm_fence_is_signaled()) far more often
 * than signaled; that poll is one acquire load.  Signal, wait and callback
 * management are slow paths under a per-fence mutex.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "dmabuf/fence_internal.h"
#include "util/err.h"

/* Largest errno a signal may carry, as the kernel's MAX_ERRNO. */
#define NM_FENCE_MAX_ERRNO 4095

struct nm_fence {
	/* Hot: read without the lock. */
	atomic_uint refcount;
	atomic_bool signaled;
	int error;			/* valid once signaled */
	uint64_t context;
	uint64_t seqno;
	int64_t timestamp_ns;		/* valid once signaled */

	/* Cold: under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* signal, and "running callback returned" */
	struct nm_fence_cb *head, *tail;
	struct nm_fence_cb *running;
	pthread_t dispatcher;		/* valid while running != NULL */
	unsigned remove_waiters;
};

/* Context 0 is never handed out: it stays free for stub fences. */
static atomic_uint_fast64_t nm_fence_next_context = 1;

static pthread_once_t nm_fence_condattr_once = PTHREAD_ONCE_INIT;
static pthread_condattr_t nm_fence_condattr;

static void nm_fence_condattr_init(void)
{
	/* Waits use CLOCK_MONOTONIC deadlines: wall-clock jumps must not
	 * shorten or stretch a timeout. */
	pthread_condattr_init(&nm_fence_condattr);
	pthread_condattr_setclock(&nm_fence_condattr, CLOCK_MONOTONIC);
}

static int64_t nm_fence_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t nm_fence_context_alloc(unsigned num)
{
	if (num == 0) {
		nm_err(EINVAL, "num is 0");
		return 0;	/* never a valid allocation */
	}
	/* 2^64 contexts: wrapping back to 0 is out of reach in practice. */
	return atomic_fetch_add_explicit(&nm_fence_next_context, num, memory_order_relaxed);
}

int nm_fence_create(uint64_t context, uint64_t seqno, struct nm_fence **out)
{
	NM_API_CALL();
	struct nm_fence *f;

	if (!out)
		return nm_err(EINVAL, "NULL out");
	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return nm_err(ENOMEM, "out of memory");

	pthread_once(&nm_fence_condattr_once, nm_fence_condattr_init);
	if (pthread_mutex_init(&f->lock, NULL))
		goto err_free;
	if (pthread_cond_init(&f->cond, &nm_fence_condattr))
		goto err_destroy_lock;
	atomic_init(&f->refcount, 1);
	atomic_init(&f->signaled, false);
	f->context = context;
	f->seqno = seqno;
	*out = f;
	return 0;

err_destroy_lock:
	pthread_mutex_destroy(&f->lock);
err_free:
	free(f);
	return nm_err(ENOMEM, "cannot initialize lock");
}

struct nm_fence *nm_fence_get(struct nm_fence *fence)
{
	if (fence)
		atomic_fetch_add_explicit(&fence->refcount, 1, memory_order_relaxed);
	return fence;
}

/* Last reference gone: nobody else can reach the fence, no lock needed. */
static void nm_fence_release(struct nm_fence *f)
{
	struct nm_fence_cb *cb = f->head, *next;

	/* Freed unsignaled: pending callbacks can never run.  Drop them
	 * silently (the kernel warns); our own fd callbacks hold resources
	 * that must not leak, so give them a chance to free those. */
	for (; cb; cb = next) {
		next = cb->next;
		cb->next = NULL;
		if (cb->func == nm__fence_fd_signaled)
			nm__fence_fd_abandon(cb);
	}
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

void nm_fence_put(struct nm_fence *fence)
{
	if (!fence)
		return;
	if (atomic_fetch_sub_explicit(&fence->refcount, 1, memory_order_release) != 1)
		return;
	/* Pairs with the release above in every other put: all their writes
	 * to the fence happen before we free it. */
	atomic_thread_fence(memory_order_acquire);
	nm_fence_release(fence);
}

uint64_t nm_fence_context(const struct nm_fence *fence)
{
	return fence ? fence->context : 0;
}

uint64_t nm_fence_seqno(const struct nm_fence *fence)
{
	return fence ? fence->seqno : 0;
}

bool nm_fence_is_signaled(const struct nm_fence *fence)
{
	if (nm_unlikely(!fence))
		return false;
	return atomic_load_explicit(&fence->signaled, memory_order_acquire);
}

int nm_fence_status(const struct nm_fence *fence)
{
	NM_API_CALL();
	if (!fence)
		return nm_err(EINVAL, "NULL fence");
	if (!atomic_load_explicit(&fence->signaled, memory_order_acquire))
		return 0;
	return fence->error ? fence->error : 1;
}

int nm_fence_get_timestamp(const struct nm_fence *fence, int64_t *ns)
{
	NM_API_CALL();
	if (!fence || !ns)
		return nm_err(EINVAL, "NULL %s", fence ? "ns" : "fence");
	if (!atomic_load_explicit(&fence->signaled, memory_order_acquire))
		return nm_err(EBUSY, "fence %llu:%llu not signaled yet",
			      (unsigned long long)fence->context,
			      (unsigned long long)fence->seqno);
	*ns = fence->timestamp_ns;
	return 0;
}

/*
 * Pop and run the pending callbacks in add order.  Caller holds f->lock
 * and has set signaled (so the list can only shrink); returns with it held.
 * The lock is dropped around each call: a callback may use this fence
 * (status, remove_callback, put) or take other locks.
 */
static void nm_fence_run_callbacks(struct nm_fence *f)
{
	struct nm_fence_cb *cb;
	nm_fence_func_t func;

	while ((cb = f->head)) {
		f->head = cb->next;
		if (!f->head)
			f->tail = NULL;
		cb->next = NULL;
		/* Read func now: once it runs, cb may be freed or re-added to
		 * another fence. */
		func = cb->func;
		f->running = cb;
		f->dispatcher = pthread_self();
		pthread_mutex_unlock(&f->lock);

		func(f, cb);

		pthread_mutex_lock(&f->lock);
		f->running = NULL;
		if (f->remove_waiters)
			pthread_cond_broadcast(&f->cond);
	}
}

int nm_fence_signal(struct nm_fence *fence, int error)
{
	NM_API_CALL();
	if (!fence)
		return nm_err(EINVAL, "NULL fence");
	if (error > 0 || error < -NM_FENCE_MAX_ERRNO)
		return nm_err(EINVAL, "error %d is not 0 or a negative errno", error);

	/* Our own reference: callbacks may drop every other one. */
	nm_fence_get(fence);
	pthread_mutex_lock(&fence->lock);
	if (atomic_load_explicit(&fence->signaled, memory_order_relaxed)) {
		pthread_mutex_unlock(&fence->lock);
		nm_fence_put(fence);
		return nm_err(EINVAL, "fence %llu:%llu already signaled",
			      (unsigned long long)fence->context,
			      (unsigned long long)fence->seqno);
	}
	fence->error = error;
	fence->timestamp_ns = nm_fence_now_ns();
	atomic_store_explicit(&fence->signaled, true, memory_order_release);
	pthread_cond_broadcast(&fence->cond);
	nm_fence_run_callbacks(fence);
	pthread_mutex_unlock(&fence->lock);
	nm_fence_put(fence);
	return 0;
}

/* Caller holds fence->lock.  A short list walk: fences carry few callbacks,
 * and catching a double add is worth it (it would make the list a cycle). */
static bool nm__fence_cb_pending(const struct nm_fence *f, const struct nm_fence_cb *cb)
{
	const struct nm_fence_cb *it;

	for (it = f->head; it; it = it->next)
		if (it == cb)
			return true;
	return false;
}

int nm_fence_add_callback(struct nm_fence *fence, struct nm_fence_cb *cb,
			  nm_fence_func_t func)
{
	NM_API_CALL();
	if (!fence || !cb || !func)
		return nm_err(EINVAL, "NULL %s",
			      !fence ? "fence" : !cb ? "cb" : "func");

	pthread_mutex_lock(&fence->lock);
	if (atomic_load_explicit(&fence->signaled, memory_order_relaxed)) {
		pthread_mutex_unlock(&fence->lock);
		return nm_err(ENOENT, "fence %llu:%llu already signaled",
			      (unsigned long long)fence->context,
			      (unsigned long long)fence->seqno);
	}
	if (nm__fence_cb_pending(fence, cb)) {
		pthread_mutex_unlock(&fence->lock);
		return nm_err(EBUSY, "cb %p already registered", (void *)cb);
	}
	cb->func = func;
	cb->next = NULL;
	if (fence->tail)
		fence->tail->next = cb;
	else
		fence->head = cb;
	fence->tail = cb;
	pthread_mutex_unlock(&fence->lock);
	return 0;
}

bool nm_fence_remove_callback(struct nm_fence *fence, struct nm_fence_cb *cb)
{
	struct nm_fence_cb *prev = NULL, *it;
	bool pending = false;

	if (!fence || !cb) {
		nm_err(EINVAL, "NULL %s", fence ? "cb" : "fence");
		return false;
	}

	pthread_mutex_lock(&fence->lock);
	for (it = fence->head; it; prev = it, it = it->next) {
		if (it != cb)
			continue;
		if (prev)
			prev->next = cb->next;
		else
			fence->head = cb->next;
		if (fence->tail == cb)
			fence->tail = prev;
		cb->next = NULL;
		pending = true;
		break;
	}
	/* Running on another thread right now: wait until it returns, so the
	 * caller may free cb.  From inside the callback itself (same thread)
	 * waiting would deadlock, and cb is the caller's to manage anyway. */
	while (!pending && fence->running == cb &&
	       !pthread_equal(fence->dispatcher, pthread_self())) {
		fence->remove_waiters++;
		pthread_cond_wait(&fence->cond, &fence->lock);
		fence->remove_waiters--;
	}
	pthread_mutex_unlock(&fence->lock);
	return pending;
}

/* Slow path of nm_fence_wait(): block on the condvar. */
static int nm_fence_wait_slow(struct nm_fence *f, int64_t timeout_ns)
{
	struct timespec deadline;
	int r = 0;

	if (timeout_ns > 0) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += timeout_ns / 1000000000;
		deadline.tv_nsec += timeout_ns % 1000000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}

	pthread_mutex_lock(&f->lock);
	while (!atomic_load_explicit(&f->signaled, memory_order_relaxed) && r != ETIMEDOUT) {
		if (timeout_ns < 0)
			pthread_cond_wait(&f->cond, &f->lock);
		else
			r = pthread_cond_timedwait(&f->cond, &f->lock, &deadline);
	}
	r = atomic_load_explicit(&f->signaled, memory_order_relaxed);
	pthread_mutex_unlock(&f->lock);
	if (!r)
		return nm_err(ETIME, "fence %llu:%llu not signaled within %lld ns",
			      (unsigned long long)f->context, (unsigned long long)f->seqno,
			      (long long)timeout_ns);
	return 0;
}

int nm_fence_wait(struct nm_fence *fence, int64_t timeout_ns)
{
	NM_API_CALL();
	if (!fence)
		return nm_err(EINVAL, "NULL fence");
	if (atomic_load_explicit(&fence->signaled, memory_order_acquire))
		return 0;
	if (timeout_ns == 0)
		return nm_err(ETIME, "fence %llu:%llu not signaled",
			      (unsigned long long)fence->context,
			      (unsigned long long)fence->seqno);
	return nm_fence_wait_slow(fence, timeout_ns);
}

int nm_fence_is_later(const struct nm_fence *a, const struct nm_fence *b)
{
	NM_API_CALL();
	if (!a || !b)
		return nm_err(EINVAL, "NULL fence %s", a ? "b" : "a");
	if (a->context != b->context)
		return nm_err(EINVAL, "contexts %llu and %llu differ: no order",
			      (unsigned long long)a->context, (unsigned long long)b->context);
	/* Serial-number arithmetic: a later seqno is at most 2^63 - 1 ahead,
	 * so a timeline may wrap past UINT64_MAX. */
	return (int64_t)(a->seqno - b->seqno) > 0;
}

unsigned nm__fence_refcount(const struct nm_fence *fence)
{
	return atomic_load_explicit(&fence->refcount, memory_order_relaxed);
}

int nm__fence_check(struct nm_fence *fence)
{
	const struct nm_fence_cb *it, *last = NULL;
	size_t n = 0;
	int r = 0;

	if (!fence)
		return nm_err(EINVAL, "fence_check: NULL fence");
	pthread_mutex_lock(&fence->lock);
	if (atomic_load(&fence->refcount) == 0) {
		r = nm_err(EUCLEAN, "fence_check: refcount 0 on a live fence");
		goto out_unlock;
	}
	for (it = fence->head; it; last = it, it = it->next) {
		if (++n > (1u << 24)) {
			r = nm_err(EUCLEAN, "fence_check: callback list does not end");
			goto out_unlock;
		}
	}
	if (last != fence->tail) {
		r = nm_err(EUCLEAN, "fence_check: tail is not the last callback");
		goto out_unlock;
	}
	if (atomic_load(&fence->signaled)) {
		if (fence->error > 0 || fence->error < -NM_FENCE_MAX_ERRNO)
			r = nm_err(EUCLEAN, "fence_check: bad error %d", fence->error);
		else if (!fence->running && fence->head)
			r = nm_err(EUCLEAN, "fence_check: signaled with callbacks left");
	} else if (fence->running) {
		r = nm_err(EUCLEAN, "fence_check: callback running before signal");
	}
out_unlock:
	pthread_mutex_unlock(&fence->lock);
	return r;
}
