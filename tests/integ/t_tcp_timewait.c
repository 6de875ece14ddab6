/* SPDX-License-Identifier: MIT */
/*
 * TIME_WAIT: the active closer holds the 4-tuple for 2 MSL; binding its
 * port again fails without SO_REUSEADDR and works with it; a new SYN for
 * a 4-tuple whose server side is in TIME_WAIT, with a higher timestamp,
 * opens a new incarnation at once (RFC 6191), and data flows on it.  The
 * socket in TIME_WAIT says TCP_CLOSE in TCP_INFO and its shutdown is
 * -ENOTCONN, as a Linux socket whose timewait twin took over.
 */
#include "t_tcp.h"

static int g_sd;

static bool eof(void *p)
{
	char c;

	(void)p;
	return nm_recv(g_sd, &c, 1, 0) == 0;
}

static bool is_tw(void *p)
{
	return t_tcp_state(*(int *)p) == TCP_TIME_WAIT;
}

int main(void)
{
	struct t_net n;
	int lsd, csd, ssd, sd, one = 1;
	struct sockaddr_in me;
	socklen_t ml = sizeof(me);

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6101, 16);

	/* client closes first: its port is in TIME_WAIT */
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6101, &ssd);
	T_OK(nm_getsockname(csd, (struct sockaddr *)&me, &ml));
	T_OK(nm_close(csd));
	g_sd = ssd;
	T_ASSERT(t_pump_until(&n, eof, NULL, 2000));
	T_OK(nm_close(ssd));
	t_pump_for(&n, 50);
	sd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM, 0));
	T_ERR(nm_bind(sd, (struct sockaddr *)&me, sizeof(me)), -EADDRINUSE);
	T_OK(nm_setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	T_OK(nm_bind(sd, (struct sockaddr *)&me, sizeof(me)));
	T_OK(nm_close(sd));

	/* server closes first: B holds TIME_WAIT for the 4-tuple */
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6101, &ssd);
	ml = sizeof(me);
	T_OK(nm_getsockname(csd, (struct sockaddr *)&me, &ml));
	T_OK(nm_shutdown(ssd, SHUT_WR));
	g_sd = csd;
	T_ASSERT(t_pump_until(&n, eof, NULL, 2000));
	T_OK(nm_close(csd));
	T_ASSERT(t_pump_until(&n, is_tw, &ssd, 2000));
	{
		/* the socket's own view, as Linux's: CLOSE, and shutdown ENOTCONN */
		struct tcp_info ti;
		socklen_t l = sizeof(ti);

		T_OK(nm_getsockopt(ssd, IPPROTO_TCP, TCP_INFO, &ti, &l));
		T_EQ(ti.tcpi_state, TCP_CLOSE);
		T_ERR(nm_shutdown(ssd, SHUT_RDWR), -ENOTCONN);
	}
	T_OK(nm_close(ssd));	/* the TIME_WAIT tcb lives on in B */
	t_pump_for(&n, 20);
	/* reconnect from the same client port: B reuses the TIME_WAIT tuple */
	{
		struct sockaddr_in dst = t_sin("198.18.0.2", 6101);
		struct t_conn_arg ca = { lsd, -1, -1 };

		ca.csd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
		T_OK(nm_setsockopt(ca.csd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
		T_OK(nm_bind(ca.csd, (struct sockaddr *)&me, sizeof(me)));
		T_EQ(nm_connect(ca.csd, (struct sockaddr *)&dst, sizeof(dst)), -EINPROGRESS);
		T_ASSERT(t_pump_until(&n, t_conn_ready, &ca, 3000));
		t_stream(&n, ca.csd, ca.ssd, 100000, 5000);
		T_OK(nm_close(ca.csd));
		T_OK(nm_close(ca.ssd));
	}
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
