/* SPDX-License-Identifier: MIT */
/*
 * The virtual NIC's device object and its ethtool-like configuration.
 *
 * Invariants:
 *  1. rxq[0, nrx) and txq[0, ntx) are initialised; every rxq in range has
 *     memory (q->mem) outside of a restart.
 *  2. Every indirection-table entry and every ntuple queue is < nrx.
 *  3. An RX queue with an unreadable provider has header split on and
 *     hds-thresh 0 device-wide.
 *
 * Workload: configuration is rare and runs on the stack thread; nothing
 * here is on the data path.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "nic/netdev_drv.h"
#include "nic/nic_internal.h"
#include "nic/ntuple.h"
#include "util/err.h"
#include "util/stats.h"

/* RX: 512 buffers of 4 KiB posted, 2 MiB.  A deeper ring means the NIC
 * writes into buffers posted longer ago, no longer in the cache: with 1024
 * a two-thread stream over shm ran ~8% slower.  A burst larger than the
 * ring does not drop while the pool has memory: the receive path posts
 * more mid-poll (rx.c).  TX descriptors cost nothing until used. */
#define NM_NETDEV_DEFAULT_RX_RING 512
#define NM_NETDEV_DEFAULT_TX_RING 1024
#define NM_MIN_MTU 68

static atomic_int nm_next_ifindex = 1;

/* Live netdevs by ifindex, for the control plane (any thread). */
static pthread_mutex_t nm_netdevs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nm_netdev *nm_netdevs[256];

static int registry_add(struct nm_netdev *nd)
{
	int ret = -ENOSPC;

	pthread_mutex_lock(&nm_netdevs_lock);
	for (size_t i = 0; i < NM_ARRAY_SIZE(nm_netdevs); i++) {
		if (!nm_netdevs[i]) {
			nm_netdevs[i] = nd;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&nm_netdevs_lock);
	return ret;
}

static void registry_del(struct nm_netdev *nd)
{
	pthread_mutex_lock(&nm_netdevs_lock);
	for (size_t i = 0; i < NM_ARRAY_SIZE(nm_netdevs); i++)
		if (nm_netdevs[i] == nd)
			nm_netdevs[i] = NULL;
	pthread_mutex_unlock(&nm_netdevs_lock);
}

int nm_netdev_list(int *ifindexes, size_t max)
{
	NM_API_CALL();
	int all[NM_ARRAY_SIZE(nm_netdevs)];
	size_t n = 0;

	if (!ifindexes && max)
		return nm_err(EINVAL, "NULL array");
	pthread_mutex_lock(&nm_netdevs_lock);
	for (size_t i = 0; i < NM_ARRAY_SIZE(nm_netdevs); i++)
		if (nm_netdevs[i])
			all[n++] = nm_netdevs[i]->ifindex;
	pthread_mutex_unlock(&nm_netdevs_lock);
	/* ascending: insertion sort, the list is short */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && all[j - 1] > all[j]; j--) {
			int t = all[j];
			all[j] = all[j - 1];
			all[j - 1] = t;
		}
	for (size_t i = 0; i < n && i < max; i++)
		ifindexes[i] = all[i];
	return (int)n;
}

int nm_netdev_get_by_index(int ifindex, struct nm_netdev **out)
{
	NM_API_CALL();
	if (!out)
		return nm_err(EINVAL, "NULL output");
	*out = NULL;
	pthread_mutex_lock(&nm_netdevs_lock);
	for (size_t i = 0; i < NM_ARRAY_SIZE(nm_netdevs); i++)
		if (nm_netdevs[i] && nm_netdevs[i]->ifindex == ifindex)
			*out = nm_netdevs[i];
	pthread_mutex_unlock(&nm_netdevs_lock);
	return *out ? 0 : nm_err(ENODEV, "no netdev with ifindex %d", ifindex);
}

static bool is_pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

static int check_ring(const char *what, uint32_t n)
{
	if (!is_pow2(n) || n < NM_NETDEV_MIN_RING || n > NM_NETDEV_MAX_RING)
		return nm_err(EINVAL, "%s ring of %u: want a power of two in [%u, %u]",
			      what, n, NM_NETDEV_MIN_RING, NM_NETDEV_MAX_RING);
	return 0;
}

