/* 1 GiB mapped as 262144 4-KiB phyrs and as one phyr: same single dma_vec,
 * and the engine reaches every part of it. */
#include <sys/mman.h>
#include <unistd.h>
#include "t_util.h"
#include "util/err.h"
#include <netmem/dma.h>
#include <netmem/pci.h>

#define GIB (1ULL << 30)

static void probe(struct nm_device *nic, struct nm_memobj *obj, uint64_t base)
{
	/* spots across the whole GiB, including page and vec boundaries */
	uint64_t offs[] = { 0, 4095, 4096, 123456789, GIB / 2 - 3, GIB - 8 };

	for (size_t i = 0; i < NM_ARRAY_SIZE(offs); i++) {
		uint64_t v = 0x5a5a000000000000ull | offs[i], got = 0;
		void *w;

		T_OK(nm_dma_write(nic, base + offs[i], &v, 8));
		T_OK(nm_memobj_cpu_begin(obj, offs[i], 8, NM_CPU_READ, &w));
		memcpy(&got, w, 8);
		T_OK(nm_memobj_cpu_end(obj, offs[i], 8));
		T_EQ(got, v);
	}
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_memobj *obj;
	struct nm_dma_mapping *m;
	const struct nm_dma_vec *v;
	uint32_t n;
	size_t np = GIB / NM_PAGE_SIZE;
	struct nm_phyr *p = malloc(np * sizeof(*p)), one;

	T_ASSERT(p);
	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	/* memfd-backed (CPU view PROT_NONE): pages are not touched by mapping */
	int fd = memfd_create("g", MFD_CLOEXEC);
	T_ASSERT(fd >= 0 && ftruncate(fd, (off_t)GIB) == 0);
	T_OK(nm_memobj_create_memfd(fd, 0, GIB, 0, &obj));
	close(fd);
	T_EQ(nm_memobj_get_phyrs(obj, 0, GIB, &one, 1), 1);
	for (size_t i = 0; i < np; i++)
		p[i] = (struct nm_phyr){ one.addr + i * NM_PAGE_SIZE, NM_PAGE_SIZE };

	T_EQ(nm_dma_map(nic, p, np, NM_DMA_BIDIRECTIONAL, 0, &m), 1);
	v = nm_dma_mapping_vecs(m, &n);
	T_EQ(n, 1);
	T_EQ(v[0].len, GIB);
	T_EQ(m == NULL, 0);
	probe(nic, obj, v[0].addr);
	T_OK(nm_dma_unmap(m));

	T_EQ(nm_dma_map(nic, &one, 1, NM_DMA_BIDIRECTIONAL, 0, &m), 1);
	v = nm_dma_mapping_vecs(m, &n);
	T_EQ(n, 1);
	T_EQ(v[0].len, GIB);
	probe(nic, obj, v[0].addr);
	T_OK(nm_dma_unmap(m));

	/* a scattered GiB: 262144 phyrs that are not physically contiguous
	 * still come out as one IOVA-contiguous vec */
	struct nm_memobj *sc;
	T_OK(nm_memobj_create_anon(GIB, NM_MEM_SCATTER, &sc));
	T_EQ(nm_memobj_get_phyrs(sc, 0, GIB, p, np), (int)np);
	T_EQ(nm_dma_map(nic, p, np, NM_DMA_BIDIRECTIONAL, 0, &m), 1);
	v = nm_dma_mapping_vecs(m, &n);
	T_EQ(v[0].len, GIB);
	probe(nic, sc, v[0].addr);
	T_OK(nm_dma_unmap(m));
	nm_memobj_put(sc);

	nm_memobj_put(obj);
	free(p);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
