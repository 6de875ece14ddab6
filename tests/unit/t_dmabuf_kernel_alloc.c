/* A dma-buf the running kernel made through /dev/udmabuf (from a sealed
 * memfd), used every way netmem uses one: import, CPU window write and
 * read bracketed by DMA_BUF_IOCTL_SYNC, DMA engine read through an
 * attachment, mmap.  Without /dev/udmabuf (containers, CI) or the right to
 * open it, nothing of that can run: exit 77, saying which.  The argument
 * checks and -ENODEV are t_dmabuf_kernel_args. */
#include <sys/stat.h>

#include "t_dmabuf.h"

#define SIZE (4 * NM_PAGE_SIZE)

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic;
	struct stat st;
	int memfd, fd = -1, r;

	if (stat("/dev/udmabuf", &st) != 0) {
		printf("SKIP: no /dev/udmabuf (a kernel without CONFIG_UDMABUF, or a container "
		       "that does not pass it through): no kernel dma-buf to test\n");
		return T_SKIP;
	}
	memfd = t_memfd(SIZE, F_SEAL_SHRINK);
	nm_clear_error();
	r = nm_kernel_udmabuf_create(memfd, 0, SIZE, &fd);
	close(memfd);
	if (r == -EACCES || r == -EPERM) {
		printf("SKIP: /dev/udmabuf is not ours to open: %s\n", nm_last_error());
		return T_SKIP;
	}
	T_OK(r);
	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	t_kernel_dmabuf_round_trip(fd, SIZE, nic, "udmabuf");
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
