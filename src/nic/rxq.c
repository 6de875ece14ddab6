/* SPDX-License-Identifier: MIT */
/*
 * RX queue memory and restart: the netdev_queue_mgmt_ops of our NIC.
 *
 * A queue's memory (struct nm_rxq_mem) is its two page pools, the rings of
 * buffers posted from them and the completion ring of received packets.
 * A restart is a transaction: allocate new memory with the new provider
 * configuration, stop the queue (taking the old memory), start the new,
 * carry the packets not yet polled over, free the old.  If the new memory
 * cannot be allocated or started, the old restarts and nothing changed.
 *
 * Freeing memory drops the rings' references; buffers still held by
 * packets, sockets or the application keep their pools alive, and the last
 * one frees the pool (page_pool.h).  So no buffer is lost.
 *
 * Caller must own the netdev (its stack thread).
 */
#include <stdlib.h>
#include <string.h>

#include "nic/netdev_drv.h"
#include "nic/nic_internal.h"
#include "util/bits.h"
#include "util/err.h"

static int ring_init(struct nm_rx_ring *r, uint32_t size, uint32_t buf_size)
{
	memset(r, 0, sizeof(*r));
	r->slot = calloc(size, sizeof(*r->slot));
	if (!r->slot)
		return -ENOMEM;
	r->mask = size - 1;
	r->buf_size = buf_size;
	return 0;
}

/* Drop the ring's reference on every posted buffer. */
static void ring_fini(struct nm_rx_ring *r)
{
	for (uint32_t i = r->head; i != r->tail; i++) {
		nm_netmem_t nm = r->slot[i & r->mask];

		nm_page_pool_put_netmem(nm_netmem_pool(nm), nm, true);
	}
	free(r->slot);
	memset(r, 0, sizeof(*r));
}

/* Returns false when the pool ran dry. */
static bool ring_fill(struct nm_rx_ring *r, struct nm_page_pool *pp)
{
	while (nm_rx_ring_count(r) <= r->mask) {
		nm_netmem_t nm;

		if (nm_page_pool_alloc_netmem(pp, &nm))
			return false;
		r->slot[r->tail++ & r->mask] = nm;
	}
	return true;
}

void nm_rxq_refill(struct nm_rxq *q)
{
	struct nm_rxq_mem *m = q->mem;

	if (!m)
		return;
	if (!ring_fill(&m->hdr_ring, m->hdr_pool))
		q->st.alloc_fail++;
	if (!ring_fill(&m->pay_ring, m->pp))
		q->st.alloc_fail++;
}

int nm_rxq_mem_alloc(struct nm_rxq *q, struct nm_rxq_mem **out)
{
	struct nm_netdev *nd = q->nd;
	struct nm_page_pool_params pp = {
		.dev = nd->dev,
		.order = NM_RX_HDR_ORDER,
		.pool_size = nd->rx_ring,
		.dir = NM_DMA_FROM_DEVICE,
		.queue_idx = q->idx,
	};
	struct nm_rxq_mem *m = calloc(1, sizeof(*m));
	int ret;

	if (!m)
		return nm_err(ENOMEM, "%s: rx queue %u: out of memory", nd->name, q->idx);
	ret = nm_page_pool_create(&pp, &m->hdr_pool);
	if (ret) {
		ret = nm_err_wrap(ret, "%s: rx queue %u: header pool", nd->name, q->idx);
		goto err_free;
	}
	pp.mp_ops = q->mp_ops;
	pp.mp_priv = q->mp_priv;
	ret = nm_page_pool_create(&pp, &m->pp);
	if (ret) {
		ret = nm_err_wrap(ret, "%s: rx queue %u: payload pool", nd->name, q->idx);
		goto err_hdr_pool;
	}
	m->unreadable = q->mp_ops && q->mp_ops->unreadable;
	m->cq_mask = nd->rx_ring - 1;
	m->cq = calloc(nd->rx_ring, sizeof(*m->cq));
	if (!m->cq || ring_init(&m->hdr_ring, nd->rx_ring, nm_page_pool_buf_size(m->hdr_pool)) ||
	    ring_init(&m->pay_ring, nd->rx_ring, nm_page_pool_buf_size(m->pp))) {
		ret = nm_err(ENOMEM, "%s: rx queue %u: out of memory", nd->name, q->idx);
		goto err_rings;
	}
	/* post what the pools can give now; an empty pool is not an error
	 * (the provider may fill later), it is counted */
	if (!ring_fill(&m->hdr_ring, m->hdr_pool) || !ring_fill(&m->pay_ring, m->pp))
		q->st.alloc_fail++;
	*out = m;
	return 0;

err_rings:
	ring_fini(&m->hdr_ring);
	ring_fini(&m->pay_ring);
	free(m->cq);
	nm_page_pool_destroy(m->pp);
err_hdr_pool:
	nm_page_pool_destroy(m->hdr_pool);
err_free:
	free(m);
	return ret;
}

