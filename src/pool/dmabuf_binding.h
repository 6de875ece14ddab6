/* SPDX-License-Identifier: MIT */
#ifndef NM_POOL_DMABUF_BINDING_H
#define NM_POOL_DMABUF_BINDING_H

/*
 * The dma-buf binding's internals, shared by dmabuf_binding.c and the dmabuf
 * provider (mp_dmabuf.c).  Its functions are declared in memory_provider.h.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <netmem/dmabuf.h>

#include "pool/memory_provider.h"

#define NM_BINDING_MAGIC	0x6e6d6462u	/* "nmdb" */

struct nm_dmabuf_binding {
	uint32_t magic;
	atomic_long refs;
	atomic_bool unbound;
	atomic_uint id;

	struct nm_dmabuf *buf;			/* holds a reference */
	struct nm_device *dev;
	enum nm_dma_dir dir;
	struct nm_dmabuf_attachment *att;
	struct nm_dma_mapping *map;

	uint32_t niov_size, niov_shift;
	uint32_t nr_areas;
	struct nm_net_iov_area *areas;		/* one per dma_vec */
	uint64_t *area_len;			/* the dma_vec's length */
	uint64_t *area_first;			/* global index of the area's niov 0 */
	uint64_t nr_niovs;

	/* Chunk allocator: a stack of free net_iovs.  Releases come from any
	 * thread, so a mutex; every operation is O(1) per chunk. */
	pthread_mutex_t lock;
	struct nm_net_iov **free_stack;
	uint64_t nr_free;
	uint8_t *is_free;			/* by global index: double-free check */
};

#endif /* NM_POOL_DMABUF_BINDING_H */
