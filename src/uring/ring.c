/* SPDX-License-Identifier: MIT */
/*
 * nm_uring's rings (uring.h): one shared memory block holding the SQ and
 * CQ indices (struct ur_shared), the SQ index array, the SQEs and the CQEs;
 * the application's helpers that read and write it; and the stack-side
 * hook that serves it in every pass of the stack's loop.
 *
 * Who writes what (the kernel's rules): the application writes SQEs, the
 * SQ tail and the CQ head; the stack writes the SQ head, CQEs and the CQ
 * tail.  Each index is published with a release store and read with an
 * acquire load, so an entry is complete before its index says so.
 *
 * Wakeups: submit writes sq_efd (in the stack's epoll set) after setting
 * `kicked`; the hook drains it when `kicked` was set.  A waiter sets
 * cq_waiting, re-checks the CQ and sleeps on cq_efd; the stack writes
 * cq_efd after a pass that posted CQEs when someone waits (a store, a
 * full fence, a load on each side: neither can miss the other).
 * On the stack's own thread there is no one to wake: waiting runs the
 * loop (nm_stack_poll()).
 *
 * Workload: the application side is syscall-free while CQEs are ready;
 * the stack side costs two acquire loads per pass when idle.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <netmem/stack.h>

#include "uring/uring_internal.h"
#include "util/bits.h"
#include "util/err.h"

#define UR_SETUP_OK	(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |	\
			 IORING_SETUP_CQE32 | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL |	\
			 IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG)


/* ---- the stack's side -------------------------------------------------------- */

unsigned nm__ur_cq_space(const struct nm_uring_ctx *ctx)
{
	unsigned head = __atomic_load_n(&ctx->sh->cq_head, __ATOMIC_ACQUIRE);

	return ctx->cq_entries - (ctx->sh->cq_tail - head);
}

bool nm__ur_post(struct nm_uring_ctx *ctx, uint64_t user_data, int32_t res, uint32_t flags,
		 uint64_t zoff)
{
	unsigned tail = ctx->sh->cq_tail;
	struct io_uring_cqe *c;

	if (!nm__ur_cq_space(ctx))
		return false;
	c = (struct io_uring_cqe *)(ctx->cqes + (size_t)(tail & (ctx->cq_entries - 1)) *
				    ctx->cqe_size);
	c->user_data = user_data;
	c->res = res;
	c->flags = flags;
	if (ctx->cqe_size == 32) {
		c->big_cqe[0] = zoff;
		c->big_cqe[1] = 0;
	}
	__atomic_store_n(&ctx->sh->cq_tail, tail + 1, __ATOMIC_RELEASE);
	ctx->posted = true;
	return true;
}

static void run_calls(struct nm_uring_ctx *ctx)
{
	struct ur_call *list;

	pthread_mutex_lock(&ctx->mbox_lock);
	list = ctx->mbox;
	ctx->mbox = NULL;
	pthread_mutex_unlock(&ctx->mbox_lock);
	while (list) {
		struct ur_call *c = list;
		int ret;

		list = c->next;
		ret = c->fn(ctx, c->arg);
		if (ret < 0)
			snprintf(c->msg, sizeof(c->msg), "%s", nm_last_error());
		pthread_mutex_lock(&ctx->mbox_lock);
		c->ret = ret;
		c->done = true;
		pthread_cond_broadcast(&ctx->mbox_cond);
		pthread_mutex_unlock(&ctx->mbox_lock);
	}
}

/* The hook: calls, refills, SQEs, pending requests; then wake a waiter. */
static int ring_pass(struct nm_stack_hook *h)
{
	struct nm_uring_ctx *ctx = (struct nm_uring_ctx *)h;
	int work = 0;

	bool kicked = atomic_exchange_explicit(&ctx->kicked, 0, memory_order_acquire);

	if (kicked) {
		uint64_t v;

		if (read(ctx->sq_efd, &v, sizeof(v)) < 0) {
			/* EAGAIN: a later kick's write is still to come */
		}
	}
	/* refills first: a call (stats, flush) sees what was handed back */
	work += nm__ur_zcrx_refill(ctx);
	if (kicked)
		run_calls(ctx);
	work += nm__ur_process(ctx);
	if (ctx->posted) {
		ctx->posted = false;
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&ctx->cq_waiting, memory_order_relaxed)) {
			uint64_t one = 1;

			if (write(ctx->cq_efd, &one, sizeof(one)) < 0) {
				/* the counter is full: the waiter wakes anyway */
			}
		}
	}
	return work;
}

