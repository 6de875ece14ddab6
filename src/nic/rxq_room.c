/* SPDX-License-Identifier: MIT */
/*
 * How much payload an RX queue can still take: the free bytes of the
 * buffers posted to its payload ring, and with them what its payload pool
 * and that pool's provider can still hand out.  TCP asks the second when
 * it sizes the receive window of a flow steered to the queue
 * (backpressure: a window the memory cannot back would only make the NIC
 * drop).  Both are answered from counters the ring, the pool and the
 * provider keep anyway: owner thread, O(1), no walk.
 */
#include "nic/netdev_drv.h"
#include "nic/nic_internal.h"
#include "util/err.h"

uint32_t nm_netdev_num_rx_queues(const struct nm_netdev *nd)
{
	return nd ? nd->nrx : 0;
}

uint64_t nm_netdev_rxq_payload_room(const struct nm_netdev *nd, uint32_t q)
{
	const struct nm_rx_ring *r;
	uint32_t n;

	if (!nd || q >= nd->nrx || !nd->rxq[q].mem)
		return 0;
	r = &nd->rxq[q].mem->pay_ring;
	n = nm_rx_ring_count(r);
	if (!n)
		return 0;
	return (uint64_t)n * r->buf_size - (r->used < r->buf_size ? r->used : r->buf_size);
}

uint64_t nm_netdev_rxq_mem_avail(const struct nm_netdev *nd, uint32_t q)
{
	uint64_t pool;

	if (!nd || q >= nd->nrx || !nd->rxq[q].mem)
		return 0;
	pool = nm_page_pool_mem_avail(nd->rxq[q].mem->pp);
	if (pool == UINT64_MAX)
		return UINT64_MAX;	/* the provider sets no limit */
	return pool + nm_netdev_rxq_payload_room(nd, q);
}
