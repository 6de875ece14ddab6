/* SPDX-License-Identifier: MIT */
/*
 * rt_poll PEER PORT: poll, ppoll and select over a set that mixes a pipe
 * (a kernel fd) and a netmem socket connected to an rt_peer echo: each
 * wakes the wait, timeouts hold, select's sets and timeval come back as
 * Linux leaves them.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/select.h>

#include "rt_test.h"

static int pfd[2], sock;

static void *later(void *arg)
{
	usleep(100000);
	if (arg)
		CHECK(write(pfd[1], "p", 1) == 1, "pipe write");
	else
		CHECK(send(sock, "later", 5, 0) == 5, "send from another thread");
	return NULL;
}

static void drain_sock(size_t n)
{
	char b[64];
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(sock, b, sizeof(b), 0);

		CHECK(r > 0, "recv");
		got += (size_t)r;
	}
}

static void test_poll(void)
{
	struct pollfd p[2] = { { .fd = pfd[0], .events = POLLIN }, { .fd = sock, .events = POLLIN } };
	uint64_t t0 = rt_now_ms();
	pthread_t t;
	char c;

	CHECK(poll(p, 2, 100) == 0, "poll: nothing ready");
	CHECK(rt_now_ms() - t0 >= 95, "poll returned before its timeout");
	/* the kernel fd wakes it */
	CHECK(pthread_create(&t, NULL, later, (void *)1) == 0, "thread");
	CHECK(poll(p, 2, 5000) == 1 && p[0].revents == POLLIN && !p[1].revents, "poll: pipe");
	pthread_join(t, NULL);
	CHECK(read(pfd[0], &c, 1) == 1, "pipe read");
	/* the netmem socket wakes it: data another thread sent, echoed */
	CHECK(pthread_create(&t, NULL, later, NULL) == 0, "thread");
	t0 = rt_now_ms();
	CHECK(poll(p, 2, -1) == 1 && !p[0].revents && (p[1].revents & POLLIN), "poll: socket");
	CHECK(rt_now_ms() - t0 < 3000, "poll woke late");
	pthread_join(t, NULL);
	drain_sock(5);
	/* writable at once, closed fd in the set: POLLNVAL from the kernel */
	p[1].events = POLLOUT;
	CHECK(poll(p, 2, 0) == 1 && (p[1].revents & POLLOUT), "POLLOUT");
	p[0].fd = 9999;
	CHECK(poll(p, 2, 0) == 2 && p[0].revents == POLLNVAL, "POLLNVAL");
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
	CHECK(select(n, &r, NULL, NULL, &tv) == 0, "select: nothing ready");
	CHECK(tv.tv_sec == 0 && tv.tv_usec < 10000, "select left %ld.%06ld s", (long)tv.tv_sec,
	      (long)tv.tv_usec);
	CHECK(send(sock, "abc", 3, 0) == 3, "send");
	FD_ZERO(&r);
	FD_SET(pfd[0], &r);
	FD_SET(sock, &r);
	FD_ZERO(&w);
	FD_SET(sock, &w);
	tv = (struct timeval){ 5, 0 };
	CHECK(select(n, &r, &w, NULL, &tv) >= 1, "select");
	CHECK(FD_ISSET(sock, &w) && !FD_ISSET(pfd[0], &r), "select: writable, pipe quiet");
	FD_ZERO(&r);
	FD_SET(sock, &r);
	tv = (struct timeval){ 5, 0 };
	CHECK(select(n, &r, NULL, NULL, &tv) == 1 && FD_ISSET(sock, &r), "select: readable");
	drain_sock(3);
}

static void test_ppoll(void)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct timespec ts = { 0, 50000000 };
	sigset_t m;

	sigemptyset(&m);
	CHECK(ppoll(&p, 1, &ts, &m) == 0, "ppoll: nothing");
	CHECK(send(sock, "z", 1, 0) == 1, "send");
	ts = (struct timespec){ 5, 0 };
	CHECK(ppoll(&p, 1, &ts, &m) == 1 && (p.revents & POLLIN), "ppoll: readable");
	drain_sock(1);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: rt_poll PEER PORT\n");
		return 2;
	}
	CHECK(pipe(pfd) == 0, "pipe");
	sock = rt_connect(argv[1], atoi(argv[2]));
	test_poll();
	test_select();
	test_ppoll();
	printf("rt_poll: ok\n");
	return 0;
}
