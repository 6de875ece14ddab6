/* Mapping an attachment gives dma_vecs that cover the whole buffer in
 * buffer order, and what the DMA engine writes through them lands exactly
 * where a CPU window reads it (host buffer with scattered pages, and a
 * udmabuf). */
#include "t_dmabuf.h"

#define NPAGES 37

static void check_buffer(struct nm_dmabuf *b, struct nm_device *nic)
{
	uint64_t size = nm_dmabuf_size(b), off;
	struct nm_dmabuf_attachment *att;
	struct nm_dma_mapping *m;
	uint32_t nvec, i;
	uint8_t *cpu, chunk[3000];
	uint64_t seed = 42;

	T_OK(nm_dmabuf_attach(b, nic, &att));
	T_OK(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, &m));
	const struct nm_dma_vec *v = nm_dma_mapping_vecs(m, &nvec);
	T_ASSERT(nvec >= 1);
	T_EQ(t_vecs_total(m), size);
	T_EQ(nm_dma_mapping_len(m), size);
	for (i = 0; i < nvec; i++)
		T_ASSERT(v[i].len > 0);

	/* the device writes the whole buffer, chunk by chunk, through the
	 * vecs in order; chunks straddle vec boundaries on purpose */
	for (off = 0; off < size; off += sizeof(chunk)) {
		uint64_t n = size - off < sizeof(chunk) ? size - off : sizeof(chunk);
		uint64_t done = 0;

		for (i = 0; i < n; i++)
			chunk[i] = (uint8_t)t_rand(&seed);
		while (done < n) {
			uint64_t a = t_vec_addr(m, off + done), run = 1;

			/* longest run inside one vec */
			while (done + run < n && t_vec_addr(m, off + done + run) == a + run)
				run++;
			T_OK(nm_dma_write(nic, a, chunk + done, run));
			done += run;
		}
	}
	/* the CPU window sees the same bytes at the same offsets */
	T_OK(nm_dmabuf_begin_cpu_access(b, 0, size, NM_DMA_FROM_DEVICE, (void **)&cpu));
	seed = 42;
	for (off = 0; off < size; off++)
		if (cpu[off] != (uint8_t)t_rand(&seed))
			T_FAIL("byte %llu differs", (unsigned long long)off);
	T_OK(nm_dmabuf_end_cpu_access(b, 0, size, NM_DMA_FROM_DEVICE));

	/* and the CPU's writes reach the device */
	T_OK(nm_dmabuf_begin_cpu_access(b, size - 10, 10, NM_DMA_TO_DEVICE, (void **)&cpu));
	memcpy(cpu, "cpu-wrote!", 10);
	T_OK(nm_dmabuf_end_cpu_access(b, size - 10, 10, NM_DMA_TO_DEVICE));
	char got[10];
	T_OK(nm_dma_read(nic, t_vec_addr(m, size - 10), got, 10));
	T_ASSERT(!memcmp(got, "cpu-wrote!", 10));

	/* window argument checks */
	T_ERR(nm_dmabuf_end_cpu_access(b, 0, 1, NM_DMA_TO_DEVICE), -EINVAL);	/* none open */
	T_ERR(nm_dmabuf_begin_cpu_access(b, size, 1, NM_DMA_TO_DEVICE, (void **)&cpu), -EINVAL);
	T_ERR(nm_dmabuf_begin_cpu_access(b, 0, size + 1, NM_DMA_TO_DEVICE, (void **)&cpu), -EINVAL);
	T_ERR(nm_dmabuf_begin_cpu_access(b, 1, UINT64_MAX, NM_DMA_TO_DEVICE, (void **)&cpu), -EINVAL);
	T_ERR(nm_dmabuf_begin_cpu_access(b, 0, 0, NM_DMA_TO_DEVICE, (void **)&cpu), -EINVAL);
	T_ERR(nm_dmabuf_begin_cpu_access(b, 0, 1, (enum nm_dma_dir)3, (void **)&cpu), -EINVAL);
	T_ERR(nm_dmabuf_begin_cpu_access(b, 0, 1, NM_DMA_TO_DEVICE, NULL), -EINVAL);
	T_ERR(nm_dmabuf_map_attachment(att, (enum nm_dma_dir)7, &m), -EINVAL);

	T_OK(nm_dmabuf_unmap_attachment(att, m));
	T_OK(nm_dmabuf_detach(att));
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_dmabuf *h, *u;
	uint32_t nvec;

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));

	T_OK(nm_dmabuf_create_host(NPAGES * NM_PAGE_SIZE, &h));
	check_buffer(h, nic);
	nm_dmabuf_put(h);

	/* a udmabuf over pages 3.. of a memfd */
	int fd = t_memfd((NPAGES + 5) * NM_PAGE_SIZE, F_SEAL_SHRINK);
	T_OK(nm_udmabuf_create(fd, 3 * NM_PAGE_SIZE, NPAGES * NM_PAGE_SIZE, 0, &u));
	check_buffer(u, nic);
	/* the application's memfd sees what the device wrote */
	char *app = mmap(NULL, (NPAGES + 5) * NM_PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	T_ASSERT(app != MAP_FAILED);
	T_ASSERT(!memcmp(app + 3 * NM_PAGE_SIZE + NPAGES * NM_PAGE_SIZE - 10, "cpu-wrote!", 10));
	munmap(app, (NPAGES + 5) * NM_PAGE_SIZE);
	nm_dmabuf_put(u);
	close(fd);

	/* a device buffer is one contiguous run: the NIC behind the same
	 * switch gets P2P bus addresses */
	struct nm_device *gpu;
	struct nm_dmabuf *g;
	struct nm_dmabuf_attachment *att;
	struct nm_dma_mapping *m;
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_dmabuf_create_device(gpu, 8 * NM_PAGE_SIZE, &g));
	T_OK(nm_dmabuf_attach(g, nic, &att));
	T_OK(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, &m));
	const struct nm_dma_vec *v = nm_dma_mapping_vecs(m, &nvec);
	T_EQ(nvec, 1);
	T_EQ(v[0].len, 8 * NM_PAGE_SIZE);
	T_ASSERT(v[0].flags & NM_DMA_VEC_P2P);
	T_OK(nm_dmabuf_detach(att));
	nm_dmabuf_put(g);

	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
