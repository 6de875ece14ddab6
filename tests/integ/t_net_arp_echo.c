/* Two stacks on an shm wire: A pings B over IPv4.  A has no ARP entry,
 * so the echo waits in the entry's queue while A ARPs; B answers the
 * request (and learns A from it), A sends the queued echo, B replies, A
 * receives the reply.  Then echoes of several sizes, including ones whose
 * linear part exceeds the NIC's 512-byte header limit (the bounce buffer),
 * and several echoes queued behind one resolution. */
#include "t_net.h"

static bool replies(struct t_net *t, void *want)
{
	return t_stats(t->sa).icmp_echo_reply_in >= *(uint64_t *)want;
}

int main(void)
{
	struct t_net t;
	struct nm_addr b4 = t_addr("198.18.0.2"), a4 = t_addr("198.18.0.1");
	uint8_t payload[1600], mac[6];
	uint64_t want;

	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	t_net_up_mtu(&t, 1500);

	/* 1. resolution with a queued packet */
	T_EQ(nm_neigh_state(t_iface(t.sa), &b4, NULL), NM_NEIGH_NONE);
	T_OK(nm_icmp_echo_send(t.sa, &b4, 0x1234, 1, payload, 56));
	T_EQ(nm_neigh_state(t_iface(t.sa), &b4, NULL), NM_NEIGH_INCOMPLETE);
	struct nm_stack_stats sa = t_stats(t.sa);
	T_EQ(sa.neigh_queued, 1);
	T_EQ(sa.arp_requests, 1);
	T_EQ(sa.tx_frames, 1);		/* the request; the echo waits */
	want = 1;
	T_ASSERT(t_net_until(&t, replies, &want, 3000));
	sa = t_stats(t.sa);
	struct nm_stack_stats sb = t_stats(t.sb);
	T_EQ(sa.arp_resolved, 1);
	T_EQ(sb.arp_replies, 1);
	/* B learnt A from the request (STALE): no broadcast resolution, at
	 * most the one unicast probe its first use starts */
	T_ASSERT(sb.arp_requests <= 1);
	T_EQ(sb.icmp_echo_replied, 1);
	T_EQ(t.sa->echo_last_id, 0x1234);
	T_EQ(t.sa->echo_last_seq, 1);
	T_EQ(t.sa->echo_last_len, 56);
	T_EQ(nm_neigh_state(t_iface(t.sa), &b4, mac), NM_NEIGH_REACHABLE);
	T_ASSERT(!memcmp(mac, t_mac_b, 6));
	enum nm_neigh_state s = nm_neigh_state(t_iface(t.sb), &a4, mac);
	T_ASSERT(s == NM_NEIGH_STALE || s == NM_NEIGH_REACHABLE);
	T_ASSERT(!memcmp(mac, t_mac_a, 6));

	/* 2. sizes up to the MTU (20 + 8 + 1472 = 1500) */
	static const uint32_t sizes[] = { 0, 1, 100, 483, 484, 485, 1000, 1400, 1471, 1472 };
	for (unsigned i = 0; i < NM_ARRAY_SIZE(sizes); i++) {
		T_OK(nm_icmp_echo_send(t.sa, &b4, 0x1234, (uint16_t)(10 + i), payload, sizes[i]));
		want++;
		T_ASSERT(t_net_until(&t, replies, &want, 2000));
		T_EQ(t.sa->echo_last_seq, 10 + i);
		T_EQ(t.sa->echo_last_len, sizes[i]);
	}
	/* one byte more does not fit the MTU: refused at once */
	T_ERR(nm_icmp_echo_send(t.sa, &b4, 1, 1, payload, 1473), -EMSGSIZE);

	/* 3. B pings A: A's entry for B is REACHABLE, B's for A known, no ARP */
	uint64_t arps = t_stats(t.sa).arp_requests + t_stats(t.sb).arp_requests;
	T_OK(nm_icmp_echo_send(t.sb, &a4, 7, 7, payload, 32));
	uint64_t w2 = 1;
	uint64_t end = t_now_ms() + 2000;
	while (t_stats(t.sb).icmp_echo_reply_in < w2 && t_now_ms() < end)
		t_net_poll1(&t);
	T_EQ(t_stats(t.sb).icmp_echo_reply_in, 1);
	T_EQ(t.sb->echo_last_len, 32);
	/* B's entry for A was STALE (learnt from a request): its use sends one
	 * unicast probe, nothing more */
	T_ASSERT(t_stats(t.sa).arp_requests + t_stats(t.sb).arp_requests <= arps + 1);

	/* 4. the stacks' own counters agree */
	sa = t_stats(t.sa);
	sb = t_stats(t.sb);
	T_EQ(sa.ip4_in, sa.ip4_bad_header + sa.ip4_fragments + sa.ip4_not_ours + sa.ip4_delivered +
				sa.ip4_unknown_proto);
	T_EQ(sb.icmp_echo_replied, 1 + NM_ARRAY_SIZE(sizes));
	T_EQ(sa.tx_errors + sb.tx_errors, 0);
	T_EQ(sa.neigh_failed_dropped + sa.neigh_queue_overflow, 0);
	t_net_down(&t);
	T_PASS();
}
