/* SPDX-License-Identifier: MIT */
/*
 * Receive-pool space: the devmem backpressure hook of the TCP table
 * (nm_tcp_table.rx_pool_space).
 *
 * A devmem receiver holds payload buffers for as long as the application
 * keeps the tokens.  If the window promised more than the payload memory
 * can take, the NIC would drop in-window segments (RX no-buffer) and the
 * sender would crawl through retransmission timeouts.  So the window of a
 * connection whose interface has device-memory (unreadable) RX queues is
 * capped by what those queues can still take: free bytes of their posted
 * ring buffers, idle buffers in their pools, and free net_iovs of their
 * dma-buf bindings (counted once per binding: queues share them).  Host
 * pools grow on demand and impose no cap.
 *
 * The window never moves its right edge left (tcp_output.c), so the cap
 * only slows the opening; data that arrives beyond what memory can hold
 * is dropped unacknowledged and retransmitted, never lost.  Called on
 * every window computation: O(RX queues).
 */
#include <stdint.h>

#include <netmem/memory_provider.h>
#include <netmem/netdev.h>
#include <netmem/page_pool.h>

#include "net/tcp.h"

#define NM_RXSPACE_MAX_BINDINGS	16

/* Packing wastes a little at buffer ends; keep 1/8 back so an advertised
 * window is one the memory can really back. */
static uint64_t usable(uint64_t bytes)
{
	return bytes - bytes / 8;
}

uint32_t nm_tcp_rx_pool_space(struct nm_tcp_sock *tp)
{
	const void *seen[NM_RXSPACE_MAX_BINDINGS];
	struct nm_netdev *nd;
	uint64_t room = 0;
	uint32_t nq, nseen = 0;
	bool device = false;

	if (!tp->ifc || !(nd = tp->ifc->nd))
		return UINT32_MAX;
	nq = nm_netdev_num_rx_queues(nd);
	for (uint32_t q = 0; q < nq; q++) {
		void *priv = NULL;
		const struct nm_memory_provider_ops *ops = nm_netdev_rxq_provider(nd, q, &priv);
		struct nm_page_pool *pp;
		int64_t idle;
		bool dup = false;

		if (ops != &nm_mp_dmabuf_ops || !priv)
			continue;
		device = true;
		pp = nm_netdev_rxq_payload_pool(nd, q);
		room += nm_netdev_rxq_payload_room(nd, q);
		idle = pp ? nm_page_pool_idle(pp) : 0;
		if (idle > 0)
			room += (uint64_t)idle * nm_page_pool_buf_size(pp);
		for (uint32_t i = 0; i < nseen; i++)
			dup |= seen[i] == priv;
		if (dup)
			continue;
		if (nseen < NM_RXSPACE_MAX_BINDINGS)
			seen[nseen++] = priv;
		room += nm_dmabuf_binding_avail(priv) *
			(uint64_t)nm_dmabuf_binding_niov_size(priv);
	}
	if (!device)
		return UINT32_MAX;
	room = usable(room);
	return room > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)room;
}
