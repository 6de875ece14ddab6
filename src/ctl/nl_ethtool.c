/* SPDX-License-Identifier: MIT */
/*
 * The "ethtool" generic netlink family (Documentation/netlink/specs/
 * ethtool.yaml) for netmem's interfaces: the messages a devmem program and
 * the ethtool command use.
 *
 *	rings-get / rings-set		-G: ring sizes, tcp-data-split, hds-thresh
 *	channels-get / channels-set	-L: RX and TX queue counts
 *	features-get / features-set	-k / -K: ntuple, rx-hashing, checksums, TSO
 *	strset-get			the feature names (ETH_SS_FEATURES) ethtool asks for
 *	linkinfo-get, linkmodes-get	the link as the ethtool command prints it
 *	rss-get				-x: the indirection table and key
 *
 * The request header (ETHTOOL_A_*_HEADER: ifindex and/or name) picks the
 * interface as ethnl_parse_header_dev_get() does, with its messages; one
 * that is not netmem's goes to the kernel.  A get without a header is a
 * dump of every interface: the kernel's, then netmem's.  Sets refuse what
 * the kernel refuses with the same messages (net/ethtool/rings.c,
 * channels.c): turning tcp-data-split off or hds-thresh on while a queue
 * has a memory provider, dropping a queue that has one.
 *
 * Feature bits: ETH_SS_FEATURES is global (ethtool reads it without a
 * device), so netmem's features stand at the kernel's indices of their
 * names (fset_load()); a feature of the set netmem lacks is off and fixed.
 */
#include <stdio.h>
#include <string.h>

#include <netmem/netdev.h>

#include "ctl/ctl_internal.h"
#include "ctl/nl_internal.h"
#include "ctl/nl_view.h"
#include "nic/netdev_drv.h"

static uint16_t fam(void)
{
	return nl_families()->ethtool;
}

/* ---- the header ------------------------------------------------------------------------ */

static const struct nl_pol hdr_pol[NM_ETHTOOL_A_HEADER_PHY_INDEX + 1] = {
	[ETHTOOL_A_HEADER_DEV_INDEX] = { NLK_U32 },
	[ETHTOOL_A_HEADER_DEV_NAME] = { NLK_NUL_STR, 0, 127 },
	[ETHTOOL_A_HEADER_FLAGS] = { NLK_U32 },
	[NM_ETHTOOL_A_HEADER_PHY_INDEX] = { NLK_U32 },
};

struct et_req {
	struct nl_req *r;
	const struct nl_view_dev *v;	/* NULL: a dump over every interface */
	uint32_t flags;			/* ETHTOOL_FLAG_* */
	uint8_t ntf;			/* building this notification, not a reply */
	bool changed;			/* a set changed something: notify */
};

/* The interface the header names.  0 (e->v set, or NULL for a dump when
 * !need), 1 (the kernel's), -errno. */
static int parse_header(struct et_req *e, const struct nlattr *hdr, bool need)
{
	const struct nlattr *tb[NM_ETHTOOL_A_HEADER_PHY_INDEX + 1];
	const struct nlattr *ia, *na;
	struct nl_req *r = e->r;
	struct nm_netdev *nd;
	int err;

	e->v = NULL;
	if (!hdr) {
		if (!need)
			return 0;
		/* GENL_REQ_ATTR_CHECK() of ethnl_default_doit(): the header is
		 * every message's attribute 1 */
		return nl_missing(r, NULL, 1);
	}
	err = nl_parse_nested(r, hdr, hdr_pol, NM_ETHTOOL_A_HEADER_PHY_INDEX, true, tb);
	if (err)
		return err;
	ia = tb[ETHTOOL_A_HEADER_DEV_INDEX];
	na = tb[ETHTOOL_A_HEADER_DEV_NAME];
	if (tb[ETHTOOL_A_HEADER_FLAGS])
		e->flags = mnl_attr_get_u32(tb[ETHTOOL_A_HEADER_FLAGS]);
	if (ia) {
		e->v = nl_view_by_user((int)mnl_attr_get_u32(ia));
		if (!e->v)
			return 1;
		if (na && strncmp(nm_netdev_name(e->v->nd), mnl_attr_get_str(na), 16))
			return nl_fail(r, ENODEV, hdr, "ifindex and name do not match");
		return 0;
	}
	if (na) {
		nd = nm_nl_netdev_by_name(mnl_attr_get_str(na));
		if (!nd)
			return 1;
		e->v = nl_view_by_user(nm_nl_user_ifindex(nd));
		return 0;
	}
	if (!need)
		return 0;
	return nl_fail(r, EINVAL, hdr, "neither ifindex nor name specified");
}

static struct nlmsghdr *reply_start(struct et_req *e, uint8_t cmd, uint16_t hdr_type,
				    const struct nl_view_dev *v)
{
	struct nlmsghdr *nlh = nl_genl_put(e->r, fam(), e->ntf ? e->ntf : cmd, ETHTOOL_GENL_VERSION,
					   4096);
	struct nlattr *h;

	if (!nlh)
		return NULL;
	h = mnl_attr_nest_start(nlh, hdr_type);
	mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, (uint32_t)v->user);
	mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, nm_netdev_name(v->nd));
	mnl_attr_nest_end(nlh, h);
	return nlh;
}

/* A get: its header, then one interface or (a dump) each of them after
 * the kernel's. */
