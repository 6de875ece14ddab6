/* SPDX-License-Identifier: MIT */
/*
 * epoll over kernel fds and netmem sockets together.
 *
 * The program's epoll fd stays a kernel epoll: its kernel fds are
 * registered there as usual.  Its netmem sockets are items of a userspace
 * interest list (struct rt_epi) kept by the runtime's object for that epoll
 * fd (struct rt_epoll, made at the first netmem EPOLL_CTL_ADD), with the
 * kernel's semantics emulated:
 *  - level-triggered: an item stays on the ready list while its socket is
 *    ready; each epoll_wait reports it again (rotated to the tail, so that
 *    maxevents smaller than the list starves none);
 *  - EPOLLET: an event on the socket (a segment, an ACK that freed send
 *    space, its end: lock.c) puts the item on the list; a report takes it
 *    off, as the kernel's wakeups do;
 *  - EPOLLONESHOT: a report disables the item until EPOLL_CTL_MOD;
 *  - EPOLLEXCLUSIVE: accepted with the kernel's checks (ADD only, not with
 *    EPOLLONESHOT), a plain item otherwise;
 *  - EPOLLERR and EPOLLHUP always reported; EPOLLRDHUP when asked.
 * The kernel epoll also holds two fds of the runtime: an eventfd readable
 * exactly while the ready list is not empty (so a wait sleeping in the
 * kernel wakes for netmem readiness, and poll() or a nested epoll on the
 * epoll fd sees it), and the stack's fd (a waiter polls the stack: lock.c).
 * Their events carry tags no program uses and never reach the program.
 *
 * A candidate socket (not yet netmem's or the kernel's) registered in an
 * epoll is registered in the kernel and remembered (rt_kreg); if it turns
 * netmem, the registration moves to an item.
 *
 * Invariants: 1. ep->wakefd is readable iff ep's ready list is not empty;
 * 2. an item is on its epoll's item list and its socket's watcher list
 * until it is deleted or either goes; 3. a disabled (ONESHOT) item is not
 * on the ready list.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "rt/rt_internal.h"
#include "util/fd.h"

/* Tags of the runtime's two fds in a program's kernel epoll. */
#define TAG_WAKE	0x6e6d727477616b65ull	/* "nmrtwake" */
#define TAG_STACK	0x6e6d727473746b21ull	/* "nmrtstk!" */
#define EP_FLAGS	(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP)
#define EP_EXCL_OK	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | \
			 EPOLLEXCLUSIVE | EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND)

struct rt_epi {
	struct rt_epoll *ep;
	struct rt_sock *rs;
	int fd;
	uint32_t events;		/* interest and flags, as given */
	epoll_data_t data;
	bool ready, disabled;
	struct rt_epi *ep_next, **ep_pprev;	/* ep->items */
	struct rt_epi *rs_next, **rs_pprev;	/* rs->watchers */
	struct rt_epi *rd_next, **rd_pprev;	/* ep's ready list */
};

struct rt_epoll {
	struct rt_obj obj;		/* RT_EPOLL */
	int fds, refs;			/* fds naming it; + waits in flight */
	int wakefd;
	bool stack_in;			/* the stack fd is in the kernel epoll */
	bool kernel_first;		/* the next wait reports kernel fds first */
	struct rt_epi *items;
	struct rt_epi *rhead, **rtail;	/* the ready list */
};

/* ---- the ready list ------------------------------------------------------------------ */

static void wake_set(struct rt_epoll *ep, bool on)
{
	uint64_t v = 1;

	if (ep->wakefd < 0)
		return;		/* a fork child's copy */
	if (on) {
		if (REAL(write)(ep->wakefd, &v, sizeof(v)) < 0) {
			/* saturated: readable all the same */
		}
	} else if (REAL(read)(ep->wakefd, &v, sizeof(v)) < 0) {
		/* already drained */
	}
}

static void ready_add(struct rt_epi *epi)
{
	struct rt_epoll *ep = epi->ep;

	if (epi->ready || epi->disabled)
		return;
	epi->ready = true;
	epi->rd_next = NULL;
	epi->rd_pprev = ep->rtail;
	*ep->rtail = epi;
	ep->rtail = &epi->rd_next;
	if (ep->rhead == epi)
		wake_set(ep, true);
}

