/* The kernel as the oracle of the emulated netlink socket.
 *  1. Passthrough: requests about the kernel's interfaces (dev-get and a
 *     queue-get dump of lo, ethtool's rings-get of lo, RTM_GETLINK of lo,
 *     nlctrl's getfamily) get, through the emulated socket, the very bytes
 *     the kernel answers a socket of its own (the portid aside).
 *  2. Policy: malformed netdev requests get the same errno, extack message,
 *     attribute offset and missing-attribute type from netmem (about its
 *     interface) as from the kernel (about lo, refused before the device
 *     matters): unknown attribute, wrong length, integer out of range,
 *     NLA_F_NESTED missing, required attribute missing; and the ethtool
 *     request header's refusals (none, empty, index and name that
 *     disagree).  bind-rx needs
 *     CAP_NET_ADMIN from the kernel: without it that part is skipped. */
#include <linux/ethtool_netlink.h>
#include <linux/rtnetlink.h>
#include <unistd.h>

#include "t_net.h"
#include "t_nl.h"
#include "ctl/nl_sock.h"
#include "ctl/nl_uapi.h"

static uint8_t ours[65536], theirs[65536];

/* Every datagram of an answer (until the ack, NLMSG_DONE or silence), the
 * portid zeroed. */
static size_t collect(struct t_nl *n, uint8_t *out)
{
	size_t len = 0;

	for (int i = 0; i < 64; i++) {
		ssize_t r = t_nl_recv(n, out + len, sizeof(ours) - len);
		struct nlmsghdr *m = (struct nlmsghdr *)(out + len);
		int rem = (int)r;
		bool end = false;

		if (r <= 0)
			break;
		for (; mnl_nlmsg_ok(m, rem); m = mnl_nlmsg_next(m, &rem)) {
			m->nlmsg_pid = 0;
			end |= m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR;
		}
		len += (size_t)r;
		if (end)
			break;
	}
	return len;
}

static void same(struct t_nl *em, struct t_nl *k, struct nlmsghdr *req, const char *what)
{
	size_t a, b;

	t_nl_send(em, req, req->nlmsg_len);
	a = collect(em, ours);
	t_nl_send(k, req, req->nlmsg_len);
	b = collect(k, theirs);
	if (a != b || memcmp(ours, theirs, a))
		T_FAIL("%s: %zu bytes through netmem, %zu from the kernel", what, a, b);
	T_ASSERT(a > 0);
}

struct verdict {
	int err;
	char msg[256];
	uint32_t offs, miss;
};

static struct verdict ask(struct t_nl *n, struct nlmsghdr *m)
{
	struct verdict v = { 0 };

	v.err = t_nl_do(n, m);
	snprintf(v.msg, sizeof(v.msg), "%s", n->msg);
	v.offs = n->offs;
	v.miss = n->miss_type;
	return v;
}

typedef void (*build_fn)(struct nlmsghdr *m, int ifindex);

