/* SPDX-License-Identifier: MIT */
/*
 * /dev/udmabuf and /dev/dma_heap/system under netmem run, and the runtime's
 * file objects behind them.
 *
 * A program that opens either path gets a real fd (a placeholder on
 * /dev/null, so the number, fstat and O_CLOEXEC are the kernel's) that the
 * fd table maps to a file object; its ioctls are answered here with the
 * kernel's rules (drivers/dma-buf/udmabuf.c, dma-heap.c read for
 * semantics):
 *   UDMABUF_CREATE, UDMABUF_CREATE_LIST: memfd ranges, page aligned, at
 *	most 64 MiB in all (the module's size_limit_mb) and 1024 items
 *	(list_limit), each memfd sealed F_SEAL_SHRINK and not F_SEAL_WRITE
 *	(the exporter, nm_udmabuf_create_list, checks each item's memfd);
 *	UDMABUF_FLAGS_CLOEXEC.  A list is one dma-buf whose bytes are the
 *	items' ranges one after the other, whatever memfds they come from
 *	(several, or separate ranges of one), as the kernel's; CREATE is a
 *	list of one.
 *   DMA_HEAP_IOCTL_ALLOC: a fresh sealed memfd of the page-aligned
 *	length behind the same exporter.
 * Each returns a dma-buf fd (dmabuf.c) that bind-rx and bind-tx accept.
 *
 * File objects (struct rt_file) are the fd table's third kind next to
 * sockets and epolls: an ops table answers ioctl and mmap, and the object
 * goes with its last fd (close, dup2 over it).  mmap() is interposed for
 * them alone; every other mmap goes straight to libc.
 *
 * Workload: control path, a few calls per program.
 */
#include <fcntl.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <netmem/dmabuf.h>

#include "rt/rt_internal.h"

#define UDMABUF_SIZE_LIMIT	(64ull << 20)	/* size_limit_mb's default */
/* the ioctl's flags go to the exporter as they are */
_Static_assert(UDMABUF_FLAGS_CLOEXEC == NM_UDMABUF_FLAGS_CLOEXEC, "udmabuf flags differ");
#define PAGE_SZ			4096ull

/* ---- file objects ------------------------------------------------------------------ */

void rt_file_attach(int fd, struct rt_file *f)
{
	if (rt_fd_set(fd, &f->obj) == 0)
		f->fds++;
}

void rt_file_fd_gone(struct rt_file *f)
{
	if (--f->fds == 0)
		f->ops->release(f);
}

/* The file object behind fd, or NULL (lock not needed: a hint; the
 * caller's fd keeps it alive for its call). */
static struct rt_file *file_of(int fd)
{
	struct rt_obj *o = fd >= 0 ? rt_fd_get(fd) : NULL;

	return o && o->kind == RT_FILE ? (struct rt_file *)o : NULL;
}

struct rt_file *rt_file_get(int fd, const struct rt_file_ops *ops)
{
	struct rt_file *f = file_of(fd);

	return f && f->ops == ops ? f : NULL;
}

bool rt_file_ioctl(int fd, unsigned long req, void *arg, int *ret)
{
	struct rt_file *f = file_of(fd);

	if (!f || rt_foreign())
		return false;
	*ret = (int)rt_ret(f->ops->ioctl(f, req, arg));
	return true;
}

/* ---- mmap ----------------------------------------------------------------------------- */

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct rt_file *f = (flags & MAP_ANONYMOUS) ? NULL : file_of(fd);
	void *p = MAP_FAILED;
	int r;

	if (!f || !f->ops->mmap || rt_foreign())
		return REAL(mmap)(addr, len, prot, flags, fd, off);
	r = f->ops->mmap(f, addr, len, prot, flags, off, &p);
	return r < 0 ? (rt_ret(r), MAP_FAILED) : p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

/* ---- the two devices ------------------------------------------------------------------ */

struct dev_file {
	struct rt_file file;
};

static void dev_release(struct rt_file *f)
{
	rt_obj_free(&f->obj);
}

/* The module's size_limit_mb over all the items' pages.  The rest of the
 * kernel's checks (flags, each item's alignment, no pages, each item's
 * file) are the exporter's, nm_udmabuf_create_list. */
