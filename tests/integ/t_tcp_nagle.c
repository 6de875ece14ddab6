/* SPDX-License-Identifier: MIT */
/*
 * Nagle: with data in flight, small writes wait (one segment outstanding)
 * and go as one segment once the ACK returns; TCP_NODELAY sends each at
 * once; setting TCP_NODELAY flushes what Nagle held.
 */
#include "t_tcp.h"

int main(void)
{
	struct t_net n;
	int lsd, csd, ssd, one = 1;
	struct nm_tcp_sock *tc;
	char buf[64];

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6401, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6401, &ssd);
	t_pump_for(&n, 20);
	tc = t_tcb(n.sa, csd);
	for (int i = 0; i < 10; i++)
		T_EQ(nm_send(csd, "x", 1, 0), 1);
	/* only the first byte left; nine wait for its ACK */
	T_EQ(tc->snd_max - tc->snd_una, 1);
	T_EQ(tc->write_seq - tc->snd_una, 10);
	for (uint64_t end = t_now_us() + 3000000; tc->snd_max != tc->write_seq ||
						   tc->snd_una != tc->snd_max;) {
		T_ASSERT(t_now_us() < end);
		t_pump(&n);
	}
	T_EQ(nm_recv(ssd, buf, sizeof(buf), 0), 10);
	T_EQ(tc->snd_max, tc->write_seq);

	/* held bytes go when TCP_NODELAY is set */
	T_EQ(nm_send(csd, "y", 1, 0), 1);
	T_EQ(nm_send(csd, "y", 1, 0), 1);
	T_EQ(tc->write_seq - tc->snd_max, 1);
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	T_EQ(tc->write_seq, tc->snd_max);
	for (int i = 0; i < 10; i++)
		T_EQ(nm_send(csd, "z", 1, 0), 1);
	T_EQ(tc->write_seq, tc->snd_max);
	for (uint64_t end = t_now_us() + 3000000; tc->snd_una != tc->snd_max;) {
		T_ASSERT(t_now_us() < end);
		t_pump(&n);
	}
	T_EQ(nm_recv(ssd, buf, sizeof(buf), 0), 12);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