static int do_get(struct et_req *e, const struct nlattr *hdr,
		  int (*fill)(struct et_req *e, const struct nl_view_dev *v))
{
	int err = parse_header(e, hdr, !e->r->dump);

	if (err)
		return err;
	if (e->v)
		return fill(e, e->v);
	if (nl_families()->ethtool < 1008) {
		int st;

		nl_kernel_dump(e->r->s, e->r->nlh, e->r->out, &st);
	}
	for (int i = 0; i < nl_view_count(); i++) {
		const struct nl_view_dev *v = nl_view_get(i);

		if (v && (err = fill(e, v)))
			return err;
	}
	return 0;
}

/* ---- rings ---------------------------------------------------------------------------- */

static int rings_fill(struct et_req *e, const struct nl_view_dev *v)
{
	struct nm_ringparam rp;
	struct nlmsghdr *nlh;

	nm_netdev_get_ringparam(v->nd, &rp);
	nlh = reply_start(e, ETHTOOL_MSG_RINGS_GET_REPLY, ETHTOOL_A_RINGS_HEADER, v);
	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_u32(nlh, ETHTOOL_A_RINGS_RX_MAX, rp.rx_max);
	mnl_attr_put_u32(nlh, ETHTOOL_A_RINGS_TX_MAX, rp.tx_max);
	mnl_attr_put_u32(nlh, ETHTOOL_A_RINGS_RX, rp.rx);
	mnl_attr_put_u32(nlh, ETHTOOL_A_RINGS_TX, rp.tx);
	mnl_attr_put_u8(nlh, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, (uint8_t)rp.tcp_data_split);
	mnl_attr_put_u8(nlh, ETHTOOL_A_RINGS_TX_PUSH, 0);
	mnl_attr_put_u8(nlh, NM_ETHTOOL_A_RINGS_RX_PUSH, 0);
	mnl_attr_put_u32(nlh, NM_ETHTOOL_A_RINGS_HDS_THRESH, rp.hds_thresh);
	mnl_attr_put_u32(nlh, NM_ETHTOOL_A_RINGS_HDS_THRESH_MAX, rp.hds_thresh_max);
	nl_end(e->r, nlh);
	return 0;
}

static const struct nl_pol rings_pol[NM_ETHTOOL_A_RINGS_MAX + 1] = {
	[ETHTOOL_A_RINGS_HEADER] = { NLK_NEST },
	[ETHTOOL_A_RINGS_RX] = { NLK_U32 },
	[ETHTOOL_A_RINGS_RX_MINI] = { NLK_U32 },
	[ETHTOOL_A_RINGS_RX_JUMBO] = { NLK_U32 },
	[ETHTOOL_A_RINGS_TX] = { NLK_U32 },
	[ETHTOOL_A_RINGS_RX_BUF_LEN] = { NLK_U32, 1, 0 },
	[ETHTOOL_A_RINGS_TCP_DATA_SPLIT] = { NLK_U8 },
	[ETHTOOL_A_RINGS_CQE_SIZE] = { NLK_U32, 1, 0 },
	[ETHTOOL_A_RINGS_TX_PUSH] = { NLK_U8 },
	[NM_ETHTOOL_A_RINGS_RX_PUSH] = { NLK_U8 },
	[NM_ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN] = { NLK_U32 },
	[NM_ETHTOOL_A_RINGS_HDS_THRESH] = { NLK_U32 },
};

static int rings_set(struct et_req *e, const struct nlattr **tb)
{
	static const uint16_t unsupported[] = {
		ETHTOOL_A_RINGS_RX_MINI, ETHTOOL_A_RINGS_RX_JUMBO, ETHTOOL_A_RINGS_RX_BUF_LEN,
		ETHTOOL_A_RINGS_CQE_SIZE, ETHTOOL_A_RINGS_TX_PUSH, NM_ETHTOOL_A_RINGS_RX_PUSH,
		NM_ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN,
	};
	struct nm_netdev *nd = e->v->nd;
	struct nm_ringparam rp, old;
	bool mod = false;
	int err;

	nm_netdev_get_ringparam(nd, &old);
	rp = old;
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (tb[unsupported[i]] && (mnl_attr_get_payload_len(tb[unsupported[i]]) == 1 ?
					   mnl_attr_get_u8(tb[unsupported[i]]) :
					   mnl_attr_get_u32(tb[unsupported[i]])))
			return nl_fail(e->r, EOPNOTSUPP, tb[unsupported[i]],
				       "setting this ring parameter is not supported");
	if (tb[ETHTOOL_A_RINGS_RX])
		rp.rx = mnl_attr_get_u32(tb[ETHTOOL_A_RINGS_RX]);
	if (tb[ETHTOOL_A_RINGS_TX])
		rp.tx = mnl_attr_get_u32(tb[ETHTOOL_A_RINGS_TX]);
	if (tb[ETHTOOL_A_RINGS_TCP_DATA_SPLIT]) {
		uint8_t v = mnl_attr_get_u8(tb[ETHTOOL_A_RINGS_TCP_DATA_SPLIT]);

		if (v > ETHTOOL_TCP_DATA_SPLIT_ENABLED)
			return nl_fail(e->r, ERANGE, tb[ETHTOOL_A_RINGS_TCP_DATA_SPLIT],
				       "integer out of range");
		/* unknown: the driver's default, which is on here */
		rp.tcp_data_split = v == ETHTOOL_TCP_DATA_SPLIT_DISABLED ?
				    NM_TCP_DATA_SPLIT_DISABLED : NM_TCP_DATA_SPLIT_ENABLED;
	}
	if (tb[NM_ETHTOOL_A_RINGS_HDS_THRESH])
		rp.hds_thresh = mnl_attr_get_u32(tb[NM_ETHTOOL_A_RINGS_HDS_THRESH]);
	mod = rp.rx != old.rx || rp.tx != old.tx || rp.tcp_data_split != old.tcp_data_split ||
	      rp.hds_thresh != old.hds_thresh;
	if (!mod)
		return 0;
	if (nm_ctl_max_mp_queue(nd) >= 0) {
		if (rp.tcp_data_split != NM_TCP_DATA_SPLIT_ENABLED)
			return nl_fail(e->r, EINVAL, NULL,
				       "can't disable tcp-data-split while device has memory provider enabled");
		if (rp.hds_thresh)
			return nl_fail(e->r, EINVAL, NULL,
				       "can't set non-zero hds_thresh while device is memory provider enabled");
	}
	if (rp.rx > rp.rx_max)
		return nl_fail(e->r, EINVAL, tb[ETHTOOL_A_RINGS_RX],
			       "requested ring size exceeds maximum");
	if (rp.tx > rp.tx_max)
		return nl_fail(e->r, EINVAL, tb[ETHTOOL_A_RINGS_TX],
			       "requested ring size exceeds maximum");
	if (rp.hds_thresh > rp.hds_thresh_max)
		return nl_fail(e->r, ERANGE, tb[NM_ETHTOOL_A_RINGS_HDS_THRESH], NULL);
	err = nm_netdev_set_ringparam(nd, &rp);
	if (err)
		return nl_fail_lib(e->r, err, NULL);
	e->changed = true;
	return 0;
}

