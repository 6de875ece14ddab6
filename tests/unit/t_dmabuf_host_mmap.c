/* The host exporter allows lasting mmaps: they share the buffer's pages
 * with the DMA engine and CPU windows, hold a reference on the buffer, and
 * are checked (alignment, range, prot, munmap of what was mapped). */
#include "t_dmabuf.h"
#include "dmabuf/dmabuf_internal.h"

int main(void)
{
	struct nm_physmap_stats ps0, ps1;
	struct nm_dmabuf_attachment *att;
	struct nm_dma_mapping *m;
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_dmabuf *b;
	char *p, *q, got[16];
	void *x;

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_physmap_get_stats(&ps0, sizeof(ps0)));
	T_OK(nm_dmabuf_create_host(8 * NM_PAGE_SIZE, &b));
	T_ASSERT(!strcmp(nm_dmabuf_exp_name(b), "netmem-host"));

	T_OK(nm_dmabuf_mmap(b, 2 * NM_PAGE_SIZE, 100, PROT_READ | PROT_WRITE, (void **)&p));
	memcpy(p + 10, "host mmap", 9);

	/* the engine sees it */
	T_OK(nm_dmabuf_attach(b, nic, &att));
	T_OK(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, &m));
	T_OK(nm_dma_read(nic, t_vec_addr(m, 2 * NM_PAGE_SIZE + 10), got, 9));
	T_ASSERT(!memcmp(got, "host mmap", 9));
	T_OK(nm_dma_write(nic, t_vec_addr(m, 2 * NM_PAGE_SIZE + 50), "engine", 6));
	T_ASSERT(!memcmp(p + 50, "engine", 6));
	T_OK(nm_dmabuf_detach(att));

	/* a read-only mmap of the whole buffer */
	T_OK(nm_dmabuf_mmap(b, 0, 8 * NM_PAGE_SIZE, PROT_READ, (void **)&q));
	T_ASSERT(!memcmp(q + 2 * NM_PAGE_SIZE + 50, "engine", 6));

	/* refusals */
	T_ERR(nm_dmabuf_mmap(b, 100, 10, PROT_READ, &x), -EINVAL);		/* unaligned */
	T_ERR(nm_dmabuf_mmap(b, 0, 9 * NM_PAGE_SIZE, PROT_READ, &x), -EINVAL);	/* too long */
	T_ERR(nm_dmabuf_mmap(b, 8 * NM_PAGE_SIZE, 1, PROT_READ, &x), -EINVAL);	/* past end */
	T_ERR(nm_dmabuf_mmap(b, 0, 0, PROT_READ, &x), -EINVAL);
	T_ERR(nm_dmabuf_mmap(b, 0, 10, 0, &x), -EINVAL);
	T_ERR(nm_dmabuf_mmap(b, 0, 10, PROT_EXEC | PROT_READ, &x), -EINVAL);
	T_ERR(nm_dmabuf_mmap(b, 0, 10, PROT_READ, NULL), -EINVAL);
	T_ERR(nm_dmabuf_mmap(NULL, 0, 10, PROT_READ, &x), -EINVAL);
	T_ERR(nm_dmabuf_munmap(b, p + 1, 100), -EINVAL);	/* not what we mapped */
	T_ERR(nm_dmabuf_munmap(b, p, 99), -EINVAL);		/* wrong length */
	T_ERR(nm_dmabuf_munmap(b, NULL, 100), -EINVAL);
	T_ERR(nm_dmabuf_munmap(NULL, p, 100), -EINVAL);

	/* mmaps keep the buffer alive after the creator's put */
	nm_dmabuf_put(b);
	T_OK(nm_physmap_get_stats(&ps1, sizeof(ps1)));
	T_EQ(ps1.objects, ps0.objects + 1);
	T_ASSERT(!memcmp(p + 10, "host mmap", 9));
	T_OK(nm_dmabuf_munmap(b, p, 100));
	T_OK(nm_dmabuf_munmap(b, q, 8 * NM_PAGE_SIZE));	/* the last reference */
	T_OK(nm_physmap_get_stats(&ps1, sizeof(ps1)));
	T_EQ(ps1.objects, ps0.objects);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
