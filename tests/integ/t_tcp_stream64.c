/* SPDX-License-Identifier: MIT */
/*
 * 64 MiB each way over a clean shm wire (TSO on, the NIC segments), byte
 * for byte, and the throughput it took.  TSO really ran: each sender's
 * TCP handed its NIC packets of many segments (the connection's tso flag,
 * and the NIC's TX queue put several wire frames out per packet: at
 * least 4 per packet on average, each at most MTU-sized), so the sender's
 * TCP sent far fewer segments than the wire carried frames.
 */
#include "t_tcp.h"

int main(void)
{
	struct t_net n;
	int lsd, csd, ssd;
	uint64_t us;
	struct nm_queue_stats qa, qb;
	struct nm_wire_stats wa, wb;
	struct nm_stack_stats sa, sb;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 5003, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 5003, &ssd);
	us = t_stream(&n, csd, ssd, 64u << 20, 60000);
	printf("A->B 64 MiB: %.1f MB/s\n", (double)(64u << 20) / (double)us);
	us = t_stream(&n, ssd, csd, 64u << 20, 60000);
	printf("B->A 64 MiB: %.1f MB/s\n", (double)(64u << 20) / (double)us);
	T_OK(nm_netdev_get_txq_stats(n.nda, 0, &qa, sizeof(qa)));
	T_OK(nm_netdev_get_txq_stats(n.ndb, 0, &qb, sizeof(qb)));
	T_OK(nm_wire_get_stats(n.wa, &wa, sizeof(wa)));
	T_OK(nm_wire_get_stats(n.wb, &wb, sizeof(wb)));
	T_OK(nm_stack_get_stats(n.sa, &sa, sizeof(sa)));
	T_OK(nm_stack_get_stats(n.sb, &sb, sizeof(sb)));
	printf("A: TCP segments %llu, NIC packets %llu -> frames %llu, wire frames %llu (%llu bytes)\n",
	       (unsigned long long)sa.tcp_out, (unsigned long long)qa.tx_packets,
	       (unsigned long long)qa.tx_frames, (unsigned long long)wa.tx_frames,
	       (unsigned long long)wa.tx_bytes);
	printf("B: TCP segments %llu, NIC packets %llu -> frames %llu, wire frames %llu (%llu bytes)\n",
	       (unsigned long long)sb.tcp_out, (unsigned long long)qb.tx_packets,
	       (unsigned long long)qb.tx_frames, (unsigned long long)wb.tx_frames,
	       (unsigned long long)wb.tx_bytes);
	for (int side = 0; side < 2; side++) {
		const struct nm_queue_stats *q = side ? &qb : &qa;
		const struct nm_wire_stats *w = side ? &wb : &wa;
		const struct nm_stack_stats *s = side ? &sb : &sa;

		T_ASSERT(q->tx_frames >= 4 * q->tx_packets);
		T_EQ(w->tx_frames, q->tx_frames);
		T_ASSERT(w->tx_frames >= 4 * s->tcp_out);
		T_ASSERT(w->tx_bytes <= w->tx_frames * 1514);	/* no frame above the MTU */
	}
	T_ASSERT(t_tcb(n.sa, csd)->tso && t_tcb(n.sb, ssd)->tso);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
