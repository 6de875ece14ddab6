/* Unbinding a binding while net_iovs are still held: the mapping and the
 * device memory stay valid (the device writes, the application reads)
 * until the last one returns; then the mapping is gone (-EFAULT), the
 * dma-buf released and the attachment detached.  New pools and allocations
 * on an unbound binding are refused. */
#include "t_pool.h"

#define N 8

int main(void)
{
	struct t_env e;
	struct nm_dmabuf_binding *b;
	struct nm_page_pool *pool, *p2;
	struct nm_net_iov *niov;
	struct nm_dma_stats ds0, ds;
	nm_netmem_t nm[N];
	uint64_t maps0, dma[N];

	t_env_init(&e);
	maps0 = t_live_mappings(e.nic);
	b = t_gpu_binding(&e, 1 << 20, 65536);
	pool = t_dmabuf_pool(b, 0);
	T_EQ(t_live_mappings(e.nic), maps0 + 1);
	T_EQ(nm_page_pool_alloc_netmems(pool, nm, N), N);
	for (int i = 0; i < N; i++)
		dma[i] = nm_netmem_dma_addr(nm[i]);

	/* the control plane unbinds: queue restart destroyed the pool, the
	 * binding's own reference goes; sockets still hold the net_iovs */
	T_EQ(nm_page_pool_destroy(pool), 1);
	T_EQ(nm_dmabuf_binding_refs(b), 2);	/* creator + the pool */
	T_OK(nm_dmabuf_binding_unbind(b));
	/* nothing of ours holds b now, but each net_iov reaches it */
	struct nm_dmabuf_binding *via = nm_netmem_owner(nm[0])->owner;
	T_ASSERT(via == b);
	T_ASSERT(nm_dmabuf_binding_is_unbound(via));
	T_EQ(nm_dmabuf_binding_refs(via), 1);
	T_ERR(nm_dmabuf_binding_unbind(via), -EINVAL);
	T_ERR(nm_dmabuf_binding_alloc_niovs(via, &niov, 1), -ENODEV);
	struct nm_page_pool_params pp = { .dev = e.nic, .dir = NM_DMA_FROM_DEVICE };

	T_OK(nm_page_pool_params_set_dmabuf(&pp, via));
	T_ERR(nm_page_pool_create(&pp, &p2), -ENODEV);

	/* memory still valid: the device writes, the application reads */
	struct nm_dmabuf *buf = nm_dmabuf_binding_dmabuf(via);
	T_OK(nm_dma_get_stats(e.nic, &ds0, sizeof(ds0)));
	for (int i = 0; i < N; i++) {
		char *cpu;
		uint64_t off = nm_net_iov_offset(nm_netmem_to_net_iov(nm[i]));

		T_OK(nm_dma_write(e.nic, dma[i] + 1000, "still here", 10));
		T_OK(nm_dmabuf_begin_cpu_access(buf, off + 1000, 10, NM_DMA_FROM_DEVICE,
						(void **)&cpu));
		T_ASSERT(!memcmp(cpu, "still here", 10));
		T_OK(nm_dmabuf_end_cpu_access(buf, off + 1000, 10, NM_DMA_FROM_DEVICE));
	}
	T_OK(nm_dma_get_stats(e.nic, &ds, sizeof(ds)));
	T_EQ(ds.faults_unmapped, ds0.faults_unmapped);

	/* return all but the last: still mapped */
	for (int i = 0; i < N - 1; i++)
		T_OK(nm_page_pool_put_netmem(pool, nm[i], false));
	T_EQ(t_live_mappings(e.nic), maps0 + 1);
	T_OK(nm_dma_write(e.nic, dma[N - 1], "last", 4));
	/* the last one frees the pool, then the binding: unmapped */
	T_OK(nm_page_pool_put_netmem(pool, nm[N - 1], false));
	T_EQ(t_live_mappings(e.nic), maps0);
	T_EQ(nm_dma_write(e.nic, dma[0], "gone", 4), -EFAULT);
	T_OK(nm_dma_get_stats(e.nic, &ds, sizeof(ds)));
	T_EQ(ds.faults_unmapped, ds0.faults_unmapped + 1);
	/* the attachment is gone too: the topology can be destroyed */
	t_env_fini(&e);
	T_PASS();
}
