/* Notifications of the emulated families to the sockets that joined their
 * groups (the kernel's group ids, from getfamily): dev-add-ntf and
 * dev-del-ntf ("mgmt") as the interface enters and leaves the view;
 * page-pool-del-ntf and page-pool-add-ntf ("page-pool") when a bind-rx,
 * a ring change or the close that unbinds restarts queues; rings-ntf
 * (ethtool "monitor") after a rings-set.  A socket that did not join
 * hears nothing; notifications carry portid 0 and sequence 0. */
#include <linux/ethtool_netlink.h>

#include "t_net.h"
#include "t_nl.h"
#include "ctl/nl_sock.h"
#include "ctl/nl_uapi.h"
#include <netmem/ctl.h>
#include <netmem/dmabuf.h>

static struct nm_dmabuf *gbuf;

static int lookup(void *arg, int fd, struct nm_dmabuf **out)
{
	(void)arg;
	(void)fd;
	T_OK(nm_dmabuf_get(gbuf));
	*out = gbuf;
	return 0;
}

struct counts {
	int dev_add, dev_del, pp_add, pp_del, pp_add_dmabuf, rings;
};

/* Every queued datagram of s: one notification each. */
static void drain(struct nm_nl_sock *s, uint16_t nd, uint16_t et, struct counts *c)
{
	uint8_t buf[8192];
	bool trunc;
	ssize_t r;

	memset(c, 0, sizeof(*c));
	while ((r = nm_nl_sock_recv(s, buf, sizeof(buf), 0, &trunc)) > 0) {
		const struct nlmsghdr *m = (const void *)buf;
		const struct genlmsghdr *g = mnl_nlmsg_get_payload(m);

		T_EQ(m->nlmsg_len, r);	/* one message a datagram */
		T_EQ(m->nlmsg_pid, 0);
		T_EQ(m->nlmsg_seq, 0);
		if (m->nlmsg_type == nd) {
			c->dev_add += g->cmd == NETDEV_CMD_DEV_ADD_NTF;
			c->dev_del += g->cmd == NETDEV_CMD_DEV_DEL_NTF;
			c->pp_add += g->cmd == NETDEV_CMD_PAGE_POOL_ADD_NTF;
			c->pp_del += g->cmd == NETDEV_CMD_PAGE_POOL_DEL_NTF;
			if (g->cmd == NETDEV_CMD_PAGE_POOL_ADD_NTF &&
			    t_nl_attr_u32(m, GENL_HDRLEN, NETDEV_A_PAGE_POOL_DMABUF) > 0)
				c->pp_add_dmabuf++;
		} else if (m->nlmsg_type == et) {
			c->rings += g->cmd == ETHTOOL_MSG_RINGS_NTF;
		}
	}
	T_EQ(r, -EAGAIN);
}

int main(void)
{
	struct t_nic t;
	struct t_nl a, b, quiet;
	struct counts c;
	uint16_t nd, et;
	uint32_t mgmt, pp, mon;
	int u;

	t_nic_up(&t, 2, 1500, false);
	T_OK(nm_dmabuf_create_device(t.gpu, 1 << 20, &gbuf));
	t_nl_open(&a, NETLINK_GENERIC);
	t_nl_open(&quiet, NETLINK_GENERIC);
	nd = t_nl_family(&a, "netdev");
	et = t_nl_family(&a, "ethtool");
	mgmt = t_nl_mcgrp(&a, "netdev", "mgmt");
	pp = t_nl_mcgrp(&a, "netdev", "page-pool");
	mon = t_nl_mcgrp(&a, "ethtool", "monitor");
	T_ASSERT(nd && et && mgmt && pp && mon);
	T_OK(nm_nl_sock_add_membership(a.s, mgmt));
	T_OK(nm_nl_sock_add_membership(a.s, pp));
	T_OK(nm_nl_sock_add_membership(a.s, mon));
	T_ERR(nm_nl_sock_add_membership(a.s, 0), -EINVAL);

	u = T_OK(nm_nl_view_add(t.nd, 0));
	drain(a.s, nd, et, &c);
	T_EQ(c.dev_add, 1);

	/* bind-rx of queue 0 on another socket: queue 0's pools go and come */
	t_nl_open(&b, NETLINK_GENERIC);
	nm_nl_sock_set_dmabuf_lookup(b.s, lookup, NULL);
	struct nlmsghdr *m;
	T_EQ(t_nl_do(&b, t_nl_bind_rx(&b, nd, u, 3, 0)), 0);
	drain(a.s, nd, et, &c);
	T_ASSERT(c.pp_del >= 1 && c.pp_add >= 1);
	T_EQ(c.pp_add_dmabuf, 1);

	/* a ring size change restarts every RX queue; rings-ntf follows */
	struct nm_ringparam rp;
	T_OK(nm_netdev_get_ringparam(t.nd, &rp));
	m = t_nl_genl(&b, et, ETHTOOL_MSG_RINGS_SET, NLM_F_REQUEST | NLM_F_ACK);
	struct nlattr *h = mnl_attr_nest_start(m, ETHTOOL_A_RINGS_HEADER);
	mnl_attr_put_u32(m, ETHTOOL_A_HEADER_DEV_INDEX, (uint32_t)u);
	mnl_attr_nest_end(m, h);
	mnl_attr_put_u32(m, ETHTOOL_A_RINGS_RX, rp.rx / 2);
	T_EQ(t_nl_do(&b, m), 0);
	drain(a.s, nd, et, &c);
	T_EQ(c.rings, 1);
	T_ASSERT(c.pp_del >= 2 && c.pp_add >= 2);
	/* the same again changes nothing: no notification */
	m->nlmsg_seq++;
	T_EQ(t_nl_do(&b, m), 0);
	drain(a.s, nd, et, &c);
	T_EQ(c.rings, 0);

	/* closing b unbinds: queue 0's pools again */
	t_nl_close(&b);
	drain(a.s, nd, et, &c);
	T_ASSERT(c.pp_del >= 1 && c.pp_add >= 1);
	T_EQ(c.pp_add_dmabuf, 0);

	nm_nl_view_del(t.nd);
	drain(a.s, nd, et, &c);
	T_EQ(c.dev_del, 1);
	/* the socket that joined nothing heard nothing */
	drain(quiet.s, nd, et, &c);
	T_EQ(c.dev_add + c.dev_del + c.pp_add + c.pp_del + c.rings, 0);
	t_nl_close(&a);
	t_nl_close(&quiet);
	nm_dmabuf_put(gbuf);
	t_nic_down(&t);
	T_PASS();
}
