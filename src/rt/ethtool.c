/* SPDX-License-Identifier: MIT */
/*
 * SIOCETHTOOL on netmem's interface: the ETHTOOL_* commands of
 * linux/ethtool.h answered from netmem's NIC (include/netmem/netdev.h),
 * with the kernel's struct layouts, copy rules and errnos (net/ethtool/
 * ioctl.c and common.c read for semantics).  What Debian's ethtool and a
 * devmem program (ncdevmem) send: drvinfo, channels, rings, features (and
 * the legacy one-flag calls), ntuple rules (RX_CLS_LOC_ANY included), the
 * RSS table and key, string sets and statistics.
 *
 * One request is a flat buffer: the command's struct and what trails it
 * (rule locations, the indirection table, strings, counters).  rt_eth_size()
 * says how many bytes of the caller's buffer a command reads and at most
 * writes; rt_eth_do() runs it on such a buffer and says how many leading
 * bytes go back, as the kernel's copy_to_user calls would write them.  So
 * the same code answers the owner's own ioctl and one a helper process
 * sends over the control endpoint (endpoint.c).
 *
 * State kept here beyond the NIC's: whether the user set the indirection
 * table (the kernel's IFF_RXFH_CONFIGURED: then a channel change must keep
 * it, and may not drop a queue it names).
 *
 * Workload: control path, a few calls per ethtool command.
 */
#include <arpa/inet.h>
#include <linux/ethtool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netmem/netdev.h>

#include "nic/ntuple.h"
#include "ctl/ctl_internal.h"
#include "rt/rt_internal.h"

/* Offsets in struct ethtool_rxfh that the system's older header names
 * rsvd8[]: newer kernels call byte 17 input_xfrm. */
#define RXFH_INPUT_XFRM_OFF	17
#define RXH_XFRM_NO_CHANGE	0xff
/* include/linux/ethtool.h's (not in the uAPI header): the hash function bits */
#define ETH_RSS_HASH_NO_CHANGE	0
#define ETH_RSS_HASH_TOP	(1u << 0)	/* toeplitz, rss_hash_funcs[0] */

/* ---- features: ethtool's names for the NIC's feature bits ---------------------- */

struct eth_feature {
	const char *name;	/* the kernel's netdev_features_strings[] name */
	uint32_t nm;		/* NM_NETIF_F_*, 0: always on, never changed */
};

static const struct eth_feature eth_features[] = {
	{ "tx-scatter-gather", 0 },
	{ "tx-checksum-ip-generic", NM_NETIF_F_HW_CSUM },
	{ "tx-tcp-segmentation", NM_NETIF_F_TSO },
	{ "tx-tcp6-segmentation", NM_NETIF_F_TSO6 },
	{ "rx-checksum", NM_NETIF_F_RXCSUM },
	{ "rx-ntuple-filter", NM_NETIF_F_NTUPLE },
	{ "rx-hashing", NM_NETIF_F_RXHASH },
};
#define NFEAT		(sizeof(eth_features) / sizeof(eth_features[0]))
#define FEAT_WORDS	((NFEAT + 31) / 32)
#define NM_ETH_FEATURES	(NM_NETIF_F_HW_CSUM | NM_NETIF_F_TSO | NM_NETIF_F_TSO6 | \
			 NM_NETIF_F_RXCSUM | NM_NETIF_F_NTUPLE | NM_NETIF_F_RXHASH)

static const char *const rss_hash_funcs[] = { "toeplitz", "xor", "crc32" };


/* The NIC keeps what the user asked for and derives what is active
 * (nm_netdev_wanted_features(): TSO without checksum offload is wanted,
 * not active), so the ioctls and the ethtool netlink family agree. */
static uint32_t wanted(void)
{
	return nm_netdev_wanted_features(rt.nd) & NM_ETH_FEATURES;
}

static int features_apply(uint32_t w)
{
	return nm_netdev_set_features(rt.nd, NM_ETH_FEATURES, w);
}

/* ---- statistics: names and values, in one walk -------------------------------- */

#define STAT_NAMES_FIXED	7
#define STAT_PER_QUEUE		2

static int stats_count(void)
{
	struct nm_channels ch;

	if (nm_netdev_get_channels(rt.nd, &ch) < 0)
		return STAT_NAMES_FIXED + NM_RX_DROP_MAX;
	return STAT_NAMES_FIXED + NM_RX_DROP_MAX + (int)(ch.rx + ch.tx) * STAT_PER_QUEUE;
}

