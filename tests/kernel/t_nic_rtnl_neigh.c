/* SPDX-License-Identifier: MIT */
/*
 * Neighbour entries through rtnetlink: get on an unknown address is
 * -ENOENT; add installs a permanent IPv4 and IPv6 entry that get reads
 * back (MAC and NUD_PERMANENT) and that /proc/net/arp shows; adding again
 * replaces the MAC.  Root only, in its own namespace, on a TAP made with
 * plain ioctls.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include "nic/rtnl.h"
#include "t_kernel.h"
#include "t_util.h"

/* Does /proc/net/arp list ip with mac on dev? */
static bool in_proc_arp(const char *ip, const char *mac, const char *dev)
{
	char line[256], a[64], hw[64], d[64];
	bool found = false;
	FILE *f = fopen("/proc/net/arp", "r");

	T_ASSERT(f != NULL);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %*s %*s %63s %*s %63s", a, hw, d) == 3 && !strcmp(a, ip) &&
		    !strcasecmp(hw, mac) && !strcmp(d, dev))
			found = true;
	fclose(f);
	return found;
}

int main(void)
{
	static const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 2 }, mac2[6] = { 2, 0, 0, 0, 0, 3 };
	uint8_t ip4[4] = { 198, 18, 2, 2 }, ip6[16] = { 0x20, 0x01, 0, 2, 0, 2, [15] = 2 };
	struct nm_rtnl_prefix a4;
	struct nm_rtnl nl;
	uint8_t got[6];
	uint16_t state;
	int r, tfd, idx;

	r = t_enter_netns();
	if (r)
		return r;
	tfd = t_tap_plain("nmtap0");

	T_OK(nm_rtnl_open(&nl));
	idx = T_OK(nm_rtnl_link_index(&nl, "nmtap0"));
	T_OK(nm_rtnl_prefix_parse("198.18.2.1/24", &a4));
	T_OK(nm_rtnl_addr_add(&nl, idx, &a4, 0));
	T_OK(nm_rtnl_link_set_up(&nl, idx, true));

	T_ERR(nm_rtnl_neigh_get(&nl, idx, AF_INET, ip4, got, &state), -ENOENT);

	T_OK(nm_rtnl_neigh_add(&nl, idx, AF_INET, ip4, mac1));
	memset(got, 0, sizeof(got));
	state = 0;
	T_OK(nm_rtnl_neigh_get(&nl, idx, AF_INET, ip4, got, &state));
	T_ASSERT(!memcmp(got, mac1, 6));
	T_EQ(state, NUD_PERMANENT);
	T_ASSERT(in_proc_arp("198.18.2.2", "02:00:00:00:00:02", "nmtap0"));

	T_OK(nm_rtnl_neigh_add(&nl, idx, AF_INET, ip4, mac2));
	T_OK(nm_rtnl_neigh_get(&nl, idx, AF_INET, ip4, got, NULL));
	T_ASSERT(!memcmp(got, mac2, 6));
	T_ASSERT(in_proc_arp("198.18.2.2", "02:00:00:00:00:03", "nmtap0"));

	T_OK(nm_rtnl_neigh_add(&nl, idx, AF_INET6, ip6, mac1));
	memset(got, 0, sizeof(got));
	T_OK(nm_rtnl_neigh_get(&nl, idx, AF_INET6, ip6, got, &state));
	T_ASSERT(!memcmp(got, mac1, 6));
	T_EQ(state, NUD_PERMANENT);

	nm_rtnl_close(&nl);
	close(tfd);
	T_PASS();
}
