/* SPDX-License-Identifier: MIT */
/*
 * poll, ppoll, select, pselect over sets that mix kernel fds and netmem
 * sockets.  A set without netmem sockets goes to the kernel as it is.
 * Otherwise the netmem sockets' readiness comes from the stack (after a
 * pass of it: the caller polls) and the kernel's fds from the kernel; a
 * wait sleeps in one ppoll over the kernel fds, this thread's wake fd
 * (each netmem socket of the set wakes it on an event) and the stack's fd
 * (lock.c decides whether this thread watches it).  Every wait ends with
 * EINTR when a handler runs, as the kernel's (signal(7): never restarted).
 *
 * select and pselect are poll over the fds their sets name (POLLIN for
 * readfds, POLLOUT for writefds, POLLPRI for exceptfds), with the kernel's
 * readiness-to-set rules (fs/select.c): readable includes POLLHUP and
 * POLLERR, writable POLLERR.  select's timeval is updated to the time
 * left, as Linux does.
 */
#include <stdlib.h>
#include <string.h>

#include "rt/rt_internal.h"

#define POLL_STACK	64	/* entries kept on the stack; more are malloc'd */

short rt_sock_revents(struct rt_sock *rs, short events)
{
	short ev;

	if (rs->state == RS_PENDING && !rt.failed)
		return 0;			/* the stack is coming */
	if (rs->state != RS_NM || rt.orphan || rt.dead || !rs->so)
		return POLLERR | POLLHUP;	/* the parent's (fork), failed, or exiting */
	ev = nm_sock_poll_events(rs->so);
	if (ev & POLLIN)
		ev |= POLLRDNORM;
	if (ev & POLLOUT)
		ev |= POLLWRNORM;
	return (short)(ev & (events | POLLERR | POLLHUP));
}

/* Whether fd is a netmem socket for poll's purposes (not a candidate:
 * that is still the kernel's). */
static bool polls_netmem(int fd)
{
	struct rt_obj *o = rt_fd_get(fd);

	return o && o->kind == RT_SOCK && ((struct rt_sock *)o)->state != RS_CAND;
}

/* Lock held: the netmem entries' revents (in out[]), how many are set. */
static int nm_revents(const struct pollfd *fds, nfds_t n, const bool *is_nm, short *out)
{
	int ready = 0;

	for (nfds_t i = 0; i < n; i++) {
		struct rt_obj *o;

		if (!is_nm[i])
			continue;
		o = rt_fd_get(fds[i].fd);
		if (!o || o->kind != RT_SOCK)
			out[i] = POLLNVAL;	/* closed meanwhile */
		else
			out[i] = rt_sock_revents((struct rt_sock *)o, fds[i].events);
		if (out[i])
			ready++;
	}
	return ready;
}

