/* SPDX-License-Identifier: MIT */
/* Netlink requests for tests, to an emulated or a kernel socket (t_nl.h). */
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool_netlink.h>

#include "ctl/nl_sock.h"
#include "ctl/nl_uapi.h"
#include "t_nl.h"
#include "t_util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

void t_nl_open(struct t_nl *n, int protocol)
{
	int one = 1;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	T_OK(nm_nl_sock_open(protocol, &n->s));
	T_OK(nm_nl_sock_bind(n->s, 4242, 0));
	T_OK(nm_nl_sock_setsockopt(n->s, NETLINK_EXT_ACK, &one, sizeof(one)));
}

bool t_nl_open_kernel(struct t_nl *n, int protocol)
{
	int one = 1;

	memset(n, 0, sizeof(*n));
	n->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (n->fd < 0)
		return false;
	setsockopt(n->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return true;
}

void t_nl_close(struct t_nl *n)
{
	if (n->s)
		T_OK(nm_nl_sock_close(n->s));
	if (n->fd >= 0)
		close(n->fd);
	n->s = NULL;
	n->fd = -1;
}

void t_nl_send(struct t_nl *n, const void *p, size_t len)
{
	if (n->s) {
		T_EQ(nm_nl_sock_send(n->s, p, len), len);
		T_OK(nm_nl_sock_check(n->s));
	} else {
		T_EQ(send(n->fd, p, len, 0), len);
	}
}

ssize_t t_nl_recv(struct t_nl *n, void *buf, size_t len)
{
	if (n->s) {
		bool trunc;
		ssize_t r = nm_nl_sock_recv(n->s, buf, len, 0, &trunc);

		T_OK(nm_nl_sock_check(n->s));
		return r;
	}
	struct pollfd p = { .fd = n->fd, .events = POLLIN };

	if (poll(&p, 1, 2000) <= 0)
		return -EAGAIN;
	ssize_t r = recv(n->fd, buf, len, 0);

	return r < 0 ? -errno : r;
}

struct nlmsghdr *t_nl_genl(struct t_nl *n, uint16_t family, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *m = mnl_nlmsg_put_header(n->req);
	struct genlmsghdr *g;

	m->nlmsg_type = family;
	m->nlmsg_flags = flags;
	m->nlmsg_seq = ++n->seq;
	g = mnl_nlmsg_put_extra_header(m, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return m;
}

struct nlmsghdr *t_nl_msg(struct t_nl *n, uint16_t type, uint16_t flags, size_t hdrlen)
{
	struct nlmsghdr *m = mnl_nlmsg_put_header(n->req);

	m->nlmsg_type = type;
	m->nlmsg_flags = flags;
	m->nlmsg_seq = ++n->seq;
	if (hdrlen)
		mnl_nlmsg_put_extra_header(m, hdrlen);
	return m;
}

static int ack_tlv(const struct nlattr *a, void *arg)
{
	struct t_nl *n = arg;

	switch (mnl_attr_get_type(a)) {
	case NLMSGERR_ATTR_MSG:
		snprintf(n->msg, sizeof(n->msg), "%.*s", (int)mnl_attr_get_payload_len(a),
			 (const char *)mnl_attr_get_payload(a));
		break;
	case NLMSGERR_ATTR_OFFS:
		n->offs = mnl_attr_get_u32(a);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		n->miss_type = mnl_attr_get_u32(a);
		break;
	case NLMSGERR_ATTR_MISS_NEST:
		n->miss_nest = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

/* An NLMSG_ERROR: its error, its extack into n. */
static int read_ack(struct t_nl *n, const struct nlmsghdr *m)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

	T_ASSERT(mnl_nlmsg_get_payload_len(m) >= sizeof(*e));
	n->ack_flags = m->nlmsg_flags;
	n->ack_len = m->nlmsg_len;
	if (m->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t off = sizeof(*e);

		if (!(m->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		mnl_attr_parse(m, (unsigned)off, ack_tlv, n);
	}
	return e->error;
}

static void reset(struct t_nl *n)
{
	n->reply = NULL;
	n->msg[0] = 0;
	n->offs = n->miss_type = n->miss_nest = 0;
	n->ack_flags = 0;
	n->ack_len = 0;
}

int t_nl_do(struct t_nl *n, struct nlmsghdr *m)
{
	bool want_ack = m->nlmsg_flags & NLM_F_ACK;
	uint32_t seq = m->nlmsg_seq;

	reset(n);
	t_nl_send(n, m, m->nlmsg_len);
	for (int i = 0; i < 16; i++) {
		ssize_t r = t_nl_recv(n, n->rx, sizeof(n->rx));
		const struct nlmsghdr *x = (const void *)n->rx;
		int rem = (int)r;

		if (r == -EAGAIN)
			return want_ack ? -ETIMEDOUT : 0;
		T_ASSERT(r > 0);
		while (mnl_nlmsg_ok(x, rem)) {
			T_EQ(x->nlmsg_seq, seq);
			if (x->nlmsg_type == NLMSG_ERROR)
				return read_ack(n, x);
			T_ASSERT(x->nlmsg_len <= sizeof(n->reply_buf));
			memcpy(n->reply_buf, x, x->nlmsg_len);
			n->reply = (const void *)n->reply_buf;
			if (!want_ack)
				return 0;
			x = mnl_nlmsg_next(x, &rem);
		}
	}
	T_FAIL("no ack");
}

int t_nl_dump(struct t_nl *n, struct nlmsghdr *m,
	      void (*fn)(const struct nlmsghdr *m, void *arg), void *arg)
{
	int count = 0;

	reset(n);
	t_nl_send(n, m, m->nlmsg_len);
	for (int i = 0; i < 10000; i++) {
		ssize_t r = t_nl_recv(n, n->rx, sizeof(n->rx));
		const struct nlmsghdr *x = (const void *)n->rx;
		int rem = (int)r;

		T_ASSERT(r > 0);
		while (mnl_nlmsg_ok(x, rem)) {
			if (x->nlmsg_type == NLMSG_DONE)
				return count;
			if (x->nlmsg_type == NLMSG_ERROR)
				return read_ack(n, x);
			if (fn)
				fn(x, arg);
			count++;
			x = mnl_nlmsg_next(x, &rem);
		}
	}
	T_FAIL("dump without end");
}

uint16_t t_nl_family(struct t_nl *n, const char *name)
{
	struct nlmsghdr *m = t_nl_genl(n, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_REQUEST);
	int64_t id;

	mnl_attr_put_strz(m, CTRL_ATTR_FAMILY_NAME, name);
	if (t_nl_do(n, m) != 0 || !n->reply)
		return 0;
	/* FAMILY_ID is a u16: read it by hand */
	const struct nlattr *a;

	id = 0;
	mnl_attr_for_each(a, n->reply, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			id = mnl_attr_get_u16(a);
	return (uint16_t)id;
}

int64_t t_nl_attr_u32(const struct nlmsghdr *m, size_t hdrlen, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, m, hdrlen)
		if (mnl_attr_get_type(a) == type && mnl_attr_get_payload_len(a) >= 4)
			return mnl_attr_get_u32(a);
	return -1;
}

uint32_t t_nl_mcgrp(struct t_nl *n, const char *family, const char *group)
{
	struct nlmsghdr *m = t_nl_genl(n, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_REQUEST);
	const struct nlattr *a, *g, *x;
	uint32_t id = 0;

	mnl_attr_put_strz(m, CTRL_ATTR_FAMILY_NAME, family);
	if (t_nl_do(n, m) != 0 || !n->reply)
		return 0;
	mnl_attr_for_each(a, n->reply, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		mnl_attr_for_each_nested(g, a) {
			const char *name = NULL;
			uint32_t gid = 0;

			mnl_attr_for_each_nested(x, g) {
				if (mnl_attr_get_type(x) == CTRL_ATTR_MCAST_GRP_NAME)
					name = mnl_attr_get_str(x);
				if (mnl_attr_get_type(x) == CTRL_ATTR_MCAST_GRP_ID)
					gid = mnl_attr_get_u32(x);
			}
			if (name && !strcmp(name, group))
				id = gid;
		}
	}
	return id;
}

void t_nl_put_feature(struct nlmsghdr *m, const char *name, bool on)
{
	struct nlattr *w = mnl_attr_nest_start(m, ETHTOOL_A_FEATURES_WANTED);
	struct nlattr *bits = mnl_attr_nest_start(m, ETHTOOL_A_BITSET_BITS);
	struct nlattr *bit = mnl_attr_nest_start(m, ETHTOOL_A_BITSET_BITS_BIT);

	mnl_attr_put_strz(m, ETHTOOL_A_BITSET_BIT_NAME, name);
	if (on)
		mnl_attr_put(m, ETHTOOL_A_BITSET_BIT_VALUE, 0, NULL);
	mnl_attr_nest_end(m, bit);
	mnl_attr_nest_end(m, bits);
	mnl_attr_nest_end(m, w);
}

struct nlmsghdr *t_nl_bind_rx(struct t_nl *n, uint16_t family, int ifindex, int fd, uint32_t q)
{
	struct nlmsghdr *m = t_nl_genl(n, family, NETDEV_CMD_BIND_RX, NLM_F_REQUEST | NLM_F_ACK);
	struct nlattr *nest;

	mnl_attr_put_u32(m, NETDEV_A_DMABUF_IFINDEX, (uint32_t)ifindex);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_FD, (uint32_t)fd);
	nest = mnl_attr_nest_start(m, NETDEV_A_DMABUF_QUEUES);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_ID, q);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
	mnl_attr_nest_end(m, nest);
	return m;
}
