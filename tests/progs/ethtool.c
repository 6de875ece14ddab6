/* SPDX-License-Identifier: MIT */
/*
 * nmp_ethtool IFNAME: the interface ioctls a devmem program makes (ncdevmem
 * reads and sets channels, rings, features, ntuple rules and the RSS table
 * before it binds), written against glibc and linux/ethtool.h only.  Run
 * under `netmem run` it configures netmem's NIC; every set is read back, and
 * every refusal is checked for the kernel's errno.  Prints one line per
 * step and "nmp_ethtool: all checks passed"; exit 1 at the first mismatch.
 *
 * nmp_ethtool IFNAME show: channels, rings, rules and the table, one line
 * each (what a test compares with the ethtool command's output).
 *
 * nmp_ethtool IFNAME fork: the NIC comes up here (-L rx 3), a fork child
 * reads it (channels: 3) and sets -G rx 2048, which this process reads
 * back: the child reaches its parent's NIC, not its copy of it.
 *
 * nmp_ethtool IFNAME system CMD...: each CMD through system() (a shell
 * running the ethtool command, as ncdevmem does), then show: what the
 * helpers changed, read by the program itself.
 *
 * nmp_ethtool IFNAME sink ADDR PORT BYTES PERIOD [CMD...]: listens on
 * ADDR:PORT first (the NIC is this process's from then), then show and
 * the RSS key and rx-hashing, then accepts one connection and checks each
 * of its BYTES bytes against the ncdevmem pattern of PERIOD ("sink: N
 * bytes ok"), then runs each CMD through system().  What a program run
 * after its shell's ethtool commands reads and receives.
 *
 * nmp_ethtool IFNAME bind ADDR PORT: a TCP socket bound to ADDR:PORT;
 * prints "bind: ok" or "bind: " and the errno's name (EBUSY: another
 * process runs the NIC).
 */
#include <poll.h>
#include <stddef.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "prog.h"

/* GRXCLSRLALL's locations: rule_locs[] is a flexible array that starts
 * inside struct ethtool_rxnfc's tail padding, 4 bytes before a member
 * declared after the struct. */
#define RULE_LOCS(nfc) ((uint32_t *)((char *)(nfc) + offsetof(struct ethtool_rxnfc, rule_locs)))

static int sock = -1;
static const char *ifname;
static int steps;

/* prog.h's check, counted */
#define CHECK(cond, ...) do { PP_CHECK(cond, __VA_ARGS__); steps++; } while (0)

/* SIOCETHTOOL: 0 or -errno. */
static int eth(void *data)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	return ioctl(sock, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/* SIOCETHTOOL returning a positive value (SFEATURES): that, or -errno. */
static int eth_ret(void *data)
{
	struct ifreq ifr;
	int r;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	r = ioctl(sock, SIOCETHTOOL, &ifr);
	return r < 0 ? -errno : r;
}

#define OK(x) do { int _r = (x); CHECK(_r == 0, "%s: %s", #x, strerror(-_r)); } while (0)
#define ERR(x, e) do { int _r = (x); CHECK(_r == -(e), "%s: %d (%s), want %s", #x, _r,	\
					   strerror(-_r), strerror(e)); } while (0)

static void channels(struct ethtool_channels *c)
{
	memset(c, 0, sizeof(*c));
	c->cmd = ETHTOOL_GCHANNELS;
	OK(eth(c));
}

static int set_channels(uint32_t rx, uint32_t tx, uint32_t combined)
{
	struct ethtool_channels c = { .cmd = ETHTOOL_SCHANNELS, .rx_count = rx, .tx_count = tx,
				      .combined_count = combined };

	return eth(&c);
}

static int sset_count(uint32_t set)
{
	struct {
		struct ethtool_sset_info h;
		uint32_t n[1];
	} si = { .h = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ull << set } };

	OK(eth(&si));
	return si.h.sset_mask == 1ull << set ? (int)si.n[0] : -1;
}