static void unknown_attr(struct nlmsghdr *m, int ifx)
{
	mnl_attr_put_u32(m, NETDEV_A_DEV_IFINDEX, (uint32_t)ifx);
	mnl_attr_put_u32(m, 60, 1);
}
static void short_ifindex(struct nlmsghdr *m, int ifx)
{
	mnl_attr_put_u16(m, NETDEV_A_DEV_IFINDEX, (uint16_t)ifx);
}
static void zero_ifindex(struct nlmsghdr *m, int ifx)
{
	(void)ifx;
	mnl_attr_put_u32(m, NETDEV_A_DEV_IFINDEX, 0);
}
static void missing(struct nlmsghdr *m, int ifx)
{
	(void)m;
	(void)ifx;
}
static void trailing(struct nlmsghdr *m, int ifx)
{
	mnl_attr_put_u32(m, NETDEV_A_DEV_IFINDEX, (uint32_t)ifx);
	m->nlmsg_len += 4;	/* half an attribute header */
}
static void bind_flat_queues(struct nlmsghdr *m, int ifx)
{
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_IFINDEX, (uint32_t)ifx);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_FD, 3);
	struct nlattr *q = mnl_attr_nest_start(m, NETDEV_A_DMABUF_QUEUES);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_ID, 0);
	mnl_attr_nest_end(m, q);
	q->nla_type &= (uint16_t)~NLA_F_NESTED;
}
static void queue_far(struct nlmsghdr *m, int ifx)
{
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_IFINDEX, (uint32_t)ifx);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_ID, 99);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
}
static void queue_no_type(struct nlmsghdr *m, int ifx)
{
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_IFINDEX, (uint32_t)ifx);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_ID, 0);
}
static void queue_bad_type(struct nlmsghdr *m, int ifx)
{
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_IFINDEX, (uint32_t)ifx);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_ID, 0);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_TYPE, 7);
}
static void bind_no_fd(struct nlmsghdr *m, int ifx)
{
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_IFINDEX, (uint32_t)ifx);
}

