/* SPDX-License-Identifier: MIT */
/*
 * Harness: the emulated netlink sockets (src/ctl/nl_sock.h): the bytes a
 * program sends (one sendmsg at a time: several messages, truncated
 * headers, lying lengths, every family and command, attributes unknown,
 * too short, nested wrong), its receives (short buffers, MSG_PEEK,
 * MSG_TRUNC), options, and sockets closed in the middle of a dump, on
 * netmem's interface (bind-rx and bind-tx included: the dma-buf fds 0..6
 * are a device buffer, 7 is not a dma-buf).
 *
 * Oracles (tests/lib/nl_fuzz.c): the socket's invariants after every
 * operation; every datagram whole messages, every NLMSG_ERROR an errno;
 * every request that asked for an ack, or a dump, answered by an
 * NLMSG_ERROR or NLMSG_DONE; after the last close no queue keeps a
 * binding.  The kernel is never reached (the kernel channel is off).
 *
 * Input: t_nlf_run()'s format (t_nl.h).
 */
#include <linux/ethtool_netlink.h>
#include <linux/rtnetlink.h>

#include "fuzz.h"
#include "t_nl.h"
#include "ctl/nl_uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_begin();
	t_nlf_run(data, size);
	return 0;
}

/* ---- seeds: one valid request of each kind, and their malformed kin ---------- */

static uint8_t msg[4096];

static struct nlmsghdr *genl(uint16_t fam, uint8_t cmd, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *m = mnl_nlmsg_put_header(msg);
	struct genlmsghdr *g;

	m->nlmsg_type = fam;
	m->nlmsg_flags = NLM_F_REQUEST | flags;
	m->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(m, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return m;
}

static void queue_nest(struct nlmsghdr *m, uint32_t id, uint32_t type)
{
	struct nlattr *q = mnl_attr_nest_start(m, NETDEV_A_DMABUF_QUEUES);

	mnl_attr_put_u32(m, NETDEV_A_QUEUE_ID, id);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_TYPE, type);
	mnl_attr_nest_end(m, q);
}

static struct nlmsghdr *et_req(uint8_t cmd, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *m = genl(T_NLF_ETHTOOL, cmd, flags, seq);
	struct nlattr *h = mnl_attr_nest_start(m, 1);

	mnl_attr_put_u32(m, ETHTOOL_A_HEADER_DEV_INDEX, T_NLF_IFINDEX);
	mnl_attr_nest_end(m, h);
	return m;
}

static void seed(struct fz_seeds *s, const char *name, const struct t_nlf_out *o)
{
	static struct fz_out f;

	f.n = 0;
	fz_wbytes(&f, o->b, o->n);
	fz_seed(s, name, &f);
}

/* One request sent, an ack asked, then drained. */
static void one(struct fz_seeds *s, const char *name, uint8_t cfg, const struct nlmsghdr *m)
{
	static struct t_nlf_out o;

	o.n = 0;
	o.b[o.n++] = cfg;
	t_nlf_op(&o, T_NLF_OPT, 1, 0);			/* NETLINK_EXT_ACK on */
	t_nlf_op_send(&o, m, m->nlmsg_len);
	t_nlf_op(&o, T_NLF_DRAIN, 0, 0);
	seed(s, name, &o);
}

