/* The ethtool generic netlink family on an emulated netlink socket:
 * rings-get/set (tcp-data-split, hds-thresh), channels-get/set,
 * features-get/set (compact and named bitsets), strset-get, linkinfo,
 * linkmodes, rss-get; the request header's refusals; the kernel's own
 * interfaces passed through (a name only the kernel knows); and the
 * refusals while a queue has a memory provider, with the kernel's
 * messages (net/ethtool/rings.c, channels.c). */
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>

#include "t_net.h"
#include "t_nl.h"
#include "ctl/nl_sock.h"
#include "ctl/nl_uapi.h"
#include "nic/netdev_drv.h"
#include <netmem/ctl.h>
#include <netmem/dmabuf.h>

static struct nm_dmabuf *gbuf;
static uint16_t et, nd_fam;
static int u;

static int lookup(void *arg, int fd, struct nm_dmabuf **out)
{
	(void)arg;
	(void)fd;
	T_OK(nm_dmabuf_get(gbuf));
	*out = gbuf;
	return 0;
}

static struct nlmsghdr *req(struct t_nl *n, uint8_t cmd, uint16_t flags, int ifindex,
			    const char *name)
{
	struct nlmsghdr *m = t_nl_genl(n, et, cmd, NLM_F_REQUEST | flags);
	struct nlattr *h = mnl_attr_nest_start(m, 1);

	if (ifindex)
		mnl_attr_put_u32(m, ETHTOOL_A_HEADER_DEV_INDEX, (uint32_t)ifindex);
	if (name)
		mnl_attr_put_strz(m, ETHTOOL_A_HEADER_DEV_NAME, name);
	mnl_attr_nest_end(m, h);
	return m;
}

static void expect(struct t_nl *n, struct nlmsghdr *m, int err, const char *msg)
{
	int r = t_nl_do(n, m);

	if (r != err || (msg && strcmp(n->msg, msg)))
		T_FAIL("wanted %d \"%s\", got %d \"%s\"", err, msg ? msg : "", r, n->msg);
}

static int64_t u8_attr(const struct nlmsghdr *m, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, m, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == type)
			return mnl_attr_get_u8(a);
	return -1;
}

struct seen {
	int ours, lo;
};

static void dump_cb(const struct nlmsghdr *m, void *arg)
{
	struct seen *s = arg;
	const struct nlattr *a, *h;

	mnl_attr_for_each(a, m, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == 1)
			mnl_attr_for_each_nested(h, a)
				if (mnl_attr_get_type(h) == ETHTOOL_A_HEADER_DEV_INDEX) {
					s->ours += (int)mnl_attr_get_u32(h) == u;
					s->lo += mnl_attr_get_u32(h) == 1;
				}
}

/* The bit named name of a verbose bitset attribute of m, as the kernel
 * writes one without a mask (only the bits that are on are listed): 1 on,
 * 0 off, -1 no such bitset. */
static int feature(const struct nlmsghdr *m, uint16_t set, const char *name)
{
	const struct nlattr *a, *b, *bit, *x;

	mnl_attr_for_each(a, m, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != set)
			continue;
		mnl_attr_for_each_nested(b, a) {
			if (mnl_attr_get_type(b) != ETHTOOL_A_BITSET_BITS)
				continue;
			mnl_attr_for_each_nested(bit, b)
				mnl_attr_for_each_nested(x, bit)
					if (mnl_attr_get_type(x) == ETHTOOL_A_BITSET_BIT_NAME &&
					    !strcmp(mnl_attr_get_str(x), name))
						return 1;
		}
		return 0;
	}
	return -1;
}