int main(void)
{
	struct t_nic t;
	struct t_nl em, k, rem, rk;
	uint16_t nd, et;
	int u;

	t_nic_up(&t, 2, 1500, false);
	u = T_OK(nm_nl_view_add(t.nd, 0));
	t_nl_open(&em, NETLINK_GENERIC);
	if (!t_nl_open_kernel(&k, NETLINK_GENERIC)) {
		printf("SKIP: no kernel generic netlink socket\n");
		return T_SKIP;
	}
	int one = 1;
	setsockopt(k.fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	nd = t_nl_family(&k, "netdev");
	et = t_nl_family(&k, "ethtool");
	if (!nd || !et) {
		printf("SKIP: the kernel has no netdev or ethtool family\n");
		return T_SKIP;
	}
	T_EQ(t_nl_family(&em, "netdev"), nd);

	/* 1. passthrough, byte for byte */
	struct nlmsghdr *m = t_nl_genl(&em, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_REQUEST);
	mnl_attr_put_strz(m, CTRL_ATTR_FAMILY_NAME, "netdev");
	same(&em, &k, m, "getfamily netdev");
	m = t_nl_genl(&em, nd, NETDEV_CMD_DEV_GET, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(m, NETDEV_A_DEV_IFINDEX, 1);
	same(&em, &k, m, "dev-get lo");
	m = t_nl_genl(&em, nd, NETDEV_CMD_QUEUE_GET, NLM_F_REQUEST | NLM_F_DUMP);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_IFINDEX, 1);
	same(&em, &k, m, "queue-get dump lo");
	m = t_nl_genl(&em, et, ETHTOOL_MSG_RINGS_GET, NLM_F_REQUEST | NLM_F_ACK);
	struct nlattr *h = mnl_attr_nest_start(m, ETHTOOL_A_RINGS_HEADER);
	mnl_attr_put_strz(m, ETHTOOL_A_HEADER_DEV_NAME, "lo");
	mnl_attr_nest_end(m, h);
	same(&em, &k, m, "rings-get lo");
	t_nl_open(&rem, NETLINK_ROUTE);
	T_ASSERT(t_nl_open_kernel(&rk, NETLINK_ROUTE));
	setsockopt(rk.fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	m = t_nl_msg(&rem, RTM_GETLINK, NLM_F_REQUEST, sizeof(struct ifinfomsg));
	((struct ifinfomsg *)mnl_nlmsg_get_payload(m))->ifi_index = 1;
	same(&rem, &rk, m, "RTM_GETLINK lo");

	/* 2. the policy's refusals: netmem's verdict on its interface, the
	 * kernel's on lo */
	struct { uint8_t cmd; build_fn fn; const char *what; bool admin; } cases[] = {
		{ NETDEV_CMD_DEV_GET, unknown_attr, "unknown attribute", false },
		{ NETDEV_CMD_DEV_GET, short_ifindex, "u16 ifindex", false },
		{ NETDEV_CMD_DEV_GET, zero_ifindex, "ifindex 0", false },
		{ NETDEV_CMD_DEV_GET, missing, "no ifindex", false },
		{ NETDEV_CMD_DEV_GET, trailing, "bytes after the attributes", false },
		{ NETDEV_CMD_QUEUE_GET, queue_far, "queue-get of queue 99", false },
		{ NETDEV_CMD_QUEUE_GET, queue_no_type, "queue-get without type", false },
		{ NETDEV_CMD_QUEUE_GET, queue_bad_type, "queue-get of type 7", false },
		{ NETDEV_CMD_BIND_RX, bind_flat_queues, "queues without NLA_F_NESTED", true },
		{ NETDEV_CMD_BIND_RX, bind_no_fd, "bind-rx without fd", true },
	};
	bool admin = geteuid() == 0;
	int checked = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct verdict a, b;

		if (cases[i].admin && !admin)
			continue;
		m = t_nl_genl(&em, nd, cases[i].cmd, NLM_F_REQUEST | NLM_F_ACK);
		cases[i].fn(m, u);
		a = ask(&em, m);
		m = t_nl_genl(&k, nd, cases[i].cmd, NLM_F_REQUEST | NLM_F_ACK);
		cases[i].fn(m, 1);
		b = ask(&k, m);
		if (a.err != b.err || strcmp(a.msg, b.msg) || a.offs != b.offs || a.miss != b.miss)
			T_FAIL("%s: netmem %d \"%s\" offs %u miss %u, the kernel %d \"%s\" offs %u miss %u",
			       cases[i].what, a.err, a.msg, a.offs, a.miss, b.err, b.msg, b.offs,
			       b.miss);
		T_ASSERT(a.err < 0);
		checked++;
	}
	/* the ethtool header's refusals: netmem's for its interface, the
	 * kernel's for lo */
	struct { const char *what; bool hdr; int idx; const char *name; } ec[] = {
		{ "no header", false, 0, NULL },
		{ "an empty header", true, 0, NULL },
		{ "index and name that disagree", true, -1, "nmnosuchdev0" },
	};
	for (size_t i = 0; i < sizeof(ec) / sizeof(ec[0]); i++) {
		struct verdict a, b;

		for (int side = 0; side < 2; side++) {
			struct t_nl *n = side ? &k : &em;

			m = t_nl_genl(n, et, ETHTOOL_MSG_RINGS_GET, NLM_F_REQUEST | NLM_F_ACK);
			if (ec[i].hdr) {
				struct nlattr *hh = mnl_attr_nest_start(m, ETHTOOL_A_RINGS_HEADER);

				if (ec[i].idx)
					mnl_attr_put_u32(m, ETHTOOL_A_HEADER_DEV_INDEX,
							 side ? 1u : (uint32_t)u);
				if (ec[i].name)
					mnl_attr_put_strz(m, ETHTOOL_A_HEADER_DEV_NAME, ec[i].name);
				mnl_attr_nest_end(m, hh);
			}
			if (side)
				b = ask(n, m);
			else
				a = ask(n, m);
		}
		if (a.err != b.err || strcmp(a.msg, b.msg) || a.offs != b.offs || a.miss != b.miss)
			T_FAIL("ethtool %s: netmem %d \"%s\" offs %u, the kernel %d \"%s\" offs %u",
			       ec[i].what, a.err, a.msg, a.offs, b.err, b.msg, b.offs);
		T_ASSERT(a.err < 0);
		checked++;
	}
	printf("%d refusals compared with the kernel's%s\n", checked,
	       admin ? "" : " (bind-rx ones skipped: no CAP_NET_ADMIN)");

	t_nl_close(&em);
	t_nl_close(&k);
	t_nl_close(&rem);
	t_nl_close(&rk);
	nm_nl_view_del(t.nd);
	t_nic_down(&t);
	T_PASS();
}