static uint32_t wire_max_mtu(const struct nm_netdev *nd)
{
	return nd->wire->mtu ? nd->wire->mtu : 1500;
}

static int rxq_init(struct nm_netdev *nd, uint32_t i)
{
	struct nm_rxq *q = &nd->rxq[i];
	struct nm_rxq_mem *m;
	int ret;

	memset(q, 0, sizeof(*q));
	q->nd = nd;
	q->idx = i;
	q->hdr_guess = 66;	/* Ethernet + IPv4 + TCP with timestamps */
	ret = nm_rxq_mem_alloc(q, &m);
	if (ret)
		return ret;
	return nm_rxq_start(q, m);
}

static void rxq_fini(struct nm_rxq *q)
{
	nm_rxq_mem_free(q, nm_rxq_stop(q));
	if (q->mp_ops && q->mp_ops->uninstall)
		q->mp_ops->uninstall(q->mp_priv, q);
	q->mp_ops = NULL;
	q->mp_priv = NULL;
}

/* "ethtool -X [start S] equal N" on the current table size. */
static int indir_equal(struct nm_netdev *nd, uint32_t start, uint32_t n)
{
	uint16_t indir[NM_RSS_INDIR_MAX];
	uint32_t size = nd->rss.indir_size;
	int ret = nm_rss_indir_fill_start_equal(indir, size, start, n);

	return ret ? ret : nm_rss_set_indir(&nd->rss, indir, size, nd->nrx);
}

int nm_netdev_create(const struct nm_netdev_params *p, struct nm_netdev **out)
{
	NM_API_CALL();
	struct nm_netdev *nd;
	uint32_t i;
	int ret;

	if (!p || !out)
		return nm_err(EINVAL, "NULL argument");
	if (!p->dev || !p->wire || !p->wire->ops)
		return nm_err(EINVAL, "a device and a wire are required");
	if (!p->wire->ops->rx)
		return nm_err(EINVAL, "%s wire '%s' has no rx op to receive with",
			      p->wire->ops->kind, p->wire->name);
	if (p->name && (!p->name[0] || strlen(p->name) > 15))
		return nm_err(EINVAL, "name must be 1..15 characters");
	if (p->rx_queues > NM_NETDEV_MAX_QUEUES || p->tx_queues > NM_NETDEV_MAX_QUEUES)
		return nm_err(EINVAL, "at most %d queues", NM_NETDEV_MAX_QUEUES);
	if ((p->rx_ring && check_ring("rx", p->rx_ring)) ||
	    (p->tx_ring && check_ring("tx", p->tx_ring)))
		return -EINVAL;
	if (p->mac[0] & 1)
		return nm_err(EINVAL, "MAC is multicast");
	nd = calloc(1, sizeof(*nd));
	if (!nd)
		return nm_err(ENOMEM, "out of memory");
	snprintf(nd->name, sizeof(nd->name), "%s", p->name ? p->name : "nm0");
	nd->dev = p->dev;
	nd->wire = p->wire;
	nd->mtu = p->mtu ? p->mtu : 1500;
	if (nd->mtu < NM_MIN_MTU || nd->mtu > wire_max_mtu(nd)) {
		ret = nm_err(EINVAL, "MTU %u outside [%u, %u]", nd->mtu,
			     NM_MIN_MTU, wire_max_mtu(nd));
		goto err_free;
	}
	memcpy(nd->mac, p->mac, 6);
	if (!memcmp(nd->mac, "\0\0\0\0\0\0", 6)) {
		if (getrandom(nd->mac, 6, 0) != 6)
			memcpy(nd->mac, "\x02\x6e\x6d\x00\x00\x01", 6);
		nd->mac[0] = (nd->mac[0] & 0xfe) | 0x02;	/* unicast, local */
	}
	nd->nrx = p->rx_queues ? p->rx_queues : 1;
	nd->ntx = p->tx_queues ? p->tx_queues : 1;
	nd->rx_ring = p->rx_ring ? p->rx_ring : NM_NETDEV_DEFAULT_RX_RING;
	nd->tx_ring = p->tx_ring ? p->tx_ring : NM_NETDEV_DEFAULT_TX_RING;
	nd->split = NM_TCP_DATA_SPLIT_ENABLED;
	nd->hds_thresh = 0;
	nd->features = nd->wanted = NM_NETIF_F_ALL;
	ret = nm_rss_init(&nd->rss, nd->nrx);
	if (ret)
		goto err_free;
	nd->scratch = malloc(NM_WIRE_MAX_FRAME + 256);
	ret = nm_ntuple_create(NM_NTUPLE_CAPACITY, nd->nrx, &nd->ntuple);
	if (!nd->scratch || ret) {
		ret = nm_err(ENOMEM, "out of memory");
		goto err_free;
	}
	for (i = 0; i < nd->ntx; i++)
		nd->txq[i].idx = i;
	for (i = 0; i < nd->nrx; i++) {
		ret = rxq_init(nd, i);
		if (ret)
			goto err_queues;
	}
	if (nm_wire_can_lend(nd->wire)) {
		ret = nm_rx_loan_init(nd, NM_RX_LOAN_FRAMES);
		if (ret)
			goto err_queues;
	}
	nd->ifindex = atomic_fetch_add(&nm_next_ifindex, 1);
	if (registry_add(nd)) {
		ret = nm_err(ENOSPC, "too many netdevs (%zu)",
			     NM_ARRAY_SIZE(nm_netdevs));
		i = nd->nrx;
		goto err_queues;
	}
	*out = nd;
	return 0;

err_queues:
	nm_rx_loan_fini(nd);
	while (i--)
		rxq_fini(&nd->rxq[i]);
err_free:
	nm_ntuple_destroy(nd->ntuple);
	free(nd->scratch);
	free(nd);
	return ret;
}

