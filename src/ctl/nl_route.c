/* SPDX-License-Identifier: MIT */
/*
 * NETLINK_ROUTE for netmem's interfaces: RTM_GETLINK (get and dump) and
 * RTM_GETADDR (dump), so `ip link`, `ip addr`, getifaddrs-style and
 * if_nametoindex-style look-ups over rtnetlink find them; requests that
 * would change them (RTM_NEWLINK, RTM_SETLINK, RTM_DELLINK, RTM_NEWADDR,
 * RTM_DELADDR, a route through them) are refused with EOPNOTSUPP.  Every
 * other request goes to the kernel, and dumps list the kernel's links and
 * addresses, then netmem's.
 *
 * What a link says (rtnl_fill_ifinfo()'s attributes): name, MTU (and its
 * bounds), MAC and broadcast address, queue counts, operstate UP, carrier
 * on, qdisc "noqueue" (netmem's TX has no qdisc), txqlen 1000.
 */
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include <netmem/netdev.h>

#include "ctl/nl_internal.h"
#include "ctl/nl_view.h"

/* IFLA_IFNAME and IFLA_ALT_IFNAME are NLA_STRING: their NUL may be missing */
static const struct nl_view_dev *view_by_name(const struct nlattr *a)
{
	char name[ALTIFNAMSIZ];
	struct nm_netdev *nd;

	if (nl_strscpy(name, a, sizeof(name)))
		return NULL;
	nd = nm_nl_netdev_by_name(name);
	return nd ? nl_view_by_user(nm_nl_user_ifindex(nd)) : NULL;
}

/* ---- links ------------------------------------------------------------------------------ */

static int link_fill(struct nl_req *r, const struct nl_view_dev *v)
{
	static const uint8_t brd[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct nlmsghdr *nlh = nl_put(r, RTM_NEWLINK, 0, 1024);
	struct nm_channels ch;
	struct ifinfomsg *ifi;
	uint8_t mac[6];

	if (!nlh)
		return -ENOMEM;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_type = ARPHRD_ETHER;
	ifi->ifi_index = v->user;
	ifi->ifi_flags = IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP;
	nm_netdev_get_channels(v->nd, &ch);
	nm_netdev_get_mac(v->nd, mac);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, nm_netdev_name(v->nd));
	mnl_attr_put_u32(nlh, IFLA_TXQLEN, 1000);
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, IF_OPER_UP);
	mnl_attr_put_u8(nlh, IFLA_LINKMODE, 0);
	mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)nm_netdev_mtu(v->nd));
	mnl_attr_put_u32(nlh, IFLA_MIN_MTU, 68);
	mnl_attr_put_u32(nlh, IFLA_MAX_MTU, nm_wire_mtu(nm_netdev_wire(v->nd)));
	mnl_attr_put_u32(nlh, IFLA_GROUP, 0);
	mnl_attr_put_u32(nlh, IFLA_PROMISCUITY, 0);
	mnl_attr_put_u32(nlh, IFLA_ALLMULTI, 0);
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, ch.tx);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, ch.rx);
	mnl_attr_put_u8(nlh, IFLA_CARRIER, 1);
	mnl_attr_put_strz(nlh, IFLA_QDISC, "noqueue");
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	mnl_attr_put(nlh, IFLA_BROADCAST, sizeof(brd), brd);
	nl_end(r, nlh);
	return 0;
}

static const struct nl_pol link_pol[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = { NLK_STR, 0, IFNAMSIZ - 1 },
	[IFLA_EXT_MASK] = { NLK_U32 },
	[IFLA_ALT_IFNAME] = { NLK_STR, 0, 127 },
};

static int getlink(struct nl_req *r)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(r->nlh);
	const struct nl_view_dev *v = NULL;
	size_t hl = sizeof(*ifi);
	int err;

	if (r->dump) {
		int st;

		nl_kernel_dump(r->s, r->nlh, r->out, &st);
		for (int i = 0; i < nl_view_count(); i++)
			if ((v = nl_view_get(i)) && (err = link_fill(r, v)))
				return err;
		return 0;
	}
	if (mnl_nlmsg_get_payload_len(r->nlh) < hl)
		return -EINVAL;
	err = nl_parse(r, (const uint8_t *)ifi + NLMSG_ALIGN(hl),
		       mnl_nlmsg_get_payload_len(r->nlh) - NLMSG_ALIGN(hl), link_pol, IFLA_MAX,
		       r->s->strict, tb);
	if (err)
		return 1;	/* what netmem cannot read, the kernel refuses */
	if (ifi->ifi_index > 0)
		v = nl_view_by_user(ifi->ifi_index);
	else if (tb[IFLA_IFNAME])
		v = view_by_name(tb[IFLA_IFNAME]);
	else if (tb[IFLA_ALT_IFNAME])
		v = view_by_name(tb[IFLA_ALT_IFNAME]);
	return v ? link_fill(r, v) : 1;
}

