/* dmabuf provider: net_iovs of 4 KiB and 64 KiB carry dma addresses inside
 * the binding's mapping and offsets inside the dma-buf; what the DMA engine
 * writes at nm_netmem_dma_addr() lands in the dma-buf at nm_net_iov_offset()
 * (read back through a CPU-access window); page-pool-get info names the
 * binding. */
#include "t_pool.h"

static void check_size(struct t_env *e, uint32_t niov_size)
{
	/* one vec of 2 MiB + 12 KiB: with 64 KiB net_iovs the tail is unused */
	uint64_t size = (2 << 20) + 12288;
	struct nm_dmabuf_binding *b = t_gpu_binding(e, size, niov_size);
	struct nm_dmabuf *buf = nm_dmabuf_binding_dmabuf(b);
	uint64_t n = nm_dmabuf_binding_num_niovs(b), i;
	struct nm_page_pool *pool;
	struct nm_page_pool_info info;
	nm_netmem_t *nm = calloc(n, sizeof(*nm));
	uint8_t *seen = calloc(n, 1);
	const struct nm_dma_vec *v;
	uint32_t nvec;
	char tag[48];

	T_EQ(n, size / niov_size);
	T_EQ(nm_dmabuf_binding_niov_size(b), niov_size);
	T_OK(nm_dmabuf_binding_set_id(b, 77));
	v = nm_dma_mapping_vecs(nm_dmabuf_binding_mapping(b), &nvec);
	T_ASSERT(nvec >= 1);

	pool = t_dmabuf_pool(b, 0);
	T_EQ(nm_page_pool_buf_size(pool), niov_size);
	T_OK(nm_page_pool_get_info(pool, &info));
	T_ASSERT(!strcmp(info.mp_name, "dmabuf"));
	T_ASSERT(info.unreadable);
	T_EQ(info.dmabuf_id, 77);
	T_EQ(info.dmabuf_ino, nm_dmabuf_ino(buf));
	T_EQ(info.buf_size, niov_size);
	T_EQ(info.detach_time_ns, 0);

	T_EQ(nm_page_pool_alloc_netmems(pool, nm, (unsigned int)n), (int)n);
	for (i = 0; i < n; i++) {
		struct nm_net_iov *niov = nm_netmem_to_net_iov(nm[i]);
		uint64_t off = nm_net_iov_offset(niov), dma = nm_netmem_dma_addr(nm[i]);
		bool inside = false;

		T_ASSERT(niov != NULL);
		T_ASSERT(!nm_netmem_is_readable(nm[i]));
		T_ASSERT(nm_netmem_address(nm[i]) == NULL);
		/* offset: a whole net_iov inside the dma-buf, each once */
		T_ASSERT(off + niov_size <= size);
		T_EQ(off % niov_size, 0);
		T_EQ(seen[off / niov_size]++, 0);
		/* dma address: a whole net_iov inside one vec of the mapping */
		for (uint32_t k = 0; k < nvec; k++)
			inside |= dma >= v[k].addr && dma + niov_size <= v[k].addr + v[k].len;
		T_ASSERT(inside);
		/* the device writes a tag at both ends of the net_iov */
		memset(tag, 0, sizeof(tag));	/* all 48 bytes are written and compared */
		snprintf(tag, sizeof(tag), "niov %llu of %u", (unsigned long long)off, niov_size);
		T_OK(nm_dma_write(e->nic, dma, tag, sizeof(tag)));
		T_OK(nm_dma_write(e->nic, dma + niov_size - sizeof(tag), tag, sizeof(tag)));
		T_OK(nm_page_pool_dma_sync_for_cpu(pool, nm[i], 0, niov_size));
	}
	/* the application reads them at the offsets recvmsg would report */
	for (i = 0; i < n; i++) {
		uint64_t off = nm_net_iov_offset(nm_netmem_to_net_iov(nm[i]));
		char *cpu;

		memset(tag, 0, sizeof(tag));	/* all 48 bytes are written and compared */
		snprintf(tag, sizeof(tag), "niov %llu of %u", (unsigned long long)off, niov_size);
		T_OK(nm_dmabuf_begin_cpu_access(buf, off, niov_size, NM_DMA_FROM_DEVICE,
						(void **)&cpu));
		T_ASSERT(!memcmp(cpu, tag, sizeof(tag)));
		T_ASSERT(!memcmp(cpu + niov_size - sizeof(tag), tag, sizeof(tag)));
		T_OK(nm_dmabuf_end_cpu_access(buf, off, niov_size, NM_DMA_FROM_DEVICE));
	}
	/* a write past the end of the mapping is refused by the engine */
	uint64_t end = v[nvec - 1].addr + v[nvec - 1].len;
	T_ASSERT(nm_dma_write(e->nic, end, tag, 1) == -EFAULT);

	T_EQ(nm_page_pool_inflight(pool), (int64_t)n);
	T_OK(nm_page_pool_get_info(pool, &info));
	T_EQ(info.inflight, (int64_t)n);
	T_EQ(info.inflight_mem, n * niov_size);
	for (i = 0; i < n; i++)
		T_OK(nm_page_pool_put_netmem(pool, nm[i], (i & 1) == 0));
	T_EQ(nm_page_pool_inflight(pool), 0);
	T_OK(nm_page_pool_check(pool));
	T_OK(nm_dmabuf_binding_check(b));
	T_EQ(nm_page_pool_destroy(pool), 0);
	T_EQ(nm_dmabuf_binding_avail(b), n);
	T_OK(nm_dmabuf_binding_unbind(b));
	free(nm);
	free(seen);
}

int main(void)
{
	struct t_env e;
	uint64_t maps0;

	t_env_init(&e);
	maps0 = t_live_mappings(e.nic);
	check_size(&e, 4096);
	check_size(&e, 65536);
	T_EQ(t_live_mappings(e.nic), maps0);
	t_env_fini(&e);
	T_PASS();
}