int nm_netdev_destroy(struct nm_netdev *nd)
{
	NM_API_CALL();
	uint32_t lost;
	int cap_err = 0;

	if (!nd)
		return nm_err(EINVAL, "NULL netdev");
	/* flushed first: its last records are the frames up to this call */
	if (nd->cap)
		cap_err = nm_netdev_capture_stop(nd);
	registry_del(nd);
	/* nothing of ours may be read by reference once we are gone: the
	 * owners of the payloads hear done now */
	nm_wire_rx_want_ref(nd->wire, false);
	nm_wire_ref_revoke(nd->wire);
	lost = nm_rx_loan_fini(nd);	/* while the wire is still there to copy from */
	for (uint32_t i = 0; i < nd->nrx; i++)
		rxq_fini(&nd->rxq[i]);
	nm_ntuple_destroy(nd->ntuple);
	free(nd->scratch);
	free(nd);
	if (lost)
		return nm_err(ENOMEM, "no memory to copy out %u lent frames; "
			      "their packets point into the wire", lost);
	return cap_err;		/* its message is still the last error */
}

int nm_netdev_ifindex(const struct nm_netdev *nd)
{
	NM_API_CALL();
	return nd ? nd->ifindex : nm_err(EINVAL, "NULL netdev");
}

const char *nm_netdev_name(const struct nm_netdev *nd)
{
	return nd ? nd->name : NULL;
}

int nm_netdev_get_mac(const struct nm_netdev *nd, uint8_t mac[6])
{
	NM_API_CALL();
	if (!nd || !mac)
		return nm_err(EINVAL, "NULL argument");
	memcpy(mac, nd->mac, 6);
	return 0;
}

struct nm_device *nm_netdev_device(const struct nm_netdev *nd)
{
	return nd ? nd->dev : NULL;
}

struct nm_wire *nm_netdev_wire(const struct nm_netdev *nd)
{
	return nd ? nd->wire : NULL;
}

int nm_netdev_mtu(const struct nm_netdev *nd)
{
	NM_API_CALL();
	return nd ? (int)nd->mtu : nm_err(EINVAL, "NULL netdev");
}

int nm_netdev_set_mtu(struct nm_netdev *nd, uint32_t mtu)
{
	NM_API_CALL();
	if (!nd)
		return nm_err(EINVAL, "NULL netdev");
	if (mtu < NM_MIN_MTU || mtu > wire_max_mtu(nd))
		return nm_err(EINVAL, "%u outside [%u, %u]", mtu, NM_MIN_MTU,
			      wire_max_mtu(nd));
	nd->mtu = mtu;
	return 0;
}

/* ---- channels ------------------------------------------------------------ */