/* The n-th counter's name (names != NULL) and value (vals != NULL). */
static void stats_walk(char (*names)[ETH_GSTRING_LEN], uint64_t *vals, int n)
{
	struct nm_queue_stats all, q;
	struct nm_channels ch;
	int i = 0;

	memset(&all, 0, sizeof(all));
	nm_netdev_get_stats(rt.nd, &all, sizeof(all));
	if (nm_netdev_get_channels(rt.nd, &ch) < 0)
		ch.rx = ch.tx = 0;
#define STAT(val, ...) do {							\
		if (i < n) {							\
			if (names)						\
				snprintf(names[i], ETH_GSTRING_LEN, __VA_ARGS__); \
			if (vals)						\
				vals[i] = (val);				\
		}								\
		i++;								\
	} while (0)
	STAT(all.packets, "rx_packets");
	STAT(all.bytes, "rx_bytes");
	STAT(all.tx_packets, "tx_packets");
	STAT(all.tx_bytes, "tx_bytes");
	STAT(all.hds_packets, "rx_hds_packets");
	STAT(all.csum_bad, "rx_csum_bad");
	STAT(all.alloc_fail, "rx_alloc_fail");
	for (int d = 0; d < NM_RX_DROP_MAX; d++)
		STAT(all.drops[d], "rx_drop_%s", nm_rx_drop_name((enum nm_rx_drop)d));
	for (uint32_t k = 0; k < ch.rx; k++) {
		memset(&q, 0, sizeof(q));
		nm_netdev_get_rxq_stats(rt.nd, k, &q, sizeof(q));
		STAT(q.packets, "rx%u_packets", k);
		STAT(q.bytes, "rx%u_bytes", k);
	}
	for (uint32_t k = 0; k < ch.tx; k++) {
		memset(&q, 0, sizeof(q));
		nm_netdev_get_txq_stats(rt.nd, k, &q, sizeof(q));
		STAT(q.tx_packets, "tx%u_packets", k);
		STAT(q.tx_bytes, "tx%u_bytes", k);
	}
#undef STAT
}

/* __ethtool_get_sset_count(): -EOPNOTSUPP for a set the NIC has not. */
static int sset_count(uint32_t set)
{
	switch (set) {
	case ETH_SS_STATS:
		return stats_count();
	case ETH_SS_FEATURES:
		return (int)NFEAT;
	case ETH_SS_RSS_HASH_FUNCS:
		return (int)(sizeof(rss_hash_funcs) / sizeof(rss_hash_funcs[0]));
	default:
		return nm_err(EOPNOTSUPP, "string set %u: netmem's NIC has none", set);
	}
}

/* ---- sizes: what a command reads and writes of the caller's buffer ------------ */

/* The trailing part, bounded: a size past the bound reads the header only,
 * and the command refuses it as the kernel would (sizes that match nothing). */
static size_t tail(uint64_t n, size_t each)
{
	uint64_t b = n * each;

	return n > RT_ETH_MAX || b > RT_ETH_MAX - 64 ? 0 : (size_t)b;
}

int rt_eth_size(const void *user, size_t *in, size_t *out)
{
	uint32_t cmd, w[6];

	memcpy(&cmd, user, 4);
	switch (cmd) {
	case ETHTOOL_GDRVINFO:
		*in = *out = sizeof(struct ethtool_drvinfo);
		return 0;
	case ETHTOOL_GCHANNELS:
	case ETHTOOL_SCHANNELS:
		*in = *out = sizeof(struct ethtool_channels);
		return 0;
	case ETHTOOL_GRINGPARAM:
	case ETHTOOL_SRINGPARAM:
		*in = *out = sizeof(struct ethtool_ringparam);
		return 0;
	case ETHTOOL_GLINK:
	case ETHTOOL_GRXCSUM: case ETHTOOL_SRXCSUM:
	case ETHTOOL_GTXCSUM: case ETHTOOL_STXCSUM:
	case ETHTOOL_GSG: case ETHTOOL_SSG:
	case ETHTOOL_GTSO: case ETHTOOL_STSO:
	case ETHTOOL_GUFO: case ETHTOOL_SUFO:
	case ETHTOOL_GGSO: case ETHTOOL_SGSO:
	case ETHTOOL_GGRO: case ETHTOOL_SGRO:
	case ETHTOOL_GFLAGS: case ETHTOOL_SFLAGS:
		*in = *out = sizeof(struct ethtool_value);
		return 0;
	case ETHTOOL_GFEATURES:
		memcpy(w, user, 8);
		*in = sizeof(struct ethtool_gfeatures);
		*out = *in + (w[1] < FEAT_WORDS ? w[1] : FEAT_WORDS) *
			     sizeof(struct ethtool_get_features_block);
		return 0;
	case ETHTOOL_SFEATURES:
		memcpy(w, user, 8);
		*in = sizeof(struct ethtool_sfeatures) +
		      (w[1] == FEAT_WORDS ? FEAT_WORDS * sizeof(struct ethtool_set_features_block)
					  : 0);
		*out = 0;
		return 0;
	case ETHTOOL_GRXRINGS:
	case ETHTOOL_GRXCLSRLCNT:
	case ETHTOOL_GRXCLSRULE:
	case ETHTOOL_SRXCLSRLINS:
	case ETHTOOL_SRXCLSRLDEL:
		*in = *out = sizeof(struct ethtool_rxnfc);
		return 0;
	case ETHTOOL_GRXCLSRLALL: {
		struct ethtool_rxnfc nfc;

		memcpy(&nfc, user, sizeof(nfc));
		*in = sizeof(nfc);
		*out = sizeof(nfc) + tail(nfc.rule_cnt < NM_NTUPLE_CAPACITY ? nfc.rule_cnt
									    : NM_NTUPLE_CAPACITY, 4);
		return 0;
	}
	case ETHTOOL_GRXFHINDIR:
		/* a size above the NIC's table is answered with the table
		 * (ethtool_get_rxfh_indir()): room for the largest one */
		memcpy(w, user, 8);
		*in = 8;
		*out = 8 + tail(w[1] < NM_RSS_MAX_INDIR ? w[1] : NM_RSS_MAX_INDIR, 4);
		return 0;
	case ETHTOOL_SRXFHINDIR:
		memcpy(w, user, 8);
		*in = 8 + tail(w[1], 4);
		*out = 0;
		return 0;
	case ETHTOOL_GRSSH:
		memcpy(w, user, 16);
		*in = sizeof(struct ethtool_rxfh);
		*out = *in + tail(w[2], 4) + tail(w[3], 1);
		return 0;
	case ETHTOOL_SRSSH:
		memcpy(w, user, 16);
		*in = sizeof(struct ethtool_rxfh) +
		      (w[2] == ETH_RXFH_INDIR_NO_CHANGE ? 0 : tail(w[2], 4)) + tail(w[3], 1);
		*out = 0;
		return 0;
	case ETHTOOL_GSSET_INFO: {
		uint64_t mask;

		memcpy(&mask, (const char *)user + 8, 8);
		*in = sizeof(struct ethtool_sset_info);
		*out = *in + (size_t)__builtin_popcountll(mask) * 4;
		return 0;
	}
	case ETHTOOL_GSTRINGS:
		*in = sizeof(struct ethtool_gstrings);
		*out = RT_ETH_MAX;	/* the count is the NIC's: it says */
		return 0;
	case ETHTOOL_GSTATS:
		*in = sizeof(struct ethtool_stats);
		*out = RT_ETH_MAX;
		return 0;
	default:
		return nm_err(EOPNOTSUPP, "ethtool command 0x%x: netmem's NIC does not answer it",
			      cmd);
	}
}

