/* SPDX-License-Identifier: MIT */
/*
 * The control plane: the netdev family's operations (ctl.h) on our NIC.
 *
 * bind-rx follows the kernel's netdev_nl_bind_rx_doit(): check every queue
 * first (type, range, header split, an existing provider), then create the
 * binding (attach + map the dma-buf for the NIC) and install it queue by
 * queue through the queue-restart transaction; if one queue fails, the
 * queues already installed restart without it and the binding is dropped.
 *
 * Invariants:
 *  1. Every binding is on exactly one handle's list and in the id registry
 *     until that handle closes.
 *  2. The registry holds no reference of its own: the handle's reference
 *     (dropped by nm_dmabuf_binding_unbind at close) keeps it alive;
 *     lookups take one under the registry lock.
 *
 * Workload: control path only.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netmem/ctl.h>
#include <netmem/dmabuf.h>
#include <netmem/netdev.h>

#include "ctl/ctl_internal.h"
#include "nic/netdev_drv.h"
#include "pool/memory_provider.h"
#include "pool/page_pool.h"
#include "util/err.h"
#include "util/stats.h"

struct ctl_binding {
	struct ctl_binding *next;	/* the handle's list */
	struct ctl_binding *rnext;	/* the registry */
	uint32_t id;
	bool tx;
	int ifindex;
	struct nm_dmabuf_binding *b;
	uint32_t *queues;
	size_t nr_queues;
};

struct nm_ctl {
	struct ctl_binding *bindings;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ctl_binding *reg_head;
static uint32_t next_id = 1;

int nm_ctl_open(struct nm_ctl **out)
{
	NM_API_CALL();
	if (!out)
		return nm_err(EINVAL, "NULL output");
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : nm_err(ENOMEM, "out of memory");
}

static void reg_add(struct ctl_binding *cb)
{
	pthread_mutex_lock(&reg_lock);
	cb->id = next_id++;
	cb->rnext = reg_head;
	reg_head = cb;
	pthread_mutex_unlock(&reg_lock);
}

static void reg_del(struct ctl_binding *cb)
{
	pthread_mutex_lock(&reg_lock);
	for (struct ctl_binding **p = &reg_head; *p; p = &(*p)->rnext) {
		if (*p == cb) {
			*p = cb->rnext;
			break;
		}
	}
	pthread_mutex_unlock(&reg_lock);
}

struct nm_dmabuf_binding *nm_ctl_binding_get(uint32_t id, bool *tx, int *ifindex)
{
	struct nm_dmabuf_binding *b = NULL;