int nm_netdev_get_channels(const struct nm_netdev *nd, struct nm_channels *ch)
{
	NM_API_CALL();
	if (!nd || !ch)
		return nm_err(EINVAL, "NULL argument");
	ch->rx = nd->nrx;
	ch->tx = nd->ntx;
	ch->max_rx = ch->max_tx = NM_NETDEV_MAX_QUEUES;
	return 0;
}

/* Can RX queues [n, nrx) go away? */
static int check_shrink(struct nm_netdev *nd, uint32_t n)
{
	for (uint32_t i = 0; nd->rss_user && i < nd->rss.indir_size; i++)
		if (nd->rss.indir[i] >= n)
			return nm_err(EBUSY, "the RSS indirection table set names rx queue %u",
				      nd->rss.indir[i]);
	for (uint32_t i = n; i < nd->nrx; i++)
		if (nd->rxq[i].mp_ops)
			return nm_err(EBUSY, "rx queue %u has a memory provider", i);
	if (nm_ntuple_set_nr_queues(nd->ntuple, n))
		return nm_err(EBUSY, "an ntuple rule steers to a queue >= %u",
			      n);
	return 0;
}

int nm_netdev_set_channels(struct nm_netdev *nd, const struct nm_channels *ch)
{
	NM_API_CALL();
	uint32_t old, i;
	int ret;

	if (!nd || !ch)
		return nm_err(EINVAL, "NULL argument");
	if (!ch->rx || !ch->tx || ch->rx > NM_NETDEV_MAX_QUEUES || ch->tx > NM_NETDEV_MAX_QUEUES)
		return nm_err(EINVAL, "rx %u tx %u: want 1..%d", ch->rx,
			      ch->tx, NM_NETDEV_MAX_QUEUES);
	old = nd->nrx;
	if (ch->rx < old) {
		ret = check_shrink(nd, ch->rx);
		if (ret)
			return ret;
	}
	for (i = old; i < ch->rx; i++) {
		ret = rxq_init(nd, i);
		if (ret) {
			while (i-- > old)
				rxq_fini(&nd->rxq[i]);
			return ret;
		}
	}
	for (i = ch->rx; i < old; i++)
		rxq_fini(&nd->rxq[i]);
	nd->nrx = ch->rx;
	/* as drivers do: a default table follows the queue count, a table
	 * that was set stays (check_shrink saw it names no queue that went) */
	if (!nd->rss_user)
		indir_equal(nd, 0, nd->nrx);
	else
		nd->rss.nr_queues = nd->nrx;
	nm_ntuple_set_nr_queues(nd->ntuple, nd->nrx);
	for (i = nd->ntx; i < ch->tx; i++) {
		memset(&nd->txq[i], 0, sizeof(nd->txq[i]));
		nd->txq[i].idx = i;
	}
	nd->ntx = ch->tx;
	return 0;
}

/* ---- rings and header split -------------------------------------------- */

int nm_netdev_get_ringparam(const struct nm_netdev *nd, struct nm_ringparam *rp)
{
	NM_API_CALL();
	if (!nd || !rp)
		return nm_err(EINVAL, "NULL argument");
	rp->rx = nd->rx_ring;
	rp->tx = nd->tx_ring;
	rp->rx_max = rp->tx_max = NM_NETDEV_MAX_RING;
	rp->tcp_data_split = nd->split;
	rp->hds_thresh = nd->hds_thresh;
	rp->hds_thresh_max = NM_HDS_THRESH_MAX;
	return 0;
}

static bool has_unreadable_provider(const struct nm_netdev *nd)
{
	for (uint32_t i = 0; i < nd->nrx; i++)
		if (nd->rxq[i].mp_ops && nd->rxq[i].mp_ops->unreadable)
			return true;
	return false;
}