void fz_write_seeds(struct fz_seeds *s)
{
	static struct t_nlf_out o;
	struct nlmsghdr *m;

	/* nlctrl */
	m = genl(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK, 1);
	mnl_attr_put_strz(m, CTRL_ATTR_FAMILY_NAME, "netdev");
	one(s, "genl-getfamily-netdev", 0, m);
	/* netdev: gets and dumps */
	m = genl(T_NLF_NETDEV, NETDEV_CMD_DEV_GET, NLM_F_ACK, 2);
	mnl_attr_put_u32(m, NETDEV_A_DEV_IFINDEX, T_NLF_IFINDEX);
	one(s, "netdev-dev-get", 0, m);
	m = genl(T_NLF_NETDEV, NETDEV_CMD_QUEUE_GET, NLM_F_DUMP, 3);
	one(s, "netdev-queue-dump", 0, m);
	m = genl(T_NLF_NETDEV, NETDEV_CMD_PAGE_POOL_GET, NLM_F_DUMP, 4);
	one(s, "netdev-page-pool-dump", 0, m);
	m = genl(T_NLF_NETDEV, NETDEV_CMD_QSTATS_GET, NLM_F_DUMP, 5);
	mnl_attr_put_u32(m, NETDEV_A_QSTATS_SCOPE, 1);
	one(s, "netdev-qstats-dump", 0, m);
	m = genl(T_NLF_NETDEV, NETDEV_CMD_NAPI_GET, NLM_F_DUMP, 6);
	one(s, "netdev-napi-dump", 0, m);
	/* bind-rx: made, refused, malformed */
	m = genl(T_NLF_NETDEV, NETDEV_CMD_BIND_RX, NLM_F_ACK, 7);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_IFINDEX, T_NLF_IFINDEX);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_FD, 3);
	queue_nest(m, 1, NETDEV_QUEUE_TYPE_RX);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_RX_PAGE_SIZE, 8192);
	one(s, "netdev-bind-rx", 0, m);
	m->nlmsg_len -= 6;				/* a lying length: cut in an attribute */
	one(s, "netdev-bind-rx-cut", 0, m);
	m = genl(T_NLF_NETDEV, NETDEV_CMD_BIND_RX, NLM_F_ACK, 8);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_IFINDEX, T_NLF_IFINDEX);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_FD, 7);
	queue_nest(m, 9, NETDEV_QUEUE_TYPE_TX);
	mnl_attr_put_u32(m, 200, 1);
	one(s, "netdev-bind-rx-bad", 0, m);
	m = genl(T_NLF_NETDEV, NETDEV_CMD_BIND_TX, NLM_F_ACK, 9);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_IFINDEX, T_NLF_IFINDEX);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_FD, 2);
	one(s, "netdev-bind-tx", 0, m);
	/* ethtool */
	m = et_req(ETHTOOL_MSG_RINGS_SET, NLM_F_ACK, 10);
	mnl_attr_put_u8(m, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, ETHTOOL_TCP_DATA_SPLIT_DISABLED);
	mnl_attr_put_u32(m, NM_ETHTOOL_A_RINGS_HDS_THRESH, 0);
	one(s, "ethtool-rings-set", 0, m);
	m = et_req(ETHTOOL_MSG_CHANNELS_SET, NLM_F_ACK, 11);
	mnl_attr_put_u32(m, ETHTOOL_A_CHANNELS_RX_COUNT, 1);
	one(s, "ethtool-channels-set", 0, m);
	m = et_req(ETHTOOL_MSG_FEATURES_SET, NLM_F_ACK, 12);
	t_nl_put_feature(m, "rx-ntuple-filter", false);
	one(s, "ethtool-features-set", 0, m);
	m = et_req(ETHTOOL_MSG_STRSET_GET, NLM_F_ACK, 13);
	one(s, "ethtool-strset-get", 0, m);
	m = genl(T_NLF_ETHTOOL, ETHTOOL_MSG_RINGS_GET, NLM_F_DUMP, 14);
	one(s, "ethtool-rings-dump", 0, m);
	/* rtnetlink */
	m = mnl_nlmsg_put_header(msg);
	m->nlmsg_type = RTM_GETLINK;
	m->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	m->nlmsg_seq = 15;
	mnl_nlmsg_put_extra_header(m, sizeof(struct ifinfomsg));
	one(s, "route-getlink-dump", 1, m);
	m->nlmsg_type = RTM_SETLINK;
	m->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	((struct ifinfomsg *)mnl_nlmsg_get_payload(m))->ifi_index = T_NLF_IFINDEX;
	mnl_attr_put_u32(m, IFLA_MTU, 1400);
	one(s, "route-setlink", 1, m);

	/* a dump read in short pieces, another requested meanwhile (EBUSY),
	 * the socket closed in its middle; a bind then a close */
	o.n = 0;
	o.b[o.n++] = 0;
	m = genl(T_NLF_NETDEV, NETDEV_CMD_QUEUE_GET, NLM_F_DUMP, 20);
	t_nlf_op_send(&o, m, m->nlmsg_len);
	t_nlf_op(&o, T_NLF_RECV, 100, 0);
	t_nlf_op_send(&o, m, m->nlmsg_len);
	t_nlf_op(&o, T_NLF_RECV, 4096, 1);
	t_nlf_op(&o, T_NLF_REOPEN, 0, 0);
	m = genl(T_NLF_NETDEV, NETDEV_CMD_BIND_RX, NLM_F_ACK, 21);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_IFINDEX, T_NLF_IFINDEX);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_FD, 1);
	queue_nest(m, 0, NETDEV_QUEUE_TYPE_RX);
	t_nlf_op_send(&o, m, m->nlmsg_len);
	t_nlf_op(&o, T_NLF_SWITCH, 0, 0);
	t_nlf_op_send(&o, m, m->nlmsg_len);
	t_nlf_op(&o, T_NLF_DRAIN, 0, 0);
	t_nlf_op(&o, T_NLF_REOPEN, 0, 0);
	seed(s, "dump-interrupted-bind-close", &o);
	/* several messages in one send, the last one's header cut */
	o.n = 0;
	o.b[o.n++] = 0;
	{
		uint8_t two[1024];
		size_t n = 0;

		m = genl(T_NLF_NETDEV, NETDEV_CMD_DEV_GET, NLM_F_ACK, 30);
		mnl_attr_put_u32(m, NETDEV_A_DEV_IFINDEX, T_NLF_IFINDEX);
		memcpy(two, m, m->nlmsg_len);
		n = m->nlmsg_len;
		memcpy(two + n, m, 10);
		n += 10;
		t_nlf_op_send(&o, two, n);
	}
	t_nlf_op(&o, T_NLF_DRAIN, 0, 0);
	seed(s, "two-messages-second-cut", &o);
}
