/* SPDX-License-Identifier: MIT */
/*
 * The "netdev" generic netlink family (Documentation/netlink/specs/
 * netdev.yaml) for netmem's interfaces: dev-get, queue-get, napi-get,
 * page-pool-get, page-pool-stats-get, qstats-get, bind-rx, bind-tx, with
 * the kernel's policies (nl_attr.c), required attributes
 * (NLMSGERR_ATTR_MISS_TYPE), errnos and extack messages
 * (net/core/netdev-genl.c, devmem.c, netdev_rx_queue.c).
 *
 * Routing: a request that names an interface (an ifindex, a NAPI id, a
 * page pool id) is netmem's when the view shows it and the kernel's
 * otherwise (return 1: passed unchanged); a dump without a filter lists
 * the kernel's objects first, then netmem's, in one dump.
 *
 * Ids the program sees: ifindexes from the view; one NAPI per queue index
 * (RX queue i and TX queue i share NAPI i) numbered NL_ID_BASE + slot *
 * 64 + i; page pool ids NL_ID_BASE + the pool's own id: both far above
 * the kernel's, which count from a few thousand and from 1.
 *
 * bind-rx follows netdev_nl_bind_rx_doit(): the attributes, rx-page-size a
 * power of 2 (>= 4096 by policy), every queue parsed (type RX, index in
 * range: else EINVAL on the attribute), the dma-buf fd (EBADF, EINVAL),
 * then per queue __net_mp_open_rxq()'s refusals with its messages, then the
 * binding (nm__ctl_bind_rx).  The binding belongs to the socket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netmem/ctl.h>
#include <netmem/dmabuf.h>
#include <netmem/error.h>
#include <netmem/netdev.h>

#include "ctl/ctl_internal.h"
#include "ctl/nl_internal.h"
#include "ctl/nl_view.h"
#include "nic/netdev_drv.h"
#include "pool/memory_provider.h"
#include "pool/page_pool.h"

#define NL_ID_BASE	0x4e4d0000u

/* A handle for queries (no bindings are made through it). */
static struct nm_ctl *qctl;

static struct nm_ctl *query_ctl(void)
{
	if (!qctl)
		nm_ctl_open(&qctl);
	return qctl;
}

static uint16_t fam(void)
{
	return nl_families()->netdev;
}

static int view_slot(const struct nm_netdev *nd)
{
	for (int i = 0; i < nl_view_count(); i++)
		if (nl_view_get(i) && nl_view_get(i)->nd == nd)
			return i;
	return -1;
}

static uint32_t napi_id(const struct nl_view_dev *v, uint32_t q)
{
	return NL_ID_BASE + (uint32_t)view_slot(v->nd) * NM_NETDEV_MAX_QUEUES + q;
}

static void put_uint(struct nlmsghdr *nlh, uint16_t type, uint64_t v)
{
	if (v > UINT32_MAX)
		mnl_attr_put_u64(nlh, type, v);
	else
		mnl_attr_put_u32(nlh, type, (uint32_t)v);
}

static uint64_t get_uint(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a) == 8 ? mnl_attr_get_u64(a) : mnl_attr_get_u32(a);
}

/* Netmem's part of a dump, after the kernel's (if it answers the family). */
static void kernel_part(struct nl_req *r)
{
	int st;

	if (nl_families()->netdev >= 1008)
		return;		/* the kernel has no netdev family */
	nl_kernel_dump(r->s, r->nlh, r->out, &st);
}

/* ---- dev-get ------------------------------------------------------------------------- */

static int dev_fill(struct nl_req *r, const struct nl_view_dev *v, uint8_t cmd)
{
	struct nlmsghdr *nlh = nl_genl_put(r, fam(), cmd, NETDEV_FAMILY_VERSION, 256);

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_u32(nlh, NETDEV_A_DEV_IFINDEX, (uint32_t)v->user);
	mnl_attr_put_u64(nlh, NETDEV_A_DEV_XDP_FEATURES, 0);
	mnl_attr_put_u64(nlh, NETDEV_A_DEV_XDP_RX_METADATA_FEATURES, 0);
	mnl_attr_put_u64(nlh, NETDEV_A_DEV_XSK_FEATURES, 0);
	nl_end(r, nlh);
	return 0;
}

static const struct nl_pol dev_pol[NETDEV_A_DEV_MAX + 1] = {
	[NETDEV_A_DEV_IFINDEX] = { NLK_U32, 1, 0 },
};

static int dev_get(struct nl_req *r, const void *attrs, size_t len)
{
	const struct nlattr *tb[NETDEV_A_DEV_MAX + 1];
	const struct nl_view_dev *v;
	int err;

	if (r->dump) {
		kernel_part(r);
		for (int i = 0; i < nl_view_count(); i++)
			if ((v = nl_view_get(i)) && (err = dev_fill(r, v, NETDEV_CMD_DEV_GET)))
				return err;
		return 0;
	}
	err = nl_parse(r, attrs, len, dev_pol, NETDEV_A_DEV_MAX, true, tb);
	if (err)
		return err;
	if (!tb[NETDEV_A_DEV_IFINDEX])
		return nl_missing(r, NULL, NETDEV_A_DEV_IFINDEX);
	v = nl_view_by_user(mnl_attr_get_u32(tb[NETDEV_A_DEV_IFINDEX]));
	return v ? dev_fill(r, v, NETDEV_CMD_DEV_GET) : 1;
}