int nm_netdev_set_ringparam(struct nm_netdev *nd, const struct nm_ringparam *rp)
{
	NM_API_CALL();
	enum nm_tcp_data_split split;
	uint32_t old_rx;
	int ret;

	if (!nd || !rp)
		return nm_err(EINVAL, "NULL argument");
	if (check_ring("rx", rp->rx) || check_ring("tx", rp->tx))
		return -EINVAL;
	if (rp->tcp_data_split > NM_TCP_DATA_SPLIT_ENABLED)
		return nm_err(EINVAL, "tcp-data-split %d invalid",
			      rp->tcp_data_split);
	if (rp->hds_thresh > NM_HDS_THRESH_MAX)
		return nm_err(EINVAL, "hds-thresh %u above %u",
			      rp->hds_thresh, NM_HDS_THRESH_MAX);
	split = rp->tcp_data_split == NM_TCP_DATA_SPLIT_UNKNOWN ? nd->split : rp->tcp_data_split;
	if (has_unreadable_provider(nd)) {
		if (split != NM_TCP_DATA_SPLIT_ENABLED)
			return nm_err(EINVAL, "can't disable tcp-data-split "
				      "while a memory provider is installed");
		if (rp->hds_thresh)
			return nm_err(EINVAL, "can't set a nonzero "
				      "hds-thresh while a memory provider is installed");
	}
	if (rp->rx != nd->rx_ring) {
		old_rx = nd->rx_ring;
		nd->rx_ring = rp->rx;
		for (uint32_t i = 0; i < nd->nrx; i++) {
			ret = nm_rxq_restart(&nd->rxq[i], nd->rxq[i].mp_ops, nd->rxq[i].mp_priv);
			if (ret) {
				/* nothing changes: queues already restarted go back
				 * to the old size (with their memory that is as
				 * likely to work as before) */
				nd->rx_ring = old_rx;
				while (i--)
					nm_rxq_restart(&nd->rxq[i], nd->rxq[i].mp_ops,
						       nd->rxq[i].mp_priv);
				return ret;
			}
		}
	}
	/* only once nothing can fail */
	nd->split = split;
	nd->hds_thresh = rp->hds_thresh;
	nd->tx_ring = rp->tx;
	return 0;
}

/* ---- features ------------------------------------------------------------ */

uint32_t nm_netdev_features(const struct nm_netdev *nd)
{
	return nd ? nd->features : 0;
}

uint32_t nm_netdev_wanted_features(const struct nm_netdev *nd)
{
	return nd ? nd->wanted : 0;
}

/* What becomes active of what is wanted (the kernel's netdev_fix_features):
 * segmentation needs the checksum it fills in each segment. */
static uint32_t fix_features(uint32_t wanted)
{
	if (!(wanted & NM_NETIF_F_HW_CSUM))
		wanted &= ~(NM_NETIF_F_TSO | NM_NETIF_F_TSO6);
	return wanted;
}

int nm_netdev_set_features(struct nm_netdev *nd, uint32_t mask, uint32_t val)
{
	NM_API_CALL();
	if (!nd)
		return nm_err(EINVAL, "NULL netdev");
	if ((mask | val) & ~NM_NETIF_F_ALL)
		return nm_err(EINVAL, "unknown feature bits %#x",
			      (mask | val) & ~NM_NETIF_F_ALL);
	nd->wanted = (nd->wanted & ~mask) | (val & mask);
	nd->features = fix_features(nd->wanted);
	return 0;
}

/* ---- RSS --------------------------------------------------------------- */

int nm_netdev_get_rss(const struct nm_netdev *nd, uint8_t *key, uint32_t *indir,
		      uint32_t *indir_size)
{
	NM_API_CALL();
	if (!nd || !indir_size)
		return nm_err(EINVAL, "NULL argument");
	if (key)
		memcpy(key, nd->rss.key, NM_RSS_KEY_LEN);
	if (indir) {
		if (*indir_size < nd->rss.indir_size)
			return nm_err(ENOSPC, "table has %u entries",
				      nd->rss.indir_size);
		for (uint32_t i = 0; i < nd->rss.indir_size; i++)
			indir[i] = nd->rss.indir[i];
	}
	*indir_size = nd->rss.indir_size;
	return 0;
}

