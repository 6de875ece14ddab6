/* SPDX-License-Identifier: MIT */
#ifndef NM_PROG_MUX_H
#define NM_PROG_MUX_H

/*
 * One readiness interface over the four ways a Linux program waits on many
 * sockets: epoll level-triggered, epoll edge-triggered, poll and select.
 * The test programs run the same loop over each, so that one program tests
 * all four under `netmem run`.
 *
 * Edge-triggered: every fd is registered once for EPOLLIN | EPOLLOUT |
 * EPOLLET and pp_mux_set() changes nothing; the caller's handler must then
 * go on until recv/send/accept says EAGAIN (or it has no reason to go on),
 * which the programs' handlers do in every mode.
 *
 * EPOLLONESHOT (level-triggered): a report disarms the fd; pp_mux_set()
 * after handling it (which the programs do for every fd they go on with)
 * arms it again with EPOLL_CTL_MOD.
 */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "prog.h"

enum pp_mux_kind { PP_EPOLL_LT, PP_EPOLL_ET, PP_EPOLL_ONESHOT, PP_POLL, PP_SELECT };

#define PP_MUX_MAX	1024		/* fds below this (select's FD_SETSIZE) */

struct pp_ev {
	int fd;
	bool rd, wr;			/* readable (or hung up, or an error); writable */
};

struct pp_mux {
	enum pp_mux_kind kind;
	int epfd;
	uint8_t want[PP_MUX_MAX];	/* poll, select: 1 read, 2 write; 4 registered */
};

/* MODE: epoll-lt, epoll-et, epoll-oneshot, poll or select; false for
 * another word. */
static inline bool pp_mux_init(struct pp_mux *m, const char *mode)
{
	memset(m, 0, sizeof(*m));
	m->epfd = -1;
	if (!strcmp(mode, "epoll-lt"))
		m->kind = PP_EPOLL_LT;
	else if (!strcmp(mode, "epoll-et"))
		m->kind = PP_EPOLL_ET;
	else if (!strcmp(mode, "epoll-oneshot"))
		m->kind = PP_EPOLL_ONESHOT;
	else if (!strcmp(mode, "poll"))
		m->kind = PP_POLL;
	else if (!strcmp(mode, "select"))
		m->kind = PP_SELECT;
	else
		return false;
	if (m->kind != PP_POLL && m->kind != PP_SELECT) {
		m->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (m->epfd < 0)
			pp_die("epoll_create1: %s", strerror(errno));
	}
	return true;
}

static inline bool pp_mux_edge(const struct pp_mux *m)
{
	return m->kind == PP_EPOLL_ET;
}

/* Watch fd for reading and/or writing (add or change). */
static inline void pp_mux_set(struct pp_mux *m, int fd, bool rd, bool wr)
{
	struct epoll_event ev = { .data.fd = fd };
	int op;

	if (fd < 0 || fd >= PP_MUX_MAX)
		pp_die("fd %d out of the programs' range", fd);
	op = (m->want[fd] & 4) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (m->kind == PP_EPOLL_ET && op == EPOLL_CTL_MOD)
		return;
	m->want[fd] = (uint8_t)(4 | (rd ? 1 : 0) | (wr ? 2 : 0));
	if (m->kind == PP_POLL || m->kind == PP_SELECT)
		return;
	if (m->kind == PP_EPOLL_ET)
		ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	else
		ev.events = (rd ? EPOLLIN | EPOLLRDHUP : 0) | (wr ? EPOLLOUT : 0) |
			    (m->kind == PP_EPOLL_ONESHOT ? EPOLLONESHOT : 0);
	if (epoll_ctl(m->epfd, op, fd, &ev) < 0)
		pp_die("epoll_ctl(%d, fd %d): %s", op, fd, strerror(errno));
}

/* Stop watching fd (before closing it). */
static inline void pp_mux_del(struct pp_mux *m, int fd)
{
	if (m->epfd >= 0 && epoll_ctl(m->epfd, EPOLL_CTL_DEL, fd, NULL) < 0)
		pp_die("epoll_ctl(DEL, fd %d): %s", fd, strerror(errno));
	m->want[fd] = 0;
}

static inline int pp_mux_wait_poll(struct pp_mux *m, struct pp_ev *out, int max, int ms)
{
	struct pollfd p[PP_MUX_MAX];
	int n = 0, k, got = 0;

	for (int fd = 0; fd < PP_MUX_MAX; fd++)
		if (m->want[fd] & 3)
			p[n++] = (struct pollfd){ .fd = fd,
				.events = (short)(((m->want[fd] & 1) ? POLLIN : 0) |
						  ((m->want[fd] & 2) ? POLLOUT : 0)) };
	k = poll(p, (nfds_t)n, ms);
	if (k < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n && got < max; i++) {
		if (p[i].revents & POLLNVAL)
			pp_die("poll: fd %d is not open (POLLNVAL)", p[i].fd);
		if (p[i].revents)
			out[got++] = (struct pp_ev){ p[i].fd,
				(p[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0,
				(p[i].revents & (POLLOUT | POLLERR)) != 0 };
	}
	return got;
}

static inline int pp_mux_wait_select(struct pp_mux *m, struct pp_ev *out, int max, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	fd_set r, w;
	int top = -1, k, got = 0;

	FD_ZERO(&r);
	FD_ZERO(&w);
	for (int fd = 0; fd < PP_MUX_MAX; fd++) {
		if (m->want[fd] & 1)
			FD_SET(fd, &r);
		if (m->want[fd] & 2)
			FD_SET(fd, &w);
		if (m->want[fd] & 3)
			top = fd;
	}
	k = select(top + 1, &r, &w, NULL, &tv);
	if (k < 0)
		return errno == EINTR ? 0 : -errno;
	for (int fd = 0; fd <= top && got < max; fd++)
		if (FD_ISSET(fd, &r) || FD_ISSET(fd, &w))
			out[got++] = (struct pp_ev){ fd, FD_ISSET(fd, &r), FD_ISSET(fd, &w) };
	return got;
}

/* Up to max ready fds within ms; 0 on a timeout or a signal, -errno. */
static inline int pp_mux_wait(struct pp_mux *m, struct pp_ev *out, int max, int ms)
{
	struct epoll_event ev[64];
	int k;

	if (m->kind == PP_POLL)
		return pp_mux_wait_poll(m, out, max, ms);
	if (m->kind == PP_SELECT)
		return pp_mux_wait_select(m, out, max, ms);
	k = epoll_wait(m->epfd, ev, max < 64 ? max : 64, ms);
	if (k < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < k; i++)
		out[i] = (struct pp_ev){ ev[i].data.fd,
			(ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0,
			(ev[i].events & (EPOLLOUT | EPOLLERR)) != 0 };
	return k;
}

#endif
