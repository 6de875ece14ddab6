/* Who may attach to device memory: the owner always; a peer only over a
 * usable P2P path (-EREMOTEIO for NOT_SUPPORTED), and a dynamic peer only
 * if it allows P2P addresses.  Device memory refuses mmap (-EACCES). */
#include "t_dmabuf.h"

static void on_move(struct nm_dmabuf_attachment *att)
{
	(void)att;
}

int main(void)
{
	const struct nm_dmabuf_attach_ops p2p = { .allow_peer2peer = true, .move_notify = on_move };
	const struct nm_dmabuf_attach_ops nop2p = { .move_notify = on_move };
	struct nm_dmabuf_attachment *att;
	struct nm_dma_mapping *m;
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_dmabuf *b;
	uint32_t n;
	void *x;

	/* two root complexes, no P2P between them */
	T_OK(nm_topo_create("rc0 { nic0 } rc1 { gpu0(mem=1G) }", &topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_dmabuf_create_device(gpu, 16 * NM_PAGE_SIZE, &b));
	T_ASSERT(!strcmp(nm_dmabuf_exp_name(b), "netmem-device"));
	T_ERR(nm_dmabuf_attach(b, nic, &att), -EREMOTEIO);
	T_ASSERT(strstr(nm_last_error(), "nic0") && strstr(nm_last_error(), "gpu0"));
	T_ERR(nm_dmabuf_dynamic_attach(b, nic, &p2p, NULL, &att), -EREMOTEIO);
	/* the owner reaches its own memory */
	T_OK(nm_dmabuf_dynamic_attach(b, gpu, &nop2p, NULL, &att));
	T_OK(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, &m));
	T_OK(nm_dma_write(gpu, t_vec_addr(m, 0), "own", 3));
	T_OK(nm_dmabuf_detach(att));
	T_ERR(nm_dmabuf_mmap(b, 0, NM_PAGE_SIZE, PROT_READ, &x), -EACCES);
	nm_dmabuf_put(b);
	T_OK(nm_topo_destroy(topo));

	/* the default topology: NIC and GPU behind one switch (BUS_ADDR) */
	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_dmabuf_create_device(gpu, 16 * NM_PAGE_SIZE, &b));
	T_ERR(nm_dmabuf_dynamic_attach(b, nic, &nop2p, NULL, &att), -EREMOTEIO);
	T_ASSERT(strstr(nm_last_error(), "allow_peer2peer"));
	T_OK(nm_dmabuf_dynamic_attach(b, nic, &p2p, NULL, &att));
	T_OK(nm_dmabuf_detach(att));
	T_OK(nm_dmabuf_attach(b, nic, &att));		/* static: takes P2P */
	T_OK(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, &m));
	T_ASSERT(nm_dma_mapping_vecs(m, &n)[0].flags & NM_DMA_VEC_P2P);
	T_OK(nm_dmabuf_detach(att));
	T_ERR(nm_dmabuf_mmap(b, 0, NM_PAGE_SIZE, PROT_READ | PROT_WRITE, &x), -EACCES);
	nm_dmabuf_put(b);
	T_OK(nm_topo_destroy(topo));

	/* through the host bridge (ACS redirect on the switch): still P2P for
	 * the importer, mapped with IOVAs */
	T_OK(nm_topo_create("rc0(p2p) { sw0(acs) { nic0 gpu0(mem=1G) } }", &topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_dmabuf_create_device(gpu, 16 * NM_PAGE_SIZE, &b));
	T_ERR(nm_dmabuf_dynamic_attach(b, nic, &nop2p, NULL, &att), -EREMOTEIO);
	T_OK(nm_dmabuf_attach(b, nic, &att));
	T_OK(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, &m));
	T_ASSERT(!(nm_dma_mapping_vecs(m, &n)[0].flags & NM_DMA_VEC_P2P));
	T_OK(nm_dma_write(nic, t_vec_addr(m, 5), "thru host", 9));
	T_OK(nm_dmabuf_detach(att));
	nm_dmabuf_put(b);

	/* devices without memory, bad sizes */
	T_ERR(nm_dmabuf_create_device(nic, NM_PAGE_SIZE, &b), -ENODEV);
	T_ERR(nm_dmabuf_create_device(gpu, 100, &b), -EINVAL);
	T_ERR(nm_dmabuf_create_device(gpu, 0, &b), -EINVAL);
	T_ERR(nm_dmabuf_create_device(NULL, NM_PAGE_SIZE, &b), -EINVAL);
	T_ERR(nm_dmabuf_create_device(gpu, NM_PAGE_SIZE, NULL), -EINVAL);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
