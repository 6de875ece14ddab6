/* SPDX-License-Identifier: MIT */
/*
 * hds_small on the TAP wire: a frame whose TCP payload is at most
 * hds-thresh stays with its headers and is counted once in the queue's
 * hds_small.  The TAP's receive path decided "not split" twice for such a
 * frame (where the read landed, then again while placing it) and counted
 * it twice.  The kernel sends 20 segments of 100 bytes (TCP_NODELAY, each
 * after netmem read the one before) to a netmem client whose NIC keeps
 * payloads up to 256 bytes with the headers, then one of 1000 bytes that
 * is split.  A segment the kernel sent again arrives again and is counted
 * again: those are the stack's dropped duplicates.  Root only (77).
 */
#include <netinet/tcp.h>

#include "t_kernel.h"

#define PORT	7311
#define N	20
#define SMALL	100
#define BIG	1000

/* Pump the stack until sd has read len more bytes. */
static void read_all(struct t_tap_net *t, int sd, size_t len)
{
	static uint8_t buf[4096];
	uint64_t end = t_now_ms() + 5000;
	size_t got = 0;

	while (got < len) {
		ssize_t n;

		T_ASSERT(t_now_ms() < end);
		nm_stack_poll(t->st, 10);
		n = nm_recv(sd, buf, sizeof(buf), 0);
		if (n == -EAGAIN)
			continue;
		T_ASSERT(n > 0);
		got += (size_t)n;
	}
	T_EQ(got, len);
}

int main(void)
{
	struct nm_ringparam rp;
	struct nm_queue_stats qs;
	struct nm_stack_stats ss;
	struct t_tap_net t;
	uint8_t msg[BIG];
	int r, lfd, kfd, sd, one = 1;

	r = t_tap_net_up(&t);
	if (r)
		return r;
	T_OK(nm_netdev_get_ringparam(t.nd, &rp));
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;
	rp.hds_thresh = 256;
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));
	lfd = t_tap_kernel_listen(PORT, 0);
	T_ASSERT(lfd >= 0);
	sd = t_tap_connect(&t, lfd, PORT, &kfd);
	T_OK(setsockopt(kfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	memset(msg, 0x5a, sizeof(msg));
	T_OK(nm_netdev_get_rxq_stats(t.nd, 0, &qs, sizeof(qs)));
	T_EQ(qs.hds_small, 0);
	for (int i = 0; i < N; i++) {
		T_EQ(send(kfd, msg, SMALL, 0), SMALL);
		read_all(&t, sd, SMALL);
	}
	T_EQ(send(kfd, msg, BIG, 0), BIG);
	read_all(&t, sd, BIG);
	T_OK(nm_netdev_get_rxq_stats(t.nd, 0, &qs, sizeof(qs)));
	T_OK(nm_stack_get_stats(t.st, &ss, sizeof(ss)));
	printf("hds_small %llu, hds_packets %llu, duplicates dropped %llu\n",
	       (unsigned long long)qs.hds_small, (unsigned long long)qs.hds_packets,
	       (unsigned long long)ss.tcp_dup_dropped);
	T_ASSERT(qs.hds_small >= N && qs.hds_small <= N + ss.tcp_dup_dropped);
	T_ASSERT(qs.hds_packets >= 1);
	close(kfd);
	close(lfd);
	T_OK(nm_close(sd));
	t_tap_net_down(&t);
	T_PASS();
}
