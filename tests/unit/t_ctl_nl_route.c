/* NETLINK_ROUTE on an emulated socket: RTM_GETLINK by index and by name
 * (netmem's interface; the kernel's lo passed through), the link dump with
 * both, RTM_GETADDR dumps filtered by family, and changes to netmem's
 * interface refused with EOPNOTSUPP while changes to others reach the
 * kernel (an ifindex it does not have: ENODEV from the kernel). */
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>

#include "t_net.h"
#include "t_nl.h"
#include "ctl/nl_sock.h"

static int u;

struct seen {
	int ours, lo, addrs;
};

static void link_cb(const struct nlmsghdr *m, void *arg)
{
	struct seen *s = arg;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(m);

	T_EQ(m->nlmsg_type, RTM_NEWLINK);
	T_ASSERT(m->nlmsg_flags & NLM_F_MULTI);
	s->ours += ifi->ifi_index == u;
	s->lo += ifi->ifi_index == 1;
}

static void addr_cb(const struct nlmsghdr *m, void *arg)
{
	struct seen *s = arg;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(m);

	T_EQ(m->nlmsg_type, RTM_NEWADDR);
	if ((int)ifa->ifa_index == u) {
		s->addrs++;
		T_EQ(ifa->ifa_family, AF_INET);
		T_EQ(ifa->ifa_prefixlen, 24);
	}
}

static struct nlmsghdr *link_req(struct t_nl *n, uint16_t type, uint16_t flags, int idx,
				 const char *name)
{
	struct nlmsghdr *m = t_nl_msg(n, type, NLM_F_REQUEST | flags, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(m);

	ifi->ifi_index = idx;
	if (name)
		mnl_attr_put_strz(m, IFLA_IFNAME, name);
	return m;
}

int main(void)
{
	struct t_nic t;
	struct t_nl n;
	struct seen s = { 0 };
	struct nlmsghdr *m;
	uint8_t a4[4];

	t_nic_up(&t, 2, 1500, false);
	u = T_OK(nm_nl_view_add(t.nd, 0));
	inet_pton(AF_INET, "198.18.0.2", a4);
	T_OK(nm_nl_view_addr_add(u, AF_INET, a4, 24));
	T_ERR(nm_nl_view_addr_add(u, AF_INET, a4, 33), -EINVAL);
	T_ERR(nm_nl_view_addr_add(u + 1, AF_INET, a4, 24), -ENODEV);
	/* bad input to the entry points: an error, not a crash */
	T_ERR(nm_nl_view_addr_add(u, AF_INET, NULL, 24), -EINVAL);
	T_ERR(nm_nl_view_addr_add(u, AF_PACKET, a4, 24), -EAFNOSUPPORT);
	T_ERR(nm_nl_sock_check(NULL), -EINVAL);
	t_nl_open(&n, NETLINK_ROUTE);

	/* get by index, by name; lo is the kernel's */
	T_EQ(t_nl_do(&n, link_req(&n, RTM_GETLINK, 0, u, NULL)), 0);
	T_EQ(((struct ifinfomsg *)mnl_nlmsg_get_payload(n.reply))->ifi_index, u);
	T_EQ(t_nl_attr_u32(n.reply, sizeof(struct ifinfomsg), IFLA_MTU), 1500);
	T_EQ(t_nl_do(&n, link_req(&n, RTM_GETLINK, 0, 0, "nm0")), 0);
	T_EQ(((struct ifinfomsg *)mnl_nlmsg_get_payload(n.reply))->ifi_index, u);
	T_EQ(t_nl_do(&n, link_req(&n, RTM_GETLINK, 0, 1, NULL)), 0);
	T_EQ(((struct ifinfomsg *)mnl_nlmsg_get_payload(n.reply))->ifi_index, 1);
	T_EQ(t_nl_do(&n, link_req(&n, RTM_GETLINK, NLM_F_ACK, 0, "nmnosuchdev0")), -ENODEV);
	/* IFLA_IFNAME is NLA_STRING: "nm0" without its NUL at the message's
	 * end names nm0, whatever byte follows the message ('X') */
	m = link_req(&n, RTM_GETLINK, 0, 0, NULL);
	struct nlattr *na = mnl_nlmsg_get_payload_tail(m);
	mnl_attr_put(m, IFLA_IFNAME, 3, "nm0");
	((char *)mnl_attr_get_payload(na))[3] = 'X';
	m->nlmsg_len--;
	T_EQ(t_nl_do(&n, m), 0);
	T_EQ(((struct ifinfomsg *)mnl_nlmsg_get_payload(n.reply))->ifi_index, u);

	/* dumps */
	m = t_nl_msg(&n, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, sizeof(struct ifinfomsg));
	T_ASSERT(t_nl_dump(&n, m, link_cb, &s) >= 2);
	T_EQ(s.ours, 1);
	T_EQ(s.lo, 1);
	m = t_nl_msg(&n, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, sizeof(struct ifaddrmsg));
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(m))->ifa_family = AF_INET;
	t_nl_dump(&n, m, addr_cb, &s);
	T_EQ(s.addrs, 1);
	s.addrs = 0;
	m = t_nl_msg(&n, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, sizeof(struct ifaddrmsg));
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(m))->ifa_family = AF_INET6;
	t_nl_dump(&n, m, addr_cb, &s);
	T_EQ(s.addrs, 0);

	/* changes */
	m = link_req(&n, RTM_SETLINK, NLM_F_ACK, u, NULL);
	mnl_attr_put_u32(m, IFLA_MTU, 1400);
	T_EQ(t_nl_do(&n, m), -EOPNOTSUPP);
	m = link_req(&n, RTM_NEWLINK, NLM_F_ACK, 0, "nm0");
	T_EQ(t_nl_do(&n, m), -EOPNOTSUPP);
	m = t_nl_msg(&n, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK, sizeof(struct ifaddrmsg));
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(m))->ifa_index = (uint32_t)u;
	T_EQ(t_nl_do(&n, m), -EOPNOTSUPP);
	m = t_nl_msg(&n, RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK, sizeof(struct rtmsg));
	mnl_attr_put_u32(m, RTA_OIF, (uint32_t)u);
	T_EQ(t_nl_do(&n, m), -EOPNOTSUPP);
	m = link_req(&n, RTM_SETLINK, NLM_F_ACK, 0x3fffff00, NULL);
	mnl_attr_put_u32(m, IFLA_MTU, 1400);
	T_EQ(t_nl_do(&n, m), -ENODEV);	/* the kernel's answer */
	/* and not the view's: after it goes, nm0 is the kernel's to not know */
	nm_nl_view_del(t.nd);
	T_EQ(t_nl_do(&n, link_req(&n, RTM_GETLINK, NLM_F_ACK, u, NULL)), -ENODEV);

	t_nl_close(&n);
	t_nic_down(&t);
	T_PASS();
}