/* ---- queue-get ------------------------------------------------------------------------- */

static int queue_fill(struct nl_req *r, const struct nl_view_dev *v, uint32_t id, uint32_t type)
{
	struct nm_queue_info qi;
	struct nlmsghdr *nlh;
	int err = nm_ctl_queue_get(query_ctl(), nm_netdev_ifindex(v->nd), id, type, &qi);

	if (err)
		return err;
	nlh = nl_genl_put(r, fam(), NETDEV_CMD_QUEUE_GET, NETDEV_FAMILY_VERSION, 256);
	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, id);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, type);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_IFINDEX, (uint32_t)v->user);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_NAPI_ID, napi_id(v, id));
	if (qi.dmabuf)
		mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_DMABUF, qi.dmabuf);
	nl_end(r, nlh);
	return 0;
}

static int queue_dump_dev(struct nl_req *r, const struct nl_view_dev *v)
{
	struct nm_channels ch;
	int err = 0;

	nm_netdev_get_channels(v->nd, &ch);
	for (uint32_t q = 0; q < ch.rx && !err; q++)
		err = queue_fill(r, v, q, NETDEV_QUEUE_TYPE_RX);
	for (uint32_t q = 0; q < ch.tx && !err; q++)
		err = queue_fill(r, v, q, NETDEV_QUEUE_TYPE_TX);
	return err;
}

static const struct nl_pol queue_pol[NETDEV_A_QUEUE_MAX + 1] = {
	[NETDEV_A_QUEUE_ID] = { NLK_U32 },
	[NETDEV_A_QUEUE_IFINDEX] = { NLK_U32, 1, 0 },
	[NETDEV_A_QUEUE_TYPE] = { NLK_U32, 0, 1 },
};

static int queue_get(struct nl_req *r, const void *attrs, size_t len)
{
	const struct nlattr *tb[NETDEV_A_QUEUE_MAX + 1];
	const struct nl_view_dev *v = NULL;
	struct nm_channels ch;
	uint32_t id, type;
	int err = nl_parse(r, attrs, len, queue_pol, NETDEV_A_QUEUE_MAX, true, tb);

	if (err)
		return err;
	if (tb[NETDEV_A_QUEUE_IFINDEX]) {
		v = nl_view_by_user(mnl_attr_get_u32(tb[NETDEV_A_QUEUE_IFINDEX]));
		if (!v)
			return 1;
	}
	if (r->dump) {
		if (v)
			return queue_dump_dev(r, v);
		kernel_part(r);
		for (int i = 0; i < nl_view_count(); i++)
			if ((v = nl_view_get(i)) && (err = queue_dump_dev(r, v)))
				return err;
		return 0;
	}
	if (!tb[NETDEV_A_QUEUE_ID])
		return nl_missing(r, NULL, NETDEV_A_QUEUE_ID);
	if (!tb[NETDEV_A_QUEUE_TYPE])
		return nl_missing(r, NULL, NETDEV_A_QUEUE_TYPE);
	if (!tb[NETDEV_A_QUEUE_IFINDEX])
		return nl_missing(r, NULL, NETDEV_A_QUEUE_IFINDEX);
	id = mnl_attr_get_u32(tb[NETDEV_A_QUEUE_ID]);
	type = mnl_attr_get_u32(tb[NETDEV_A_QUEUE_TYPE]);
	nm_netdev_get_channels(v->nd, &ch);
	/* netdev_nl_queue_validate(): no message */
	if (id >= (type == NETDEV_QUEUE_TYPE_RX ? ch.rx : ch.tx))
		return -EINVAL;
	return queue_fill(r, v, id, type);
}

/* ---- napi-get ---------------------------------------------------------------------------- */

static int napi_fill(struct nl_req *r, const struct nl_view_dev *v, uint32_t q)
{
	struct nlmsghdr *nlh = nl_genl_put(r, fam(), NETDEV_CMD_NAPI_GET, NETDEV_FAMILY_VERSION,
					   256);

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_u32(nlh, NETDEV_A_NAPI_ID, napi_id(v, q));
	mnl_attr_put_u32(nlh, NETDEV_A_NAPI_IFINDEX, (uint32_t)v->user);
	mnl_attr_put_u32(nlh, NETDEV_A_NAPI_DEFER_HARD_IRQS, 0);
	mnl_attr_put_u32(nlh, NETDEV_A_NAPI_GRO_FLUSH_TIMEOUT, 0);
	mnl_attr_put_u32(nlh, NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT, 0);
	mnl_attr_put_u32(nlh, NETDEV_A_NAPI_THREADED, 0);
	nl_end(r, nlh);
	return 0;
}