/* ---- channels ----------------------------------------------------------------------------- */

static int channels_fill(struct et_req *e, const struct nl_view_dev *v)
{
	struct nm_channels ch;
	struct nlmsghdr *nlh;

	nm_netdev_get_channels(v->nd, &ch);
	nlh = reply_start(e, ETHTOOL_MSG_CHANNELS_GET_REPLY, ETHTOOL_A_CHANNELS_HEADER, v);
	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_u32(nlh, ETHTOOL_A_CHANNELS_RX_MAX, ch.max_rx);
	mnl_attr_put_u32(nlh, ETHTOOL_A_CHANNELS_RX_COUNT, ch.rx);
	mnl_attr_put_u32(nlh, ETHTOOL_A_CHANNELS_TX_MAX, ch.max_tx);
	mnl_attr_put_u32(nlh, ETHTOOL_A_CHANNELS_TX_COUNT, ch.tx);
	nl_end(e->r, nlh);
	return 0;
}

static const struct nl_pol channels_pol[ETHTOOL_A_CHANNELS_MAX + 1] = {
	[ETHTOOL_A_CHANNELS_HEADER] = { NLK_NEST },
	[ETHTOOL_A_CHANNELS_RX_COUNT] = { NLK_U32 },
	[ETHTOOL_A_CHANNELS_TX_COUNT] = { NLK_U32 },
	[ETHTOOL_A_CHANNELS_OTHER_COUNT] = { NLK_U32 },
	[ETHTOOL_A_CHANNELS_COMBINED_COUNT] = { NLK_U32 },
};

static int channels_set(struct et_req *e, const struct nlattr **tb)
{
	struct nm_netdev *nd = e->v->nd;
	struct nm_channels ch, old;
	const struct nlattr *bad = NULL;
	int err;

	nm_netdev_get_channels(nd, &old);
	ch = old;
	if (tb[ETHTOOL_A_CHANNELS_RX_COUNT])
		ch.rx = mnl_attr_get_u32(tb[ETHTOOL_A_CHANNELS_RX_COUNT]);
	if (tb[ETHTOOL_A_CHANNELS_TX_COUNT])
		ch.tx = mnl_attr_get_u32(tb[ETHTOOL_A_CHANNELS_TX_COUNT]);
	/* netmem has no combined or other channels: their maximum is 0 */
	if (tb[ETHTOOL_A_CHANNELS_COMBINED_COUNT] &&
	    mnl_attr_get_u32(tb[ETHTOOL_A_CHANNELS_COMBINED_COUNT]))
		bad = tb[ETHTOOL_A_CHANNELS_COMBINED_COUNT];
	else if (tb[ETHTOOL_A_CHANNELS_OTHER_COUNT] &&
		 mnl_attr_get_u32(tb[ETHTOOL_A_CHANNELS_OTHER_COUNT]))
		bad = tb[ETHTOOL_A_CHANNELS_OTHER_COUNT];
	else if (ch.rx > ch.max_rx)
		bad = tb[ETHTOOL_A_CHANNELS_RX_COUNT];
	else if (ch.tx > ch.max_tx)
		bad = tb[ETHTOOL_A_CHANNELS_TX_COUNT];
	if (bad)
		return nl_fail(e->r, EINVAL, bad, "requested channel count exceeds maximum");
	if (ch.rx == old.rx && ch.tx == old.tx)
		return 0;
	if (!ch.rx || !ch.tx)
		return nl_fail(e->r, EINVAL, tb[ch.rx ? ETHTOOL_A_CHANNELS_TX_COUNT :
						    ETHTOOL_A_CHANNELS_RX_COUNT],
			       "requested channel counts would result in no RX or TX channel being configured");
	/* ethtool_check_max_channel() (ctl/channels.c); the NIC respreads a
	 * default RSS table over the new count and keeps a set one */
	err = nm_ctl_channels_check(nd, ch.rx);
	if (!err)
		err = nm_netdev_set_channels(nd, &ch);
	if (err)
		return nl_fail_lib(e->r, err, NULL);
	e->changed = true;
	return 0;
}

