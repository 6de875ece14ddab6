/* Static and dynamic attachments: accessors, refusals, several importers on
 * one buffer, detach tearing down mappings the importer left behind, and
 * device references released so the topology can go. */
#include "t_dmabuf.h"
#include "dmabuf/dmabuf_internal.h"

static void on_move(struct nm_dmabuf_attachment *att)
{
	(void)att;
}

int main(void)
{
	const struct nm_dmabuf_attach_ops dyn_ops = { .allow_peer2peer = true,
						      .move_notify = on_move };
	const struct nm_dmabuf_attach_ops no_notify = { .allow_peer2peer = true };
	struct nm_dmabuf_attachment *s, *d, *x;
	struct nm_dma_mapping *m1, *m2, *md;
	struct nm_dma_stats st;
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_dmabuf *b;
	int cookie;
	char got[8];

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_dmabuf_create_host(16 * NM_PAGE_SIZE, &b));

	/* static */
	T_OK(nm_dmabuf_attach(b, nic, &s));
	T_ASSERT(nm_dmabuf_attachment_buf(s) == b);
	T_ASSERT(nm_dmabuf_attachment_dev(s) == nic);
	T_ASSERT(!nm_dmabuf_attachment_is_dynamic(s));
	T_ASSERT(nm_dmabuf_attachment_priv(s) == NULL);

	/* dynamic, a second importer on the same buffer */
	T_OK(nm_dmabuf_dynamic_attach(b, gpu, &dyn_ops, &cookie, &d));
	T_ASSERT(nm_dmabuf_attachment_is_dynamic(d));
	T_ASSERT(nm_dmabuf_attachment_priv(d) == &cookie);
	T_ASSERT(nm_dmabuf_attachment_dev(d) == gpu);
	T_OK(nm_dmabuf_assert_ok(b));

	/* refusals */
	T_ERR(nm_dmabuf_dynamic_attach(b, nic, &no_notify, NULL, &x), -EINVAL);
	T_ERR(nm_dmabuf_dynamic_attach(b, nic, NULL, NULL, &x), -EINVAL);
	T_ERR(nm_dmabuf_dynamic_attach(b, NULL, &dyn_ops, NULL, &x), -EINVAL);
	T_ERR(nm_dmabuf_dynamic_attach(b, nic, &dyn_ops, NULL, NULL), -EINVAL);
	T_ERR(nm_dmabuf_dynamic_attach(NULL, nic, &dyn_ops, NULL, &x), -EINVAL);
	T_ERR(nm_dmabuf_attach(b, NULL, &x), -EINVAL);
	T_ERR(nm_dmabuf_attach(NULL, nic, &x), -EINVAL);
	T_ERR(nm_dmabuf_attach(b, nic, NULL), -EINVAL);

	/* two mappings on the static attachment, one on the dynamic one */
	T_OK(nm_dmabuf_map_attachment(s, NM_DMA_FROM_DEVICE, &m1));
	T_OK(nm_dmabuf_map_attachment(s, NM_DMA_TO_DEVICE, &m2));
	T_OK(nm_dmabuf_map_attachment(d, NM_DMA_BIDIRECTIONAL, &md));
	T_EQ(nm_dma_mapping_dir(m1), NM_DMA_FROM_DEVICE);
	T_OK(nm_dma_get_stats(nic, &st, sizeof(st)));
	T_EQ(st.live_mappings, 2);
	/* a mapping of another attachment is not ours to unmap */
	T_ERR(nm_dmabuf_unmap_attachment(s, md), -EINVAL);
	T_ERR(nm_dmabuf_unmap_attachment(s, NULL), -EINVAL);
	T_OK(nm_dmabuf_unmap_attachment(s, m2));
	T_ERR(nm_dmabuf_unmap_attachment(s, m2), -EINVAL);	/* not twice */

	/* detach unmaps what is left: the old address faults afterwards */
	uint64_t a1 = t_vec_addr(m1, 0);
	T_OK(nm_dma_write(nic, a1, "x", 1));
	T_OK(nm_dmabuf_detach(s));
	T_OK(nm_dma_get_stats(nic, &st, sizeof(st)));
	T_EQ(st.live_mappings, 0);
	T_ERR(nm_dma_write(nic, a1, "x", 1), -EFAULT);

	/* the dynamic importer still works */
	T_OK(nm_dma_write(gpu, t_vec_addr(md, 5), "dynamic", 7));
	T_OK(nm_dma_read(gpu, t_vec_addr(md, 5), got, 7));
	T_ASSERT(!memcmp(got, "dynamic", 7));
	T_OK(nm_dmabuf_assert_ok(b));

	/* devices stay referenced while attached */
	T_ERR(nm_topo_destroy(topo), -EBUSY);
	T_OK(nm_dmabuf_unmap_attachment(d, md));
	T_OK(nm_dmabuf_detach(d));
	T_ERR(nm_dmabuf_detach(NULL), -EINVAL);
	nm_dmabuf_put(b);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
