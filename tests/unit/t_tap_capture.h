/* SPDX-License-Identifier: MIT */
#ifndef NM_T_TAP_CAPTURE_H
#define NM_T_TAP_CAPTURE_H

/*
 * The wire of a TAP test, seen and forged from the kernel's side: one raw
 * AF_PACKET socket bound to the TAP device.
 *
 *	int fd = t_cap_open(nm_wire_tap_ifindex(w));
 *	while ((len = t_cap_next(fd, f, sizeof(f), &from_netmem)) > 0) ...
 *	t_cap_inject(fd, ifindex, frame, len);	// to netmem, as if the kernel sent it
 *
 * Frames netmem writes into the TAP are received by the kernel
 * (PACKET_HOST and friends: from_netmem), frames the kernel sends to
 * netmem are outgoing (PACKET_OUTGOING).  A frame the socket injects goes
 * out of the TAP to netmem; the socket does not see its own injections.
 * t_cap_tcp() reads the 4-tuple and flags of an IPv4 TCP frame.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "t_util.h"

static inline int t_cap_open(int ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	T_ASSERT(ifindex > 0);
	if (fd < 0)
		T_FAIL("AF_PACKET socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		T_FAIL("AF_PACKET bind: %s", strerror(errno));
	return fd;
}

/* The next captured frame, without waiting: its length, 0 if none. */
static inline size_t t_cap_next(int fd, uint8_t *f, size_t cap, bool *from_netmem)
{
	struct sockaddr_ll sll;
	socklen_t sl = sizeof(sll);
	ssize_t r = recvfrom(fd, f, cap, MSG_DONTWAIT, (struct sockaddr *)&sll, &sl);

	if (r < 0) {
		if (errno != EAGAIN)
			T_FAIL("capture: %s", strerror(errno));
		return 0;
	}
	*from_netmem = sll.sll_pkttype != PACKET_OUTGOING;
	return (size_t)r;
}

static inline void t_cap_inject(int fd, int ifindex, const uint8_t *f, size_t len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex,
				   .sll_halen = 6 };

	memcpy(sll.sll_addr, f, 6);
	if (sendto(fd, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len)
		T_FAIL("inject: sendto: %s", strerror(errno));
}

struct t_cap_tcp {
	uint32_t saddr, daddr, seq, ack;	/* host order */
	uint16_t sport, dport;
	uint8_t flags;
	uint32_t plen;				/* payload bytes */
};

/* Parse an Ethernet/IPv4/TCP frame; false for anything else. */
static inline bool t_cap_tcp(const uint8_t *f, size_t len, struct t_cap_tcp *t)
{
	uint32_t ihl, doff, tot;
	const uint8_t *ip = f + 14, *th;

	if (len < 14 + 20 + 20 || f[12] != 0x08 || f[13] != 0x00 || (ip[0] >> 4) != 4 ||
	    ip[9] != 6)
		return false;
	ihl = (uint32_t)(ip[0] & 15) * 4;
	tot = (uint32_t)ip[2] << 8 | ip[3];
	if (14 + ihl + 20 > len)
		return false;
	th = ip + ihl;
	doff = (uint32_t)(th[12] >> 4) * 4;
	t->saddr = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
	t->daddr = (uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 | (uint32_t)ip[18] << 8 | ip[19];
	t->sport = (uint16_t)(th[0] << 8 | th[1]);
	t->dport = (uint16_t)(th[2] << 8 | th[3]);
	t->seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
	t->ack = (uint32_t)th[8] << 24 | (uint32_t)th[9] << 16 | (uint32_t)th[10] << 8 | th[11];
	t->flags = th[13];
	t->plen = tot > ihl + doff ? tot - ihl - doff : 0;
	return true;
}

#endif /* NM_T_TAP_CAPTURE_H */
