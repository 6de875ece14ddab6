/* SPDX-License-Identifier: MIT */
/*
 * NETLINK_GENERIC: the generic netlink header, nlctrl, and dispatch by
 * family id.  "netdev" and "ethtool" are answered under the kernel's own
 * family ids when the kernel has them (6.18 has both), so that one request
 * reaches netmem or the kernel by the interface it names, and nlctrl's
 * CTRL_CMD_GETFAMILY is the kernel's answer, unchanged: the ids, version,
 * ops and multicast groups as the kernel reports them.  Only where the
 * kernel lacks a family does netmem answer GETFAMILY itself, under ids of
 * its own (NL_FALLBACK_*).  Every other family goes to the kernel.
 *
 * As genl_rcv_msg(): an unknown family id is -ENOENT; a message shorter
 * than the generic netlink header -EINVAL; an unknown command, or a dump
 * of a command without one, -EOPNOTSUPP.
 */
#include <string.h>

#include "ctl/nl_internal.h"

/* Ids for a family the kernel lacks: under GENL_MAX_ID (1023), above what
 * the kernel hands out in practice. */
#define NL_FALLBACK_NETDEV	1008
#define NL_FALLBACK_ETHTOOL	1009
#define NL_FALLBACK_GRP		1008

static struct nl_families fams;
static bool fams_known;

const struct nl_families *nl_families(void)
{
	static const char *const nd_grps[] = { NETDEV_MCGRP_MGMT, NETDEV_MCGRP_PAGE_POOL };
	static const char *const et_grps[] = { "monitor" };
	uint32_t g[2] = { 0, 0 };

	if (fams_known)
		return &fams;
	fams.netdev = nl_kernel_family(NETDEV_FAMILY_NAME, g, nd_grps, 2);
	fams.netdev_mgmt = g[0];
	fams.netdev_pp = g[1];
	if (!fams.netdev) {
		fams.netdev = NL_FALLBACK_NETDEV;
		fams.netdev_mgmt = NL_FALLBACK_GRP;
		fams.netdev_pp = NL_FALLBACK_GRP + 1;
	}
	fams.ethtool = nl_kernel_family(ETHTOOL_GENL_NAME, &fams.ethtool_monitor, et_grps, 1);
	if (!fams.ethtool) {
		fams.ethtool = NL_FALLBACK_ETHTOOL;
		fams.ethtool_monitor = NL_FALLBACK_GRP + 2;
	}
	fams_known = true;
	return &fams;
}

struct nlmsghdr *nl_genl_put(struct nl_req *r, uint16_t family, uint8_t cmd, uint8_t version,
			     size_t room)
{
	struct nlmsghdr *nlh = nl_put(r, family, 0, room);
	struct genlmsghdr *g;

	if (!nlh)
		return NULL;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

/* ---- nlctrl, for a family the kernel lacks ------------------------------------------- */

struct fam_desc {
	const char *name;
	uint16_t id;
	uint32_t version, maxattr;
	const uint8_t *cmds;
	int nr_cmds;
	const char *grp_names[2];
	uint32_t grp_ids[2];
};

static const uint8_t netdev_cmds[] = {
	NETDEV_CMD_DEV_GET, NETDEV_CMD_PAGE_POOL_GET, NETDEV_CMD_PAGE_POOL_STATS_GET,
	NETDEV_CMD_QUEUE_GET, NETDEV_CMD_NAPI_GET, NETDEV_CMD_QSTATS_GET, NETDEV_CMD_BIND_RX,
	NETDEV_CMD_BIND_TX,
};
static const uint8_t ethtool_cmds[] = {
	ETHTOOL_MSG_STRSET_GET, ETHTOOL_MSG_LINKINFO_GET, ETHTOOL_MSG_LINKMODES_GET,
	ETHTOOL_MSG_FEATURES_GET, ETHTOOL_MSG_FEATURES_SET, ETHTOOL_MSG_RINGS_GET,
	ETHTOOL_MSG_RINGS_SET, ETHTOOL_MSG_CHANNELS_GET, ETHTOOL_MSG_CHANNELS_SET,
};

static int put_family(struct nl_req *r, const struct fam_desc *d)
{
	struct nlmsghdr *nlh = nl_genl_put(r, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, 2, 2048);
	struct nlattr *ops, *grps;

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, d->name);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, d->id);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, d->version);
	mnl_attr_put_u32(nlh, CTRL_ATTR_HDRSIZE, 0);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MAXATTR, d->maxattr);
	ops = mnl_attr_nest_start(nlh, CTRL_ATTR_OPS);
	for (int i = 0; i < d->nr_cmds; i++) {
		struct nlattr *op = mnl_attr_nest_start(nlh, (uint16_t)(i + 1));

		mnl_attr_put_u32(nlh, CTRL_ATTR_OP_ID, d->cmds[i]);
		mnl_attr_put_u32(nlh, CTRL_ATTR_OP_FLAGS, GENL_CMD_CAP_DO | GENL_CMD_CAP_HASPOL);
		mnl_attr_nest_end(nlh, op);
	}
	mnl_attr_nest_end(nlh, ops);
	grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	for (int i = 0; i < 2 && d->grp_names[i]; i++) {
		struct nlattr *g = mnl_attr_nest_start(nlh, (uint16_t)(i + 1));

		mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, d->grp_names[i]);
		mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, d->grp_ids[i]);
		mnl_attr_nest_end(nlh, g);
	}
	mnl_attr_nest_end(nlh, grps);
	nl_end(r, nlh);
	return 0;
}