/* The feature's index by its name (ETH_SS_FEATURES), -1 if none. */
static int feature_index(const char *name)
{
	int n = sset_count(ETH_SS_FEATURES);
	struct ethtool_gstrings *g = calloc(1, sizeof(*g) + (size_t)n * ETH_GSTRING_LEN);
	int found = -1;

	g->cmd = ETHTOOL_GSTRINGS;
	g->string_set = ETH_SS_FEATURES;
	OK(eth(g));
	CHECK((int)g->len == n, "features: %u strings, %d counted", g->len, n);
	for (int i = 0; i < n; i++)
		if (!strcmp((char *)g->data + i * ETH_GSTRING_LEN, name))
			found = i;
	free(g);
	return found;
}

/* Feature i: 1 active, 0 not; *req its requested bit. */
static int feature(int i, int *req)
{
	struct {
		struct ethtool_gfeatures h;
		struct ethtool_get_features_block b[4];
	} g = { .h = { .cmd = ETHTOOL_GFEATURES, .size = 4 } };

	OK(eth(&g));
	CHECK(g.h.size >= 1 && g.h.size <= 4, "GFEATURES size %u", g.h.size);
	if (req)
		*req = !!(g.b[i / 32].requested & (1u << (i % 32)));
	return !!(g.b[i / 32].active & (1u << (i % 32)));
}

static int set_feature(int i, int on, uint32_t words)
{
	struct {
		struct ethtool_sfeatures h;
		struct ethtool_set_features_block b[4];
	} s = { .h = { .cmd = ETHTOOL_SFEATURES, .size = words } };

	s.b[i / 32].valid = 1u << (i % 32);
	s.b[i / 32].requested = on ? 1u << (i % 32) : 0;
	return eth_ret(&s);
}

static int value(uint32_t cmd, uint32_t *v)
{
	struct ethtool_value ev = { .cmd = cmd, .data = v ? *v : 0 };
	int r = eth(&ev);

	if (v)
		*v = ev.data;
	return r;
}

static int rule_add(uint32_t flow, uint16_t port, uint64_t ring, uint32_t loc, uint32_t *got)
{
	struct ethtool_rxnfc n = { .cmd = ETHTOOL_SRXCLSRLINS };
	int r;

	n.fs.flow_type = flow;
	n.fs.ring_cookie = ring;
	n.fs.location = loc;
	if (flow == TCP_V6_FLOW) {
		n.fs.h_u.tcp_ip6_spec.pdst = htons(port);
		n.fs.m_u.tcp_ip6_spec.pdst = 0xffff;
		inet_pton(AF_INET6, "2001:2::2", n.fs.h_u.tcp_ip6_spec.ip6dst);
		memset(n.fs.m_u.tcp_ip6_spec.ip6dst, 0xff, 16);
	} else {
		n.fs.h_u.tcp_ip4_spec.pdst = htons(port);
		n.fs.m_u.tcp_ip4_spec.pdst = 0xffff;
		inet_pton(AF_INET, "198.18.0.2", &n.fs.h_u.tcp_ip4_spec.ip4dst);
		n.fs.m_u.tcp_ip4_spec.ip4dst = 0xffffffff;
	}
	r = eth(&n);
	if (got)
		*got = n.fs.location;
	return r;
}

static int rule_del(uint32_t loc)
{
	struct ethtool_rxnfc n = { .cmd = ETHTOOL_SRXCLSRLDEL };

	n.fs.location = loc;
	return eth(&n);
}

static uint32_t indir_size(void)
{
	struct ethtool_rxfh_indir h = { .cmd = ETHTOOL_GRXFHINDIR, .size = 0 };

	OK(eth(&h));
	return h.size;
}

static int set_indir(const uint32_t *t, uint32_t n)
{
	struct ethtool_rxfh_indir *h = calloc(1, sizeof(*h) + n * 4);
	int r;

	h->cmd = ETHTOOL_SRXFHINDIR;
	h->size = n;
	if (n)
		memcpy(h->ring_index, t, n * 4);
	r = eth(h);
	free(h);
	return r;
}