/* ---- features and their names ------------------------------------------------------------- */

static const struct {
	const char *name;
	uint32_t bit;			/* NM_NETIF_F_* */
} feats[] = {
	{ "rx-checksum", NM_NETIF_F_RXCSUM },
	{ "tx-checksum-ip-generic", NM_NETIF_F_HW_CSUM },
	{ "tx-tcp-segmentation", NM_NETIF_F_TSO },
	{ "tx-tcp6-segmentation", NM_NETIF_F_TSO6 },
	{ "rx-ntuple-filter", NM_NETIF_F_NTUPLE },
	{ "rx-hashing", NM_NETIF_F_RXHASH },
};
#define NFEATS ((uint32_t)(sizeof(feats) / sizeof(feats[0])))
#define FSET_MAX	128		/* the kernel's NETDEV_FEATURE_COUNT is ~70 */
#define FSET_WORDS	(FSET_MAX / 32)

/* The feature string set, ETH_SS_FEATURES: global, not a device's.
 * ethtool reads it once (without a device) and decodes every device's
 * feature bitsets with it, so netmem's bits stand at the kernel's indices
 * of their names; without the kernel, at feats[]'s. */
static struct {
	bool known;
	uint32_t count;
	char names[FSET_MAX][ETH_GSTRING_LEN];
	int idx[NFEATS];		/* feats[i] in the set, -1: not there */
} fset;

static void fset_add(const char *name)
{
	if (fset.count < FSET_MAX)
		snprintf(fset.names[fset.count++], ETH_GSTRING_LEN, "%s", name);
}

/* The kernel's set from its strset-get reply messages in b. */
static void fset_parse(const struct nl_buf *b)
{
	const struct nlmsghdr *m = (const void *)b->p;
	int rem = (int)b->len;

	for (; mnl_nlmsg_ok(m, rem); m = mnl_nlmsg_next(m, &rem)) {
		const struct nlattr *sets, *set, *x, *strs, *str, *y;

		mnl_attr_for_each(sets, m, GENL_HDRLEN) {
			if (mnl_attr_get_type(sets) != ETHTOOL_A_STRSET_STRINGSETS)
				continue;
			mnl_attr_for_each_nested(set, sets) {
				bool features = false;

				mnl_attr_for_each_nested(x, set)
					if (mnl_attr_get_type(x) == ETHTOOL_A_STRINGSET_ID &&
					    mnl_attr_get_payload_len(x) == 4 &&
					    mnl_attr_get_u32(x) == ETH_SS_FEATURES)
						features = true;
				if (!features)
					continue;
				mnl_attr_for_each_nested(strs, set) {
					if (mnl_attr_get_type(strs) != ETHTOOL_A_STRINGSET_STRINGS)
						continue;
					mnl_attr_for_each_nested(str, strs)
						mnl_attr_for_each_nested(y, str)
							if (mnl_attr_get_type(y) == ETHTOOL_A_STRING_VALUE &&
							    mnl_attr_validate(y, MNL_TYPE_NUL_STRING) == 0)
								fset_add(mnl_attr_get_str(y));
				}
			}
		}
	}
}

static void fset_load(struct nm_nl_sock *s)
{
	if (fset.known)
		return;
	fset.count = 0;
	if (s && nl_kernel_on() && nl_families()->ethtool < 1008) {
		uint8_t req[128];
		struct nlmsghdr *m = mnl_nlmsg_put_header(req);
		struct genlmsghdr *g;
		struct nlattr *sets, *set;
		struct nl_buf out = { 0 };
		int st;

		m->nlmsg_type = nl_families()->ethtool;
		m->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		g = mnl_nlmsg_put_extra_header(m, sizeof(*g));
		g->cmd = ETHTOOL_MSG_STRSET_GET;
		g->version = ETHTOOL_GENL_VERSION;
		/* no device: an empty header (the kernel wants the nest) */
		mnl_attr_nest_end(m, mnl_attr_nest_start(m, ETHTOOL_A_STRSET_HEADER));
		sets = mnl_attr_nest_start(m, ETHTOOL_A_STRSET_STRINGSETS);
		set = mnl_attr_nest_start(m, ETHTOOL_A_STRINGSETS_STRINGSET);
		mnl_attr_put_u32(m, ETHTOOL_A_STRINGSET_ID, ETH_SS_FEATURES);
		mnl_attr_nest_end(m, set);
		mnl_attr_nest_end(m, sets);
		if (nl_kernel_dump(s, m, &out, &st) == 0 && st == 0)
			fset_parse(&out);
		nl_buf_free(&out);
	}
	if (!fset.count)
		for (uint32_t i = 0; i < NFEATS; i++)
			fset_add(feats[i].name);
	for (uint32_t i = 0; i < NFEATS; i++) {
		fset.idx[i] = -1;
		for (uint32_t k = 0; k < fset.count; k++)
			if (!strcmp(fset.names[k], feats[i].name))
				fset.idx[i] = (int)k;
	}
	fset.known = true;
}

