/* Regressions (review) for dma-buf moves:
 *  - an invalidated mapping was freed while the importer still held it, so
 *    its next map could get the same address and the late unmap of the old
 *    handle destroyed the new, live mapping;
 *  - a move held no reference, so an importer detaching from move_notify
 *    (dropping the last reference) freed the buffer under the move. */
#include "t_util.h"
#include <netmem/dma.h>
#include <netmem/dmabuf.h>
#include <netmem/pci.h>

static int notified;

static void mark(struct nm_dmabuf_attachment *att)
{
	(void)att;
	notified++;
}

static void detach_now(struct nm_dmabuf_attachment *att)
{
	notified++;
	T_OK(nm_dmabuf_detach(att));
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_dmabuf *buf;
	struct nm_dmabuf_attachment *att;
	struct nm_dma_mapping *m1, *m2;
	struct nm_dmabuf_attach_ops ops = { .allow_peer2peer = true, .move_notify = mark };

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_dmabuf_create_device(gpu, 1 << 20, &buf));
	T_OK(nm_dmabuf_dynamic_attach(buf, nic, &ops, NULL, &att));

	for (int round = 0; round < 50; round++) {
		T_OK(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, &m1));
		uint64_t a1 = nm_dma_mapping_vecs(m1, NULL)[0].addr;
		T_OK(nm_dmabuf_move(buf, -1));
		/* the old device address is gone, the handle is not */
		T_ERR(nm_dma_write(nic, a1, "x", 1), -EFAULT);
		T_OK(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, &m2));
		T_ASSERT(m2 != m1);
		T_OK(nm_dmabuf_unmap_attachment(att, m1));	/* the late unmap */
		uint64_t a2 = nm_dma_mapping_vecs(m2, NULL)[0].addr;
		T_OK(nm_dma_write(nic, a2, "live", 4));	/* m2 still works */
		T_OK(nm_dmabuf_unmap_attachment(att, m2));
	}
	T_EQ(notified, 50);
	T_OK(nm_dmabuf_detach(att));

	/* an importer that detaches in move_notify drops the last reference */
	ops.move_notify = detach_now;
	T_OK(nm_dmabuf_dynamic_attach(buf, nic, &ops, NULL, &att));
	nm_dmabuf_put(buf);	/* the attachment holds the only reference now */
	T_OK(nm_dmabuf_move(buf, -1));	/* must not touch freed memory (ASan) */
	T_EQ(notified, 51);
	T_OK(nm_topo_destroy(topo));	/* everything was released */
	T_PASS();
}
