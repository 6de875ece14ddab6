/* SPDX-License-Identifier: MIT */
/*
 * Page pools on the test bed (pool.c): pools of host pages and of a
 * dma-buf binding's device memory on the default topology (t_net.h's
 * struct t_env), and the live mapping count of a device.
 */
#ifndef NM_T_POOL_H
#define NM_T_POOL_H

#include <pthread.h>

#include "t_net.h"
#include "t_util.h"
#include "pool/memory_provider.h"
#include "pool/page_pool.h"
#include <netmem/dma.h>
#include <netmem/dmabuf.h>
#include <netmem/pci.h>

/* A pool of host pages of 4096 << order bytes for nic. */
struct nm_page_pool *t_host_pool(struct nm_device *nic, uint32_t order, uint32_t pool_size,
				 const struct nm_mp_host_params *hp);

/* A binding of size bytes of gpu memory to nic, and a pool on it. */
struct nm_dmabuf_binding *t_gpu_binding(struct t_env *e, uint64_t size, uint32_t niov_size);

struct nm_page_pool *t_dmabuf_pool(struct nm_dmabuf_binding *b, uint32_t pool_size);

uint64_t t_live_mappings(struct nm_device *dev);

#endif