static int udmabuf_size_limit(const struct udmabuf_create_list *head,
			      const struct udmabuf_create_item *list)
{
	uint64_t pages = 0;

	for (uint32_t i = 0; i < head->count; i++) {
		pages += list[i].size / PAGE_SZ;
		if (pages > UDMABUF_SIZE_LIMIT / PAGE_SZ)
			return nm_err(EINVAL, "udmabuf: more than %llu MiB (the module's "
				      "size_limit_mb)", UDMABUF_SIZE_LIMIT >> 20);
	}
	return 0;
}

static int udmabuf_create(const struct udmabuf_create_list *head,
			  const struct udmabuf_create_item *list)
{
	struct nm_memfd_range *items;
	int r;

	r = udmabuf_size_limit(head, list);
	if (r < 0)
		return r;
	items = malloc(head->count * sizeof(*items));
	if (!items)
		return -ENOMEM;
	for (uint32_t i = 0; i < head->count; i++)
		items[i] = (struct nm_memfd_range){ .memfd = (int)list[i].memfd,
						    .offset = list[i].offset, .size = list[i].size };
	/* the exporter refuses flags other than CLOEXEC */
	r = rt_dmabuf_create(items, head->count, head->flags, false);
	free(items);
	return r;
}

static int udmabuf_ioctl(struct rt_file *f, unsigned long req, void *arg)
{
	struct udmabuf_create_list head;
	struct udmabuf_create_item item, *list;
	struct udmabuf_create c;
	int r;

	(void)f;
	if (req != UDMABUF_CREATE && req != UDMABUF_CREATE_LIST)
		return nm_err(ENOTTY, "/dev/udmabuf: ioctl 0x%lx unknown", req);
	if (req == UDMABUF_CREATE) {
		r = rt_user_copy(&c, arg, sizeof(c), false);
		if (r < 0)
			return r;
		head = (struct udmabuf_create_list){ .flags = c.flags, .count = 1 };
		item = (struct udmabuf_create_item){ .memfd = c.memfd, .offset = c.offset,
						     .size = c.size };
		return udmabuf_create(&head, &item);
	}
	r = rt_user_copy(&head, arg, sizeof(head), false);
	if (r < 0)
		return r;
	if (head.count > NM_UDMABUF_LIST_LIMIT)
		return nm_err(EINVAL, "udmabuf: %u items, at most %d (the module's list_limit)",
			      head.count, NM_UDMABUF_LIST_LIMIT);
	if (!head.count)
		return nm_err(EINVAL, "udmabuf: an empty list");
	list = malloc(head.count * sizeof(*list));
	if (!list)
		return -ENOMEM;
	r = rt_user_copy(list, (uint8_t *)arg + sizeof(head), head.count * sizeof(*list), false);
	if (r == 0)
		r = udmabuf_create(&head, list);
	free(list);
	return r;
}

static int heap_alloc(struct dma_heap_allocation_data *d)
{
	uint64_t len = (d->len + PAGE_SZ - 1) & ~(PAGE_SZ - 1);
	int memfd, r;

	if (d->fd)
		return nm_err(EINVAL, "dma_heap: fd must be 0 on entry");
	if (d->fd_flags & ~(uint32_t)(O_CLOEXEC | O_ACCMODE))
		return nm_err(EINVAL, "dma_heap: fd_flags 0x%x (O_CLOEXEC and the access mode "
			      "only)", d->fd_flags);
	if (d->heap_flags)
		return nm_err(EINVAL, "dma_heap: heap_flags 0x%llx (none defined)",
			      (unsigned long long)d->heap_flags);
	if (!len || len < d->len)
		return nm_err(EINVAL, "dma_heap: length %llu", (unsigned long long)d->len);
	memfd = memfd_create("dma_heap:system", MFD_ALLOW_SEALING |
			     (d->fd_flags & O_CLOEXEC ? MFD_CLOEXEC : 0));
	if (memfd < 0)
		return -errno;
	if (ftruncate(memfd, (off_t)len) < 0 ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
		r = errno == EFBIG || errno == ENOSPC ? -ENOMEM : -errno;
		REAL(close)(memfd);
		return nm_err(-r, "dma_heap: %llu bytes: %s", (unsigned long long)len,
			      strerror(-r));
	}
	r = rt_dmabuf_create(&(struct nm_memfd_range){ .memfd = memfd, .size = len }, 1,
			     d->fd_flags & O_CLOEXEC ? NM_UDMABUF_FLAGS_CLOEXEC : 0, true);
	if (r < 0) {
		REAL(close)(memfd);
		return r;
	}
	d->fd = (uint32_t)r;
	return 0;
}

