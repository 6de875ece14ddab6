/* nm_dma_map: IOVA coalescing, phyr order, page offsets, P2P bus addresses. */
#include "t_util.h"
#include <netmem/dma.h>
#include <netmem/pci.h>

static uint32_t nvecs(struct nm_dma_mapping *m, const struct nm_dma_vec **v)
{
	uint32_t n;

	*v = nm_dma_mapping_vecs(m, &n);
	return n;
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic, *gpu, *nic1, *gpu1, *nic3;
	struct nm_memobj *s, *g, *g1;
	struct nm_dma_mapping *m;
	const struct nm_dma_vec *v;
	struct nm_phyr p[64];

	T_OK(nm_topo_create("rc0(p2p,busoff=0x1000000) { sw0 { nic0 gpu0(mem=1G) } "
			    "sw1(acs) { nic1 gpu1(mem=1G) } } rc1 { nic3 }", &topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_topo_get_device(topo, "nic1", &nic1));
	T_OK(nm_topo_get_device(topo, "gpu1", &gpu1));
	T_OK(nm_topo_get_device(topo, "nic3", &nic3));

	/* 32 scattered pages: 32 phyrs, one contiguous IOVA run -> one vec */
	T_OK(nm_memobj_create_anon(32 * NM_PAGE_SIZE, NM_MEM_SCATTER, &s));
	T_EQ(nm_memobj_get_phyrs(s, 0, 32 * NM_PAGE_SIZE, p, 64), 32);
	T_EQ(nm_dma_map(nic, p, 32, NM_DMA_BIDIRECTIONAL, 0, &m), 1);
	T_EQ(nvecs(m, &v), 1);
	T_EQ(v[0].len, 32 * NM_PAGE_SIZE);
	T_EQ(v[0].flags, 0);
	T_EQ(nm_dma_mapping_len(m), 32 * NM_PAGE_SIZE);
	/* the device sees the object's bytes in object order */
	for (int i = 0; i < 32; i++) {
		uint32_t x = 0xa0000000u + (uint32_t)i;
		T_OK(nm_dma_write(nic, v[0].addr + (uint64_t)i * NM_PAGE_SIZE + 12, &x, 4));
		T_EQ(*(uint32_t *)((char *)nm_memobj_host_addr(s) + i * NM_PAGE_SIZE + 12), x);
	}
	/* a write spanning scattered pages lands in order */
	char buf[3 * 4096], back[3 * 4096];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	T_OK(nm_dma_write(nic, v[0].addr + 4000, buf, sizeof(buf)));
	T_ASSERT(!memcmp((char *)nm_memobj_host_addr(s) + 4000, buf, sizeof(buf)));
	T_OK(nm_dma_read(nic, v[0].addr + 4000, back, sizeof(back)));
	T_ASSERT(!memcmp(back, buf, sizeof(buf)));
	T_OK(nm_dma_unmap(m));

	/* sub-page phyrs: a range that ends mid-page breaks IOVA contiguity */
	struct nm_phyr q[3] = {
		{ p[0].addr, 100 },		/* ends mid-page */
		{ p[1].addr, NM_PAGE_SIZE },	/* page-aligned */
		{ p[2].addr + 512, 1024 },	/* starts mid-page */
	};
	T_EQ(nm_dma_map(nic, q, 3, NM_DMA_TO_DEVICE, 0, &m), 3);
	T_EQ(nvecs(m, &v), 3);
	T_EQ(v[0].len, 100);
	T_EQ(v[1].addr % NM_PAGE_SIZE, 0);
	T_EQ(v[2].addr % NM_PAGE_SIZE, 512);
	T_EQ(nm_dma_mapping_dir(m), NM_DMA_TO_DEVICE);
	T_OK(nm_dma_unmap(m));

	/* two calls get disjoint IOVA */
	struct nm_dma_mapping *m2;
	T_OK(nm_dma_map(nic, p, 1, NM_DMA_BIDIRECTIONAL, 0, &m));
	T_OK(nm_dma_map(nic, p, 1, NM_DMA_BIDIRECTIONAL, 0, &m2));
	T_ASSERT(nm_dma_mapping_vecs(m, NULL)[0].addr != nm_dma_mapping_vecs(m2, NULL)[0].addr);
	T_OK(nm_dma_unmap(m2));
	T_OK(nm_dma_unmap(m));

	/* P2P: gpu0 memory for nic0 under sw0: bus address = phys + busoff */
	T_OK(nm_memobj_create_device(gpu, 1 << 20, 0, &g));
	struct nm_phyr gp;
	T_EQ(nm_memobj_get_phyrs(g, 0, 1 << 20, &gp, 1), 1);
	T_EQ(nm_dma_map(nic, &gp, 1, NM_DMA_FROM_DEVICE, 0, &m), 1);
	T_EQ(nvecs(m, &v), 1);
	T_EQ(v[0].flags, NM_DMA_VEC_P2P);
	T_EQ(v[0].addr, gp.addr + 0x1000000);
	uint64_t val = 0x1122334455667788ull;
	T_OK(nm_dma_write(nic, v[0].addr + 8, &val, 8));
	/* mixing host and peer memory keeps phyr order in the vec list */
	struct nm_phyr mix[3] = { p[0], gp, p[1] };
	mix[0].len = mix[2].len = NM_PAGE_SIZE;
	T_EQ(nm_dma_map(nic, mix, 3, NM_DMA_BIDIRECTIONAL, 0, &m2), 3);
	T_EQ(nvecs(m2, &v), 3);
	T_EQ(v[0].flags, 0);
	T_EQ(v[1].flags, NM_DMA_VEC_P2P);
	T_EQ(v[2].flags, 0);
	uint64_t got = 0;
	T_OK(nm_dma_read(nic, v[1].addr + 8, &got, 8));
	T_EQ(got, val);
	T_OK(nm_dma_unmap(m2));
	T_OK(nm_dma_unmap(m));

	/* through an ACS-redirecting switch: via the host bridge, so an IOVA */
	T_OK(nm_memobj_create_device(gpu1, 1 << 20, 0, &g1));
	T_EQ(nm_memobj_get_phyrs(g1, 0, 1 << 20, &gp, 1), 1);
	T_EQ(nm_dma_map(nic1, &gp, 1, NM_DMA_BIDIRECTIONAL, 0, &m), 1);
	T_EQ(nm_dma_mapping_vecs(m, NULL)[0].flags, 0);
	T_OK(nm_dma_unmap(m));
	/* from another root complex that does not forward P2P: refused */
	T_ERR(nm_dma_map(nic3, &gp, 1, NM_DMA_BIDIRECTIONAL, 0, &m), -EREMOTEIO);

	/* bad arguments */
	struct nm_phyr bad = { 4096, 4096 };
	T_ERR(nm_dma_map(nic, &bad, 1, NM_DMA_BIDIRECTIONAL, 0, &m), -EINVAL);
	bad = p[0];
	bad.len = 0;
	T_ERR(nm_dma_map(nic, &bad, 1, NM_DMA_BIDIRECTIONAL, 0, &m), -EINVAL);
	bad.len = 64 * NM_PAGE_SIZE;	/* past the object's end */
	T_ERR(nm_dma_map(nic, &bad, 1, NM_DMA_BIDIRECTIONAL, 0, &m), -EINVAL);
	bad.len = UINT64_MAX;
	T_ERR(nm_dma_map(nic, &bad, 1, NM_DMA_BIDIRECTIONAL, 0, &m), -EINVAL);
	T_ERR(nm_dma_map(NULL, p, 1, NM_DMA_BIDIRECTIONAL, 0, &m), -EINVAL);
	T_ERR(nm_dma_map(nic, NULL, 1, NM_DMA_BIDIRECTIONAL, 0, &m), -EINVAL);
	T_ERR(nm_dma_map(nic, p, 0, NM_DMA_BIDIRECTIONAL, 0, &m), -EINVAL);
	T_ERR(nm_dma_map(nic, p, 1, 7, 0, &m), -EINVAL);
	T_ERR(nm_dma_map(nic, p, 1, NM_DMA_BIDIRECTIONAL, 1, &m), -EINVAL);
	T_ERR(nm_dma_map(nic, p, 1, NM_DMA_BIDIRECTIONAL, 0, NULL), -EINVAL);
	T_ERR(nm_dma_unmap(NULL), -EINVAL);
	T_ERR(nm_dma_sync_for_cpu(NULL, 0, 1), -EINVAL);
	T_OK(nm_dma_map(nic, p, 1, NM_DMA_BIDIRECTIONAL, 0, &m));
	T_OK(nm_dma_sync_for_cpu(m, 0, NM_PAGE_SIZE));
	T_OK(nm_dma_sync_for_device(m, 100, 10));
	T_ERR(nm_dma_sync_for_cpu(m, 0, NM_PAGE_SIZE + 1), -EINVAL);
	T_ERR(nm_dma_sync_for_device(m, NM_PAGE_SIZE, 1), -EINVAL);
	T_ERR(nm_dma_sync_for_device(m, 0, 0), -EINVAL);
	T_ERR(nm_topo_destroy(topo), -EBUSY);	/* mapping outstanding */
	T_OK(nm_dma_unmap(m));

	struct nm_dma_stats st;
	T_OK(nm_dma_get_stats(nic, &st, sizeof(st)));
	T_EQ(st.live_mappings, 0);
	T_EQ(st.mapped_bytes, 0);
	T_EQ(st.maps, st.unmaps);
	T_ERR(nm_dma_get_stats(NULL, &st, sizeof(st)), -EINVAL);
	nm_memobj_put(g1);
	nm_memobj_put(g);
	nm_memobj_put(s);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
