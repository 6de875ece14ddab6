/* SPDX-License-Identifier: MIT */
/*
 * Blocking sockets, each stack on its own thread: a server thread blocks
 * in accept and recv (MSG_WAITALL), a client blocks in connect and send;
 * both run their stack's loop while they wait.  Over IPv6 (2001:2::/64)
 * with an AF_INET6 listener; then SO_RCVTIMEO makes a recv with nothing
 * to read give up with EAGAIN in about the time asked, MSG_PEEK leaves
 * bytes queued, nm_poll reports POLLIN / POLLOUT / POLLRDHUP, and
 * sendmsg/recvmsg scatter and gather.
 */
#include <unistd.h>

#include "t_tcp.h"

#define TOTAL	(8u << 20)

static struct t_net n;
static volatile int srv_ok, srv_ready, stop_b;

static void *server(void *arg)
{
	static uint8_t buf[TOTAL];
	int lsd, sd;
	struct sockaddr_in6 a = t_sin6("::", 7100), peer;
	socklen_t pl = sizeof(peer);
	ssize_t r;

	(void)arg;
	lsd = (int)T_OK(nm_socket(n.sb, AF_INET6, SOCK_STREAM, 0));
	T_OK(nm_bind(lsd, (struct sockaddr *)&a, sizeof(a)));
	T_OK(nm_listen(lsd, 4));
	srv_ready = 1;
	sd = (int)T_OK(nm_accept(lsd, (struct sockaddr *)&peer, &pl));
	T_EQ(peer.sin6_family, AF_INET6);
	T_EQ(pl, sizeof(peer));
	r = nm_recv(sd, buf, TOTAL, MSG_WAITALL);
	T_EQ(r, TOTAL);
	for (uint32_t i = 0; i < TOTAL; i++)
		if (buf[i] != (uint8_t)(i % 253))
			T_FAIL("byte %u", i);
	/* echo a scatter-gather message back */
	{
		struct iovec v[3] = { { buf, 3 }, { buf + 3, 0 }, { buf + 3, 5 } };
		struct msghdr m = { .msg_iov = v, .msg_iovlen = 3 };

		T_EQ(nm_sendmsg(sd, &m, 0), 8);
	}
	T_EQ(nm_recv(sd, buf, 10, 0), 0);	/* client's FIN */
	T_OK(nm_close(sd));
	T_OK(nm_close(lsd));
	srv_ok = 1;
	while (!stop_b)
		nm_stack_poll(n.sb, 5);	/* keep B's loop alive for the FIN's ACK */
	return NULL;
}

int main(void)
{
	pthread_t th;
	static uint8_t buf[TOTAL];
	struct sockaddr_in6 dst = t_sin6("2001:2::2", 7100);
	struct timeval tv = { 0, 200000 };
	uint64_t t0;
	int sd;

	t_net_up(&n, NULL);
	T_ASSERT(pthread_create(&th, NULL, server, NULL) == 0);
	while (!srv_ready)
		usleep(1000);
	sd = (int)T_OK(nm_socket(n.sa, AF_INET6, SOCK_STREAM, 0));
	T_OK(nm_connect(sd, (struct sockaddr *)&dst, sizeof(dst)));
	for (uint32_t i = 0; i < TOTAL; i++)
		buf[i] = (uint8_t)(i % 253);
	T_EQ(nm_send(sd, buf, TOTAL, 0), TOTAL);
	/* MSG_PEEK then a real read, through recvmsg with two iovecs */
	{
		uint8_t a[4], b[4];
		struct iovec v[2] = { { a, 4 }, { b, 4 } };
		struct msghdr m = { .msg_iov = v, .msg_iovlen = 2 };
		struct pollfd p = { .fd = sd, .events = POLLIN | POLLOUT };

		T_EQ(nm_poll(n.sa, &p, 1, 5000), 1);
		while (!(p.revents & POLLIN))
			T_EQ(nm_poll(n.sa, &p, 1, 5000), 1);
		T_ASSERT(p.revents & POLLOUT);
		T_EQ(nm_recv(sd, a, 4, MSG_PEEK | MSG_WAITALL), 4);
		T_ASSERT(!memcmp(a, buf, 4));
		T_EQ(nm_recvmsg(sd, &m, MSG_WAITALL), 8);
		T_ASSERT(!memcmp(a, buf, 3) && !memcmp(a + 3, buf + 3, 1) &&
			 !memcmp(b, buf + 4, 4));
	}
	/* nothing more: SO_RCVTIMEO gives up */
	T_OK(nm_setsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = t_now_us();
	T_EQ(nm_recv(sd, buf, 1, 0), -EAGAIN);
	T_ASSERT(t_now_us() - t0 >= 190000 && t_now_us() - t0 < 2000000);
	T_OK(nm_shutdown(sd, SHUT_WR));
	{
		struct pollfd p = { .fd = sd, .events = POLLIN | POLLRDHUP };

		while (!srv_ok)
			nm_stack_poll(n.sa, 5);
		T_EQ(nm_poll(n.sa, &p, 1, 3000), 1);
		T_ASSERT(p.revents & POLLRDHUP);
		T_EQ(nm_recv(sd, buf, 1, 0), 0);
	}
	T_OK(nm_close(sd));
	stop_b = 1;
	pthread_join(th, NULL);
	t_net_down(&n);
	T_PASS();
}
