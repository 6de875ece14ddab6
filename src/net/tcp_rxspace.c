/* SPDX-License-Identifier: MIT */
/*
 * Receive-pool space: the devmem backpressure hook of the TCP table
 * (nm_tcp_table.rx_pool_space).
 *
 * A devmem receiver holds payload buffers for as long as the application
 * keeps the tokens.  If the window promised more than the payload memory
 * can take, the NIC would drop in-window segments (RX no-buffer) and the
 * sender would crawl through retransmission timeouts.  So the window of a
 * connection is capped by what the RX queue its segments arrive on can
 * still take (nm_netdev_rxq_mem_avail(): posted ring room, idle pool
 * buffers and free net_iovs of the queue's dma-buf binding).  Queues whose
 * memory has no limit (host pages grow on demand) impose no cap, and
 * neither do queues the flow is not steered to.
 *
 * The queue is the one the last segment came in on (tcp.h,
 * nm_tcp_rx_queue_set()), as the kernel records sk_rx_queue_mapping.
 * Before the first segment (a client's SYN) nothing is known and nothing
 * is capped; a SYN's window is at most 64 KiB, and data beyond what the
 * memory holds is dropped unacknowledged and retransmitted, never lost.
 *
 * The window never moves its right edge left (tcp_output.c), so the cap
 * only slows the opening.  Called on every window computation: one
 * question to one queue, O(1).
 */
#include <stdint.h>

#include <netmem/netdev.h>

#include "net/tcp.h"
#include "nic/netdev_drv.h"

/* Packing wastes a little at buffer ends; keep 1/8 back so an advertised
 * window is one the memory can really back. */
static uint64_t usable(uint64_t bytes)
{
	return bytes - bytes / 8;
}

uint32_t nm_tcp_rx_pool_space(struct nm_tcp_sock *tp)
{
	struct nm_netdev *nd;
	uint64_t room;

	if (!tp->rx_ifc || !(nd = tp->rx_ifc->nd) ||
	    tp->rx_queue >= nm_netdev_num_rx_queues(nd))
		return UINT32_MAX;	/* not steered yet, or the queue is gone */
	room = nm_netdev_rxq_mem_avail(nd, tp->rx_queue);
	if (room == UINT64_MAX)
		return UINT32_MAX;
	room = usable(room);
	return room > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)room;
}
