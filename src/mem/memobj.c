/* SPDX-License-Identifier: MIT */
/*
 * Memory objects: host anonymous memory, an application's memfd pages,
 * device memory, or any mmap-able fd (a kernel dma-buf).
 *
 * Every object is backed by an fd (our own memfd for anonymous and device
 * memory), or by several fd ranges one after the other (the parts of a
 * udmabuf list), and has two mappings of its bytes:
 *  - the engine mapping, read-write, private to the DMA engine;
 *  - the CPU view.  Guarded (memobj_guarded()) for device memory, which
 *    the CPU cannot reach, and in the checking mode (mem_check.c) for
 *    memfd and kernel dma-buf pages too: PROT_NONE, with CPU-access windows
 *    opening pages of the view for the duration of the window, so a stray
 *    pointer faults (invariant 1 of ARCHITECTURE.md).  Otherwise
 *    read-write from creation: host anonymous memory is its owner's, and
 *    Linux lets the CPU reach a udmabuf's or a dma-buf's pages through its
 *    mmap at any time, so windows there are bookkeeping only.
 * Each mapping is one reserved address range with every part mapped over
 * its slice (MAP_FIXED), so obj->engine + off and obj->cpu + off hold for
 * any offset, across part boundaries too.
 *
 * Invariants:
 *  1. refs counts holders (creator, DMA mapping segments via their
 *     mapping, importers); the object is freed at zero.
 *  2. Outside windows every page of a guarded CPU view is PROT_NONE;
 *     inside, a page is readable if any window covers it and writable if
 *     any covering window asked for write.  An unguarded view is
 *     read-write throughout and windows never mprotect it.
 *  3. parts[] cover [0, size) in order, back to back; each part holds its
 *     own fd until the object is freed.
 *
 * Workload: creation and windows are control path; nothing here is on the
 * data path (the engine uses obj->engine directly).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem/mem_internal.h"
#include "util/err.h"

#define NM_MEM_FLAGS_ALL NM_MEM_SCATTER
/* Largest object: what the RAM region can hold, and what fits the
 * 32-bit-page-count extent arrays. */
#define NM_MEMOBJ_MAX (1ULL << 42)

static int memobj_check_size(uint64_t size, uint32_t flags)
{
	if (!size || (size & (NM_PAGE_SIZE - 1)))
		return nm_err(EINVAL, "size %llu is not a nonzero multiple of %llu",
			      (unsigned long long)size, (unsigned long long)NM_PAGE_SIZE);
	if (size > NM_MEMOBJ_MAX)
		return nm_err(E2BIG, "size %llu exceeds %llu",
			      (unsigned long long)size, (unsigned long long)NM_MEMOBJ_MAX);
	if (flags & ~NM_MEM_FLAGS_ALL)
		return nm_err(EINVAL, "unknown flags %#x", flags & ~NM_MEM_FLAGS_ALL);
	return 0;
}

/* Whether a new object of kind keeps its CPU view PROT_NONE outside
 * windows: device memory always (the CPU cannot reach it but through a
 * window), memfd and kernel dma-buf pages in the checking mode only. */
static bool memobj_guarded(enum nm_mem_kind kind)
{
	switch (kind) {
	case NM_MEM_DEVICE:
		return true;
	case NM_MEM_MEMFD:
	case NM_MEM_KERNEL_DMABUF:
		return nm_mem_checking();
	default:
		return false;
	}
}

static struct nm_memobj *memobj_alloc(enum nm_mem_kind kind, uint64_t size, uint32_t flags)
{
	struct nm_memobj *obj = calloc(1, sizeof(*obj));

	if (!obj)
		return NULL;
	atomic_init(&obj->refs, 1);
	atomic_init(&obj->maps, 0);
	obj->kind = kind;
	obj->guarded = memobj_guarded(kind);
	obj->size = size;
	obj->flags = flags;
	obj->part0 = (struct nm_memobj_part){ .fd = -1, .len = size };
	obj->parts = &obj->part0;
	obj->nr_parts = 1;
	obj->engine = MAP_FAILED;
	obj->cpu = MAP_FAILED;
	pthread_mutex_init(&obj->win_lock, NULL);
	return obj;
}

