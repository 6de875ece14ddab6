/* The netdev generic netlink family on an emulated netlink socket
 * (src/ctl/nl_sock.h): getfamily answered by the kernel (the same ids),
 * dev-get / queue-get / napi-get / page-pool-get / page-pool-stats-get /
 * qstats-get do and dump (the kernel's objects and netmem's in one dump),
 * bind-rx and bind-tx with every refusal's errno and extack (message,
 * offset of the attribute, missing attribute), acks, and the binding
 * owned by the socket: closing it unbinds. */
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "t_net.h"
#include "t_nl.h"
#include "ctl/nl_sock.h"
#include "ctl/nl_uapi.h"
#include "ctl/ctl_internal.h"
#include "nic/netdev_drv.h"
#include "pool/page_pool.h"
#include <netmem/ctl.h>
#include <netmem/dmabuf.h>

#define FAKE_FD 777		/* the dma-buf fd the test's lookup knows */

static struct nm_dmabuf *gbuf;

static int lookup(void *arg, int fd, struct nm_dmabuf **out)
{
	(void)arg;
	if (fd != FAKE_FD)
		return -EBADF;
	T_OK(nm_dmabuf_get(gbuf));
	*out = gbuf;
	return 0;
}

static uint16_t nd_fam;

static struct nlmsghdr *bind_req(struct t_nl *n, int ifindex, int fd, const uint32_t *qs,
				 int nq, uint32_t page)
{
	struct nlmsghdr *m = t_nl_genl(n, nd_fam, NETDEV_CMD_BIND_RX, NLM_F_REQUEST | NLM_F_ACK);

	mnl_attr_put_u32(m, NETDEV_A_DMABUF_IFINDEX, (uint32_t)ifindex);
	if (fd >= 0)
		mnl_attr_put_u32(m, NETDEV_A_DMABUF_FD, (uint32_t)fd);
	for (int i = 0; i < nq; i++) {
		struct nlattr *q = mnl_attr_nest_start(m, NETDEV_A_DMABUF_QUEUES | NLA_F_NESTED);

		mnl_attr_put_u32(m, NETDEV_A_QUEUE_ID, qs[i]);
		mnl_attr_put_u32(m, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
		mnl_attr_nest_end(m, q);
	}
	if (page)
		mnl_attr_put_u32(m, NETDEV_A_DMABUF_RX_PAGE_SIZE, page);
	return m;
}

/* The offset in m of its first attribute of type t (at the top or in the
 * first nest). */
static uint32_t offset_of(const struct nlmsghdr *m, uint16_t t, bool in_nest)
{
	const struct nlattr *a, *b;

	mnl_attr_for_each(a, m, GENL_HDRLEN) {
		if (!in_nest && mnl_attr_get_type(a) == t)
			return (uint32_t)((const uint8_t *)a - (const uint8_t *)m);
		if (in_nest && (a->nla_type & NLA_F_NESTED))
			mnl_attr_for_each_nested(b, a)
				if (mnl_attr_get_type(b) == t)
					return (uint32_t)((const uint8_t *)b - (const uint8_t *)m);
	}
	return 0;
}

struct seen {
	int user, kernel_lo, count;
	uint32_t dmabuf_q0;
	uint32_t pp_dmabuf;
};

static void dev_cb(const struct nlmsghdr *m, void *arg)
{
	struct seen *s = arg;
	int64_t ifx = t_nl_attr_u32(m, GENL_HDRLEN, NETDEV_A_DEV_IFINDEX);

	s->count++;
	if (ifx == s->user)
		s->user = -s->user;	/* found: negated */
	if (ifx == 1)
		s->kernel_lo = 1;
}

static void queue_cb(const struct nlmsghdr *m, void *arg)
{
	struct seen *s = arg;

	s->count++;
	if (t_nl_attr_u32(m, GENL_HDRLEN, NETDEV_A_QUEUE_ID) == 0 &&
	    t_nl_attr_u32(m, GENL_HDRLEN, NETDEV_A_QUEUE_TYPE) == NETDEV_QUEUE_TYPE_RX)
		s->dmabuf_q0 = (uint32_t)(t_nl_attr_u32(m, GENL_HDRLEN, NETDEV_A_QUEUE_DMABUF) + 1);
}

static void pp_cb(const struct nlmsghdr *m, void *arg)
{
	struct seen *s = arg;
	int64_t d = t_nl_attr_u32(m, GENL_HDRLEN, NETDEV_A_PAGE_POOL_DMABUF);

	if (t_nl_attr_u32(m, GENL_HDRLEN, NETDEV_A_PAGE_POOL_IFINDEX) == s->user)
		s->count++;
	if (d > 0)
		s->pp_dmabuf = (uint32_t)d;
}

static void expect(struct t_nl *n, struct nlmsghdr *m, int err, const char *msg)
{
	int r = t_nl_do(n, m);

	if (r != err || (msg && strcmp(n->msg, msg)))
		T_FAIL("wanted %d \"%s\", got %d \"%s\"", err, msg ? msg : "", r, n->msg);
}

int main(void)
{
	struct t_nic t;
	struct t_nl n, n2;
	struct nm_ringparam rp;
	struct seen sn;
	int u;

	t_nic_up(&t, 2, 1500, false);
	struct nm_channels ch;
	T_OK(nm_netdev_get_channels(t.nd, &ch));
	T_EQ(ch.rx, 2);
	T_OK(nm_dmabuf_create_device(t.gpu, 1 << 20, &gbuf));
	u = T_OK(nm_nl_view_add(t.nd, 0));
	T_ASSERT(u >= NM_NL_IFINDEX_BASE);
	T_EQ(nm_nl_user_ifindex(t.nd), u);
	T_ASSERT(nm_nl_netdev_by_user(u) == t.nd);
	T_ERR(nm_nl_view_add(t.nd, 0), -EEXIST);

	t_nl_open(&n, NETLINK_GENERIC);
	nm_nl_sock_set_dmabuf_lookup(n.s, lookup, NULL);

	/* getfamily: the kernel's answer, the kernel's id */
	struct t_nl k;
	uint16_t kid = 0;
	if (t_nl_open_kernel(&k, NETLINK_GENERIC)) {
		kid = t_nl_family(&k, "netdev");
		t_nl_close(&k);
	}
	nd_fam = t_nl_family(&n, "netdev");
	T_ASSERT(nd_fam != 0);
	if (kid)
		T_EQ(nd_fam, kid);
	T_ASSERT(t_nl_family(&n, "ethtool") != 0);
	struct nlmsghdr *m = t_nl_genl(&n, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_REQUEST);
	mnl_attr_put_strz(m, CTRL_ATTR_FAMILY_NAME, "nm-nofamily");
	expect(&n, m, -ENOENT, NULL);

	/* dev-get do: netmem's, and the kernel's lo passed through */
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_DEV_GET, NLM_F_REQUEST);
	mnl_attr_put_u32(m, NETDEV_A_DEV_IFINDEX, (uint32_t)u);
	T_EQ(t_nl_do(&n, m), 0);
	T_ASSERT(n.reply);
	T_EQ(n.reply->nlmsg_type, nd_fam);
	T_EQ(n.reply->nlmsg_pid, 4242);
	T_EQ(t_nl_attr_u32(n.reply, GENL_HDRLEN, NETDEV_A_DEV_IFINDEX), u);
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_DEV_GET, NLM_F_REQUEST);
	mnl_attr_put_u32(m, NETDEV_A_DEV_IFINDEX, 1);
	T_EQ(t_nl_do(&n, m), 0);
	T_ASSERT(n.reply);
	T_EQ(t_nl_attr_u32(n.reply, GENL_HDRLEN, NETDEV_A_DEV_IFINDEX), 1);
	T_EQ(n.reply->nlmsg_pid, 4242);
	/* with an ack: the answer, then an ack capped to the header */
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_DEV_GET, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(m, NETDEV_A_DEV_IFINDEX, (uint32_t)u);
	T_EQ(t_nl_do(&n, m), 0);
	T_ASSERT(n.reply && (n.ack_flags & NLM_F_CAPPED));
	T_EQ(n.ack_len, NLMSG_HDRLEN + sizeof(struct nlmsgerr));
	/* refusals of the policy and the required attributes */
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_DEV_GET, NLM_F_REQUEST);
	expect(&n, m, -EINVAL, "");
	T_EQ(n.miss_type, NETDEV_A_DEV_IFINDEX);
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_DEV_GET, NLM_F_REQUEST);
	mnl_attr_put_u32(m, NETDEV_A_DEV_IFINDEX, 0);
	expect(&n, m, -ERANGE, "integer out of range");
	T_EQ(n.offs, offset_of(m, NETDEV_A_DEV_IFINDEX, false));
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_DEV_GET, NLM_F_REQUEST);
	mnl_attr_put_u16(m, NETDEV_A_DEV_IFINDEX, 1);
	expect(&n, m, -EINVAL, "invalid attribute length");
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_DEV_GET, NLM_F_REQUEST);
	mnl_attr_put_u32(m, NETDEV_A_DEV_IFINDEX, (uint32_t)u);
	mnl_attr_put_u32(m, 77, 1);
	expect(&n, m, -EINVAL, "Unknown attribute type");
	T_EQ(n.offs, offset_of(m, 77, false));
	m = t_nl_genl(&n, nd_fam, 99, NLM_F_REQUEST);
	expect(&n, m, -EOPNOTSUPP, "");
	/* the error ack echoes the request, whole, without NETLINK_CAP_ACK */
	T_EQ(n.ack_len & ~3u, (NLMSG_HDRLEN + sizeof(int) + m->nlmsg_len) & ~3u);

	/* a queue never read fills up: replies are dropped and the next
	 * receive fails with ENOBUFS, once (not with NETLINK_NO_ENOBUFS), as
	 * the kernel's full socket */
	for (int no_enobufs = 0; no_enobufs < 2; no_enobufs++) {
		struct t_nl f;
		uint8_t b[8192];
		bool trunc;
		ssize_t r;
		int enobufs = 0, got = 0;

		t_nl_open(&f, NETLINK_GENERIC);
		T_OK(nm_nl_sock_setsockopt(f.s, NETLINK_NO_ENOBUFS, &no_enobufs, sizeof(int)));
		for (int i = 0; i < 20000; i++) {
			m = t_nl_genl(&f, nd_fam, NETDEV_CMD_DEV_GET, NLM_F_REQUEST | NLM_F_ACK);
			mnl_attr_put_u32(m, NETDEV_A_DEV_IFINDEX, (uint32_t)u);
			T_EQ(nm_nl_sock_send(f.s, m, m->nlmsg_len), m->nlmsg_len);
		}
		T_ASSERT(nm_nl_sock_readable(f.s));
		while ((r = nm_nl_sock_recv(f.s, b, sizeof(b), 0, &trunc)) != -EAGAIN) {
			if (r == -ENOBUFS)
				enobufs++;
			else
				got += r > 0;
		}
		T_EQ(enobufs, !no_enobufs);
		T_ASSERT(got > 1000 && got < 40000);	/* some, not all, kept */
		T_OK(nm_nl_sock_check(f.s));
		t_nl_close(&f);
	}

	/* dev-get dump: the kernel's lo and netmem's interface together */
	memset(&sn, 0, sizeof(sn));
	sn.user = u;
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_DEV_GET, NLM_F_REQUEST | NLM_F_DUMP);
	T_ASSERT(t_nl_dump(&n, m, dev_cb, &sn) >= 2);
	T_EQ(sn.user, -u);
	T_EQ(sn.kernel_lo, 1);

	/* queue-get: dump of our interface, do with a missing attribute */
	memset(&sn, 0, sizeof(sn));
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_QUEUE_GET, NLM_F_REQUEST | NLM_F_DUMP);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_IFINDEX, (uint32_t)u);
	T_EQ(t_nl_dump(&n, m, queue_cb, &sn), ch.rx + ch.tx);
	T_EQ(sn.dmabuf_q0, 0);	/* no DMABUF attribute: -1 + 1 */
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_QUEUE_GET, NLM_F_REQUEST);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_IFINDEX, (uint32_t)u);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_ID, 0);
	expect(&n, m, -EINVAL, "");
	T_EQ(n.miss_type, NETDEV_A_QUEUE_TYPE);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_TX);
	T_EQ(t_nl_do(&n, m), 0);
	T_EQ(t_nl_attr_u32(n.reply, GENL_HDRLEN, NETDEV_A_QUEUE_TYPE), NETDEV_QUEUE_TYPE_TX);
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_QUEUE_GET, NLM_F_REQUEST);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_IFINDEX, (uint32_t)u);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_ID, 2);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
	expect(&n, m, -EINVAL, "");

	/* napi-get: one NAPI per queue */
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_NAPI_GET, NLM_F_REQUEST | NLM_F_DUMP);
	mnl_attr_put_u32(m, NETDEV_A_NAPI_IFINDEX, (uint32_t)u);
	T_EQ(t_nl_dump(&n, m, NULL, NULL), 2);

	/* bind-rx refusals, each with the kernel's errno and extack */
	uint32_t q0 = 0, q1 = 1, q5 = 5, both[2] = { 0, 1 };
	expect(&n, bind_req(&n, u, FAKE_FD, NULL, 0, 0), -EINVAL, "");
	T_EQ(n.miss_type, NETDEV_A_DMABUF_QUEUES);
	expect(&n, bind_req(&n, u, -1, &q0, 1, 0), -EINVAL, "");
	T_EQ(n.miss_type, NETDEV_A_DMABUF_FD);
	m = bind_req(&n, u, FAKE_FD, &q0, 1, 5000);
	expect(&n, m, -EINVAL, "rx-page-size must be a power of 2");
	T_EQ(n.offs, offset_of(m, NETDEV_A_DMABUF_RX_PAGE_SIZE, false));
	expect(&n, bind_req(&n, u, FAKE_FD, &q0, 1, 2048), -ERANGE, "integer out of range");
	expect(&n, bind_req(&n, u, FAKE_FD, &q0, 1, 1u << 20), -EINVAL,
	       "rx-page-size 1048576 is larger than the largest net_iov (65536)");
	m = bind_req(&n, u, FAKE_FD, &q5, 1, 0);
	expect(&n, m, -EINVAL, "");
	T_EQ(n.offs, offset_of(m, NETDEV_A_QUEUE_ID, true));
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_BIND_RX, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_IFINDEX, (uint32_t)u);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_FD, FAKE_FD);
	struct nlattr *nest = mnl_attr_nest_start(m, NETDEV_A_DMABUF_QUEUES | NLA_F_NESTED);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_ID, 0);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_TX);
	mnl_attr_nest_end(m, nest);
	expect(&n, m, -EINVAL, "");
	T_EQ(n.offs, offset_of(m, NETDEV_A_QUEUE_TYPE, true));
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_BIND_RX, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_IFINDEX, (uint32_t)u);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_FD, FAKE_FD);
	nest = mnl_attr_nest_start(m, NETDEV_A_DMABUF_QUEUES);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_ID, 0);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
	mnl_attr_nest_end(m, nest);
	nest->nla_type &= (uint16_t)~NLA_F_NESTED;	/* libmnl sets it: a hand-made one may not */
	expect(&n, m, -EINVAL, "NLA_F_NESTED is missing");
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_BIND_RX, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_IFINDEX, (uint32_t)u);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_FD, FAKE_FD);
	nest = mnl_attr_nest_start(m, NETDEV_A_DMABUF_QUEUES | NLA_F_NESTED);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
	mnl_attr_nest_end(m, nest);
	expect(&n, m, -EINVAL, "");
	T_EQ(n.miss_type, NETDEV_A_QUEUE_ID);
	T_EQ(n.miss_nest, offset_of(m, NETDEV_A_DMABUF_QUEUES, false));
	expect(&n, bind_req(&n, u, 12345, &q0, 1, 0), -EBADF, "");
	/* the default lookup: a file that is not a dma-buf is EINVAL */
	struct t_nl d;
	t_nl_open(&d, NETLINK_GENERIC);
	int tmpfd = open("/proc/self/stat", O_RDONLY);
	T_ASSERT(tmpfd >= 0);
	expect(&d, bind_req(&d, u, tmpfd, &q0, 1, 0), -EINVAL, "");
	close(tmpfd);
	t_nl_close(&d);
	/* header split */
	T_OK(nm_netdev_get_ringparam(t.nd, &rp));
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_DISABLED;
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));
	expect(&n, bind_req(&n, u, FAKE_FD, &q0, 1, 0), -EINVAL, "tcp-data-split is disabled");
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;
	rp.hds_thresh = 100;
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));
	expect(&n, bind_req(&n, u, FAKE_FD, &q0, 1, 0), -EINVAL, "hds-thresh is not zero");
	rp.hds_thresh = 0;
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));
	T_ASSERT(nm_netdev_rxq_provider(t.nd, 0, NULL) == NULL);

	/* bind-rx: the binding id, queue 0 reports it, its payload pool too */
	m = bind_req(&n, u, FAKE_FD, &q0, 1, 8192);
	T_EQ(t_nl_do(&n, m), 0);
	T_ASSERT(n.reply);
	int64_t id = t_nl_attr_u32(n.reply, GENL_HDRLEN, NETDEV_A_DMABUF_ID);
	T_ASSERT(id >= 1);
	/* rx-page-size made the binding's net_iovs 8 KiB */
	struct nm_dmabuf_binding *b = nm_ctl_binding_get((uint32_t)id, NULL, NULL);
	T_ASSERT(b);
	T_EQ(nm_dmabuf_binding_niov_size(b), 8192);
	nm_dmabuf_binding_put(b);
	T_ASSERT(nm_netdev_rxq_provider(t.nd, 0, NULL) != NULL);
	memset(&sn, 0, sizeof(sn));
	sn.user = u;
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_QUEUE_GET, NLM_F_REQUEST | NLM_F_DUMP);
	mnl_attr_put_u32(m, NETDEV_A_QUEUE_IFINDEX, (uint32_t)u);
	T_EQ(t_nl_dump(&n, m, queue_cb, &sn), ch.rx + ch.tx);
	T_EQ(sn.dmabuf_q0, id + 1);
	sn.count = 0;
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_PAGE_POOL_GET, NLM_F_REQUEST | NLM_F_DUMP);
	t_nl_dump(&n, m, pp_cb, &sn);
	T_EQ(sn.count, 4);	/* header and payload pool per queue */
	T_EQ(sn.pp_dmabuf, id);
	/* a queue bound already, even among others */
	t_nl_open(&n2, NETLINK_GENERIC);
	nm_nl_sock_set_dmabuf_lookup(n2.s, lookup, NULL);
	expect(&n2, bind_req(&n2, u, FAKE_FD, both, 2, 0), -EEXIST,
	       "designated queue already memory provider bound");
	T_ASSERT(nm_netdev_rxq_provider(t.nd, 1, NULL) == NULL);
	T_EQ(t_nl_do(&n2, bind_req(&n2, u, FAKE_FD, &q1, 1, 0)), 0);
	T_ASSERT(nm_netdev_rxq_provider(t.nd, 1, NULL) != NULL);

	/* page-pool-get and page-pool-stats-get do, by the ids the dump gave */
	uint32_t ppid = nm_page_pool_id(nm_netdev_rxq_payload_pool(t.nd, 0)) + 0x4e4d0000u;
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_PAGE_POOL_GET, NLM_F_REQUEST);
	mnl_attr_put_u32(m, NETDEV_A_PAGE_POOL_ID, ppid);
	T_EQ(t_nl_do(&n, m), 0);
	T_EQ(t_nl_attr_u32(n.reply, GENL_HDRLEN, NETDEV_A_PAGE_POOL_DMABUF), id);
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_PAGE_POOL_STATS_GET, NLM_F_REQUEST);
	nest = mnl_attr_nest_start(m, NETDEV_A_PAGE_POOL_STATS_INFO | NLA_F_NESTED);
	mnl_attr_put_u32(m, NETDEV_A_PAGE_POOL_ID, ppid);
	mnl_attr_nest_end(m, nest);
	T_EQ(t_nl_do(&n, m), 0);
	T_ASSERT(t_nl_attr_u32(n.reply, GENL_HDRLEN, NETDEV_A_PAGE_POOL_STATS_ALLOC_FAST) >= 0);
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_QSTATS_GET, NLM_F_REQUEST | NLM_F_DUMP);
	mnl_attr_put_u32(m, NETDEV_A_QSTATS_IFINDEX, (uint32_t)u);
	T_EQ(t_nl_dump(&n, m, NULL, NULL), 1);
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_QSTATS_GET, NLM_F_REQUEST | NLM_F_DUMP);
	mnl_attr_put_u32(m, NETDEV_A_QSTATS_IFINDEX, (uint32_t)u);
	mnl_attr_put_u32(m, NETDEV_A_QSTATS_SCOPE, NETDEV_QSTATS_SCOPE_QUEUE);
	T_EQ(t_nl_dump(&n, m, NULL, NULL), ch.rx + ch.tx);

	/* bind-tx: refused without netmem TX, then made */
	T_OK(nm_netdev_set_features(t.nd, NM_NETIF_F_NETMEM_TX, 0));
	m = t_nl_genl(&n, nd_fam, NETDEV_CMD_BIND_TX, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_IFINDEX, (uint32_t)u);
	mnl_attr_put_u32(m, NETDEV_A_DMABUF_FD, FAKE_FD);
	expect(&n, m, -EOPNOTSUPP, "Driver does not support netmem TX");
	T_OK(nm_netdev_set_features(t.nd, NM_NETIF_F_NETMEM_TX, NM_NETIF_F_NETMEM_TX));
	T_EQ(t_nl_do(&n, m), 0);
	T_ASSERT(t_nl_attr_u32(n.reply, GENL_HDRLEN, NETDEV_A_DMABUF_ID) > id);

	/* closing a socket unbinds what it bound, and only that */
	t_nl_close(&n2);
	T_ASSERT(nm_netdev_rxq_provider(t.nd, 1, NULL) == NULL);
	T_ASSERT(nm_netdev_rxq_provider(t.nd, 0, NULL) != NULL);
	t_nl_close(&n);
	T_ASSERT(nm_netdev_rxq_provider(t.nd, 0, NULL) == NULL);

	nm_nl_view_del(t.nd);
	T_ASSERT(nm_nl_netdev_by_user(u) == NULL);
	nm_dmabuf_put(gbuf);
	t_nic_down(&t);
	T_PASS();
}
