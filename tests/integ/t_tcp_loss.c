/* SPDX-License-Identifier: MIT */
/*
 * A lossy wire both ways (1% loss, 1% reorder, 0.5% duplication, from the
 * shm wire's deterministic fault injector): a stream each way arrives
 * complete and in order, and the retransmission machinery was exercised
 * (retransmits, SACK recoveries, OOO queueing, duplicates dropped).
 * 256 MiB each way by default, in both builds (measured on a 2-core box:
 * ~8 s optimized, ~13 s under ASan); NM_TCP_LOSS_MB overrides the size per
 * direction.  Each direction must finish within 60 s.
 */
#include "t_tcp.h"

int main(void)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32 << 20 };
	struct nm_stack_stats sa, sb;
	struct nm_wire_stats wa, wb;
	struct t_net n;
	int lsd, csd, ssd;
	uint64_t mb = 256, us;
	const char *env = getenv("NM_TCP_LOSS_MB");

	if (env)
		mb = strtoull(env, NULL, 10);
	for (int d = 0; d < 2; d++) {
		wp.faults[d].seed = 1234 + (uint64_t)d;
		wp.faults[d].loss = 0.01;
		wp.faults[d].reorder = 0.01;
		wp.faults[d].dup = 0.005;
	}
	t_net_up(&n, &wp);
	lsd = t_listen(n.sb, AF_INET, 5002, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 5002, &ssd);
	us = t_stream(&n, csd, ssd, mb << 20, 60000);
	printf("A->B %llu MiB with faults: %.1f MB/s\n", (unsigned long long)mb,
	       (double)(mb << 20) / (double)us);
	us = t_stream(&n, ssd, csd, mb << 20, 60000);
	printf("B->A %llu MiB with faults: %.1f MB/s\n", (unsigned long long)mb,
	       (double)(mb << 20) / (double)us);
	T_OK(nm_stack_get_stats(n.sa, &sa, sizeof(sa)));
	T_OK(nm_stack_get_stats(n.sb, &sb, sizeof(sb)));
	printf("A: retrans %llu fast %llu sack-rec %llu rto %llu ooo %llu dup %llu\n",
	       (unsigned long long)sa.tcp_retransmits, (unsigned long long)sa.tcp_fast_retransmits,
	       (unsigned long long)sa.tcp_sack_recoveries, (unsigned long long)sa.tcp_rto,
	       (unsigned long long)sa.tcp_ooo_queued, (unsigned long long)sa.tcp_dup_dropped);
	printf("B: retrans %llu fast %llu sack-rec %llu rto %llu ooo %llu dup %llu\n",
	       (unsigned long long)sb.tcp_retransmits, (unsigned long long)sb.tcp_fast_retransmits,
	       (unsigned long long)sb.tcp_sack_recoveries, (unsigned long long)sb.tcp_rto,
	       (unsigned long long)sb.tcp_ooo_queued, (unsigned long long)sb.tcp_dup_dropped);
	T_OK(nm_wire_get_stats(n.wa, &wa, sizeof(wa)));
	T_OK(nm_wire_get_stats(n.wb, &wb, sizeof(wb)));
	printf("wire: duplicated A->B %llu, B->A %llu\n", (unsigned long long)wa.inj_dup,
	       (unsigned long long)wb.inj_dup);
	T_ASSERT(sa.tcp_retransmits > 0 && sb.tcp_retransmits > 0);
	/* the wire duplicated frames both ways, and each receiver dropped
	 * the data among them: about half of a direction's duplicates are
	 * data (each side sends data once and ACKs once), more drops come
	 * from retransmissions of what had arrived */
	T_ASSERT(wa.inj_dup > 100 && wb.inj_dup > 100);
	T_ASSERT(sb.tcp_dup_dropped >= wa.inj_dup / 4 && sa.tcp_dup_dropped >= wb.inj_dup / 4);
	T_ASSERT(sa.tcp_sack_recoveries > 0 && sb.tcp_sack_recoveries > 0);
	T_ASSERT(sa.tcp_ooo_queued > 0 && sb.tcp_ooo_queued > 0);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