static void get_indir(uint32_t *t, uint32_t n)
{
	struct ethtool_rxfh_indir *h = calloc(1, sizeof(*h) + n * 4);

	h->cmd = ETHTOOL_GRXFHINDIR;
	h->size = n;
	OK(eth(h));
	CHECK(h->size == n, "GRXFHINDIR size %u, want %u", h->size, n);
	memcpy(t, h->ring_index, n * 4);
	free(h);
}

static int ifreq_call(unsigned long req, struct ifreq *ifr)
{
	return ioctl(sock, req, ifr) < 0 ? -errno : 0;
}

static void check_if(void)
{
	struct ifreq ifr;
	char name[IF_NAMESIZE];
	int idx;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	OK(ifreq_call(SIOCGIFINDEX, &ifr));
	idx = ifr.ifr_ifindex;
	CHECK(idx > 1, "SIOCGIFINDEX %d: lo is 1", idx);
	CHECK((int)if_nametoindex(ifname) == idx, "if_nametoindex %u, SIOCGIFINDEX %d",
	      if_nametoindex(ifname), idx);
	CHECK(if_indextoname((unsigned)idx, name) && !strcmp(name, ifname),
	      "if_indextoname(%d)", idx);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = idx;
	OK(ifreq_call(SIOCGIFNAME, &ifr));
	CHECK(!strcmp(ifr.ifr_name, ifname), "SIOCGIFNAME(%d) = %s", idx, ifr.ifr_name);
	ifr.ifr_ifindex = 1;
	OK(ifreq_call(SIOCGIFNAME, &ifr));
	CHECK(!strcmp(ifr.ifr_name, "lo"), "SIOCGIFNAME(1) = %s: the kernel's lo", ifr.ifr_name);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	OK(ifreq_call(SIOCGIFFLAGS, &ifr));
	CHECK((ifr.ifr_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING),
	      "flags 0x%x", ifr.ifr_flags);
	OK(ifreq_call(SIOCGIFMTU, &ifr));
	CHECK(ifr.ifr_mtu >= 1280 && ifr.ifr_mtu <= 9000, "mtu %d", ifr.ifr_mtu);
	OK(ifreq_call(SIOCGIFHWADDR, &ifr));
	CHECK(ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER && (ifr.ifr_hwaddr.sa_data[0] & 3) == 2,
	      "hwaddr family %d, first byte 0x%x", ifr.ifr_hwaddr.sa_family,
	      (uint8_t)ifr.ifr_hwaddr.sa_data[0]);
	ifr.ifr_mtu = 1400;
	ERR(ifreq_call(SIOCSIFMTU, &ifr), EOPNOTSUPP);
	printf("if: %s index %d mtu ok flags ok hwaddr ok\n", ifname, idx);
}

static void check_channels_rings(void)
{
	struct ethtool_channels c;
	struct ethtool_ringparam g = { .cmd = ETHTOOL_GRINGPARAM };
	struct ethtool_drvinfo d = { .cmd = ETHTOOL_GDRVINFO };

	OK(eth(&d));
	CHECK(!strcmp(d.driver, "netmem") && d.n_stats > 0, "drvinfo %s, %u stats", d.driver,
	      d.n_stats);
	channels(&c);
	CHECK(c.rx_count >= 1 && c.max_rx >= 4 && c.max_combined == 0, "channels rx %u max %u",
	      c.rx_count, c.max_rx);
	OK(set_channels(4, 4, 0));
	channels(&c);
	CHECK(c.rx_count == 4 && c.tx_count == 4, "after -L rx 4 tx 4: %u %u", c.rx_count,
	      c.tx_count);
	ERR(set_channels(0, 4, 0), EINVAL);
	ERR(set_channels(c.max_rx + 1, 4, 0), EINVAL);
	ERR(set_channels(4, 4, 1), EINVAL);	/* no combined channels */
	OK(set_channels(4, 4, 0));		/* no change */
	OK(eth(&g));
	CHECK(g.rx_max_pending >= 1024 && g.rx_pending >= 64, "rings rx %u max %u",
	      g.rx_pending, g.rx_max_pending);
	g.cmd = ETHTOOL_SRINGPARAM;
	g.rx_pending = 1024;
	OK(eth(&g));
	g.cmd = ETHTOOL_GRINGPARAM;
	g.rx_pending = 0;
	OK(eth(&g));
	CHECK(g.rx_pending == 1024, "after -G rx 1024: %u", g.rx_pending);
	g.cmd = ETHTOOL_SRINGPARAM;
	g.rx_pending = g.rx_max_pending + 1;
	ERR(eth(&g), EINVAL);
	g.rx_pending = 1024;
	g.rx_mini_pending = 1;
	ERR(eth(&g), EINVAL);
	printf("channels: rx 4 tx 4; rings: rx 1024; refusals ok\n");
}

