/* A udmabuf by default (no NM_MEM_CHECK) costs what it costs on Linux: its
 * pages are readable and writable through the buffer's CPU view at any
 * time, and begin/end_cpu_access is bookkeeping (no mprotect), but the
 * dma-buf layer still counts the windows (an end that matches none is
 * -EINVAL, the checker holds) and begin still waits for the fences of
 * device work.  A device-memory dma-buf keeps faulting outside windows. */
#include <pthread.h>

#include "t_dmabuf.h"
#include "dmabuf/dmabuf_internal.h"
#include "mem/mem_internal.h"

#define SIZE (8 * NM_PAGE_SIZE)

static void *signaler(void *arg)
{
	usleep(100 * 1000);
	T_OK(nm_fence_signal(arg, 0));
	return NULL;
}

int main(void)
{
	struct nm_dmabuf_attachment *att;
	struct nm_dma_mapping *m;
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_dmabuf *u, *d;
	struct nm_fence *wf;
	pthread_t th;
	char perms[5], got[8];
	char *w, *w2;

	unsetenv("NM_MEM_CHECK");
	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));

	int fd = t_memfd(SIZE, F_SEAL_SHRINK);
	T_OK(nm_udmabuf_create(fd, 0, SIZE, 0, &u));
	t_map_perms(u->memobj->cpu, perms);
	T_ASSERT(!strcmp(perms, "rw-s"));

	/* windows: counted by the dma-buf layer, free of mprotect */
	T_OK(nm_dmabuf_begin_cpu_access(u, 0, 100, NM_DMA_TO_DEVICE, (void **)&w));
	T_OK(nm_dmabuf_begin_cpu_access(u, 0, SIZE, NM_DMA_FROM_DEVICE, (void **)&w2));
	T_EQ(u->nr_cpu_windows, 2);
	memset(w, 0x5a, 100);
	T_OK(nm_dmabuf_end_cpu_access(u, 0, 100, NM_DMA_TO_DEVICE));
	T_EQ(u->nr_cpu_windows, 1);
	T_OK(nm_dmabuf_end_cpu_access(u, 0, SIZE, NM_DMA_FROM_DEVICE));
	T_EQ(u->nr_cpu_windows, 0);
	T_ERR(nm_dmabuf_end_cpu_access(u, 0, 100, NM_DMA_TO_DEVICE), -EINVAL);
	T_OK(nm_dmabuf_assert_ok(u));
	T_EQ(u->memobj->win_mprotects, 0);
	t_map_perms(w, perms);
	T_ASSERT(!strcmp(perms, "rw-s"));

	/* outside windows the pages are as reachable as on Linux */
	T_EQ(t_stray_read(w), 1003);
	T_EQ(t_stray_read(w + 99), 1003);
	T_EQ(t_stray_read(w + 3 * NM_PAGE_SIZE), 1002);	/* never opened */
	memcpy(w + 3 * NM_PAGE_SIZE, "by cpu", 7);
	T_OK(nm_dmabuf_attach(u, nic, &att));
	T_OK(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, &m));
	T_OK(nm_dma_read(nic, t_vec_addr(m, 3 * NM_PAGE_SIZE), got, 7));
	T_ASSERT(!memcmp(got, "by cpu", 7));
	T_OK(nm_dma_write(nic, t_vec_addr(m, 5 * NM_PAGE_SIZE), "by dev", 7));
	T_ASSERT(!memcmp(w + 5 * NM_PAGE_SIZE, "by dev", 7));
	T_OK(nm_dmabuf_detach(att));

	/* begin still waits for device work that writes the buffer */
	uint64_t ctx = nm_fence_context_alloc(1);
	T_OK(nm_fence_create(ctx, 1, &wf));
	T_OK(nm_resv_add_fence(nm_dmabuf_resv(u), wf, NM_RESV_USAGE_WRITE));
	T_ASSERT(pthread_create(&th, NULL, signaler, wf) == 0);
	int64_t t0 = t_now_ns();
	T_OK(nm_dmabuf_begin_cpu_access(u, 0, 100, NM_DMA_FROM_DEVICE, (void **)&w));
	T_ASSERT(nm_fence_is_signaled(wf));
	T_ASSERT(t_now_ns() - t0 >= 50 * 1000000);
	T_OK(nm_dmabuf_end_cpu_access(u, 0, 100, NM_DMA_FROM_DEVICE));
	T_ASSERT(pthread_join(th, NULL) == 0);
	nm_fence_put(wf);
	T_EQ(u->memobj->win_mprotects, 0);
	nm_dmabuf_put(u);
	close(fd);

	/* device memory: PROT_NONE outside windows in every mode */
	T_OK(nm_dmabuf_create_device(gpu, SIZE, &d));
	T_OK(nm_dmabuf_begin_cpu_access(d, 0, 100, NM_DMA_TO_DEVICE, (void **)&w));
	memset(w, 0x5a, 100);
	T_EQ(t_stray_read(w), 1003);
	T_OK(nm_dmabuf_end_cpu_access(d, 0, 100, NM_DMA_TO_DEVICE));
	T_EQ(t_stray_read(w), SIGSEGV);
	t_map_perms(w, perms);
	T_ASSERT(!strcmp(perms, "---s"));
	nm_dmabuf_put(d);

	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
