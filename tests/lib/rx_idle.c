/* SPDX-License-Identifier: MIT */
/*
 * The end-of-test check that a netdev's receive side gave everything back
 * (t_devmem.h).  White-box: it reads the RX queues' rings.
 */
#include "nic/nic_internal.h"
#include "t_devmem.h"

/* The buffers posted to ring r hold only the ring's reference: none is
 * partly used by a packet still alive.  -1, or the first slot that is. */
static int64_t ring_held(const struct nm_rx_ring *r)
{
	for (uint32_t i = r->head; i != r->tail; i++)
		if (nm_netmem_ref_count(r->slot[i & r->mask]) != 1)
			return i - r->head;
	return -1;
}

void t_rx_idle(struct nm_netdev *nd)
{
	for (uint32_t q = 0; q < nm_netdev_num_rx_queues(nd); q++) {
		const struct nm_rxq_mem *m = nd->rxq[q].mem;
		int64_t hdr, pay;

		if (!m)
			T_FAIL("%s rx queue %u is stopped", nm_netdev_name(nd), q);
		if (m->cq_tail != m->cq_head)
			T_FAIL("%s rx queue %u: %u packets never polled", nm_netdev_name(nd), q,
			       m->cq_tail - m->cq_head);
		hdr = nm_page_pool_inflight(m->hdr_pool);
		pay = nm_page_pool_inflight(m->pp);
		if (hdr != nm_rx_ring_count(&m->hdr_ring) || pay != nm_rx_ring_count(&m->pay_ring))
			T_FAIL("%s rx queue %u: in flight %lld header and %lld payload buffers, "
			       "posted %u and %u: the rest was never given back",
			       nm_netdev_name(nd), q, (long long)hdr, (long long)pay,
			       nm_rx_ring_count(&m->hdr_ring), nm_rx_ring_count(&m->pay_ring));
		if (ring_held(&m->hdr_ring) >= 0 || ring_held(&m->pay_ring) >= 0)
			T_FAIL("%s rx queue %u: posted buffer %lld of the header ring / %lld of the "
			       "payload ring is still referenced by a packet (-1: none)",
			       nm_netdev_name(nd), q, (long long)ring_held(&m->hdr_ring),
			       (long long)ring_held(&m->pay_ring));
	}
}
