/* SPDX-License-Identifier: MIT */
/*
 * rt_epoll PEER PORT: epoll over netmem sockets (connected to an rt_peer
 * echo, two connections) and a pipe, with Linux's semantics: level-
 * triggered reports again until read, EPOLLET once per arrival,
 * EPOLLONESHOT until EPOLL_CTL_MOD, EPOLLEXCLUSIVE accepted with the
 * kernel's checks, the ctl errnos, and an epoll fd that poll() sees
 * readable while a netmem item is ready.
 */
#include <poll.h>
#include <sys/epoll.h>

#include "rt_test.h"

static int ep, sock, sock2, pfd[2];

static int wait_n(struct epoll_event *ev, int max, int ms)
{
	int n = epoll_wait(ep, ev, max, ms);

	CHECK(n >= 0, "epoll_wait");
	return n;
}

/* Send n bytes and wait until the echo is all there (FIONREAD-free: a
 * MSG_PEEK of n bytes). */
static void echo_in(int fd, size_t n)
{
	char b[256] = { 0 };

	CHECK(n <= sizeof(b) && send(fd, b, n, 0) == (ssize_t)n, "send");
	for (int i = 0; i < 400 && recv(fd, b, n, MSG_PEEK | MSG_DONTWAIT) != (ssize_t)n; i++)
		usleep(5000);
	CHECK(recv(fd, b, n, MSG_PEEK | MSG_DONTWAIT) == (ssize_t)n, "echo of %zu bytes", n);
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

	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sock, &e) == 0, "ADD");
	CHECK(wait_n(ev, 4, 0) == 0, "nothing yet");
	echo_in(sock, 10);
	CHECK(wait_n(ev, 4, 1000) == 1 && ev[0].data.u64 == 42 && (ev[0].events & EPOLLIN), "LT");
	CHECK(wait_n(ev, 4, 1000) == 1, "LT again: not read");
	drain(sock);
	CHECK(wait_n(ev, 4, 50) == 0, "LT: read, nothing");
}

static void edge(void)
{
	struct epoll_event e = { .events = EPOLLIN | EPOLLET, .data.u64 = 43 }, ev[4];

	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, sock, &e) == 0, "MOD ET");
	echo_in(sock, 10);
	CHECK(wait_n(ev, 4, 1000) == 1 && ev[0].data.u64 == 43, "ET");
	CHECK(wait_n(ev, 4, 100) == 0, "ET: once per arrival");
	echo_in(sock, 5);
	CHECK(wait_n(ev, 4, 1000) == 1, "ET: a new arrival");
	drain(sock);
}

static void oneshot(void)
{
	struct epoll_event e = { .events = EPOLLIN | EPOLLONESHOT, .data.u64 = 44 }, ev[4];

	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, sock, &e) == 0, "MOD ONESHOT");
	echo_in(sock, 3);
	CHECK(wait_n(ev, 4, 1000) == 1 && ev[0].data.u64 == 44, "ONESHOT");
	echo_in(sock, 3);
	CHECK(wait_n(ev, 4, 100) == 0, "ONESHOT: disabled");
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, sock, &e) == 0, "re-arm");
	CHECK(wait_n(ev, 4, 1000) == 1, "ONESHOT re-armed: ready at once");
	drain(sock);
}

static void ctl_errors(void)
{
	struct epoll_event e = { .events = EPOLLIN | EPOLLEXCLUSIVE };

	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, sock, &e), EEXIST);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, sock, NULL) == 0, "DEL");
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, sock, NULL), ENOENT);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, sock, &e), ENOENT);
	e.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, sock, &e), EINVAL);
	e.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sock, &e) == 0, "ADD EXCLUSIVE");
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, sock, &e), EINVAL);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e), EINVAL);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, sock, NULL) == 0, "DEL");
	CHECK_ERR(epoll_wait(ep, &e, 0, 0), EINVAL);
}

/* A pipe and two sockets in one set; the epoll fd itself polled. */
static void mixed(void)
{
	struct epoll_event e = { .events = EPOLLIN }, ev[8];
	struct pollfd p = { .fd = ep, .events = POLLIN };
	uint64_t t0;
	int n, seen = 0;

	e.data.u64 = 1;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &e) == 0, "ADD pipe");
	e.data.u64 = 2;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sock, &e) == 0, "ADD sock");
	e.data.u64 = 3;
	e.events = EPOLLOUT;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sock2, &e) == 0, "ADD sock2 EPOLLOUT");
	n = wait_n(ev, 8, 1000);
	CHECK(n == 1 && ev[0].data.u64 == 3 && (ev[0].events & EPOLLOUT), "EPOLLOUT only");
	e.events = EPOLLIN;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, sock2, &e) == 0, "MOD sock2");
	t0 = rt_now_ms();
	CHECK(wait_n(ev, 8, 120) == 0 && rt_now_ms() - t0 >= 115, "timeout");
	CHECK(write(pfd[1], "x", 1) == 1, "pipe");
	echo_in(sock, 4);
	echo_in(sock2, 4);
	CHECK(poll(&p, 1, 1000) == 1 && (p.revents & POLLIN), "poll on the epoll fd");
	for (int i = 0; i < 10 && seen != 7; i++) {
		n = wait_n(ev, 8, 1000);
		for (int k = 0; k < n; k++)
			seen |= 1 << (ev[k].data.u64 - 1);
	}
	CHECK(seen == 7, "events of the pipe and both sockets: mask %d", seen);
	/* maxevents 1: level-triggered items take turns */
	seen = 0;
	for (int i = 0; i < 6; i++) {
		CHECK(wait_n(ev, 1, 1000) == 1, "one at a time");
		seen |= 1 << (ev[0].data.u64 - 1);
	}
	CHECK(seen == 7, "turns: mask %d", seen);
	/* a closed socket leaves the set */
	close(sock2);
	drain(sock);
	CHECK(read(pfd[0], ev, 1) == 1, "pipe read");
	CHECK(wait_n(ev, 8, 100) == 0, "a closed socket reports nothing");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: rt_epoll PEER PORT\n");
		return 2;
	}
	CHECK(pipe(pfd) == 0, "pipe");
	sock = rt_connect(argv[1], atoi(argv[2]));
	sock2 = rt_connect(argv[1], atoi(argv[2]));
	ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0, "epoll_create1");
	level();
	edge();
	oneshot();
	ctl_errors();
	mixed();
	close(ep);
	close(sock);
	printf("rt_epoll: ok\n");
	return 0;
}