/* ---- addresses ---------------------------------------------------------------------------- */

static int addr_fill(struct nl_req *r, const struct nl_view_dev *v, const struct nl_view_addr *a)
{
	struct nlmsghdr *nlh = nl_put(r, RTM_NEWADDR, 0, 512);
	size_t alen = a->family == AF_INET ? 4 : 16;
	struct ifa_cacheinfo ci = { .ifa_prefered = 0xffffffffu, .ifa_valid = 0xffffffffu };
	struct ifaddrmsg *ifa;

	if (!nlh)
		return -ENOMEM;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = (uint8_t)a->plen;
	ifa->ifa_flags = IFA_F_PERMANENT;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)v->user;
	mnl_attr_put(nlh, IFA_ADDRESS, alen, a->addr);
	if (a->family == AF_INET) {
		uint8_t brd[4];

		memcpy(brd, a->addr, 4);
		for (unsigned b = a->plen; b < 32; b++)
			brd[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		mnl_attr_put(nlh, IFA_LOCAL, alen, a->addr);
		if (a->plen < 31)
			mnl_attr_put(nlh, IFA_BROADCAST, 4, brd);
		mnl_attr_put_strz(nlh, IFA_LABEL, nm_netdev_name(v->nd));
	}
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_PERMANENT);
	mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
	nl_end(r, nlh);
	return 0;
}

static int getaddr(struct nl_req *r)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(r->nlh);
	size_t pl = mnl_nlmsg_get_payload_len(r->nlh);
	int family = pl >= 1 ? ifa->ifa_family : AF_UNSPEC;
	uint32_t only = r->s->strict && pl >= sizeof(*ifa) ? ifa->ifa_index : 0;
	int st, err;

	if (!r->dump)
		return 1;	/* the kernel's (IPv6 answers a get by address) */
	if (only && !nl_view_by_user((int)only))
		return 1;
	if (!only)
		nl_kernel_dump(r->s, r->nlh, r->out, &st);
	for (int i = 0; i < nl_view_count(); i++) {
		const struct nl_view_dev *v = nl_view_get(i);

		for (int k = 0; v && k < v->nr_addrs; k++)
			if ((family == AF_UNSPEC || family == v->addrs[k].family) &&
			    (!only || (uint32_t)v->user == only) &&
			    (err = addr_fill(r, v, &v->addrs[k])))
				return err;
	}
	return 0;
}

/* ---- changes -------------------------------------------------------------------------------- */

/* A change that names netmem's interface: EOPNOTSUPP; else the kernel's. */
static int change(struct nl_req *r)
{
	uint16_t t = r->nlh->nlmsg_type;
	size_t pl = mnl_nlmsg_get_payload_len(r->nlh);
	const void *p = mnl_nlmsg_get_payload(r->nlh);
	const struct nlattr *a;
	size_t hl;
	int idx = 0;

	if (t == RTM_NEWLINK || t == RTM_SETLINK || t == RTM_DELLINK) {
		hl = sizeof(struct ifinfomsg);
		if (pl >= hl)
			idx = ((const struct ifinfomsg *)p)->ifi_index;
	} else if (t == RTM_NEWADDR || t == RTM_DELADDR) {
		hl = sizeof(struct ifaddrmsg);
		if (pl >= hl)
			idx = (int)((const struct ifaddrmsg *)p)->ifa_index;
	} else if (t == RTM_NEWROUTE || t == RTM_DELROUTE) {
		hl = sizeof(struct rtmsg);
	} else {
		return 1;
	}
	if (idx > 0)
		return nl_view_by_user(idx) ? -EOPNOTSUPP : 1;
	if (pl < hl)
		return 1;
	mnl_attr_for_each(a, r->nlh, hl) {
		uint16_t at = mnl_attr_get_type(a);

		if ((t == RTM_NEWLINK || t == RTM_SETLINK || t == RTM_DELLINK) && at == IFLA_IFNAME &&
		    view_by_name(a))
			return -EOPNOTSUPP;
		if ((t == RTM_NEWROUTE || t == RTM_DELROUTE) && at == RTA_OIF &&
		    mnl_attr_get_payload_len(a) == 4 && nl_view_by_user((int)mnl_attr_get_u32(a)))
			return -EOPNOTSUPP;
	}
	return 1;
}

int nl_route_rcv(struct nl_req *r)
{
	switch (r->nlh->nlmsg_type) {
	case RTM_GETLINK:
		return getlink(r);
	case RTM_GETADDR:
		return getaddr(r);
	}
	return change(r);
}
