/* Bad arguments to every public pool/ function: -errno with a message, no
 * crash, no state change (the pools and the binding still check clean and
 * work afterwards). */
#include "t_pool.h"

static int fake_init(struct nm_page_pool *pool)
{
	(void)pool;
	return 0;
}

int main(void)
{
	struct t_env e;
	struct nm_page_pool *pool, *dp, *p2 = NULL;
	struct nm_dmabuf_binding *b, *b2 = NULL;
	struct nm_dmabuf *buf;
	struct nm_page_pool_params pp;
	struct nm_page_pool_stats st;
	struct nm_page_pool_info info;
	struct nm_mp_info mi;
	struct nm_mp_host_stats hs;
	struct nm_net_iov *niov;
	struct nm_net_iov_area *area;
	nm_netmem_t nm, x, pg;
	uint32_t off;
	/* a "pool" / "binding" / netmem that is not one */
	_Alignas(64) static long junk[64];

	t_env_init(&e);
	pool = t_host_pool(e.nic, 0, 0, NULL);
	b = t_gpu_binding(&e, 1 << 20, 4096);
	dp = t_dmabuf_pool(b, 0);

	/* ---- nm_page_pool_create ---- */
	pp = (struct nm_page_pool_params){ .dev = e.nic, .dir = NM_DMA_FROM_DEVICE };
	T_ERR(nm_page_pool_create(NULL, &p2), -EINVAL);
	T_ERR(nm_page_pool_create(&pp, NULL), -EINVAL);
	pp.order = NM_PP_MAX_ORDER + 1;
	T_ERR(nm_page_pool_create(&pp, &p2), -EINVAL);
	pp.order = 0;
	pp.pool_size = NM_PP_MAX_POOL_SIZE + 1;
	T_ERR(nm_page_pool_create(&pp, &p2), -E2BIG);
	pp.pool_size = 0;
	pp.dir = (enum nm_dma_dir)3;
	T_ERR(nm_page_pool_create(&pp, &p2), -EINVAL);
	pp.dir = NM_DMA_FROM_DEVICE;
	pp.flags = 1;
	T_ERR(nm_page_pool_create(&pp, &p2), -EINVAL);
	pp.flags = 0;
	pp.dev = NULL;					/* host pages need a device */
	T_ERR(nm_page_pool_create(&pp, &p2), -EINVAL);
	pp.dev = e.nic;
	struct nm_mp_host_params hpbad = { .block_bufs = 1 << 20 };
	pp.mp_priv = &hpbad;
	T_ERR(nm_page_pool_create(&pp, &p2), -EINVAL);
	pp.mp_priv = NULL;
	struct nm_memory_provider_ops half = { .name = "half", .init = fake_init };
	pp.mp_ops = &half;				/* lacks required ops */
	T_ERR(nm_page_pool_create(&pp, &p2), -EINVAL);
	/* dmabuf provider: no binding, not a binding, wrong device/dir/order */
	T_ERR(nm_page_pool_params_set_dmabuf(NULL, b), -EINVAL);
	T_OK(nm_page_pool_params_set_dmabuf(&pp, NULL));
	T_ERR(nm_page_pool_create(&pp, &p2), -EINVAL);
	T_OK(nm_page_pool_params_set_dmabuf(&pp, (struct nm_dmabuf_binding *)junk));
	T_ERR(nm_page_pool_create(&pp, &p2), -EINVAL);
	T_OK(nm_page_pool_params_set_dmabuf(&pp, b));
	pp.dev = e.gpu;
	T_ERR(nm_page_pool_create(&pp, &p2), -EINVAL);
	pp.dev = e.nic;
	pp.dir = NM_DMA_TO_DEVICE;
	T_ERR(nm_page_pool_create(&pp, &p2), -EINVAL);
	pp.dir = NM_DMA_FROM_DEVICE;
	pp.order = 4;					/* 64 KiB vs 4 KiB net_iovs */
	T_ERR(nm_page_pool_create(&pp, &p2), -EINVAL);
	T_ASSERT(p2 == NULL);
	T_EQ(nm_dmabuf_binding_refs(b), 2);		/* no reference leaked */

	/* ---- allocation ---- */
	T_ERR(nm_page_pool_alloc_netmem(NULL, &nm), -EINVAL);
	T_ERR(nm_page_pool_alloc_netmem(pool, NULL), -EINVAL);
	T_ERR(nm_page_pool_alloc_netmem((struct nm_page_pool *)junk, &nm), -EINVAL);
	T_ERR(nm_page_pool_alloc_netmem((struct nm_page_pool *)(junk + 1), &nm), -EINVAL);
	T_ERR(nm_page_pool_alloc_netmem((struct nm_page_pool *)((char *)pool + 8), &nm), -EINVAL);
	T_ERR(nm_page_pool_alloc_netmems(NULL, &nm, 1), -EINVAL);
	T_ERR(nm_page_pool_alloc_netmems(pool, NULL, 1), -EINVAL);
	T_ERR(nm_page_pool_alloc_netmems(pool, &nm, 0), -EINVAL);
	T_ERR(nm_page_pool_alloc_frag(NULL, 100, &nm, &off), -EINVAL);
	T_ERR(nm_page_pool_alloc_frag(pool, 100, NULL, &off), -EINVAL);
	T_ERR(nm_page_pool_alloc_frag(pool, 100, &nm, NULL), -EINVAL);
	T_ERR(nm_page_pool_alloc_frag(pool, 0, &nm, &off), -EINVAL);
	T_ERR(nm_page_pool_alloc_frag(pool, 4097, &nm, &off), -EINVAL);
	T_ERR(nm_page_pool_alloc_frag((struct nm_page_pool *)junk, 1, &nm, &off), -EINVAL);

	/* ---- references ---- */
	T_OK(nm_page_pool_alloc_netmem(pool, &pg));
	T_OK(nm_page_pool_alloc_netmem(dp, &nm));
	T_ERR(nm_page_pool_put_netmem(NULL, pg, true), -EINVAL);
	T_ERR(nm_page_pool_put_netmem(pool, 0, true), -EINVAL);
	T_ERR(nm_page_pool_put_netmem(pool, nm, true), -EINVAL);	/* dp's */
	T_ERR(nm_page_pool_put_netmem(dp, pg, false), -EINVAL);	/* pool's */
	T_ERR(nm_page_pool_put_netmem(pool, (nm_netmem_t)junk, true), -EINVAL);
	T_ERR(nm_page_pool_put_netmem(pool, (nm_netmem_t)junk | 1, true), -EINVAL);
	T_ERR(nm_page_pool_put_netmem(pool, pg + 2, true), -EINVAL);	/* misaligned */
	T_ERR(nm_page_pool_put_netmem(pool, pg + 4, true), -EINVAL);
	T_ERR(nm_page_pool_ref_netmem(pg + 2), -EINVAL);
	/* a netmem whose tag disagrees with its descriptor */
	T_ERR(nm_page_pool_put_netmem(pool, pg | 1, true), -EINVAL);
	T_ERR(nm_page_pool_put_netmem(dp, nm & ~(nm_netmem_t)1, true), -EINVAL);
	T_EQ(nm_netmem_ref_count(pg), 1);
	T_EQ(nm_netmem_ref_count(nm), 1);
	/* double put: the second one is refused, the pool stays sane */
	T_OK(nm_page_pool_alloc_netmem(pool, &x));
	T_OK(nm_page_pool_put_netmem(pool, x, true));
	T_ERR(nm_page_pool_put_netmem(pool, x, true), -EINVAL);
	T_ERR(nm_page_pool_put_netmem(pool, x, false), -EINVAL);
	T_OK(nm_page_pool_check(pool));

	T_ERR(nm_page_pool_ref_netmem(0), -EINVAL);
	T_ERR(nm_page_pool_ref_netmem((nm_netmem_t)junk), -EINVAL);
	T_ERR(nm_page_pool_ref_netmem(x), -EINVAL);		/* idle: no reference */
	T_ERR(nm_page_pool_unref_netmem(0, 1), -EINVAL);
	T_ERR(nm_page_pool_unref_netmem(pg, 0), -EINVAL);
	T_ERR(nm_page_pool_unref_netmem(pg, -3), -EINVAL);
	T_ERR(nm_page_pool_unref_netmem(pg, 2), -EINVAL);	/* holds 1 */
	T_ERR(nm_page_pool_unref_netmem(x, 1), -EINVAL);
	T_ERR(nm_page_pool_put_unrefed_netmem(pool, pg, true), -EINVAL);	/* count 1 */
	T_ERR(nm_page_pool_put_unrefed_netmem(NULL, pg, true), -EINVAL);
	T_ERR(nm_page_pool_put_unrefed_netmem(dp, pg, true), -EINVAL);
	T_ERR(nm_page_pool_put_unrefed_netmem(pool, 0, true), -EINVAL);
	T_EQ(nm_netmem_ref_count(pg), 1);

	T_ERR(nm_page_pool_dma_sync_for_cpu(NULL, pg, 0, 1), -EINVAL);
	T_ERR(nm_page_pool_dma_sync_for_cpu(pool, 0, 0, 1), -EINVAL);
	T_ERR(nm_page_pool_dma_sync_for_cpu(dp, pg, 0, 1), -EINVAL);
	T_ERR(nm_page_pool_dma_sync_for_cpu(pool, pg, 0, 0), -EINVAL);
	T_ERR(nm_page_pool_dma_sync_for_cpu(pool, pg, 4000, 97), -EINVAL);
	T_ERR(nm_page_pool_dma_sync_for_cpu(pool, pg, 4097, 1), -EINVAL);
	T_OK(nm_page_pool_dma_sync_for_cpu(pool, pg, 4000, 96));

	/* ---- queries ---- */
	T_ERR(nm_page_pool_get_stats(NULL, &st), -EINVAL);
	T_ERR(nm_page_pool_get_stats(pool, NULL), -EINVAL);
	T_ERR(nm_page_pool_get_stats((struct nm_page_pool *)junk, &st), -EINVAL);
	T_ERR(nm_page_pool_inflight(NULL), -EINVAL);
	T_ERR(nm_page_pool_inflight((struct nm_page_pool *)junk), -EINVAL);
	T_ERR(nm_page_pool_get_info(NULL, &info), -EINVAL);
	T_ERR(nm_page_pool_get_info(pool, NULL), -EINVAL);
	T_ERR(nm_page_pool_mp_info(NULL, &mi), -EINVAL);
	T_ERR(nm_page_pool_mp_info(pool, NULL), -EINVAL);
	T_ERR(nm_page_pool_check(NULL), -EINVAL);
	T_ERR(nm_page_pool_check((struct nm_page_pool *)junk), -EINVAL);
	T_ERR(nm_page_pool_check((struct nm_page_pool *)(junk + 3)), -EINVAL);
	T_EQ(nm_page_pool_buf_size(NULL), 0);
	T_EQ(nm_page_pool_id(NULL), 0);
	T_ERR(nm_page_pool_set_mp_state(NULL, NULL), -EINVAL);
	T_ERR(nm_page_pool_set_mp_state(pool, NULL), -EBUSY);	/* not in init */
	T_ERR(nm_page_pool_set_buf_size(NULL, 4096), -EINVAL);
	T_ERR(nm_page_pool_set_buf_size(pool, 4096), -EBUSY);
	T_ASSERT(nm_page_pool_params(NULL) == NULL);
	T_ASSERT(nm_page_pool_mp_priv(NULL) == NULL);
	T_ASSERT(nm_page_pool_mp_state(NULL) == NULL);
	T_ERR(nm_mp_host_get_stats(NULL, &hs), -EINVAL);
	T_ERR(nm_mp_host_get_stats(pool, NULL), -EINVAL);
	T_ERR(nm_mp_host_get_stats(dp, &hs), -EINVAL);		/* not host pages */
	T_ERR(nm_mp_host_get_stats((struct nm_page_pool *)junk, &hs), -EINVAL);

	/* ---- destroy ---- */
	T_ERR(nm_page_pool_destroy(NULL), -EINVAL);
	T_ERR(nm_page_pool_destroy((struct nm_page_pool *)junk), -EINVAL);

	/* ---- binding ---- */
	T_OK(nm_dmabuf_create_device(e.gpu, 1 << 20, &buf));
	T_ERR(nm_dmabuf_binding_create(NULL, e.nic, NM_DMA_FROM_DEVICE, 4096, &b2), -EINVAL);
	T_ERR(nm_dmabuf_binding_create(buf, NULL, NM_DMA_FROM_DEVICE, 4096, &b2), -EINVAL);
	T_ERR(nm_dmabuf_binding_create(buf, e.nic, NM_DMA_FROM_DEVICE, 4096, NULL), -EINVAL);
	T_ERR(nm_dmabuf_binding_create(buf, e.nic, (enum nm_dma_dir)7, 4096, &b2), -EINVAL);
	T_ERR(nm_dmabuf_binding_create(buf, e.nic, NM_DMA_FROM_DEVICE, 2048, &b2), -EINVAL);
	T_ERR(nm_dmabuf_binding_create(buf, e.nic, NM_DMA_FROM_DEVICE, 12288, &b2), -EINVAL);
	T_ERR(nm_dmabuf_binding_create(buf, e.nic, NM_DMA_FROM_DEVICE, 131072, &b2), -EINVAL);
	T_ASSERT(b2 == NULL);
	nm_dmabuf_put(buf);

	T_ERR(nm_dmabuf_binding_get(NULL), -EINVAL);
	T_ERR(nm_dmabuf_binding_get((struct nm_dmabuf_binding *)junk), -EINVAL);
	nm_dmabuf_binding_put(NULL);				/* ignored */
	nm_dmabuf_binding_put((struct nm_dmabuf_binding *)junk);	/* ignored */
	T_ERR(nm_dmabuf_binding_unbind(NULL), -EINVAL);
	T_ERR(nm_dmabuf_binding_unbind((struct nm_dmabuf_binding *)junk), -EINVAL);
	T_ERR(nm_dmabuf_binding_set_id(NULL, 1), -EINVAL);
	T_EQ(nm_dmabuf_binding_id(NULL), 0);
	T_ASSERT(nm_dmabuf_binding_dmabuf(NULL) == NULL);
	T_ASSERT(nm_dmabuf_binding_device(NULL) == NULL);
	T_ASSERT(nm_dmabuf_binding_mapping(NULL) == NULL);
	T_EQ(nm_dmabuf_binding_niov_size(NULL), 0);
	T_EQ(nm_dmabuf_binding_dir(NULL), NM_DMA_BIDIRECTIONAL);
	T_ASSERT(nm_dmabuf_binding_is_unbound(NULL));
	T_ERR(nm_dmabuf_binding_refs(NULL), -EINVAL);
	T_EQ(nm_dmabuf_binding_num_areas(NULL), 0);
	T_EQ(nm_dmabuf_binding_num_niovs(NULL), 0);
	T_EQ(nm_dmabuf_binding_avail(NULL), 0);
	T_ERR(nm_dmabuf_binding_area(NULL, 0, &area), -EINVAL);
	T_ERR(nm_dmabuf_binding_area(b, 0, NULL), -EINVAL);
	T_ERR(nm_dmabuf_binding_area(b, 1, &area), -EINVAL);
	T_ERR(nm_dmabuf_binding_niov_at(NULL, 0, &niov), -EINVAL);
	T_ERR(nm_dmabuf_binding_niov_at(b, 0, NULL), -EINVAL);
	T_ERR(nm_dmabuf_binding_niov_at(b, 1 << 20, &niov), -EINVAL);
	T_ERR(nm_dmabuf_binding_niov_at(b, UINT64_MAX, &niov), -EINVAL);
	T_ERR(nm_dmabuf_binding_alloc_niovs(NULL, &niov, 1), -EINVAL);
	T_ERR(nm_dmabuf_binding_alloc_niovs(b, NULL, 1), -EINVAL);
	T_ERR(nm_dmabuf_binding_alloc_niovs(b, &niov, 0), -EINVAL);
	T_ERR(nm_dmabuf_binding_free_niov(NULL, nm_netmem_to_net_iov(nm)), -EINVAL);
	T_ERR(nm_dmabuf_binding_free_niov(b, NULL), -EINVAL);
	T_ERR(nm_dmabuf_binding_free_niov(b, (struct nm_net_iov *)junk), -EINVAL);
	T_OK(nm_dmabuf_binding_niov_at(b, 0, &niov));
	T_OK(nm_dmabuf_binding_alloc_niovs(b, &niov, 1));
	T_OK(nm_dmabuf_binding_free_niov(b, niov));
	T_ERR(nm_dmabuf_binding_free_niov(b, niov), -EINVAL);	/* double free */
	T_ERR(nm_dmabuf_binding_check(NULL), -EINVAL);
	/* a net_iov of another binding */
	struct nm_dmabuf_binding *other = t_gpu_binding(&e, 1 << 20, 4096);
	T_OK(nm_dmabuf_binding_niov_at(other, 0, &niov));
	T_ERR(nm_dmabuf_binding_free_niov(b, niov), -EINVAL);
	T_OK(nm_dmabuf_binding_unbind(other));

	/* nothing above changed any state */
	T_OK(nm_page_pool_check(pool));
	T_OK(nm_page_pool_check(dp));
	T_OK(nm_dmabuf_binding_check(b));
	T_EQ(nm_page_pool_inflight(pool), 1);
	T_EQ(nm_page_pool_inflight(dp), 1);
	T_OK(nm_page_pool_put_netmem(pool, pg, true));
	T_OK(nm_page_pool_put_netmem(dp, nm, true));
	T_EQ(nm_page_pool_destroy(pool), 0);
	/* a destroyed pool (with a buffer still out, so not freed) refuses
	 * owner-thread calls but takes the buffer back */
	T_OK(nm_page_pool_alloc_netmem(dp, &nm));
	T_EQ(nm_page_pool_destroy(dp), 1);
	T_ERR(nm_page_pool_alloc_netmem(dp, &x), -EINVAL);
	T_ERR(nm_page_pool_alloc_frag(dp, 1, &x, &off), -EINVAL);
	T_ERR(nm_page_pool_destroy(dp), -EINVAL);
	T_OK(nm_page_pool_put_netmem(dp, nm, true));		/* frees dp */
	T_EQ(nm_dmabuf_binding_avail(b), nm_dmabuf_binding_num_niovs(b));
	T_OK(nm_dmabuf_binding_unbind(b));
	t_env_fini(&e);
	T_PASS();
}
