/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink link and address changes reach the kernel, checked through
 * other interfaces (SIOCGIFFLAGS/SIOCGIFMTU/SIOCGIFHWADDR, getifaddrs):
 * MTU, up/down, MAC, IPv4 and IPv6 addresses (adding twice replaces), and
 * route lookups (local, via the prefix, unreachable), and
 * the kernel's refusals come back as -errno with its message (MTU below
 * the device minimum).  Works on a TAP made with plain ioctls, so the
 * wire code is not involved.  Root only, in its own namespace.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_addr.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>
#include <time.h>

#include "nic/rtnl.h"
#include "t_kernel.h"
#include "t_util.h"

static int count_addr(const char *ifname, int family, const char *want)
{
	struct ifaddrs *ifa, *i;
	char s[INET6_ADDRSTRLEN];
	int n = 0;

	T_OK(getifaddrs(&ifa));
	for (i = ifa; i; i = i->ifa_next) {
		const void *a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != family || strcmp(i->ifa_name, ifname))
			continue;
		a = family == AF_INET ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
				      : (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		inet_ntop(family, a, s, sizeof(s));
		n += !strcmp(s, want);
	}
	freeifaddrs(ifa);
	return n;
}

static struct ifreq ifreq_of(int sock, unsigned long req, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	T_OK(ioctl(sock, req, &ifr));
	return ifr;
}

int main(void)
{
	static const uint8_t mac[6] = { 0x02, 0x6e, 0x6d, 0, 0, 0xaa };
	struct nm_rtnl_prefix a4, a6;
	struct nm_rtnl_link l;
	struct nm_rtnl nl;
	struct ifreq ifr;
	int r, tfd, s, idx;

	r = t_enter_netns();
	if (r)
		return r;
	tfd = t_tap_plain("nmtap0");
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	T_ASSERT(s >= 0);

	T_OK(nm_rtnl_open(&nl));
	idx = T_OK(nm_rtnl_link_index(&nl, "nmtap0"));
	T_EQ(idx, if_nametoindex("nmtap0"));

	/* MTU. */
	T_OK(nm_rtnl_link_set_mtu(&nl, idx, 9000));
	T_EQ(ifreq_of(s, SIOCGIFMTU, "nmtap0").ifr_mtu, 9000);
	T_ERR(nm_rtnl_link_set_mtu(&nl, idx, 10), -EINVAL);
	printf("kernel says: %s\n", nm_last_error());
	T_EQ(ifreq_of(s, SIOCGIFMTU, "nmtap0").ifr_mtu, 9000);
	T_OK(nm_rtnl_link_get(&nl, idx, &l));
	T_EQ(l.mtu, 9000);

	/* Up and down. */
	T_ASSERT(!(ifreq_of(s, SIOCGIFFLAGS, "nmtap0").ifr_flags & IFF_UP));
	T_OK(nm_rtnl_link_set_up(&nl, idx, true));
	T_ASSERT(ifreq_of(s, SIOCGIFFLAGS, "nmtap0").ifr_flags & IFF_UP);
	T_OK(nm_rtnl_link_get(&nl, idx, &l));
	T_ASSERT(l.flags & IFF_UP);
	T_OK(nm_rtnl_link_set_up(&nl, idx, false));
	T_ASSERT(!(ifreq_of(s, SIOCGIFFLAGS, "nmtap0").ifr_flags & IFF_UP));

	/* MAC. */
	T_OK(nm_rtnl_link_set_mac(&nl, idx, mac));
	T_ASSERT(!memcmp(ifreq_of(s, SIOCGIFHWADDR, "nmtap0").ifr_hwaddr.sa_data, mac, 6));
	T_OK(nm_rtnl_link_get(&nl, idx, &l));
	T_ASSERT(l.has_mac && !memcmp(l.mac, mac, 6));

	/* Addresses; a second add replaces rather than failing. */
	T_OK(nm_rtnl_prefix_parse("198.18.1.1/24", &a4));
	T_OK(nm_rtnl_prefix_parse("2001:2:0:1::1/64", &a6));
	T_OK(nm_rtnl_addr_add(&nl, idx, &a4, 0));
	T_OK(nm_rtnl_addr_add(&nl, idx, &a4, 0));
	T_OK(nm_rtnl_addr_add(&nl, idx, &a6, IFA_F_NODAD));
	T_OK(nm_rtnl_addr_add(&nl, idx, &a6, IFA_F_NODAD));
	T_EQ(count_addr("nmtap0", AF_INET, "198.18.1.1"), 1);
	T_EQ(count_addr("nmtap0", AF_INET6, "2001:2:0:1::1"), 1);
	T_EQ(count_addr("lo", AF_INET, "198.18.1.1"), 0);
	{
		struct sockaddr_in *b;

		ifr = ifreq_of(s, SIOCGIFBRDADDR, "nmtap0");
		b = (struct sockaddr_in *)&ifr.ifr_broadaddr;
		T_EQ(ntohl(b->sin_addr.s_addr), 0xc61201ff);	/* 198.18.1.255 */
	}

	/* Routes: the address is local once the link is up, its neighbours
	 * are reached through the prefix, other nets are unreachable. */
	T_OK(nm_rtnl_link_set_up(&nl, idx, true));
	{
		static const uint8_t peer[4] = { 198, 18, 1, 2 }, far[4] = { 198, 19, 0, 1 };
		static const uint8_t peer6[16] = { 0x20, 0x01, 0, 2, 0, 0, 0, 1, [15] = 2 };
		uint64_t end;
		int type;

		T_EQ(nm_rtnl_route_type(&nl, AF_INET, a4.addr), RTN_LOCAL);
		T_EQ(nm_rtnl_route_type(&nl, AF_INET, peer), RTN_UNICAST);
		T_ERR(nm_rtnl_route_type(&nl, AF_INET, far), -ENETUNREACH);
		T_EQ(nm_rtnl_route_type(&nl, AF_INET6, peer6), RTN_UNICAST);
		/* IPv6 turns local asynchronously (a work item after link up). */
		end = t_now_ms() + 3000;
		while ((type = nm_rtnl_route_type(&nl, AF_INET6, a6.addr)) != RTN_LOCAL) {
			T_ASSERT(t_now_ms() < end);
			usleep(1000);
		}
	}

	/* Gone: -ENODEV. */
	close(tfd);
	T_ERR(nm_rtnl_link_set_up(&nl, idx, true), -ENODEV);
	T_ERR(nm_rtnl_link_index(&nl, "nmtap0"), -ENODEV);

	nm_rtnl_close(&nl);
	close(s);
	T_PASS();
}