int nm_netdev_set_rss(struct nm_netdev *nd, const uint8_t *key, const uint32_t *indir,
		      uint32_t indir_size)
{
	NM_API_CALL();
	uint16_t tbl[NM_RSS_INDIR_MAX];
	int ret;

	if (!nd)
		return nm_err(EINVAL, "NULL netdev");
	if (indir) {
		if (!is_pow2(indir_size) || indir_size > NM_RSS_MAX_INDIR)
			return nm_err(EINVAL, "table size %u: want a power of two "
				      "up to %d", indir_size, NM_RSS_MAX_INDIR);
		for (uint32_t i = 0; i < indir_size; i++) {
			if (indir[i] >= nd->nrx)
				return nm_err(EINVAL, "entry %u names queue %u of %u",
					      i, indir[i], nd->nrx);
			tbl[i] = (uint16_t)indir[i];
		}
	}
	/* key first: it cannot fail once the table has been checked */
	if (key) {
		ret = nm_rss_set_key(&nd->rss, key, NM_RSS_KEY_LEN);
		if (ret)
			return ret;
	}
	if (!indir)
		return 0;
	ret = nm_rss_set_indir(&nd->rss, tbl, indir_size, nd->nrx);
	if (ret == 0)
		nd->rss_user = true;
	return ret;
}

int nm_netdev_set_rss_equal(struct nm_netdev *nd, uint32_t start, uint32_t n)
{
	NM_API_CALL();
	if (!nd)
		return nm_err(EINVAL, "NULL netdev");
	int ret;

	if (!n || start >= nd->nrx || n > nd->nrx - start)
		return nm_err(EINVAL, "start %u equal %u with %u queues",
			      start, n, nd->nrx);
	ret = indir_equal(nd, start, n);
	if (ret == 0)
		nd->rss_user = true;
	return ret;
}

int nm_netdev_reset_rss(struct nm_netdev *nd)
{
	NM_API_CALL();
	int ret;

	if (!nd)
		return nm_err(EINVAL, "NULL netdev");
	ret = indir_equal(nd, 0, nd->nrx);
	if (ret == 0)
		nd->rss_user = false;
	return ret;
}

bool nm_netdev_rss_configured(const struct nm_netdev *nd)
{
	return nd && nd->rss_user;
}

/* ---- queues ------------------------------------------------------------- */

static struct nm_rxq *get_rxq(const struct nm_netdev *nd, uint32_t q)
{
	if (!nd) {
		nm_err(EINVAL, "NULL netdev");
		return NULL;
	}
	if (q >= nd->nrx) {
		nm_err(ERANGE, "rx queue %u out of range (%u queues)", q, nd->nrx);
		return NULL;
	}
	return (struct nm_rxq *)&nd->rxq[q];
}

int nm_netdev_rxq_set_provider(struct nm_netdev *nd, uint32_t q,
			       const struct nm_memory_provider_ops *ops, void *priv)
{
	struct nm_rxq *rxq = get_rxq(nd, q);

	if (!rxq)
		return nd ? -ERANGE : -EINVAL;
	if (ops && rxq->mp_ops)
		return nm_err(EEXIST, "%s: rx queue %u already has a memory provider", nd->name, q);
	if (ops && ops->unreadable &&
	    (nd->split != NM_TCP_DATA_SPLIT_ENABLED || nd->hds_thresh))
		return nm_err(EINVAL, "%s: an unreadable provider needs tcp-data-split on and "
			      "hds-thresh 0", nd->name);
	return nm_rxq_restart(rxq, ops, ops ? priv : NULL);
}

int nm_netdev_rxq_bind_dmabuf(struct nm_netdev *nd, uint32_t q, struct nm_dmabuf_binding *b)
{
	struct nm_page_pool_params pp = { 0 };

	if (!b)
		return nm_err(EINVAL, "NULL binding");
	nm_page_pool_params_set_dmabuf(&pp, b);
	return nm_netdev_rxq_set_provider(nd, q, pp.mp_ops, pp.mp_priv);
}

int nm_netdev_rxq_restart(struct nm_netdev *nd, uint32_t q)
{
	struct nm_rxq *rxq = get_rxq(nd, q);

	if (!rxq)
		return nd ? -ERANGE : -EINVAL;
	return nm_rxq_restart(rxq, rxq->mp_ops, rxq->mp_priv);
}

struct nm_page_pool *nm_netdev_rxq_payload_pool(const struct nm_netdev *nd, uint32_t q)
{
	struct nm_rxq *rxq = get_rxq(nd, q);

	return rxq && rxq->mem ? rxq->mem->pp : NULL;
}

struct nm_page_pool *nm_netdev_rxq_header_pool(const struct nm_netdev *nd, uint32_t q)
{
	struct nm_rxq *rxq = get_rxq(nd, q);

