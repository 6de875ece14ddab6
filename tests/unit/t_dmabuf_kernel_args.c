/* Asking the running kernel for a dma-buf: the argument checks (-EINVAL,
 * -EBADF) come before any device is touched, and a missing /dev/udmabuf or
 * /dev/dma_heap node is -ENODEV with a message naming the node (the case
 * of containers and CI).  The round trips with buffers the kernel made are
 * t_dmabuf_kernel_alloc (udmabuf) and t_dmabuf_kernel_heap (system heap). */
#include <sys/stat.h>

#include "t_dmabuf.h"

#define SIZE (4 * NM_PAGE_SIZE)

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int main(void)
{
	int memfd, fd = -1, r;
	char long_name[80];

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

	/* missing nodes */
	if (!exists("/dev/udmabuf")) {
		nm_clear_error();
		r = nm_kernel_udmabuf_create(memfd, 0, SIZE, &fd);
		T_EQ(r, -ENODEV);
		T_ASSERT(strstr(nm_last_error(), "/dev/udmabuf"));
		printf("no /dev/udmabuf: -ENODEV (%s)\n", nm_last_error());
	}
	if (!exists("/dev/dma_heap/system")) {
		nm_clear_error();
		r = nm_kernel_dma_heap_alloc("system", SIZE, &fd);
		T_EQ(r, -ENODEV);
		T_ASSERT(strstr(nm_last_error(), "/dev/dma_heap"));
		printf("no /dev/dma_heap/system: -ENODEV (%s)\n", nm_last_error());
	}
	/* a heap that does not exist, whether or not others do */
	T_ERR(nm_kernel_dma_heap_alloc("no-such-heap", SIZE, &fd), -ENODEV);
	T_EQ(fd, -1);
	close(memfd);
	T_PASS();
}
