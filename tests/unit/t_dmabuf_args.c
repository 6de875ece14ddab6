/* Every public dma-buf function refuses NULL or invalid arguments with
 * -EINVAL (or the documented errno) and a message; getters return NULL/0
 * and leave a message.  Nothing crashes, and the buffer stays consistent. */
#include "t_dmabuf.h"
#include "dmabuf/dmabuf_internal.h"

/* A non-int call must set a message. */
#define T_MSG(expr)                                                        \
	do {                                                               \
		nm_clear_error();                                          \
		(void)(expr);                                              \
		if (nm_last_error()[0] == '\0')                            \
			T_FAIL("%s: no nm_last_error() message", #expr);   \
	} while (0)

static void on_move(struct nm_dmabuf_attachment *att)
{
	(void)att;
}

int main(void)
{
	const struct nm_dmabuf_attach_ops ops = { .move_notify = on_move };
	struct nm_dmabuf_attachment *att, *x;
	struct nm_dma_mapping *m;
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_dmabuf *b, *y;
	int fd;
	void *p;

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_dmabuf_create_host(4 * NM_PAGE_SIZE, &b));
	T_OK(nm_dmabuf_attach(b, nic, &att));

	/* getters */
	T_MSG(nm_dmabuf_get(NULL));
	T_ASSERT(nm_dmabuf_get(NULL) == NULL);
	nm_dmabuf_put(NULL);			/* a no-op, like free(NULL) */
	T_MSG(nm_dmabuf_priv(NULL));
	T_MSG(nm_dmabuf_size(NULL));
	T_EQ(nm_dmabuf_size(NULL), 0);
	T_MSG(nm_dmabuf_exp_name(NULL));
	T_ASSERT(nm_dmabuf_exp_name(NULL) == NULL);
	T_MSG(nm_dmabuf_ino(NULL));
	T_EQ(nm_dmabuf_ino(NULL), 0);
	T_MSG(nm_dmabuf_name(NULL));
	T_MSG(nm_dmabuf_resv(NULL));
	T_ASSERT(nm_dmabuf_resv(NULL) == NULL);
	T_MSG(nm_dmabuf_memobj(NULL));
	T_MSG(nm_dmabuf_attachment_buf(NULL));
	T_MSG(nm_dmabuf_attachment_dev(NULL));
	T_MSG(nm_dmabuf_attachment_priv(NULL));
	T_MSG(nm_dmabuf_attachment_is_dynamic(NULL));

	/* export, name */
	T_ERR(nm_dmabuf_export(NULL, &y), -EINVAL);
	T_ERR(nm_dmabuf_set_name(NULL, "n"), -EINVAL);
	T_ERR(nm_dmabuf_set_name(b, NULL), -EINVAL);

	/* attach */
	T_ERR(nm_dmabuf_attach(NULL, nic, &x), -EINVAL);
	T_ERR(nm_dmabuf_attach(b, NULL, &x), -EINVAL);
	T_ERR(nm_dmabuf_attach(b, nic, NULL), -EINVAL);
	T_ERR(nm_dmabuf_dynamic_attach(NULL, nic, &ops, NULL, &x), -EINVAL);
	T_ERR(nm_dmabuf_dynamic_attach(b, NULL, &ops, NULL, &x), -EINVAL);
	T_ERR(nm_dmabuf_dynamic_attach(b, nic, NULL, NULL, &x), -EINVAL);
	T_ERR(nm_dmabuf_dynamic_attach(b, nic, &ops, NULL, NULL), -EINVAL);
	T_ERR(nm_dmabuf_detach(NULL), -EINVAL);

	/* map */
	T_ERR(nm_dmabuf_map_attachment(NULL, NM_DMA_BIDIRECTIONAL, &m), -EINVAL);
	T_ERR(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, NULL), -EINVAL);
	T_ERR(nm_dmabuf_map_attachment(att, (enum nm_dma_dir)-1, &m), -EINVAL);
	T_ERR(nm_dmabuf_map_attachment(att, (enum nm_dma_dir)3, &m), -EINVAL);
	T_ERR(nm_dmabuf_unmap_attachment(NULL, (struct nm_dma_mapping *)&m), -EINVAL);
	T_ERR(nm_dmabuf_unmap_attachment(att, NULL), -EINVAL);
	T_ERR(nm_dmabuf_unmap_attachment(att, (struct nm_dma_mapping *)&m), -EINVAL);

	/* move */
	T_ERR(nm_dmabuf_move(NULL, 0), -EINVAL);

	/* CPU access */
	T_ERR(nm_dmabuf_begin_cpu_access(NULL, 0, 1, NM_DMA_TO_DEVICE, &p), -EINVAL);
	T_ERR(nm_dmabuf_begin_cpu_access(b, 0, 1, NM_DMA_TO_DEVICE, NULL), -EINVAL);
	T_ERR(nm_dmabuf_begin_cpu_access(b, 0, 1, (enum nm_dma_dir)9, &p), -EINVAL);
	T_ERR(nm_dmabuf_begin_cpu_access(b, 0, 0, NM_DMA_TO_DEVICE, &p), -EINVAL);
	T_ERR(nm_dmabuf_begin_cpu_access(b, UINT64_MAX, 2, NM_DMA_TO_DEVICE, &p), -EINVAL);
	T_ERR(nm_dmabuf_end_cpu_access(NULL, 0, 1, NM_DMA_TO_DEVICE), -EINVAL);
	T_ERR(nm_dmabuf_end_cpu_access(b, 0, 1, (enum nm_dma_dir)9), -EINVAL);
	T_ERR(nm_dmabuf_end_cpu_access(b, 0, 0, NM_DMA_TO_DEVICE), -EINVAL);
	T_ERR(nm_dmabuf_end_cpu_access(b, 0, 1, NM_DMA_TO_DEVICE), -EINVAL);	/* none open */
	/* an end that matches no window leaves the open one intact */
	T_OK(nm_dmabuf_begin_cpu_access(b, 0, 10, NM_DMA_TO_DEVICE, &p));
	T_ERR(nm_dmabuf_end_cpu_access(b, 0, 11, NM_DMA_TO_DEVICE), -EINVAL);
	T_OK(nm_dmabuf_end_cpu_access(b, 0, 10, NM_DMA_TO_DEVICE));

	/* mmap */
	T_ERR(nm_dmabuf_mmap(NULL, 0, 1, PROT_READ, &p), -EINVAL);
	T_ERR(nm_dmabuf_mmap(b, 0, 1, PROT_READ, NULL), -EINVAL);
	T_ERR(nm_dmabuf_mmap(b, 0, 1, 0x40, &p), -EINVAL);
	T_ERR(nm_dmabuf_munmap(NULL, &p, 1), -EINVAL);
	T_ERR(nm_dmabuf_munmap(b, NULL, 1), -EINVAL);
	T_ERR(nm_dmabuf_munmap(b, &p, 1), -EINVAL);

	/* exporters */
	T_ERR(nm_dmabuf_create_host(0, &y), -EINVAL);
	T_ERR(nm_dmabuf_create_host(NM_PAGE_SIZE + 1, &y), -EINVAL);
	T_ERR(nm_dmabuf_create_host(NM_PAGE_SIZE, NULL), -EINVAL);
	T_ERR(nm_dmabuf_create_device(NULL, NM_PAGE_SIZE, &y), -EINVAL);
	T_ERR(nm_dmabuf_create_device(nic, NM_PAGE_SIZE, NULL), -EINVAL);
	fd = t_memfd(NM_PAGE_SIZE, F_SEAL_SHRINK);
	T_ERR(nm_udmabuf_create(fd, 0, NM_PAGE_SIZE, 0, NULL), -EINVAL);
	T_ERR(nm_udmabuf_create(fd, 0, NM_PAGE_SIZE, ~0u, &y), -EINVAL);
	T_ERR(nm_dmabuf_import_fd(fd, NULL), -EINVAL);
	T_ERR(nm_dmabuf_import_fd(-5, &y), -EBADF);
	T_ERR(nm_kernel_udmabuf_create(fd, 0, NM_PAGE_SIZE, NULL), -EINVAL);
	T_ERR(nm_kernel_dma_heap_alloc(NULL, NM_PAGE_SIZE, &fd), -EINVAL);
	close(fd);

	T_OK(nm_dmabuf_assert_ok(b));
	T_ERR(nm_dmabuf_assert_ok(NULL), -EINVAL);
	T_OK(nm_dmabuf_detach(att));
	nm_dmabuf_put(b);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
