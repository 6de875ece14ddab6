/* Resolution failing: a destination nobody answers for (IPv4 and IPv6),
 * and a known peer that went away.  The entry sends its probes retrans
 * apart, then turns FAILED; the packets that waited are dropped and
 * counted, the queue is bounded; the next packet starts over.  Short
 * timeouts (nm_neigh_set_params) keep the test quick. */
#include "t_net.h"

static bool state_is(struct t_net *t, void *arg)
{
	const struct { struct nm_addr ip; enum nm_neigh_state s; } *w = arg;

	return nm_neigh_state(t_iface(t->sa), &w->ip, NULL) == w->s;
}

static bool replies(struct t_net *t, void *want)
{
	return t_stats(t->sa).icmp_echo_reply_in >= *(uint64_t *)want;
}

int main(void)
{
	struct t_net t;
	struct nm_neigh_params np = { .retrans_us = 50000, .reachable_us = 150000,
				      .gc_us = 2000000, .delay_us = 50000, .probes = 3,
				      .queue_max = 4 };
	struct { struct nm_addr ip; enum nm_neigh_state s; } w;
	uint8_t pl[64] = { 0 };

	t_net_up_mtu(&t, 1500);
	T_ERR(nm_neigh_set_params(NULL, &np), -EINVAL);
	T_OK(nm_neigh_set_params(t_iface(t.sa), &np));

	/* 1. nobody at 198.18.0.3: 3 broadcast requests, then FAILED; of 6
	 * echoes 4 waited (dropped on failure), 2 found the queue full */
	w.ip = t_addr("198.18.0.3");
	for (int i = 0; i < 6; i++) {
		int r = nm_icmp_echo_send(t.sa, &w.ip, 1, (uint16_t)i, pl, sizeof(pl));

		T_ASSERT(i < 4 ? r == 0 : r == -ENOBUFS);
	}
	T_EQ(t_stats(t.sa).neigh_queue_overflow, 2);
	uint64_t t0 = t_now_ms();
	w.s = NM_NEIGH_FAILED;
	T_ASSERT(t_net_until(&t, state_is, &w, 2000));
	uint64_t took = t_now_ms() - t0;
	T_ASSERT(took >= 140 && took < 1000);	/* 3 probes, 50 ms apart */
	struct nm_stack_stats s = t_stats(t.sa);
	T_EQ(s.arp_requests, 3);
	T_EQ(s.arp_timeouts, 1);
	T_EQ(s.neigh_failed_dropped, 4);
	T_EQ(s.neigh_queued, 4);
	/* B saw the broadcasts and ignored them (not its address) */
	T_EQ(t_stats(t.sb).arp_ignored, 3);
	/* the next packet starts over */
	T_OK(nm_icmp_echo_send(t.sa, &w.ip, 1, 9, pl, sizeof(pl)));
	T_EQ(nm_neigh_state(t_iface(t.sa), &w.ip, NULL), NM_NEIGH_INCOMPLETE);
	T_ASSERT(t_net_until(&t, state_is, &w, 2000));
	T_EQ(t_stats(t.sa).arp_timeouts, 2);
	T_EQ(t_stats(t.sa).neigh_failed_dropped, 5);

	/* 2. the same over IPv6 (neighbour solicitations) */
	w.ip = t_addr("2001:2::3");
	T_OK(nm_icmp_echo_send(t.sa, &w.ip, 1, 1, pl, sizeof(pl)));
	T_ASSERT(t_net_until(&t, state_is, &w, 2000));
	s = t_stats(t.sa);
	T_EQ(s.nd_timeouts, 1);
	T_EQ(s.nd_solicits, 3);
	T_EQ(s.neigh_failed_dropped, 6);

	/* 3. a peer that goes away: resolved, then silent.  The entry ages
	 * to STALE, its next use sends the packet and, after the delay, 3
	 * unicast probes; no
	 * answer: FAILED.  Then a new packet waits and is dropped. */
	w.ip = t_addr("198.18.0.2");
	uint64_t want = 1;
	T_OK(nm_icmp_echo_send(t.sa, &w.ip, 2, 1, pl, sizeof(pl)));
	T_ASSERT(t_net_until(&t, replies, &want, 2000));
	T_EQ(nm_neigh_state(t_iface(t.sa), &w.ip, NULL), NM_NEIGH_REACHABLE);
	t.b_gone = true;
	w.s = NM_NEIGH_STALE;
	T_ASSERT(t_net_until(&t, state_is, &w, 2000));
	uint64_t req0 = t_stats(t.sa).arp_requests, tx0 = t_stats(t.sa).tx_frames;
	T_OK(nm_icmp_echo_send(t.sa, &w.ip, 2, 2, pl, sizeof(pl)));
	T_EQ(t_stats(t.sa).tx_frames, tx0 + 1);	/* the echo; probes after delay */
	w.s = NM_NEIGH_FAILED;
	T_ASSERT(t_net_until(&t, state_is, &w, 2000));
	T_EQ(t_stats(t.sa).arp_requests, req0 + 3);
	T_EQ(t_stats(t.sa).arp_timeouts, 3);
	uint64_t dropped = t_stats(t.sa).neigh_failed_dropped;
	T_OK(nm_icmp_echo_send(t.sa, &w.ip, 2, 3, pl, sizeof(pl)));
	T_ASSERT(t_net_until(&t, state_is, &w, 2000));
	T_EQ(t_stats(t.sa).neigh_failed_dropped, dropped + 1);
	T_EQ(t_stats(t.sa).icmp_echo_reply_in, 1);

	/* 4. FAILED entries are freed after gc of disuse */
	t_net_poll(&t, 50);
	w.s = NM_NEIGH_NONE;
	T_ASSERT(t_net_until(&t, state_is, &w, 4000));
	t_net_down(&t);
	T_PASS();
}