static uint32_t nr_napi(const struct nl_view_dev *v)
{
	struct nm_channels ch;

	nm_netdev_get_channels(v->nd, &ch);
	return ch.rx > ch.tx ? ch.rx : ch.tx;
}

static int napi_dump_dev(struct nl_req *r, const struct nl_view_dev *v)
{
	int err = 0;

	for (uint32_t q = 0; q < nr_napi(v) && !err; q++)
		err = napi_fill(r, v, q);
	return err;
}

static const struct nl_pol napi_pol[NETDEV_A_NAPI_MAX + 1] = {
	[NETDEV_A_NAPI_IFINDEX] = { NLK_U32, 1, 0 },
	[NETDEV_A_NAPI_ID] = { NLK_U32, 1, 0 },
};

static int napi_get(struct nl_req *r, const void *attrs, size_t len)
{
	const struct nlattr *tb[NETDEV_A_NAPI_MAX + 1];
	const struct nl_view_dev *v = NULL;
	int err = nl_parse(r, attrs, len, napi_pol, NETDEV_A_NAPI_MAX, true, tb);

	if (err)
		return err;
	if (r->dump) {
		if (tb[NETDEV_A_NAPI_IFINDEX]) {
			v = nl_view_by_user(mnl_attr_get_u32(tb[NETDEV_A_NAPI_IFINDEX]));
			return v ? napi_dump_dev(r, v) : 1;
		}
		kernel_part(r);
		for (int i = 0; i < nl_view_count(); i++)
			if ((v = nl_view_get(i)) && (err = napi_dump_dev(r, v)))
				return err;
		return 0;
	}
	if (!tb[NETDEV_A_NAPI_ID])
		return nl_missing(r, NULL, NETDEV_A_NAPI_ID);
	for (int i = 0; i < nl_view_count(); i++) {
		uint32_t id = mnl_attr_get_u32(tb[NETDEV_A_NAPI_ID]);

		v = nl_view_get(i);
		if (v && id >= napi_id(v, 0) && id < napi_id(v, nr_napi(v)))
			return napi_fill(r, v, id - napi_id(v, 0));
	}
	return 1;
}

/* ---- page pools --------------------------------------------------------------------------- */

/* Each pool of the view's netdevs: fn(pool, its netdev, its queue).
 * Stops at fn's first nonzero. */
static int each_pool(int (*fn)(struct nl_req *r, const struct nl_view_dev *v, uint32_t q,
			       struct nm_page_pool *pp, void *arg),
		     struct nl_req *r, void *arg)
{
	for (int i = 0; i < nl_view_count(); i++) {
		const struct nl_view_dev *v = nl_view_get(i);
		uint32_t n = v ? nm_netdev_num_rx_queues(v->nd) : 0;

		for (uint32_t q = 0; q < n; q++) {
			struct nm_page_pool *pools[2] = { nm_netdev_rxq_header_pool(v->nd, q),
							  nm_netdev_rxq_payload_pool(v->nd, q) };

			for (int k = 0; k < 2; k++) {
				int e = pools[k] ? fn(r, v, q, pools[k], arg) : 0;

				if (e)
					return e;
			}
		}
	}
	return 0;
}

static int pp_fill(struct nl_req *r, const struct nl_view_dev *v, uint32_t q,
		   struct nm_page_pool *pp, void *arg)
{
	struct nm_page_pool_info pi;
	struct nlmsghdr *nlh;
	uint32_t *want = arg;

	if (nm_page_pool_get_info(pp, &pi))
		return 0;
	if (want && NL_ID_BASE + pi.id != *want)
		return 0;
	nlh = nl_genl_put(r, fam(), NETDEV_CMD_PAGE_POOL_GET, NETDEV_FAMILY_VERSION, 256);
	if (!nlh)
		return -ENOMEM;
	put_uint(nlh, NETDEV_A_PAGE_POOL_ID, NL_ID_BASE + pi.id);
	mnl_attr_put_u32(nlh, NETDEV_A_PAGE_POOL_IFINDEX, (uint32_t)v->user);
	mnl_attr_put_u32(nlh, NETDEV_A_PAGE_POOL_NAPI_ID, napi_id(v, q));
	put_uint(nlh, NETDEV_A_PAGE_POOL_INFLIGHT, pi.inflight > 0 ? (uint64_t)pi.inflight : 0);
	put_uint(nlh, NETDEV_A_PAGE_POOL_INFLIGHT_MEM, pi.inflight_mem);
	if (pi.dmabuf_id)
		mnl_attr_put_u32(nlh, NETDEV_A_PAGE_POOL_DMABUF, pi.dmabuf_id);
	nl_end(r, nlh);
	return want ? 1 : 0;
}

