/* SPDX-License-Identifier: MIT */
/*
 * A blocking send that queued bytes and then met the peer's reset returns
 * the bytes it queued; the reset is reported by the next send
 * (ECONNRESET), and only then does the socket say EPIPE, as Linux keeps
 * sk_err for the next call.  Caught: the reset was consumed by the partial
 * send and lost, so `netmem client` whose server reset it read only
 * "send: not connected (CLOSED)".  Both send paths: nm_send (copy) and
 * nm_sendmsg(MSG_ZEROCOPY) from host memory.
 *
 * A sends on its stack's thread (the blocking send runs A's loop); the
 * main thread runs B, which accepts, waits for the first bytes, reads
 * none of them and closes with SO_LINGER 0: a RST while A's send waits
 * for window.
 */
#include <stdatomic.h>
#include <unistd.h>

#include "t_tcp.h"

#define BIG	(64u << 20)	/* far more than B's window and A's send buffer */

static struct t_net n;
static uint8_t buf[BIG];

struct sender {
	int sd;
	bool zc;
	ssize_t r1, r2, r3;
	char why2[256];
	atomic_int done;
};

static ssize_t send_one(struct sender *s, size_t len)
{
	struct iovec v = { buf, len };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };

	return s->zc ? nm_sendmsg(s->sd, &m, MSG_ZEROCOPY) : nm_send(s->sd, buf, len, 0);
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;

	s->r1 = send_one(s, BIG);
	nm_clear_error();
	s->r2 = send_one(s, 1000);
	snprintf(s->why2, sizeof(s->why2), "%s", nm_last_error());
	s->r3 = send_one(s, 1000);
	atomic_store(&s->done, 1);
	return NULL;
}

static bool connected(void *arg)
{
	int *sd = arg;
	struct sockaddr_in6 p;
	socklen_t pl = sizeof(p);

	return nm_getpeername(*sd, (struct sockaddr *)&p, &pl) == 0;
}

static void one_round(bool zc, uint16_t port)
{
	struct sockaddr_in a = t_sin("198.18.0.2", port);
	struct timeval tv = { 10, 0 };
	struct linger lg = { 1, 0 };
	struct sender s = { .zc = zc };
	uint64_t end;
	pthread_t th;
	int lsd, bsd = -1, one = 1, fl;
	char c;

	lsd = (int)T_OK(nm_socket(n.sb, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	T_OK(nm_bind(lsd, (struct sockaddr *)&a, sizeof(a)));
	T_OK(nm_listen(lsd, 1));
	s.sd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	T_ERR(nm_connect(s.sd, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
	T_ASSERT(t_pump_until(&n, connected, &s.sd, 5000));
	end = t_now_us() + 5000000;
	while ((bsd = nm_accept(lsd, NULL, NULL)) < 0 && t_now_us() < end)
		t_pump(&n);
	T_OK(bsd);
	/* A blocks from here on (its thread runs its stack) */
	fl = (int)T_OK(nm_fcntl(s.sd, F_GETFL, 0));
	T_OK(nm_fcntl(s.sd, F_SETFL, fl & ~O_NONBLOCK));
	T_OK(nm_setsockopt(s.sd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	if (zc)
		T_OK(nm_setsockopt(s.sd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	T_ASSERT(pthread_create(&th, NULL, sender_main, &s) == 0);
	/* B: the first bytes arrive, then B aborts without reading */
	end = t_now_us() + 10000000;
	while (nm_recv(bsd, &c, 1, MSG_PEEK) != 1 && t_now_us() < end)
		T_OK(nm_stack_poll(n.sb, 1));
	T_ASSERT(t_now_us() < end);
	T_OK(nm_setsockopt(bsd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	T_OK(nm_close(bsd));
	end = t_now_us() + 20000000;
	while (!atomic_load(&s.done) && t_now_us() < end)
		T_OK(nm_stack_poll(n.sb, 1));	/* B answers what still comes with RSTs */
	T_ASSERT(atomic_load(&s.done));
	pthread_join(th, NULL);

	printf("%s: first send %zd of %u bytes, then %zd (%s), then %zd\n",
	       zc ? "sendmsg(MSG_ZEROCOPY)" : "send", s.r1, BIG, s.r2, s.why2, s.r3);
	T_ASSERT(s.r1 > 0 && s.r1 < (ssize_t)BIG);	/* partial: the reset ended it */
	T_EQ(s.r2, -ECONNRESET);			/* ... and is reported next */
	T_ASSERT(strstr(s.why2, "reset") != NULL);
	T_EQ(s.r3, -EPIPE);				/* once: then a closed socket */
	T_OK(nm_close(s.sd));
	T_OK(nm_close(lsd));
}

int main(void)
{
	t_net_up(&n, NULL);
	one_round(false, 7301);
	one_round(true, 7302);
	t_net_down(&n);
	T_PASS();
}
