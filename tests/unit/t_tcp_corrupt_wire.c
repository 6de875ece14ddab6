/* SPDX-License-Identifier: MIT */
/*
 * TCP's own checksum against a corrupting wire: both NICs have RX
 * checksum offload off, so only TCP's software check (tcp_input.c
 * csum_ok()) stands between a flipped bit and the application.  The shm
 * wire flips one bit of 1% of the frames each way (deterministic seeds);
 * 32 MiB each way must arrive byte-exact, and the corrupted frames must
 * show up as TCP checksum drops on the receiving side: at least half of
 * them (the rest hit the Ethernet or IP header and die there, or the
 * source MAC, which nothing checks), never more than were corrupted.
 * NM_TCP_CORRUPT_MB overrides the size per direction.
 */
#include "tcp_util.h"

int main(void)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32 << 20 };
	struct nm_stack_stats sa, sb;
	struct nm_wire_stats wa, wb;
	struct nm_queue_stats qa, qb;
	struct t_net n;
	uint64_t mb = 32;
	const char *env = getenv("NM_TCP_CORRUPT_MB");
	int lsd, csd, ssd;

	if (env)
		mb = strtoull(env, NULL, 10);
	for (int d = 0; d < 2; d++) {
		wp.faults[d].seed = 77 + (uint64_t)d;
		wp.faults[d].corrupt = 0.01;
	}
	t_net_up(&n, &wp);
	T_OK(nm_netdev_set_features(n.nda, NM_NETIF_F_RXCSUM, 0));
	T_OK(nm_netdev_set_features(n.ndb, NM_NETIF_F_RXCSUM, 0));
	T_EQ(nm_netdev_get_features(n.nda) & NM_NETIF_F_RXCSUM, 0);
	T_EQ(nm_netdev_get_features(n.ndb) & NM_NETIF_F_RXCSUM, 0);
	lsd = t_listen(n.sb, AF_INET, 7401, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7401, &ssd);
	t_stream(&n, csd, ssd, mb << 20, 60000);
	t_stream(&n, ssd, csd, mb << 20, 60000);
	T_OK(nm_stack_get_stats(n.sa, &sa));
	T_OK(nm_stack_get_stats(n.sb, &sb));
	T_OK(nm_wire_get_stats(n.wa, &wa));
	T_OK(nm_wire_get_stats(n.wb, &wb));
	printf("A->B: corrupted %llu, B dropped as bad TCP checksums %llu (bad IP header %llu, "
	       "not ours %llu); B->A: corrupted %llu, A dropped %llu (%llu, %llu)\n",
	       (unsigned long long)wa.inj_corrupted, (unsigned long long)sb.tcp_bad_csum,
	       (unsigned long long)sb.ip4_bad_header, (unsigned long long)sb.eth_not_ours,
	       (unsigned long long)wb.inj_corrupted, (unsigned long long)sa.tcp_bad_csum,
	       (unsigned long long)sa.ip4_bad_header, (unsigned long long)sa.eth_not_ours);
	T_ASSERT(wa.inj_corrupted >= 100 && wb.inj_corrupted >= 100);
	T_ASSERT(sb.tcp_bad_csum >= wa.inj_corrupted / 2 && sb.tcp_bad_csum <= wa.inj_corrupted);
	T_ASSERT(sa.tcp_bad_csum >= wb.inj_corrupted / 2 && sa.tcp_bad_csum <= wb.inj_corrupted);
	/* the NICs checked nothing: no drop of theirs */
	T_OK(nm_netdev_get_stats(n.nda, &qa));
	T_OK(nm_netdev_get_stats(n.ndb, &qb));
	T_EQ(qa.drops[NM_RX_DROP_BAD_CSUM] + qa.csum_ok + qa.csum_bad, 0);
	T_EQ(qb.drops[NM_RX_DROP_BAD_CSUM] + qb.csum_ok + qb.csum_bad, 0);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