/* A level-triggered item reported: to the tail, the wakefd untouched. */
static void ready_rotate(struct rt_epi *epi)
{
	struct rt_epoll *ep = epi->ep;

	if (!epi->ready || !epi->rd_next)
		return;		/* not on the list, or the tail already */
	*epi->rd_pprev = epi->rd_next;
	epi->rd_next->rd_pprev = epi->rd_pprev;
	epi->rd_next = NULL;
	epi->rd_pprev = ep->rtail;
	*ep->rtail = epi;
	ep->rtail = &epi->rd_next;
}

static void ready_del(struct rt_epi *epi)
{
	struct rt_epoll *ep = epi->ep;

	if (!epi->ready)
		return;
	*epi->rd_pprev = epi->rd_next;
	if (epi->rd_next)
		epi->rd_next->rd_pprev = epi->rd_pprev;
	else
		ep->rtail = epi->rd_pprev;
	epi->ready = false;
	if (!ep->rhead)
		wake_set(ep, false);
}

/* What the item reports now (0: nothing). */
static uint32_t item_events(const struct rt_epi *epi)
{
	uint32_t want = epi->events & ~(uint32_t)EP_FLAGS;

	return (uint32_t)(uint16_t)rt_sock_revents(epi->rs, (short)want);
}

void rt_epoll_sock_event(struct rt_sock *rs, short events)
{
	for (struct rt_epi *epi = rs->watchers; epi; epi = epi->rs_next)
		if ((uint32_t)(uint16_t)events & (epi->events | EPOLLERR | EPOLLHUP))
			ready_add(epi);
}

/* ---- items ----------------------------------------------------------------------------- */

static void item_free(struct rt_epi *epi)
{
	ready_del(epi);
	*epi->ep_pprev = epi->ep_next;
	if (epi->ep_next)
		epi->ep_next->ep_pprev = epi->ep_pprev;
	*epi->rs_pprev = epi->rs_next;
	if (epi->rs_next)
		epi->rs_next->rs_pprev = epi->rs_pprev;
	free(epi);
}

static struct rt_epi *item_find(struct rt_epoll *ep, int fd, struct rt_sock *rs)
{
	for (struct rt_epi *epi = ep->items; epi; epi = epi->ep_next)
		if (epi->fd == fd && epi->rs == rs)
			return epi;
	return NULL;
}

static int item_add(struct rt_epoll *ep, int fd, struct rt_sock *rs, const struct epoll_event *ev)
{
	struct rt_epi *epi = calloc(1, sizeof(*epi));

	if (!epi)
		return -ENOMEM;
	epi->ep = ep;
	epi->rs = rs;
	epi->fd = fd;
	epi->events = ev->events;
	epi->data = ev->data;
	epi->ep_next = ep->items;
	if (ep->items)
		ep->items->ep_pprev = &epi->ep_next;
	epi->ep_pprev = &ep->items;
	ep->items = epi;
	epi->rs_next = rs->watchers;
	if (rs->watchers)
		rs->watchers->rs_pprev = &epi->rs_next;
	epi->rs_pprev = &rs->watchers;
	rs->watchers = epi;
	if (item_events(epi))
		ready_add(epi);
	return 0;
}

void rt_epoll_sock_gone(struct rt_sock *rs)
{
	while (rs->watchers)
		item_free(rs->watchers);
}

/* ---- the epoll object ------------------------------------------------------------------- */

static bool is_epoll_fd(int fd)
{
	return nm_fd_is(fd, "anon_inode:[eventpoll]", false);
}

/* Lock held: the stack fd joins the kernel epoll once the stack runs. */
static void stack_join(struct rt_epoll *ep, int epfd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG_STACK };

	if (ep->stack_in || !rt.up || rt.stack_fd < 0)
		return;
	if (REAL(epoll_ctl)(epfd, EPOLL_CTL_ADD, rt.stack_fd, &ev) == 0 || errno == EEXIST)
		ep->stack_in = true;
}

/* Lock held: the object of epoll fd epfd, made if needed; NULL with
 * *err (EBADF, EINVAL: not an epoll fd, ENOMEM...). */