void nm_rxq_mem_free(struct nm_rxq *q, struct nm_rxq_mem *m)
{
	(void)q;
	if (!m)
		return;
	/* packets never polled: their references go back */
	for (uint32_t i = m->cq_head; i != m->cq_tail; i++)
		nm_rx_pkt_release(&m->cq[i & m->cq_mask]);
	ring_fini(&m->hdr_ring);
	ring_fini(&m->pay_ring);
	free(m->cq);
	nm_page_pool_destroy(m->pp);
	nm_page_pool_destroy(m->hdr_pool);
	free(m);
}

int nm_rxq_start(struct nm_rxq *q, struct nm_rxq_mem *m)
{
	if (q->mem)
		return nm_err(EBUSY, "%s: rx queue %u is running", q->nd->name, q->idx);
	q->mem = m;
	return 0;
}

struct nm_rxq_mem *nm_rxq_stop(struct nm_rxq *q)
{
	struct nm_rxq_mem *m = q->mem;

	q->mem = NULL;
	return m;
}

/* Carry packets not yet polled from old to new (growing new's completion
 * ring if the ring size shrank). */
static int carry_completions(struct nm_rxq_mem *old, struct nm_rxq_mem *m)
{
	uint32_t pending = old->cq_tail - old->cq_head;

	if (!pending)
		return 0;
	if (pending > m->cq_mask + 1) {
		uint32_t size = nm_roundup_pow2(pending);
		struct nm_rx_pkt *cq = calloc(size, sizeof(*cq));

		if (!cq)
			return -ENOMEM;
		free(m->cq);
		m->cq = cq;
		m->cq_mask = size - 1;
	}
	for (uint32_t i = 0; i < pending; i++)
		m->cq[(m->cq_tail + i) & m->cq_mask] = old->cq[(old->cq_head + i) & old->cq_mask];
	m->cq_tail += pending;
	old->cq_head = old->cq_tail;
	return 0;
}

int nm_rxq_restart(struct nm_rxq *q, const struct nm_memory_provider_ops *ops, void *priv)
{
	const struct nm_memory_provider_ops *old_ops = q->mp_ops;
	void *old_priv = q->mp_priv;
	struct nm_rxq_mem *m, *old;
	int ret;

	q->mp_ops = ops;
	q->mp_priv = priv;
	ret = nm_rxq_mem_alloc(q, &m);
	if (ret)
		goto err_restore;
	old = nm_rxq_stop(q);
	ret = nm_rxq_start(q, m);
	if (!ret && old)
		ret = carry_completions(old, m) ? nm_err(ENOMEM, "%s: rx queue %u: out of memory",
							 q->nd->name, q->idx) : 0;
	if (ret) {
		nm_rxq_stop(q);
		nm_rxq_start(q, old);
		nm_rxq_mem_free(q, m);
		goto err_restore;
	}
	nm_rxq_mem_free(q, old);
	if (old_ops && old_ops->uninstall && (old_ops != ops || old_priv != priv))
		old_ops->uninstall(old_priv, q);
	return 0;

err_restore:
	q->mp_ops = old_ops;
	q->mp_priv = old_priv;
	return ret;
}