static const struct nl_pol pp_pol[NETDEV_A_PAGE_POOL_MAX + 1] = {
	[NETDEV_A_PAGE_POOL_ID] = { NLK_UINT, 1, UINT32_MAX },
	[NETDEV_A_PAGE_POOL_IFINDEX] = { NLK_U32, 1, INT32_MAX },
};

typedef int (*pool_fn)(struct nl_req *r, const struct nl_view_dev *v, uint32_t q,
		       struct nm_page_pool *pp, void *arg);

/* A page pool request: a dump of every pool (after the kernel's), or the
 * pool id names (the kernel's below NL_ID_BASE; -ENOENT: no such pool). */
static int pool_answer(struct nl_req *r, pool_fn fill, const struct nlattr *id_attr)
{
	uint32_t id;
	int err;

	if (r->dump) {
		kernel_part(r);
		err = each_pool(fill, r, NULL);
		return err < 0 ? err : 0;
	}
	id = (uint32_t)get_uint(id_attr);
	if (id < NL_ID_BASE)
		return 1;
	err = each_pool(fill, r, &id);
	return err == 1 ? 0 : err < 0 ? err : -ENOENT;
}

static int pp_get(struct nl_req *r, const void *attrs, size_t len)
{
	const struct nlattr *tb[NETDEV_A_PAGE_POOL_MAX + 1];
	int err;

	if (r->dump)
		return pool_answer(r, pp_fill, NULL);
	err = nl_parse(r, attrs, len, pp_pol, NETDEV_A_PAGE_POOL_MAX, true, tb);
	if (err)
		return err;
	if (!tb[NETDEV_A_PAGE_POOL_ID])
		return nl_missing(r, NULL, NETDEV_A_PAGE_POOL_ID);
	return pool_answer(r, pp_fill, tb[NETDEV_A_PAGE_POOL_ID]);
}

static int pps_fill(struct nl_req *r, const struct nl_view_dev *v, uint32_t q,
		    struct nm_page_pool *pp, void *arg)
{
	struct nm_page_pool_stats st;
	struct nlmsghdr *nlh;
	struct nlattr *info;
	uint32_t *want = arg, id = NL_ID_BASE + nm_page_pool_id(pp);

	(void)q;
	if ((want && id != *want) || nm_page_pool_get_stats(pp, &st))
		return 0;
	nlh = nl_genl_put(r, fam(), NETDEV_CMD_PAGE_POOL_STATS_GET, NETDEV_FAMILY_VERSION, 512);
	if (!nlh)
		return -ENOMEM;
	info = mnl_attr_nest_start(nlh, NETDEV_A_PAGE_POOL_STATS_INFO);
	put_uint(nlh, NETDEV_A_PAGE_POOL_ID, id);
	mnl_attr_put_u32(nlh, NETDEV_A_PAGE_POOL_IFINDEX, (uint32_t)v->user);
	mnl_attr_nest_end(nlh, info);
	put_uint(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_FAST, st.alloc_fast);
	put_uint(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_SLOW, st.alloc_slow);
	put_uint(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_SLOW_HIGH_ORDER, 0);
	put_uint(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_EMPTY, st.alloc_empty);
	put_uint(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_REFILL, st.alloc_refill);
	put_uint(nlh, NETDEV_A_PAGE_POOL_STATS_ALLOC_WAIVE, 0);
	put_uint(nlh, NETDEV_A_PAGE_POOL_STATS_RECYCLE_CACHED, st.recycle_cached);
	put_uint(nlh, NETDEV_A_PAGE_POOL_STATS_RECYCLE_CACHE_FULL, st.recycle_cache_full);
	put_uint(nlh, NETDEV_A_PAGE_POOL_STATS_RECYCLE_RING, st.recycle_ring);
	put_uint(nlh, NETDEV_A_PAGE_POOL_STATS_RECYCLE_RING_FULL, st.recycle_ring_full);
	put_uint(nlh, NETDEV_A_PAGE_POOL_STATS_RECYCLE_RELEASED_REFCNT,
		 st.recycle_released_refcnt);
	nl_end(r, nlh);
	return want ? 1 : 0;
}

static const struct nl_pol pps_pol[NETDEV_A_PAGE_POOL_STATS_MAX + 1] = {
	[NETDEV_A_PAGE_POOL_STATS_INFO] = { NLK_NEST },
};

static int pp_stats_get(struct nl_req *r, const void *attrs, size_t len)
{
	const struct nlattr *tb[NETDEV_A_PAGE_POOL_STATS_MAX + 1];
	const struct nlattr *info[NETDEV_A_PAGE_POOL_MAX + 1];
	int err;

	if (r->dump)
		return pool_answer(r, pps_fill, NULL);
	err = nl_parse(r, attrs, len, pps_pol, NETDEV_A_PAGE_POOL_STATS_MAX, true, tb);
	if (err)
		return err;
	if (!tb[NETDEV_A_PAGE_POOL_STATS_INFO])
		return nl_missing(r, NULL, NETDEV_A_PAGE_POOL_STATS_INFO);
	err = nl_parse_nested(r, tb[NETDEV_A_PAGE_POOL_STATS_INFO], pp_pol,
			      NETDEV_A_PAGE_POOL_MAX, true, info);
	if (err)
		return err;
	/* the kernel selects stats by pool id only */
	if (info[NETDEV_A_PAGE_POOL_IFINDEX])
		return nl_fail(r, EOPNOTSUPP, info[NETDEV_A_PAGE_POOL_IFINDEX], NULL);
	if (!info[NETDEV_A_PAGE_POOL_ID])
		return nl_missing(r, tb[NETDEV_A_PAGE_POOL_STATS_INFO], NETDEV_A_PAGE_POOL_ID);
	return pool_answer(r, pps_fill, info[NETDEV_A_PAGE_POOL_ID]);
}