/* A bitset over the set, without a mask (ethnl_put_bitset32() with a NULL
 * mask): compact, the words; verbose, the set bits by index and name. */
static void put_bitset(struct nlmsghdr *nlh, uint16_t type, const uint32_t *w, bool compact)
{
	struct nlattr *set = mnl_attr_nest_start(nlh, type);

	mnl_attr_put(nlh, ETHTOOL_A_BITSET_NOMASK, 0, NULL);
	mnl_attr_put_u32(nlh, ETHTOOL_A_BITSET_SIZE, fset.count);
	if (compact) {
		mnl_attr_put(nlh, ETHTOOL_A_BITSET_VALUE, (fset.count + 31) / 32 * 4, w);
	} else {
		struct nlattr *bits = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS);

		for (uint32_t i = 0; i < fset.count; i++) {
			struct nlattr *b;

			if (!(w[i / 32] & (1u << (i % 32))))
				continue;
			b = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS_BIT);
			mnl_attr_put_u32(nlh, ETHTOOL_A_BITSET_BIT_INDEX, i);
			mnl_attr_put_strz(nlh, ETHTOOL_A_BITSET_BIT_NAME, fset.names[i]);
			mnl_attr_nest_end(nlh, b);
		}
		mnl_attr_nest_end(nlh, bits);
	}
	mnl_attr_nest_end(nlh, set);
}

/* netmem's feature word -> bits of the set. */
static void to_set(uint32_t f, uint32_t *w)
{
	memset(w, 0, FSET_WORDS * sizeof(*w));
	for (uint32_t i = 0; i < NFEATS; i++)
		if ((f & feats[i].bit) && fset.idx[i] >= 0)
			w[fset.idx[i] / 32] |= 1u << (fset.idx[i] % 32);
}

static int features_fill(struct et_req *e, const struct nl_view_dev *v)
{
	bool compact = e->flags & ETHTOOL_FLAG_COMPACT_BITSETS;
	uint32_t hw[FSET_WORDS], wanted[FSET_WORDS], active[FSET_WORDS], fixed[FSET_WORDS];
	struct nlmsghdr *nlh;

	fset_load(e->r->s);
	to_set(~0u, hw);
	to_set(nm_netdev_wanted_features(v->nd), wanted);
	to_set(nm_netdev_features(v->nd), active);
	/* every other feature of the set is off and stays off */
	for (uint32_t k = 0; k < FSET_WORDS; k++)
		fixed[k] = ~hw[k];
	if (fset.count % 32)
		fixed[fset.count / 32] &= (1u << (fset.count % 32)) - 1;
	for (uint32_t k = (fset.count + 31) / 32; k < FSET_WORDS; k++)
		fixed[k] = 0;
	nlh = reply_start(e, ETHTOOL_MSG_FEATURES_GET_REPLY, ETHTOOL_A_FEATURES_HEADER, v);
	if (!nlh)
		return -ENOMEM;
	put_bitset(nlh, ETHTOOL_A_FEATURES_HW, hw, compact);
	put_bitset(nlh, ETHTOOL_A_FEATURES_WANTED, wanted, compact);
	put_bitset(nlh, ETHTOOL_A_FEATURES_ACTIVE, active, compact);
	put_bitset(nlh, ETHTOOL_A_FEATURES_NOCHANGE, fixed, compact);
	nl_end(e->r, nlh);
	return 0;
}

static const struct nl_pol bitset_pol[ETHTOOL_A_BITSET_MAX + 1] = {
	[ETHTOOL_A_BITSET_NOMASK] = { NLK_FLAG },
	[ETHTOOL_A_BITSET_SIZE] = { NLK_U32, 0, 4096 },
	[ETHTOOL_A_BITSET_BITS] = { NLK_NEST },
	[ETHTOOL_A_BITSET_VALUE] = { NLK_BINARY },
	[ETHTOOL_A_BITSET_MASK] = { NLK_BINARY },
};
static const struct nl_pol bit_pol[ETHTOOL_A_BITSET_BIT_MAX + 1] = {
	[ETHTOOL_A_BITSET_BIT_INDEX] = { NLK_U32 },
	[ETHTOOL_A_BITSET_BIT_NAME] = { NLK_NUL_STR },
	[ETHTOOL_A_BITSET_BIT_VALUE] = { NLK_FLAG },
};

/* The words of a compact VALUE or MASK (zeros past its end). */
static void words(const struct nlattr *a, uint32_t *w)
{
	size_t n = mnl_attr_get_payload_len(a);

	memset(w, 0, FSET_WORDS * sizeof(*w));
	memcpy(w, mnl_attr_get_payload(a), n < FSET_WORDS * 4 ? n : FSET_WORDS * 4);
}

