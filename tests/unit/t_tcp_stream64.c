/* SPDX-License-Identifier: MIT */
/*
 * 64 MiB each way over a clean shm wire (TSO on, the NIC segments), byte
 * for byte, and the throughput it took.
 */
#include "tcp_util.h"

int main(void)
{
	struct t_net n;
	int lsd, csd, ssd;
	uint64_t us;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 5003, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 5003, &ssd);
	us = t_stream(&n, csd, ssd, 64u << 20, 60000);
	printf("A->B 64 MiB: %.1f MB/s\n", (double)(64u << 20) / (double)us);
	us = t_stream(&n, ssd, csd, 64u << 20, 60000);
	printf("B->A 64 MiB: %.1f MB/s\n", (double)(64u << 20) / (double)us);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
