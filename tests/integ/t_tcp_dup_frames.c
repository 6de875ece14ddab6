/* SPDX-License-Identifier: MIT */
/*
 * A wire that duplicates frames (a third of them, both ways) but loses and
 * reorders none.  Every duplicate data frame draws an ACK; with SACK in
 * use such an ACK (a DSACK, RFC 2883) brings no new SACK information and
 * is not a duplicate ACK (RFC 6675 2).  Counting them as dupacks started
 * fast retransmits of data that had arrived and cut cwnd for nothing.  So:
 * the stream arrives intact with no recovery, no fast retransmit and no
 * timeout, and the duplicates were seen (dropped by the receiver).  The one
 * retransmission allowed is a tail loss probe's: it answers time (a stack
 * thread descheduled for longer than the probe timeout on a loaded
 * machine), not duplicates, so each retransmission must be a probe's.
 */
#include "t_tcp.h"

int main(void)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32 << 20,
					 .gso = true };
	struct nm_stack_stats sa, sb;
	struct nm_wire_stats wa;
	struct t_net n;
	int lsd, csd, ssd;

	for (int d = 0; d < 2; d++) {
		wp.faults[d].seed = 71 + (uint64_t)d;
		wp.faults[d].dup = 0.33;
	}
	t_net_up(&n, &wp);
	lsd = t_listen(n.sb, AF_INET, 6813, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6813, &ssd);
	t_stream(&n, csd, ssd, 32u << 20, 20000);
	T_OK(nm_stack_get_stats(n.sa, &sa, sizeof(sa)));
	T_OK(nm_stack_get_stats(n.sb, &sb, sizeof(sb)));
	T_OK(nm_wire_get_stats(n.wa, &wa, sizeof(wa)));
	printf("duplicated %llu frames; A: retransmits %llu fast %llu rto %llu probes %llu; "
	       "B dropped %llu\n", (unsigned long long)wa.inj_dup,
	       (unsigned long long)sa.tcp_retransmits, (unsigned long long)sa.tcp_fast_retransmits,
	       (unsigned long long)sa.tcp_rto, (unsigned long long)sa.tcp_loss_probes,
	       (unsigned long long)sb.tcp_dup_dropped);
	T_ASSERT(wa.inj_dup > 50);
	T_ASSERT(sb.tcp_dup_dropped > 50);
	T_EQ(sa.tcp_fast_retransmits, 0);
	T_EQ(sa.tcp_sack_recoveries, 0);
	T_EQ(sa.tcp_rto, 0);
	T_ASSERT(sa.tcp_retransmits <= sa.tcp_loss_probes);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