/* The poll of a set with netmem sockets in it; timeout_ms < 0: none. */
static int poll_mixed(struct pollfd *fds, nfds_t n, int timeout_ms, const sigset_t *mask)
{
	struct pollfd kbuf[POLL_STACK], *k = kbuf;
	struct rt_waiter wbuf[POLL_STACK], *w = wbuf;
	bool nmbuf[POLL_STACK], *is_nm = nmbuf;
	short rbuf[POLL_STACK], *rev = rbuf;
	uint64_t deadline = timeout_ms > 0 ? rt_now_us() + (uint64_t)timeout_ms * 1000u : 0;
	const struct timespec zero = { 0, 0 };
	bool kernel_hit = false;
	int ret = -1;

	if (n > POLL_STACK) {
		k = malloc(n * sizeof(*k));
		w = calloc(n, sizeof(*w));
		is_nm = malloc(n * sizeof(*is_nm));
		rev = malloc(n * sizeof(*rev));
		if (!k || !w || !is_nm || !rev) {
			ret = (int)rt_ret(-ENOMEM);
			goto out_free;
		}
	}
	for (nfds_t i = 0; i < n; i++) {
		is_nm[i] = fds[i].fd >= 0 && polls_netmem(fds[i].fd);
		k[i] = fds[i];
		if (is_nm[i])
			k[i].fd = -1;	/* the kernel skips it (revents 0) */
		rev[i] = 0;
		w[i].pprev = NULL;
	}
	for (;;) {
		int ready, pass, left = timeout_ms < 0 ? -1 : timeout_ms == 0 ? 0 : rt_ms_left(deadline);
		bool expired = timeout_ms == 0 || left == 0;

		rt_lock();
		rt_self_clear();
		pass = rt_pass();
		ready = nm_revents(fds, n, is_nm, rev);
		if (ready || expired || pass > 0 || kernel_hit || rt_self_woken()) {
			int kr;

			rt_unlock();
			kr = REAL(ppoll)(k, n, &zero, mask);
			if (kr < 0) {
				ret = -1;
				goto out_free;
			}
			ready = 0;
			for (nfds_t i = 0; i < n; i++) {
				fds[i].revents = is_nm[i] ? rev[i] : k[i].revents;
				if (fds[i].revents)
					ready++;
			}
			if (ready || expired) {
				ret = ready;
				goto out_free;
			}
			kernel_hit = false;
			continue;
		}
		for (nfds_t i = 0; i < n; i++)
			if (is_nm[i]) {
				struct rt_obj *o = rt_fd_get(fds[i].fd);

				if (o && o->kind == RT_SOCK)
					rt_waiter_add((struct rt_sock *)o, &w[i]);
			}
		ret = rt_sleep(left, k, n, mask);
		for (nfds_t i = 0; i < n; i++)
			rt_waiter_del(&w[i]);
		rt_unlock();
		if (ret < 0) {
			ret = (int)rt_ret(ret);
			goto out_free;
		}
		for (nfds_t i = 0; i < n; i++)
			if (!is_nm[i] && k[i].revents)
				kernel_hit = true;
	}
out_free:
	if (k != kbuf) {
		free(k);
		free(w);
		free(is_nm);
		free(rev);
	}
	return ret;
}

static bool any_netmem(const struct pollfd *fds, nfds_t n)
{
	if (!rt.enabled || rt_locked_here())
		return false;
	for (nfds_t i = 0; i < n; i++)
		if (fds[i].fd >= 0 && polls_netmem(fds[i].fd))
			return true;
	return false;
}

/* glibc's <sys/poll.h> declares poll's and ppoll's fds write-only
 * (__access__ (__write_only__)), though they are read as well: GCC's -O1
 * flow analysis (the sanitized build) then takes our reads of fds[].fd
 * for reads of uninitialized memory. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	int r = rt_nl_poll(fds, n);

	if (r >= 0)
		return r;
	if (!any_netmem(fds, n))
		return REAL(poll)(fds, n, timeout);
	return poll_mixed(fds, n, timeout < 0 ? -1 : timeout, NULL);
}

/* A timespec as poll's milliseconds (rounded up; NULL: -1); -EINVAL. */
static int ts_ms(const struct timespec *ts)
{
	uint64_t ms;

	if (!ts)
		return -1;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
		return -EINVAL;
	ms = (uint64_t)ts->tv_sec * 1000u + ((uint64_t)ts->tv_nsec + 999999u) / 1000000u;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	int ms = rt_nl_poll(fds, n);

	if (ms >= 0)
		return ms;
	if (!any_netmem(fds, n))
		return REAL(ppoll)(fds, n, ts, mask);
	ms = ts_ms(ts);
	if (ms < -1)
		return (int)rt_ret(ms);
	return poll_mixed(fds, n, ms, mask);
}
#pragma GCC diagnostic pop

/* ---- select ------------------------------------------------------------------------- */

#define SEL_IN	(POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SEL_OUT	(POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SEL_EX	(POLLPRI)

