/* The DMA engine: unmapped addresses and wrong directions are -EFAULT,
 * counted, and leave memory untouched; unmap invalidates at once. */
#include "t_util.h"
#include <netmem/dma.h>
#include <netmem/pci.h>

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_memobj *obj;
	struct nm_dma_mapping *rx, *tx;
	struct nm_dma_stats st;
	struct nm_phyr p[2];
	char buf[8192];
	uint64_t a, b;

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_memobj_create_anon(4 * NM_PAGE_SIZE, 0, &obj));
	char *host = nm_memobj_host_addr(obj);
	memset(host, 0x11, 4 * NM_PAGE_SIZE);
	T_EQ(nm_memobj_get_phyrs(obj, 0, NM_PAGE_SIZE, &p[0], 1), 1);
	T_EQ(nm_memobj_get_phyrs(obj, 2 * NM_PAGE_SIZE, NM_PAGE_SIZE, &p[1], 1), 1);
	T_OK(nm_dma_map(nic, &p[0], 1, NM_DMA_FROM_DEVICE, 0, &rx));	/* device writes */
	T_OK(nm_dma_map(nic, &p[1], 1, NM_DMA_TO_DEVICE, 0, &tx));	/* device reads */
	a = nm_dma_mapping_vecs(rx, NULL)[0].addr;
	b = nm_dma_mapping_vecs(tx, NULL)[0].addr;
	memset(buf, 0x22, sizeof(buf));

	T_OK(nm_dma_write(nic, a, buf, NM_PAGE_SIZE));
	T_EQ(host[0], 0x22);
	T_OK(nm_dma_read(nic, b, buf, 16));
	T_EQ(buf[0], 0x11);

	/* wrong direction */
	T_ERR(nm_dma_read(nic, a, buf, 16), -EFAULT);
	T_ERR(nm_dma_write(nic, b, buf, 16), -EFAULT);
	/* unmapped: below, past the end; and a write running from the
	 * FROM_DEVICE page into the TO_DEVICE one next to it in IOVA space:
	 * nothing lands, not even the part that was allowed */
	T_EQ(b, a + NM_PAGE_SIZE);
	memset(buf, 0x33, sizeof(buf));
	T_ERR(nm_dma_write(nic, 0, buf, 1), -EFAULT);
	T_ERR(nm_dma_write(nic, b + NM_PAGE_SIZE, buf, 1), -EFAULT);
	T_ERR(nm_dma_write(nic, a + 10, buf, NM_PAGE_SIZE), -EFAULT);
	T_EQ(host[10], 0x22);
	T_ERR(nm_dma_write(nic, UINT64_MAX - 2, buf, 8), -EFAULT);
	T_OK(nm_dma_get_stats(nic, &st, sizeof(st)));
	T_EQ(st.faults_direction, 3);
	T_EQ(st.faults_unmapped, 3);
	T_EQ(st.writes, 1);
	T_EQ(st.write_bytes, NM_PAGE_SIZE);
	T_EQ(st.reads, 1);

	/* unmap: the address is gone at once */
	T_OK(nm_dma_unmap(rx));
	T_ERR(nm_dma_write(nic, a, buf, 1), -EFAULT);
	T_EQ(host[0], 0x22);
	/* bad arguments */
	T_ERR(nm_dma_write(NULL, b, buf, 1), -EINVAL);
	T_ERR(nm_dma_read(nic, b, NULL, 1), -EINVAL);
	T_EQ(nm_dma_read(nic, 0, NULL, 0), 0);	/* zero-length is a no-op */
	T_OK(nm_dma_unmap(tx));
	T_OK(nm_dma_get_stats(nic, &st, sizeof(st)));
	T_EQ(st.faults_unmapped, 4);
	T_EQ(st.live_mappings, 0);
	nm_memobj_put(obj);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
