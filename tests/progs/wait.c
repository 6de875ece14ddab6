/* SPDX-License-Identifier: MIT */
/*
 * nmp_wait: the ways a program waits on sockets, each checked against
 * what Linux does (the tests run it on the kernel alone first), written
 * against glibc and the kernel's headers only.
 *
 *	nmp_wait PEER PORT	PEER:PORT an echo server (nmp_server, 2
 *				connections)
 *
 * epoll over two sockets and a pipe: level-triggered reports again until
 * read, EPOLLET once per arrival, EPOLLONESHOT until EPOLL_CTL_MOD,
 * EPOLLEXCLUSIVE accepted with the kernel's checks, the ctl errnos, an
 * epoll fd that poll() sees readable while an item is ready, maxevents 1
 * taking turns, a closed socket leaving the set; poll, ppoll and select
 * over a pipe and a socket: each wakes the wait (from another thread),
 * timeouts hold, POLLNVAL, select's sets and timeval as Linux leaves them.
 * Prints "nmp_wait: ok" and exits 0 when every check held.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "prog.h"

/* ---- epoll --------------------------------------------------------------- */

static int ep, sock, sock2, pfd[2];

static int wait_n(struct epoll_event *ev, int max, int ms)
{
	int n = epoll_wait(ep, ev, max, ms);

	PP_CHECK(n >= 0, "epoll_wait");
	return n;
}

/* Send n bytes and wait until the echo is all there (FIONREAD-free: a
 * MSG_PEEK of n bytes). */
static void echo_in(int fd, size_t n)
{
	char b[256] = { 0 };

	PP_CHECK(n <= sizeof(b) && send(fd, b, n, 0) == (ssize_t)n, "send");
	for (int i = 0; i < 400 && recv(fd, b, n, MSG_PEEK | MSG_DONTWAIT) != (ssize_t)n; i++)
		usleep(5000);
	PP_CHECK(recv(fd, b, n, MSG_PEEK | MSG_DONTWAIT) == (ssize_t)n, "echo of %zu bytes", n);
}

static void drain(int fd)
{
	char b[4096];

	while (recv(fd, b, sizeof(b), MSG_DONTWAIT) > 0)
		;
}

static void level(void)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = 42 }, ev[4];

	PP_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sock, &e) == 0, "ADD");
	PP_CHECK(wait_n(ev, 4, 0) == 0, "nothing yet");
	echo_in(sock, 10);
	PP_CHECK(wait_n(ev, 4, 1000) == 1 && ev[0].data.u64 == 42 && (ev[0].events & EPOLLIN), "LT");
	PP_CHECK(wait_n(ev, 4, 1000) == 1, "LT again: not read");
	drain(sock);
	PP_CHECK(wait_n(ev, 4, 50) == 0, "LT: read, nothing");
}

static void edge(void)
{
	struct epoll_event e = { .events = EPOLLIN | EPOLLET, .data.u64 = 43 }, ev[4];

	PP_CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, sock, &e) == 0, "MOD ET");
	echo_in(sock, 10);
	PP_CHECK(wait_n(ev, 4, 1000) == 1 && ev[0].data.u64 == 43, "ET");
	PP_CHECK(wait_n(ev, 4, 100) == 0, "ET: once per arrival");
	echo_in(sock, 5);
	PP_CHECK(wait_n(ev, 4, 1000) == 1, "ET: a new arrival");
	drain(sock);
}

static void oneshot(void)
{
	struct epoll_event e = { .events = EPOLLIN | EPOLLONESHOT, .data.u64 = 44 }, ev[4];

	PP_CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, sock, &e) == 0, "MOD ONESHOT");
	echo_in(sock, 3);
	PP_CHECK(wait_n(ev, 4, 1000) == 1 && ev[0].data.u64 == 44, "ONESHOT");
	echo_in(sock, 3);
	PP_CHECK(wait_n(ev, 4, 100) == 0, "ONESHOT: disabled");
	PP_CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, sock, &e) == 0, "re-arm");
	PP_CHECK(wait_n(ev, 4, 1000) == 1, "ONESHOT re-armed: ready at once");
	drain(sock);
}