/* ---- qstats-get ------------------------------------------------------------------------------ */

static int qstats_put(struct nl_req *r, const struct nl_view_dev *v, int type, int q,
		      const struct nm_queue_stats *rx, const struct nm_queue_stats *tx)
{
	struct nlmsghdr *nlh = nl_genl_put(r, fam(), NETDEV_CMD_QSTATS_GET, NETDEV_FAMILY_VERSION,
					   256);

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_u32(nlh, NETDEV_A_QSTATS_IFINDEX, (uint32_t)v->user);
	if (q >= 0) {
		mnl_attr_put_u32(nlh, NETDEV_A_QSTATS_QUEUE_TYPE, (uint32_t)type);
		mnl_attr_put_u32(nlh, NETDEV_A_QSTATS_QUEUE_ID, (uint32_t)q);
	}
	if (rx) {
		put_uint(nlh, NETDEV_A_QSTATS_RX_PACKETS, rx->packets);
		put_uint(nlh, NETDEV_A_QSTATS_RX_BYTES, rx->bytes);
		put_uint(nlh, NETDEV_A_QSTATS_RX_ALLOC_FAIL, rx->alloc_fail);
	}
	if (tx) {
		put_uint(nlh, NETDEV_A_QSTATS_TX_PACKETS, tx->tx_packets);
		put_uint(nlh, NETDEV_A_QSTATS_TX_BYTES, tx->tx_bytes);
	}
	nl_end(r, nlh);
	return 0;
}

static int qstats_dev(struct nl_req *r, const struct nl_view_dev *v, bool per_queue)
{
	struct nm_queue_stats rx, tx, sum_rx = { 0 }, sum_tx = { 0 };
	struct nm_channels ch;
	int err = 0;

	nm_netdev_get_channels(v->nd, &ch);
	for (uint32_t q = 0; q < ch.rx && !err; q++) {
		nm_netdev_get_rxq_stats(v->nd, q, &rx, sizeof(rx));
		sum_rx.packets += rx.packets;
		sum_rx.bytes += rx.bytes;
		sum_rx.alloc_fail += rx.alloc_fail;
		if (per_queue)
			err = qstats_put(r, v, NETDEV_QUEUE_TYPE_RX, (int)q, &rx, NULL);
	}
	for (uint32_t q = 0; q < ch.tx && !err; q++) {
		nm_netdev_get_txq_stats(v->nd, q, &tx, sizeof(tx));
		sum_tx.tx_packets += tx.tx_packets;
		sum_tx.tx_bytes += tx.tx_bytes;
		if (per_queue)
			err = qstats_put(r, v, NETDEV_QUEUE_TYPE_TX, (int)q, NULL, &tx);
	}
	if (!per_queue && !err)
		err = qstats_put(r, v, 0, -1, &sum_rx, &sum_tx);
	return err;
}

static const struct nl_pol qstats_pol[NETDEV_A_QSTATS_MAX + 1] = {
	[NETDEV_A_QSTATS_IFINDEX] = { NLK_U32, 1, 0 },
	[NETDEV_A_QSTATS_SCOPE] = { NLK_UINT, 0, NETDEV_QSTATS_SCOPE_QUEUE },
};

static int qstats_get(struct nl_req *r, const void *attrs, size_t len)
{
	const struct nlattr *tb[NETDEV_A_QSTATS_MAX + 1];
	const struct nl_view_dev *v;
	bool per_queue;
	int err;

	if (!r->dump)
		return -EOPNOTSUPP;	/* dump only */
	err = nl_parse(r, attrs, len, qstats_pol, NETDEV_A_QSTATS_MAX, true, tb);
	if (err)
		return err;
	per_queue = tb[NETDEV_A_QSTATS_SCOPE] && get_uint(tb[NETDEV_A_QSTATS_SCOPE]);
	if (tb[NETDEV_A_QSTATS_IFINDEX]) {
		v = nl_view_by_user(mnl_attr_get_u32(tb[NETDEV_A_QSTATS_IFINDEX]));
		return v ? qstats_dev(r, v, per_queue) : 1;
	}
	kernel_part(r);
	for (int i = 0; i < nl_view_count(); i++)
		if ((v = nl_view_get(i)) && (err = qstats_dev(r, v, per_queue)))
			return err;
	return 0;
}

