/* SPDX-License-Identifier: MIT */
/*
 * Real kernel dma-bufs: importing a dma-buf fd, and asking the running
 * kernel for one (/dev/udmabuf, /dev/dma_heap/<heap>).
 *
 * An imported fd becomes one NM_MEM_KERNEL_DMABUF memory object over an
 * mmap of the fd (nm_memobj_create_fd()), so the DMA engine and CPU windows
 * work on it like on any other buffer.  Every CPU window is bracketed by
 * DMA_BUF_IOCTL_SYNC (START before the window opens, END after it closes)
 * with the read/write flags of the window's direction, which is how the
 * kernel's exporter keeps caches coherent for the CPU.  mmap of the fd is
 * allowed; the buffer cannot move (its exporter is the kernel's).
 *
 * Kernel dma-bufs need a kernel that offers them: on a machine without
 * /dev/udmabuf or /dev/dma_heap (containers, our CI) the two allocators
 * return -ENODEV, and import is only reachable with an fd from elsewhere.
 *
 * Workload: control path, once per buffer and once per CPU window.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/magic.h>
#include <linux/udmabuf.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "dmabuf/dmabuf_internal.h"
#include "mem/mem_internal.h"
#include "util/err.h"

#define NM_DMA_HEAP_DIR "/dev/dma_heap"
#define NM_DMA_HEAP_NAME_MAX 64		/* heap names are short ("system") */

/* The fd the memory object keeps (its own dup of the caller's). */
static int nm_kdmabuf_fd(const struct nm_dmabuf *buf)
{
	return buf->memobj->parts[0].fd;
}

static uint64_t nm_kdmabuf_sync_flags(enum nm_dma_dir dir)
{
	switch (dir) {
	case NM_DMA_FROM_DEVICE:
		return DMA_BUF_SYNC_READ;
	case NM_DMA_TO_DEVICE:
		return DMA_BUF_SYNC_WRITE;
	default:
		return DMA_BUF_SYNC_RW;
	}
}

static int nm_kdmabuf_sync(const struct nm_dmabuf *buf, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	while (ioctl(nm_kdmabuf_fd(buf), DMA_BUF_IOCTL_SYNC, &sync) < 0) {
		int e = errno;

		if (e == EINTR || e == EAGAIN)
			continue;
		return nm_err_sys(e, "DMA_BUF_IOCTL_SYNC(%s)",
				  (flags & DMA_BUF_SYNC_END) ? "end" : "start");
	}
	return 0;
}

static int nm_kdmabuf_begin_cpu(struct nm_dmabuf *buf, uint64_t off, uint64_t len,
				enum nm_dma_dir dir, void **addr)
{
	uint64_t rw = nm_kdmabuf_sync_flags(dir);
	int r;

	r = nm_kdmabuf_sync(buf, DMA_BUF_SYNC_START | rw);
	if (r < 0)
		return r;
	r = nm_memobj_exp_begin_cpu(buf, off, len, dir, addr);
	if (r < 0)
		goto err_sync_end;
	return 0;

err_sync_end:
	nm_kdmabuf_sync(buf, DMA_BUF_SYNC_END | rw);
	return r;
}

static int nm_kdmabuf_end_cpu(struct nm_dmabuf *buf, uint64_t off, uint64_t len,
			      enum nm_dma_dir dir)
{
	int r;

	r = nm_memobj_exp_end_cpu(buf, off, len, dir);
	if (r < 0)
		return r;
	return nm_kdmabuf_sync(buf, DMA_BUF_SYNC_END | nm_kdmabuf_sync_flags(dir));
}

static void nm_kdmabuf_release(struct nm_dmabuf *buf)
{
	nm_memobj_put(buf->memobj);
}

static const struct nm_dmabuf_ops nm_kdmabuf_ops = {
	.map = nm_memobj_exp_map,
	.unmap = nm_memobj_exp_unmap,
	.begin_cpu_access = nm_kdmabuf_begin_cpu,
	.end_cpu_access = nm_kdmabuf_end_cpu,
	.mmap = nm_memobj_exp_mmap,
	.release = nm_kdmabuf_release,
};

/* The kernel exporter's name ("exp_name:" of /proc/self/fdinfo/<fd>), so
 * nm_dmabuf_exp_name() tells a udmabuf from a heap buffer.  Best effort. */
static void nm_kdmabuf_exp_name(int fd, char *name, size_t size)
{
	char path[64], line[128];
	FILE *f;

	snprintf(name, size, "kernel");
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char val[NM_DMABUF_EXP_NAME_LEN];

		if (sscanf(line, "exp_name: %31s", val) == 1) {
			snprintf(name, size, "%s", val);
			break;
		}
	}
	fclose(f);
}