int main(void)
{
	struct t_nic t;
	struct t_nl n;
	struct nlmsghdr *m;
	struct nm_ringparam rp;
	struct nm_channels ch;

	t_nic_up(&t, 2, 1500, false);
	T_OK(nm_dmabuf_create_device(t.gpu, 1 << 20, &gbuf));
	u = T_OK(nm_nl_view_add(t.nd, 0));
	t_nl_open(&n, NETLINK_GENERIC);
	nm_nl_sock_set_dmabuf_lookup(n.s, lookup, NULL);
	et = t_nl_family(&n, "ethtool");
	nd_fam = t_nl_family(&n, "netdev");
	T_ASSERT(et && nd_fam);

	/* rings-get by index and by name; the header's refusals */
	T_OK(nm_netdev_get_ringparam(t.nd, &rp));
	T_EQ(t_nl_do(&n, req(&n, ETHTOOL_MSG_RINGS_GET, 0, u, NULL)), 0);
	T_EQ(t_nl_attr_u32(n.reply, GENL_HDRLEN, ETHTOOL_A_RINGS_RX), rp.rx);
	T_EQ(u8_attr(n.reply, ETHTOOL_A_RINGS_TCP_DATA_SPLIT), rp.tcp_data_split);
	T_EQ(t_nl_attr_u32(n.reply, GENL_HDRLEN, NM_ETHTOOL_A_RINGS_HDS_THRESH_MAX),
	     rp.hds_thresh_max);
	T_EQ(t_nl_do(&n, req(&n, ETHTOOL_MSG_RINGS_GET, 0, 0, "nm0")), 0);
	T_EQ(t_nl_attr_u32(n.reply, GENL_HDRLEN, ETHTOOL_A_RINGS_RX_MAX), rp.rx_max);
	m = t_nl_genl(&n, et, ETHTOOL_MSG_RINGS_GET, NLM_F_REQUEST);
	expect(&n, m, -EINVAL, "");
	T_EQ(n.miss_type, ETHTOOL_A_RINGS_HEADER);
	expect(&n, req(&n, ETHTOOL_MSG_RINGS_GET, 0, 0, NULL), -EINVAL,
	       "neither ifindex nor name specified");
	expect(&n, req(&n, ETHTOOL_MSG_RINGS_GET, 0, u, "lo"), -ENODEV,
	       "ifindex and name do not match");
	/* a name only the kernel could know: the kernel's refusal */
	expect(&n, req(&n, ETHTOOL_MSG_RINGS_GET, 0, 0, "nmnosuchdev0"), -ENODEV,
	       "no device matches name");
	/* a name without its NUL (NLA_NUL_STRING): the kernel's refusal,
	 * not a read past the attribute ("nm0" then the pad byte, 'X',
	 * compared with our name) */
	m = t_nl_genl(&n, et, ETHTOOL_MSG_RINGS_GET, NLM_F_REQUEST);
	struct nlattr *hn = mnl_attr_nest_start(m, ETHTOOL_A_RINGS_HEADER);
	mnl_attr_put_u32(m, ETHTOOL_A_HEADER_DEV_INDEX, (uint32_t)u);
	struct nlattr *na = mnl_nlmsg_get_payload_tail(m);
	mnl_attr_put(m, ETHTOOL_A_HEADER_DEV_NAME, 3, "nm0");
	((char *)mnl_attr_get_payload(na))[3] = 'X';
	mnl_attr_nest_end(m, hn);
	expect(&n, m, -EINVAL, "Attribute failed policy validation");
	/* a dump: the kernel's interfaces and ours */
	struct seen sn = { 0 };
	m = t_nl_genl(&n, et, ETHTOOL_MSG_LINKINFO_GET, NLM_F_REQUEST | NLM_F_DUMP);
	mnl_attr_nest_end(m, mnl_attr_nest_start(m, 1));
	T_ASSERT(t_nl_dump(&n, m, dump_cb, &sn) >= 1);
	T_EQ(sn.ours, 1);

	/* rings-set: tcp-data-split and hds-thresh, a ring past its maximum */
	m = req(&n, ETHTOOL_MSG_RINGS_SET, NLM_F_ACK, u, NULL);
	mnl_attr_put_u8(m, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, ETHTOOL_TCP_DATA_SPLIT_DISABLED);
	T_EQ(t_nl_do(&n, m), 0);
	T_OK(nm_netdev_get_ringparam(t.nd, &rp));
	T_EQ(rp.tcp_data_split, NM_TCP_DATA_SPLIT_DISABLED);
	m = req(&n, ETHTOOL_MSG_RINGS_SET, NLM_F_ACK, u, NULL);
	mnl_attr_put_u8(m, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, ETHTOOL_TCP_DATA_SPLIT_ENABLED);
	mnl_attr_put_u32(m, NM_ETHTOOL_A_RINGS_HDS_THRESH, 0);
	T_EQ(t_nl_do(&n, m), 0);
	T_OK(nm_netdev_get_ringparam(t.nd, &rp));
	T_EQ(rp.tcp_data_split, NM_TCP_DATA_SPLIT_ENABLED);
	m = req(&n, ETHTOOL_MSG_RINGS_SET, NLM_F_ACK, u, NULL);
	mnl_attr_put_u32(m, ETHTOOL_A_RINGS_RX, rp.rx_max * 2);
	expect(&n, m, -EINVAL, "requested ring size exceeds maximum");
	T_ASSERT(n.offs > 0);
	m = req(&n, ETHTOOL_MSG_RINGS_SET, NLM_F_ACK, u, NULL);
	mnl_attr_put_u32(m, NM_ETHTOOL_A_RINGS_HDS_THRESH, rp.hds_thresh_max + 1);
	expect(&n, m, -ERANGE, "");

	/* channels-get */
	T_OK(nm_netdev_get_channels(t.nd, &ch));
	T_EQ(t_nl_do(&n, req(&n, ETHTOOL_MSG_CHANNELS_GET, 0, u, NULL)), 0);
	T_EQ(t_nl_attr_u32(n.reply, GENL_HDRLEN, ETHTOOL_A_CHANNELS_RX_COUNT), ch.rx);
	T_EQ(t_nl_attr_u32(n.reply, GENL_HDRLEN, ETHTOOL_A_CHANNELS_TX_MAX), ch.max_tx);
	m = req(&n, ETHTOOL_MSG_CHANNELS_SET, NLM_F_ACK, u, NULL);
	mnl_attr_put_u32(m, ETHTOOL_A_CHANNELS_RX_COUNT, ch.max_rx + 1);
	expect(&n, m, -EINVAL, "requested channel count exceeds maximum");
	m = req(&n, ETHTOOL_MSG_CHANNELS_SET, NLM_F_ACK, u, NULL);
	mnl_attr_put_u32(m, ETHTOOL_A_CHANNELS_RX_COUNT, 0);
	expect(&n, m, -EINVAL,
	       "requested channel counts would result in no RX or TX channel being configured");

	/* bind queue 1: then header split stays on, and queue 1 stays */
	T_EQ(t_nl_do(&n, t_nl_bind_rx(&n, nd_fam, u, 3, 1)), 0);
	m = req(&n, ETHTOOL_MSG_RINGS_SET, NLM_F_ACK, u, NULL);
	mnl_attr_put_u8(m, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, ETHTOOL_TCP_DATA_SPLIT_DISABLED);
	expect(&n, m, -EINVAL, "can't disable tcp-data-split while device has memory provider enabled");
	m = req(&n, ETHTOOL_MSG_RINGS_SET, NLM_F_ACK, u, NULL);
	mnl_attr_put_u32(m, NM_ETHTOOL_A_RINGS_HDS_THRESH, 64);
	expect(&n, m, -EINVAL, "can't set non-zero hds_thresh while device is memory provider enabled");
	m = req(&n, ETHTOOL_MSG_CHANNELS_SET, NLM_F_ACK, u, NULL);
	mnl_attr_put_u32(m, ETHTOOL_A_CHANNELS_RX_COUNT, 1);
	expect(&n, m, -EINVAL,
	       "requested channel counts are too low for existing memory provider setting (1)");
	T_OK(nm_netdev_get_channels(t.nd, &ch));
	T_EQ(ch.rx, 2);
	/* a configured table naming queue 1 is refused first, as the kernel checks it first */
	T_OK(nm_netdev_set_rss_equal(t.nd, 1, 1));
	expect(&n, m, -EINVAL,
	       "requested channel counts are too low for existing indirection table (1)");
	/* "-X equal 2" is a configured table even though it is the default
	 * spread (IFF_RXFH_CONFIGURED, not a comparison; the ioctl path and
	 * this one once decided it differently) */
	T_OK(nm_netdev_set_rss_equal(t.nd, 0, 2));
	expect(&n, m, -EINVAL,
	       "requested channel counts are too low for existing indirection table (1)");
	T_OK(nm_netdev_reset_rss(t.nd));
	expect(&n, m, -EINVAL,
	       "requested channel counts are too low for existing memory provider setting (1)");
	/* an ntuple rule steering to queue 1 is refused next, however many
	 * rules come before it (the check once read only the first 256) */
	struct nm_flow_rule fr = { .flow_type = NM_FLOW_TCP4, .dst_port_mask = 0xffff };
	for (uint32_t i = 0; i < 300; i++) {
		fr.id = i;
		fr.dst_port = (uint16_t)(1000 + i);
		fr.action = i == 299;
		T_EQ(nm_netdev_flow_add(t.nd, &fr), (int)i);
	}
	expect(&n, m, -EINVAL,
	       "requested channel counts are too low for existing ntuple filter settings");
	for (uint32_t i = 0; i < 300; i++)
		T_OK(nm_netdev_flow_del(t.nd, i));
	expect(&n, m, -EINVAL,
	       "requested channel counts are too low for existing memory provider setting (1)");

	/* features: named bits (verbose), then compact */
	T_EQ(t_nl_do(&n, req(&n, ETHTOOL_MSG_FEATURES_GET, 0, u, NULL)), 0);
	T_EQ(feature(n.reply, ETHTOOL_A_FEATURES_ACTIVE, "rx-ntuple-filter"),
	     !!(nm_netdev_features(t.nd) & NM_NETIF_F_NTUPLE));
	m = req(&n, ETHTOOL_MSG_FEATURES_SET, NLM_F_ACK, u, NULL);
	t_nl_put_feature(m, "rx-ntuple-filter", false);
	T_EQ(t_nl_do(&n, m), 0);
	T_ASSERT(!(nm_netdev_features(t.nd) & NM_NETIF_F_NTUPLE));
	T_EQ(t_nl_do(&n, req(&n, ETHTOOL_MSG_FEATURES_GET, 0, u, NULL)), 0);
	T_EQ(feature(n.reply, ETHTOOL_A_FEATURES_ACTIVE, "rx-ntuple-filter"), 0);
	m = req(&n, ETHTOOL_MSG_FEATURES_SET, NLM_F_ACK, u, NULL);
	t_nl_put_feature(m, "rx-ntuple-filter", true);
	T_EQ(t_nl_do(&n, m), 0);
	T_ASSERT(nm_netdev_features(t.nd) & NM_NETIF_F_NTUPLE);
	m = req(&n, ETHTOOL_MSG_FEATURES_SET, NLM_F_ACK, u, NULL);
	t_nl_put_feature(m, "no-such-feature", false);
	expect(&n, m, -EINVAL, "bit name not found");
	/* the names, as ethtool reads them first */
	m = req(&n, ETHTOOL_MSG_STRSET_GET, 0, u, NULL);
	struct nlattr *sets = mnl_attr_nest_start(m, ETHTOOL_A_STRSET_STRINGSETS);
	struct nlattr *set = mnl_attr_nest_start(m, ETHTOOL_A_STRINGSETS_STRINGSET);
	mnl_attr_put_u32(m, ETHTOOL_A_STRINGSET_ID, ETH_SS_FEATURES);
	mnl_attr_nest_end(m, set);
	mnl_attr_nest_end(m, sets);
	T_EQ(t_nl_do(&n, m), 0);
	T_ASSERT(n.reply && n.reply->nlmsg_len > 200);

	/* link and RSS */
	T_EQ(t_nl_do(&n, req(&n, ETHTOOL_MSG_LINKINFO_GET, 0, u, NULL)), 0);
	T_EQ(u8_attr(n.reply, ETHTOOL_A_LINKINFO_PORT), PORT_OTHER);
	T_EQ(t_nl_do(&n, req(&n, ETHTOOL_MSG_LINKMODES_GET, 0, u, NULL)), 0);
	T_EQ(t_nl_do(&n, req(&n, 38 /* RSS_GET */, 0, u, NULL)), 0);
	T_ASSERT(n.reply);

	/* another message about netmem's interface: not supported */
	expect(&n, req(&n, ETHTOOL_MSG_COALESCE_GET, 0, u, NULL), -EOPNOTSUPP, "");

	t_nl_close(&n);
	T_ASSERT(nm_netdev_rxq_provider(t.nd, 1, NULL) == NULL);
	nm_nl_view_del(t.nd);
	nm_dmabuf_put(gbuf);
	t_nic_down(&t);
	T_PASS();
}
