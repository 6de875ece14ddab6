/* nm_netmem_t layout and accessors for both kinds: a host page and a
 * net_iov of a dma-buf binding, tag bit, common prefix, conversions. */
#include <stddef.h>

#include "t_pool.h"

int main(void)
{
	struct t_env e;
	struct nm_page_pool *hp, *dp;
	struct nm_dmabuf_binding *b;
	nm_netmem_t pg, nv;

	/* compile-time facts the header asserts, restated at run time */
	T_EQ(sizeof(nm_netmem_t), sizeof(void *));
	T_EQ(offsetof(struct nm_page, desc.pp_ref_count),
	     offsetof(struct nm_net_iov, desc.pp_ref_count));
	T_EQ(offsetof(struct nm_page, desc.dma_addr), offsetof(struct nm_net_iov, desc.dma_addr));
	T_ASSERT(_Alignof(struct nm_page) >= 2 && _Alignof(struct nm_net_iov) >= 2);

	t_env_init(&e);
	hp = t_host_pool(e.nic, 0, 0, NULL);
	b = t_gpu_binding(&e, 1 << 20, 4096);
	dp = t_dmabuf_pool(b, 0);

	/* host page */
	T_OK(nm_page_pool_alloc_netmem(hp, &pg));
	T_ASSERT(pg != 0);
	T_ASSERT(!nm_netmem_is_net_iov(pg));
	T_EQ(pg & 1, 0);
	T_ASSERT(nm_netmem_to_page(pg) != NULL);
	T_ASSERT(nm_netmem_to_net_iov(pg) == NULL);
	T_ASSERT(nm_page_to_netmem(nm_netmem_to_page(pg)) == pg);
	T_ASSERT(nm_netmem_pool(pg) == hp);
	T_ASSERT(nm_netmem_owner(pg) == NULL);
	T_ASSERT(nm_netmem_is_readable(pg));
	T_ASSERT(nm_netmem_address(pg) == nm_netmem_to_page(pg)->vaddr);
	T_ASSERT(nm_netmem_address(pg) != NULL);
	T_ASSERT(nm_netmem_dma_addr(pg) != 0);
	T_EQ(nm_netmem_dma_addr(pg), nm_netmem_to_page(pg)->desc.dma_addr);
	T_EQ(nm_netmem_ref_count(pg), 1);
	T_ASSERT((void *)nm_netmem_to_desc(pg) == (void *)nm_netmem_to_page(pg));
	memset(nm_netmem_address(pg), 0x5a, nm_page_pool_buf_size(hp));	/* writable */
	/* the device writes into it at its DMA address */
	T_OK(nm_dma_write(e.nic, nm_netmem_dma_addr(pg) + 100, "hello", 5));
	T_OK(nm_page_pool_dma_sync_for_cpu(hp, pg, 100, 5));
	T_ASSERT(!memcmp((char *)nm_netmem_address(pg) + 100, "hello", 5));

	/* net_iov */
	T_OK(nm_page_pool_alloc_netmem(dp, &nv));
	T_ASSERT(nv != 0);
	T_ASSERT(nm_netmem_is_net_iov(nv));
	T_EQ(nv & 1, 1);
	T_ASSERT(nm_netmem_to_page(nv) == NULL);
	struct nm_net_iov *niov = nm_netmem_to_net_iov(nv);
	T_ASSERT(niov != NULL);
	T_EQ((uintptr_t)niov & 1, 0);
	T_ASSERT(nm_net_iov_to_netmem(niov) == nv);
	T_ASSERT(nm_netmem_pool(nv) == dp);
	T_ASSERT(nm_netmem_owner(nv) == niov->owner);
	T_ASSERT(niov->owner->owner == b);
	T_EQ(niov->owner->type, NM_NET_IOV_DMABUF);
	T_ASSERT(!nm_netmem_is_readable(nv));
	T_ASSERT(nm_netmem_address(nv) == NULL);
	T_EQ(nm_netmem_dma_addr(nv), nm_net_iov_dma_addr(niov));
	T_EQ(nm_netmem_ref_count(nv), 1);
	T_EQ(nm_net_iov_size(niov), 4096);
	T_ASSERT((void *)nm_netmem_to_desc(nv) == (void *)niov);
	/* offset and dma address agree with the area */
	T_EQ(nm_net_iov_offset(niov),
	     niov->owner->base_virtual + (uint64_t)nm_net_iov_idx(niov) * 4096);
	T_EQ(nm_net_iov_dma_addr(niov),
	     niov->owner->base_dma + (uint64_t)nm_net_iov_idx(niov) * 4096);

	/* references through the common prefix, both kinds */
	T_EQ(nm_page_pool_ref_netmem(pg), 2);
	T_EQ(nm_page_pool_ref_netmem(nv), 2);
	T_EQ(nm_netmem_ref_count(pg), 2);
	T_EQ(nm_page_pool_unref_netmem(nv, 1), 1);
	T_OK(nm_page_pool_put_netmem(hp, pg, true));
	T_OK(nm_page_pool_put_netmem(hp, pg, true));
	T_OK(nm_page_pool_put_netmem(dp, nv, true));
	T_EQ(nm_netmem_ref_count(pg), 0);
	T_EQ(nm_netmem_ref_count(nv), 0);
	T_EQ(nm_page_pool_inflight(hp), 0);
	T_EQ(nm_page_pool_inflight(dp), 0);
	T_OK(nm_page_pool_check(hp));
	T_OK(nm_page_pool_check(dp));

	T_EQ(nm_page_pool_destroy(hp), 0);
	T_EQ(nm_page_pool_destroy(dp), 0);
	T_OK(nm_dmabuf_binding_unbind(b));
	t_env_fini(&e);
	T_PASS();
}