/* One named or indexed bit of a verbose bitset: its index, or -errno. */
static int read_bit(struct nl_req *r, const struct nlattr *b, bool *on)
{
	const struct nlattr *bt[ETHTOOL_A_BITSET_BIT_MAX + 1];
	int err;

	if (mnl_attr_get_type(b) != ETHTOOL_A_BITSET_BITS_BIT)
		return nl_fail(r, EINVAL, b, "only ETHTOOL_A_BITSET_BITS_BIT allowed in ETHTOOL_A_BITSET_BITS");
	err = nl_parse_nested(r, b, bit_pol, ETHTOOL_A_BITSET_BIT_MAX, true, bt);
	if (err)
		return err;
	*on = bt[ETHTOOL_A_BITSET_BIT_VALUE] != NULL;
	if (bt[ETHTOOL_A_BITSET_BIT_INDEX]) {
		uint32_t i = mnl_attr_get_u32(bt[ETHTOOL_A_BITSET_BIT_INDEX]);

		if (i >= fset.count)
			return nl_fail(r, EINVAL, bt[ETHTOOL_A_BITSET_BIT_INDEX], "bit index too high");
		return (int)i;
	}
	if (bt[ETHTOOL_A_BITSET_BIT_NAME]) {
		for (uint32_t k = 0; k < fset.count; k++)
			if (!strcmp(fset.names[k], mnl_attr_get_str(bt[ETHTOOL_A_BITSET_BIT_NAME])))
				return (int)k;
		return nl_fail(r, EINVAL, bt[ETHTOOL_A_BITSET_BIT_NAME], "bit name not found");
	}
	return nl_fail(r, EINVAL, b, "neither bit index nor name specified");
}

/* A requested bitset: the bits it sets (val) among those it names (mask). */
static int read_bitset(struct nl_req *r, const struct nlattr *set, uint32_t *val, uint32_t *mask)
{
	const struct nlattr *tb[ETHTOOL_A_BITSET_MAX + 1], *b;
	int err = nl_parse_nested(r, set, bitset_pol, ETHTOOL_A_BITSET_MAX, true, tb);

	memset(val, 0, FSET_WORDS * sizeof(*val));
	memset(mask, 0, FSET_WORDS * sizeof(*mask));
	if (err)
		return err;
	if (!tb[ETHTOOL_A_BITSET_BITS]) {
		uint32_t size = tb[ETHTOOL_A_BITSET_SIZE] ? mnl_attr_get_u32(tb[ETHTOOL_A_BITSET_SIZE]) : 0;

		if (!tb[ETHTOOL_A_BITSET_VALUE])
			return nl_missing(r, set, ETHTOOL_A_BITSET_VALUE);
		if (size > fset.count)
			return nl_fail(r, EINVAL, tb[ETHTOOL_A_BITSET_SIZE],
				       "cannot modify bits past kernel bitset size");
		words(tb[ETHTOOL_A_BITSET_VALUE], val);
		if (tb[ETHTOOL_A_BITSET_MASK])
			words(tb[ETHTOOL_A_BITSET_MASK], mask);
		else
			memset(mask, 0xff, FSET_WORDS * sizeof(*mask));
		for (uint32_t i = size; i < FSET_MAX; i++)
			mask[i / 32] &= ~(1u << (i % 32));
		return 0;
	}
	mnl_attr_for_each_nested(b, tb[ETHTOOL_A_BITSET_BITS]) {
		bool on = false;
		int i = read_bit(r, b, &on);

		if (i < 0)
			return i;
		mask[i / 32] |= 1u << (i % 32);
		if (on)
			val[i / 32] |= 1u << (i % 32);
	}
	return 0;
}

static const struct nl_pol features_pol[ETHTOOL_A_FEATURES_MAX + 1] = {
	[ETHTOOL_A_FEATURES_HEADER] = { NLK_NEST },
	[ETHTOOL_A_FEATURES_WANTED] = { NLK_NEST },
};

static int features_set(struct et_req *e, const struct nlattr **tb)
{
	uint32_t val[FSET_WORDS], mask[FSET_WORDS], fmask = 0, fval = 0;
	int err;

	fset_load(e->r->s);
	if (!tb[ETHTOOL_A_FEATURES_WANTED])
		return nl_missing(e->r, NULL, ETHTOOL_A_FEATURES_WANTED);
	err = read_bitset(e->r, tb[ETHTOOL_A_FEATURES_WANTED], val, mask);
	if (err)
		return err;
	/* bits of features netmem does not have stay off, as a driver's
	 * fixed features do (the reply's NOCHANGE says which) */
	for (uint32_t i = 0; i < NFEATS; i++) {
		int k = fset.idx[i];

		if (k < 0 || !(mask[k / 32] & (1u << (k % 32))))
			continue;
		fmask |= feats[i].bit;
		if (val[k / 32] & (1u << (k % 32)))
			fval |= feats[i].bit;
	}
	fmask &= fval ^ nm_netdev_wanted_features(e->v->nd);	/* what changes */
	err = fmask ? nm_netdev_set_features(e->v->nd, fmask, fval) : 0;
	if (err)
		return nl_fail_lib(e->r, err, NULL);
	e->changed = fmask != 0;
	return 0;
}

static const struct nl_pol strset_pol[ETHTOOL_A_STRSET_MAX + 1] = {
	[ETHTOOL_A_STRSET_HEADER] = { NLK_NEST },
	[ETHTOOL_A_STRSET_STRINGSETS] = { NLK_NEST },
	[ETHTOOL_A_STRSET_COUNTS_ONLY] = { NLK_FLAG },
};

struct strset_q {
	bool features, counts_only;
};

