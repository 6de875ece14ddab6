/* SPDX-License-Identifier: MIT */
/*
 * nmp_server: a TCP server written against glibc and the kernel's headers
 * only (tests/progs/prog.h), the "unmodified program" of the `netmem run`
 * tests.
 *
 *	nmp_server MODE ADDR PORT COUNT [sink:PERIOD]
 *
 * Listens on ADDR:PORT (0.0.0.0 or :: for any), serves COUNT connections
 * and exits 0 when each ended well.  By default it echoes every byte back
 * and closes after the client's end of stream (the client checks the
 * bytes); with sink:PERIOD it checks every byte against the ncdevmem
 * pattern of that period (what `netmem client` sends), prints
 * "conn N: BYTES bytes ok" (or "bad at OFFSET", exit 1) and closes.
 * MODE:
 *	block     one connection after the other, blocking calls
 *	thread    a thread per connection, blocking calls
 *	epoll-lt, epoll-et, epoll-oneshot, poll, select
 *	          all connections at once in one thread, non-blocking sockets
 *	          (accept4(SOCK_NONBLOCK) with epoll-et, accept + fcntl else)
 *	epoll-excl
 *	          two threads with an epoll each, the listener in both with
 *	          EPOLLEXCLUSIVE; each serves the connections it accepted
 * Everything is bounded: a wait of 30 s without progress is a failure.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "mux.h"

#define BUF	(64 * 1024)

static unsigned sink_period;		/* 0: echo */
static atomic_int failures;

struct conn {
	int fd;
	unsigned id;
	uint8_t buf[BUF];
	size_t head, len;		/* echo: pending bytes buf[head..head+len) */
	uint64_t got;			/* bytes received */
	bool rd_eof, bad;
};

/* sink: check b against the pattern at c->got; report the first wrong byte. */
static void sink_check(struct conn *c, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n && !c->bad; i++)
		if (b[i] != pp_ncdevmem(sink_period, c->got + i)) {
			printf("conn %u: bad at %llu\n", c->id, (unsigned long long)(c->got + i));
			c->bad = true;
		}
}

static void conn_end(struct conn *c)
{
	if (sink_period && !c->bad)
		printf("conn %u: %llu bytes ok\n", c->id, (unsigned long long)c->got);
	if (c->bad)
		atomic_fetch_add(&failures, 1);
	fflush(stdout);
	if (close(c->fd) < 0)
		pp_die("close: %s", strerror(errno));
}

/* One blocking connection to its end. */
static void serve_blocking(struct conn *c)
{
	for (;;) {
		ssize_t k = recv(c->fd, c->buf, BUF, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			fprintf(stderr, "conn %u: recv: %s\n", c->id, strerror(errno));
			c->bad = true;
			break;
		}
		if (k == 0)
			break;
		if (sink_period)
			sink_check(c, c->buf, (size_t)k);
		else
			pp_send_all(c->fd, c->buf, (size_t)k);
		c->got += (uint64_t)k;
	}
	conn_end(c);
}

static int accept_one(int lfd)
{
	int fd;

	do
		fd = accept(lfd, NULL, NULL);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		pp_die("accept: %s", strerror(errno));
	return fd;
}

static void *conn_thread(void *arg)
{
	serve_blocking(arg);
	free(arg);
	return NULL;
}

static void run_threads(int lfd, unsigned count, bool threads)
{
	pthread_t *tid = calloc(count, sizeof(*tid));

	for (unsigned i = 0; i < count; i++) {
		struct conn *c = calloc(1, sizeof(*c));

		c->fd = accept_one(lfd);
		c->id = i + 1;
		if (!threads) {
			serve_blocking(c);
			free(c);
			continue;
		}
		if (pthread_create(&tid[i], NULL, conn_thread, c))
			pp_die("pthread_create failed");
	}
	for (unsigned i = 0; threads && i < count; i++)
		pthread_join(tid[i], NULL);
	free(tid);
}

