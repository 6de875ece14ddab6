/* SPDX-License-Identifier: MIT */
/*
 * TCP between two netmem stacks on an shm wire: handshake, 1 MiB each way
 * verified byte for byte, orderly close (FIN_WAIT_2 -> TIME_WAIT on the
 * active side, EOF on the passive side), and a RST for a closed port
 * (ECONNREFUSED).
 */
#include "t_tcp.h"

struct st_arg {
	int sd, want;
};

static bool state_is(void *p)
{
	struct st_arg *a = p;

	return t_tcp_state(a->sd) == a->want;
}

static int g_sd;
static bool eof_seen(void *p)
{
	char c;

	(void)p;
	return nm_recv(g_sd, &c, 1, 0) == 0;
}

static bool refused(void *p)
{
	int e = 0;
	socklen_t l = sizeof(e);

	nm_getsockopt(*(int *)p, SOL_SOCKET, SO_ERROR, &e, &l);
	if (e) {
		*(int *)p = -e;
		return true;
	}
	return false;
}

int main(void)
{
	struct t_net n;
	int lsd, csd, ssd, sd;
	struct st_arg sa;
	struct nm_stack_stats st;
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	uint64_t us;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 5001, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 5001, &ssd);
	T_EQ(t_tcp_state(ssd), TCP_ESTABLISHED);
	T_OK(nm_getpeername(ssd, (struct sockaddr *)&peer, &pl));
	T_EQ(peer.sin_addr.s_addr, inet_addr("198.18.0.1"));

	us = t_stream(&n, csd, ssd, 1 << 20, 10000);
	printf("A->B 1 MiB in %llu us\n", (unsigned long long)us);
	us = t_stream(&n, ssd, csd, 1 << 20, 10000);
	printf("B->A 1 MiB in %llu us\n", (unsigned long long)us);

	/* active close from A */
	T_OK(nm_shutdown(csd, SHUT_WR));
	g_sd = ssd;
	T_ASSERT(t_pump_until(&n, eof_seen, NULL, 2000));
	sa.sd = csd;
	sa.want = TCP_FIN_WAIT2;
	T_ASSERT(t_pump_until(&n, state_is, &sa, 2000));
	T_EQ(t_tcp_state(ssd), TCP_CLOSE_WAIT);
	/* B can still send after A's FIN */
	T_EQ(nm_send(ssd, "bye", 3, 0), 3);
	T_OK(nm_close(ssd));
	sa.want = TCP_TIME_WAIT;
	T_ASSERT(t_pump_until(&n, state_is, &sa, 2000));
	{
		char b[8];

		T_EQ(nm_recv(csd, b, sizeof(b), 0), 3);
		T_ASSERT(!memcmp(b, "bye", 3));
		T_EQ(nm_recv(csd, b, sizeof(b), 0), 0);
	}
	T_OK(nm_close(csd));

	/* a closed port answers with RST: connect fails with ECONNREFUSED */
	sd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	{
		struct sockaddr_in a = t_sin("198.18.0.2", 5999);
		int e;

		T_EQ(nm_connect(sd, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
		e = sd;
		T_ASSERT(t_pump_until(&n, refused, &e, 2000));
		T_EQ(e, -ECONNREFUSED);
	}
	T_OK(nm_close(sd));
	T_OK(nm_stack_get_stats(n.sb, &st, sizeof(st)));
	T_ASSERT(st.tcp_rst_sent >= 1);
	T_ASSERT(st.tcp_no_socket >= 1);
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