/* ---- calls handed to the stack's thread ------------------------------------------ */

static void kick(struct nm_uring_ctx *ctx)
{
	uint64_t one = 1;

	/* the write before the flag: the hook drains only after seeing it */
	if (write(ctx->sq_efd, &one, sizeof(one)) < 0) {
		/* counter full: the stack is awake anyway */
	}
	atomic_store_explicit(&ctx->kicked, 1, memory_order_release);
}

int nm__ur_call(struct nm_uring_ctx *ctx, int (*fn)(struct nm_uring_ctx *, void *), void *arg)
{
	struct ur_call c = { .fn = fn, .arg = arg };

	/* the caller runs the stack, or nobody has run it yet (set-up before
	 * the stack's thread starts): the stack's state is the caller's */
	if (nm_stack_is_poller(ctx->st) || !nm_stack_has_poller(ctx->st))
		return fn(ctx, arg);
	pthread_mutex_lock(&ctx->mbox_lock);
	c.next = ctx->mbox;
	ctx->mbox = &c;
	pthread_mutex_unlock(&ctx->mbox_lock);
	kick(ctx);
	pthread_mutex_lock(&ctx->mbox_lock);
	while (!c.done)
		pthread_cond_wait(&ctx->mbox_cond, &ctx->mbox_lock);
	pthread_mutex_unlock(&ctx->mbox_lock);
	if (c.ret < 0)
		return nm_err(-c.ret, "%s", c.msg);
	return c.ret;
}

/* ---- setup ------------------------------------------------------------------------ */

static int ctx_map(struct nm_uring_ctx *ctx)
{
	size_t off = sizeof(struct ur_shared);
	size_t arr = off, sqes, cqes;

	off += ctx->sq_entries * sizeof(unsigned);
	off = (off + 63) & ~(size_t)63;
	sqes = off;
	off += (size_t)ctx->sq_entries * sizeof(struct io_uring_sqe);
	cqes = off;
	off += (size_t)ctx->cq_entries * ctx->cqe_size;
	ctx->mem_len = off;
	ctx->mem = mmap(NULL, off, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ctx->mem == MAP_FAILED) {
		ctx->mem = NULL;
		return nm_err_sys(errno, "mmap of %zu bytes of rings", off);
	}
	ctx->sh = ctx->mem;
	ctx->sq_array = (unsigned *)((char *)ctx->mem + arr);
	ctx->sqes = (struct io_uring_sqe *)((char *)ctx->mem + sqes);
	ctx->cqes = (uint8_t *)ctx->mem + cqes;
	for (unsigned i = 0; i < ctx->sq_entries; i++)
		ctx->sq_array[i] = i;
	return 0;
}

static void ring_view(struct nm_uring *ring, struct nm_uring_ctx *ctx)
{
	memset(ring, 0, sizeof(*ring));
	ring->ctx = ctx;
	ring->flags = ctx->flags;
	ring->sq.khead = &ctx->sh->sq_head;
	ring->sq.ktail = &ctx->sh->sq_tail;
	ring->sq.kflags = &ctx->sh->sq_flags;
	ring->sq.kdropped = &ctx->sh->sq_dropped;
	ring->sq.array = ctx->sq_array;
	ring->sq.sqes = ctx->sqes;
	ring->sq.ring_mask = ctx->sq_entries - 1;
	ring->sq.ring_entries = ctx->sq_entries;
	ring->cq.khead = &ctx->sh->cq_head;
	ring->cq.ktail = &ctx->sh->cq_tail;
	ring->cq.koverflow = &ctx->sh->cq_overflow;
	ring->cq.cqes = (struct io_uring_cqe *)ctx->cqes;
	ring->cq.ring_mask = ctx->cq_entries - 1;
	ring->cq.ring_entries = ctx->cq_entries;
}

