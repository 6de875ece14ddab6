/* Two stacks on an shm wire: A pings B over IPv6.  A solicits B's MAC
 * (an NS to B's solicited-node group) with the echo queued; B answers
 * with a solicited NA (and learns A from the NS's source link-layer
 * option); A sends the echo; B replies.  Then the link-local address B
 * derives from its MAC (EUI-64) answers too, and echoes up to the MTU. */
#include "t_net.h"

static bool replies6(struct t_net *t, void *want)
{
	return t_stats(t->sa).icmp6_echo_reply_in >= *(uint64_t *)want;
}

int main(void)
{
	struct t_net t;
	struct nm_addr b6 = t_addr("2001:2::2"), a6 = t_addr("2001:2::1");
	struct nm_addr bll = t_addr("fe80::ff:fe00:b");
	uint8_t payload[1600], mac[6];
	uint64_t want = 1;

	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 13);
	t_net_up_mtu(&t, 1500);
	T_ASSERT(nm_addr_same(&t_iface(t.sb)->ll6, &bll));

	T_OK(nm_icmp_echo_send(t.sa, &b6, 0x4321, 1, payload, 56));
	T_EQ(nm_neigh_state(t_iface(t.sa), &b6, NULL), NM_NEIGH_INCOMPLETE);
	T_EQ(t_stats(t.sa).nd_solicits, 1);
	T_EQ(t_stats(t.sa).neigh_queued, 1);
	T_ASSERT(t_net_until(&t, replies6, &want, 3000));
	struct nm_stack_stats sa = t_stats(t.sa), sb = t_stats(t.sb);
	T_EQ(sa.nd_resolved, 1);
	T_ASSERT(sb.nd_adverts >= 1);
	T_EQ(sb.icmp6_echo_replied, 1);
	T_EQ(sb.nd_bad + sa.nd_bad + sa.icmp6_bad + sb.icmp6_bad, 0);
	T_EQ(t.sa->echo_last_id, 0x4321);
	T_EQ(t.sa->echo_last_len, 56);
	T_EQ(nm_neigh_state(t_iface(t.sa), &b6, mac), NM_NEIGH_REACHABLE);
	T_ASSERT(!memcmp(mac, t_mac_b, 6));
	enum nm_neigh_state s = nm_neigh_state(t_iface(t.sb), &a6, mac);
	T_ASSERT(s == NM_NEIGH_STALE || s == NM_NEIGH_REACHABLE);
	T_ASSERT(!memcmp(mac, t_mac_a, 6));

	/* the link-local address: a new resolution, from A's link-local */
	T_OK(nm_icmp_echo_send(t.sa, &bll, 0x4321, 2, payload, 100));
	want++;
	T_ASSERT(t_net_until(&t, replies6, &want, 3000));
	T_EQ(t.sa->echo_last_seq, 2);
	T_EQ(nm_neigh_state(t_iface(t.sa), &bll, NULL), NM_NEIGH_REACHABLE);

	/* sizes up to the MTU: 40 + 8 + 1452 = 1500 */
	static const uint32_t sizes[] = { 0, 1, 463, 464, 465, 1000, 1400, 1452 };
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		T_OK(nm_icmp_echo_send(t.sa, &b6, 0x4321, (uint16_t)(10 + i), payload, sizes[i]));
		want++;
		T_ASSERT(t_net_until(&t, replies6, &want, 2000));
		T_EQ(t.sa->echo_last_seq, 10 + i);
		T_EQ(t.sa->echo_last_len, sizes[i]);
	}
	T_ERR(nm_icmp_echo_send(t.sa, &b6, 1, 1, payload, 1453), -EMSGSIZE);

	/* no route: an IPv6 destination outside 2001:2::/64 without gw6 */
	struct nm_addr far = t_addr("2001:3::1");
	T_ERR(nm_icmp_echo_send(t.sa, &far, 1, 1, payload, 1), -ENETUNREACH);
	T_EQ(t_stats(t.sa).ip6_no_route, 1);

	sa = t_stats(t.sa);
	sb = t_stats(t.sb);
	T_EQ(sb.ip6_in, sb.ip6_bad_header + sb.ip6_fragments + sb.ip6_not_ours + sb.ip6_delivered +
				sb.ip6_unknown_proto);
	T_EQ(sa.tx_errors + sb.tx_errors, 0);
	T_EQ(sa.neigh_failed_dropped + sa.neigh_queue_overflow, 0);
	t_net_down(&t);
	T_PASS();
}