static int strset_fill_one(struct et_req *e, const struct nl_view_dev *v,
			   const struct strset_q *q)
{
	struct nlmsghdr *nlh = reply_start(e, ETHTOOL_MSG_STRSET_GET_REPLY, ETHTOOL_A_STRSET_HEADER,
					   v);
	struct nlattr *sets, *set, *strs;

	if (!nlh)
		return -ENOMEM;
	if (q->features) {
		sets = mnl_attr_nest_start(nlh, ETHTOOL_A_STRSET_STRINGSETS);
		set = mnl_attr_nest_start(nlh, ETHTOOL_A_STRINGSETS_STRINGSET);
		mnl_attr_put_u32(nlh, ETHTOOL_A_STRINGSET_ID, ETH_SS_FEATURES);
		mnl_attr_put_u32(nlh, ETHTOOL_A_STRINGSET_COUNT, fset.count);
		if (!q->counts_only) {
			strs = mnl_attr_nest_start(nlh, ETHTOOL_A_STRINGSET_STRINGS);
			for (uint32_t i = 0; i < fset.count; i++) {
				struct nlattr *str = mnl_attr_nest_start(nlh, ETHTOOL_A_STRINGS_STRING);

				mnl_attr_put_u32(nlh, ETHTOOL_A_STRING_INDEX, i);
				mnl_attr_put_strz(nlh, ETHTOOL_A_STRING_VALUE, fset.names[i]);
				mnl_attr_nest_end(nlh, str);
			}
			mnl_attr_nest_end(nlh, strs);
		}
		mnl_attr_nest_end(nlh, set);
		mnl_attr_nest_end(nlh, sets);
	}
	nl_end(e->r, nlh);
	return 0;
}

static const struct nl_pol sset_pol[ETHTOOL_A_STRINGSET_MAX + 1] = {
	[ETHTOOL_A_STRINGSET_ID] = { NLK_U32 },
};

static int strset_get(struct et_req *e, const struct nlattr **tb)
{
	struct strset_q q = { .features = true };
	const struct nlattr *a;
	int err = parse_header(e, tb[ETHTOOL_A_STRSET_HEADER], false);

	if (err)
		return err;
	/* only netmem's interface is answered here; the global sets of a
	 * request without a device are the kernel's */
	if (!e->v)
		return 1;
	fset_load(e->r->s);
	q.counts_only = tb[ETHTOOL_A_STRSET_COUNTS_ONLY] != NULL;
	if (tb[ETHTOOL_A_STRSET_STRINGSETS]) {
		q.features = false;
		mnl_attr_for_each_nested(a, tb[ETHTOOL_A_STRSET_STRINGSETS]) {
			const struct nlattr *st[ETHTOOL_A_STRINGSET_MAX + 1];

			err = nl_parse_nested(e->r, a, sset_pol, ETHTOOL_A_STRINGSET_MAX, true, st);
			if (err)
				return err;
			if (st[ETHTOOL_A_STRINGSET_ID] &&
			    mnl_attr_get_u32(st[ETHTOOL_A_STRINGSET_ID]) == ETH_SS_FEATURES)
				q.features = true;
		}
	}
	return strset_fill_one(e, e->v, &q);
}

/* ---- link ----------------------------------------------------------------------------------- */

static int linkinfo_fill(struct et_req *e, const struct nl_view_dev *v)
{
	struct nlmsghdr *nlh = reply_start(e, ETHTOOL_MSG_LINKINFO_GET_REPLY,
					   ETHTOOL_A_LINKINFO_HEADER, v);

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_u8(nlh, ETHTOOL_A_LINKINFO_PORT, PORT_OTHER);
	mnl_attr_put_u8(nlh, ETHTOOL_A_LINKINFO_PHYADDR, 0);
	mnl_attr_put_u8(nlh, ETHTOOL_A_LINKINFO_TP_MDIX, ETH_TP_MDI_INVALID);
	mnl_attr_put_u8(nlh, ETHTOOL_A_LINKINFO_TP_MDIX_CTRL, ETH_TP_MDI_INVALID);
	mnl_attr_put_u8(nlh, ETHTOOL_A_LINKINFO_TRANSCEIVER, XCVR_INTERNAL);
	nl_end(e->r, nlh);
	return 0;
}

static int linkmodes_fill(struct et_req *e, const struct nl_view_dev *v)
{
	struct nlmsghdr *nlh = reply_start(e, ETHTOOL_MSG_LINKMODES_GET_REPLY,
					   ETHTOOL_A_LINKMODES_HEADER, v);

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_u8(nlh, ETHTOOL_A_LINKMODES_AUTONEG, AUTONEG_DISABLE);
	/* no link modes: a virtual NIC, its speed unknown, as veth's */
	mnl_attr_put_u32(nlh, ETHTOOL_A_LINKMODES_SPEED, SPEED_UNKNOWN);
	mnl_attr_put_u8(nlh, ETHTOOL_A_LINKMODES_DUPLEX, DUPLEX_FULL);
	nl_end(e->r, nlh);
	return 0;
}

/* ---- rss-get ---------------------------------------------------------------------------------- */

#define NM_ETHTOOL_MSG_RSS_GET		38
#define NM_ETHTOOL_MSG_RSS_GET_REPLY	38
enum { RSS_HEADER = 1, RSS_CONTEXT, RSS_HFUNC, RSS_INDIR, RSS_HKEY };