/* ---- bind-rx, bind-tx -------------------------------------------------------------------------- */

static const struct nl_pol dmabuf_pol[NETDEV_A_DMABUF_MAX + 1] = {
	[NETDEV_A_DMABUF_IFINDEX] = { NLK_U32, 1, 0 },
	[NETDEV_A_DMABUF_QUEUES] = { NLK_NEST },
	[NETDEV_A_DMABUF_FD] = { NLK_U32 },
	[NETDEV_A_DMABUF_RX_PAGE_SIZE] = { NLK_U32, NM_NIOV_SIZE_MIN, 0 },
};

/* netdev_queue_id_nl_policy */
static const struct nl_pol qid_pol[NETDEV_A_QUEUE_MAX + 1] = {
	[NETDEV_A_QUEUE_ID] = { NLK_U32 },
	[NETDEV_A_QUEUE_TYPE] = { NLK_U32, 0, 1 },
};

static int dmabuf_lookup(struct nm_nl_sock *s, int fd, struct nm_dmabuf **out)
{
	if (s->dmabuf_fn)
		return s->dmabuf_fn(s->dmabuf_arg, fd, out);
	return nm_dmabuf_import_fd(fd, out);
}

/* The queues of a bind-rx: every NETDEV_A_DMABUF_QUEUES nest, as
 * netdev_nl_read_rxq_bitmap() reads them (a queue named twice is one). */
static int read_queues(struct nl_req *r, const void *attrs, size_t len, uint32_t nrx,
		       struct nm_queue_id *qs, size_t *n)
{
	const struct nlattr *attr;
	uint64_t seen = 0;

	*n = 0;
	mnl_attr_for_each_payload(attrs, len) {
		const struct nlattr *a = attr;
		const struct nlattr *tb[NETDEV_A_QUEUE_MAX + 1];
		uint32_t id;
		int err;

		if (mnl_attr_get_type(a) != NETDEV_A_DMABUF_QUEUES)
			continue;
		err = nl_parse_nested(r, a, qid_pol, NETDEV_A_QUEUE_MAX, true, tb);
		if (err)
			return err;
		if (!tb[NETDEV_A_QUEUE_ID])
			return nl_missing(r, a, NETDEV_A_QUEUE_ID);
		if (!tb[NETDEV_A_QUEUE_TYPE])
			return nl_missing(r, a, NETDEV_A_QUEUE_TYPE);
		if (mnl_attr_get_u32(tb[NETDEV_A_QUEUE_TYPE]) != NETDEV_QUEUE_TYPE_RX)
			return nl_fail(r, EINVAL, tb[NETDEV_A_QUEUE_TYPE], NULL);
		id = mnl_attr_get_u32(tb[NETDEV_A_QUEUE_ID]);
		if (id >= nrx)
			return nl_fail(r, EINVAL, tb[NETDEV_A_QUEUE_ID], NULL);
		seen |= 1ull << id;
	}
	for (uint32_t q = 0; q < nrx; q++)
		if (seen & (1ull << q))
			qs[(*n)++] = (struct nm_queue_id){ q, NETDEV_QUEUE_TYPE_RX };
	return 0;
}

/* __net_mp_open_rxq()'s refusals, before anything changes. */
static int check_queues(struct nl_req *r, struct nm_netdev *nd, const struct nm_queue_id *qs,
			size_t n)
{
	struct nm_ringparam rp;

	nm_netdev_get_ringparam(nd, &rp);
	if (rp.tcp_data_split != NM_TCP_DATA_SPLIT_ENABLED)
		return nl_fail(r, EINVAL, NULL, "tcp-data-split is disabled");
	if (rp.hds_thresh)
		return nl_fail(r, EINVAL, NULL, "hds-thresh is not zero");
	for (size_t i = 0; i < n; i++)
		if (nm_netdev_rxq_provider(nd, qs[i].id, NULL))
			return nl_fail(r, EEXIST, NULL,
				       "designated queue already memory provider bound");
	return 0;
}

static int sock_ctl(struct nm_nl_sock *s, struct nm_ctl **c)
{
	if (!s->ctl) {
		int err = nm_ctl_open(&s->ctl);

		if (err)
			return err;
	}
	*c = s->ctl;
	return 0;
}

static int put_id(struct nl_req *r, uint8_t cmd, uint32_t id)
{
	struct nlmsghdr *nlh = nl_genl_put(r, fam(), cmd, NETDEV_FAMILY_VERSION, 64);

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_ID, id);
	nl_end(r, nlh);
	return 0;
}

/* bind-rx/bind-tx's attributes, parsed, the required ones there (the
 * queues for RX), as GENL_REQ_ATTR_CHECK() asks for them. */
