/* ARP and Ethernet input rules, with the peer driven by hand: a request
 * for our address is answered and teaches us the sender (STALE); a request
 * for another address is ignored and teaches nothing; an unsolicited reply
 * and a gratuitous ARP for an unknown address create no entry, while a
 * gratuitous ARP with a new MAC updates a known one; an address probe
 * (sender 0.0.0.0) is answered but not learnt; malformed ARP, VLAN-tagged
 * frames, frames for another MAC and unknown ethertypes are dropped and
 * counted.  An NS for our link-local address is answered with an NA. */
#include "t_net.h"
#include "nic/csum.h"

static uint8_t in[2048];

/* Poll the stack a little; return the number of frames it sent, the
 * last one in `in`. */
static int exchange(struct t_raw *r, const uint8_t *f, uint32_t len)
{
	int sent = 0, k;

	if (f)
		T_OK(t_raw_send(r, f, len));
	for (int i = 0; i < 20; i++) {
		nm_stack_poll(r->st, 0);
		while ((k = t_raw_recv(r, in, sizeof(in))) > 0)
			sent++;
	}
	return sent;
}

int main(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mac_x[6] = { 0x02, 0, 0, 0, 0, 0x77 };
	static const uint8_t mac_y[6] = { 0x02, 0, 0, 0, 0, 0x78 };
	struct t_raw r;
	uint8_t f[256], mac[6];
	struct nm_iface *ifc;

	t_raw_up(&r, NM_STACK_BUSY_POLL);
	ifc = t_iface(r.st);
	struct nm_addr x = t_addr("198.18.0.7"), y = t_addr("198.18.0.8");

	/* request for us: answered, sender learnt as STALE */
	T_EQ(exchange(&r, f, t_arp_frame(f, bcast, 1, mac_x, "198.18.0.7", "198.18.0.2")), 1);
	T_EQ(nm_get16(in + 20), 2);
	T_ASSERT(!memcmp(in, mac_x, 6));
	T_ASSERT(!memcmp(in + 22, t_mac_b, 6));	/* our MAC, for our address */
	T_ASSERT(!memcmp(in + 32, mac_x, 6));
	T_EQ(nm_neigh_state(ifc, &x, mac), NM_NEIGH_STALE);
	T_ASSERT(!memcmp(mac, mac_x, 6));

	/* request for someone else: ignored, nothing learnt */
	T_EQ(exchange(&r, f, t_arp_frame(f, bcast, 1, mac_y, "198.18.0.8", "198.18.0.9")), 0);
	T_EQ(nm_neigh_state(ifc, &y, NULL), NM_NEIGH_NONE);
	/* unsolicited reply and gratuitous ARP about an unknown address */
	T_EQ(exchange(&r, f, t_arp_frame(f, t_mac_b, 2, mac_y, "198.18.0.8", "198.18.0.2")), 0);
	T_EQ(exchange(&r, f, t_arp_frame(f, bcast, 1, mac_y, "198.18.0.8", "198.18.0.8")), 0);
	T_EQ(exchange(&r, f, t_arp_frame(f, bcast, 2, mac_y, "198.18.0.8", "198.18.0.8")), 0);
	T_EQ(nm_neigh_state(ifc, &y, NULL), NM_NEIGH_NONE);
	/* gratuitous ARP moving a known address to a new MAC */
	T_EQ(exchange(&r, f, t_arp_frame(f, bcast, 1, mac_y, "198.18.0.7", "198.18.0.7")), 0);
	T_EQ(nm_neigh_state(ifc, &x, mac), NM_NEIGH_STALE);
	T_ASSERT(!memcmp(mac, mac_y, 6));
	/* a reply for a known entry confirms it */
	T_EQ(exchange(&r, f, t_arp_frame(f, t_mac_b, 2, mac_x, "198.18.0.7", "198.18.0.2")), 0);
	T_EQ(nm_neigh_state(ifc, &x, mac), NM_NEIGH_REACHABLE);
	T_ASSERT(!memcmp(mac, mac_x, 6));
	/* an address probe is answered, nothing learnt */
	T_EQ(exchange(&r, f, t_arp_frame(f, bcast, 1, mac_y, "0.0.0.0", "198.18.0.2")), 1);
	T_ASSERT(!memcmp(in, mac_y, 6));
	/* someone claiming our address: ignored */
	uint64_t ign = t_stats(r.st).arp_ignored;
	T_EQ(exchange(&r, f, t_arp_frame(f, bcast, 1, mac_y, "198.18.0.2", "198.18.0.5")), 0);
	T_EQ(t_stats(r.st).arp_ignored, ign + 1);

	/* malformed: wrong hardware length, wrong op, multicast sender */
	uint32_t n = t_arp_frame(f, bcast, 1, mac_y, "198.18.0.9", "198.18.0.2");
	f[18] = 8;
	T_EQ(exchange(&r, f, n), 0);
	n = t_arp_frame(f, bcast, 3, mac_y, "198.18.0.9", "198.18.0.2");
	T_EQ(exchange(&r, f, n), 0);
	n = t_arp_frame(f, bcast, 1, mac_y, "198.18.0.9", "198.18.0.2");
	f[22] |= 1;
	T_EQ(exchange(&r, f, n), 0);
	struct nm_stack_stats s = t_stats(r.st);
	struct nm_queue_stats q;
	T_OK(nm_netdev_get_stats(r.nd, &q, sizeof(q)));
	/* the NIC's parser already refuses some */
	T_EQ(s.arp_bad + q.drops[NM_RX_DROP_MALFORMED], 3);
	T_ASSERT(s.arp_bad >= 2);

	/* Ethernet: VLAN tag, another MAC, unknown type, IPv4 multicast MAC */
	n = t_arp_frame(f, t_mac_b, 1, mac_x, "198.18.0.7", "198.18.0.2");
	memmove(f + 16, f + 12, n - 12);	/* a proper 802.1Q tag, VID 5 */
	nm_put16(f + 12, 0x8100);
	nm_put16(f + 14, 5);
	T_EQ(exchange(&r, f, n + 4), 0);
	n = t_arp_frame(f, mac_y, 1, mac_x, "198.18.0.7", "198.18.0.2");
	T_EQ(exchange(&r, f, n), 0);
	n = t_arp_frame(f, t_mac_b, 1, mac_x, "198.18.0.7", "198.18.0.2");
	nm_put16(f + 12, 0x88cc);
	T_EQ(exchange(&r, f, n), 0);
	static const uint8_t mc4[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
	n = t_arp_frame(f, mc4, 1, mac_x, "198.18.0.7", "198.18.0.2");
	T_EQ(exchange(&r, f, n), 0);
	s = t_stats(r.st);
	T_EQ(s.eth_vlan_dropped, 1);
	T_EQ(s.eth_not_ours, 2);
	T_EQ(s.eth_unknown_type, 1);
	T_EQ(s.rx_frames, s.eth_bad + s.eth_not_ours + s.eth_vlan_dropped + s.eth_unknown_type +
				  s.arp_in + s.ip4_in + s.ip6_in);

	/* NS for our link-local address to its solicited-node group, from
	 * a link-local source with its link-layer option: an NA answers */
	const struct nm_addr *ll = &ifc->ll6;
	struct nm_addr src = t_addr("fe80::1"), sol;
	nm_addr6_solicited(&sol, ll);
	memset(f, 0, sizeof(f));
	nm_eth_mcast6(f, &sol);
	memcpy(f + 6, t_mac_a, 6);
	nm_put16(f + 12, 0x86dd);
	nm_ip6_fill_hdr(f + 14, &src, &sol, 58, 255, 32);
	uint8_t *m = f + 54;
	m[0] = 135;
	memcpy(m + 8, ll->b, 16);
	m[24] = 1;
	m[25] = 1;
	memcpy(m + 26, t_mac_a, 6);
	uint32_t sum = nm_csum_pseudo_v6(src.b, sol.b, 58, 32);
	nm_csum_st16(m + 2, nm_csum_fold(nm_csum_partial(m, 32, sum)));
	T_EQ(exchange(&r, f, 86), 1);
	T_EQ(nm_get16(in + 12), 0x86dd);
	T_EQ(in[20], 58);
	T_EQ(in[21], 255);	/* hop limit */
	T_EQ(in[54], 136);
	T_ASSERT(in[58] & 0x40);	/* solicited */
	T_ASSERT(!memcmp(in + 62, ll->b, 16));
	T_ASSERT(!memcmp(in, t_mac_a, 6));
	T_EQ(nm_neigh_state(ifc, &src, NULL), NM_NEIGH_STALE);
	/* the same NS with hop limit 64 is invalid (RFC 4861 7.1.1) */
	f[21] = 64;
	T_EQ(exchange(&r, f, 86), 0);
	T_EQ(t_stats(r.st).nd_bad, 1);
	t_raw_down(&r);
	T_PASS();
}
