/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink client argument checks: interface names by the kernel's rules,
 * "ADDR/PLEN" parsing (good ones give the right bytes), NULL or closed
 * handles, bad ifindex/family/prefix, and missing interfaces (-ENODEV from
 * the kernel, with a message).  Needs no privilege; as root it runs in its
 * own network namespace.
 */
#include <arpa/inet.h>
#include <net/if.h>

#include "nic/rtnl.h"
#include "t_kernel.h"
#include "t_util.h"

int main(void)
{
	static const char *bad_names[] = { "", "0123456789abcdef", "a/b", "a b", "a\tb", "a:0",
					   ".", "..", "\x01" };
	static const char *bad_prefixes[] = { "", "/", "198.18.0.1", "198.18.0.1/", "/24",
					      "198.18.0.1/33", "198.18.0.1/1x", "198.18.0.1//24",
					      "198.18.0.1/24/", "198.18.0.1 /24", "198.18.0.1/ 1",
					      "198.18.1/24", "2001:2::1/129", "2001:2::1/1280",
					      "::ffff:1.2.3/96", "hostname/24", "2001:2::1%lo/64" };
	static const uint8_t v6[16] = { 0x20, 0x01, 0, 2, [15] = 1 };
	struct nm_rtnl_prefix pf, v4pf = { .family = AF_INET, .addr = { 198, 18, 0, 1 }, .plen = 24 };
	struct nm_rtnl nl, closed;
	struct nm_rtnl_link l;
	uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 }, addr[4] = { 198, 18, 0, 2 };
	uint16_t state;
	unsigned i;
	int lo, r;

	if (geteuid() == 0) {
		r = t_enter_netns();
		if (r)
			return r;
	}

	/* Names. */
	T_ERR(nm_rtnl_ifname_check(NULL), -EINVAL);
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		T_ERR(nm_rtnl_ifname_check(bad_names[i]), -EINVAL);
	T_OK(nm_rtnl_ifname_check("nmtap0"));
	T_OK(nm_rtnl_ifname_check("a"));
	T_OK(nm_rtnl_ifname_check("0123456789abcde"));
	T_OK(nm_rtnl_ifname_check("tap%d"));

	/* Prefixes. */
	T_ERR(nm_rtnl_prefix_parse(NULL, &pf), -EINVAL);
	T_ERR(nm_rtnl_prefix_parse("198.18.0.1/24", NULL), -EINVAL);
	for (i = 0; i < sizeof(bad_prefixes) / sizeof(bad_prefixes[0]); i++)
		T_ERR(nm_rtnl_prefix_parse(bad_prefixes[i], &pf), -EINVAL);
	T_OK(nm_rtnl_prefix_parse("198.18.0.1/24", &pf));
	T_EQ(pf.family, AF_INET);
	T_EQ(pf.plen, 24);
	T_ASSERT(!memcmp(pf.addr, v4pf.addr, 4));
	T_OK(nm_rtnl_prefix_parse("198.19.255.254/0", &pf));
	T_EQ(pf.plen, 0);
	T_OK(nm_rtnl_prefix_parse("2001:2::1/64", &pf));
	T_EQ(pf.family, AF_INET6);
	T_EQ(pf.plen, 64);
	T_ASSERT(!memcmp(pf.addr, v6, 16));
	T_OK(nm_rtnl_prefix_parse("2001:2::1/128", &pf));
	T_EQ(pf.plen, 128);

	/* Handles. */
	T_ERR(nm_rtnl_open(NULL), -EINVAL);
	T_ERR(nm_rtnl_link_index(NULL, "lo"), -EINVAL);
	T_OK(nm_rtnl_open(&closed));
	nm_rtnl_close(&closed);
	nm_rtnl_close(&closed);			/* twice is fine */
	nm_rtnl_close(NULL);
	T_ERR(nm_rtnl_link_index(&closed, "lo"), -EINVAL);
	T_ERR(nm_rtnl_link_set_up(&closed, 1, true), -EINVAL);

	T_OK(nm_rtnl_open(&nl));
	lo = T_OK(nm_rtnl_link_index(&nl, "lo"));
	T_EQ(lo, if_nametoindex("lo"));
	T_OK(nm_rtnl_link_get(&nl, lo, &l));
	T_EQ(l.ifindex, lo);
	T_ASSERT(!strcmp(l.name, "lo"));
	T_ASSERT(l.mtu > 0);

	/* Bad names never reach the kernel; missing links are -ENODEV. */
	T_ERR(nm_rtnl_link_index(&nl, NULL), -EINVAL);
	T_ERR(nm_rtnl_link_index(&nl, "a/b"), -EINVAL);
	T_ERR(nm_rtnl_link_index(&nl, "0123456789abcdef"), -EINVAL);
	T_ERR(nm_rtnl_link_index(&nl, "nmnosuch0"), -ENODEV);
	T_ASSERT(strstr(nm_last_error(), "nmnosuch0") != NULL);
	T_ERR(nm_rtnl_link_get(&nl, 999999, &l), -ENODEV);
	T_ERR(nm_rtnl_link_get(&nl, lo, NULL), -EINVAL);

	/* Bad arguments to the setters. */
	T_ERR(nm_rtnl_link_set_mtu(&nl, 0, 1500), -EINVAL);
	T_ERR(nm_rtnl_link_set_mtu(&nl, -3, 1500), -EINVAL);
	T_ERR(nm_rtnl_link_set_mtu(&nl, lo, 0), -EINVAL);
	T_ERR(nm_rtnl_link_set_mac(&nl, lo, NULL), -EINVAL);
	mac[0] = 1;
	T_ERR(nm_rtnl_link_set_mac(&nl, lo, mac), -EINVAL);	/* multicast */
	T_ERR(nm_rtnl_addr_add(&nl, lo, NULL, 0), -EINVAL);
	pf = v4pf, pf.family = AF_UNIX;
	T_ERR(nm_rtnl_addr_add(&nl, lo, &pf, 0), -EINVAL);
	pf = v4pf, pf.plen = 33;
	T_ERR(nm_rtnl_addr_add(&nl, lo, &pf, 0), -EINVAL);
	T_ERR(nm_rtnl_addr_add(&nl, 0, &v4pf, 0), -EINVAL);
	T_ERR(nm_rtnl_neigh_add(&nl, lo, AF_PACKET, addr, mac), -EINVAL);
	T_ERR(nm_rtnl_neigh_add(&nl, lo, AF_INET, NULL, mac), -EINVAL);
	T_ERR(nm_rtnl_neigh_add(&nl, lo, AF_INET, addr, NULL), -EINVAL);
	T_ERR(nm_rtnl_neigh_get(&nl, 0, AF_INET, addr, mac, &state), -EINVAL);
	T_ERR(nm_rtnl_neigh_get(&nl, lo, AF_INET6, NULL, mac, &state), -EINVAL);
	T_ERR(nm_rtnl_route_type(NULL, AF_INET, addr), -EINVAL);
	T_ERR(nm_rtnl_route_type(&nl, AF_UNSPEC, addr), -EINVAL);
	T_ERR(nm_rtnl_route_type(&nl, AF_INET, NULL), -EINVAL);
	T_ERR(nm_rtnl_route_type(&closed, AF_INET, addr), -EINVAL);

	/* Links that do not exist. */
	if (geteuid() == 0) {
		T_ERR(nm_rtnl_link_set_mtu(&nl, 999999, 1500), -ENODEV);
		T_ERR(nm_rtnl_addr_add(&nl, 999999, &v4pf, 0), -ENODEV);
		T_ERR(nm_rtnl_neigh_add(&nl, 999999, AF_INET, addr, mac), -ENODEV);
	}
	nm_rtnl_close(&nl);
	T_PASS();
}
