/* The mode programs get by default (no NM_MEM_CHECK): a memfd object's CPU
 * view, and a kernel dma-buf's, is read-write from creation, as the pages
 * of a udmabuf are through its mmap on Linux; CPU-access windows on them
 * are counted and checked but never mprotect the view, so a pointer kept
 * past its window still reads and writes.  Device memory keeps its
 * discipline: PROT_NONE outside windows, a stale pointer faults. */
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "t_util.h"
#include "mem/mem_internal.h"
#include <netmem/dma.h>
#include <netmem/pci.h>

#define PAGES 16

/* obj is host-reachable memory in the fast mode: every claim above. */
static void prove_open(struct nm_memobj *obj, uint8_t *app, struct nm_device *nic)
{
	struct nm_dma_mapping *m;
	struct nm_phyr p[PAGES];
	char perms[5], got[8];
	char *w, *w2;
	int n;

	T_ASSERT(obj->cpu != MAP_FAILED);
	t_map_perms(obj->cpu, perms);
	T_ASSERT(!strcmp(perms, "rw-s"));		/* read-write from creation */

	/* a read window: the view keeps its write permission, no mprotect */
	T_OK(nm_memobj_cpu_begin(obj, 100, 5000, NM_CPU_READ, (void **)&w));
	t_map_perms(w, perms);
	T_ASSERT(!strcmp(perms, "rw-s"));
	memset(w, 0x5a, 5000);				/* what Linux allows too */
	T_EQ(obj->nr_win, 1);
	T_OK(nm_memobj_cpu_end(obj, 100, 5000));
	T_EQ(obj->nr_win, 0);

	/* past the window: the stale pointer still reads, and writes reach
	 * the application's own mapping of the pages */
	T_EQ(t_stray_read(w), 1003);
	T_EQ(t_stray_read(w + 4999), 1003);
	T_EQ(t_stray_read(w + 10 * NM_PAGE_SIZE), 1002);	/* never opened */
	memcpy(w + 8 * NM_PAGE_SIZE, "outside", 8);
	T_ASSERT(!memcmp(app + 100 + 8 * NM_PAGE_SIZE, "outside", 8));
	T_EQ(app[100], 0x5a);

	/* the DMA engine sees them */
	n = T_OK(nm_memobj_get_phyrs(obj, 0, PAGES * NM_PAGE_SIZE, p, PAGES));
	T_OK(nm_dma_map(nic, p, (size_t)n, NM_DMA_BIDIRECTIONAL, 0, &m));
	T_EQ(nm_dma_mapping_vecs(m, NULL)[0].len, PAGES * NM_PAGE_SIZE);
	uint64_t base = nm_dma_mapping_vecs(m, NULL)[0].addr;
	T_OK(nm_dma_read(nic, base + 100 + 8 * NM_PAGE_SIZE, got, 8));
	T_ASSERT(!memcmp(got, "outside", 8));
	T_OK(nm_dma_unmap(m));

	/* windows still count: overlapping ones, ends that match none */
	T_OK(nm_memobj_cpu_begin(obj, 0, 10, NM_CPU_READ | NM_CPU_WRITE, (void **)&w));
	T_OK(nm_memobj_cpu_begin(obj, 0, 2 * NM_PAGE_SIZE, NM_CPU_READ, (void **)&w2));
	T_EQ(obj->nr_win, 2);
	T_ERR(nm_memobj_cpu_end(obj, 0, 11), -EINVAL);
	T_OK(nm_memobj_cpu_end(obj, 0, 10));
	T_ERR(nm_memobj_cpu_end(obj, 0, 10), -EINVAL);
	T_OK(nm_memobj_cpu_end(obj, 0, 2 * NM_PAGE_SIZE));
	T_EQ(obj->nr_win, 0);

	/* a thousand windows later: not one mprotect, the view unchanged */
	for (int i = 0; i < 1000; i++) {
		T_OK(nm_memobj_cpu_begin(obj, (uint64_t)i * 61, 4000,
					 i & 1 ? NM_CPU_READ : NM_CPU_READ | NM_CPU_WRITE,
					 (void **)&w));
		T_OK(nm_memobj_cpu_end(obj, (uint64_t)i * 61, 4000));
	}
	T_EQ(obj->win_mprotects, 0);
	t_map_perms(obj->cpu, perms);
	T_ASSERT(!strcmp(perms, "rw-s"));
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_memobj *m, *k, *d;
	uint64_t size = PAGES * NM_PAGE_SIZE;
	char perms[5];
	uint8_t *app;
	char *w;
	int fd;

	/* the default: what a program gets without NM_MEM_CHECK */
	unsetenv("NM_MEM_CHECK");
	T_ASSERT(!nm_mem_checking());
	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));

	fd = memfd_create("t_mem_cpu_fast", MFD_CLOEXEC);
	T_ASSERT(fd >= 0 && ftruncate(fd, (off_t)size) == 0);
	app = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	T_ASSERT(app != MAP_FAILED);

	T_OK(nm_memobj_create_memfd(fd, 0, size, NM_MEM_SCATTER, &m));
	T_ASSERT(m->guarded == false);
	prove_open(m, app, nic);
	nm_memobj_put(m);

	/* the fd-backed kind of an imported kernel dma-buf (any mmap-able fd) */
	memset(app, 0, size);
	T_OK(nm_memobj_create_fd(fd, 0, size, NM_MEM_KERNEL_DMABUF, 0, &k));
	T_EQ(nm_memobj_kind(k), NM_MEM_KERNEL_DMABUF);
	prove_open(k, app, nic);
	nm_memobj_put(k);

	/* device memory: the CPU cannot reach it outside a window */
	T_OK(nm_memobj_create_device(gpu, size, 0, &d));
	T_ASSERT(d->guarded);
	t_map_perms(d->cpu, perms);
	T_ASSERT(!strcmp(perms, "---s"));
	T_OK(nm_memobj_cpu_begin(d, 100, 5000, NM_CPU_READ | NM_CPU_WRITE, (void **)&w));
	memset(w, 0x5a, 5000);
	T_EQ(t_stray_read(w), 1003);
	T_OK(nm_memobj_cpu_end(d, 100, 5000));
	T_EQ(t_stray_read(w), SIGSEGV);
	t_map_perms(d->cpu, perms);
	T_ASSERT(!strcmp(perms, "---s"));
	T_ASSERT(d->win_mprotects >= 2);		/* opened, closed */
	nm_memobj_put(d);

	munmap(app, size);
	close(fd);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