static int dmabuf_attrs(struct nl_req *r, const void *attrs, size_t len, bool rx,
			const struct nlattr **tb)
{
	int err = nl_parse(r, attrs, len, dmabuf_pol, NETDEV_A_DMABUF_MAX, true, tb);

	if (err)
		return err;
	if (!tb[NETDEV_A_DMABUF_IFINDEX])
		return nl_missing(r, NULL, NETDEV_A_DMABUF_IFINDEX);
	if (!tb[NETDEV_A_DMABUF_FD])
		return nl_missing(r, NULL, NETDEV_A_DMABUF_FD);
	if (rx && !tb[NETDEV_A_DMABUF_QUEUES])
		return nl_missing(r, NULL, NETDEV_A_DMABUF_QUEUES);
	return 0;
}

static int bind_rx(struct nl_req *r, const void *attrs, size_t len)
{
	const struct nlattr *tb[NETDEV_A_DMABUF_MAX + 1];
	struct nm_queue_id qs[NM_NETDEV_MAX_QUEUES];
	struct nm_dmabuf *buf = NULL;
	uint32_t page = 0, id;
	struct nm_netdev *nd;
	struct nm_ctl *c;
	size_t n;
	int err;

	err = dmabuf_attrs(r, attrs, len, true, tb);
	if (err)
		return err;
	if (tb[NETDEV_A_DMABUF_RX_PAGE_SIZE]) {
		page = mnl_attr_get_u32(tb[NETDEV_A_DMABUF_RX_PAGE_SIZE]);
		if (page & (page - 1))
			return nl_fail(r, EINVAL, tb[NETDEV_A_DMABUF_RX_PAGE_SIZE],
				       "rx-page-size must be a power of 2");
	}
	nd = nm_nl_netdev_by_user((int)mnl_attr_get_u32(tb[NETDEV_A_DMABUF_IFINDEX]));
	if (!nd)
		return 1;
	err = read_queues(r, attrs, len, nm_netdev_num_rx_queues(nd), qs, &n);
	if (err)
		return err;
	if (page > NM_NIOV_SIZE_MAX)
		return nl_fail(r, EINVAL, tb[NETDEV_A_DMABUF_RX_PAGE_SIZE],
			       "rx-page-size %u is larger than the largest net_iov (%u)", page,
			       NM_NIOV_SIZE_MAX);
	err = dmabuf_lookup(r->s, (int)mnl_attr_get_u32(tb[NETDEV_A_DMABUF_FD]), &buf);
	if (err)
		return nl_fail(r, -err, NULL, NULL);
	err = check_queues(r, nd, qs, n);
	if (!err)
		err = sock_ctl(r->s, &c);
	if (!err) {
		err = nm__ctl_bind_rx(c, nm_netdev_ifindex(nd), buf, qs, n, page, &id);
		if (err)
			err = nl_fail_lib(r, err, NULL);
	}
	nm_dmabuf_put(buf);	/* the binding holds its own reference */
	return err ? err : put_id(r, NETDEV_CMD_BIND_RX, id);
}

static int bind_tx(struct nl_req *r, const void *attrs, size_t len)
{
	const struct nlattr *tb[NETDEV_A_DMABUF_MAX + 1];
	struct nm_dmabuf *buf = NULL;
	struct nm_netdev *nd;
	struct nm_ctl *c;
	uint32_t id;
	int err;

	err = dmabuf_attrs(r, attrs, len, false, tb);
	if (err)
		return err;
	nd = nm_nl_netdev_by_user((int)mnl_attr_get_u32(tb[NETDEV_A_DMABUF_IFINDEX]));
	if (!nd)
		return 1;
	if (!(nm_netdev_features(nd) & NM_NETIF_F_NETMEM_TX))
		return nl_fail(r, EOPNOTSUPP, NULL, "Driver does not support netmem TX");
	err = dmabuf_lookup(r->s, (int)mnl_attr_get_u32(tb[NETDEV_A_DMABUF_FD]), &buf);
	if (err)
		return nl_fail(r, -err, NULL, NULL);
	err = sock_ctl(r->s, &c);
	if (!err) {
		err = nm_ctl_bind_tx(c, nm_netdev_ifindex(nd), buf, &id);
		if (err)
			err = nl_fail_lib(r, err, NULL);
	}
	nm_dmabuf_put(buf);
	return err ? err : put_id(r, NETDEV_CMD_BIND_TX, id);
}

/* A change the interface does not support: netmem's NAPIs have no settings
 * and its queues are fixed by channels-set. */
static int not_here(struct nl_req *r, const void *attrs, size_t len, uint16_t ifindex_attr)
{
	const struct nlattr *attr;

	mnl_attr_for_each_payload(attrs, len) {
		const struct nlattr *a = attr;

		if (mnl_attr_get_type(a) == ifindex_attr &&
		    mnl_attr_get_payload_len(a) == 4 && nl_view_by_user(mnl_attr_get_u32(a)))
			return nl_fail(r, EOPNOTSUPP, a, NULL);
	}
	return 1;
}