static int check_setup(unsigned *entries, unsigned flags)
{
	if (flags & ~UR_SETUP_OK)
		return nm_err(EINVAL, "setup flags 0x%x not supported (netmem implements "
			      "SINGLE_ISSUER, DEFER_TASKRUN, CQE32, CLAMP, SUBMIT_ALL, "
			      "COOP_TASKRUN, TASKRUN_FLAG)", flags & ~UR_SETUP_OK);
	if ((flags & IORING_SETUP_DEFER_TASKRUN) && !(flags & IORING_SETUP_SINGLE_ISSUER))
		return nm_err(EINVAL, "IORING_SETUP_DEFER_TASKRUN needs "
				      "IORING_SETUP_SINGLE_ISSUER");
	if (!*entries)
		return nm_err(EINVAL, "0 entries");
	if (*entries > UR_MAX_ENTRIES) {
		if (!(flags & IORING_SETUP_CLAMP))
			return nm_err(EINVAL, "%u entries, at most %u without "
				      "IORING_SETUP_CLAMP", *entries, UR_MAX_ENTRIES);
		*entries = UR_MAX_ENTRIES;
	}
	*entries = nm_roundup_pow2(*entries);
	return 0;
}

int nm_uring_queue_init(struct nm_stack *st, unsigned entries, struct nm_uring *ring,
			unsigned flags)
{
	NM_API_CALL();
	struct nm_uring_ctx *ctx;
	int r;

	if (!st || !ring)
		return nm_err(EINVAL, "NULL stack or ring");
	r = check_setup(&entries, flags);
	if (r)
		return r;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return nm_err(ENOMEM, "out of memory");
	ctx->st = st;
	ctx->flags = flags;
	ctx->sq_entries = entries;
	ctx->cq_entries = entries * 2;
	ctx->cqe_size = (flags & IORING_SETUP_CQE32) ? 32 : 16;
	ctx->sq_efd = ctx->cq_efd = -1;
	pthread_mutex_init(&ctx->mbox_lock, NULL);
	pthread_cond_init(&ctx->mbox_cond, NULL);
	r = ctx_map(ctx);
	if (r)
		goto err_free;
	ctx->sq_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ctx->cq_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ctx->sq_efd < 0 || ctx->cq_efd < 0) {
		r = nm_err_sys(errno, "eventfd");
		goto err_unmap;
	}
	ctx->hook.run = ring_pass;
	ctx->hook.wake_fd = ctx->sq_efd;
	r = nm_stack_hook_add(st, &ctx->hook);
	if (r)
		goto err_unmap;
	ring_view(ring, ctx);
	return 0;

err_unmap:
	if (ctx->sq_efd >= 0)
		close(ctx->sq_efd);
	if (ctx->cq_efd >= 0)
		close(ctx->cq_efd);
	munmap(ctx->mem, ctx->mem_len);
err_free:
	pthread_mutex_destroy(&ctx->mbox_lock);
	pthread_cond_destroy(&ctx->mbox_cond);
	free(ctx);
	return r;
}

static int exit_on_stack(struct nm_uring_ctx *ctx, void *arg)
{
	(void)arg;
	nm__ur_cancel_all(ctx);
	nm__ur_zcrx_free_all(ctx);
	return 0;
}

void nm_uring_queue_exit(struct nm_uring *ring)
{
	NM_API_CALL();
	struct nm_uring_ctx *ctx;

	if (!ring || !ring->ctx)
		return;
	ctx = ring->ctx;
	nm__ur_call(ctx, exit_on_stack, NULL);
	nm_stack_hook_del(ctx->st, &ctx->hook);
	close(ctx->sq_efd);
	close(ctx->cq_efd);
	munmap(ctx->mem, ctx->mem_len);
	pthread_mutex_destroy(&ctx->mbox_lock);
	pthread_cond_destroy(&ctx->mbox_cond);
	free(ctx);
	memset(ring, 0, sizeof(*ring));
}

