/* Invariant 1 through the dma-buf API: the CPU reaches device memory (and,
 * in mem/'s checking mode that the tests run in, a udmabuf's pages through
 * the buffer's view) only inside begin/end windows.  A stale pointer read after the window closed kills a forked
 * child with SIGSEGV, as does a pointer into a region never opened; the
 * DMA engine still writes the memory through an attachment mapping, and a
 * new window sees those bytes. */
#include "t_dmabuf.h"

static void prove(struct nm_dmabuf *b, struct nm_device *engine_dev, bool never_opened_check)
{
	struct nm_dmabuf_attachment *att;
	struct nm_dma_mapping *m;
	char *w;

	T_OK(nm_dmabuf_begin_cpu_access(b, 0, 100, NM_DMA_TO_DEVICE, (void **)&w));
	memset(w, 0x5a, 100);
	T_EQ(t_stray_read(w), 1003);		/* inside the window: readable */
	T_OK(nm_dmabuf_end_cpu_access(b, 0, 100, NM_DMA_TO_DEVICE));
	T_EQ(t_stray_read(w), SIGSEGV);		/* stale pointer */
	T_EQ(t_stray_read(w + 99), SIGSEGV);
	if (never_opened_check)
		T_EQ(t_stray_read(w + 3 * NM_PAGE_SIZE), SIGSEGV);	/* never opened */

	/* the engine still reaches the memory */
	T_OK(nm_dmabuf_attach(b, engine_dev, &att));
	T_OK(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, &m));
	T_OK(nm_dma_write(engine_dev, t_vec_addr(m, 3 * NM_PAGE_SIZE + 8), "by the engine", 13));
	char got[4];
	T_OK(nm_dma_read(engine_dev, t_vec_addr(m, 0), got, 4));
	T_ASSERT(!memcmp(got, "\x5a\x5a\x5a\x5a", 4));
	T_OK(nm_dmabuf_detach(att));

	/* a new window sees the engine's bytes, and only for its life */
	T_OK(nm_dmabuf_begin_cpu_access(b, 3 * NM_PAGE_SIZE + 8, 13, NM_DMA_FROM_DEVICE,
					(void **)&w));
	T_ASSERT(!memcmp(w, "by the engine", 13));
	T_OK(nm_dmabuf_end_cpu_access(b, 3 * NM_PAGE_SIZE + 8, 13, NM_DMA_FROM_DEVICE));
	T_EQ(t_stray_read(w), SIGSEGV);
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_dmabuf *d, *u;

	t_mem_check_mode();
	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));

	T_OK(nm_dmabuf_create_device(gpu, 8 * NM_PAGE_SIZE, &d));
	prove(d, nic, true);
	nm_dmabuf_put(d);

	int fd = t_memfd(8 * NM_PAGE_SIZE, F_SEAL_SHRINK);
	T_OK(nm_udmabuf_create(fd, 0, 8 * NM_PAGE_SIZE, 0, &u));
	prove(u, nic, true);
	nm_dmabuf_put(u);
	close(fd);

	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