/* ---- the commands ---------------------------------------------------------------- */

static int drvinfo(struct ethtool_drvinfo *d)
{
	memset(d, 0, sizeof(*d));
	d->cmd = ETHTOOL_GDRVINFO;
	snprintf(d->driver, sizeof(d->driver), "netmem");
	snprintf(d->version, sizeof(d->version), "1");
	snprintf(d->fw_version, sizeof(d->fw_version), "N/A");
	snprintf(d->bus_info, sizeof(d->bus_info), "netmem:%s", rt_cfg.wire == RT_WIRE_TAP ?
		 "tap" : "shm");
	d->n_stats = (uint32_t)stats_count();
	return 0;
}

static int channels_get(struct ethtool_channels *c)
{
	struct nm_channels ch;
	int r = nm_netdev_get_channels(rt.nd, &ch);

	if (r < 0)
		return r;
	memset(c, 0, sizeof(*c));
	c->cmd = ETHTOOL_GCHANNELS;
	c->max_rx = ch.max_rx;
	c->max_tx = ch.max_tx;
	c->rx_count = ch.rx;
	c->tx_count = ch.tx;
	return 0;
}

/* ethtool_set_channels(): the ioctl's own checks, then
 * ethtool_check_max_channel() as netlink's channels-set has it
 * (ctl/channels.c); the NIC respreads a default RSS table and keeps a set
 * one. */
static int channels_set(const struct ethtool_channels *c)
{
	struct ethtool_channels cur;
	struct nm_channels ch;
	int r;

	r = channels_get(&cur);
	if (r < 0)
		return r;
	if (c->rx_count == cur.rx_count && c->tx_count == cur.tx_count &&
	    c->other_count == cur.other_count && c->combined_count == cur.combined_count)
		return 0;
	if (c->rx_count > cur.max_rx || c->tx_count > cur.max_tx ||
	    c->combined_count > cur.max_combined || c->other_count > cur.max_other)
		return nm_err(EINVAL, "channels: rx %u tx %u combined %u other %u above the "
			      "maximum (rx %u tx %u, no combined or other channels)", c->rx_count,
			      c->tx_count, c->combined_count, c->other_count, cur.max_rx,
			      cur.max_tx);
	if (!c->combined_count && (!c->rx_count || !c->tx_count))
		return nm_err(EINVAL, "channels: at least one RX and one TX channel");
	r = nm_ctl_channels_check(rt.nd, c->rx_count + c->combined_count);
	if (r < 0)
		return r;
	ch = (struct nm_channels){ .rx = c->rx_count, .tx = c->tx_count };
	return nm_netdev_set_channels(rt.nd, &ch);
}

static int rings_get(struct ethtool_ringparam *g)
{
	struct nm_ringparam rp;
	int r = nm_netdev_get_ringparam(rt.nd, &rp);

	if (r < 0)
		return r;
	memset(g, 0, sizeof(*g));
	g->cmd = ETHTOOL_GRINGPARAM;
	g->rx_max_pending = rp.rx_max;
	g->tx_max_pending = rp.tx_max;
	g->rx_pending = rp.rx;
	g->tx_pending = rp.tx;
	return 0;
}