static void check_features(void)
{
	int nt = feature_index("rx-ntuple-filter"), sg = feature_index("tx-scatter-gather");
	int csum = feature_index("tx-checksum-ip-generic"), tso = feature_index("tx-tcp-segmentation");
	int n = sset_count(ETH_SS_FEATURES), words = (n + 31) / 32, req;
	uint32_t v = 0;

	CHECK(nt >= 0 && sg >= 0 && csum >= 0 && tso >= 0, "feature names");
	CHECK(feature(nt, NULL) == 1, "ntuple is on at start");
	CHECK(set_feature(nt, 0, (uint32_t)words) == 0, "-K ntuple off");
	CHECK(feature(nt, NULL) == 0, "ntuple off reads back");
	OK(value(ETHTOOL_GFLAGS, &v));
	CHECK(!(v & ETH_FLAG_NTUPLE), "GFLAGS 0x%x has NTUPLE", v);
	CHECK(set_feature(nt, 1, (uint32_t)words) == 0, "-K ntuple on");
	OK(value(ETHTOOL_GFLAGS, &v));
	CHECK(v & ETH_FLAG_NTUPLE, "GFLAGS 0x%x lacks NTUPLE", v);
	ERR(set_feature(nt, 1, (uint32_t)words + 1), EINVAL);
	CHECK(set_feature(sg, 0, (uint32_t)words) == ETHTOOL_F_UNSUPPORTED,
	      "-K sg off: want ETHTOOL_F_UNSUPPORTED");
	/* TSO without checksum offload: requested stays, active goes */
	CHECK(set_feature(csum, 0, (uint32_t)words) == ETHTOOL_F_WISH,
	      "-K tx-checksum off: want ETHTOOL_F_WISH (TSO cannot stay)");
	CHECK(feature(tso, &req) == 0 && req == 1, "TSO requested but inactive");
	CHECK(set_feature(csum, 1, (uint32_t)words) == 0, "-K tx-checksum on");
	CHECK(feature(tso, NULL) == 1, "TSO back with checksum offload");
	/* the legacy one-flag calls */
	OK(value(ETHTOOL_GRXCSUM, &v));
	CHECK(v == 1, "GRXCSUM %u", v);
	v = 0;
	OK(value(ETHTOOL_SRXCSUM, &v));
	OK(value(ETHTOOL_GRXCSUM, &v));
	CHECK(v == 0, "GRXCSUM after SRXCSUM 0: %u", v);
	v = 1;
	OK(value(ETHTOOL_SRXCSUM, &v));
	OK(value(ETHTOOL_GSG, &v));
	CHECK(v == 1, "GSG %u", v);
	v = 1;
	ERR(value(ETHTOOL_SGSO, &v), EOPNOTSUPP);
	v = ETH_FLAG_NTUPLE | ETH_FLAG_LRO;
	ERR(value(ETHTOOL_SFLAGS, &v), EINVAL);
	v = ETH_FLAG_NTUPLE | 1;
	ERR(value(ETHTOOL_SFLAGS, &v), EINVAL);
	printf("features: ntuple off/on, sg fixed, tso follows tx-checksum, legacy flags ok\n");
}

