/* SPDX-License-Identifier: MIT */
/*
 * Creating versus attaching, and the kernel-side configuration:
 *  - a persistent TAP made beforehand is attached to, not recreated (same
 *    ifindex), and survives the wire's destroy;
 *  - a TAP in use by another file is -EBUSY; a device that is no TAP
 *    ("lo") is -EINVAL;
 *  - a name pattern ("nmt%d") gets the kernel's name in w->name, and a
 *    TAP the wire created goes away with it;
 *  - mtu, addresses and link state reach the kernel (checked through
 *    rtnetlink and getifaddrs), the host addresses local (routable to
 *    the kernel) as soon as open returns; a wire on a link that is down refuses to
 *    send with -ENETDOWN until the link comes up.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include "t_kernel.h"
#include "nic/wire_drv.h"

static bool has_addr(const char *ifname, int family, const char *want)
{
	struct ifaddrs *ifa, *i;
	char s[INET6_ADDRSTRLEN];
	bool found = false;

	T_OK(getifaddrs(&ifa));
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != family || strcmp(i->ifa_name, ifname))
			continue;
		if (family == AF_INET)
			inet_ntop(family, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, s, sizeof(s));
		else
			inet_ntop(family, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, s,
				  sizeof(s));
		found |= !strcmp(s, want);
	}
	freeifaddrs(ifa);
	return found;
}

static void make_persistent(const char *name, int persist)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	T_ASSERT(fd >= 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	T_OK(ioctl(fd, TUNSETIFF, &ifr));
	T_OK(ioctl(fd, TUNSETPERSIST, persist));
	close(fd);
}

int main(void)
{
	struct nm_wire_tap_params p = { .ifname = "nmpers0", .offloads = true };
	struct nm_wire *w, *w2;
	struct nm_rtnl_link l;
	struct nm_rtnl nl;
	uint8_t f[60] = { 0 };
	struct iovec iov = { f, sizeof(f) };
	unsigned idx;
	int r;

	r = t_enter_netns();
	if (r)
		return r;
	T_OK(nm_rtnl_open(&nl));

	/* Attach to a persistent TAP. */
	make_persistent("nmpers0", 1);
	idx = if_nametoindex("nmpers0");
	T_ASSERT(idx > 0);
	T_OK(nm_wire_tap_open(&p, &w));
	T_EQ(nm_wire_tap_ifindex(w), idx);
	T_ASSERT(!strcmp(w->name, "nmpers0"));
	T_ERR(nm_wire_tap_open(&p, &w2), -EBUSY);
	T_ASSERT(w2 == NULL);

	/* Down: no sending; up: sending works. */
	memset(f, 0xff, 12);
	T_ERR(nm_wire_xmit(w, &iov, 1, NULL), -ENETDOWN);
	T_OK(nm_rtnl_link_set_up(&nl, (int)idx, true));
	T_OK(nm_wire_xmit(w, &iov, 1, NULL));
	nm_wire_destroy(w);
	T_EQ(if_nametoindex("nmpers0"), idx);		/* still there */
	make_persistent("nmpers0", 0);
	T_EQ(if_nametoindex("nmpers0"), 0);

	/* Not a TAP. */
	p.ifname = "lo";
	T_ERR(nm_wire_tap_open(&p, &w), -EINVAL);

	/* A pattern, and the kernel side as configured. */
	p = (struct nm_wire_tap_params){ .ifname = "nmt%d", .mtu = 9000, .offloads = true,
					 .host_addr = "198.18.4.1/22", .host_addr6 = "2001:2:0:7::1/64",
					 .up = true };
	T_OK(nm_wire_tap_open(&p, &w));
	T_ASSERT(!strcmp(w->name, "nmt0"));
	T_EQ(w->mtu, 9000);
	idx = if_nametoindex("nmt0");
	T_EQ(nm_wire_tap_ifindex(w), idx);
	T_OK(nm_rtnl_link_get(&nl, (int)idx, &l));
	T_EQ(l.mtu, 9000);
	T_ASSERT(l.flags & IFF_UP);
	T_ASSERT(!strcmp(l.name, "nmt0"));
	T_ASSERT(has_addr("nmt0", AF_INET, "198.18.4.1"));
	T_ASSERT(has_addr("nmt0", AF_INET6, "2001:2:0:7::1"));
	{
		/* open returned only once the kernel takes packets for both. */
		struct nm_rtnl_prefix a;

		T_OK(nm_rtnl_prefix_parse(p.host_addr, &a));
		T_EQ(nm_rtnl_route_type(&nl, AF_INET, a.addr), RTN_LOCAL);
		T_OK(nm_rtnl_prefix_parse(p.host_addr6, &a));
		T_EQ(nm_rtnl_route_type(&nl, AF_INET6, a.addr), RTN_LOCAL);
	}
	nm_wire_destroy(w);
	T_EQ(if_nametoindex("nmt0"), 0);		/* ours: gone with the wire */

	/* A host address the kernel refuses fails the open and leaves no
	 * device behind: IPv6 needs an MTU of at least 1280. */
	p = (struct nm_wire_tap_params){ .ifname = "nmtap0", .mtu = 1000,
					 .host_addr6 = "2001:2::1/64" };
	nm_clear_error();
	r = nm_wire_tap_open(&p, &w);
	T_ASSERT(r < 0);
	T_ASSERT(w == NULL);
	T_ASSERT(strstr(nm_last_error(), "nmtap0") != NULL);
	printf("mtu 1000 + IPv6: %d (%s)\n", r, nm_last_error());
	T_EQ(if_nametoindex("nmtap0"), 0);

	nm_rtnl_close(&nl);
	T_PASS();
}