static int rss_fill(struct et_req *e, const struct nl_view_dev *v)
{
	uint32_t indir[NM_RSS_MAX_INDIR], n = NM_RSS_MAX_INDIR;
	uint8_t key[NM_RSS_KEY_LEN];
	struct nlmsghdr *nlh;

	if (nm_netdev_get_rss(v->nd, key, indir, &n))
		return nl_fail_lib(e->r, -EOPNOTSUPP, NULL);
	nlh = reply_start(e, NM_ETHTOOL_MSG_RSS_GET_REPLY, RSS_HEADER, v);
	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_u32(nlh, RSS_HFUNC, 1u);	/* ETH_RSS_HASH_TOP: Toeplitz */
	mnl_attr_put(nlh, RSS_INDIR, n * sizeof(uint32_t), indir);
	mnl_attr_put(nlh, RSS_HKEY, sizeof(key), key);
	nl_end(e->r, nlh);
	return 0;
}

static const struct nl_pol rss_pol[RSS_HKEY + 1] = {
	[RSS_HEADER] = { NLK_NEST },
	[RSS_CONTEXT] = { NLK_U32 },
};

/* ---- notifications to the "monitor" group ------------------------------------------------ */

static void et_notify(const struct nl_view_dev *v,
		      int (*fill)(struct et_req *e, const struct nl_view_dev *v), uint8_t ntf)
{
	struct nl_buf out;
	struct nl_req r;
	struct et_req e = { .r = &r, .ntf = ntf };

	nl_ntf_init(&r, &out);
	if (fill(&e, v) == 0)
		nl_notify(nl_families()->ethtool_monitor, &out);
	nl_buf_free(&out);
}

/* ---- dispatch --------------------------------------------------------------------------------- */

static const struct nl_pol hdr_only_pol[2] = {
	[1] = { NLK_NEST },
};

int nl_ethtool_rcv(struct nl_req *r, uint8_t cmd)
{
	const struct nlattr *tb[NM_ETHTOOL_A_RINGS_MAX + 1];
	struct et_req e = { .r = r };
	size_t len;
	const void *attrs = nl_genl_attrs(r->nlh, &len);
	int err;

	switch (cmd) {
	case ETHTOOL_MSG_RINGS_GET:
	case ETHTOOL_MSG_CHANNELS_GET:
	case ETHTOOL_MSG_FEATURES_GET:
	case ETHTOOL_MSG_LINKINFO_GET:
	case ETHTOOL_MSG_LINKMODES_GET:
		err = nl_parse(r, attrs, len, hdr_only_pol, 1, true, tb);
		if (err)
			return err;
		return do_get(&e, tb[1],
			      cmd == ETHTOOL_MSG_RINGS_GET ? rings_fill :
			      cmd == ETHTOOL_MSG_CHANNELS_GET ? channels_fill :
			      cmd == ETHTOOL_MSG_FEATURES_GET ? features_fill :
			      cmd == ETHTOOL_MSG_LINKINFO_GET ? linkinfo_fill : linkmodes_fill);
	case NM_ETHTOOL_MSG_RSS_GET:
		err = nl_parse(r, attrs, len, rss_pol, RSS_HKEY, true, tb);
		if (err)
			return err;
		if (tb[RSS_CONTEXT] && mnl_attr_get_u32(tb[RSS_CONTEXT]))
			return 1;	/* contexts are the kernel's (netmem has none) */
		return do_get(&e, tb[RSS_HEADER], rss_fill);
	case ETHTOOL_MSG_STRSET_GET:
		if (r->dump)
			return 1;
		err = nl_parse(r, attrs, len, strset_pol, ETHTOOL_A_STRSET_MAX, true, tb);
		return err ? err : strset_get(&e, tb);
	case ETHTOOL_MSG_RINGS_SET:
	case ETHTOOL_MSG_CHANNELS_SET:
	case ETHTOOL_MSG_FEATURES_SET:
		if (r->dump)
			return -EOPNOTSUPP;
		err = nl_parse(r, attrs, len,
			       cmd == ETHTOOL_MSG_RINGS_SET ? rings_pol :
			       cmd == ETHTOOL_MSG_CHANNELS_SET ? channels_pol : features_pol,
			       cmd == ETHTOOL_MSG_RINGS_SET ? NM_ETHTOOL_A_RINGS_MAX :
			       cmd == ETHTOOL_MSG_CHANNELS_SET ? ETHTOOL_A_CHANNELS_MAX :
								 ETHTOOL_A_FEATURES_MAX,
			       true, tb);
		if (!err)
			err = parse_header(&e, tb[1], true);
		if (err)
			return err;
		err = cmd == ETHTOOL_MSG_RINGS_SET ? rings_set(&e, tb) :
		      cmd == ETHTOOL_MSG_CHANNELS_SET ? channels_set(&e, tb) : features_set(&e, tb);
		if (!err && e.changed)
			et_notify(e.v, cmd == ETHTOOL_MSG_RINGS_SET ? rings_fill :
				       cmd == ETHTOOL_MSG_CHANNELS_SET ? channels_fill : features_fill,
				  cmd == ETHTOOL_MSG_RINGS_SET ? ETHTOOL_MSG_RINGS_NTF :
				  cmd == ETHTOOL_MSG_CHANNELS_SET ? ETHTOOL_MSG_CHANNELS_NTF :
								    ETHTOOL_MSG_FEATURES_NTF);
		return err;
	}
	/* another message: about netmem's interface, not supported; else the
	 * kernel's */
	err = nl_parse(r, attrs, len, hdr_only_pol, 1, false, tb);
	if (!err && tb[1] && parse_header(&e, tb[1], false) == 0 && e.v)
		return -EOPNOTSUPP;
	r->msg = NULL;
	r->bad = NULL;
	return 1;
}
