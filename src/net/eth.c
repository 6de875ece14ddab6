/* SPDX-License-Identifier: MIT */
/*
 * Ethernet in and out.
 *
 * In: accept frames to our MAC, broadcast, and the IPv6 multicast groups
 * we are in (all-nodes ff02::1 and the solicited-node groups of our IPv6
 * addresses); demultiplex ARP / IPv4 / IPv6.  Everything else is dropped
 * and counted: short frames (eth_bad), other destinations (eth_not_ours),
 * VLAN-tagged frames (eth_vlan_dropped: no VLAN support), other
 * ethertypes (eth_unknown_type).  So rx_frames == eth_* drops + frames
 * handed to ARP, IPv4 and IPv6.
 *
 * Out: push the 14-byte header and hand the frame down to dev.c's
 * nm_dev_queue_xmit(), net/'s one way out to the NIC.
 * Workload: every frame; a few compares on the fast path.
 */
#include <string.h>

#include "net/ip.h"
#include "nic/pkt.h"
#include "util/err.h"

static bool eth_mcast6_ours(const struct nm_iface *ifc, const uint8_t *mac)
{
	if (mac[0] != 0x33 || mac[1] != 0x33)
		return false;
	/* all-nodes 33:33:00:00:00:01 */
	if (mac[2] == 0 && mac[3] == 0 && mac[4] == 0 && mac[5] == 1)
		return true;
	/* solicited-node 33:33:ff:XX:XX:XX of our addresses */
	if (mac[2] != 0xff)
		return false;
	if (!memcmp(mac + 3, ifc->ll6.b + 13, 3))
		return true;
	return ifc->has6 && !memcmp(mac + 3, ifc->addr6.b + 13, 3);
}

void nm_eth_rcv(struct nm_iface *ifc, struct nm_skb *skb)
{
	struct nm_stack_stats *s = &ifc->st->stats;
	const uint8_t *h = skb->data;
	uint16_t type;

	if (skb->linear < NM_ETH_HLEN) {
		s->eth_bad++;
		goto drop;
	}
	if (memcmp(h, ifc->mac, 6) != 0) {
		bool bcast = (h[0] & h[1] & h[2] & h[3] & h[4] & h[5]) == 0xff;

		if (!bcast && !eth_mcast6_ours(ifc, h)) {
			s->eth_not_ours++;
			goto drop;
		}
	}
	type = nm_get16(h + 12);
	skb->iface = ifc;
	skb->l3_off = NM_ETH_HLEN;
	nm_skb_pull(skb, NM_ETH_HLEN);
	switch (type) {
	case NM_ETH_P_IPV4:
		nm_ipv4_rcv(ifc, skb);
		return;
	case NM_ETH_P_IPV6:
		nm_ipv6_rcv(ifc, skb);
		return;
	case NM_ETH_P_ARP:
		nm_arp_rcv(ifc, skb);
		return;
	case NM_ETH_P_8021Q:
	case NM_ETH_P_8021AD:
		s->eth_vlan_dropped++;
		goto drop;
	default:
		s->eth_unknown_type++;
		goto drop;
	}
drop:
	nm_skb_free(skb);
}

int nm_eth_output(struct nm_iface *ifc, struct nm_skb *skb, const uint8_t dst[6],
		  uint16_t ethertype)
{
	uint8_t *h;

	if (!ifc || !skb || !dst) {
		nm_skb_free(skb);
		return nm_err(EINVAL, "NULL argument");
	}
	h = nm_skb_push(skb, NM_ETH_HLEN);
	if (!h) {
		nm_skb_free(skb);
		return nm_err(ENOSPC, "no headroom for the Ethernet header");
	}
	memcpy(h, dst, 6);
	memcpy(h + 6, ifc->mac, 6);
	nm_put16(h + 12, ethertype);
	return nm_dev_queue_xmit(ifc, skb);
}
