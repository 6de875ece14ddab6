/* Device memory is PROT_NONE outside CPU-access windows: a stray read by
 * code holding a stale pointer faults, while the DMA engine and an open
 * window see the bytes.  In mem/'s checking mode (NM_MEM_CHECK=1, the
 * tests' mode) so are a memfd's pages, through the object's CPU view. */
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "t_util.h"
#include <netmem/dma.h>
#include <netmem/pci.h>

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_memobj *d;
	struct nm_dma_mapping *m;
	struct nm_phyr p;
	char *w, *w2;

	t_mem_check_mode();
	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_memobj_create_device(gpu, 16 * NM_PAGE_SIZE, 0, &d));

	/* the application writes through a window */
	T_OK(nm_memobj_cpu_begin(d, 100, 5000, NM_CPU_READ | NM_CPU_WRITE, (void **)&w));
	memset(w, 0x7f, 5000);
	T_ASSERT(t_stray_read(w) >= 1000);	/* inside the window: readable */
	T_OK(nm_memobj_cpu_end(d, 100, 5000));
	T_EQ(t_stray_read(w), SIGSEGV);		/* stale pointer faults */
	T_EQ(t_stray_read(w + 4900), SIGSEGV);

	/* the engine still reaches it */
	T_EQ(nm_memobj_get_phyrs(d, 0, 16 * NM_PAGE_SIZE, &p, 1), 1);
	T_OK(nm_dma_map(nic, &p, 1, NM_DMA_BIDIRECTIONAL, 0, &m));
	uint64_t base = nm_dma_mapping_vecs(m, NULL)[0].addr;
	char got[16];
	T_OK(nm_dma_read(nic, base + 100, got, sizeof(got)));
	T_EQ(got[0], 0x7f);
	T_OK(nm_dma_write(nic, base + 8 * NM_PAGE_SIZE, "devmem", 6));

	/* overlapping windows: closing one keeps the other's pages open */
	T_OK(nm_memobj_cpu_begin(d, 8 * NM_PAGE_SIZE, 10, NM_CPU_READ, (void **)&w));
	T_OK(nm_memobj_cpu_begin(d, 8 * NM_PAGE_SIZE, NM_PAGE_SIZE * 2, NM_CPU_READ,
				 (void **)&w2));
	T_ASSERT(!memcmp(w, "devmem", 6));
	T_OK(nm_memobj_cpu_end(d, 8 * NM_PAGE_SIZE, 10));
	T_ASSERT(t_stray_read(w2) >= 1000);
	T_ASSERT(t_stray_read(w2 + NM_PAGE_SIZE) >= 1000);
	T_OK(nm_memobj_cpu_end(d, 8 * NM_PAGE_SIZE, NM_PAGE_SIZE * 2));
	T_EQ(t_stray_read(w2), SIGSEGV);
	/* a page never opened faults */
	T_EQ(t_stray_read(w2 + 6 * NM_PAGE_SIZE), SIGSEGV);

	/* window errors */
	T_ERR(nm_memobj_cpu_end(d, 0, 1), -EINVAL);
	T_ERR(nm_memobj_cpu_begin(d, 0, 0, NM_CPU_READ, (void **)&w), -EINVAL);
	T_ERR(nm_memobj_cpu_begin(d, 0, 17 * NM_PAGE_SIZE, NM_CPU_READ, (void **)&w), -EINVAL);
	T_ERR(nm_memobj_cpu_begin(d, 0, 1, 0, (void **)&w), -EINVAL);
	T_ERR(nm_memobj_cpu_begin(d, 0, 1, 8, (void **)&w), -EINVAL);
	T_ERR(nm_memobj_cpu_begin(d, 0, 1, NM_CPU_READ, NULL), -EINVAL);
	T_ERR(nm_memobj_cpu_begin(NULL, 0, 1, NM_CPU_READ, (void **)&w), -EINVAL);

	T_OK(nm_dma_unmap(m));
	nm_memobj_put(d);

	/* memfd pages in the checking mode: the same discipline */
	struct nm_memobj *mf;
	char perms[5];
	int fd = memfd_create("t_mem_stray_read", MFD_CLOEXEC);

	T_ASSERT(fd >= 0 && ftruncate(fd, 16 * NM_PAGE_SIZE) == 0);
	T_OK(nm_memobj_create_memfd(fd, 0, 16 * NM_PAGE_SIZE, NM_MEM_SCATTER, &mf));
	T_OK(nm_memobj_cpu_begin(mf, 100, 5000, NM_CPU_READ | NM_CPU_WRITE, (void **)&w));
	memset(w, 0x5a, 5000);
	T_EQ(t_stray_read(w), 1003);
	t_map_perms(w, perms);
	T_ASSERT(!strcmp(perms, "rw-s"));
	T_OK(nm_memobj_cpu_end(mf, 100, 5000));
	T_EQ(t_stray_read(w), SIGSEGV);
	T_EQ(t_stray_read(w + 4999), SIGSEGV);
	T_EQ(t_stray_read(w + 10 * NM_PAGE_SIZE), SIGSEGV);	/* never opened */
	t_map_perms(w, perms);
	T_ASSERT(!strcmp(perms, "---s"));
	/* a read window opens its pages read-only */
	T_OK(nm_memobj_cpu_begin(mf, 0, 10, NM_CPU_READ, (void **)&w));
	t_map_perms(w, perms);
	T_ASSERT(!strcmp(perms, "r--s"));
	T_OK(nm_memobj_cpu_end(mf, 0, 10));
	nm_memobj_put(mf);
	close(fd);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
