/* What stops a move: a static attachment (-EBUSY, it pins), an open CPU
 * window (-EBUSY), an exporter that cannot move (-EOPNOTSUPP).  A refused
 * move leaves mappings valid and notifies nobody. */
#include "t_dmabuf.h"
#include "dmabuf/dmabuf_internal.h"

static int notified;

static void on_move(struct nm_dmabuf_attachment *att)
{
	(void)att;
	notified++;
}

int main(void)
{
	const struct nm_dmabuf_attach_ops ops = { .allow_peer2peer = true, .move_notify = on_move };
	struct nm_dmabuf_attachment *st, *dy;
	struct nm_dma_mapping *m;
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_dmabuf *b, *h;
	void *cpu;

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_dmabuf_create_device(gpu, 4 * NM_PAGE_SIZE, &b));

	T_OK(nm_dmabuf_dynamic_attach(b, nic, &ops, NULL, &dy));
	T_OK(nm_dmabuf_map_attachment(dy, NM_DMA_BIDIRECTIONAL, &m));
	T_OK(nm_dmabuf_attach(b, gpu, &st));
	T_ERR(nm_dmabuf_move(b, 0), -EBUSY);
	T_ASSERT(strstr(nm_last_error(), "static"));
	T_EQ(notified, 0);
	T_OK(nm_dma_write(nic, t_vec_addr(m, 0), "ok", 2));	/* still mapped */
	T_OK(nm_dmabuf_detach(st));

	T_OK(nm_dmabuf_begin_cpu_access(b, 0, 10, NM_DMA_TO_DEVICE, &cpu));
	T_ERR(nm_dmabuf_move(b, 0), -EBUSY);
	T_ASSERT(strstr(nm_last_error(), "window"));
	T_OK(nm_dmabuf_end_cpu_access(b, 0, 10, NM_DMA_TO_DEVICE));
	T_EQ(notified, 0);

	T_OK(nm_dmabuf_move(b, 0));
	T_EQ(notified, 1);
	T_OK(nm_dmabuf_detach(dy));
	nm_dmabuf_put(b);

	/* host and udmabuf pages do not move */
	T_OK(nm_dmabuf_create_host(NM_PAGE_SIZE, &h));
	T_ERR(nm_dmabuf_move(h, 0), -EOPNOTSUPP);
	nm_dmabuf_put(h);
	int fd = t_memfd(NM_PAGE_SIZE, F_SEAL_SHRINK);
	T_OK(nm_udmabuf_create(fd, 0, NM_PAGE_SIZE, 0, &h));
	T_ERR(nm_dmabuf_move(h, 0), -EOPNOTSUPP);
	nm_dmabuf_put(h);
	close(fd);

	T_ERR(nm_dmabuf_move(NULL, 0), -EINVAL);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
