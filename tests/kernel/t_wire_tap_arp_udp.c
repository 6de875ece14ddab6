/* SPDX-License-Identifier: MIT */
/*
 * The kernel as the sender: a UDP datagram from a kernel socket to
 * 198.18.0.2 first makes the kernel ask for our MAC (ARP who-has, read from
 * the wire); our ARP reply teaches it our MAC (seen in its neighbour table)
 * and releases the queued datagram, which we parse by hand.  With offloads
 * the kernel leaves the UDP checksum to us (NEEDS_CSUM in the meta).
 */
#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "t_kernel.h"
#include "nic/wire_drv.h"

#define DPORT 9

static const char payload[] = "netmem tap: kernel to wire, 0123456789";

static bool pred_udp(const uint8_t *f, size_t len, void *arg)
{
	(void)arg;
	return t_is_ipv4(f, len, T_IPPROTO_UDP) && len >= 42 && t_get16(f + 36) == DPORT;
}

int main(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(DPORT) };
	struct t_arp_match who_has = { .op = 1, .tpa = t_our_ip };
	uint8_t f[2048], kmac[6], reply[42], nmac[6] = { 0 };
	struct nm_wire_stats st;
	struct nm_wire_meta meta;
	struct nm_wire *w;
	struct nm_rtnl nl;
	const uint8_t *udp;
	uint16_t state = 0;
	uint64_t end;
	size_t len, ulen;
	int r, s;

	r = t_enter_netns();
	if (r)
		return r;
	t_no_ipv6();
	w = t_tap_open(true, NULL);
	t_tap_kernel_mac(w, kmac);

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	T_ASSERT(s >= 0);
	memcpy(&to.sin_addr, t_our_ip, 4);
	T_EQ(sendto(s, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to)),
	     sizeof(payload));

	/* 1. ARP who-has 198.18.0.2 tell 198.18.0.1, from the kernel's MAC. */
	len = t_tap_wait(w, f, sizeof(f), &meta, t_pred_arp, &who_has, 3000, "ARP request");
	T_ASSERT(len >= 42);
	T_ASSERT(!memcmp(f, t_bcast_mac, 6));
	T_ASSERT(!memcmp(f + 6, kmac, 6));
	T_EQ(t_get16(f + 14), 1);		/* Ethernet */
	T_EQ(t_get16(f + 16), T_ETH_IP);
	T_ASSERT(!memcmp(f + 22, kmac, 6));	/* sender MAC */
	T_ASSERT(!memcmp(f + 28, t_host_ip, 4));	/* sender IP */
	T_EQ(meta.gso_type, NM_WIRE_GSO_NONE);

	/* 2. Our reply: 198.18.0.2 is at 02:00:00:00:00:02. */
	t_eth(reply, kmac, t_our_mac, T_ETH_ARP);
	t_arp(reply + 14, 2, t_our_mac, t_our_ip, kmac, t_host_ip);
	t_tap_send(w, reply, sizeof(reply), NULL);

	/* 3. The queued datagram, addressed to our MAC. */
	len = t_tap_wait(w, f, sizeof(f), &meta, pred_udp, NULL, 3000, "UDP datagram");
	T_ASSERT(!memcmp(f, t_our_mac, 6));
	T_ASSERT(!memcmp(f + 6, kmac, 6));
	T_EQ(f[14], 0x45);
	T_EQ(t_get16(f + 16), 20 + 8 + sizeof(payload));	/* IP total length */
	T_EQ(t_csum(t_sum(f + 14, 20, 0)), 0);			/* IP header checksum */
	T_ASSERT(!memcmp(f + 26, t_host_ip, 4));
	T_ASSERT(!memcmp(f + 30, t_our_ip, 4));
	udp = f + 34;
	ulen = t_get16(udp + 4);
	T_EQ(ulen, 8 + sizeof(payload));
	T_EQ(len, 34 + ulen);
	T_ASSERT(!memcmp(udp + 8, payload, sizeof(payload)));

	/* The kernel left the checksum to the wire's far end: the field
	 * holds the pseudo-header sum; finishing it must give a checksum
	 * that verifies. */
	T_EQ(meta.flags & NM_WIRE_F_NEEDS_CSUM, NM_WIRE_F_NEEDS_CSUM);
	T_EQ(meta.csum_start, 34);
	T_EQ(meta.csum_offset, 6);
	{
		uint8_t u[2048];
		uint16_t c;

		memcpy(u, udp, ulen);
		c = t_csum(t_sum(u, ulen, 0));
		t_put16(u + 6, c);
		T_EQ(t_fold(t_pseudo4(t_host_ip, t_our_ip, T_IPPROTO_UDP, ulen) +
			    t_sum(u, ulen, 0)), 0xffff);
	}

	/* 4. The kernel's neighbour table has our MAC now. */
	T_OK(nm_rtnl_open(&nl));
	end = t_now_ms() + 2000;
	for (;;) {
		T_OK(nm_rtnl_neigh_get(&nl, nm_wire_tap_ifindex(w), AF_INET, t_our_ip, nmac,
				       &state));
		if (state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT))
			break;
		T_ASSERT(t_now_ms() < end);
		usleep(10000);
	}
	T_ASSERT(!memcmp(nmac, t_our_mac, 6));
	nm_rtnl_close(&nl);

	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.tx_frames, 1);
	T_EQ(st.tx_bytes, sizeof(reply));
	T_ASSERT(st.rx_frames >= 2);
	T_EQ(st.rx_truncated, 0);

	close(s);
	nm_wire_destroy(w);
	T_PASS();
}