static int rings_set(const struct ethtool_ringparam *s)
{
	struct nm_ringparam rp;
	int r = nm_netdev_get_ringparam(rt.nd, &rp);

	if (r < 0)
		return r;
	if (s->rx_pending > rp.rx_max || s->tx_pending > rp.tx_max || s->rx_mini_pending ||
	    s->rx_jumbo_pending)
		return nm_err(EINVAL, "rings: rx %u tx %u mini %u jumbo %u above the maximum "
			      "(rx %u tx %u, no mini or jumbo ring)", s->rx_pending,
			      s->tx_pending, s->rx_mini_pending, s->rx_jumbo_pending, rp.rx_max,
			      rp.tx_max);
	rp.rx = s->rx_pending;
	rp.tx = s->tx_pending;
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_UNKNOWN;	/* not in this struct: unchanged */
	return nm_netdev_set_ringparam(rt.nd, &rp);
}

static int features_get(struct ethtool_gfeatures *g)
{
	uint32_t active = nm_netdev_features(rt.nd), w = wanted();
	uint32_t words = g->size < FEAT_WORDS ? g->size : FEAT_WORDS;

	g->size = FEAT_WORDS;
	memset(g->features, 0, words * sizeof(g->features[0]));
	for (size_t i = 0; i < NFEAT && i / 32 < words; i++) {
		struct ethtool_get_features_block *b = &g->features[i / 32];
		uint32_t bit = 1u << (i % 32), f = eth_features[i].nm;

		if (f)
			b->available |= bit;
		else
			b->never_changed |= bit;
		if (!f || (w & f))
			b->requested |= bit;
		if (!f || (active & f))
			b->active |= bit;
	}
	return 0;
}

/* ethtool_set_features(): ETHTOOL_F_UNSUPPORTED for bits that cannot
 * change, ETHTOOL_F_WISH when what is active differs from the request. */
static int features_set(const struct ethtool_sfeatures *s)
{
	uint32_t w = wanted(), ret = 0;
	int r;

	if (s->size != FEAT_WORDS)
		return nm_err(EINVAL, "features: size %u, the NIC has %u word(s) of features",
			      s->size, (unsigned)FEAT_WORDS);
	for (uint32_t k = 0; k < FEAT_WORDS; k++) {
		uint32_t valid = s->features[k].valid, req = s->features[k].requested;

		if (k * 32 + 32 > NFEAT && valid >> (NFEAT - k * 32))
			return nm_err(EINVAL, "features: bits past the %u features",
				      (unsigned)NFEAT);
		for (uint32_t b = 0; b < 32 && k * 32 + b < NFEAT; b++) {
			uint32_t f = eth_features[k * 32 + b].nm;

			if (!(valid & (1u << b)))
				continue;
			if (!f) {
				ret |= ETHTOOL_F_UNSUPPORTED;
				continue;
			}
			w = req & (1u << b) ? w | f : w & ~f;
		}
	}
	r = features_apply(w);
	if (r < 0)
		return r;
	if ((nm_netdev_features(rt.nd) & NM_ETH_FEATURES) != w)
		ret |= ETHTOOL_F_WISH;
	return (int)ret;
}

/* The legacy one-flag calls: their NM_NETIF_F_* mask (0: a feature the
 * NIC has not; SG: always on). */
static uint32_t legacy_mask(uint32_t cmd, bool *sg)
{
	*sg = false;
	switch (cmd) {
	case ETHTOOL_GRXCSUM: case ETHTOOL_SRXCSUM: return NM_NETIF_F_RXCSUM;
	case ETHTOOL_GTXCSUM: case ETHTOOL_STXCSUM: return NM_NETIF_F_HW_CSUM;
	case ETHTOOL_GTSO: case ETHTOOL_STSO: return NM_NETIF_F_TSO | NM_NETIF_F_TSO6;
	case ETHTOOL_GSG: case ETHTOOL_SSG: *sg = true; return 0;
	default: return 0;	/* UFO, GSO, GRO */
	}
}

/* *out: the value goes back for the get commands only */
static int legacy(struct ethtool_value *v, size_t *out)
{
	uint32_t active = nm_netdev_features(rt.nd), w = wanted(), fl = 0;
	bool sg, set = v->cmd == ETHTOOL_SRXCSUM || v->cmd == ETHTOOL_STXCSUM ||
		       v->cmd == ETHTOOL_SSG || v->cmd == ETHTOOL_STSO || v->cmd == ETHTOOL_SUFO ||
		       v->cmd == ETHTOOL_SGSO || v->cmd == ETHTOOL_SGRO;
	uint32_t m;

	if (v->cmd == ETHTOOL_GFLAGS) {
		fl |= active & NM_NETIF_F_NTUPLE ? ETH_FLAG_NTUPLE : 0;
		fl |= active & NM_NETIF_F_RXHASH ? ETH_FLAG_RXHASH : 0;
		v->data = fl;
		*out = sizeof(*v);
		return 0;
	}
	if (v->cmd == ETHTOOL_SFLAGS) {
		uint32_t cur = (active & NM_NETIF_F_NTUPLE ? ETH_FLAG_NTUPLE : 0) |
			       (active & NM_NETIF_F_RXHASH ? ETH_FLAG_RXHASH : 0);
		uint32_t all = ETH_FLAG_LRO | ETH_FLAG_RXVLAN | ETH_FLAG_TXVLAN |
			       ETH_FLAG_NTUPLE | ETH_FLAG_RXHASH;
		uint32_t changed = (v->data ^ cur) & all;

		if (v->data & ~all)
			return nm_err(EINVAL, "flags 0x%x: unknown bits", v->data & ~all);
		if (changed & ~(ETH_FLAG_NTUPLE | ETH_FLAG_RXHASH))
			return changed & (ETH_FLAG_NTUPLE | ETH_FLAG_RXHASH)
			       ? nm_err(EINVAL, "flags: LRO and VLAN offloads cannot change")
			       : nm_err(EOPNOTSUPP, "flags: LRO and VLAN offloads cannot change");
		w = v->data & ETH_FLAG_NTUPLE ? w | NM_NETIF_F_NTUPLE : w & ~NM_NETIF_F_NTUPLE;
		w = v->data & ETH_FLAG_RXHASH ? w | NM_NETIF_F_RXHASH : w & ~NM_NETIF_F_RXHASH;
		return features_apply(w);
	}
	m = legacy_mask(v->cmd, &sg);
	if (!set) {
		v->data = sg || (active & m) ? 1 : 0;
		*out = sizeof(*v);
		return 0;
	}
	if (!m)
		return nm_err(EOPNOTSUPP, "ethtool command 0x%x: the feature cannot change",
			      v->cmd);
	return features_apply(v->data ? w | m : w & ~m);
}