static int heap_ioctl(struct rt_file *f, unsigned long req, void *arg)
{
	struct dma_heap_allocation_data d;
	int r;

	(void)f;
	if (req != DMA_HEAP_IOCTL_ALLOC)
		return nm_err(ENOTTY, "/dev/dma_heap/system: ioctl 0x%lx unknown", req);
	r = rt_user_copy(&d, arg, sizeof(d), false);
	if (r == 0)
		r = heap_alloc(&d);
	if (r == 0 && rt_user_copy(arg, &d, sizeof(d), true) < 0) {
		REAL(close)((int)d.fd);	/* the kernel's fd_install comes after the copy */
		r = -EFAULT;
	}
	return r;
}

static const struct rt_file_ops udmabuf_dev_ops = {
	.ioctl = udmabuf_ioctl,
	.release = dev_release,
};

static const struct rt_file_ops heap_dev_ops = {
	.ioctl = heap_ioctl,
	.release = dev_release,
};

/* ---- open ------------------------------------------------------------------------------ */

static const struct rt_file_ops *dev_named(const char *path)
{
	if (!path || !rt.enabled || rt_foreign())
		return NULL;
	if (!strcmp(path, "/dev/udmabuf"))
		return &udmabuf_dev_ops;
	if (!strcmp(path, "/dev/dma_heap/system"))
		return &heap_dev_ops;
	return NULL;
}

/* The device's fd: a placeholder on /dev/null with the program's flags. */
static int dev_open(const struct rt_file_ops *ops, int flags)
{
	struct dev_file *d = rt_obj_new(RT_FILE, sizeof(*d));
	int fd;

	if (!d)
		return (int)rt_ret(-ENOMEM);
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null",
			  (flags & (O_CLOEXEC | O_ACCMODE | O_NONBLOCK)));
	if (fd < 0) {
		rt_obj_free(&d->file.obj);
		return -1;
	}
	d->file.ops = ops;
	rt_lock();
	rt_file_attach(fd, &d->file);
	rt_unlock();
	if (!d->file.fds) {
		REAL(close)(fd);
		rt_obj_free(&d->file.obj);
		return (int)rt_ret(-ENOMEM);
	}
	return fd;
}

/* The device's fd, or what libc's open answers.  mode is read only where
 * open reads it (O_CREAT, O_TMPFILE): reading an argument not passed is
 * undefined. */
#define DEV_OR_REAL(path, flags, real_call)					\
	do {									\
		const struct rt_file_ops *ops = dev_named(path);		\
		mode_t m = 0;							\
										\
		if (ops)							\
			return dev_open(ops, flags);				\
		if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {	\
			va_list ap;						\
										\
			va_start(ap, flags);					\
			m = va_arg(ap, mode_t);					\
			va_end(ap);						\
		}								\
		return real_call;						\
	} while (0)

int open64(const char *path, int flags, ...);
int openat64(int dirfd, const char *path, int flags, ...);

int open(const char *path, int flags, ...)
{
	DEV_OR_REAL(path, flags, REAL(open)(path, flags, m));
}

int open64(const char *path, int flags, ...)
{
	DEV_OR_REAL(path, flags, REAL(open64)(path, flags, m));
}

int openat(int dirfd, const char *path, int flags, ...)
{
	DEV_OR_REAL(path, flags, REAL(openat)(dirfd, path, flags, m));
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	DEV_OR_REAL(path, flags, REAL(openat64)(dirfd, path, flags, m));
}

/* the fortified variants (_FORTIFY_SOURCE: open without O_CREAT) */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

int __open64_2(const char *path, int flags)
{
	return open64(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

int __openat64_2(int dirfd, const char *path, int flags)
{
	return openat64(dirfd, path, flags);
}