static void check_rules(void)
{
	struct ethtool_rxnfc n = { .cmd = ETHTOOL_GRXRINGS };
	struct {
		struct ethtool_rxnfc h;
		uint32_t locs[8];
	} all = { .h = { .cmd = ETHTOOL_GRXCLSRLALL, .rule_cnt = 8 } };
	struct ethtool_channels c;
	uint32_t a, b;

	OK(eth(&n));
	CHECK(n.data == 4, "GRXRINGS %llu", (unsigned long long)n.data);
	n.cmd = ETHTOOL_GRXCLSRLCNT;
	OK(eth(&n));
	CHECK(n.rule_cnt == 0 && (n.data & RX_CLS_LOC_SPECIAL), "GRXCLSRLCNT %u, data 0x%llx",
	      n.rule_cnt, (unsigned long long)n.data);
	OK(rule_add(TCP_V4_FLOW, 5201, 3, RX_CLS_LOC_ANY, &a));
	OK(rule_add(TCP_V6_FLOW, 5202, 2, RX_CLS_LOC_ANY, &b));
	CHECK(a != b, "two rules at %u and %u", a, b);
	ERR(rule_add(TCP_V4_FLOW, 5203, 1, a, NULL), EEXIST);
	ERR(rule_add(TCP_V4_FLOW, 5203, 9, RX_CLS_LOC_ANY, NULL), EINVAL);
	ERR(rule_add(ETHER_FLOW, 5203, 1, RX_CLS_LOC_ANY, NULL), EINVAL);
	ERR(rule_add(TCP_V4_FLOW | FLOW_EXT, 5203, 1, RX_CLS_LOC_ANY, NULL), EINVAL);
	ERR(rule_add(TCP_V4_FLOW, 5203, 1, RX_CLS_LOC_FIRST, NULL), EINVAL);
	OK(eth(&all));
	CHECK(all.h.rule_cnt == 2 && ((RULE_LOCS(&all.h)[0] == a && RULE_LOCS(&all.h)[1] == b) ||
				      (RULE_LOCS(&all.h)[0] == b && RULE_LOCS(&all.h)[1] == a)),
	      "GRXCLSRLALL %u rules", all.h.rule_cnt);
	all.h.rule_cnt = 1;
	ERR(eth(&all), EMSGSIZE);
	memset(&n, 0, sizeof(n));
	n.cmd = ETHTOOL_GRXCLSRULE;
	n.fs.location = a;
	OK(eth(&n));
	CHECK(n.fs.flow_type == TCP_V4_FLOW && ntohs(n.fs.h_u.tcp_ip4_spec.pdst) == 5201 &&
	      n.fs.m_u.tcp_ip4_spec.pdst == 0xffff && n.fs.ring_cookie == 3 &&
	      n.fs.m_u.tcp_ip4_spec.ip4dst == 0xffffffff,
	      "rule %u reads back flow 0x%x port %u ring %llu", a, n.fs.flow_type,
	      ntohs(n.fs.h_u.tcp_ip4_spec.pdst), (unsigned long long)n.fs.ring_cookie);
	/* channels cannot drop a queue a rule steers to */
	ERR(set_channels(2, 4, 0), EINVAL);
	OK(rule_del(a));
	ERR(rule_del(a), ENOENT);
	n.fs.location = a;
	ERR(eth(&n), ENOENT);
	OK(rule_del(b));
	OK(set_channels(2, 2, 0));
	channels(&c);
	CHECK(c.rx_count == 2, "rx %u after the rules went", c.rx_count);
	OK(set_channels(4, 4, 0));
	printf("rules: tcp4 and tcp6 at RX_CLS_LOC_ANY, read back, deleted; refusals ok\n");
}