/* ---- ntuple rules (-n/-N) ---------------------------------------------------------- */

static int rule_to_nm(const struct ethtool_rx_flow_spec *fs, struct nm_flow_rule *r)
{
	uint32_t ft = fs->flow_type;
	uint64_t ring = fs->ring_cookie;
	struct nm_channels ch;

	memset(r, 0, sizeof(*r));
	if (ft & (FLOW_EXT | FLOW_MAC_EXT | FLOW_RSS))
		return nm_err(EINVAL, "flow-type 0x%x: no VLAN, user-def, MAC or RSS-context "
			      "match on netmem's NIC", ft);
	switch (ft) {
	case TCP_V4_FLOW:
	case UDP_V4_FLOW: {
		const struct ethtool_tcpip4_spec *h = &fs->h_u.tcp_ip4_spec,
						 *m = &fs->m_u.tcp_ip4_spec;

		if (m->tos)
			return nm_err(EINVAL, "flow-type tcp4/udp4: no tos match");
		r->flow_type = ft == TCP_V4_FLOW ? NM_FLOW_TCP4 : NM_FLOW_UDP4;
		memcpy(r->src_ip, &h->ip4src, 4);
		memcpy(r->src_ip_mask, &m->ip4src, 4);
		memcpy(r->dst_ip, &h->ip4dst, 4);
		memcpy(r->dst_ip_mask, &m->ip4dst, 4);
		r->src_port = ntohs(h->psrc);
		r->src_port_mask = ntohs(m->psrc);
		r->dst_port = ntohs(h->pdst);
		r->dst_port_mask = ntohs(m->pdst);
		break;
	}
	case TCP_V6_FLOW:
	case UDP_V6_FLOW: {
		const struct ethtool_tcpip6_spec *h = &fs->h_u.tcp_ip6_spec,
						 *m = &fs->m_u.tcp_ip6_spec;

		if (m->tclass)
			return nm_err(EINVAL, "flow-type tcp6/udp6: no tclass match");
		r->flow_type = ft == TCP_V6_FLOW ? NM_FLOW_TCP6 : NM_FLOW_UDP6;
		memcpy(r->src_ip, h->ip6src, 16);
		memcpy(r->src_ip_mask, m->ip6src, 16);
		memcpy(r->dst_ip, h->ip6dst, 16);
		memcpy(r->dst_ip_mask, m->ip6dst, 16);
		r->src_port = ntohs(h->psrc);
		r->src_port_mask = ntohs(m->psrc);
		r->dst_port = ntohs(h->pdst);
		r->dst_port_mask = ntohs(m->pdst);
		break;
	}
	default:
		return nm_err(EINVAL, "flow-type 0x%x: netmem's NIC matches tcp4, udp4, tcp6, "
			      "udp6", ft);
	}
	if (ring == RX_CLS_FLOW_DISC) {
		r->action = NM_FLOW_ACTION_DROP;
	} else {
		if (nm_netdev_get_channels(rt.nd, &ch) < 0)
			ch.rx = 0;
		if (ring == RX_CLS_FLOW_WAKE || ethtool_get_flow_spec_ring_vf(ring) ||
		    ethtool_get_flow_spec_ring(ring) >= ch.rx)
			return nm_err(EINVAL, "action %llu: want an RX queue below %u, or -1 "
				      "(drop)", (unsigned long long)ring, ch.rx);
		r->action = (int32_t)ethtool_get_flow_spec_ring(ring);
	}
	if (fs->location == RX_CLS_LOC_ANY)
		r->id = NM_FLOW_ID_ANY;
	else if (fs->location & RX_CLS_LOC_SPECIAL)
		return nm_err(EINVAL, "location 0x%x: RX_CLS_LOC_ANY is the special location "
			      "netmem's NIC answers", fs->location);
	else if (fs->location >= NM_NTUPLE_CAPACITY)
		return nm_err(EINVAL, "location %u: the table has %u", fs->location,
			      NM_NTUPLE_CAPACITY);
	else
		r->id = fs->location;
	return 0;
}

