/* SPDX-License-Identifier: MIT */
/*
 * The dma-buf fds that /dev/udmabuf and /dev/dma_heap/system give a
 * program under netmem run (devfs.c makes them).
 *
 * The fd is the program's: for a buffer that is one range of one memfd, a
 * fresh open of that memfd (for a heap allocation, the memfd itself), so
 * its number, fstat and O_CLOEXEC are a real fd's and a plain mmap at
 * offset 0 of a buffer that starts at the memfd's offset 0 maps the same
 * pages even where the runtime does not look (a child after exec).  A
 * list of several memfds or separate ranges (UDMABUF_CREATE_LIST) has no
 * one file to open: its fd is a placeholder on /dev/null, so a mmap the
 * runtime does not see fails (ENODEV) instead of mapping other pages.  In
 * this process the fd table maps it to a struct rt_dmabuf holding the
 * library's dma-buf (nm_udmabuf_create_list: the udmabuf exporter, so
 * bind-rx and bind-tx take it) and private copies of the memfds for mmap.
 * Answered as the kernel's dma-buf answers them (drivers/dma-buf/dma-buf.c,
 * udmabuf.c):
 *   mmap: MAP_SHARED only (EINVAL otherwise), a page-aligned offset, the
 *	range inside the buffer (EINVAL), mapping the buffer's pages: the
 *	items' ranges one after the other, as the kernel's udmabuf maps its
 *	page list;
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

/* One item's range, with the runtime's own copy of its memfd. */
struct rt_dmabuf_part {
	int memfd;
	uint64_t fd_off;		/* where the range starts in memfd */
	uint64_t off, len;		/* where it lies in the buffer */
};

struct rt_dmabuf {
	struct rt_file file;		/* RT_FILE, dmabuf_ops */
	struct nm_dmabuf *buf;
	uint64_t size;
	int window;			/* the CPU-access window open: its direction, -1 none */
	uint32_t nr_parts;		/* parts[]: the items in order, for mmap */
	struct rt_dmabuf_part parts[];
};

static const struct rt_file_ops dmabuf_ops;

static void dmabuf_release(struct rt_file *f)
{
	struct rt_dmabuf *d = (struct rt_dmabuf *)f;

	if (d->window >= 0)
		nm_dmabuf_end_cpu_access(d->buf, 0, d->size, (enum nm_dma_dir)d->window);
	nm_dmabuf_put(d->buf);
	for (uint32_t i = 0; i < d->nr_parts; i++)
		if (d->parts[i].memfd >= 0)
			REAL(close)(d->parts[i].memfd);
	rt_obj_free(&d->file.obj);
}

/* [off, off + len) of the buffer at addr (the program's hint and flags):
 * the range reserved whole, then each part's slice in it mapped shared
 * over its place.  On failure nothing of it stays mapped. */
static int dmabuf_map_parts(const struct rt_dmabuf *d, void *addr, uint64_t off,
			    uint64_t len, int prot, int flags, void **out)
{
	int fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	int extra = flags & ~(MAP_TYPE | MAP_FIXED | MAP_FIXED_NOREPLACE);
	uint64_t end = off + len;
	uint8_t *base;

	base = REAL(mmap)(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | fixed,
			  -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	for (uint32_t i = 0; i < d->nr_parts; i++) {
		const struct rt_dmabuf_part *pt = &d->parts[i];
		uint64_t s = off > pt->off ? off : pt->off;
		uint64_t e = end < pt->off + pt->len ? end : pt->off + pt->len;

		if (s >= e)
			continue;
		if (REAL(mmap)(base + (s - off), e - s, prot, MAP_SHARED | MAP_FIXED | extra,
			       pt->memfd, (off_t)(pt->fd_off + (s - pt->off))) == MAP_FAILED) {
			int r = -errno;

			munmap(base, len);
			return r;
		}
	}
	*out = base;
	return 0;
}

static int dmabuf_mmap(struct rt_file *f, void *addr, size_t len, int prot, int flags,
		       off_t off, void **out)
{
	struct rt_dmabuf *d = (struct rt_dmabuf *)f;
	uint64_t maplen = (len + PAGE_SZ - 1) & ~(PAGE_SZ - 1);

	if ((flags & MAP_TYPE) != MAP_SHARED && (flags & MAP_TYPE) != MAP_SHARED_VALIDATE)
		return nm_err(EINVAL, "dma-buf mmap: MAP_SHARED only");
	if (off < 0 || (uint64_t)off & (PAGE_SZ - 1))
		return nm_err(EINVAL, "dma-buf mmap: offset %lld", (long long)off);
	if (!len || (uint64_t)off > d->size || len > d->size - (uint64_t)off)
		return nm_err(EINVAL, "dma-buf mmap: [%lld, +%zu) outside the buffer's %llu "
			      "bytes", (long long)off, len, (unsigned long long)d->size);
	/* the buffer is whole pages: the last page of an odd length is its own */
	return dmabuf_map_parts(d, addr, (uint64_t)off, maplen, prot, flags, out);
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

/* One range of one memfd: the items in order, each starting where the
 * last ended, all of the same memfd. */
static bool items_one_range(const struct nm_memfd_range *items, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		if (items[i].memfd != items[0].memfd ||
		    items[i].offset != items[i - 1].offset + items[i - 1].size)
			return false;
	return true;
}

/* The program's fd (see the header comment): own's memfd itself, a fresh
 * open of one range's memfd, or a placeholder; -errno on failure. */
static int dmabuf_prog_fd(const struct rt_dmabuf *d, bool one_range, int cloexec, bool own,
			  int memfd)
{
	char path[64];
	int fd;

	if (own)
		return memfd;
	if (one_range)
		snprintf(path, sizeof(path), "/proc/self/fd/%d", d->parts[0].memfd);
	else
		snprintf(path, sizeof(path), "/dev/null");
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR | (cloexec & O_CLOEXEC));
	return fd < 0 ? -errno : fd;
}

int rt_dmabuf_create(const struct nm_memfd_range *items, uint32_t n, uint32_t flags, bool own)
{
	int cloexec = flags & NM_UDMABUF_FLAGS_CLOEXEC ? O_CLOEXEC : 0;
	struct rt_dmabuf *d = rt_obj_new(RT_FILE, sizeof(*d) + n * sizeof(d->parts[0]));
	uint64_t off = 0;
	int fd, r;

	if (!d)
		return -ENOMEM;
	d->window = -1;
	d->nr_parts = n;
	for (uint32_t i = 0; i < n; i++)
		d->parts[i].memfd = -1;
	r = nm_udmabuf_create_list(items, n, flags, &d->buf);
	if (r < 0)
		goto err_free;
	for (uint32_t i = 0; i < n; i++) {
		d->parts[i] = (struct rt_dmabuf_part){
			.memfd = nm_fd_lift(fcntl(items[i].memfd, F_DUPFD_CLOEXEC, 0)),
			.fd_off = items[i].offset, .off = off, .len = items[i].size,
		};
		if (d->parts[i].memfd < 0) {
			r = -errno;
			goto err_close;
		}
		off += items[i].size;
	}
	d->size = off;
	fd = dmabuf_prog_fd(d, items_one_range(items, n), cloexec, own, items[0].memfd);
	if (fd < 0) {
		r = fd;
		goto err_close;
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
	for (uint32_t i = 0; i < n; i++)
		if (d->parts[i].memfd >= 0)
			REAL(close)(d->parts[i].memfd);
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
