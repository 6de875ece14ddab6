/* Asking the running kernel for a dma-buf.  Where /dev/udmabuf or
 * /dev/dma_heap is missing (containers, CI) the call is -ENODEV with a
 * message naming the node; where it exists, the test does a real round
 * trip: create, import, CPU window write and read (bracketed by
 * DMA_BUF_IOCTL_SYNC), DMA engine read through an attachment, mmap.
 * Argument checks (-EINVAL, -EBADF) come before any device is touched. */
#include <sys/stat.h>

#include "t_dmabuf_util.h"

#define SIZE (4 * NM_PAGE_SIZE)

static void round_trip(int fd, struct nm_device *nic, const char *what)
{
	struct nm_dmabuf_attachment *att;
	struct nm_dma_mapping *m;
	struct nm_dmabuf *b;
	char *w, got[16];

	T_OK(nm_dmabuf_import_fd(fd, &b));
	close(fd);				/* the buffer keeps its own */
	T_EQ(nm_dmabuf_size(b), SIZE);
	printf("imported a %s dma-buf, exporter '%s'\n", what, nm_dmabuf_exp_name(b));

	T_OK(nm_dmabuf_begin_cpu_access(b, 100, 16, NM_DMA_TO_DEVICE, (void **)&w));
	memcpy(w, "kernel dma-buf!", 16);
	T_OK(nm_dmabuf_end_cpu_access(b, 100, 16, NM_DMA_TO_DEVICE));
	T_EQ(t_stray_read(w), SIGSEGV);		/* closed window */
	T_OK(nm_dmabuf_begin_cpu_access(b, 100, 16, NM_DMA_FROM_DEVICE, (void **)&w));
	T_ASSERT(!memcmp(w, "kernel dma-buf!", 16));
	T_OK(nm_dmabuf_end_cpu_access(b, 100, 16, NM_DMA_FROM_DEVICE));

	T_OK(nm_dmabuf_attach(b, nic, &att));
	T_OK(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, &m));
	T_OK(nm_dma_read(nic, t_vec_addr(m, 100), got, 16));
	T_ASSERT(!memcmp(got, "kernel dma-buf!", 16));
	T_OK(nm_dmabuf_detach(att));

	T_OK(nm_dmabuf_mmap(b, 0, SIZE, PROT_READ, (void **)&w));
	T_ASSERT(!memcmp(w + 100, "kernel dma-buf!", 16));
	T_OK(nm_dmabuf_munmap(b, w, SIZE));
	nm_dmabuf_put(b);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic;
	int memfd, fd = -1, r;
	char long_name[80];

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_device(topo, "nic0", &nic));
	memfd = t_memfd(SIZE, F_SEAL_SHRINK);

	/* argument checks */
	T_ERR(nm_kernel_udmabuf_create(memfd, 0, SIZE, NULL), -EINVAL);
	T_ERR(nm_kernel_udmabuf_create(-1, 0, SIZE, &fd), -EBADF);
	T_ERR(nm_kernel_udmabuf_create(memfd, 0, 0, &fd), -EINVAL);
	T_ERR(nm_kernel_udmabuf_create(memfd, 0, SIZE - 1, &fd), -EINVAL);
	T_ERR(nm_kernel_udmabuf_create(memfd, 1, SIZE, &fd), -EINVAL);
	memset(long_name, 'h', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	T_ERR(nm_kernel_dma_heap_alloc(NULL, SIZE, &fd), -EINVAL);
	T_ERR(nm_kernel_dma_heap_alloc("", SIZE, &fd), -EINVAL);
	T_ERR(nm_kernel_dma_heap_alloc("..", SIZE, &fd), -EINVAL);
	T_ERR(nm_kernel_dma_heap_alloc("../../dev/zero", SIZE, &fd), -EINVAL);
	T_ERR(nm_kernel_dma_heap_alloc("a/b", SIZE, &fd), -EINVAL);
	T_ERR(nm_kernel_dma_heap_alloc(".", SIZE, &fd), -EINVAL);
	T_ERR(nm_kernel_dma_heap_alloc("sys tem", SIZE, &fd), -EINVAL);
	T_ERR(nm_kernel_dma_heap_alloc(long_name, SIZE, &fd), -EINVAL);
	T_ERR(nm_kernel_dma_heap_alloc("system", 0, &fd), -EINVAL);
	T_ERR(nm_kernel_dma_heap_alloc("system", SIZE, NULL), -EINVAL);
	T_EQ(fd, -1);

	/* udmabuf */
	nm_clear_error();
	r = nm_kernel_udmabuf_create(memfd, 0, SIZE, &fd);
	if (!exists("/dev/udmabuf")) {
		T_EQ(r, -ENODEV);
		T_ASSERT(strstr(nm_last_error(), "/dev/udmabuf"));
		printf("no /dev/udmabuf: -ENODEV (%s)\n", nm_last_error());
	} else if (r == -EACCES || r == -EPERM) {
		printf("/dev/udmabuf exists but is not ours to open: %s\n", nm_last_error());
	} else {
		T_OK(r);
		round_trip(fd, nic, "udmabuf");
	}

	/* DMA heap */
	fd = -1;
	nm_clear_error();
	r = nm_kernel_dma_heap_alloc("system", SIZE, &fd);
	if (!exists("/dev/dma_heap/system")) {
		T_EQ(r, -ENODEV);
		T_ASSERT(strstr(nm_last_error(), "/dev/dma_heap"));
		printf("no /dev/dma_heap/system: -ENODEV (%s)\n", nm_last_error());
	} else if (r == -EACCES || r == -EPERM) {
		printf("/dev/dma_heap/system exists but is not ours to open: %s\n",
		       nm_last_error());
	} else {
		T_OK(r);
		round_trip(fd, nic, "system heap");
	}
	if (exists("/dev/dma_heap"))
		T_ERR(nm_kernel_dma_heap_alloc("no-such-heap", SIZE, &fd), -ENODEV);

	close(memfd);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
