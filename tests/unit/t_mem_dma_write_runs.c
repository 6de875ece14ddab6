/* SPDX-License-Identifier: MIT */
/*
 * nm_dma_write_runs(): several device ranges written from one source in
 * one engine call (the NIC's RX path writes a frame's buffers this way).
 * The bytes land back to back across runs, pieces past the remembered
 * eight are looked up again, the call counts as one write of all the
 * bytes, and a run that is unmapped or mapped the wrong way fails the call
 * with -EFAULT before any run is written.  Bad arguments are errors.
 */
#include "t_util.h"
#include "mem/mem_internal.h"
#include <netmem/dma.h>
#include <netmem/pci.h>

#define PAGES 16

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_memobj *obj;
	struct nm_dma_mapping *rx[PAGES], *tx;
	struct nm_dma_run runs[PAGES];
	struct nm_dma_stats st0, st;
	struct nm_phyr p;
	static uint8_t src[PAGES * NM_PAGE_SIZE];
	uint64_t ta, total = 0;
	uint8_t *host;

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_memobj_create_anon((PAGES + 1) * NM_PAGE_SIZE, 0, &obj));
	host = nm_memobj_host_addr(obj);
	memset(host, 0x11, (PAGES + 1) * NM_PAGE_SIZE);
	/* one mapping per page, mapped in reverse so IOVAs and memory run in
	 * opposite directions; the last page is TO_DEVICE only */
	for (int i = PAGES - 1; i >= 0; i--) {
		T_EQ(nm_memobj_get_phyrs(obj, (uint64_t)i * NM_PAGE_SIZE, NM_PAGE_SIZE, &p, 1), 1);
		T_OK(nm_dma_map(nic, &p, 1, NM_DMA_FROM_DEVICE, 0, &rx[i]));
	}
	T_EQ(nm_memobj_get_phyrs(obj, (uint64_t)PAGES * NM_PAGE_SIZE, NM_PAGE_SIZE, &p, 1), 1);
	T_OK(nm_dma_map(nic, &p, 1, NM_DMA_TO_DEVICE, 0, &tx));
	ta = nm_dma_mapping_vecs(tx, NULL)[0].addr;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 13 + 5);

	/* runs of odd lengths and offsets, one per page, in page order */
	for (int i = 0; i < PAGES; i++) {
		uint64_t off = (uint64_t)(i * 37) % 512, len = NM_PAGE_SIZE - off - (uint64_t)i;

		runs[i].addr = nm_dma_mapping_vecs(rx[i], NULL)[0].addr + off;
		runs[i].len = len;
		total += len;
	}
	T_OK(nm_dma_get_stats(nic, &st0, sizeof(st0)));
	T_OK(nm_dma_write_runs(nic, runs, PAGES, src));
	T_OK(nm_dma_get_stats(nic, &st, sizeof(st)));
	T_EQ(st.writes - st0.writes, 1);
	T_EQ(st.write_bytes - st0.write_bytes, total);
	{
		uint64_t at = 0;

		for (int i = 0; i < PAGES; i++) {
			uint64_t off = (uint64_t)(i * 37) % 512;

			T_ASSERT(!memcmp(host + (uint64_t)i * NM_PAGE_SIZE + off, src + at,
					 runs[i].len));
			if (off)
				T_EQ(host[(uint64_t)i * NM_PAGE_SIZE + off - 1], 0x11);
			at += runs[i].len;
		}
	}

	/* a bad run anywhere: nothing written, not even the good runs */
	memset(host, 0x11, PAGES * NM_PAGE_SIZE);
	runs[5].addr = ta;	/* mapped, but only for the device to read */
	T_ERR(nm_dma_write_runs(nic, runs, PAGES, src), -EFAULT);
	runs[5].addr = 0;	/* unmapped */
	T_ERR(nm_dma_write_runs(nic, runs, PAGES, src), -EFAULT);
	runs[5].addr = UINT64_MAX - 2;	/* wraps */
	runs[5].len = 8;
	T_ERR(nm_dma_write_runs(nic, runs, PAGES, src), -EFAULT);
	for (uint64_t i = 0; i < (uint64_t)PAGES * NM_PAGE_SIZE; i++)
		if (host[i] != 0x11)
			T_FAIL("byte %llu written by a failed call", (unsigned long long)i);
	T_OK(nm_dma_get_stats(nic, &st0, sizeof(st0)));
	T_EQ(st0.writes, st.writes);
	T_EQ(st0.faults_direction - st.faults_direction, 1);
	T_EQ(st0.faults_unmapped - st.faults_unmapped, 2);

	/* arguments */
	T_ERR(nm_dma_write_runs(NULL, runs, 1, src), -EINVAL);
	T_ERR(nm_dma_write_runs(nic, NULL, 1, src), -EINVAL);
	runs[0].addr = nm_dma_mapping_vecs(rx[0], NULL)[0].addr;
	runs[0].len = 16;
	T_ERR(nm_dma_write_runs(nic, runs, 1, NULL), -EINVAL);
	T_OK(nm_dma_write_runs(nic, runs, 0, NULL));	/* nothing to do */
	runs[0].len = 0;
	T_OK(nm_dma_write_runs(nic, runs, 1, NULL));	/* zero bytes */

	for (int i = 0; i < PAGES; i++)
		T_OK(nm_dma_unmap(rx[i]));
	T_OK(nm_dma_unmap(tx));
	nm_memobj_put(obj);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