static void rule_from_nm(const struct nm_flow_rule *r, struct ethtool_rx_flow_spec *fs)
{
	memset(fs, 0, sizeof(*fs));
	switch (r->flow_type) {
	case NM_FLOW_TCP4:
	case NM_FLOW_UDP4: {
		struct ethtool_tcpip4_spec *h = &fs->h_u.tcp_ip4_spec, *m = &fs->m_u.tcp_ip4_spec;

		fs->flow_type = r->flow_type == NM_FLOW_TCP4 ? TCP_V4_FLOW : UDP_V4_FLOW;
		memcpy(&h->ip4src, r->src_ip, 4);
		memcpy(&m->ip4src, r->src_ip_mask, 4);
		memcpy(&h->ip4dst, r->dst_ip, 4);
		memcpy(&m->ip4dst, r->dst_ip_mask, 4);
		h->psrc = htons(r->src_port);
		m->psrc = htons(r->src_port_mask);
		h->pdst = htons(r->dst_port);
		m->pdst = htons(r->dst_port_mask);
		break;
	}
	default: {
		struct ethtool_tcpip6_spec *h = &fs->h_u.tcp_ip6_spec, *m = &fs->m_u.tcp_ip6_spec;

		fs->flow_type = r->flow_type == NM_FLOW_TCP6 ? TCP_V6_FLOW : UDP_V6_FLOW;
		memcpy(h->ip6src, r->src_ip, 16);
		memcpy(m->ip6src, r->src_ip_mask, 16);
		memcpy(h->ip6dst, r->dst_ip, 16);
		memcpy(m->ip6dst, r->dst_ip_mask, 16);
		h->psrc = htons(r->src_port);
		m->psrc = htons(r->src_port_mask);
		h->pdst = htons(r->dst_port);
		m->pdst = htons(r->dst_port_mask);
		break;
	}
	}
	fs->ring_cookie = r->action == NM_FLOW_ACTION_DROP ? RX_CLS_FLOW_DISC
							   : (uint64_t)r->action;
	fs->location = r->id;
}

static int rxnfc(struct ethtool_rxnfc *nfc, size_t cap, size_t *out)
{
	struct nm_flow_rule fr;
	int r;

	*out = sizeof(*nfc);
	switch (nfc->cmd) {
	case ETHTOOL_GRXRINGS:
		nfc->data = nm_netdev_num_rx_queues(rt.nd);
		return 0;
	case ETHTOOL_GRXCLSRLCNT:
		r = nm_netdev_flow_list(rt.nd, NULL, 0);
		if (r < 0)
			return r;
		nfc->rule_cnt = (uint32_t)r;
		/* the table's size, and RX_CLS_LOC_ANY answered here */
		nfc->data = NM_NTUPLE_CAPACITY | RX_CLS_LOC_SPECIAL;
		return 0;
	case ETHTOOL_GRXCLSRLALL: {
		uint32_t max = (uint32_t)((cap - sizeof(*nfc)) / 4);

		if (nfc->rule_cnt < max)
			max = nfc->rule_cnt;
		r = nm_netdev_flow_list(rt.nd, nfc->rule_locs, max);
		if (r < 0)
			return r;
		nfc->data = NM_NTUPLE_CAPACITY;
		if ((uint32_t)r > nfc->rule_cnt) {
			*out = 0;
			return nm_err(EMSGSIZE, "%d rules, room for %u", r, nfc->rule_cnt);
		}
		nfc->rule_cnt = (uint32_t)r;
		*out = sizeof(*nfc) + (size_t)r * 4;
		return 0;
	}
	case ETHTOOL_GRXCLSRULE:
		r = nm_netdev_get_flow(rt.nd, nfc->fs.location, &fr);
		if (r < 0) {
			*out = 0;
			return r;
		}
		rule_from_nm(&fr, &nfc->fs);
		nfc->data = NM_NTUPLE_CAPACITY;
		return 0;
	case ETHTOOL_SRXCLSRLINS:
		*out = 0;
		r = rule_to_nm(&nfc->fs, &fr);
		if (r == 0)
			r = nm_netdev_flow_add(rt.nd, &fr);
		if (r < 0)
			return r;
		nfc->fs.location = (uint32_t)r;	/* where RX_CLS_LOC_ANY put it */
		*out = sizeof(*nfc);
		return 0;
	case ETHTOOL_SRXCLSRLDEL:
		*out = 0;
		return nm_netdev_flow_del(rt.nd, nfc->fs.location);
	}
	return -EOPNOTSUPP;
}

/* ---- RSS (-x/-X) ------------------------------------------------------------------- */

/* ethtool_copy_validate_indir(): every entry an RX queue. */
static int indir_check(const uint32_t *indir, uint32_t n)
{
	uint32_t nrx = nm_netdev_num_rx_queues(rt.nd);

	for (uint32_t i = 0; i < n; i++)
		if (indir[i] >= nrx)
			return nm_err(EINVAL, "indirection table entry %u names queue %u of %u", i,
				      indir[i], nrx);
	return 0;
}