static struct rt_epoll *ep_get(int epfd, int *err)
{
	struct rt_obj *o = rt_fd_get(epfd);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG_WAKE };
	struct rt_epoll *ep;

	if (o)
		return o->kind == RT_EPOLL ? (struct rt_epoll *)o : (*err = EINVAL, NULL);
	if (!is_epoll_fd(epfd)) {
		*err = REAL(fcntl)(epfd, F_GETFD) < 0 ? EBADF : EINVAL;
		return NULL;
	}
	ep = rt_obj_new(RT_EPOLL, sizeof(*ep));
	if (!ep) {
		*err = ENOMEM;
		return NULL;
	}
	ep->rtail = &ep->rhead;
	ep->wakefd = nm_fd_lift(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
	if (ep->wakefd < 0 || REAL(epoll_ctl)(epfd, EPOLL_CTL_ADD, ep->wakefd, &ev) < 0 ||
	    rt_fd_set(epfd, &ep->obj) < 0) {
		*err = errno ? errno : ENOMEM;
		if (ep->wakefd >= 0)
			REAL(close)(ep->wakefd);
		rt_obj_free(&ep->obj);
		return NULL;
	}
	rt_fd_priv_set(ep->wakefd, true);
	ep->fds = ep->refs = 1;
	return ep;
}

void rt_epoll_put(struct rt_epoll *ep)
{
	if (--ep->refs)
		return;
	while (ep->items)
		item_free(ep->items);
	if (ep->wakefd >= 0) {
		rt_fd_priv_set(ep->wakefd, false);
		REAL(close)(ep->wakefd);
	}
	rt_obj_free(&ep->obj);
}

void rt_epoll_fd_gone(struct rt_epoll *ep)
{
	ep->fds--;
	rt_epoll_put(ep);
}

void rt_epoll_forget_wake(struct rt_obj *o)
{
	struct rt_epoll *ep = (struct rt_epoll *)o;

	if (ep->wakefd >= 0) {
		REAL(close)(ep->wakefd);
		ep->wakefd = -1;
	}
}

void rt_epoll_attach(int fd, struct rt_epoll *ep)
{
	if (rt_fd_set(fd, &ep->obj) == 0) {
		ep->fds++;
		ep->refs++;
	}
}

/* ---- epoll_ctl ---------------------------------------------------------------------------- */

/* The kernel's refusals of an event (fs/eventpoll.c). */
static int check_event(int op, const struct epoll_event *ev)
{
	if (op != EPOLL_CTL_DEL && !ev)
		return -EFAULT;
	if (op == EPOLL_CTL_DEL || !(ev->events & EPOLLEXCLUSIVE))
		return 0;
	if (op == EPOLL_CTL_MOD || (ev->events & ~(uint32_t)EP_EXCL_OK))
		return -EINVAL;
	return 0;
}

/* Lock held: a candidate's kernel registration, remembered for a move. */
static void kreg_note(struct rt_sock *rs, int epfd, int op, int fd, const struct epoll_event *ev)
{
	struct rt_kreg **p = &rs->kregs, *k;

	for (; *p; p = &(*p)->next)
		if ((*p)->epfd == epfd && (*p)->fd == fd)
			break;
	if (op == EPOLL_CTL_DEL) {
		if ((k = *p)) {
			*p = k->next;
			free(k);
		}
		return;
	}
	k = *p;
	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k)
			return;
		k->epfd = epfd;
		k->fd = fd;
		*p = k;
	}
	k->ev = *ev;
}

void rt_epoll_adopt(struct rt_sock *rs)
{
	while (rs->kregs) {
		struct rt_kreg *k = rs->kregs;
		struct rt_epoll *ep;
		int err = 0;

		rs->kregs = k->next;
		REAL(epoll_ctl)(k->epfd, EPOLL_CTL_DEL, k->fd, NULL);
		ep = ep_get(k->epfd, &err);
		if (ep && !item_find(ep, k->fd, rs))
			item_add(ep, k->fd, rs, &k->ev);
		free(k);
	}
}