static bool sets_netmem(int nfds, fd_set *r, fd_set *wr, fd_set *e)
{
	if (!rt.enabled || rt_locked_here() || nfds <= 0)
		return false;
	for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++)
		if (((r && FD_ISSET(fd, r)) || (wr && FD_ISSET(fd, wr)) || (e && FD_ISSET(fd, e))) &&
		    polls_netmem(fd))
			return true;
	return false;
}

static int select_mixed(int nfds, fd_set *r, fd_set *wr, fd_set *e, int ms, const sigset_t *mask)
{
	struct pollfd *p;
	nfds_t n = 0;
	int ret, cnt = 0;

	if (nfds > FD_SETSIZE)
		nfds = FD_SETSIZE;
	p = calloc((size_t)nfds, sizeof(*p));
	if (!p)
		return (int)rt_ret(-ENOMEM);
	for (int fd = 0; fd < nfds; fd++) {
		short ev = 0;

		if (r && FD_ISSET(fd, r))
			ev |= POLLIN;
		if (wr && FD_ISSET(fd, wr))
			ev |= POLLOUT;
		if (e && FD_ISSET(fd, e))
			ev |= POLLPRI;
		if (ev)
			p[n++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	ret = poll_mixed(p, n, ms, mask);
	if (ret < 0) {
		free(p);
		return ret;
	}
	for (nfds_t i = 0; i < n; i++) {
		if (p[i].revents & POLLNVAL) {
			free(p);
			return (int)rt_ret(-EBADF);
		}
	}
	if (r)
		FD_ZERO(r);
	if (wr)
		FD_ZERO(wr);
	if (e)
		FD_ZERO(e);
	for (nfds_t i = 0; i < n; i++) {
		short rv = p[i].revents;

		if ((p[i].events & POLLIN) && (rv & SEL_IN)) {
			FD_SET(p[i].fd, r);
			cnt++;
		}
		if ((p[i].events & POLLOUT) && (rv & SEL_OUT)) {
			FD_SET(p[i].fd, wr);
			cnt++;
		}
		if ((p[i].events & POLLPRI) && (rv & SEL_EX)) {
			FD_SET(p[i].fd, e);
			cnt++;
		}
	}
	free(p);
	return cnt;
}

int select(int nfds, fd_set *r, fd_set *wr, fd_set *e, struct timeval *tv)
{
	uint64_t t0;
	int ms, ret = rt_nl_select(nfds, r, wr, e);

	if (ret >= 0)
		return ret;
	if (!sets_netmem(nfds, r, wr, e))
		return REAL(select)(nfds, r, wr, e, tv);
	if (tv && (tv->tv_sec < 0 || tv->tv_usec < 0))
		return (int)rt_ret(-EINVAL);
	ms = tv ? (int)((uint64_t)tv->tv_sec * 1000u + ((uint64_t)tv->tv_usec + 999u) / 1000u) : -1;
	t0 = rt_now_us();
	ret = select_mixed(nfds, r, wr, e, ms, NULL);
	if (tv) {	/* Linux leaves the time not slept in *tv */
		uint64_t spent = rt_now_us() - t0, total = (uint64_t)tv->tv_sec * 1000000u +
							  (uint64_t)tv->tv_usec;
		uint64_t left = spent < total ? total - spent : 0;

		tv->tv_sec = (time_t)(left / 1000000u);
		tv->tv_usec = (suseconds_t)(left % 1000000u);
	}
	return ret;
}

int pselect(int nfds, fd_set *r, fd_set *wr, fd_set *e, const struct timespec *ts,
	    const sigset_t *mask)
{
	int ms = rt_nl_select(nfds, r, wr, e);

	if (ms >= 0)
		return ms;
	if (!sets_netmem(nfds, r, wr, e))
		return REAL(pselect)(nfds, r, wr, e, ts, mask);
	ms = ts_ms(ts);
	if (ms < -1)
		return (int)rt_ret(ms);
	return select_mixed(nfds, r, wr, e, ms, mask);
}
