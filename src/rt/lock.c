/* SPDX-License-Identifier: MIT */
/*
 * The stack lock and everything that waits: the concurrency design of the
 * runtime (docs/run.md, "The stack lock").
 *
 * One stack runs in the program's process, driven by whichever thread
 * holds rt_lock (ARCHITECTURE invariant 6: "a documented stack lock whose
 * holder polls").  A call on a netmem socket takes the lock, runs the
 * library's non-blocking operation and leaves.  A call that would block
 * goes through the library's one wait loop, whose wait hook is here
 * (rt_sock_wait): run the stack once (rt_pass); if that moved nothing for
 * the caller, sleep without the lock until the stack has work or an event
 * wakes the caller, then try again.  So the caller polls the stack itself
 * while it waits, as an nm_* program's blocking call does (one thread
 * hop fewer than a stack thread would cost), and other threads enter
 * between passes.  The data path copies under the lock but takes no lock
 * per byte.
 *
 * The lock is a ticket lock: first come, first served, so a thread whose
 * passes keep finding work for others cannot starve them (a mutex lets
 * the unlocking thread take it straight back).  Uncontended it costs two
 * atomic operations; waiters sleep on a futex after a short spin.
 *
 * Who watches the stack's fd (nm_stack_get_fd: the wires and the timer):
 * at most one application thread in rt_sleep at a time; other
 * sleepers sleep on their own eventfd and are woken by events.  When no
 * application thread watches (an epoll wait counts: its kernel epoll
 * holds the stack fd), the background poller does, so timers,
 * ACKs and retransmissions go on while the program computes; it checks
 * every POLLER_NAP_MS whether the application stopped watching.
 *
 * Events: TCP tells the socket layer of every segment on a connection
 * whose socket has an owner (nm_sock_set_hooks); rt_on_event queues the
 * socket once per pass; rt_events_flush (at the end of a pass, and before
 * the lock is released) wakes the threads blocked on it and updates the
 * epoll instances that watch it.
 *
 * Invariants: 1. app_watchers counts the application threads asleep with
 * the stack fd in their poll set (rt_sleep, and epoll waits, whose kernel
 * epoll holds it); 2. a socket is on the event list at
 * most once (ev_pending); 3. a thread sleeps only after a pass that found
 * no work (the library arms the wires' wakeups only then), or without the
 * stack fd.
 */
#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <netmem/stack.h>

#include "net/net_internal.h"
#include "rt/rt_internal.h"
#include "util/cpu.h"
#include "util/fd.h"

#define POLLER_NAP_MS		10	/* an application thread watches: look again */
#define POLLER_STATS_MS		250	/* the run page's drops this often */
#define SPIN_TRIES		200

/* ---- the ticket lock --------------------------------------------------------------- */

static struct {
	_Atomic uint32_t next, serving;
	_Atomic uint32_t sleepers;
} tl;

struct rt_thread {
	int wakefd;		/* eventfd, -1 until the first sleep */
	bool woken;		/* an event for this thread during its own pass */
	bool signalled;		/* its eventfd was written for this sleep */
	bool holding;		/* holds rt_lock */
};

static __thread struct rt_thread rt_tls __attribute__((tls_model("initial-exec"))) = {
	.wakefd = -1,
};