static void ctl_errors(void)
{
	struct epoll_event e = { .events = EPOLLIN | EPOLLEXCLUSIVE };

	PP_CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, sock, &e), EEXIST);
	PP_CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, sock, NULL) == 0, "DEL");
	PP_CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, sock, NULL), ENOENT);
	/* a MOD with EPOLLEXCLUSIVE is EINVAL before the item is looked up */
	PP_CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, sock, &e), EINVAL);
	e.events = EPOLLIN;
	PP_CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, sock, &e), ENOENT);
	e.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	PP_CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, sock, &e), EINVAL);
	e.events = EPOLLIN | EPOLLEXCLUSIVE;
	PP_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sock, &e) == 0, "ADD EXCLUSIVE");
	PP_CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, sock, &e), EINVAL);
	PP_CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e), EINVAL);
	PP_CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, sock, NULL) == 0, "DEL");
	PP_CHECK_ERR(epoll_wait(ep, &e, 0, 0), EINVAL);
}

/* A pipe and two sockets in one set; the epoll fd itself polled. */
static void mixed(void)
{
	struct epoll_event e = { .events = EPOLLIN }, ev[8];
	struct pollfd p = { .fd = ep, .events = POLLIN };
	uint64_t t0;
	int n, seen = 0;

	e.data.u64 = 1;
	PP_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &e) == 0, "ADD pipe");
	e.data.u64 = 2;
	PP_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sock, &e) == 0, "ADD sock");
	e.data.u64 = 3;
	e.events = EPOLLOUT;
	PP_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sock2, &e) == 0, "ADD sock2 EPOLLOUT");
	n = wait_n(ev, 8, 1000);
	PP_CHECK(n == 1 && ev[0].data.u64 == 3 && (ev[0].events & EPOLLOUT), "EPOLLOUT only");
	e.events = EPOLLIN;
	PP_CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, sock2, &e) == 0, "MOD sock2");
	t0 = pp_now_ms();
	PP_CHECK(wait_n(ev, 8, 120) == 0 && pp_now_ms() - t0 >= 115, "timeout");
	PP_CHECK(write(pfd[1], "x", 1) == 1, "pipe");
	echo_in(sock, 4);
	echo_in(sock2, 4);
	PP_CHECK(poll(&p, 1, 1000) == 1 && (p.revents & POLLIN), "poll on the epoll fd");
	for (int i = 0; i < 10 && seen != 7; i++) {
		n = wait_n(ev, 8, 1000);
		for (int k = 0; k < n; k++)
			seen |= 1 << (ev[k].data.u64 - 1);
	}
	PP_CHECK(seen == 7, "events of the pipe and both sockets: mask %d", seen);
	/* maxevents 1: level-triggered items take turns */
	seen = 0;
	for (int i = 0; i < 6; i++) {
		PP_CHECK(wait_n(ev, 1, 1000) == 1, "one at a time");
		seen |= 1 << (ev[0].data.u64 - 1);
	}
	PP_CHECK(seen == 7, "turns: mask %d", seen);
	/* a closed socket leaves the set */
	close(sock2);
	drain(sock);
	PP_CHECK(read(pfd[0], ev, 1) == 1, "pipe read");
	PP_CHECK(wait_n(ev, 8, 100) == 0, "a closed socket reports nothing");
}

/* ---- poll, ppoll, select -------------------------------------------------- */

static void *later(void *arg)
{
	usleep(100000);
	if (arg)
		PP_CHECK(write(pfd[1], "p", 1) == 1, "pipe write");
	else
		PP_CHECK(send(sock, "later", 5, 0) == 5, "send from another thread");
	return NULL;
}

static void drain_sock(size_t n)
{
	char b[64];
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(sock, b, sizeof(b), 0);

		PP_CHECK(r > 0, "recv");
		got += (size_t)r;
	}
}