/* ---- the application's side ------------------------------------------------------ */

struct io_uring_sqe *nm_uring_get_sqe(struct nm_uring *ring)
{
	struct nm_uring_sq *sq;
	unsigned head;

	if (!ring || !ring->ctx) {
		nm_err(EINVAL, "NULL or closed ring");
		return NULL;
	}
	sq = &ring->sq;
	head = __atomic_load_n(sq->khead, __ATOMIC_ACQUIRE);
	if (sq->sqe_tail - head >= sq->ring_entries)
		return NULL;
	return &sq->sqes[sq->sqe_tail++ & sq->ring_mask];
}

int nm_uring_submit(struct nm_uring *ring)
{
	NM_API_CALL();
	struct nm_uring_ctx *ctx;
	unsigned long me = (unsigned long)pthread_self(), first = 0;
	unsigned n;

	if (!ring || !ring->ctx)
		return nm_err(EINVAL, "NULL or closed ring");
	ctx = ring->ctx;
	if ((ring->flags & IORING_SETUP_SINGLE_ISSUER) &&
	    !atomic_compare_exchange_strong(&ctx->submitter, &first, me) && first != me)
		return nm_err(EEXIST, "IORING_SETUP_SINGLE_ISSUER: another thread submits "
				      "on this ring");
	n = ring->sq.sqe_tail - ring->sq.sqe_head;
	ring->sq.sqe_head = ring->sq.sqe_tail;
	if (n)
		__atomic_store_n(ring->sq.ktail, ring->sq.sqe_tail, __ATOMIC_RELEASE);
	if (n && !nm_stack_is_poller(ctx->st))
		kick(ctx);
	else if (n)
		nm_stack_poll(ctx->st, 0);	/* the kernel issues at submit */
	return (int)n;
}

unsigned nm_uring_cq_ready(const struct nm_uring *ring)
{
	if (!ring || !ring->ctx)
		return 0;
	return __atomic_load_n(ring->cq.ktail, __ATOMIC_ACQUIRE) - *ring->cq.khead;
}

static struct io_uring_cqe *cqe_at(const struct nm_uring *ring, unsigned idx)
{
	size_t sz = (ring->flags & IORING_SETUP_CQE32) ? 32 : 16;

	return (struct io_uring_cqe *)((char *)ring->cq.cqes +
				       (size_t)(idx & ring->cq.ring_mask) * sz);
}

int nm_uring_peek_cqe(struct nm_uring *ring, struct io_uring_cqe **cqe)
{
	NM_API_CALL();
	if (!ring || !ring->ctx || !cqe)
		return nm_err(EINVAL, "NULL argument");
	if (!nm_uring_cq_ready(ring))
		return -EAGAIN;	/* the common miss of a polling loop: no message */
	*cqe = cqe_at(ring, *ring->cq.khead);
	return 0;
}

unsigned nm_uring_peek_batch_cqe(struct nm_uring *ring, struct io_uring_cqe **cqes,
				 unsigned count)
{
	unsigned ready, head;

	if (!ring || !ring->ctx || !cqes)
		return 0;
	ready = nm_uring_cq_ready(ring);
	head = *ring->cq.khead;
	if (count > ready)
		count = ready;
	for (unsigned i = 0; i < count; i++)
		cqes[i] = cqe_at(ring, head + i);
	return count;
}

void nm_uring_cq_advance(struct nm_uring *ring, unsigned nr)
{
	unsigned ready = nm_uring_cq_ready(ring);

	/* never past the tail: a head ahead of it would make the ring read
	 * as 4 billion CQEs ready and as room for the stack to overwrite */
	if (nr > ready)
		nr = ready;
	if (nr)
		__atomic_store_n(ring->cq.khead, *ring->cq.khead + nr, __ATOMIC_RELEASE);
}