static int indir_set(const uint32_t *indir, uint32_t n)
{
	int r;

	if (n == 0)		/* back to the default spread */
		return nm_netdev_reset_rss(rt.nd);
	r = indir_check(indir, n);
	return r ? r : nm_netdev_set_rss(rt.nd, NULL, indir, n);
}

static int fhindir(struct ethtool_rxfh_indir *x, size_t in, size_t cap, size_t *out)
{
	uint32_t dev = 0, user = x->size;
	int r = nm_netdev_get_rss(rt.nd, NULL, NULL, &dev);

	if (r < 0)
		return r;
	if (x->cmd == ETHTOOL_GRXFHINDIR) {
		x->size = dev;
		*out = 8;
		if (user < dev || 8 + (size_t)dev * 4 > cap)
			return user == 0 ? 0 : nm_err(EINVAL, "indirection table: room for %u of "
						      "%u entries", user, dev);
		r = nm_netdev_get_rss(rt.nd, NULL, x->ring_index, &dev);
		if (r == 0)
			*out = 8 + (size_t)dev * 4;
		return r;
	}
	*out = 0;
	if (user != 0 && user != dev)
		return nm_err(EINVAL, "indirection table of %u entries: the NIC's has %u", user,
			      dev);
	if (in < 8 + (size_t)user * 4)
		return nm_err(EINVAL, "indirection table: %u entries do not fit", user);
	return indir_set(x->ring_index, user);
}

static int rssh(struct ethtool_rxfh *x, size_t in, size_t *out)
{
	uint8_t *b = (uint8_t *)x, key[NM_RSS_KEY_LEN], xfrm = b[RXFH_INPUT_XFRM_OFF];
	uint32_t dev = 0, ui = x->indir_size, uk = x->key_size, ib;
	int r;

	*out = 0;
	if (b[RXFH_INPUT_XFRM_OFF + 1] || b[RXFH_INPUT_XFRM_OFF + 2] || x->rsvd32)
		return nm_err(EINVAL, "rxfh: reserved fields are not 0");
	if (x->rss_context)
		return nm_err(EOPNOTSUPP, "rxfh: netmem's NIC has no RSS contexts");
	r = nm_netdev_get_rss(rt.nd, NULL, NULL, &dev);
	if (r < 0)
		return r;
	if (x->cmd == ETHTOOL_GRSSH) {
		x->indir_size = dev;
		x->key_size = NM_RSS_KEY_LEN;
		x->hfunc = ETH_RSS_HASH_TOP;
		b[RXFH_INPUT_XFRM_OFF] = 0;
		*out = sizeof(*x);
		if ((ui && ui != dev) || (uk && uk != NM_RSS_KEY_LEN))
			return nm_err(EINVAL, "rxfh: sizes %u/%u, the NIC's are %u/%u", ui, uk, dev,
				      NM_RSS_KEY_LEN);
		ib = ui ? dev * 4 : 0;
		r = nm_netdev_get_rss(rt.nd, key, ui ? x->rss_config : NULL, &dev);
		if (r == 0 && uk)
			memcpy((uint8_t *)x->rss_config + ib, key, NM_RSS_KEY_LEN);
		if (r == 0)
			*out = sizeof(*x) + ib + (uk ? NM_RSS_KEY_LEN : 0);
		return r;
	}
	if ((ui && ui != ETH_RXFH_INDIR_NO_CHANGE && ui != dev) ||
	    (uk && uk != NM_RSS_KEY_LEN) ||
	    (ui == ETH_RXFH_INDIR_NO_CHANGE && !uk && x->hfunc == ETH_RSS_HASH_NO_CHANGE &&
	     xfrm == RXH_XFRM_NO_CHANGE))
		return nm_err(EINVAL, "rxfh: sizes %u/%u (the NIC's are %u/%u), or nothing to "
			      "change", ui, uk, dev, NM_RSS_KEY_LEN);
	if (x->hfunc != ETH_RSS_HASH_NO_CHANGE && x->hfunc != ETH_RSS_HASH_TOP)
		return nm_err(EOPNOTSUPP, "rxfh: hash function 0x%x; netmem's NIC hashes with "
			      "toeplitz", x->hfunc);
	if (xfrm != RXH_XFRM_NO_CHANGE && xfrm != 0)
		return nm_err(EOPNOTSUPP, "rxfh: input transform 0x%x unsupported", xfrm);
	ib = ui == ETH_RXFH_INDIR_NO_CHANGE ? 0 : ui * 4;
	if (in < sizeof(*x) + ib + uk)
		return nm_err(EINVAL, "rxfh: the table and key do not fit");
	if (ui && ui != ETH_RXFH_INDIR_NO_CHANGE) {
		r = indir_check(x->rss_config, ui);
		if (r < 0)
			return r;
	}
	if (uk) {
		memcpy(key, (uint8_t *)x->rss_config + ib, NM_RSS_KEY_LEN);
		r = nm_netdev_set_rss(rt.nd, key, NULL, 0);
		if (r < 0)
			return r;
	}
	if (ui != ETH_RXFH_INDIR_NO_CHANGE)
		r = indir_set(x->rss_config, ui);
	return r;
}

/* ---- string sets and statistics ------------------------------------------------------ */

