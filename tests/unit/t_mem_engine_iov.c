/* nm_dma_engine_iov: a device range as engine iovecs, checked and counted
 * like nm_dma_write/read, split at object runs. */
#include <sys/uio.h>

#include "t_util.h"
#include "mem/mem_internal.h"

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_memobj *s;
	struct nm_dma_mapping *m;
	struct nm_dma_stats st;
	struct nm_phyr p[8];
	struct iovec iov[8];

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_memobj_create_anon(8 * NM_PAGE_SIZE, NM_MEM_SCATTER, &s));
	T_EQ(nm_memobj_get_phyrs(s, 0, 8 * NM_PAGE_SIZE, p, 8), 8);
	/* in object order the engine sees one run however scattered the
	 * pages are physically */
	T_OK(nm_dma_map(nic, p, 8, NM_DMA_FROM_DEVICE, 0, &m));
	T_EQ(nm_dma_engine_iov(nic, nm_dma_mapping_vecs(m, NULL)[0].addr, 8 * NM_PAGE_SIZE,
			       true, iov, 8), 1);
	T_OK(nm_dma_unmap(m));
	/* in reverse order every page is its own run */
	for (int i = 0; i < 4; i++) {
		struct nm_phyr t = p[i];
		p[i] = p[7 - i];
		p[7 - i] = t;
	}
	T_OK(nm_dma_map(nic, p, 8, NM_DMA_FROM_DEVICE, 0, &m));
	uint64_t base = nm_dma_mapping_vecs(m, NULL)[0].addr;
	char *host = nm_memobj_host_addr(s);

	/* 100 bytes before a page boundary to 100 after the next: 3 pieces,
	 * object pages 7, 6 and 5 */
	int n = T_OK(nm_dma_engine_iov(nic, base + NM_PAGE_SIZE - 100, NM_PAGE_SIZE + 200, true,
				       iov, 8));
	T_EQ(n, 3);
	T_EQ(iov[0].iov_len + iov[1].iov_len + iov[2].iov_len, NM_PAGE_SIZE + 200);
	memset(iov[1].iov_base, 0x42, iov[1].iov_len);
	T_EQ(host[6 * NM_PAGE_SIZE], 0x42);		/* object page 6 */
	T_EQ(host[7 * NM_PAGE_SIZE - 1], 0x42);
	T_EQ(host[5 * NM_PAGE_SIZE + 99], 0);
	T_ERR(nm_dma_engine_iov(nic, base, 8 * NM_PAGE_SIZE, true, iov, 2), -ENOBUFS);
	T_ERR(nm_dma_engine_iov(nic, base, 16, false, iov, 8), -EFAULT);	/* direction */
	T_ERR(nm_dma_engine_iov(nic, base + 8 * NM_PAGE_SIZE, 1, true, iov, 8), -EFAULT);
	T_ERR(nm_dma_engine_iov(NULL, base, 1, true, iov, 8), -EINVAL);
	T_EQ(nm_dma_engine_iov(nic, base, 0, true, iov, 8), 0);
	T_OK(nm_dma_get_stats(nic, &st, sizeof(st)));
	T_EQ(st.writes, 2);
	T_EQ(st.write_bytes, 9 * NM_PAGE_SIZE + 200);
	T_EQ(st.faults_direction, 1);
	T_EQ(st.faults_unmapped, 1);
	T_OK(nm_dma_unmap(m));
	nm_memobj_put(s);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