void nm_uring_cqe_seen(struct nm_uring *ring, struct io_uring_cqe *cqe)
{
	if (cqe)
		nm_uring_cq_advance(ring, 1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Entries in a refill ring the stack has not taken yet.  The ifq table
 * changes only in registration calls, which this thread waits for. */
static bool refills_waiting(const struct nm_uring_ctx *ctx)
{
	for (unsigned i = 0; i < UR_MAX_IFQS; i++) {
		const struct ur_ifq *q = ctx->ifqs[i];

		if (q && __atomic_load_n(q->rq_tail, __ATOMIC_ACQUIRE) !=
			 __atomic_load_n(q->rq_head, __ATOMIC_ACQUIRE))
			return true;
	}
	return false;
}

/* Wait until wait_nr CQEs are ready or deadline (ns, 0: none) passes.  No
 * more than the CQ holds are waited for, as io_uring_enter() caps
 * min_complete at cq_entries: a full CQ ends the wait. */
static int wait_ready(struct nm_uring *ring, unsigned wait_nr, uint64_t deadline)
{
	struct nm_uring_ctx *ctx = ring->ctx;

	if (wait_nr > ctx->cq_entries)
		wait_nr = ctx->cq_entries;

	while (nm_uring_cq_ready(ring) < wait_nr) {
		uint64_t now = now_ns();
		int ms = 100;
		struct pollfd p = { .fd = ctx->cq_efd, .events = POLLIN };
		uint64_t v;

		if (deadline) {
			if (now >= deadline)
				return nm_err(ETIME, "timed out waiting for %u CQEs", wait_nr);
			if (deadline - now < 100000000ull)
				ms = (int)((deadline - now + 999999) / 1000000);
		}
		if (nm_stack_is_poller(ctx->st)) {
			/* DEFER_TASKRUN: the waiter runs the work */
			int r = nm_stack_poll(ctx->st, ms);

			if (r < 0)
				return r;
			continue;
		}
		/* refills not taken yet wake the stack (its window may be
		 * closed on them) */
		if (refills_waiting(ctx))
			kick(ctx);
		atomic_store(&ctx->cq_waiting, 1);
		if (nm_uring_cq_ready(ring) < wait_nr &&
		    poll(&p, 1, ms) < 0 && errno != EINTR) {
			atomic_store(&ctx->cq_waiting, 0);
			return nm_err_sys(errno, "poll");
		}
		atomic_store(&ctx->cq_waiting, 0);
		if (read(ctx->cq_efd, &v, sizeof(v)) < 0) {
			/* nothing posted yet */
		}
	}
	return 0;
}

int nm_uring_submit_and_wait(struct nm_uring *ring, unsigned wait_nr)
{
	NM_API_CALL();
	int n = nm_uring_submit(ring), r;

	if (n < 0)
		return n;
	r = wait_ready(ring, wait_nr, 0);
	return r < 0 ? r : n;
}

int nm_uring_wait_cqe_timeout(struct nm_uring *ring, struct io_uring_cqe **cqe,
			      struct __kernel_timespec *ts)
{
	NM_API_CALL();
	uint64_t deadline = 0;
	int r;

	if (!ring || !ring->ctx || !cqe)
		return nm_err(EINVAL, "NULL argument");
	if (ts) {
		uint64_t now = now_ns();

		if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
			return nm_err(EINVAL, "bad timeout");
		/* a timeout past what 64-bit nanoseconds hold (centuries) is
		 * no limit, not a wrapped-around deadline already passed */
		if ((uint64_t)ts->tv_sec < (UINT64_MAX - now) / 1000000000ull - 1) {
			deadline = now + (uint64_t)ts->tv_sec * 1000000000ull +
				   (uint64_t)ts->tv_nsec;
			if (!deadline)
				deadline = 1;
		}
	}
	r = wait_ready(ring, 1, deadline);
	if (r)
		return r;
	*cqe = cqe_at(ring, *ring->cq.khead);
	return 0;
}

int nm_uring_wait_cqe(struct nm_uring *ring, struct io_uring_cqe **cqe)
{
	NM_API_CALL();
	return nm_uring_wait_cqe_timeout(ring, cqe, NULL);
}