static int sset_info(struct ethtool_sset_info *si, size_t *out)
{
	uint64_t mask = si->sset_mask, got = 0;
	int k = 0;

	*out = 0;
	if (!mask)
		return 0;
	for (int i = 0; i < 64; i++) {
		int n;

		if (!(mask & (1ull << i)))
			continue;
		n = sset_count((uint32_t)i);
		if (n < 0)
			continue;
		got |= 1ull << i;
		si->data[k++] = (uint32_t)n;
	}
	si->sset_mask = got;
	*out = sizeof(*si) + (size_t)k * 4;
	return 0;
}

static int gstrings(struct ethtool_gstrings *g, size_t cap, size_t *out)
{
	int n = sset_count(g->string_set);
	char (*s)[ETH_GSTRING_LEN] = (char (*)[ETH_GSTRING_LEN])g->data;

	*out = 0;
	if (n < 0)
		return n;
	if (sizeof(*g) + (size_t)n * ETH_GSTRING_LEN > cap)
		return nm_err(ENOMEM, "%d strings do not fit in one answer", n);
	g->len = (uint32_t)n;
	memset(s, 0, (size_t)n * ETH_GSTRING_LEN);
	if (g->string_set == ETH_SS_STATS)
		stats_walk(s, NULL, n);
	for (int i = 0; g->string_set == ETH_SS_FEATURES && i < n; i++)
		snprintf(s[i], ETH_GSTRING_LEN, "%s", eth_features[i].name);
	for (int i = 0; g->string_set == ETH_SS_RSS_HASH_FUNCS && i < n; i++)
		snprintf(s[i], ETH_GSTRING_LEN, "%s", rss_hash_funcs[i]);
	*out = sizeof(*g) + (size_t)n * ETH_GSTRING_LEN;
	return 0;
}

static int gstats(struct ethtool_stats *st, size_t cap, size_t *out)
{
	int n = stats_count();

	*out = 0;
	if (sizeof(*st) + (size_t)n * 8 > cap)
		return nm_err(ENOMEM, "%d counters do not fit in one answer", n);
	st->n_stats = (uint32_t)n;
	stats_walk(NULL, (uint64_t *)st->data, n);
	*out = sizeof(*st) + (size_t)n * 8;
	return 0;
}

int rt_eth_do(void *buf, size_t in, size_t cap, size_t *out)
{
	uint32_t cmd;
	int r;

	memcpy(&cmd, buf, 4);
	*out = 0;
	if (!rt.nd)
		return nm_err(ENODEV, "netmem's NIC is not up");
	switch (cmd) {
	case ETHTOOL_GDRVINFO:
		*out = sizeof(struct ethtool_drvinfo);
		return drvinfo(buf);
	case ETHTOOL_GLINK:
		((struct ethtool_value *)buf)->data = 1;
		*out = sizeof(struct ethtool_value);
		return 0;
	case ETHTOOL_GCHANNELS:
		*out = sizeof(struct ethtool_channels);
		return channels_get(buf);
	case ETHTOOL_SCHANNELS:
		return channels_set(buf);
	case ETHTOOL_GRINGPARAM:
		*out = sizeof(struct ethtool_ringparam);
		return rings_get(buf);
	case ETHTOOL_SRINGPARAM:
		return rings_set(buf);
	case ETHTOOL_GFEATURES: {
		struct ethtool_gfeatures *g = buf;
		uint32_t words = g->size < FEAT_WORDS ? g->size : FEAT_WORDS;

		r = features_get(g);
		*out = sizeof(*g) + words * sizeof(g->features[0]);
		return r;
	}
	case ETHTOOL_SFEATURES:
		return features_set(buf);
	case ETHTOOL_GRXCSUM: case ETHTOOL_SRXCSUM:
	case ETHTOOL_GTXCSUM: case ETHTOOL_STXCSUM:
	case ETHTOOL_GSG: case ETHTOOL_SSG:
	case ETHTOOL_GTSO: case ETHTOOL_STSO:
	case ETHTOOL_GUFO: case ETHTOOL_SUFO:
	case ETHTOOL_GGSO: case ETHTOOL_SGSO:
	case ETHTOOL_GGRO: case ETHTOOL_SGRO:
	case ETHTOOL_GFLAGS: case ETHTOOL_SFLAGS:
		return legacy(buf, out);
	case ETHTOOL_GRXRINGS:
	case ETHTOOL_GRXCLSRLCNT:
	case ETHTOOL_GRXCLSRULE:
	case ETHTOOL_GRXCLSRLALL:
	case ETHTOOL_SRXCLSRLINS:
	case ETHTOOL_SRXCLSRLDEL:
		return rxnfc(buf, cap, out);
	case ETHTOOL_GRXFHINDIR:
	case ETHTOOL_SRXFHINDIR:
		return fhindir(buf, in, cap, out);
	case ETHTOOL_GRSSH:
	case ETHTOOL_SRSSH:
		return rssh(buf, in, out);
	case ETHTOOL_GSSET_INFO:
		return sset_info(buf, out);
	case ETHTOOL_GSTRINGS:
		return gstrings(buf, cap, out);
	case ETHTOOL_GSTATS:
		return gstats(buf, cap, out);
	default:
		return nm_err(EOPNOTSUPP, "ethtool command 0x%x: netmem's NIC does not answer it",
			      cmd);
	}
}