static void test_poll(void)
{
	struct pollfd p[2] = { { .fd = pfd[0], .events = POLLIN }, { .fd = sock, .events = POLLIN } };
	uint64_t t0 = pp_now_ms();
	pthread_t t;
	char c;

	PP_CHECK(poll(p, 2, 100) == 0, "poll: nothing ready");
	PP_CHECK(pp_now_ms() - t0 >= 95, "poll returned before its timeout");
	/* the kernel fd wakes it */
	PP_CHECK(pthread_create(&t, NULL, later, (void *)1) == 0, "thread");
	PP_CHECK(poll(p, 2, 5000) == 1 && p[0].revents == POLLIN && !p[1].revents, "poll: pipe");
	pthread_join(t, NULL);
	PP_CHECK(read(pfd[0], &c, 1) == 1, "pipe read");
	/* the netmem socket wakes it: data another thread sent, echoed */
	PP_CHECK(pthread_create(&t, NULL, later, NULL) == 0, "thread");
	t0 = pp_now_ms();
	PP_CHECK(poll(p, 2, -1) == 1 && !p[0].revents && (p[1].revents & POLLIN), "poll: socket");
	PP_CHECK(pp_now_ms() - t0 < 3000, "poll woke late");
	pthread_join(t, NULL);
	drain_sock(5);
	/* writable at once, closed fd in the set: POLLNVAL from the kernel */
	p[1].events = POLLOUT;
	PP_CHECK(poll(p, 2, 0) == 1 && (p[1].revents & POLLOUT), "POLLOUT");
	p[0].fd = 9999;
	PP_CHECK(poll(p, 2, 0) == 2 && p[0].revents == POLLNVAL, "POLLNVAL");
	p[0].fd = pfd[0];
}

static void test_select(void)
{
	struct timeval tv = { 0, 150000 };
	fd_set r, w;
	int n = (pfd[0] > sock ? pfd[0] : sock) + 1;

	FD_ZERO(&r);
	FD_SET(pfd[0], &r);
	FD_SET(sock, &r);
	PP_CHECK(select(n, &r, NULL, NULL, &tv) == 0, "select: nothing ready");
	PP_CHECK(tv.tv_sec == 0 && tv.tv_usec < 10000, "select left %ld.%06ld s", (long)tv.tv_sec,
	      (long)tv.tv_usec);
	PP_CHECK(send(sock, "abc", 3, 0) == 3, "send");
	FD_ZERO(&r);
	FD_SET(pfd[0], &r);
	FD_SET(sock, &r);
	FD_ZERO(&w);
	FD_SET(sock, &w);
	tv = (struct timeval){ 5, 0 };
	PP_CHECK(select(n, &r, &w, NULL, &tv) >= 1, "select");
	PP_CHECK(FD_ISSET(sock, &w) && !FD_ISSET(pfd[0], &r), "select: writable, pipe quiet");
	FD_ZERO(&r);
	FD_SET(sock, &r);
	tv = (struct timeval){ 5, 0 };
	PP_CHECK(select(n, &r, NULL, NULL, &tv) == 1 && FD_ISSET(sock, &r), "select: readable");
	drain_sock(3);
}

static void test_ppoll(void)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct timespec ts = { 0, 50000000 };
	sigset_t m;

	sigemptyset(&m);
	PP_CHECK(ppoll(&p, 1, &ts, &m) == 0, "ppoll: nothing");
	PP_CHECK(send(sock, "z", 1, 0) == 1, "send");
	ts = (struct timespec){ 5, 0 };
	PP_CHECK(ppoll(&p, 1, &ts, &m) == 1 && (p.revents & POLLIN), "ppoll: readable");
	drain_sock(1);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		pp_die("usage: nmp_wait PEER PORT");
	PP_CHECK(pipe(pfd) == 0, "pipe");
	sock = pp_connect(argv[1], (int)pp_num("PORT", argv[2]));
	sock2 = pp_connect(argv[1], (int)pp_num("PORT", argv[2]));
	test_poll();
	test_select();
	test_ppoll();
	ep = epoll_create1(EPOLL_CLOEXEC);
	PP_CHECK(ep >= 0, "epoll_create1");
	level();
	edge();
	oneshot();
	ctl_errors();
	mixed();
	close(ep);
	close(sock);
	printf("nmp_wait: ok\n");
	return 0;
}
