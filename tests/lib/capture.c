/* SPDX-License-Identifier: MIT */
/*
 * The wire of a TAP test, seen and forged from the kernel's side
 * (t_kernel.h): one raw AF_PACKET socket bound to the TAP device.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>

#include "t_kernel.h"

int t_cap_open(int ifindex)
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

size_t t_cap_next(int fd, uint8_t *f, size_t cap, bool *from_netmem)
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

void t_cap_inject(int fd, int ifindex, const uint8_t *f, size_t len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex,
				   .sll_halen = 6 };

	memcpy(sll.sll_addr, f, 6);
	if (sendto(fd, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len)
		T_FAIL("inject: sendto: %s", strerror(errno));
}