static void memobj_free(struct nm_memobj *obj)
{
	nm__engine_index_remove(obj);
	nm_physmap_free(obj);
	if (obj->engine != MAP_FAILED)
		munmap(obj->engine, obj->size);
	if (obj->cpu != MAP_FAILED)
		munmap(obj->cpu, obj->size);
	for (uint32_t i = 0; i < obj->nr_parts; i++)
		if (obj->parts[i].fd >= 0)
			close(obj->parts[i].fd);
	if (obj->parts != &obj->part0)
		free(obj->parts);
	if (obj->dev)
		nm_device_unref(obj->dev);
	pthread_mutex_destroy(&obj->win_lock);
	free(obj->win);
	free(obj);
}

/*
 * A shared mapping of the object's bytes [off, off + len) (page-aligned):
 * an address range reserved whole, then the slice of each part that falls
 * in it mapped over its place (MAP_FIXED), so the parts lie in order.  On
 * failure nothing stays mapped and errno is mmap's.
 */
static uint8_t *memobj_map_parts(const struct nm_memobj *obj, uint64_t off, uint64_t len,
				 int prot, int flags)
{
	uint8_t *base = mmap(NULL, len, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint64_t end = off + len;

	if (base == MAP_FAILED)
		return MAP_FAILED;
	for (uint32_t i = 0; i < obj->nr_parts; i++) {
		const struct nm_memobj_part *pt = &obj->parts[i];
		uint64_t s = off > pt->off ? off : pt->off;
		uint64_t e = end < pt->off + pt->len ? end : pt->off + pt->len;

		if (s >= e)
			continue;
		if (mmap(base + (s - off), e - s, prot, MAP_SHARED | MAP_FIXED | flags, pt->fd,
			 (off_t)(pt->fd_off + (s - pt->off))) == MAP_FAILED) {
			int err = errno;

			munmap(base, len);
			errno = err;
			return MAP_FAILED;
		}
	}
	return base;
}

int nm_memobj_mmap(const struct nm_memobj *obj, uint64_t off, uint64_t len, int prot,
		   void **addr)
{
	uint64_t maplen = (len + NM_PAGE_SIZE - 1) & ~(NM_PAGE_SIZE - 1);
	uint8_t *p;

	if (off & (NM_PAGE_SIZE - 1))
		return nm_err(EINVAL, "offset %llu is not page-aligned", (unsigned long long)off);
	if (!len || off > obj->size || maplen > obj->size - off)
		return nm_err(EINVAL, "[%llu, +%llu) is outside the %llu-byte object",
			      (unsigned long long)off, (unsigned long long)len,
			      (unsigned long long)obj->size);
	p = memobj_map_parts(obj, off, maplen, prot, 0);
	if (p == MAP_FAILED)
		return nm_err_sys(errno, "mmap of %llu bytes at %llu", (unsigned long long)maplen,
				  (unsigned long long)off);
	*addr = p;
	return 0;
}

/* Map the backing twice (engine RW, CPU view PROT_NONE if guarded, else
 * RW) and place the object in the physical map. */
static int memobj_setup(struct nm_memobj *obj)
{
	int cpu_prot = obj->guarded ? PROT_NONE : PROT_READ | PROT_WRITE;
	/* Host memory (page-pool blocks, send rings) is populated now, so its
	 * page faults land at creation instead of in the data path.  Device
	 * and imported memory stay lazy: they can be large and are the
	 * exporter's to fill. */
	int populate = obj->kind == NM_MEM_HOST_ANON ? MAP_POPULATE : 0;

	obj->engine = memobj_map_parts(obj, 0, obj->size, PROT_READ | PROT_WRITE, populate);
	if (obj->engine == MAP_FAILED)
		return nm_err_sys(errno == EACCES ? EACCES : ENOMEM,
				  "mmap of the memory for the DMA engine");
	obj->cpu = memobj_map_parts(obj, 0, obj->size, cpu_prot,
				    cpu_prot != PROT_NONE ? populate : 0);
	if (obj->cpu == MAP_FAILED)
		return nm_err_sys(ENOMEM, "mmap of the CPU view");
	int r = nm_physmap_alloc(obj);

	return r ? r : nm__engine_index_add(obj);
}

static int memobj_new_memfd(struct nm_memobj *obj, const char *name)
{
	obj->part0.fd = memfd_create(name, MFD_CLOEXEC);
	if (obj->part0.fd < 0)
		return nm_err_sys(errno, "memfd_create");
	if (ftruncate(obj->part0.fd, (off_t)obj->size))
		return nm_err_sys(errno == EFBIG ? E2BIG : ENOMEM, "ftruncate %llu",
				  (unsigned long long)obj->size);
	return 0;
}

int nm_memobj_create_anon(uint64_t size, uint32_t flags, struct nm_memobj **out)
{
	NM_API_CALL();
	struct nm_memobj *obj;
	int ret;

	if (!out)
		return nm_err(EINVAL, "NULL output pointer");
	ret = memobj_check_size(size, flags);
	if (ret)
		return ret;
	obj = memobj_alloc(NM_MEM_HOST_ANON, size, flags);
	if (!obj)
		return nm_err(ENOMEM, "out of memory");
	obj->region = 0;
	ret = memobj_new_memfd(obj, "nm-anon");
	if (!ret)
		ret = memobj_setup(obj);
	if (ret) {
		memobj_free(obj);
		return ret;
	}
	*out = obj;
	return 0;
}

int nm_memobj_create_device(struct nm_device *dev, uint64_t size, uint32_t flags,
			    struct nm_memobj **out)
{
	NM_API_CALL();
	struct nm_memobj *obj;
	int ret;

	if (!dev || !out)
		return nm_err(EINVAL, "NULL argument");
	if (!dev->mem_size || dev->region <= 0)
		return nm_err(ENODEV, "%s has no device memory", dev->name);
	ret = memobj_check_size(size, flags);
	if (ret)
		return ret;
	if (size > dev->mem_size)
		return nm_err(ENOMEM, "%llu bytes exceed %s's %llu",
			      (unsigned long long)size, dev->name,
			      (unsigned long long)dev->mem_size);
	obj = memobj_alloc(NM_MEM_DEVICE, size, flags);
	if (!obj)
		return nm_err(ENOMEM, "out of memory");
	obj->region = dev->region;
	obj->dev = dev;
	nm_device_ref(dev);
	ret = memobj_new_memfd(obj, "nm-devmem");
	if (!ret)
		ret = memobj_setup(obj);
	if (ret) {
		memobj_free(obj);
		return ret;
	}
	*out = obj;
	return 0;
}

/* Validate an fd range for the fd-backed kinds. */
static int memobj_check_fd(int fd, uint64_t off, uint64_t size, bool regular)
{
	struct stat st;

	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return nm_err(EBADF, "fd %d is not open", fd);
	if (off & (NM_PAGE_SIZE - 1))
		return nm_err(EINVAL, "offset %llu is not page-aligned",
			      (unsigned long long)off);
	if (fstat(fd, &st))
		return nm_err_sys(errno, "fstat(%d)", fd);
	if (regular && !S_ISREG(st.st_mode))
		return nm_err(EINVAL, "fd %d is not a regular file", fd);
	if (regular && (off > (uint64_t)st.st_size || size > (uint64_t)st.st_size - off))
		return nm_err(EINVAL, "range [%llu, +%llu) is past the file's end (%lld)",
			      (unsigned long long)off, (unsigned long long)size,
			      (long long)st.st_size);
	return 0;
}

/* Validate the ranges an object is made of; *total is their sum.  A
 * refusal of one range of several names the range. */
static int memobj_check_ranges(const struct nm_memfd_range *r, unsigned n, uint32_t flags,
			       bool regular, uint64_t *total)
{
	uint64_t sum = 0;
	int ret;

	if (!r || !n)
		return nm_err(EINVAL, "no ranges");
	if (n > NM_MEMOBJ_MAX_PARTS)
		return nm_err(E2BIG, "%u ranges, at most %d", n, NM_MEMOBJ_MAX_PARTS);
	for (unsigned i = 0; i < n; i++) {
		ret = memobj_check_size(r[i].size, flags);
		if (!ret)
			ret = memobj_check_fd(r[i].memfd, r[i].offset, r[i].size, regular);
		if (ret)
			return n > 1 ? nm_err_wrap(ret, "range %u", i) : ret;
		sum += r[i].size;	/* at most 1024 * 2^42: no overflow */
	}
	if (sum > NM_MEMOBJ_MAX)
		return nm_err(E2BIG, "the ranges' %llu bytes exceed %llu",
			      (unsigned long long)sum, (unsigned long long)NM_MEMOBJ_MAX);
	*total = sum;
	return 0;
}

/* The object's parts: one per range, back to back, each with its own dup
 * of the range's fd (memobj_free closes what was taken). */
static int memobj_take_parts(struct nm_memobj *obj, const struct nm_memfd_range *r, unsigned n)
{
	uint64_t off = 0;

	if (n > 1) {
		obj->parts = calloc(n, sizeof(*obj->parts));
		if (!obj->parts) {
			obj->parts = &obj->part0;
			return nm_err(ENOMEM, "out of memory for %u ranges", n);
		}
		for (unsigned i = 0; i < n; i++)
			obj->parts[i].fd = -1;
		obj->nr_parts = n;
	}
	for (unsigned i = 0; i < n; i++) {
		struct nm_memobj_part *pt = &obj->parts[i];

		pt->fd = fcntl(r[i].memfd, F_DUPFD_CLOEXEC, 0);
		if (pt->fd < 0)
			return nm_err_sys(errno, "fcntl F_DUPFD_CLOEXEC of fd %d", r[i].memfd);
		pt->fd_off = r[i].offset;
		pt->off = off;
		pt->len = r[i].size;
		off += r[i].size;
	}
	return 0;
}

static int memobj_create_from_fds(const struct nm_memfd_range *r, unsigned n,
				  enum nm_mem_kind kind, uint32_t flags, bool regular,
				  struct nm_memobj **out)
{
	struct nm_memobj *obj;
	uint64_t size = 0;
	int ret;

	if (!out)
		return nm_err(EINVAL, "NULL output pointer");
	ret = memobj_check_ranges(r, n, flags, regular, &size);
	if (ret)
		return ret;
	obj = memobj_alloc(kind, size, flags);
	if (!obj)
		return nm_err(ENOMEM, "out of memory");
	obj->region = 0;
	ret = memobj_take_parts(obj, r, n);
	if (!ret)
		ret = memobj_setup(obj);
	if (ret) {
		memobj_free(obj);
		return ret;
	}
	*out = obj;
	return 0;
}

int nm_memobj_create_memfd(int memfd, uint64_t offset, uint64_t size, uint32_t flags,
			   struct nm_memobj **out)
{
	NM_API_CALL();
	const struct nm_memfd_range r = { .memfd = memfd, .offset = offset, .size = size };

	return memobj_create_from_fds(&r, 1, NM_MEM_MEMFD, flags, true, out);
}

int nm_memobj_create_memfd_list(const struct nm_memfd_range *ranges, unsigned count,
				uint32_t flags, struct nm_memobj **out)
{
	NM_API_CALL();
	return memobj_create_from_fds(ranges, count, NM_MEM_MEMFD, flags, true, out);
}

int nm_memobj_create_fd(int fd, uint64_t off, uint64_t size, enum nm_mem_kind kind,
			uint32_t flags, struct nm_memobj **out)
{
	const struct nm_memfd_range r = { .memfd = fd, .offset = off, .size = size };

	if (kind != NM_MEM_MEMFD && kind != NM_MEM_KERNEL_DMABUF)
		return nm_err(EINVAL, "kind %d cannot be fd-backed", kind);
	return memobj_create_from_fds(&r, 1, kind, flags, kind == NM_MEM_MEMFD, out);
}

void nm_memobj_get(struct nm_memobj *obj)
{
	if (obj)
		atomic_fetch_add_explicit(&obj->refs, 1, memory_order_relaxed);
}

void nm_memobj_put(struct nm_memobj *obj)
{
	if (obj && atomic_fetch_sub_explicit(&obj->refs, 1, memory_order_acq_rel) == 1)
		memobj_free(obj);
}

uint64_t nm_memobj_size(const struct nm_memobj *obj)
{
	return obj ? obj->size : 0;
}

enum nm_mem_kind nm_memobj_kind(const struct nm_memobj *obj)
{
	return obj ? obj->kind : 0;
}

struct nm_device *nm_memobj_device(const struct nm_memobj *obj)
{
	return obj ? obj->dev : NULL;
}

void *nm_memobj_host_addr(const struct nm_memobj *obj)
{
	return obj && obj->kind == NM_MEM_HOST_ANON ? obj->cpu : NULL;
}

static int memobj_check_range(const struct nm_memobj *obj, uint64_t off,
			      uint64_t len)
{
	if (!obj)
		return nm_err(EINVAL, "NULL object");
	if (!len)
		return nm_err(EINVAL, "empty range");
	if (off >= obj->size || len > obj->size - off)
		return nm_err(EINVAL, "range [%llu, +%llu) outside the %llu-byte object",
			      (unsigned long long)off, (unsigned long long)len,
			      (unsigned long long)obj->size);
	return 0;
}

int nm_memobj_get_phyrs(const struct nm_memobj *obj, uint64_t offset, uint64_t len,
		    struct nm_phyr *out, size_t max)
{
	NM_API_CALL();
	uint64_t end = offset + len, last_end = 0;
	size_t n = 0;
	int ret;

	ret = memobj_check_range(obj, offset, len);
	if (ret)
		return ret;
	if (max && !out)
		return nm_err(EINVAL, "NULL array with max %zu", max);
	nm_physmap_rdlock();
	/* extents are sorted by offset; find the first one touching offset */
	uint32_t lo = 0, hi = obj->nr_ext;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (obj->ext[mid].off + obj->ext[mid].len <= offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t i = lo; i < obj->nr_ext && obj->ext[i].off < end; i++) {
		const struct nm_extent *e = &obj->ext[i];
		uint64_t s = offset > e->off ? offset : e->off;
		uint64_t t = end < e->off + e->len ? end : e->off + e->len;
		uint64_t phys = e->phys + (s - e->off);

		/* merge physically contiguous neighbours into one phyr */
		if (n && last_end == phys) {
			if (n <= max)
				out[n - 1].len += t - s;
		} else {
			if (n < max)
				out[n] = (struct nm_phyr){ .addr = phys, .len = t - s };
			n++;
		}
		last_end = phys + (t - s);
	}
	nm_physmap_unlock();
	if (n > (size_t)INT32_MAX)
		return nm_err(E2BIG, "too many ranges");
	return (int)n;
}

/* ---- CPU-access windows ------------------------------------------------ */

static int win_prot(unsigned access)
{
	return (access & NM_CPU_WRITE) ? PROT_READ | PROT_WRITE : PROT_READ;
}

static void win_pages(uint64_t off, uint64_t len, uint64_t *ps, uint64_t *pl)
{
	uint64_t s = off & ~(NM_PAGE_SIZE - 1);
	uint64_t e = (off + len + NM_PAGE_SIZE - 1) & ~(NM_PAGE_SIZE - 1);

	*ps = s;
	*pl = e - s;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Widest protection the windows in w[0, n) give every page of [a, b). */
static int win_prot_over(const struct nm_cpu_window *w, uint32_t n, uint64_t a, uint64_t b)
{
	int prot = PROT_NONE;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t ws, wl;

		win_pages(w[i].off, w[i].len, &ws, &wl);
		if (ws <= a && ws + wl >= b)
			prot |= win_prot(w[i].access);
	}
	return prot;
}

/*
 * Give the pages of [ps, ps + pl) exactly the protection the open windows
 * call for (the widest access of the windows covering each page, PROT_NONE
 * where none does), one mprotect per run of equal protection.  A page is
 * only ever set to its final protection, never lowered on the way, so a
 * thread using another open window on a shared page cannot fault.
 * Caller holds win_lock.  Costs one pass over the open windows plus the
 * square of those overlapping the range (usually one or two).  -ENOMEM if
 * an mprotect failed.
 */
static int win_apply(struct nm_memobj *obj, uint64_t ps, uint64_t pl)
{
	uint64_t end = ps + pl, *pts = NULL;
	struct nm_cpu_window *ov = NULL;
	uint32_t n = 0, k = 0;
	int ret = -ENOMEM;

	/* the windows that overlap the range, and their page boundaries */
	ov = malloc(((size_t)obj->nr_win + 1) * sizeof(*ov));
	pts = malloc(((size_t)obj->nr_win * 2 + 2) * sizeof(*pts));
	if (!ov || !pts)
		goto out;
	pts[n++] = ps;
	pts[n++] = end;
	for (uint32_t i = 0; i < obj->nr_win; i++) {
		uint64_t ws, wl;

		win_pages(obj->win[i].off, obj->win[i].len, &ws, &wl);
		if (ws >= end || ws + wl <= ps)
			continue;
		ov[k++] = obj->win[i];
		if (ws > ps)
			pts[n++] = ws;
		if (ws + wl < end)
			pts[n++] = ws + wl;
	}
	qsort(pts, n, sizeof(*pts), u64_cmp);
	ret = 0;
	for (uint32_t j = 0; j + 1 < n && !ret; j++) {
		uint64_t a = pts[j], b = pts[j + 1];
		int prot;

		if (a == b)
			continue;
		prot = win_prot_over(ov, k, a, b);
		/* extend the run while the next segment wants the same */
		while (j + 2 < n && win_prot_over(ov, k, b, pts[j + 2]) == prot)
			b = pts[++j + 1];
		obj->win_mprotects++;
		if (mprotect(obj->cpu + a, b - a, prot))
			ret = -ENOMEM;
	}
out:
	free(ov);
	free(pts);
	return ret;
}

int nm_memobj_cpu_begin(struct nm_memobj *obj, uint64_t offset, uint64_t len,
			unsigned access, void **addr)
{
	NM_API_CALL();
	uint64_t ps, pl;
	int ret;

	ret = memobj_check_range(obj, offset, len);
	if (ret)
		return ret;
	if (!addr)
		return nm_err(EINVAL, "NULL address pointer");
	if (!access || (access & ~(NM_CPU_READ | NM_CPU_WRITE)))
		return nm_err(EINVAL, "access %#x invalid", access);
	pthread_mutex_lock(&obj->win_lock);
	if (obj->nr_win == obj->cap_win) {
		uint32_t cap = obj->cap_win ? obj->cap_win * 2 : 4;
		void *p = cap > 65536 ? NULL : realloc(obj->win, cap * sizeof(*obj->win));

		if (!p) {
			pthread_mutex_unlock(&obj->win_lock);
			return nm_err(ENOMEM, "too many open windows");
		}
		obj->win = p;
		obj->cap_win = cap;
	}
	obj->win[obj->nr_win++] = (struct nm_cpu_window){ offset, len, access };
	if (obj->guarded) {
		win_pages(offset, len, &ps, &pl);
		if (win_apply(obj, ps, pl)) {
			int r = nm_err_sys(ENOMEM, "mprotect of the window");

			/* undo: the pages get back what the other windows need */
			obj->nr_win--;
			win_apply(obj, ps, pl);
			pthread_mutex_unlock(&obj->win_lock);
			return r;
		}
	}
	pthread_mutex_unlock(&obj->win_lock);
	*addr = obj->cpu + offset;
	return 0;
}

int nm_memobj_cpu_end(struct nm_memobj *obj, uint64_t offset, uint64_t len)
{
	NM_API_CALL();
	uint64_t ps, pl;
	uint32_t i;

	if (!obj)
		return nm_err(EINVAL, "NULL object");
	pthread_mutex_lock(&obj->win_lock);
	for (i = obj->nr_win; i > 0; i--)
		if (obj->win[i - 1].off == offset && obj->win[i - 1].len == len)
			break;
	if (!i) {
		pthread_mutex_unlock(&obj->win_lock);
		return nm_err(EINVAL, "no open window at [%llu, +%llu)",
			      (unsigned long long)offset, (unsigned long long)len);
	}
	struct nm_cpu_window closing = obj->win[i - 1];

	obj->win[i - 1] = obj->win[--obj->nr_win];
	if (obj->guarded) {
		win_pages(offset, len, &ps, &pl);
		if (win_apply(obj, ps, pl)) {
			int r = nm_err_sys(ENOMEM, "mprotect of the window");

			/* keep the window open rather than lie about its pages */
			obj->win[obj->nr_win++] = closing;
			win_apply(obj, ps, pl);
			pthread_mutex_unlock(&obj->win_lock);
			return r;
		}
	}
	pthread_mutex_unlock(&obj->win_lock);
	return 0;
}