	return rxq && rxq->mem ? rxq->mem->hdr_pool : NULL;
}

const struct nm_memory_provider_ops *nm_netdev_rxq_provider(const struct nm_netdev *nd,
							    uint32_t q, void **priv)
{
	struct nm_rxq *rxq = get_rxq(nd, q);

	if (priv)
		*priv = rxq ? rxq->mp_priv : NULL;
	return rxq ? rxq->mp_ops : NULL;
}

int nm_netdev_get_rxq_info(const struct nm_netdev *nd, uint32_t q, struct nm_rxq_info *info)
{
	NM_API_CALL();
	struct nm_rxq *rxq = get_rxq(nd, q);
	uint32_t buf_size;

	if (!rxq)
		return nd ? -ERANGE : -EINVAL;
	if (!info)
		return nm_err(EINVAL, "NULL output");
	memset(info, 0, sizeof(*info));
	if (!rxq->mem)
		return 0;
	info->header_pp_id = nm_page_pool_id(rxq->mem->hdr_pool);
	info->payload_pp_id = nm_page_pool_id(rxq->mem->pp);
	info->payload_room = nm_netdev_rxq_payload_room(nd, q);
	/* only the buffer at the ring's head can be partly used */
	buf_size = rxq->mem->pay_ring.buf_size;
	if (buf_size)
		info->payload_posted = (uint32_t)((info->payload_room + buf_size - 1) / buf_size);
	return 0;
}

/* ---- counters ------------------------------------------------------------ */

int nm_netdev_get_rxq_stats(const struct nm_netdev *nd, uint32_t q, struct nm_queue_stats *st,
			    size_t size)
{
	NM_API_CALL();
	struct nm_rxq *rxq = get_rxq(nd, q);

	if (!rxq)
		return nd ? -ERANGE : -EINVAL;
	if (!st)
		return nm_err(EINVAL, "NULL output");
	return nm_stats_copy(st, size, &rxq->st, sizeof(rxq->st));
}

int nm_netdev_get_txq_stats(const struct nm_netdev *nd, uint32_t q, struct nm_queue_stats *st,
			    size_t size)
{
	NM_API_CALL();
	if (!nd || !st)
		return nm_err(EINVAL, "NULL argument");
	if (q >= nd->ntx)
		return nm_err(ERANGE, "tx queue %u out of range", q);
	return nm_stats_copy(st, size, &nd->txq[q].st,
			     sizeof(nd->txq[q].st));
}

/* Stats structs grow only at their end (error.h): a new drop reason would
 * move every field after drops[]. */
_Static_assert(NM_RX_DROP_MAX == 7, "struct nm_queue_stats: add new drop counters at its end");

static void stats_add(struct nm_queue_stats *a, const struct nm_queue_stats *b)
{
	uint64_t *x = (uint64_t *)a;
	const uint64_t *y = (const uint64_t *)b;

	/* every field is a uint64_t counter */
	for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		x[i] += y[i];
}

int nm_netdev_get_stats(const struct nm_netdev *nd, struct nm_queue_stats *st, size_t size)
{
	NM_API_CALL();
	struct nm_queue_stats sum;

	if (!nd || !st)
		return nm_err(EINVAL, "NULL argument");
	sum = nd->dev_st;
	for (uint32_t i = 0; i < nd->nrx; i++)
		stats_add(&sum, &nd->rxq[i].st);
	for (uint32_t i = 0; i < nd->ntx; i++)
		stats_add(&sum, &nd->txq[i].st);
	return nm_stats_copy(st, size, &sum, sizeof(sum));
}

const char *nm_rx_drop_name(enum nm_rx_drop r)
{
	static const char *const names[NM_RX_DROP_MAX] = {
		[NM_RX_DROP_NO_BUFFER] = "no_buffer",
		[NM_RX_DROP_BAD_CSUM] = "bad_csum",
		[NM_RX_DROP_MALFORMED] = "malformed",
		[NM_RX_DROP_NTUPLE] = "ntuple_drop",
		[NM_RX_DROP_TOO_LONG] = "too_long",
		[NM_RX_DROP_QUEUE_FULL] = "queue_full",
		[NM_RX_DROP_DMA] = "dma_fault",
	};

	return (unsigned)r < NM_RX_DROP_MAX ? names[r] : "unknown";
}
