/* SPDX-License-Identifier: MIT */
/*
 * Page pools on the test bed (t_pool.h).
 */
#include "t_pool.h"

/* A pool of host pages of 4096 << order bytes for nic. */
struct nm_page_pool *t_host_pool(struct nm_device *nic, uint32_t order, uint32_t pool_size,
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
struct nm_dmabuf_binding *t_gpu_binding(struct t_env *e, uint64_t size, uint32_t niov_size)
{
	struct nm_dmabuf *buf;
	struct nm_dmabuf_binding *b;

	T_OK(nm_dmabuf_create_device(e->gpu, size, &buf));
	T_OK(nm_dmabuf_binding_create(buf, e->nic, NM_DMA_FROM_DEVICE, niov_size, &b));
	nm_dmabuf_put(buf);	/* the binding holds its own reference */
	return b;
}

struct nm_page_pool *t_dmabuf_pool(struct nm_dmabuf_binding *b, uint32_t pool_size)
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

uint64_t t_live_mappings(struct nm_device *dev)
{
	struct nm_dma_stats st;

	T_OK(nm_dma_get_stats(dev, &st, sizeof(st)));
	return st.live_mappings;
}