static void check_rss(void)
{
	uint32_t size = indir_size(), t[512], u[512];
	struct {
		struct ethtool_rxfh h;
		uint32_t cfg[512 + 16];
	} x;
	uint8_t key[40];

	CHECK(size >= 4 && size <= 512, "indirection table of %u", size);
	/* ethtool -X equal 2: queues 0 and 1 */
	for (uint32_t i = 0; i < size; i++)
		t[i] = i % 2;
	OK(set_indir(t, size));
	get_indir(u, size);
	CHECK(!memcmp(t, u, size * 4), "the table reads back");
	ERR(set_channels(1, 4, 0), EINVAL);	/* the table names queue 1 */
	t[0] = 4;
	ERR(set_indir(t, size), EINVAL);	/* no queue 4 of 4 */
	ERR(set_indir(t, size / 2), EINVAL);	/* not the table's size */
	/* channels keep a table the user set */
	OK(set_channels(3, 4, 0));
	get_indir(u, size);
	CHECK(u[1] == 1 && u[2] == 0, "the user's table survives -L");
	OK(set_channels(4, 4, 0));
	OK(set_indir(NULL, 0));			/* back to the default spread */
	get_indir(u, size);
	CHECK(u[3] == 3, "default table spreads over 4 queues: entry 3 is %u", u[3]);
	/* a size above the table's is room enough: the kernel answers the
	 * table, whatever the size says (a size past any bound too) */
	for (uint32_t big = size + 1; big; big = big < (1u << 20) ? 1u << 20 : 0) {
		struct ethtool_rxfh_indir *h = calloc(1, sizeof(*h) + size * 4);

		h->cmd = ETHTOOL_GRXFHINDIR;
		h->size = big;
		memset(h->ring_index, 0xff, size * 4);
		OK(eth(h));
		CHECK(h->size == size && !memcmp(h->ring_index, u, size * 4),
		      "GRXFHINDIR with size %u: size %u, entry 3 %u", big, h->size,
		      h->ring_index[3]);
		free(h);
	}
	/* GRSSH / SRSSH */
	memset(&x, 0, sizeof(x));
	x.h.cmd = ETHTOOL_GRSSH;
	OK(eth(&x));
	CHECK(x.h.indir_size == size && x.h.key_size == 40 && x.h.hfunc == 1,
	      "GRSSH sizes %u/%u hfunc %u", x.h.indir_size, x.h.key_size, x.h.hfunc);
	x.h.cmd = ETHTOOL_GRSSH;
	OK(eth(&x));
	memcpy(key, (uint8_t *)x.cfg + size * 4, 40);
	memset(&x, 0, sizeof(x));
	x.h.cmd = ETHTOOL_SRSSH;
	x.h.indir_size = ETH_RXFH_INDIR_NO_CHANGE;
	x.h.key_size = 40;
	for (int i = 0; i < 40; i++)
		((uint8_t *)x.cfg)[i] = (uint8_t)(key[i] ^ 0x5a);
	OK(eth(&x));
	memset(&x, 0, sizeof(x));
	x.h.cmd = ETHTOOL_GRSSH;
	x.h.indir_size = size;
	x.h.key_size = 40;
	OK(eth(&x));
	CHECK(((uint8_t *)x.cfg)[size * 4] == (uint8_t)(key[0] ^ 0x5a), "the new key reads back");
	memset(&x, 0, sizeof(x));
	x.h.cmd = ETHTOOL_SRSSH;
	x.h.indir_size = ETH_RXFH_INDIR_NO_CHANGE;
	((uint8_t *)&x.h)[17] = 0xff;		/* input_xfrm: RXH_XFRM_NO_CHANGE */
	ERR(eth(&x), EINVAL);			/* nothing to change */
	x.h.hfunc = 1u << 1;			/* xor */
	ERR(eth(&x), EOPNOTSUPP);
	x.h.hfunc = 0;
	x.h.rss_context = 1;
	x.h.key_size = 40;
	ERR(eth(&x), EOPNOTSUPP);
	x.h.rss_context = 0;
	x.h.rsvd32 = 1;
	ERR(eth(&x), EINVAL);
	printf("rss: table set, read back, kept by -L, reset; key changed; refusals ok\n");
}