	pthread_mutex_lock(&reg_lock);
	for (struct ctl_binding *cb = reg_head; cb; cb = cb->rnext) {
		if (cb->id == id && nm_dmabuf_binding_get(cb->b) == 0) {
			b = cb->b;
			if (tx)
				*tx = cb->tx;
			if (ifindex)
				*ifindex = cb->ifindex;
			break;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	if (!b)
		nm_err(EINVAL, "no dma-buf binding with id %u", id);
	return b;
}

bool nm_ctl_netdev_bound(int ifindex)
{
	bool bound = false;

	pthread_mutex_lock(&reg_lock);
	for (struct ctl_binding *cb = reg_head; cb && !bound; cb = cb->rnext)
		bound = cb->ifindex == ifindex;
	pthread_mutex_unlock(&reg_lock);
	return bound;
}

/* Restart the queues of an RX binding without it (if its netdev still
 * exists and the queue still has it). */
static void uninstall_rx(struct ctl_binding *cb, size_t n)
{
	struct nm_netdev *nd;

	if (nm_netdev_get_by_index(cb->ifindex, &nd))
		return;
	for (size_t i = 0; i < n; i++) {
		void *priv;

		/* a queue bound to cb's binding has the binding as its
		 * provider's argument (as the kernel's mp_priv) */
		if (nm_netdev_rxq_provider(nd, cb->queues[i], &priv) && priv == cb->b)
			nm_netdev_rxq_set_provider(nd, cb->queues[i], NULL, NULL);
	}
}

static void binding_drop(struct ctl_binding *cb)
{
	if (!cb->tx)
		uninstall_rx(cb, cb->nr_queues);
	/* someone may have unbound it already; our reference goes either way */
	if (nm_dmabuf_binding_unbind(cb->b))
		nm_dmabuf_binding_put(cb->b);
	free(cb->queues);
	free(cb);
}

int nm_ctl_close(struct nm_ctl *c)
{
	NM_API_CALL();
	if (!c)
		return nm_err(EINVAL, "NULL handle");
	while (c->bindings) {
		struct ctl_binding *cb = c->bindings;

		c->bindings = cb->next;
		reg_del(cb);
		binding_drop(cb);
	}
	free(c);
	return 0;
}

/* The kernel's per-queue preconditions (__net_mp_open_rxq()). */
static int check_rx_queue(struct nm_netdev *nd, const struct nm_queue_id *q, size_t i,
			  const struct nm_queue_id *all)
{
	struct nm_channels ch;
	struct nm_ringparam rp;

	nm_netdev_get_channels(nd, &ch);
	nm_netdev_get_ringparam(nd, &rp);
	if (q->type != NETDEV_QUEUE_TYPE_RX)
		return nm_err(EINVAL, "queue %zu: type %u is not RX", i, q->type);
	if (q->id >= ch.rx)
		return nm_err(ERANGE, "rx queue index %u out of range (%u queues)",
			      q->id, ch.rx);
	if (rp.tcp_data_split != NM_TCP_DATA_SPLIT_ENABLED)
		return nm_err(EINVAL, "tcp-data-split is disabled");
	if (rp.hds_thresh)
		return nm_err(EINVAL, "hds-thresh is not zero");
	if (nm_netdev_rxq_provider(nd, q->id, NULL))
		return nm_err(EEXIST, "designated queue %u already memory provider bound",
			      q->id);
	for (size_t k = 0; k < i; k++)
		if (all[k].id == q->id)
			return nm_err(EEXIST, "queue %u listed twice", q->id);
	return 0;
}

static struct ctl_binding *binding_new(int ifindex, bool tx, size_t nr_queues)
{
	struct ctl_binding *cb = calloc(1, sizeof(*cb));

	if (cb && nr_queues) {
		cb->queues = calloc(nr_queues, sizeof(*cb->queues));
		if (!cb->queues) {
			free(cb);
			return NULL;
		}
	}
	if (cb) {
		cb->ifindex = ifindex;
		cb->tx = tx;
	}
	return cb;
}

static void binding_publish(struct nm_ctl *c, struct ctl_binding *cb, uint32_t *id)
{
	reg_add(cb);
	nm_dmabuf_binding_set_id(cb->b, cb->id);
	cb->next = c->bindings;
	c->bindings = cb;
	*id = cb->id;
}

int nm_ctl_bind_rx(struct nm_ctl *c, int ifindex, struct nm_dmabuf *buf,
		   const struct nm_queue_id *queues, size_t nr_queues, uint32_t *id)
{
	NM_API_CALL();
	return nm__ctl_bind_rx(c, ifindex, buf, queues, nr_queues, 0, id);
}

int nm__ctl_bind_rx(struct nm_ctl *c, int ifindex, struct nm_dmabuf *buf,
		    const struct nm_queue_id *queues, size_t nr_queues, uint32_t niov_size,
		    uint32_t *id)
{
	struct ctl_binding *cb;
	struct nm_netdev *nd;
	size_t i;
	int ret;

	if (!c || !buf || !id)
		return nm_err(EINVAL, "NULL argument");
	if (!queues || !nr_queues)
		return nm_err(EINVAL, "no queues given");
	if (nr_queues > NM_NETDEV_MAX_QUEUES)
		return nm_err(ERANGE, "%zu queues, a netdev has at most %d", nr_queues,
			      NM_NETDEV_MAX_QUEUES);
	ret = nm_netdev_get_by_index(ifindex, &nd);
	if (ret)
		return ret;
	for (i = 0; i < nr_queues; i++) {
		ret = check_rx_queue(nd, &queues[i], i, queues);
		if (ret)
			return ret;
	}
	cb = binding_new(ifindex, false, nr_queues);
	if (!cb)
		return nm_err(ENOMEM, "out of memory");
	ret = nm_dmabuf_binding_create(buf, nm_netdev_device(nd), NM_DMA_FROM_DEVICE, niov_size,
				       &cb->b);
	if (ret) {
		free(cb->queues);
		free(cb);
		return nm_err_wrap(ret, "bind-rx");
	}
	for (i = 0; i < nr_queues; i++) {
		cb->queues[i] = queues[i].id;
		ret = nm_netdev_rxq_bind_dmabuf(nd, queues[i].id, cb->b);
		if (ret) {
			ret = nm_err_wrap(ret, "queue %u", queues[i].id);
			uninstall_rx(cb, i);
			binding_drop(cb);
			return ret;
		}
	}
	cb->nr_queues = nr_queues;
	binding_publish(c, cb, id);
	return 0;
}

int nm_ctl_bind_tx(struct nm_ctl *c, int ifindex, struct nm_dmabuf *buf, uint32_t *id)
{
	NM_API_CALL();
	struct ctl_binding *cb;
	struct nm_netdev *nd;
	int ret;

	if (!c || !buf || !id)
		return nm_err(EINVAL, "NULL argument");
	ret = nm_netdev_get_by_index(ifindex, &nd);
	if (ret)
		return ret;
	if (!(nm_netdev_features(nd) & NM_NETIF_F_NETMEM_TX))
		return nm_err(EOPNOTSUPP, "%s does not support netmem TX",
			      nm_netdev_name(nd));
	cb = binding_new(ifindex, true, 0);
	if (!cb)
		return nm_err(ENOMEM, "out of memory");
	ret = nm_dmabuf_binding_create(buf, nm_netdev_device(nd), NM_DMA_TO_DEVICE, 0, &cb->b);
	if (ret) {
		free(cb);
		return nm_err_wrap(ret, "bind-tx");
	}
	binding_publish(c, cb, id);
	return 0;
}

/* ---- queries ------------------------------------------------------------- */

static int get_netdev(struct nm_ctl *c, int ifindex, struct nm_netdev **nd)
{
	if (!c)
		return nm_err(EINVAL, "NULL handle");
	return nm_netdev_get_by_index(ifindex, nd);
}

/* queue-get's dmabuf attribute comes from the provider itself, as the
 * kernel's nl_fill op gives it: the payload pool's fill_info. */
static void queue_fill(struct nm_netdev *nd, uint32_t id, uint32_t type, struct nm_queue_info *q)
{
	struct nm_mp_info mi;

	memset(q, 0, sizeof(*q));
	q->id = id;
	q->type = type;
	q->ifindex = nm_netdev_ifindex(nd);
	if (type == NETDEV_QUEUE_TYPE_RX && nm_netdev_rxq_provider(nd, id, NULL) &&
	    nm_page_pool_mp_info(nm_netdev_rxq_payload_pool(nd, id), &mi) == 0)
		q->dmabuf = mi.dmabuf_id;
}

int nm_ctl_queue_get(struct nm_ctl *c, int ifindex, uint32_t id, uint32_t type,
		     struct nm_queue_info *info)
{
	NM_API_CALL();
	struct nm_netdev *nd;
	struct nm_channels ch;
	int ret = get_netdev(c, ifindex, &nd);

	if (ret)
		return ret;
	if (!info)
		return nm_err(EINVAL, "NULL output");
	if (type != NETDEV_QUEUE_TYPE_RX && type != NETDEV_QUEUE_TYPE_TX)
		return nm_err(EINVAL, "type %u unknown", type);
	nm_netdev_get_channels(nd, &ch);
	if (id >= (type == NETDEV_QUEUE_TYPE_RX ? ch.rx : ch.tx))
		return nm_err(EINVAL, "no %s queue %u", type ? "tx" : "rx", id);
	queue_fill(nd, id, type, info);
	return 0;
}

int nm_ctl_queue_dump(struct nm_ctl *c, int ifindex, struct nm_queue_info *infos, size_t max)
{
	NM_API_CALL();
	struct nm_netdev *nd;
	struct nm_channels ch;
	size_t n = 0;
	int ret = get_netdev(c, ifindex, &nd);

	if (ret)
		return ret;
	if (!infos && max)
		return nm_err(EINVAL, "NULL array");
	nm_netdev_get_channels(nd, &ch);
	for (uint32_t i = 0; i < ch.rx; i++, n++)
		if (n < max)
			queue_fill(nd, i, NETDEV_QUEUE_TYPE_RX, &infos[n]);
	for (uint32_t i = 0; i < ch.tx; i++, n++)
		if (n < max)
			queue_fill(nd, i, NETDEV_QUEUE_TYPE_TX, &infos[n]);
	return (int)n;
}

int nm_ctl_dev_get(struct nm_ctl *c, int ifindex, struct nm_dev_info *info)
{
	NM_API_CALL();
	struct nm_netdev *nd;
	struct nm_channels ch;
	int ret = get_netdev(c, ifindex, &nd);

	if (ret)
		return ret;
	if (!info)
		return nm_err(EINVAL, "NULL output");
	memset(info, 0, sizeof(*info));
	nm_netdev_get_channels(nd, &ch);
	info->ifindex = ifindex;
	snprintf(info->name, sizeof(info->name), "%s", nm_netdev_name(nd));
	info->rx_queues = ch.rx;
	info->tx_queues = ch.tx;
	info->features = nm_netdev_features(nd);
	info->netmem_tx = info->features & NM_NETIF_F_NETMEM_TX;
	return 0;
}

/* Every pool of every live netdev: header and payload pool per RX queue.
 * fn returns nonzero to stop. */
static int for_each_pool(int (*fn)(struct nm_page_pool *pp, int ifindex, void *arg), void *arg)
{
	int idx[256];
	int n = nm_netdev_list(idx, 256);

	for (int i = 0; i < n && i < 256; i++) {
		struct nm_netdev *nd;
		struct nm_channels ch;

		if (nm_netdev_get_by_index(idx[i], &nd))
			continue;
		nm_netdev_get_channels(nd, &ch);
		for (uint32_t q = 0; q < ch.rx; q++) {
			struct nm_page_pool *pools[2] = { nm_netdev_rxq_header_pool(nd, q),
							  nm_netdev_rxq_payload_pool(nd, q) };

			for (int k = 0; k < 2; k++)
				if (pools[k] && fn(pools[k], idx[i], arg))
					return 1;
		}
	}
	return 0;
}

struct pp_find {
	uint32_t id;
	struct nm_page_pool *pp;
	int ifindex;
};

static int pp_match(struct nm_page_pool *pp, int ifindex, void *arg)
{
	struct pp_find *f = arg;

	if (nm_page_pool_id(pp) != f->id)
		return 0;
	f->pp = pp;
	f->ifindex = ifindex;
	return 1;
}

static int pp_find(struct nm_ctl *c, uint32_t id, struct pp_find *f)
{
	if (!c)
		return nm_err(EINVAL, "NULL handle");
	f->id = id;
	f->pp = NULL;
	for_each_pool(pp_match, f);
	return f->pp ? 0 : nm_err(ENOENT, "no page pool %u", id);
}

int nm_ctl_page_pool_get(struct nm_ctl *c, uint32_t pp_id, struct nm_page_pool_info *info,
			 int *ifindex)
{
	NM_API_CALL();
	struct pp_find f;
	int ret = pp_find(c, pp_id, &f);

	if (ret)
		return ret;
	if (!info)
		return nm_err(EINVAL, "NULL output");
	if (ifindex)
		*ifindex = f.ifindex;
	return nm_page_pool_get_info(f.pp, info);
}

struct pp_list {
	uint32_t *ids;
	size_t max, n;
};

static int pp_collect(struct nm_page_pool *pp, int ifindex, void *arg)
{
	struct pp_list *l = arg;

	(void)ifindex;
	if (l->n < l->max)
		l->ids[l->n] = nm_page_pool_id(pp);
	l->n++;
	return 0;
}

int nm_ctl_page_pool_dump(struct nm_ctl *c, uint32_t *ids, size_t max)
{
	NM_API_CALL();
	struct pp_list l = { ids, max, 0 };

	if (!c || (!ids && max))
		return nm_err(EINVAL, "NULL argument");
	for_each_pool(pp_collect, &l);
	return (int)l.n;
}

int nm_ctl_page_pool_stats_get(struct nm_ctl *c, uint32_t pp_id, struct nm_page_pool_stats *st,
			       size_t size)
{
	NM_API_CALL();
	struct nm_page_pool_stats mine;
	struct pp_find f;
	int ret = pp_find(c, pp_id, &f);

	if (ret)
		return ret;
	if (!st)
		return nm_err(EINVAL, "NULL output");
	ret = nm_page_pool_get_stats(f.pp, &mine);
	if (ret < 0)
		return ret;
	return nm_stats_copy(st, size, &mine, sizeof(mine));
}
