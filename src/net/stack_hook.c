/* SPDX-License-Identifier: MIT */
/*
 * The stack's hooks (stack_hook.h): a short list, changed rarely (a ring
 * set up or closed), run in every pass of the loop.
 *
 * Invariants: 1. nr_hooks is the length of the list; it is written under
 * hooks_lock and read without it, so a pass with no hooks takes no lock.
 * 2. hooks run only with hooks_lock held and in_hooks set, so del (under
 * the lock) cannot return while its hook runs, and a hook that makes a
 * call which runs the loop again does not run the hooks twice.
 * Workload: a handful of hooks at most; one lock per pass while any exist.
 */
#include <errno.h>
#include <stdatomic.h>
#include <sys/epoll.h>

#include "net/net_internal.h"
#include "net/stack_hook.h"
#include "util/err.h"

int nm_stack_hooks_init(struct nm_stack *st)
{
	pthread_mutexattr_t a;
	int r;

	pthread_mutexattr_init(&a);
	/* the loop re-enters itself (a blocking call inside a pass) */
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	r = pthread_mutex_init(&st->hooks_lock, &a);
	pthread_mutexattr_destroy(&a);
	return r ? nm_err(r, "hook lock") : 0;
}

void nm_stack_hooks_fini(struct nm_stack *st)
{
	pthread_mutex_destroy(&st->hooks_lock);
}

int nm_stack_hook_add(struct nm_stack *st, struct nm_stack_hook *h)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (!st || !h || !h->run)
		return nm_err(EINVAL, "NULL stack or hook");
	if (h->wake_fd >= 0) {
		ev.data.fd = h->wake_fd;
		if (epoll_ctl(st->epfd, EPOLL_CTL_ADD, h->wake_fd, &ev) < 0)
			return nm_err_sys(errno, "epoll_ctl ADD hook fd %d", h->wake_fd);
	}
	pthread_mutex_lock(&st->hooks_lock);
	h->next = st->hooks;
	st->hooks = h;
	atomic_fetch_add(&st->nr_hooks, 1);
	pthread_mutex_unlock(&st->hooks_lock);
	return 0;
}

void nm_stack_hook_del(struct nm_stack *st, struct nm_stack_hook *h)
{
	if (!st || !h)
		return;
	pthread_mutex_lock(&st->hooks_lock);
	for (struct nm_stack_hook **p = &st->hooks; *p; p = &(*p)->next) {
		if (*p == h) {
			*p = h->next;
			atomic_fetch_sub(&st->nr_hooks, 1);
			break;
		}
	}
	pthread_mutex_unlock(&st->hooks_lock);
	if (h->wake_fd >= 0)
		epoll_ctl(st->epfd, EPOLL_CTL_DEL, h->wake_fd, NULL);
}

int nm__stack_run_hooks(struct nm_stack *st)
{
	int work = 0;

	pthread_mutex_lock(&st->hooks_lock);
	if (!st->in_hooks) {
		st->in_hooks = true;
		for (struct nm_stack_hook *h = st->hooks; h; h = h->next) {
			int r = h->run(h);

			if (r > 0)
				work += r;
		}
		st->in_hooks = false;
	}
	pthread_mutex_unlock(&st->hooks_lock);
	return work;
}

bool nm_stack_is_poller(const struct nm_stack *st)
{
	unsigned long o = atomic_load_explicit(&((struct nm_stack *)st)->owner,
					       memory_order_relaxed);

	return o && o == (unsigned long)pthread_self();
}

bool nm_stack_has_poller(const struct nm_stack *st)
{
	return atomic_load_explicit(&((struct nm_stack *)st)->owner, memory_order_relaxed) != 0;
}