static void check_stats(void)
{
	int n = sset_count(ETH_SS_STATS);
	struct ethtool_gstrings *g = calloc(1, sizeof(*g) + (size_t)n * ETH_GSTRING_LEN);
	struct ethtool_stats *s = calloc(1, sizeof(*s) + (size_t)n * 8);
	struct ethtool_drvinfo d = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_value ev = { .cmd = 0x7fff };
	struct ifreq ifr;

	CHECK(n > 4, "%d counters", n);
	g->cmd = ETHTOOL_GSTRINGS;
	g->string_set = ETH_SS_STATS;
	OK(eth(g));
	CHECK((int)g->len == n && !strcmp((char *)g->data, "rx_packets"), "stat names");
	s->cmd = ETHTOOL_GSTATS;
	OK(eth(s));
	CHECK((int)s->n_stats == n, "GSTATS %u of %d", s->n_stats, n);
	OK(eth(&d));
	CHECK((int)d.n_stats == n, "drvinfo says %u counters, GSSET_INFO %d", d.n_stats, n);
	CHECK(sset_count(ETH_SS_TEST) == -1, "no self-test string set");
	g->string_set = ETH_SS_TEST;
	ERR(eth(g), EOPNOTSUPP);
	ERR(eth(&ev), EOPNOTSUPP);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = NULL;
	CHECK(ioctl(sock, SIOCETHTOOL, &ifr) < 0 && errno == EFAULT, "NULL ifr_data: EFAULT");
	ifr.ifr_data = (void *)16;	/* an address nothing maps */
	CHECK(ioctl(sock, SIOCETHTOOL, &ifr) < 0 && errno == EFAULT, "a bad ifr_data: EFAULT");
	CHECK(ioctl(sock, SIOCGIFMTU, (void *)16) < 0 && errno == EFAULT, "a bad ifreq: EFAULT");
	free(g);
	free(s);
	printf("stats: %d counters named and read\n", n);
}

static void show(void)
{
	struct ethtool_channels c;
	struct ethtool_ringparam g = { .cmd = ETHTOOL_GRINGPARAM };
	struct {
		struct ethtool_rxnfc h;
		uint32_t locs[64];
	} all = { .h = { .cmd = ETHTOOL_GRXCLSRLALL, .rule_cnt = 64 } };
	uint32_t size = indir_size(), t[512];
	const uint32_t *locs = RULE_LOCS(&all.h);

	channels(&c);
	printf("channels rx %u tx %u\n", c.rx_count, c.tx_count);
	OK(eth(&g));
	printf("rings rx %u tx %u\n", g.rx_pending, g.tx_pending);
	OK(eth(&all));
	for (uint32_t i = 0; i < all.h.rule_cnt; i++) {
		struct ethtool_rxnfc n = { .cmd = ETHTOOL_GRXCLSRULE };

		n.fs.location = locs[i];
		OK(eth(&n));
		printf("rule %u flow 0x%x dst-port %u action %llu\n", n.fs.location,
		       n.fs.flow_type, ntohs(n.fs.flow_type == TCP_V6_FLOW ?
					     n.fs.h_u.tcp_ip6_spec.pdst :
					     n.fs.h_u.tcp_ip4_spec.pdst),
		       (unsigned long long)n.fs.ring_cookie);
	}
	get_indir(t, size);
	printf("indir");
	for (uint32_t i = 0; i < size; i++)
		printf(" %u", t[i]);
	printf("\nntuple %d\n", feature(feature_index("rx-ntuple-filter"), NULL));
}

/* The RSS key (ETHTOOL_GRSSH: the sizes first, then the table and key). */
static void show_key(void)
{
	struct {
		struct ethtool_rxfh h;
		uint8_t data[512 * 4 + 256];
	} x = { .h = { .cmd = ETHTOOL_GRSSH } };
	uint32_t isz;

	OK(eth(&x));
	isz = x.h.indir_size;
	CHECK(isz <= 512 && x.h.key_size <= 256, "rxfh sizes %u %u", isz, x.h.key_size);
	x.h.cmd = ETHTOOL_GRSSH;
	OK(eth(&x));
	printf("key");
	for (uint32_t i = 0; i < x.h.key_size; i++)
		printf("%c%02x", i ? ':' : ' ', x.data[isz * 4 + i]);
	printf("\nrxhash %d\n", feature(feature_index("rx-hashing"), NULL));
}

