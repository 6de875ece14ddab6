/* SPDX-License-Identifier: MIT */
/*
 * Loss, reordering and duplication together (5% each, both ways) on a GSO
 * wire, where a flight is a few 64 KiB frames and most losses are tail
 * losses: loss probes, RACK and SACK recovery repair nearly all of them,
 * so RTOs stay rare (a probe whose answer is lost too still needs one)
 * and 8 MiB each way arrive intact in bounded time.  Held frames are
 * released at every poll, as on a path whose reordering is a short delay.
 * Before, most losses here cost an RTO, and the RTT samples those holds
 * inflated pushed the RTO itself to seconds.
 */
#include "t_tcp.h"

int main(void)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32 << 20,
					 .gso = true };
	struct nm_stack_stats sa, sb;
	struct nm_wire_stats wa, wb;
	struct t_net n;
	int lsd, csd, ssd;
	uint64_t seed = getenv("NM_T_SEED") ? strtoull(getenv("NM_T_SEED"), NULL, 0) : 3;

	for (int d = 0; d < 2; d++) {
		wp.faults[d].seed = seed + (uint64_t)d;
		wp.faults[d].loss = 0.05;
		wp.faults[d].reorder = 0.05;
		wp.faults[d].dup = 0.05;
	}
	t_net_up(&n, &wp);
	lsd = t_listen(n.sb, AF_INET, 6817, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6817, &ssd);
	t_stream_flushed(&n, csd, ssd, 8u << 20, 30000);
	t_stream_flushed(&n, ssd, csd, 8u << 20, 30000);
	T_OK(nm_stack_get_stats(n.sa, &sa, sizeof(sa)));
	T_OK(nm_stack_get_stats(n.sb, &sb, sizeof(sb)));
	T_OK(nm_wire_get_stats(n.wa, &wa, sizeof(wa)));
	T_OK(nm_wire_get_stats(n.wb, &wb, sizeof(wb)));
	printf("lost %llu + %llu frames; RTOs %llu + %llu, probes %llu + %llu, "
	       "recoveries %llu + %llu\n",
	       (unsigned long long)wa.inj_lost, (unsigned long long)wb.inj_lost,
	       (unsigned long long)sa.tcp_rto, (unsigned long long)sb.tcp_rto,
	       (unsigned long long)sa.tcp_loss_probes, (unsigned long long)sb.tcp_loss_probes,
	       (unsigned long long)sa.tcp_fast_retransmits,
	       (unsigned long long)sb.tcp_fast_retransmits);
	T_ASSERT(wa.inj_lost + wb.inj_lost >= 20);
	/* each RTO needs a loss and a lost probe or answer: ~1 in 10 */
	T_ASSERT((sa.tcp_rto + sb.tcp_rto) * 4 <= wa.inj_lost + wb.inj_lost);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
