/* SPDX-License-Identifier: MIT */
/*
 * The udmabuf exporter: a dma-buf of an application's memfd pages, with
 * the rules of Linux's drivers/dma-buf/udmabuf.c, errno for errno.
 *
 * The application keeps writing its memfd through its own mapping; the
 * buffer is one NM_MEM_MEMFD memory object over the same pages, so devices
 * see those bytes.  A list (UDMABUF_CREATE_LIST's items: several memfds,
 * or separate ranges of one) is one buffer whose bytes are the items'
 * ranges one after the other: one object made of one part per item.
 * The rules make that safe: the file must be shmem (a memfd), must not
 * shrink under the buffer (F_SEAL_SHRINK), and its pages must stay
 * writable (no F_SEAL_WRITE / F_SEAL_FUTURE_WRITE, which promise
 * readers the bytes never change again).  Checks run in the kernel's order
 * (every item's alignment, then every item's file) and each refusal has
 * its own message, naming the item in a list; docs/dmabuf.md has the
 * table.
 *
 * Like the kernel's, the buffer cannot move (its pages are pinned) and
 * allows mmap (of the memfd range).
 *
 * Workload: control path, once per buffer.
 */
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "dmabuf/dmabuf_internal.h"
#include "mem/mem_internal.h"
#include "util/err.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

#define NM_UDMABUF_SEALS_WANTED F_SEAL_SHRINK

/* A refusal of item i: a list's names the item, a single range's does not. */
static int nm_udmabuf_item_err(int r, uint32_t count, uint32_t i)
{
	return count > 1 ? nm_err_wrap(r, "item %u", i) : r;
}

/* One item's alignment (the kernel's first loop). */
static int nm_udmabuf_check_align(const struct nm_memfd_range *it)
{
	if (it->offset & (NM_PAGE_SIZE - 1))
		return nm_err(EINVAL, "offset %llu is not page-aligned",
			      (unsigned long long)it->offset);
	if (it->size & (NM_PAGE_SIZE - 1))
		return nm_err(EINVAL, "size %llu is not a multiple of the page size",
			      (unsigned long long)it->size);
	return 0;
}

/* The arguments that need no file (checked first, as the kernel does). */
static int nm_udmabuf_check_args(const struct nm_memfd_range *items, uint32_t count,
				 uint32_t flags)
{
	uint64_t pages = 0;
	int r;

	if (flags & ~(uint32_t)NM_UDMABUF_FLAGS_CLOEXEC)
		return nm_err(EINVAL, "unknown flags 0x%x (only "
			      "NM_UDMABUF_FLAGS_CLOEXEC is defined)",
			      flags & ~(uint32_t)NM_UDMABUF_FLAGS_CLOEXEC);
	if (count > NM_UDMABUF_LIST_LIMIT)
		return nm_err(EINVAL, "%u items, at most %d (the kernel's list_limit)",
			      count, NM_UDMABUF_LIST_LIMIT);
	if (count && !items)
		return nm_err(EINVAL, "items is NULL");
	for (uint32_t i = 0; i < count; i++) {
		r = nm_udmabuf_check_align(&items[i]);
		if (r < 0)
			return nm_udmabuf_item_err(r, count, i);
		/* each size is at most 2^64 - 4096 and there are at most
		 * 1024: count pages, which cannot wrap */
		pages += items[i].size / NM_PAGE_SIZE;
	}
	if (pages == 0)
		return nm_err(EINVAL, count > 1 ? "no pages in any item" :
			      count ? "size is 0" : "no items");
	return 0;
}

/* check_memfd_seals() of the kernel, plus the file range it pins. */
static int nm_udmabuf_check_memfd(int memfd, uint64_t offset, uint64_t size)
{
	struct statfs sfs;
	struct stat st;
	int seals;

	if (memfd < 0 || fstat(memfd, &st) < 0)
		return nm_err(EBADFD, "fd %d is not open", memfd);
	if (fstatfs(memfd, &sfs) < 0)
		return nm_err(EBADFD, "fd %d: fstatfs failed", memfd);
	if (!S_ISREG(st.st_mode) ||
	    (sfs.f_type != TMPFS_MAGIC && sfs.f_type != HUGETLBFS_MAGIC))
		return nm_err(EBADFD, "fd %d is not a memfd or other shmem file",
			      memfd);
	seals = fcntl(memfd, F_GET_SEALS);
	if (seals < 0)
		return nm_err(EBADFD, "fd %d does not support seals", memfd);
	if ((seals & NM_UDMABUF_SEALS_WANTED) != NM_UDMABUF_SEALS_WANTED)
		return nm_err(EINVAL, "memfd lacks F_SEAL_SHRINK (the file could "
			      "shrink under the buffer)");
	if (seals & F_SEAL_WRITE)
		return nm_err(EINVAL, "memfd is sealed with F_SEAL_WRITE (its pages "
			      "must stay writable)");
	if (seals & F_SEAL_FUTURE_WRITE)
		return nm_err(EINVAL, "memfd is sealed with F_SEAL_FUTURE_WRITE (its "
			      "pages must stay writable)");
	if (offset > (uint64_t)st.st_size || size > (uint64_t)st.st_size - offset)
		return nm_err(EINVAL, "range [%llu, +%llu) ends past the end of the "
			      "file (%lld bytes)", (unsigned long long)offset,
			      (unsigned long long)size, (long long)st.st_size);
	return 0;
}

int nm_udmabuf_create_list(const struct nm_memfd_range *items, uint32_t count,
			   uint32_t flags, struct nm_dmabuf **out)
{
	NM_API_CALL();
	struct nm_dmabuf_export_info info = {
		.exp_name = "udmabuf",
		.ops = &nm_memobj_mmap_ops,
	};
	struct nm_memobj *obj;
	int r;

	if (!out)
		return nm_err(EINVAL, "out is NULL");
	r = nm_udmabuf_check_args(items, count, flags);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < count; i++) {
		r = nm_udmabuf_check_memfd(items[i].memfd, items[i].offset, items[i].size);
		/* the kernel pins each item's pages: an item of none is
		 * refused there, after its file's checks */
		if (r == 0 && items[i].size == 0)
			r = nm_err(EINVAL, "size is 0 (an item with no pages)");
		if (r < 0)
			return nm_udmabuf_item_err(r, count, i);
	}
	r = nm_memobj_create_memfd_list(items, count, NM_MEM_SCATTER, &obj);
	if (r < 0)
		return nm_err_wrap(r, "udmabuf");
	info.size = obj->size;		/* the items' sum, as the object checked it */
	return nm_memobj_exp_export(&info, obj, out);
}

int nm_udmabuf_create(int memfd, uint64_t offset, uint64_t size, uint32_t flags,
		      struct nm_dmabuf **out)
{
	NM_API_CALL();
	const struct nm_memfd_range item = { .memfd = memfd, .offset = offset, .size = size };

	return nm_udmabuf_create_list(&item, 1, flags, out);
}