static int tcp_bound(const char *addr, unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1)
		pp_die("socket or address %s: %s", addr, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static int sink(const char *addr, unsigned port, uint64_t bytes, unsigned period,
		char **cmds, int ncmds)
{
	static uint8_t buf[1 << 16];
	struct pollfd p;
	uint64_t off = 0;
	int l = tcp_bound(addr, port), c;
	ssize_t n;

	CHECK(l >= 0, "bind %s:%u: %s", addr, port, strerror(-l));
	CHECK(listen(l, 1) == 0, "listen: %s", strerror(errno));
	show();
	show_key();
	fflush(stdout);
	p = (struct pollfd){ .fd = l, .events = POLLIN };
	CHECK(poll(&p, 1, 30000) == 1, "no connection in 30 s");
	c = accept(l, NULL, NULL);
	CHECK(c >= 0, "accept: %s", strerror(errno));
	for (;;) {
		p = (struct pollfd){ .fd = c, .events = POLLIN };
		CHECK(poll(&p, 1, 30000) == 1, "nothing for 30 s after %llu bytes",
		      (unsigned long long)off);
		n = read(c, buf, sizeof(buf));
		CHECK(n >= 0, "read: %s", strerror(errno));
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			CHECK(buf[i] == pp_ncdevmem(period, off + (uint64_t)i),
			      "byte %llu is 0x%02x, the pattern's 0x%02x",
			      (unsigned long long)(off + (uint64_t)i), buf[i],
			      pp_ncdevmem(period, off + (uint64_t)i));
		off += (uint64_t)n;
		CHECK(off <= bytes, "%llu bytes, more than %llu", (unsigned long long)off,
		      (unsigned long long)bytes);
	}
	CHECK(off == bytes, "%llu bytes, wanted %llu", (unsigned long long)off,
	      (unsigned long long)bytes);
	printf("sink: %llu bytes ok\n", (unsigned long long)off);
	fflush(stdout);
	close(c);
	close(l);
	for (int i = 0; i < ncmds; i++)
		CHECK(system(cmds[i]) == 0, "'%s' failed", cmds[i]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: nmp_ethtool IFNAME [show]\n");
		return 2;
	}
	ifname = argv[1];
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock < 0)
		pp_die("socket: %s", strerror(errno));
	if (argc > 2 && !strcmp(argv[2], "fork")) {
		struct ethtool_ringparam g = { .cmd = ETHTOOL_GRINGPARAM };
		struct ethtool_channels c;
		pid_t pid;
		int st;

		OK(set_channels(3, 2, 0));
		pid = fork();
		if (pid == 0) {
			channels(&c);
			CHECK(c.rx_count == 3, "the child reads rx %u, the parent set 3", c.rx_count);
			OK(eth(&g));
			g.cmd = ETHTOOL_SRINGPARAM;
			g.rx_pending = 2048;
			OK(eth(&g));
			_exit(0);
		}
		CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && st == 0, "the child failed");
		g.cmd = ETHTOOL_GRINGPARAM;
		OK(eth(&g));
		CHECK(g.rx_pending == 2048, "the parent reads rx ring %u, the child set 2048",
		      g.rx_pending);
		printf("fork: the child read and set the parent's NIC\n");
		return 0;
	}
	if (argc > 2 && !strcmp(argv[2], "system")) {
		for (int i = 3; i < argc; i++) {
			int st = system(argv[i]);

			if (st != 0) {
				fprintf(stderr, "nmp_ethtool: '%s': status %d\n", argv[i], st);
				return 1;
			}
		}
		fflush(stdout);
		show();
		return 0;
	}
	if (argc > 6 && !strcmp(argv[2], "sink"))
		return sink(argv[3], (unsigned)atoi(argv[4]), strtoull(argv[5], NULL, 0),
			    (unsigned)atoi(argv[6]), argv + 7, argc - 7);
	if (argc > 4 && !strcmp(argv[2], "bind")) {
		int fd = tcp_bound(argv[3], (unsigned)atoi(argv[4]));

		printf("bind: %s\n", fd >= 0 ? "ok" : strerrorname_np(-fd));
		return 0;
	}
	if (argc > 2 && !strcmp(argv[2], "show")) {
		show();
		return 0;
	}
	check_if();
	check_channels_rings();
	check_features();
	check_rules();
	check_rss();
	check_stats();
	printf("nmp_ethtool: all checks passed (%d)\n", steps);
	return 0;
}
