/* SPDX-License-Identifier: MIT */
/*
 * Reordering without loss over a GSO wire (5% of frames held back behind
 * the next one, both ways).  One 64 KiB frame late SACKs ~45 segments at
 * once; the first time that starts a recovery, whose retransmissions come
 * back as DSACKs (RFC 2883) and undo it, and the path counts as reordering
 * from then on: later holes get a reordering window (RFC 8985) before they
 * count as lost.  Before, every reordering halved cwnd and flights stayed
 * one frame long, so a frame held at the end of one waited for the RTO:
 * 16 MiB took ~50 RTOs.
 *
 * First, deterministically (the random phases below may well see no
 * recovery at all): on a fault-free GSO wire the test plays, the first
 * 64 KiB frame of a 256 KiB flight is held back behind the other three;
 * their SACKs start a recovery, the original then overtakes the
 * retransmission, and the DSACK must undo the recovery (cwnd, ssthresh,
 * tcp_spurious_undos; t_spurious_recovery()).
 *
 * Then at random, with held frames released at every poll (reordering as
 * a bounded delay): no RTO, at most a few recoveries, each undone.  Then
 * with the injector as it is, where a frame with nothing behind it stays
 * held until the sender's next one: the loss probe is that next frame,
 * and the RTOs left are the rare tails where the probe or its answer was
 * held too.
 */
#include "t_tcp.h"

static void report(const char *what, struct t_net *n, const struct nm_stack_stats *a0,
		   const struct nm_stack_stats *a1)
{
	struct nm_wire_stats wa;

	T_OK(nm_wire_get_stats(n->wa, &wa, sizeof(wa)));
	printf("%s: reordered %llu frames so far; recoveries %llu undone %llu probes %llu "
	       "retransmits %llu RTOs %llu\n", what, (unsigned long long)wa.inj_reordered,
	       (unsigned long long)(a1->tcp_fast_retransmits - a0->tcp_fast_retransmits),
	       (unsigned long long)(a1->tcp_spurious_undos - a0->tcp_spurious_undos),
	       (unsigned long long)(a1->tcp_loss_probes - a0->tcp_loss_probes),
	       (unsigned long long)(a1->tcp_retransmits - a0->tcp_retransmits),
	       (unsigned long long)(a1->tcp_rto - a0->tcp_rto));
}

int main(void)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32 << 20,
					 .gso = true };
	struct nm_stack_stats a0, a1;
	struct nm_wire_stats wa;
	struct t_net n;
	int lsd, csd, ssd;
	uint64_t seed = getenv("NM_T_SEED") ? strtoull(getenv("NM_T_SEED"), NULL, 0) : 5;

	/* one spurious recovery, on purpose */
	t_net_up(&n, &wp);
	lsd = t_listen(n.sb, AF_INET, 6813, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6813, &ssd);
	{
		uint64_t sent = 4u << 20;

		t_stream(&n, csd, ssd, sent, 20000);
		t_pump_for(&n, 50);
		t_spurious_recovery(&n, csd, ssd, &sent, 256u << 10);
	}
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);

	for (int d = 0; d < 2; d++) {
		wp.faults[d].seed = seed + (uint64_t)d;
		wp.faults[d].reorder = 0.05;
	}
	t_net_up(&n, &wp);
	lsd = t_listen(n.sb, AF_INET, 6814, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6814, &ssd);

	T_OK(nm_stack_get_stats(n.sa, &a0, sizeof(a0)));
	t_stream_flushed(&n, csd, ssd, 16u << 20, 20000);
	T_OK(nm_stack_get_stats(n.sa, &a1, sizeof(a1)));
	report("released at every poll", &n, &a0, &a1);
	T_OK(nm_wire_get_stats(n.wa, &wa, sizeof(wa)));
	T_ASSERT(wa.inj_reordered >= 5);
	T_EQ(a1.tcp_rto, a0.tcp_rto);
	T_ASSERT(a1.tcp_fast_retransmits - a0.tcp_fast_retransmits <= 3);
	if (a1.tcp_fast_retransmits > a0.tcp_fast_retransmits)
		T_ASSERT(a1.tcp_spurious_undos > a0.tcp_spurious_undos);

	a0 = a1;
	t_stream(&n, csd, ssd, 16u << 20, 20000);
	T_OK(nm_stack_get_stats(n.sa, &a1, sizeof(a1)));
	report("held until the next frame", &n, &a0, &a1);
	T_ASSERT(a1.tcp_rto - a0.tcp_rto <= 8);
	T_ASSERT(a1.tcp_fast_retransmits - a0.tcp_fast_retransmits <= 8);

	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
