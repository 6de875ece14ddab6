/* SPDX-License-Identifier: MIT */
/*
 * The kernel answers us: our ARP who-has 198.18.0.1 written to the wire
 * brings back an ARP reply from the kernel's MAC, addressed to ours.
 */
#include <arpa/inet.h>
#include <linux/neighbour.h>

#include "t_kernel.h"

int main(void)
{
	static const uint8_t zero_mac[6];
	struct t_arp_match is_at = { .op = 2, .tpa = t_our_ip };
	uint8_t req[42], f[2048], kmac[6], nmac[6] = { 0 };
	struct nm_rtnl nl;
	struct nm_wire *w;
	uint16_t state = 0;
	size_t len;
	int r;

	r = t_enter_netns();
	if (r)
		return r;
	t_no_ipv6();
	w = t_tap_open(true, NULL);
	t_tap_kernel_mac(w, kmac);

	t_eth(req, t_bcast_mac, t_our_mac, T_ETH_ARP);
	t_arp(req + 14, 1, t_our_mac, t_our_ip, zero_mac, t_host_ip);
	t_tap_send(w, req, sizeof(req), NULL);

	len = t_tap_wait(w, f, sizeof(f), NULL, t_pred_arp, &is_at, 3000, "ARP reply");
	T_ASSERT(len >= 42);
	T_ASSERT(!memcmp(f, t_our_mac, 6));		/* unicast to us */
	T_ASSERT(!memcmp(f + 6, kmac, 6));
	T_ASSERT(!memcmp(f + 22, kmac, 6));		/* sender MAC: the kernel's */
	T_ASSERT(!memcmp(f + 28, t_host_ip, 4));	/* 198.18.0.1 is at ... */
	T_ASSERT(!memcmp(f + 32, t_our_mac, 6));	/* target: us */

	/* A request also teaches the kernel who asked. */
	T_OK(nm_rtnl_open(&nl));
	T_OK(nm_rtnl_neigh_get(&nl, nm_wire_tap_ifindex(w), AF_INET, t_our_ip, nmac, &state));
	T_ASSERT(!memcmp(nmac, t_our_mac, 6));
	T_ASSERT(state != NUD_INCOMPLETE && state != NUD_FAILED);
	nm_rtnl_close(&nl);

	nm_wire_destroy(w);
	T_PASS();
}
