/* net_iov areas: one per dma_vec of a binding.  A dma-buf made of three
 * physically separate pieces, mapped for a NIC without an IOMMU, gives three
 * dma_vecs of 12, 20 and 24 KiB; with 8 KiB net_iovs that is 1, 2 and 3
 * net_iovs, 4 KiB tails unused.  Offsets, dma addresses, lookup by offset
 * and DMA writes all agree with the pieces. */
#include "t_pool.h"
#include <netmem/mem.h>

#define PG 4096u
static const struct { uint32_t obj_pg, npg; } piece[3] = { { 0, 3 }, { 4, 5 }, { 10, 6 } };

static struct nm_memobj *obj;

static int ex_map(struct nm_dmabuf_attachment *att, enum nm_dma_dir dir,
		  struct nm_dma_mapping **out)
{
	struct nm_phyr p[3];

	for (int i = 0; i < 3; i++)
		if (nm_memobj_get_phyrs(obj, (uint64_t)piece[i].obj_pg * PG,
				    (uint64_t)piece[i].npg * PG, &p[i], 1) != 1)
			return -EIO;
	return nm_dma_map(nm_dmabuf_attachment_dev(att), p, 3, dir, 0, out);
}

static void ex_unmap(struct nm_dmabuf_attachment *att, struct nm_dma_mapping *map)
{
	(void)att;
	nm_dma_unmap(map);
}

static void ex_release(struct nm_dmabuf *buf)
{
	(void)buf;
	nm_memobj_put(obj);
}

static const struct nm_dmabuf_ops ex_ops = {
	.map = ex_map, .unmap = ex_unmap, .release = ex_release,
};

/* Object offset of dma-buf offset off. */
static uint64_t obj_off(uint64_t off)
{
	for (int i = 0; i < 3; i++) {
		uint64_t len = (uint64_t)piece[i].npg * PG;

		if (off < len)
			return (uint64_t)piece[i].obj_pg * PG + off;
		off -= len;
	}
	T_FAIL("offset beyond the pieces");
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_dmabuf *buf;
	struct nm_dmabuf_binding *b;
	struct nm_net_iov_area *a;
	struct nm_net_iov *niov;
	struct nm_dmabuf_export_info info = {
		.exp_name = "t-pieces", .ops = &ex_ops, .size = 14 * PG,
	};
	/* area 0 at 0 (12 KiB), area 1 at 12 KiB (20 KiB), area 2 at 32 KiB */
	static const uint64_t expect[6] = { 0, 12 << 10, 20 << 10, 32 << 10, 40 << 10, 48 << 10 };

	T_OK(nm_topo_create("rc0 { sw0 { nic0(noiommu) } }", &topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_memobj_create_anon(20 * PG, 0, &obj));
	T_OK(nm_dmabuf_export(&info, &buf));

	/* 16 KiB net_iovs: the 12 KiB vec holds none, 20 KiB one, 24 KiB one */
	T_OK(nm_dmabuf_binding_create(buf, nic, NM_DMA_FROM_DEVICE, 16384, &b));
	T_EQ(nm_dmabuf_binding_num_areas(b), 3);
	T_EQ(nm_dmabuf_binding_num_niovs(b), 2);
	T_OK(nm_dmabuf_binding_unbind(b));

	T_OK(nm_dmabuf_binding_create(buf, nic, NM_DMA_FROM_DEVICE, 8192, &b));
	T_OK(nm_dmabuf_binding_check(b));
	T_EQ(nm_dmabuf_binding_num_areas(b), 3);
	T_EQ(nm_dmabuf_binding_num_niovs(b), 6);
	uint32_t nvec;
	const struct nm_dma_vec *v = nm_dma_mapping_vecs(nm_dmabuf_binding_mapping(b), &nvec);
	T_EQ(nvec, 3);
	uint64_t base = 0;
	for (uint32_t i = 0; i < 3; i++) {
		T_OK(nm_dmabuf_binding_area(b, i, &a));
		T_EQ(v[i].len, piece[i].npg * PG);
		T_EQ(a->num_niovs, piece[i].npg * PG / 8192);
		T_EQ(a->base_virtual, base);
		T_EQ(a->base_dma, v[i].addr);
		T_EQ(a->niov_shift, 13);
		T_ASSERT(a->owner == b);
		base += v[i].len;
	}
	T_ERR(nm_dmabuf_binding_area(b, 3, &a), -EINVAL);

	/* lookups by offset: inside a net_iov, in a tail, past the end */
	T_OK(nm_dmabuf_binding_niov_at(b, 13 * 1024, &niov));
	T_EQ(nm_net_iov_offset(niov), 12 << 10);
	T_OK(nm_dmabuf_binding_niov_at(b, 56 * 1024 - 1, &niov));
	T_EQ(nm_net_iov_offset(niov), 48 * 1024);
	T_ERR(nm_dmabuf_binding_niov_at(b, 8192, &niov), -ENOENT);
	T_ERR(nm_dmabuf_binding_niov_at(b, 28 * 1024, &niov), -ENOENT);
	T_ERR(nm_dmabuf_binding_niov_at(b, 56 * 1024, &niov), -EINVAL);

	/* a pool takes all six, in dma-buf order, and the device's writes to
	 * each land at its offset in the pieces */
	struct nm_page_pool *pool = t_dmabuf_pool(b, 16);
	nm_netmem_t nm[6];
	T_EQ(nm_page_pool_alloc_netmems(pool, nm, 6), 6);
	uint8_t *cpu = nm_memobj_host_addr(obj);
	memset(cpu, 0, 20 * PG);
	for (int i = 0; i < 6; i++) {
		struct nm_net_iov *n = nm_netmem_to_net_iov(nm[i]);
		uint64_t off = nm_net_iov_offset(n);
		char tag[32];
		struct nm_net_iov *back;

		T_OK(nm_dmabuf_binding_niov_at(b, off, &back));
		T_ASSERT(back == n);
		snprintf(tag, sizeof(tag), "niov@%llu", (unsigned long long)off);
		T_OK(nm_dma_write(nic, nm_netmem_dma_addr(nm[i]) + 8192 - sizeof(tag), tag,
				  sizeof(tag)));
		T_OK(nm_dma_write(nic, nm_netmem_dma_addr(nm[i]), tag, sizeof(tag)));
		T_ASSERT(!memcmp(cpu + obj_off(off), tag, sizeof(tag)));
		T_ASSERT(!memcmp(cpu + obj_off(off + 8192 - sizeof(tag)), tag, sizeof(tag)));
	}
	/* the expected six offsets, each once */
	for (int k = 0; k < 6; k++) {
		int found = 0;

		for (int i = 0; i < 6; i++)
			found += nm_net_iov_offset(nm_netmem_to_net_iov(nm[i])) == expect[k];
		T_EQ(found, 1);
	}
	/* the tails were never handed out: nothing else is left */
	nm_netmem_t x;
	T_ERR(nm_page_pool_alloc_netmem(pool, &x), -ENOMEM);
	for (int i = 0; i < 6; i++)
		T_OK(nm_page_pool_put_netmem(pool, nm[i], true));
	T_EQ(nm_page_pool_destroy(pool), 0);
	T_EQ(nm_dmabuf_binding_avail(b), 6);
	T_OK(nm_dmabuf_binding_unbind(b));
	nm_dmabuf_put(buf);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
