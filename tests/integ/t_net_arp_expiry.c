/* Neighbour cache ageing with a live peer (IPv4 and IPv6): a confirmed
 * entry turns STALE after the reachable time, keeps working, and its next
 * use sends one unicast probe whose answer makes it REACHABLE again; an
 * entry unused for the gc time is freed, and the next packet resolves
 * afresh.  Short timeouts via nm_neigh_set_params. */
#include "t_net.h"

struct want {
	struct nm_addr ip;
	enum nm_neigh_state s;
};

static bool state_is(struct t_net *t, void *arg)
{
	struct want *w = arg;

	return nm_neigh_state(t_iface(t->sa), &w->ip, NULL) == w->s;
}

static bool replies(struct t_net *t, void *want)
{
	struct nm_stack_stats s = t_stats(t->sa);

	return s.icmp_echo_reply_in + s.icmp6_echo_reply_in >= *(uint64_t *)want;
}

static void age(struct t_net *t, const char *ip, bool v6, uint64_t *nreplies)
{
	struct want w = { .ip = t_addr(ip) };
	uint8_t pl[32] = { 0 };
	uint64_t probes0;

	T_OK(nm_icmp_echo_send(t->sa, &w.ip, 1, 1, pl, sizeof(pl)));
	++*nreplies;
	T_ASSERT(t_net_until(t, replies, nreplies, 2000));
	w.s = NM_NEIGH_REACHABLE;
	T_ASSERT(state_is(t, &w));
	uint64_t t0 = t_now_ms();
	w.s = NM_NEIGH_STALE;
	T_ASSERT(t_net_until(t, state_is, &w, 2000));
	T_ASSERT(t_now_ms() - t0 >= 90);	/* not before the reachable time */
	/* still used: the echo goes at once, one unicast probe after delay */
	probes0 = v6 ? t_stats(t->sa).nd_solicits : t_stats(t->sa).arp_requests;
	T_OK(nm_icmp_echo_send(t->sa, &w.ip, 1, 2, pl, sizeof(pl)));
	++*nreplies;
	T_ASSERT(t_net_until(t, replies, nreplies, 2000));
	w.s = NM_NEIGH_REACHABLE;
	T_ASSERT(t_net_until(t, state_is, &w, 2000));
	T_EQ(v6 ? t_stats(t->sa).nd_solicits : t_stats(t->sa).arp_requests, probes0 + 1);
	/* unused: STALE, then gone */
	w.s = NM_NEIGH_NONE;
	T_ASSERT(t_net_until(t, state_is, &w, 3000));
	/* and resolved afresh */
	T_OK(nm_icmp_echo_send(t->sa, &w.ip, 1, 3, pl, sizeof(pl)));
	T_EQ(nm_neigh_state(t_iface(t->sa), &w.ip, NULL), NM_NEIGH_INCOMPLETE);
	++*nreplies;
	T_ASSERT(t_net_until(t, replies, nreplies, 2000));
}

int main(void)
{
	struct t_net t;
	struct nm_neigh_params np = { .retrans_us = 50000, .reachable_us = 100000,
				      .gc_us = 300000, .delay_us = 20000 };
	uint64_t n = 0;

	t_net_up_mtu(&t, 1500);
	T_OK(nm_neigh_set_params(t_iface(t.sa), &np));
	T_OK(nm_neigh_set_params(t_iface(t.sb), &np));
	age(&t, "198.18.0.2", false, &n);
	age(&t, "2001:2::2", true, &n);
	struct nm_stack_stats s = t_stats(t.sa);
	T_EQ(s.arp_resolved, 2);
	T_EQ(s.nd_resolved, 2);
	T_EQ(s.arp_timeouts + s.nd_timeouts + s.neigh_failed_dropped, 0);
	t_net_down(&t);
	T_PASS();
}
