/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_PAGE_POOL_H
#define NETMEM_PAGE_POOL_H

/*
 * Page pools as the control plane reports them (ctl.h: page-pool-get,
 * page-pool-stats-get).  Every RX queue of a netdev has two pools: host
 * pages for headers, and the payload pool whose memory provider is host
 * pages or, after bind-rx, a dma-buf binding's device memory.  A pool
 * hands out buffers already DMA-mapped for the NIC and takes them back for
 * reuse; a buffer the stack or the application still holds (a devmem
 * token) counts as in flight.  nm_netdev_get_rxq_info() names the two
 * pools of a queue.
 */

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nm_page_pool_stats {
	/* allocation (owner thread) */
	uint64_t alloc_fast;		/* served from the alloc cache */
	uint64_t alloc_slow;		/* cache empty: slow path entered */
	uint64_t alloc_empty;		/* ring empty too: the provider asked */
	uint64_t alloc_refill;		/* buffers moved from the ring to the cache */
	uint64_t alloc_fail;		/* -ENOMEM returned */
	uint64_t alloc_frag;		/* fragments handed out */
	/* recycling */
	uint64_t recycle_cached;	/* direct put into the cache */
	uint64_t recycle_cache_full;	/* direct put found the cache full */
	uint64_t recycle_ring;		/* put into the return ring */
	uint64_t recycle_ring_full;	/* ring full: released to the provider */
	uint64_t recycle_released_refcnt; /* released to the provider after the
					   * pool was destroyed */
	/* accounting */
	uint64_t hold_cnt;		/* buffers ever taken from the provider */
	uint64_t release_cnt;		/* buffers ever given back to it */
	uint64_t release_kept;		/* of those, kept parked by the provider */
};

/* What page-pool-get reports.  inflight is exact on the netdev's thread
 * (it reads the alloc cache); elsewhere it is a racy estimate. */
struct nm_page_pool_info {
	uint32_t id;
	uint32_t queue_idx;
	uint32_t buf_size;
	uint32_t ring_size;
	int64_t inflight;
	uint64_t inflight_mem;		/* inflight * buf_size */
	uint64_t detach_time_ns;	/* CLOCK_MONOTONIC at destroy, 0 if live */
	/* From the provider's fill_info. */
	const char *mp_name;
	bool unreadable;
	uint32_t dmabuf_id;		/* binding id, 0 if none */
	uint64_t dmabuf_ino;
	bool io_uring;			/* a zcrx provider */
};
#ifdef __cplusplus
}
#endif
#endif /* NETMEM_PAGE_POOL_H */
