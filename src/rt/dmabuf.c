/* SPDX-License-Identifier: MIT */
/*
 * The dma-buf fds that /dev/udmabuf and /dev/dma_heap/system give a
 * program under netmem run (devfs.c makes them).
 *
 * The fd is the program's: a fresh open of the memfd behind the buffer
 * (for a heap allocation, that memfd itself), so its number, fstat and
 * O_CLOEXEC are a real fd's and a plain mmap at offset 0 of a buffer that
 * starts at the memfd's offset 0 maps the same pages even where the
 * runtime does not look (a child after exec).  In this process the fd
 * table maps it to a struct rt_dmabuf holding the library's dma-buf
 * (nm_udmabuf_create: the udmabuf exporter, so bind-rx and bind-tx take
 * it) and a private copy of the memfd for mmap.  Answered as the kernel's
 * dma-buf answers them (drivers/dma-buf/dma-buf.c, udmabuf.c):
 *   mmap: MAP_SHARED only (EINVAL otherwise), a page-aligned offset, the
 *	range inside the buffer (EINVAL), mapping the buffer's pages;
 *   DMA_BUF_IOCTL_SYNC: flags READ, WRITE or RW with START or END (any
 *	other bit, or no direction, EINVAL), mapped onto the buffer's CPU-
 *	access window (begin at START, end at END; a START while a window is
 *	open closes it first);
 *   DMA_BUF_SET_NAME (_A, _B): a name of at most 31 bytes (longer:
 *	EINVAL), shown by nm_dmabuf_name();
 *   any other ioctl: ENOTTY.
 * The buffer goes with the fd's last number; a binding made from it holds
 * its own reference, as in the kernel.
 *
 * Workload: control path, and one SYNC pair per chunk a program validates.
 */
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <netmem/dmabuf.h>

#include "rt/rt_internal.h"
#include "util/fd.h"

#define PAGE_SZ 4096ull

struct rt_dmabuf {
	struct rt_file file;		/* RT_FILE, dmabuf_ops */
	struct nm_dmabuf *buf;
	int memfd;			/* the runtime's copy, for mmap */
	uint64_t off, size;		/* the range of memfd */
	int window;			/* the CPU-access window open: its direction, -1 none */
};

static const struct rt_file_ops dmabuf_ops;

static void dmabuf_release(struct rt_file *f)
{
	struct rt_dmabuf *d = (struct rt_dmabuf *)f;

	if (d->window >= 0)
		nm_dmabuf_end_cpu_access(d->buf, 0, d->size, (enum nm_dma_dir)d->window);
	nm_dmabuf_put(d->buf);
	REAL(close)(d->memfd);
	rt_obj_free(&d->file.obj);
}

