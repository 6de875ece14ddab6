/* SPDX-License-Identifier: MIT */
/*
 * Simultaneous open (RFC 9293 figure 7): two sockets bound to fixed ports
 * connect to each other before either SYN arrives; both reach
 * ESTABLISHED through SYN_RECEIVED and carry data both ways.  Then a
 * simultaneous close: both send FIN at once, pass CLOSING and end in
 * TIME_WAIT.
 */
#include "t_tcp.h"

static int g_a, g_b;

static bool both(void *p)
{
	int want = *(int *)p;

	return t_tcp_state(g_a) == want && t_tcp_state(g_b) == want;
}

int main(void)
{
	struct t_net n;
	struct sockaddr_in la = t_sin("198.18.0.1", 7001), lb = t_sin("198.18.0.2", 7002);
	int want = TCP_ESTABLISHED;
	char buf[8];

	t_net_up(&n, NULL);
	g_a = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	g_b = (int)T_OK(nm_socket(n.sb, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	T_OK(nm_bind(g_a, (struct sockaddr *)&la, sizeof(la)));
	T_OK(nm_bind(g_b, (struct sockaddr *)&lb, sizeof(lb)));
	/* resolve neighbours first so both SYNs leave at once */
	{
		struct sockaddr_in x = t_sin("198.18.0.2", 9);
		int sd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));

		nm_connect(sd, (struct sockaddr *)&x, sizeof(x));
		t_pump_for(&n, 30);
		nm_close(sd);
	}
	T_EQ(nm_connect(g_a, (struct sockaddr *)&lb, sizeof(lb)), -EINPROGRESS);
	T_EQ(nm_connect(g_b, (struct sockaddr *)&la, sizeof(la)), -EINPROGRESS);
	T_EQ(t_tcp_state(g_a), TCP_SYN_SENT);
	T_EQ(t_tcp_state(g_b), TCP_SYN_SENT);
	T_ASSERT(t_pump_until(&n, both, &want, 3000));
	T_EQ(nm_send(g_a, "ab", 2, 0), 2);
	T_EQ(nm_send(g_b, "cd", 2, 0), 2);
	t_pump_for(&n, 20);
	T_EQ(nm_recv(g_b, buf, sizeof(buf), 0), 2);
	T_ASSERT(!memcmp(buf, "ab", 2));
	T_EQ(nm_recv(g_a, buf, sizeof(buf), 0), 2);
	T_ASSERT(!memcmp(buf, "cd", 2));
	/* simultaneous close */
	T_OK(nm_shutdown(g_a, SHUT_WR));
	T_OK(nm_shutdown(g_b, SHUT_WR));
	T_EQ(t_tcp_state(g_a), TCP_FIN_WAIT1);
	want = TCP_TIME_WAIT;
	T_ASSERT(t_pump_until(&n, both, &want, 3000));
	T_OK(nm_close(g_a));
	T_OK(nm_close(g_b));
	t_net_down(&n);
	T_PASS();
}