static void futex(_Atomic uint32_t *a, int op, uint32_t val)
{
	syscall(SYS_futex, a, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

void rt_lock(void)
{
	uint32_t t = atomic_fetch_add_explicit(&tl.next, 1, memory_order_relaxed);

	for (int i = 0; atomic_load_explicit(&tl.serving, memory_order_acquire) != t; i++) {
		if (i < SPIN_TRIES) {
			nm_cpu_relax();
			continue;
		}
		/* sleepers up before serving is read, and serving up before
		 * sleepers is read in lock_release: both seq_cst, so one of the
		 * two sees the other (a release-only increment could let both
		 * miss on a weakly ordered CPU: a waiter asleep for good) */
		atomic_fetch_add(&tl.sleepers, 1);
		for (;;) {
			uint32_t s = atomic_load(&tl.serving);

			if (s == t)
				break;
			futex(&tl.serving, FUTEX_WAIT, s);
		}
		atomic_fetch_sub(&tl.sleepers, 1);
		break;
	}
	rt_tls.holding = true;
}

static void lock_release(void)
{
	rt_tls.holding = false;
	atomic_fetch_add(&tl.serving, 1);
	if (atomic_load(&tl.sleepers))
		futex(&tl.serving, FUTEX_WAKE, INT32_MAX);
}

bool rt_locked_here(void)
{
	return rt_tls.holding;
}

void rt_lock_reset(void)
{
	atomic_store(&tl.next, 0);
	atomic_store(&tl.serving, 0);
	atomic_store(&tl.sleepers, 0);
	rt_tls.holding = false;
	if (rt_tls.wakefd >= 0) {
		REAL(close)(rt_tls.wakefd);	/* the parent's thread owns it */
		rt_fd_priv_set(rt_tls.wakefd, false);
	}
	rt_tls.wakefd = -1;
}

/* ---- events ------------------------------------------------------------------------ */

static struct rt_sock *ev_head;
static int app_watchers;	/* application threads asleep on the stack fd */
static int nr_sleeping;

void rt_watch_enter(void)
{
	app_watchers++;
}

void rt_watch_leave(void)
{
	app_watchers--;
}

void rt_event(struct rt_sock *rs)
{
	if (rs->ev_pending || rs->state != RS_NM)
		return;
	rs->ev_pending = true;
	rs->ev_next = ev_head;
	ev_head = rs;
}

/* The library's event hook: inside a pass. */
static void rt_on_event(struct nm_socket *so)
{
	struct rt_sock *rs = nm_sock_owner(so);

	if (rs)
		rt_event(rs);
}

void rt_event_forget(struct rt_sock *rs)
{
	if (!rs->ev_pending)
		return;
	for (struct rt_sock **p = &ev_head; *p; p = &(*p)->ev_next)
		if (*p == rs) {
			*p = rs->ev_next;
			break;
		}
	rs->ev_pending = false;
}

static void thread_wake(struct rt_thread *t)
{
	uint64_t one = 1;

	if (t == &rt_tls) {
		t->woken = true;
		return;
	}
	if (t->signalled || t->wakefd < 0)
		return;
	t->signalled = true;
	if (REAL(write)(t->wakefd, &one, sizeof(one)) < 0) {
		/* an eventfd full at 2^64 - 2: it is readable anyway */
	}
}

void rt_events_flush(void)
{
	struct rt_sock *rs;

	while ((rs = ev_head)) {
		short ev;

		ev_head = rs->ev_next;
		rs->ev_pending = false;
		if (rs->state != RS_NM || !rs->so)
			continue;
		ev = nm_sock_poll_events(rs->so);
		if (rs->connecting && (ev & (POLLOUT | POLLERR))) {
			rs->connecting = false;
			if (!(ev & POLLERR))
				rt_stat_add(&rt.page->connections, 1);
		}
		for (struct rt_waiter *w = rs->waiters; w; w = w->next)
			thread_wake(w->t);
		if (rs->watchers)
			rt_epoll_sock_event(rs, ev);
	}
}

void rt_unlock(void)
{
	if (ev_head)
		rt_events_flush();
	if (rt.st)
		nm_stack_timer_sync(rt.st);	/* a call may have armed an earlier timer */
	lock_release();
}

int rt_pass(void)
{
	int w;

	if (!rt.st)
		return 0;
	w = nm_stack_poll(rt.st, 0);
	rt_events_flush();
	return w;
}

/* ---- waiters and sleeping ----------------------------------------------------------- */

static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

/* A thread that slept goes: its eventfd with it. */
static void thread_exit(void *arg)
{
	struct rt_thread *t = arg;

	if (t->wakefd >= 0) {
		rt_fd_priv_set(t->wakefd, false);
		REAL(close)(t->wakefd);
		t->wakefd = -1;
	}
}

static void thread_key_init(void)
{
	pthread_key_create(&thread_key, thread_exit);
}

struct rt_thread *rt_self(void)
{
	struct rt_thread *t = &rt_tls;

	if (t->wakefd < 0) {
		t->wakefd = nm_fd_lift(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
		if (t->wakefd >= 0) {
			rt_fd_priv_set(t->wakefd, true);
			pthread_once(&thread_once, thread_key_init);
			pthread_setspecific(thread_key, t);
		}
	}
	return t;
}

bool rt_self_woken(void)
{
	return rt_tls.woken;
}

void rt_self_clear(void)
{
	rt_tls.woken = false;
}

void rt_waiter_add_list(struct rt_waiter **head, struct rt_waiter *w)
{
	w->t = rt_self();
	w->next = *head;
	if (w->next)
		w->next->pprev = &w->next;
	w->pprev = head;
	*head = w;
}

void rt_waiter_add(struct rt_sock *rs, struct rt_waiter *w)
{
	rt_waiter_add_list(&rs->waiters, w);
}

void rt_waiters_wake(struct rt_waiter *head)
{
	for (struct rt_waiter *w = head; w; w = w->next)
		thread_wake(w->t);
}

void rt_waiter_del(struct rt_waiter *w)
{
	if (!w->pprev)
		return;
	*w->pprev = w->next;
	if (w->next)
		w->next->pprev = w->pprev;
	w->pprev = NULL;
}

uint64_t rt_now_us(void)
{
	return nm_clock_mono_us();
}

int rt_ms_left(uint64_t deadline_us)
{
	uint64_t now;

	if (!deadline_us)
		return -1;
	now = rt_now_us();
	if (now >= deadline_us)
		return 0;
	return (int)((deadline_us - now + 999) / 1000);
}

#define SLEEP_FDS	64

int rt_sleep(int timeout_ms, struct pollfd *extra, nfds_t n, const sigset_t *mask)
{
	struct rt_thread *t = rt_self();
	struct pollfd buf[SLEEP_FDS + 2], *p = buf;
	struct timespec ts, *tsp = NULL;
	bool watch = rt.up && !app_watchers && rt.stack_fd >= 0;
	nfds_t cnt = n + 1;
	int r, e = 0;

	if (n + 2 > SLEEP_FDS + 2) {
		p = malloc((n + 2) * sizeof(*p));
		if (!p)
			return -ENOMEM;
	}
	if (n)
		memcpy(p, extra, n * sizeof(*p));
	p[n] = (struct pollfd){ .fd = t->wakefd, .events = POLLIN };
	if (watch) {
		p[cnt++] = (struct pollfd){ .fd = rt.stack_fd, .events = POLLIN };
		app_watchers++;
	}
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	nr_sleeping++;
	rt_sig_arm();
	rt_unlock();
	r = REAL(ppoll)(p, cnt, tsp, mask);
	if (r < 0)
		e = errno;
	if (p[n].revents) {
		uint64_t v;

		if (REAL(read)(t->wakefd, &v, sizeof(v)) < 0) {
			/* drained by nobody else: EAGAIN only if nothing came */
		}
	}
	if (n)
		for (nfds_t i = 0; i < n; i++)
			extra[i].revents = p[i].revents;
	if (p != buf)
		free(p);
	rt_lock();
	t->signalled = false;
	nr_sleeping--;
	if (watch)
		app_watchers--;
	return r < 0 ? -e : 0;
}

int rt_sock_wait(struct nm_socket *so, uint64_t deadline_us)
{
	struct rt_sock *rs = nm_sock_owner(so);
	struct rt_waiter w = { 0 };
	int r;

	if (rt.dead)
		return nm_err(ECONNABORTED, "netmem run: the program is exiting");
	rt_self_clear();
	if (rs)
		rt_waiter_add(rs, &w);
	r = rt_pass();
	if (r > 0 || rt_self_woken()) {
		/* something moved: let the call try again, and let the threads
		 * queued on the lock in first (it is a ticket lock) */
		lock_release();
		rt_lock();
		r = 0;
	} else if (r == 0) {
		r = rt_sleep(deadline_us ? rt_ms_left(deadline_us) : -1, NULL, 0, NULL);
	}
	rt_waiter_del(&w);
	if (rt.dead)
		return nm_err(ECONNABORTED, "netmem run: the program is exiting");
	if (r == -EINTR) {
		/* socket calls restart under SA_RESTART unless the socket has a
		 * timeout (signal(7)); the library ends the call otherwise */
		if (!deadline_us && rt_sig_restart())
			return 0;
		return nm_err(EINTR, "interrupted by a signal");
	}
	return r;
}

/* ---- the background poller ---------------------------------------------------------- */

static pthread_t poller;
static bool poller_on, poller_stop;
static int poller_fd = -1;

static void *poller_main(void *arg)
{
	uint64_t next_stats = 0;
	sigset_t all;

	(void)arg;
	/* signals are the program's threads' business */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	rt_lock();
	while (!poller_stop) {
		struct pollfd p[2] = { { .fd = poller_fd, .events = POLLIN },
				       { .fd = rt.stack_fd, .events = POLLIN } };
		bool watch = !app_watchers;
		uint64_t now;
		int w = 0, ms;

		if (watch)
			w = rt_pass();
		now = rt_now_us();
		if (now >= next_stats) {
			rt_stats_publish();
			next_stats = now + POLLER_STATS_MS * 1000u;
		}
		if (w > 0) {
			lock_release();	/* let the application in between passes */
			rt_lock();
			continue;
		}
		ms = watch ? (int)((next_stats - now + 999) / 1000) : POLLER_NAP_MS;
		rt_unlock();
		if (REAL(poll)(p, watch ? 2 : 1, ms) > 0 && p[0].revents) {
			uint64_t v;

			if (REAL(read)(poller_fd, &v, sizeof(v)) < 0) {
				/* raced with another reader: nothing to drain */
			}
		}
		rt_lock();
	}
	rt_unlock();
	return NULL;
}

int rt_poller_start(void)
{
	int r;

	if (poller_on)
		return 0;
	poller_fd = nm_fd_lift(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
	if (poller_fd < 0)
		return -errno;
	rt_fd_priv_set(poller_fd, true);
	poller_stop = false;
	r = pthread_create(&poller, NULL, poller_main, NULL);
	if (r) {
		rt_fd_priv_set(poller_fd, false);
		REAL(close)(poller_fd);
		poller_fd = -1;
		return -r;
	}
	poller_on = true;
	return 0;
}

/* Lock held; returns with it held and the poller gone. */
void rt_poller_stop(void)
{
	uint64_t one = 1;

	if (!poller_on)
		return;
	poller_stop = true;
	if (REAL(write)(poller_fd, &one, sizeof(one)) < 0) {
		/* it wakes within POLLER_STATS_MS anyway */
	}
	lock_release();
	pthread_join(poller, NULL);
	rt_lock();
	poller_on = false;
}

void rt_poller_forget(void)
{
	poller_on = false;
	app_watchers = 0;
	nr_sleeping = 0;
	ev_head = NULL;
}

void rt_hooks_install(void)
{
	struct nm_sock_hooks h = { .wait = rt_sock_wait, .event = rt_on_event };

	nm_sock_set_hooks(&h);
}
