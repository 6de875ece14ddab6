/* SPDX-License-Identifier: MIT */
/*
 * The host-page provider maps each block of buffers once, whole: the
 * device's IOMMU holds one mapping per block, not one per buffer, and every
 * buffer's device address still reaches exactly its own bytes, with an
 * IOMMU or without one (bus addresses: a block of scattered pages maps to
 * many ranges, and each buffer must be found inside its own).
 */
#include <string.h>

#include "t_pool.h"

#define BLOCK 16

/* DMA a pattern to each buffer's device address (and at an offset, checked
 * through dma_sync_for_cpu) and read it back through its CPU address. */
static void check_addresses(struct nm_device *dev, struct nm_page_pool *pool,
			    const nm_netmem_t *nms, int n, uint32_t size)
{
	uint8_t pat[64];

	for (int i = 0; i < n; i++) {
		const struct nm_netmem_desc *d = nm_netmem_to_desc(nms[i]);
		uint8_t *va = nm_netmem_address(nms[i]);

		memset(pat, 0x40 + i, sizeof(pat));
		T_OK(nm_dma_write(dev, d->dma_addr, pat, sizeof(pat)));
		T_OK(nm_dma_write(dev, d->dma_addr + size - sizeof(pat), pat, sizeof(pat)));
		T_OK(nm_page_pool_dma_sync_for_cpu(pool, nms[i], size - 64, 64));
		T_ASSERT(!memcmp(va, pat, sizeof(pat)));
		T_ASSERT(!memcmp(va + size - sizeof(pat), pat, sizeof(pat)));
	}
	/* neighbours were not touched past their own ends: each buffer's
	 * middle still holds what the allocator left (zero) */
	for (int i = 0; i < n; i++)
		T_EQ(((uint8_t *)nm_netmem_address(nms[i]))[size / 2], 0);
}

static void run(struct nm_device *dev, uint32_t order, uint32_t mem_flags)
{
	struct nm_mp_host_params hp = { .block_bufs = BLOCK, .mem_flags = mem_flags };
	uint32_t size = 4096u << order;
	uint64_t maps0 = t_live_mappings(dev);
	struct nm_page_pool *pool = t_host_pool(dev, order, 256, &hp);
	struct nm_mp_host_stats hs;
	nm_netmem_t nms[3 * BLOCK];

	T_EQ(nm_page_pool_alloc_netmems(pool, nms, 3 * BLOCK), 3 * BLOCK);
	T_OK(nm_mp_host_get_stats(pool, &hs));
	T_EQ(hs.blocks, (hs.out + BLOCK - 1) / BLOCK);	/* the pool takes buffers in bulk */
	T_EQ(t_live_mappings(dev), maps0 + hs.blocks);
	check_addresses(dev, pool, nms, 3 * BLOCK, size);
	/* a whole block back in the provider: its mapping goes with it */
	for (int i = 0; i < 3 * BLOCK; i++)
		T_OK(nm_page_pool_put_netmem(pool, nms[i], false));
	T_EQ(nm_page_pool_destroy(pool), 0);
	T_EQ(t_live_mappings(dev), maps0);
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic, *bare;

	T_OK(nm_topo_create("rc0 { nic0 nic1(noiommu) }", &topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "nic1", &bare));
	T_ASSERT(nm_device_has_iommu(nic) && !nm_device_has_iommu(bare));
	run(nic, 0, 0);
	run(nic, 1, NM_MEM_SCATTER);	/* the IOMMU makes it contiguous */
	run(bare, 0, 0);		/* one bus range */
	/* scattered pages: many bus ranges, each 4 KiB buffer inside one */
	run(bare, 0, NM_MEM_SCATTER);
	run(bare, 2, 0);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