int nl_netdev_rcv(struct nl_req *r, uint8_t cmd)
{
	size_t len;
	const void *attrs = nl_genl_attrs(r->nlh, &len);

	r->multi = false;	/* genlmsg_iput(): the kernel's dumps here lack NLM_F_MULTI */
	switch (cmd) {
	case NETDEV_CMD_DEV_GET:
		return dev_get(r, attrs, len);
	case NETDEV_CMD_QUEUE_GET:
		return queue_get(r, attrs, len);
	case NETDEV_CMD_NAPI_GET:
		return napi_get(r, attrs, len);
	case NETDEV_CMD_PAGE_POOL_GET:
		return pp_get(r, attrs, len);
	case NETDEV_CMD_PAGE_POOL_STATS_GET:
		return pp_stats_get(r, attrs, len);
	case NETDEV_CMD_QSTATS_GET:
		return qstats_get(r, attrs, len);
	case NETDEV_CMD_BIND_RX:
		return r->dump ? -EOPNOTSUPP : bind_rx(r, attrs, len);
	case NETDEV_CMD_BIND_TX:
		return r->dump ? -EOPNOTSUPP : bind_tx(r, attrs, len);
	case NETDEV_CMD_NAPI_SET:
		return r->dump ? -EOPNOTSUPP : not_here(r, attrs, len, NETDEV_A_NAPI_IFINDEX);
	case NETDEV_CMD_QUEUE_CREATE:
		return r->dump ? -EOPNOTSUPP : not_here(r, attrs, len, NETDEV_A_QUEUE_IFINDEX);
	}
	return -EOPNOTSUPP;
}

/* ---- notifications ---------------------------------------------------------------------- */

static int snap_one(struct nl_req *r, const struct nl_view_dev *v, uint32_t q,
		    struct nm_page_pool *pp, void *arg)
{
	struct nl_pp_snap *snap = arg;

	(void)r;
	if (snap->n < NL_PP_SNAP_MAX) {
		snap->pp[snap->n].id = NL_ID_BASE + nm_page_pool_id(pp);
		snap->pp[snap->n].napi = napi_id(v, q);
		snap->pp[snap->n].user = v->user;
		snap->n++;
	}
	return 0;
}

void nl_pp_snapshot(struct nl_pp_snap *snap)
{
	snap->n = 0;
	each_pool(snap_one, NULL, snap);
}

static bool in_snap(const struct nl_pp_snap *s, uint32_t id)
{
	for (int i = 0; i < s->n; i++)
		if (s->pp[i].id == id)
			return true;
	return false;
}

/* page_pool_nl_fill() of a new pool, for page-pool-add-ntf. */
static int pp_add_fill(struct nl_req *r, const struct nl_view_dev *v, uint32_t q,
		       struct nm_page_pool *pp, void *arg)
{
	const struct nl_pp_snap *before = arg;
	uint32_t id = NL_ID_BASE + nm_page_pool_id(pp);
	size_t at = r->out->len;

	if (in_snap(before, id))
		return 0;
	if (pp_fill(r, v, q, pp, &id) < 0)
		return 0;
	((struct genlmsghdr *)mnl_nlmsg_get_payload((struct nlmsghdr *)(r->out->p + at)))->cmd =
		NETDEV_CMD_PAGE_POOL_ADD_NTF;
	return 0;
}

void nl_pp_notify(const struct nl_pp_snap *before)
{
	struct nl_pp_snap *now = malloc(sizeof(*now));
	struct nl_buf out;
	struct nl_req r;

	if (!now)
		return;
	nl_pp_snapshot(now);
	nl_ntf_init(&r, &out);
	/* the pools gone: their id, interface and NAPI */
	for (int i = 0; i < before->n; i++) {
		struct nlmsghdr *nlh;

		if (in_snap(now, before->pp[i].id))
			continue;
		nlh = nl_genl_put(&r, fam(), NETDEV_CMD_PAGE_POOL_DEL_NTF, NETDEV_FAMILY_VERSION, 128);
		if (!nlh)
			break;
		put_uint(nlh, NETDEV_A_PAGE_POOL_ID, before->pp[i].id);
		mnl_attr_put_u32(nlh, NETDEV_A_PAGE_POOL_IFINDEX, (uint32_t)before->pp[i].user);
		mnl_attr_put_u32(nlh, NETDEV_A_PAGE_POOL_NAPI_ID, before->pp[i].napi);
		nl_end(&r, nlh);
	}
	each_pool(pp_add_fill, &r, (void *)before);
	nl_notify(nl_families()->netdev_pp, &out);
	nl_buf_free(&out);
	free(now);
}

void nl_dev_notify(const struct nm_netdev *nd, int user, uint8_t cmd)
{
	struct nl_view_dev v = { .nd = (struct nm_netdev *)nd, .user = user };
	struct nl_buf out;
	struct nl_req r;

	if (!nl_socks())
		return;
	nl_ntf_init(&r, &out);
	if (dev_fill(&r, &v, cmd) == 0)
		nl_notify(nl_families()->netdev_mgmt, &out);
	nl_buf_free(&out);
}