/* Move what can move without blocking; true when the connection is over. */
static bool conn_progress(struct conn *c)
{
	for (;;) {
		bool moved = false;

		if (!c->rd_eof && c->len < BUF) {
			size_t at = (c->head + c->len) % BUF;
			size_t room = c->head + c->len < BUF ? BUF - at : c->head - at;
			ssize_t k = recv(c->fd, c->buf + at, room, 0);

			if (k > 0) {
				if (sink_period) {
					sink_check(c, c->buf + at, (size_t)k);
				} else {
					c->len += (size_t)k;
				}
				c->got += (uint64_t)k;
				moved = true;
			} else if (k == 0) {
				c->rd_eof = moved = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				fprintf(stderr, "conn %u: recv: %s\n", c->id, strerror(errno));
				c->bad = true;
				return true;
			}
		}
		if (c->len) {
			size_t n = c->head + c->len <= BUF ? c->len : BUF - c->head;
			ssize_t k = send(c->fd, c->buf + c->head, n, MSG_NOSIGNAL);

			if (k > 0) {
				c->head = (c->head + (size_t)k) % BUF;
				c->len -= (size_t)k;
				moved = true;
			} else if (k < 0 && errno != EAGAIN && errno != EINTR) {
				fprintf(stderr, "conn %u: send: %s\n", c->id, strerror(errno));
				c->bad = true;
				return true;
			}
		}
		if (c->rd_eof && !c->len)
			return true;
		if (!moved)
			return false;
	}
}

static void accept_ready(struct pp_mux *m, int lfd, struct conn **by_fd, unsigned *accepted,
			 unsigned count)
{
	while (*accepted < count) {
		int fd = pp_mux_edge(m) ? accept4(lfd, NULL, NULL, SOCK_NONBLOCK)
					: accept(lfd, NULL, NULL);
		struct conn *c;

		if (fd < 0 && (errno == EAGAIN || errno == EINTR)) {
			pp_mux_set(m, lfd, true, false);	/* (EPOLLONESHOT: again) */
			return;
		}
		if (fd < 0)
			pp_die("accept: %s", strerror(errno));
		if (fd >= PP_MUX_MAX)
			pp_die("accepted fd %d beyond the programs' range", fd);
		if (!pp_mux_edge(m))
			pp_nonblock(fd);
		c = calloc(1, sizeof(*c));
		c->fd = fd;
		c->id = ++*accepted;
		by_fd[fd] = c;
		pp_mux_set(m, fd, true, false);
	}
	pp_mux_del(m, lfd);		/* all came: no more accepts */
}

static void run_mux(struct pp_mux *m, int lfd, unsigned count)
{
	static struct conn *by_fd[PP_MUX_MAX];
	unsigned accepted = 0, ended = 0;
	uint64_t idle_since = pp_now_ms();

	pp_nonblock(lfd);
	pp_mux_set(m, lfd, true, false);
	while (ended < count) {
		struct pp_ev ev[64];
		int n = pp_mux_wait(m, ev, 64, 1000);

		if (n < 0)
			pp_die("wait: %s", strerror(-n));
		if (n == 0 && pp_now_ms() - idle_since > 30000)
			pp_die("30 s without progress (%u of %u connections ended)", ended, count);
		if (n)
			idle_since = pp_now_ms();
		for (int i = 0; i < n; i++) {
			struct conn *c = by_fd[ev[i].fd];

			if (ev[i].fd == lfd) {
				accept_ready(m, lfd, by_fd, &accepted, count);
				continue;
			}
			if (!c)
				continue;	/* ended earlier in this batch */
			if (conn_progress(c)) {
				pp_mux_del(m, c->fd);
				by_fd[c->fd] = NULL;
				conn_end(c);
				free(c);
				ended++;
				continue;
			}
			pp_mux_set(m, c->fd, !c->rd_eof && c->len < BUF, c->len > 0);
		}
	}
}

/* ---- epoll-excl: threads with an epoll each, one listener ---------------- */

#define EXCL_THREADS	2

static struct {
	int lfd;
	unsigned count;
	atomic_uint accepted, ended;
} excl;

