/* Helpers shared by the t_pool_* and t_netmem_* tests (header only). */
#ifndef NM_T_POOL_UTIL_H
#define NM_T_POOL_UTIL_H

#include <pthread.h>

#include "t_util.h"
#include <netmem/dma.h>
#include <netmem/dmabuf.h>
#include <netmem/memory_provider.h>
#include <netmem/page_pool.h>
#include <netmem/pci.h>

/* The default topology: nic0 and gpu0 (16 GiB BAR) under one switch. */
struct t_env {
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
};

static inline void t_env_init(struct t_env *e)
{
	T_OK(nm_topo_create_default(&e->topo));
	T_OK(nm_topo_device(e->topo, "nic0", &e->nic));
	T_OK(nm_topo_device(e->topo, "gpu0", &e->gpu));
}

/* Every mapping, attachment and device object must be gone by now. */
static inline void t_env_fini(struct t_env *e)
{
	T_OK(nm_topo_destroy(e->topo));
}

/* A pool of host pages of 4096 << order bytes for nic. */
static inline struct nm_page_pool *t_host_pool(struct nm_device *nic, uint32_t order,
					       uint32_t pool_size,
					       const struct nm_mp_host_params *hp)
{
	struct nm_page_pool_params p = {
		.dev = nic, .order = order, .pool_size = pool_size,
		.dir = NM_DMA_FROM_DEVICE, .mp_priv = (void *)hp,
	};
	struct nm_page_pool *pool;

	T_OK(nm_page_pool_create(&p, &pool));
	return pool;
}

/* A binding of size bytes of gpu memory to nic, and a pool on it. */
static inline struct nm_dmabuf_binding *t_gpu_binding(struct t_env *e, uint64_t size,
						      uint32_t niov_size)
{
	struct nm_dmabuf *buf;
	struct nm_dmabuf_binding *b;

	T_OK(nm_dmabuf_create_device(e->gpu, size, &buf));
	T_OK(nm_dmabuf_binding_create(buf, e->nic, NM_DMA_FROM_DEVICE, niov_size, &b));
	nm_dmabuf_put(buf);	/* the binding holds its own reference */
	return b;
}

static inline struct nm_page_pool *t_dmabuf_pool(struct nm_dmabuf_binding *b,
						 uint32_t pool_size)
{
	struct nm_page_pool_params p = {
		.dev = nm_dmabuf_binding_device(b), .pool_size = pool_size,
		.dir = NM_DMA_FROM_DEVICE,
	};
	struct nm_page_pool *pool;

	T_OK(nm_page_pool_params_set_dmabuf(&p, b));
	T_OK(nm_page_pool_create(&p, &pool));
	return pool;
}

static inline uint64_t t_live_mappings(struct nm_device *dev)
{
	struct nm_dma_stats st;

	T_OK(nm_dma_get_stats(dev, &st));
	return st.live_mappings;
}

#endif
