/* SPDX-License-Identifier: MIT */
/*
 * connect() again on a socket whose connect failed, as on Linux (the
 * oracle is rt_misc's "reconnect" case, run on the kernel): the next
 * connect reports the failure (ECONNREFUSED, or ECONNABORTED once
 * SO_ERROR took it) and makes the socket new; the one after connects and
 * carries data.  A port given to bind() survives the failure, an address
 * given to bind() too; a connected socket says EISCONN; a connect still
 * going says EALREADY and, once through, 0 once.  (Blocking connects, whose
 * wait runs only their own stack, are rt_misc's: a peer process answers.)
 */
#include "t_tcp.h"

static bool settled(void *p)
{
	int st = t_tcp_state(*(int *)p);

	return st != TCP_SYN_SENT && st != TCP_SYN_RECV;
}

static void settle(struct t_net *n, int sd)
{
	T_ASSERT(t_pump_until(n, settled, &sd, 2000));
}

static int so_error(int sd)
{
	int e = -1;
	socklen_t l = sizeof(e);

	T_OK(nm_getsockopt(sd, SOL_SOCKET, SO_ERROR, &e, &l));
	return e;
}

static uint16_t local_port(int sd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	T_OK(nm_getsockname(sd, (struct sockaddr *)&a, &l));
	return ntohs(a.sin_port);
}

/* Another socket cannot bind a's address and port. */
static void bind_taken(struct nm_stack *st, const struct sockaddr_in *a)
{
	int other = (int)T_OK(nm_socket(st, AF_INET, SOCK_STREAM, 0));

	T_ERR(nm_bind(other, (const struct sockaddr *)a, sizeof(*a)), -EADDRINUSE);
	T_OK(nm_close(other));
}

/* sd connects to live (a listener on lsd), is accepted, echoes a byte. */
static void connect_live(struct t_net *n, int sd, int lsd, const struct sockaddr_in *live)
{
	int ssd = -1;
	char c = 0;

	T_ERR(nm_connect(sd, (const struct sockaddr *)live, sizeof(*live)), -EINPROGRESS);
	settle(n, sd);
	T_EQ(so_error(sd), 0);
	T_EQ(nm_connect(sd, (const struct sockaddr *)live, sizeof(*live)), 0);
	T_ERR(nm_connect(sd, (const struct sockaddr *)live, sizeof(*live)), -EISCONN);
	for (int i = 0; i < 1000 && ssd < 0; i++) {
		t_pump(n);
		ssd = nm_accept(lsd, NULL, NULL);
	}
	T_ASSERT(ssd >= 0);
	T_EQ(nm_send(sd, "x", 1, 0), 1);
	for (int i = 0; i < 1000 && nm_recv(ssd, &c, 1, MSG_DONTWAIT) != 1; i++)
		t_pump(n);
	T_EQ(c, 'x');
	T_OK(nm_close(ssd));
}

int main(void)
{
	struct sockaddr_in dead = t_sin("198.18.0.2", 5999), live = t_sin("198.18.0.2", 5001);
	struct sockaddr_in me = t_sin("198.18.0.1", 47001);
	struct t_net n;
	int lsd, sd;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 5001, 16);

	/* the failure not fetched: the next connect reports it */
	sd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	T_ERR(nm_connect(sd, (struct sockaddr *)&dead, sizeof(dead)), -EINPROGRESS);
	T_ERR(nm_connect(sd, (struct sockaddr *)&dead, sizeof(dead)), -EALREADY);
	settle(&n, sd);
	T_ERR(nm_connect(sd, (struct sockaddr *)&dead, sizeof(dead)), -ECONNREFUSED);
	T_EQ(so_error(sd), 0);		/* connect took it */
	connect_live(&n, sd, lsd, &live);
	T_OK(nm_close(sd));

	/* fetched by SO_ERROR first: ECONNABORTED, then a new attempt */
	sd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	T_ERR(nm_connect(sd, (struct sockaddr *)&dead, sizeof(dead)), -EINPROGRESS);
	settle(&n, sd);
	T_EQ(so_error(sd), ECONNREFUSED);
	T_ERR(nm_connect(sd, (struct sockaddr *)&dead, sizeof(dead)), -ECONNABORTED);
	T_ERR(nm_connect(sd, (struct sockaddr *)&dead, sizeof(dead)), -EINPROGRESS);
	settle(&n, sd);
	T_ERR(nm_connect(sd, (struct sockaddr *)&dead, sizeof(dead)), -ECONNREFUSED);
	connect_live(&n, sd, lsd, &live);
	T_OK(nm_close(sd));

	/* bind()'s address and port stay through the failure */
	sd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	T_OK(nm_bind(sd, (struct sockaddr *)&me, sizeof(me)));
	T_ERR(nm_connect(sd, (struct sockaddr *)&dead, sizeof(dead)), -EINPROGRESS);
	settle(&n, sd);
	bind_taken(n.sa, &me);		/* failed, not yet reported: still ours */
	T_ERR(nm_connect(sd, (struct sockaddr *)&dead, sizeof(dead)), -ECONNREFUSED);
	T_EQ(local_port(sd), 47001);
	bind_taken(n.sa, &me);		/* reported: still ours */
	connect_live(&n, sd, lsd, &live);
	T_EQ(local_port(sd), 47001);
	T_OK(nm_close(sd));

	/* options set before survive the new attempt */
	sd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	{
		int one = 1, v = 0, buf = 1 << 20;
		socklen_t l = sizeof(v);

		T_OK(nm_setsockopt(sd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
		T_OK(nm_setsockopt(sd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf)));
		T_ERR(nm_connect(sd, (struct sockaddr *)&dead, sizeof(dead)), -EINPROGRESS);
		settle(&n, sd);
		T_ERR(nm_connect(sd, (struct sockaddr *)&dead, sizeof(dead)), -ECONNREFUSED);
		T_OK(nm_getsockopt(sd, IPPROTO_TCP, TCP_NODELAY, &v, &l));
		T_EQ(v, 1);
		l = sizeof(v);
		T_OK(nm_getsockopt(sd, SOL_SOCKET, SO_SNDBUF, &v, &l));
		T_ASSERT(v >= buf);
	}
	connect_live(&n, sd, lsd, &live);
	T_OK(nm_close(sd));

	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
