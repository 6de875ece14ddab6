/* SPDX-License-Identifier: MIT */
/*
 * TCP headers the NIC splits between the linear part and the frags (its
 * header-split guess follows the previous frame: a 40-byte SYN header
 * after 32-byte ones lands partly in a frag) are still parsed: 200
 * sequential connect / accept / close cycles, each done well before a
 * lost SYN would be retransmitted (1 s).
 */
#include "tcp_util.h"

int main(void)
{
	struct t_net n;
	struct sockaddr_in a = t_sin("198.18.0.2", 6901);
	int lsd;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6901, 64);
	for (int i = 0; i < 200; i++) {
		uint64_t t0 = t_now_us();
		int csd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)), ssd;

		T_EQ(nm_connect(csd, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
		while ((ssd = nm_accept4(lsd, NULL, NULL, SOCK_NONBLOCK)) < 0) {
			T_EQ(ssd, -EAGAIN);
			if (t_now_us() - t0 > 500000)
				T_FAIL("connect %d took over 500 ms", i);
			t_pump(&n);
		}
		T_EQ(nm_send(csd, "ping", 4, 0), 4);
		T_OK(nm_close(csd));
		T_OK(nm_close(ssd));
		t_pump(&n);
	}
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