static int ctl_netmem(int epfd, int op, int fd, struct rt_sock *rs, struct epoll_event *ev)
{
	struct rt_epoll *ep;
	struct rt_epi *epi;
	int err = 0, r;

	if (fd == epfd)
		return -EINVAL;
	r = check_event(op, ev);
	if (r)
		return r;
	ep = ep_get(epfd, &err);
	if (!ep)
		return -err;
	stack_join(ep, epfd);
	epi = item_find(ep, fd, rs);
	switch (op) {
	case EPOLL_CTL_ADD:
		return epi ? -EEXIST : item_add(ep, fd, rs, ev);
	case EPOLL_CTL_MOD:
		if (!epi)
			return -ENOENT;
		if (epi->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		epi->events = ev->events;
		epi->data = ev->data;
		epi->disabled = false;
		ready_del(epi);		/* and back if ready now, as ep_modify re-polls */
		if (item_events(epi))
			ready_add(epi);
		return 0;
	case EPOLL_CTL_DEL:
		if (!epi)
			return -ENOENT;
		item_free(epi);
		return 0;
	default:
		return -EINVAL;
	}
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct rt_obj *o = rt_fd_get(fd);
	struct rt_sock *rs;
	int r;

	if (o && o->kind == RT_NL && rt_nl_is(fd))
		return rt_nl_epoll_ctl(epfd, op, fd, ev);
	if (!o || o->kind != RT_SOCK || rt_locked_here())
		return REAL(epoll_ctl)(epfd, op, fd, ev);
	rt_lock();
	o = rt_fd_get(fd);
	rs = o && o->kind == RT_SOCK ? (struct rt_sock *)o : NULL;
	if (!rs || rs->state == RS_ORPHAN || (rs->state == RS_NM && rt.orphan)) {
		rt_unlock();
		return REAL(epoll_ctl)(epfd, op, fd, ev);
	}
	if (rs->state == RS_CAND) {
		r = REAL(epoll_ctl)(epfd, op, fd, ev);
		if (r == 0)
			kreg_note(rs, epfd, op, fd, ev);
		rt_unlock();
		return r;
	}
	r = ctl_netmem(epfd, op, fd, rs, ev);
	rt_unlock();
	return (int)rt_ret(r);
}

/* ---- epoll_wait ------------------------------------------------------------------------------ */

/* Lock held: up to max reports from the ready list. */
static int harvest(struct rt_epoll *ep, struct epoll_event *out, int max)
{
	struct rt_epi *epi, *next;
	int n = 0, visit = 0;

	for (epi = ep->rhead; epi; epi = epi->rd_next)
		visit++;
	for (epi = ep->rhead; epi && n < max && visit-- > 0; epi = next) {
		uint32_t ev = item_events(epi);

		next = epi->rd_next;
		if (!ev) {
			ready_del(epi);	/* not ready (any more): an event brings it back */
			continue;
		}
		out[n].events = ev;
		out[n].data = epi->data;
		n++;
		if (epi->events & (EPOLLONESHOT | EPOLLET)) {
			ready_del(epi);		/* edge: the next event brings it back */
			epi->disabled = epi->events & EPOLLONESHOT;
		} else {
			ready_rotate(epi);	/* level-triggered: again, at the tail */
		}
	}
	return n;
}

/* Drop the runtime's own events from a kernel report. */
static int filter(struct epoll_event *ev, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		if (ev[i].data.u64 != TAG_WAKE && ev[i].data.u64 != TAG_STACK)
			ev[k++] = ev[i];
	return k;
}

/* Lock held (released meanwhile): what the kernel epoll has ready now,
 * then the netmem items in the room left.  The waits take turns at who
 * goes first, so that neither side starves the other when maxevents is
 * smaller than what is ready (the kernel's own list rotates the same
 * way).  The count, or -errno. */
static int kernel_then_items(struct rt_epoll *ep, int epfd, struct epoll_event *evs, int max,
			     const sigset_t *mask)
{
	int k, e;

	rt_unlock();
	k = REAL(epoll_pwait)(epfd, evs, max, 0, mask);
	e = errno;
	rt_lock();
	if (k < 0)
		return -e;
	k = filter(evs, k);
	return k + harvest(ep, evs + k, max - k);
}

static int ep_wait(int epfd, struct epoll_event *evs, int max, int timeout_ms,
		   const sigset_t *mask)
{
	uint64_t deadline = timeout_ms > 0 ? rt_now_us() + (uint64_t)timeout_ms * 1000u : 0;
	struct rt_epoll *ep;
	struct rt_obj *o;

	if (max <= 0 || max > INT_MAX / (int)sizeof(struct epoll_event))
		return (int)rt_ret(-EINVAL);
	if (!evs)
		return (int)rt_ret(-EFAULT);
	rt_lock();
	o = rt_fd_get(epfd);
	if (!o || o->kind != RT_EPOLL) {
		rt_unlock();
		return REAL(epoll_pwait)(epfd, evs, max, timeout_ms, mask);
	}
	ep = (struct rt_epoll *)o;
	ep->refs++;
	for (;;) {
		int left = timeout_ms < 0 ? -1 : timeout_ms == 0 ? 0 : rt_ms_left(deadline);
		bool sleep;
		int n, k, e;

		stack_join(ep, epfd);
		rt_self_clear();
		n = rt.up ? rt_pass() : 0;
		sleep = n == 0 && left != 0;
		if (ep->kernel_first) {
			k = kernel_then_items(ep, epfd, evs, max, mask);
			if (k != 0) {
				ep->kernel_first = k < 0;
				rt_epoll_put(ep);
				rt_unlock();
				return (int)rt_ret(k);
			}
		}
		n = harvest(ep, evs, max);
		sleep = sleep && n == 0;
		if (!sleep) {
			rt_unlock();
			k = REAL(epoll_pwait)(epfd, evs + n, max - n, 0, mask);
			if (k < 0 && !n) {
				e = errno;
				rt_lock();
				rt_epoll_put(ep);
				rt_unlock();
				return (int)rt_ret(-e);
			}
			k = k < 0 ? 0 : filter(evs + n, k);
			if (n + k > 0 || left == 0) {
				rt_lock();
				ep->kernel_first = n + k > 0;
				rt_epoll_put(ep);
				rt_unlock();
				return n + k;
			}
			rt_lock();
			continue;
		}
		if (ep->stack_in)
			rt_watch_enter();
		rt_sig_arm();
		rt_unlock();
		k = REAL(epoll_pwait)(epfd, evs, max, left, mask);
		e = errno;
		rt_lock();
		if (ep->stack_in)
			rt_watch_leave();
		if (k < 0) {
			rt_epoll_put(ep);
			rt_unlock();
			return (int)rt_ret(-e);
		}
		k = filter(evs, k);
		if (k > 0) {
			k += harvest(ep, evs + k, max - k);
			ep->kernel_first = false;	/* the kernel's went first */
			rt_epoll_put(ep);
			rt_unlock();
			return k;
		}
	}
}

int epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	if (!rt_fd_get(epfd) || rt_locked_here())
		return REAL(epoll_wait)(epfd, evs, max, timeout);
	return ep_wait(epfd, evs, max, timeout < 0 ? -1 : timeout, NULL);
}

int epoll_pwait(int epfd, struct epoll_event *evs, int max, int timeout, const sigset_t *mask)
{
	if (!rt_fd_get(epfd) || rt_locked_here())
		return REAL(epoll_pwait)(epfd, evs, max, timeout, mask);
	return ep_wait(epfd, evs, max, timeout < 0 ? -1 : timeout, mask);
}

int epoll_pwait2(int epfd, struct epoll_event *evs, int max, const struct timespec *ts,
		 const sigset_t *mask)
{
	uint64_t ms;

	if (!rt_fd_get(epfd) || rt_locked_here()) {
		if (!REAL(epoll_pwait2))
			return (int)rt_ret(-ENOSYS);
		return REAL(epoll_pwait2)(epfd, evs, max, ts, mask);
	}
	if (!ts)
		return ep_wait(epfd, evs, max, -1, mask);
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
		return (int)rt_ret(-EINVAL);
	ms = (uint64_t)ts->tv_sec * 1000u + ((uint64_t)ts->tv_nsec + 999999u) / 1000000u;
	return ep_wait(epfd, evs, max, ms > INT_MAX ? INT_MAX : (int)ms, mask);
}