int nm_dmabuf_import_fd(int fd, struct nm_dmabuf **out)
{
	NM_API_CALL();
	char exp_name[NM_DMABUF_EXP_NAME_LEN];
	struct nm_dmabuf_export_info info = {
		.exp_name = exp_name,
		.ops = &nm_kdmabuf_ops,
	};
	struct nm_memobj *obj;
	struct statfs sfs;
	off_t end;
	int r;

	if (!out)
		return nm_err(EINVAL, "out is NULL");
	if (fd < 0)
		return nm_err(EBADF, "fd %d is not open", fd);
	if (fstatfs(fd, &sfs) < 0) {
		int e = errno;

		if (e == EBADF)
			return nm_err(EBADF, "fd %d is not open", fd);
		return nm_err_sys(e, "fstatfs(%d)", fd);
	}
	if (sfs.f_type != DMA_BUF_MAGIC)
		return nm_err(EINVAL, "fd %d is not a dma-buf (file system "
			      "magic 0x%llx, want 0x%x)", fd, (unsigned long long)sfs.f_type,
			      DMA_BUF_MAGIC);
	/* A dma-buf's size is where SEEK_END lands. */
	end = lseek(fd, 0, SEEK_END);
	if (end < 0) {
		return nm_err_sys(errno, "lseek(%d, SEEK_END)", fd);
	}
	if (end == 0)
		return nm_err(EINVAL, "dma-buf fd %d has size 0", fd);
	info.size = (uint64_t)end;
	nm_kdmabuf_exp_name(fd, exp_name, sizeof(exp_name));

	r = nm_memobj_create_fd(fd, 0, info.size, NM_MEM_KERNEL_DMABUF, 0, &obj);
	if (r < 0)
		return r;
	return nm_memobj_exp_export(&info, obj, out);
}

/* ---- Asking the kernel for a dma-buf ------------------------------------- */

/* open(2) a device node; a missing one means the kernel lacks the feature. */
static int nm_kernel_open_node(const char *path, int flags, const char *what)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return nm_err(ENODEV, "%s does not exist: this kernel offers no %s, "
			      "or the container hides it", path, what);
	default:
		return nm_err_sys(errno, "open %s", path);
	}
}

int nm_kernel_udmabuf_create(int memfd, uint64_t offset, uint64_t size, int *fd)
{
	NM_API_CALL();
	struct udmabuf_create create;
	int dev, r;

	if (!fd)
		return nm_err(EINVAL, "fd is NULL");
	if (memfd < 0)
		return nm_err(EBADF, "memfd %d is not open", memfd);
	if (size == 0 || (size & (NM_PAGE_SIZE - 1)) || (offset & (NM_PAGE_SIZE - 1)))
		return nm_err(EINVAL, "offset %llu and size %llu must be "
			      "page-aligned, size nonzero", (unsigned long long)offset,
			      (unsigned long long)size);
	dev = nm_kernel_open_node("/dev/udmabuf", O_RDWR, "udmabuf (CONFIG_UDMABUF)");
	if (dev < 0)
		return dev;
	create = (struct udmabuf_create){
		.memfd = (uint32_t)memfd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = offset,
		.size = size,
	};
	r = ioctl(dev, UDMABUF_CREATE, &create);
	if (r < 0) {
		r = nm_err_sys(errno, "UDMABUF_CREATE");
		close(dev);
		return r;
	}
	close(dev);
	*fd = r;
	return 0;
}

/* A heap name is one path component of /dev/dma_heap. */
static int nm_dma_heap_check_name(const char *heap)
{
	size_t n, i;

	if (!heap)
		return nm_err(EINVAL, "heap is NULL");
	n = strnlen(heap, NM_DMA_HEAP_NAME_MAX);
	if (n == 0 || n >= NM_DMA_HEAP_NAME_MAX)
		return nm_err(EINVAL, "heap name must be 1 to %d bytes",
			      NM_DMA_HEAP_NAME_MAX - 1);
	if (strstr(heap, "..") || strcmp(heap, ".") == 0)
		return nm_err(EINVAL, "heap name '%s' contains '..' "
			      "or is '.'", heap);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)heap[i];

		if (c == '/')
			return nm_err(EINVAL, "heap name contains '/'");
		if (c <= 0x20 || c >= 0x7f)
			return nm_err(EINVAL, "heap name has byte 0x%02x "
				      "at %zu (printable ASCII only)", c, i);
	}
	return 0;
}

int nm_kernel_dma_heap_alloc(const char *heap, uint64_t size, int *fd)
{
	NM_API_CALL();
	struct dma_heap_allocation_data data;
	char path[sizeof(NM_DMA_HEAP_DIR) + NM_DMA_HEAP_NAME_MAX + 1];
	struct stat st;
	int dev, r;

	r = nm_dma_heap_check_name(heap);
	if (r < 0)
		return r;
	if (!fd)
		return nm_err(EINVAL, "fd is NULL");
	if (size == 0)
		return nm_err(EINVAL, "size is 0");
	if (stat(NM_DMA_HEAP_DIR, &st) < 0)
		return nm_err(ENODEV, "%s does not exist: this kernel "
			      "offers no DMA heaps (CONFIG_DMABUF_HEAPS), or the container "
			      "hides them", NM_DMA_HEAP_DIR);
	snprintf(path, sizeof(path), "%s/%s", NM_DMA_HEAP_DIR, heap);
	dev = nm_kernel_open_node(path, O_RDONLY, "such DMA heap");
	if (dev < 0)
		return dev;
	data = (struct dma_heap_allocation_data){
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	r = ioctl(dev, DMA_HEAP_IOCTL_ALLOC, &data);
	if (r < 0) {
		r = nm_err_sys(errno, "DMA_HEAP_IOCTL_ALLOC of %llu bytes from '%s'",
			       (unsigned long long)size, heap);
		close(dev);
		return r;
	}
	close(dev);
	*fd = (int)data.fd;
	return 0;
}