/* Accept what is queued into this thread's epoll (its share: the
 * listener is EPOLLEXCLUSIVE in every thread's epoll, so a connection
 * wakes one of them, as nginx's workers use it). */
static void excl_accept(int ep)
{
	for (;;) {
		int fd = accept4(excl.lfd, NULL, NULL, SOCK_NONBLOCK);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		struct conn *c;

		if (fd < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (fd < 0)
			pp_die("accept4: %s", strerror(errno));
		c = calloc(1, sizeof(*c));
		c->fd = fd;
		c->id = atomic_fetch_add(&excl.accepted, 1) + 1;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			pp_die("epoll_ctl ADD: %s", strerror(errno));
	}
}

static void *excl_thread(void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE }, evs[64];
	uint64_t idle_since = pp_now_ms();
	int ep = epoll_create1(EPOLL_CLOEXEC);

	(void)arg;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, excl.lfd, &ev) < 0)
		pp_die("epoll with EPOLLEXCLUSIVE: %s", strerror(errno));
	while (atomic_load(&excl.ended) < excl.count) {
		int n = epoll_wait(ep, evs, 64, 200);

		if (n < 0 && errno != EINTR)
			pp_die("epoll_wait: %s", strerror(errno));
		if (n > 0)
			idle_since = pp_now_ms();
		else if (pp_now_ms() - idle_since > 30000)
			pp_die("30 s without progress (%u of %u connections ended)",
			       atomic_load(&excl.ended), excl.count);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			struct epoll_event mod = { .data.ptr = c };

			if (!c) {
				excl_accept(ep);
				continue;
			}
			if (conn_progress(c)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				conn_end(c);
				free(c);
				atomic_fetch_add(&excl.ended, 1);
				continue;
			}
			mod.events = (!c->rd_eof && c->len < BUF ? EPOLLIN | EPOLLRDHUP : 0) |
				     (c->len ? EPOLLOUT : 0);
			if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &mod) < 0)
				pp_die("epoll_ctl MOD: %s", strerror(errno));
		}
	}
	close(ep);
	return NULL;
}

static void run_excl(int lfd, unsigned count)
{
	pthread_t t[EXCL_THREADS];

	excl.lfd = lfd;
	excl.count = count;
	pp_nonblock(lfd);
	for (int i = 0; i < EXCL_THREADS; i++)
		if (pthread_create(&t[i], NULL, excl_thread, NULL))
			pp_die("pthread_create failed");
	for (int i = 0; i < EXCL_THREADS; i++)
		pthread_join(t[i], NULL);
}

int main(int argc, char **argv)
{
	struct pp_mux m;
	unsigned count;
	int lfd;

	if (argc < 5 || argc > 6)
		pp_die("usage: nmp_server block|thread|epoll-lt|epoll-et|epoll-oneshot|epoll-excl|"
		       "poll|select "
		       "ADDR PORT "
		       "COUNT [sink:PERIOD]");
	count = (unsigned)pp_num("COUNT", argv[4]);
	if (argc == 6) {
		if (strncmp(argv[5], "sink:", 5))
			pp_die("'%s': sink:PERIOD", argv[5]);
		sink_period = (unsigned)pp_num("PERIOD", argv[5] + 5);
		if (sink_period < 2)
			pp_die("PERIOD below 2");
	}
	lfd = pp_listen(argv[2], (int)pp_num("PORT", argv[3]));
	if (!strcmp(argv[1], "block") || !strcmp(argv[1], "thread"))
		run_threads(lfd, count, !strcmp(argv[1], "thread"));
	else if (!strcmp(argv[1], "epoll-excl"))
		run_excl(lfd, count);
	else if (pp_mux_init(&m, argv[1]))
		run_mux(&m, lfd, count);
	else
		pp_die("unknown mode '%s'", argv[1]);
	close(lfd);
	if (failures)
		pp_die("%d of %u connections failed", failures, count);
	fprintf(stderr, "nmp_server %s: %u connections ok\n", argv[1], count);
	return 0;
}
