/* SPDX-License-Identifier: MIT */
/*
 * 1000 concurrent connections between two stacks: all accepted through
 * one listener (backlog 1024), each carries its own 2000-byte message to
 * the server and gets it echoed back, then all close.  Checks the 4-tuple
 * table, ephemeral ports, accept queue and per-connection buffers at scale.
 */
#include "t_tcp.h"

#define N	1000
#define MSG	2000

static int csd[N], ssd[N];
static size_t echoed[N], back[N];

static void fill(uint8_t *b, int i)
{
	for (int k = 0; k < MSG; k++)
		b[k] = (uint8_t)(i * 31 + k);
}

int main(void)
{
	struct t_net n;
	struct sockaddr_in dst = t_sin("198.18.0.2", 6501);
	int lsd, accepted = 0, done = 0;
	static uint8_t buf[MSG], want[MSG];
	uint64_t end;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6501, 1024);
	for (int i = 0; i < N; i++) {
		csd[i] = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
		T_EQ(nm_connect(csd[i], (struct sockaddr *)&dst, sizeof(dst)), -EINPROGRESS);
		ssd[i] = -1;
		if (i == 0)
			t_pump_for(&n, 20);	/* ARP first: its queue is bounded */
		if (i % 50 == 0)
			t_pump(&n);
	}
	end = t_now_us() + 20000000;
	while (accepted < N) {
		int r;

		T_ASSERT(t_now_us() < end);
		while ((r = nm_accept4(lsd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
			ssd[accepted++] = r;
		T_EQ(r, -EAGAIN);
		t_pump(&n);
	}
	/* map server sockets to clients by port */
	{
		static int by_port[65536];

		for (int i = 0; i < N; i++) {
			struct sockaddr_in a;
			socklen_t l = sizeof(a);

			T_OK(nm_getsockname(csd[i], (struct sockaddr *)&a, &l));
			by_port[ntohs(a.sin_port)] = i + 1;
		}
		static int tmp[N];
		for (int j = 0; j < N; j++) {
			struct sockaddr_in a;
			socklen_t l = sizeof(a);
			int i;

			T_OK(nm_getpeername(ssd[j], (struct sockaddr *)&a, &l));
			i = by_port[ntohs(a.sin_port)] - 1;
			T_ASSERT(i >= 0 && i < N);
			tmp[i] = ssd[j];
		}
		memcpy(ssd, tmp, sizeof(tmp));
	}
	for (int i = 0; i < N; i++) {
		fill(buf, i);
		T_EQ(nm_send(csd[i], buf, MSG, 0), MSG);
	}
	while (done < N) {
		T_ASSERT(t_now_us() < end);
		t_pump(&n);
		for (int i = 0; i < N; i++) {
			ssize_t r;

			while (echoed[i] < MSG && (r = nm_recv(ssd[i], buf, MSG - echoed[i], 0)) > 0) {
				T_EQ(nm_send(ssd[i], buf, (size_t)r, 0), r);
				echoed[i] += (size_t)r;
			}
			if (back[i] < MSG && (r = nm_recv(csd[i], buf, MSG - back[i], 0)) > 0) {
				fill(want, i);
				T_ASSERT(!memcmp(buf, want + back[i], (size_t)r));
				back[i] += (size_t)r;
				if (back[i] == MSG)
					done++;
			}
		}
	}
	/* how often timers had to repair anything on this clean wire */
	{
		struct nm_stack_stats a, b;

		T_OK(nm_stack_get_stats(n.sa, &a, sizeof(a)));
		T_OK(nm_stack_get_stats(n.sb, &b, sizeof(b)));
		struct nm_queue_stats qa, qb;

		T_OK(nm_netdev_get_stats(n.nda, &qa, sizeof(qa)));
		T_OK(nm_netdev_get_stats(n.ndb, &qb, sizeof(qb)));
		printf("rto %llu/%llu; nic drops a %llu b %llu, tx busy %llu %llu\n",
		       (unsigned long long)a.tcp_rto, (unsigned long long)b.tcp_rto,
		       (unsigned long long)(qa.drops[0] + qa.drops[5]),
		       (unsigned long long)(qb.drops[0] + qb.drops[5]),
		       (unsigned long long)qa.tx_busy, (unsigned long long)qb.tx_busy);
		/* (not asserted: on a loaded machine a descheduled loop lets
		 * the 200 ms RTO fire, which is correct TCP behaviour) */
	}
	for (int i = 0; i < N; i++) {
		T_OK(nm_close(csd[i]));
		T_OK(nm_close(ssd[i]));
	}
	t_pump_for(&n, 100);
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