static int dmabuf_mmap(struct rt_file *f, void *addr, size_t len, int prot, int flags,
		       off_t off, void **out)
{
	struct rt_dmabuf *d = (struct rt_dmabuf *)f;
	void *p;

	if ((flags & MAP_TYPE) != MAP_SHARED && (flags & MAP_TYPE) != MAP_SHARED_VALIDATE)
		return nm_err(EINVAL, "dma-buf mmap: MAP_SHARED only");
	if (off < 0 || (uint64_t)off & (PAGE_SZ - 1))
		return nm_err(EINVAL, "dma-buf mmap: offset %lld", (long long)off);
	if (!len || (uint64_t)off > d->size || len > d->size - (uint64_t)off)
		return nm_err(EINVAL, "dma-buf mmap: [%lld, +%zu) outside the buffer's %llu "
			      "bytes", (long long)off, len, (unsigned long long)d->size);
	p = REAL(mmap)(addr, len, prot, flags, d->memfd, (off_t)(d->off + (uint64_t)off));
	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

static int dmabuf_sync(struct rt_dmabuf *d, const struct dma_buf_sync *s)
{
	enum nm_dma_dir dir;
	void *addr;
	int r;

	if (s->flags & ~(uint64_t)DMA_BUF_SYNC_VALID_FLAGS_MASK)
		return nm_err(EINVAL, "DMA_BUF_IOCTL_SYNC: flags 0x%llx",
			      (unsigned long long)s->flags);
	switch (s->flags & DMA_BUF_SYNC_RW) {
	case DMA_BUF_SYNC_READ:
		dir = NM_DMA_FROM_DEVICE;
		break;
	case DMA_BUF_SYNC_WRITE:
		dir = NM_DMA_TO_DEVICE;
		break;
	case DMA_BUF_SYNC_RW:
		dir = NM_DMA_BIDIRECTIONAL;
		break;
	default:
		return nm_err(EINVAL, "DMA_BUF_IOCTL_SYNC: no direction (READ, WRITE or RW)");
	}
	if (s->flags & DMA_BUF_SYNC_END) {
		if (d->window < 0)
			return 0;	/* the kernel's end_cpu_access of nothing open */
		r = nm_dmabuf_end_cpu_access(d->buf, 0, d->size, (enum nm_dma_dir)d->window);
		d->window = -1;
		return r;
	}
	if (d->window >= 0) {
		nm_dmabuf_end_cpu_access(d->buf, 0, d->size, (enum nm_dma_dir)d->window);
		d->window = -1;
	}
	r = nm_dmabuf_begin_cpu_access(d->buf, 0, d->size, dir, &addr);
	if (r == 0)
		d->window = (int)dir;
	return r;
}

/* strndup_user(): the name byte by byte up to its NUL, at most 31 bytes. */
static int dmabuf_set_name(struct rt_dmabuf *d, const char *user)
{
	char name[DMA_BUF_NAME_LEN];

	for (size_t i = 0; i < sizeof(name); i++) {
		int r = rt_user_copy(&name[i], user + i, 1, false);

		if (r < 0)
			return r;
		if (!name[i])
			return nm_dmabuf_set_name(d->buf, name);
	}
	return nm_err(EINVAL, "DMA_BUF_SET_NAME: at most %d bytes", DMA_BUF_NAME_LEN - 1);
}

static int dmabuf_ioctl(struct rt_file *f, unsigned long req, void *arg)
{
	struct rt_dmabuf *d = (struct rt_dmabuf *)f;

	switch (req) {
	case DMA_BUF_IOCTL_SYNC: {
		struct dma_buf_sync s;
		int r = rt_user_copy(&s, arg, sizeof(s), false);

		return r < 0 ? r : dmabuf_sync(d, &s);
	}
	case DMA_BUF_SET_NAME_A:
	case DMA_BUF_SET_NAME_B:
		return dmabuf_set_name(d, arg);
	default:
		return nm_err(ENOTTY, "dma-buf: ioctl 0x%lx unknown", req);
	}
}

static const struct rt_file_ops dmabuf_ops = {
	.ioctl = dmabuf_ioctl,
	.mmap = dmabuf_mmap,
	.release = dmabuf_release,
};

int rt_dmabuf_create(int memfd, uint64_t off, uint64_t size, int cloexec, bool own)
{
	struct rt_dmabuf *d = rt_obj_new(RT_FILE, sizeof(*d));
	char path[64];
	int fd, r;

	if (!d)
		return -ENOMEM;
	d->off = off;
	d->size = size;
	d->window = -1;
	r = nm_udmabuf_create(memfd, off, size, 0, &d->buf);
	if (r < 0)
		goto err_free;
	d->memfd = nm_fd_lift(fcntl(memfd, F_DUPFD_CLOEXEC, 0));
	if (d->memfd < 0) {
		r = -errno;
		goto err_put;
	}
	if (own) {
		fd = memfd;
	} else {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", d->memfd);
		fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR | (cloexec & O_CLOEXEC));
		if (fd < 0) {
			r = -errno;
			goto err_close;
		}
	}
	d->file.ops = &dmabuf_ops;
	rt_lock();
	rt_file_attach(fd, &d->file);
	rt_unlock();
	if (!d->file.fds) {
		r = -ENOMEM;
		if (!own)
			REAL(close)(fd);
		goto err_close;
	}
	return fd;

err_close:
	REAL(close)(d->memfd);
err_put:
	nm_dmabuf_put(d->buf);
err_free:
	rt_obj_free(&d->file.obj);
	return r;
}

int rt_dmabuf_get(int fd, struct nm_dmabuf **out)
{
	struct rt_dmabuf *d = (struct rt_dmabuf *)rt_file_get(fd, &dmabuf_ops);

	if (!d)
		return nm_err(EBADF, "fd %d is not a dma-buf of /dev/udmabuf or "
			      "/dev/dma_heap/system", fd);
	*out = nm_dmabuf_get(d->buf);
	return 0;
}
