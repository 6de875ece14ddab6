/* SPDX-License-Identifier: MIT */
/*
 * Keepalive (SO_KEEPALIVE, TCP_KEEPIDLE/INTVL/CNT = 1 s, 1 s, 2): an idle
 * connection sends probes the peer answers, and stays up; when the peer
 * stops answering (its stack is no longer run), the connection dies with
 * ETIMEDOUT after idle + count * interval.
 */
#include "t_tcp.h"

int main(void)
{
	struct t_net n;
	int lsd, csd, ssd, one = 1, v;
	struct nm_stack_stats b0, b1;
	struct nm_tcp_sock *tc;
	uint64_t t0;
	char c;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 7201, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7201, &ssd);
	tc = t_tcb(n.sa, csd);
	v = 1;
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)));
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v)));
	v = 2;
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)));
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
	T_OK(nm_stack_get_stats(n.sb, &b0, sizeof(b0)));
	t_pump_for(&n, 1500);
	T_OK(nm_stack_get_stats(n.sb, &b1, sizeof(b1)));
	T_ASSERT(b1.tcp_in - b0.tcp_in >= 1);	/* the probe */
	T_EQ(tc->ka_probes, 0);			/* answered */
	T_EQ(t_tcp_state(csd), TCP_ESTABLISHED);

	/* the peer goes silent: only A's loop runs */
	t0 = t_now_us();
	while (t_tcp_state(csd) == TCP_ESTABLISHED) {
		T_ASSERT(t_now_us() - t0 < 8000000);
		T_OK(nm_stack_poll(n.sa, 5));
	}
	printf("keepalive gave up after %llu ms\n", (unsigned long long)((t_now_us() - t0) / 1000));
	T_ASSERT(t_now_us() - t0 >= 2000000);
	T_EQ(nm_recv(csd, &c, 1, MSG_DONTWAIT), -ETIMEDOUT);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
