/* Echoes on a 9000-byte MTU, IPv4 and IPv6: requests larger than a host
 * header buffer may arrive as a linear part plus readable frags (the reply
 * copies them out with nm_skb_copy_bits), and replies larger than the
 * NIC's header limit leave through the bounce buffer.  The payload comes back
 * intact (checked by the ICMP checksum and the recorded length). */
#include "t_net.h"

static bool replies(struct t_net *t, void *want)
{
	struct nm_stack_stats s = t_stats(t->sa);

	return s.icmp_echo_reply_in + s.icmp6_echo_reply_in >= *(uint64_t *)want;
}

int main(void)
{
	static uint8_t pl[9000];
	static const uint32_t sizes[] = { 100, 3000, 4096, 5000, 8972 };
	struct t_net t;
	uint64_t want = 0;

	for (unsigned i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i * 7 + 3);
	t_net_up_mtu(&t, 9000);
	struct nm_addr b4 = t_addr("198.18.0.2"), b6 = t_addr("2001:2::2");
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		T_OK(nm_icmp_echo_send(t.sa, &b4, 1, (uint16_t)i, pl, sizes[i]));
		want++;
		T_ASSERT(t_net_until(&t, replies, &want, 2000));
		T_EQ(t.sa->echo_last_len, sizes[i]);
		T_OK(nm_icmp_echo_send(t.sa, &b6, 1, (uint16_t)i, pl, sizes[i] - 20));
		want++;
		T_ASSERT(t_net_until(&t, replies, &want, 2000));
		T_EQ(t.sa->echo_last_len, sizes[i] - 20);
	}
	T_ERR(nm_icmp_echo_send(t.sa, &b4, 1, 1, pl, 8973), -EMSGSIZE);
	struct nm_stack_stats sa = t_stats(t.sa), sb = t_stats(t.sb);
	T_EQ(sa.icmp_bad + sb.icmp_bad + sa.icmp6_bad + sb.icmp6_bad, 0);
	T_EQ(sb.icmp_echo_replied + sb.icmp6_echo_replied, want);
	T_EQ(sa.tx_errors + sb.tx_errors + sa.unreadable_dropped + sb.unreadable_dropped, 0);
	t_net_down(&t);
	T_PASS();
}
