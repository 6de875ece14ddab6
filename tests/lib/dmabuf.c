/* SPDX-License-Identifier: MIT */
/*
 * dma-bufs on the test bed (t_dmabuf.h).
 */
#include <signal.h>
#include <sys/wait.h>

#include "t_dmabuf.h"
#include "mem/mem_internal.h"

/* A memfd of size bytes carrying seals (0 for none). */
int t_memfd(uint64_t size, unsigned seals)
{
	int fd = memfd_create("t_dmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	T_ASSERT(fd >= 0);
	T_ASSERT(ftruncate(fd, (off_t)size) == 0);
	if (seals)
		T_ASSERT(fcntl(fd, F_ADD_SEALS, seals) == 0);
	return fd;
}

/* Sum of a mapping's vec lengths. */
uint64_t t_vecs_total(const struct nm_dma_mapping *m)
{
	uint32_t n, i;
	const struct nm_dma_vec *v = nm_dma_mapping_vecs(m, &n);
	uint64_t total = 0;

	for (i = 0; i < n; i++)
		total += v[i].len;
	return total;
}

/* Device address of byte off of the buffer a mapping covers (vecs are in
 * buffer order). */
uint64_t t_vec_addr(const struct nm_dma_mapping *m, uint64_t off)
{
	uint32_t n, i;
	const struct nm_dma_vec *v = nm_dma_mapping_vecs(m, &n);

	for (i = 0; i < n; i++) {
		if (off < v[i].len)
			return v[i].addr + off;
		off -= v[i].len;
	}
	T_FAIL("offset past the mapping");
	return 0;
}

/*
 * A dma-buf fd the running kernel made (udmabuf, a DMA heap), imported and
 * used every way netmem uses one: a CPU window write and read (bracketed
 * by DMA_BUF_IOCTL_SYNC; closed, the window faults in mem/'s checking
 * mode and reads as through the kernel's mmap otherwise), a DMA engine read
 * through an attachment of nic, mmap.  fd is size bytes; consumed.
 */
void t_kernel_dmabuf_round_trip(int fd, uint64_t size, struct nm_device *nic, const char *what)
{
	struct nm_dmabuf_attachment *att;
	struct nm_dma_mapping *m;
	struct nm_dmabuf *b;
	char *w, got[16];

	T_OK(nm_dmabuf_import_fd(fd, &b));
	close(fd);				/* the buffer keeps its own */
	T_EQ(nm_dmabuf_size(b), size);
	printf("imported a %s dma-buf, exporter '%s'\n", what, nm_dmabuf_exp_name(b));

	T_OK(nm_dmabuf_begin_cpu_access(b, 100, 16, NM_DMA_TO_DEVICE, (void **)&w));
	memcpy(w, "kernel dma-buf!", 16);
	T_OK(nm_dmabuf_end_cpu_access(b, 100, 16, NM_DMA_TO_DEVICE));
	/* closed window: faults in the checking mode, else reachable as
	 * through the kernel's mmap ('k' is not the 0x5a of 1003) */
	T_EQ(t_stray_read(w), nm_mem_checking() ? SIGSEGV : 1002);
	T_OK(nm_dmabuf_begin_cpu_access(b, 100, 16, NM_DMA_FROM_DEVICE, (void **)&w));
	T_ASSERT(!memcmp(w, "kernel dma-buf!", 16));
	T_OK(nm_dmabuf_end_cpu_access(b, 100, 16, NM_DMA_FROM_DEVICE));

	T_OK(nm_dmabuf_attach(b, nic, &att));
	T_OK(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, &m));
	T_OK(nm_dma_read(nic, t_vec_addr(m, 100), got, 16));
	T_ASSERT(!memcmp(got, "kernel dma-buf!", 16));
	T_OK(nm_dmabuf_detach(att));

	T_OK(nm_dmabuf_mmap(b, 0, size, PROT_READ, (void **)&w));
	T_ASSERT(!memcmp(w + 100, "kernel dma-buf!", 16));
	T_OK(nm_dmabuf_munmap(b, w, size));
	nm_dmabuf_put(b);
}
