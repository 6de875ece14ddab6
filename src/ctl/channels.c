/* SPDX-License-Identifier: MIT */
/*
 * Which RX queues a NIC may not lose: the kernel's
 * ethtool_check_max_channel(), shared by SIOCETHTOOL's ETHTOOL_SCHANNELS
 * (src/rt/ethtool.c) and ethtool netlink's channels-set (nl_ethtool.c),
 * so both refuse the same requests with the same words.
 *
 * A new RX count must exceed every queue that an RSS indirection table the
 * user set names, then every queue an ntuple rule steers to, then every
 * queue with a memory provider (a dma-buf binding), in the kernel's order
 * and with its extack messages.  A default table is no obstacle: it
 * follows the queue count (nm_netdev_set_channels()).
 *
 * Workload: control path, once per channels change.
 */
#include <errno.h>
#include <stdlib.h>

#include <netmem/netdev.h>

#include "ctl/ctl_internal.h"
#include "nic/netdev_drv.h"
#include "util/err.h"

/* The highest RX queue a set indirection table names, -1: none set. */
static int max_rxfh_queue(struct nm_netdev *nd)
{
	uint32_t indir[NM_RSS_MAX_INDIR], n = NM_RSS_MAX_INDIR;
	int max = -1;

	if (!nm_netdev_rss_configured(nd) || nm_netdev_get_rss(nd, NULL, indir, &n))
		return -1;
	for (uint32_t i = 0; i < n; i++)
		max = (int)indir[i] > max ? (int)indir[i] : max;
	return max;
}

/* The highest RX queue an ntuple rule steers to, -1: none; every rule, as
 * the kernel reads them all (ETHTOOL_GRXCLSRLCNT sizes its list). */
static int max_rule_queue(struct nm_netdev *nd, int *max)
{
	int nr = nm_netdev_flow_list(nd, NULL, 0), got;
	uint32_t *ids;

	*max = -1;
	if (nr <= 0)
		return nr;
	ids = calloc((size_t)nr, sizeof(*ids));
	if (!ids)
		return nm_err(ENOMEM, "out of memory");
	got = nm_netdev_flow_list(nd, ids, (uint32_t)nr);
	for (int i = 0; i < got && i < nr; i++) {
		struct nm_flow_rule fr;

		if (nm_netdev_get_flow(nd, ids[i], &fr) == 0 && fr.action > *max)
			*max = fr.action;
	}
	free(ids);
	return got < 0 ? got : 0;
}

int nm_ctl_max_mp_queue(struct nm_netdev *nd)
{
	int max = -1;

	for (uint32_t q = 0; q < nm_netdev_num_rx_queues(nd); q++)
		if (nm_netdev_rxq_provider(nd, q, NULL))
			max = (int)q;
	return max;
}

int nm_ctl_channels_check(struct nm_netdev *nd, uint32_t rx)
{
	int max = max_rxfh_queue(nd), err;

	if ((int64_t)rx <= max)
		return nm_err(EINVAL, "requested channel counts are too low for existing "
			      "indirection table (%d)", max);
	err = max_rule_queue(nd, &max);
	if (err)
		return err;
	if ((int64_t)rx <= max)
		return nm_err(EINVAL, "requested channel counts are too low for existing "
			      "ntuple filter settings");
	max = nm_ctl_max_mp_queue(nd);
	if ((int64_t)rx <= max)
		return nm_err(EINVAL, "requested channel counts are too low for existing "
			      "memory provider setting (%d)", max);
	return 0;
}
