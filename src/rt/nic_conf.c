/* SPDX-License-Identifier: MIT */
/*
 * The NIC's configuration, as ethtool and the ethtool netlink family set
 * it: what one process of a run hands to the next that runs the NIC, so
 * that `sh -c 'ethtool -L ...; ethtool -N ...; ./prog'` and
 * `sh -c 'ethtool ...; exec ./prog'` configure the NIC ./prog runs.
 *
 * What it carries: the channels, the rings (descriptors, tcp-data-split,
 * hds-thresh), the wanted features that differ from the NIC's defaults,
 * the RSS key and indirection table (and whether the user set it: the
 * kernel's IFF_RXFH_CONFIGURED, ethtool.c), the ntuple rules at their
 * locations, and the ifindex the programs of the run see (the netlink
 * view's, so a number a helper learned names the same interface).  Not
 * carried: bindings, sockets, zcrx queues (a process that holds any is
 * never asked to hand over), the capture (NETMEM_PCAP: each owner opens
 * it), counters.
 *
 * Where it travels (one flat struct, the same bytes both ways):
 *   - over the control endpoint, in the answer to a handover request, and
 *     from an exiting owner back to the run's first process (endpoint.c,
 *     up.c);
 *   - across exec(): a memfd written before the execve, its number in
 *     NETMEM_NIC_CONF, read and closed by the new image's constructor.
 * Either way it waits in rt_conf_pending until this process brings its NIC
 * up (rt_conf_apply from up.c).
 *
 * Workload: once per handover or exec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <netmem/netdev.h>

#include "rt/rt_internal.h"
#include "util/fd.h"

#define CONF_MAGIC	0x6e6d6366u	/* "nmcf" */
#define CONF_MEMFD	"netmem-nic-conf"

/* one endpoint message (endpoint.c) carries it */
_Static_assert(sizeof(struct rt_nic_conf) <= RT_ETH_MAX, "the configuration outgrew a message");

struct rt_nic_conf rt_conf_pending;
bool rt_conf_has_pending;

/* Lock held, rt.nd there: the NIC's configuration into *c. */
int rt_conf_save(struct rt_nic_conf *c)
{
	uint32_t ids[RT_CONF_RULES];
	struct nm_channels ch;
	struct nm_ringparam rp;
	int n, r;

	memset(c, 0, sizeof(*c));
	c->magic = CONF_MAGIC;
	c->size = sizeof(*c);
	r = nm_netdev_get_channels(rt.nd, &ch);
	if (r == 0)
		r = nm_netdev_get_ringparam(rt.nd, &rp);
	if (r < 0)
		return r;
	c->rx_channels = ch.rx;
	c->tx_channels = ch.tx;
	c->rx_ring = rp.rx;
	c->tx_ring = rp.tx;
	c->tcp_data_split = (uint32_t)rp.tcp_data_split;
	c->hds_thresh = rp.hds_thresh;
	c->feat_mask = (nm_netdev_wanted_features(rt.nd) ^ rt.feat_default) | rt.feat_set;
	c->feat_val = nm_netdev_wanted_features(rt.nd) & c->feat_mask;
	c->indir_size = NM_RSS_MAX_INDIR;
	r = nm_netdev_get_rss(rt.nd, c->key, c->indir, &c->indir_size);
	if (r < 0)
		return r;
	c->rxfh_user = nm_netdev_rss_configured(rt.nd);
	c->user_ifindex = (uint32_t)rt.user_ifindex;
	n = nm_netdev_flow_list(rt.nd, ids, RT_CONF_RULES);
	if (n > RT_CONF_RULES) {
		rt_note("%s: %d ntuple rules, the first %d handed on", rt_cfg.ifname, n,
			RT_CONF_RULES);
		n = RT_CONF_RULES;
	}
	for (int i = 0; i < n; i++)
		if (nm_netdev_get_flow(rt.nd, ids[i], &c->rules[c->nr_rules]) == 0)
			c->nr_rules++;
	return 0;
}

/* Lock held, the NIC just made (its defaults): *c onto it.  Each step that
 * fails is a note, and the rest still goes on: a configuration the NIC
 * took once it takes again, so a failure here is a bug to see, not a
 * reason to leave the program without a NIC. */
void rt_conf_apply(const struct rt_nic_conf *c)
{
	struct nm_channels ch = { .rx = c->rx_channels, .tx = c->tx_channels };
	struct nm_ringparam rp;
	int r;

	rt.feat_set = c->feat_mask;
	if (c->user_ifindex)
		rt.user_ifindex = (int)c->user_ifindex;
	r = nm_netdev_set_channels(rt.nd, &ch);
	if (r == 0 && nm_netdev_get_ringparam(rt.nd, &rp) == 0) {
		rp.rx = c->rx_ring;
		rp.tx = c->tx_ring;
		rp.tcp_data_split = (enum nm_tcp_data_split)c->tcp_data_split;
		rp.hds_thresh = c->hds_thresh;
		r = nm_netdev_set_ringparam(rt.nd, &rp);
	}
	if (r == 0)
		r = nm_netdev_set_features(rt.nd, c->feat_mask, c->feat_val);
	/* the key, then a table that was set; a default one already spreads
	 * over the channels just set */
	if (r == 0)
		r = nm_netdev_set_rss(rt.nd, c->key, c->rxfh_user ? c->indir : NULL,
				      c->indir_size);
	for (uint32_t i = 0; r == 0 && i < c->nr_rules; i++)
		r = nm_netdev_flow_add(rt.nd, &c->rules[i]) < 0 ? -1 : 0;
	if (r < 0)
		rt_note("%s: the configuration handed on was not all taken: %s", rt_cfg.ifname,
			nm_last_error());
}

bool rt_conf_valid(const struct rt_nic_conf *c, size_t len)
{
	return len == sizeof(*c) && c->magic == CONF_MAGIC && c->size == sizeof(*c) &&
	       c->nr_rules <= RT_CONF_RULES && c->indir_size <= NM_RSS_MAX_INDIR;
}

/* ---- across exec ------------------------------------------------------------------------ */

int rt_conf_to_memfd(const struct rt_nic_conf *c)
{
	int fd = memfd_create(CONF_MEMFD, 0);	/* no CLOEXEC: for the new image */

	if (fd < 0)
		return -errno;
	if (write(fd, c, sizeof(*c)) != (ssize_t)sizeof(*c)) {
		REAL(close)(fd);
		return -EIO;
	}
	return fd;
}

/* The constructor: a configuration the image before exec left, taken once
 * (the variable and the fd go, so this program's own children do not see
 * a stale number). */
void rt_conf_from_env(void)
{
	const char *v = getenv("NETMEM_NIC_CONF");
	char *end;
	long fd;

	if (!v)
		return;
	fd = strtol(v, &end, 10);
	unsetenv("NETMEM_NIC_CONF");
	/* a stale or forged number names some other file: left alone */
	if (*end || fd < 0 || fd > 1 << 20 || !nm_fd_is((int)fd, "/memfd:" CONF_MEMFD, true))
		return;
	if (pread((int)fd, &rt_conf_pending, sizeof(rt_conf_pending), 0) ==
		    (ssize_t)sizeof(rt_conf_pending) &&
	    rt_conf_valid(&rt_conf_pending, sizeof(rt_conf_pending)))
		rt_conf_has_pending = true;
	REAL(close)((int)fd);
}