static bool family_desc(const char *name, uint16_t id, struct fam_desc *d)
{
	const struct nl_families *f = nl_families();
	uint16_t kid;

	memset(d, 0, sizeof(*d));
	if ((name && !strcmp(name, NETDEV_FAMILY_NAME)) || (!name && id == f->netdev)) {
		*d = (struct fam_desc){ NETDEV_FAMILY_NAME, f->netdev, NETDEV_FAMILY_VERSION,
					NETDEV_A_DMABUF_MAX, netdev_cmds, sizeof(netdev_cmds),
					{ NETDEV_MCGRP_MGMT, NETDEV_MCGRP_PAGE_POOL },
					{ f->netdev_mgmt, f->netdev_pp } };
		kid = f->netdev == NL_FALLBACK_NETDEV ? 0 : f->netdev;
	} else if ((name && !strcmp(name, ETHTOOL_GENL_NAME)) || (!name && id == f->ethtool)) {
		*d = (struct fam_desc){ ETHTOOL_GENL_NAME, f->ethtool, ETHTOOL_GENL_VERSION,
					ETHTOOL_A_CHANNELS_MAX, ethtool_cmds,
					sizeof(ethtool_cmds), { "monitor", NULL },
					{ f->ethtool_monitor, 0 } };
		kid = f->ethtool == NL_FALLBACK_ETHTOOL ? 0 : f->ethtool;
	} else {
		return false;
	}
	return kid == 0;	/* netmem answers only for a family the kernel lacks */
}

static const struct nl_pol ctrl_pol[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID] = { NLK_U16 },
	[CTRL_ATTR_FAMILY_NAME] = { NLK_NUL_STR, 0, GENL_NAMSIZ - 1 },
	[CTRL_ATTR_VERSION] = { NLK_U32 },
	[CTRL_ATTR_HDRSIZE] = { NLK_U32 },
	[CTRL_ATTR_MAXATTR] = { NLK_U32 },
	[CTRL_ATTR_OPS] = { NLK_NEST },
	[CTRL_ATTR_MCAST_GROUPS] = { NLK_NEST },
	[CTRL_ATTR_POLICY] = { NLK_NEST },
	[CTRL_ATTR_OP_POLICY] = { NLK_NEST },
	[CTRL_ATTR_OP] = { NLK_U32 },
};

static int ctrl_rcv(struct nl_req *r, uint8_t cmd)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	const char *name = NULL;
	struct fam_desc d;
	uint16_t id = 0;
	size_t len;
	const void *attrs = nl_genl_attrs(r->nlh, &len);
	int err;

	if (cmd != CTRL_CMD_GETFAMILY || r->dump)
		return 1;		/* the kernel's nlctrl */
	/* a request netmem cannot read is the kernel's to refuse */
	err = nl_parse(r, attrs, len, ctrl_pol, CTRL_ATTR_MAX, false, tb);
	if (err) {
		r->msg = NULL;
		r->bad = NULL;
		return 1;
	}
	if (tb[CTRL_ATTR_FAMILY_NAME])
		name = mnl_attr_get_str(tb[CTRL_ATTR_FAMILY_NAME]);
	else if (tb[CTRL_ATTR_FAMILY_ID])
		id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (!family_desc(name, id, &d))
		return 1;
	return put_family(r, &d);
}

int nl_genl_rcv(struct nl_req *r)
{
	const struct nl_families *f = nl_families();
	const struct nlmsghdr *nlh = r->nlh;
	const struct genlmsghdr *g;

	if (nlh->nlmsg_type != GENL_ID_CTRL && nlh->nlmsg_type != f->netdev &&
	    nlh->nlmsg_type != f->ethtool)
		return 1;		/* another family: the kernel's */
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EINVAL;
	g = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type == GENL_ID_CTRL)
		return ctrl_rcv(r, g->cmd);
	if (nlh->nlmsg_type == f->netdev)
		return nl_netdev_rcv(r, g->cmd);
	return nl_ethtool_rcv(r, g->cmd);
}
