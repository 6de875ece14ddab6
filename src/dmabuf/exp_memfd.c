/* SPDX-License-Identifier: MIT */
/*
 * The udmabuf exporter: a dma-buf of an application's memfd pages, with
 * the rules of Linux's drivers/dma-buf/udmabuf.c, errno for errno.
 *
 * The application keeps writing its memfd through its own mapping; the
 * buffer is one NM_MEM_MEMFD memory object over the same pages, so devices
 * see those bytes.  The rules make that safe: the file must be shmem (a
 * memfd), must not shrink under the buffer (F_SEAL_SHRINK), and its pages
 * must stay writable (no F_SEAL_WRITE / F_SEAL_FUTURE_WRITE, which promise
 * readers the bytes never change again).  Checks run in the kernel's order
 * and each refusal has its own message; docs/dmabuf.md has the table.
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

/* The arguments that need no file (checked first, as the kernel does). */
static int nm_udmabuf_check_args(uint64_t offset, uint64_t size, uint32_t flags)
{
	if (flags & ~(uint32_t)NM_UDMABUF_FLAGS_CLOEXEC)
		return nm_err(EINVAL, "udmabuf: unknown flags 0x%x (only "
			      "NM_UDMABUF_FLAGS_CLOEXEC is defined)",
			      flags & ~(uint32_t)NM_UDMABUF_FLAGS_CLOEXEC);
	if (offset & (NM_PAGE_SIZE - 1))
		return nm_err(EINVAL, "udmabuf: offset %llu is not page-aligned",
			      (unsigned long long)offset);
	if (size & (NM_PAGE_SIZE - 1))
		return nm_err(EINVAL, "udmabuf: size %llu is not a multiple of the page size",
			      (unsigned long long)size);
	if (size == 0)
		return nm_err(EINVAL, "udmabuf: size is 0");
	return 0;
}

/* check_memfd_seals() of the kernel, plus the file range it pins. */
static int nm_udmabuf_check_memfd(int memfd, uint64_t offset, uint64_t size)
{
	struct statfs sfs;
	struct stat st;
	int seals;

	if (memfd < 0 || fstat(memfd, &st) < 0)
		return nm_err(EBADFD, "udmabuf: fd %d is not open", memfd);
	if (fstatfs(memfd, &sfs) < 0)
		return nm_err(EBADFD, "udmabuf: fd %d: fstatfs failed", memfd);
	if (!S_ISREG(st.st_mode) ||
	    (sfs.f_type != TMPFS_MAGIC && sfs.f_type != HUGETLBFS_MAGIC))
		return nm_err(EBADFD, "udmabuf: fd %d is not a memfd or other shmem file",
			      memfd);
	seals = fcntl(memfd, F_GET_SEALS);
	if (seals < 0)
		return nm_err(EBADFD, "udmabuf: fd %d does not support seals", memfd);
	if ((seals & NM_UDMABUF_SEALS_WANTED) != NM_UDMABUF_SEALS_WANTED)
		return nm_err(EINVAL, "udmabuf: memfd lacks F_SEAL_SHRINK (the file could "
			      "shrink under the buffer)");
	if (seals & F_SEAL_WRITE)
		return nm_err(EINVAL, "udmabuf: memfd is sealed with F_SEAL_WRITE (its pages "
			      "must stay writable)");
	if (seals & F_SEAL_FUTURE_WRITE)
		return nm_err(EINVAL, "udmabuf: memfd is sealed with F_SEAL_FUTURE_WRITE (its "
			      "pages must stay writable)");
	if (offset > (uint64_t)st.st_size || size > (uint64_t)st.st_size - offset)
		return nm_err(EINVAL, "udmabuf: range [%llu, +%llu) ends past the end of the "
			      "file (%lld bytes)", (unsigned long long)offset,
			      (unsigned long long)size, (long long)st.st_size);
	return 0;
}

int nm_udmabuf_create(int memfd, uint64_t offset, uint64_t size, uint32_t flags,
		      struct nm_dmabuf **out)
{
	NM_API_CALL();
	struct nm_dmabuf_export_info info = {
		.exp_name = "udmabuf",
		.ops = &nm_memobj_mmap_ops,
		.size = size,
	};
	struct nm_memobj *obj;
	int r;

	if (!out)
		return nm_err(EINVAL, "udmabuf: out is NULL");
	r = nm_udmabuf_check_args(offset, size, flags);
	if (r < 0)
		return r;
	r = nm_udmabuf_check_memfd(memfd, offset, size);
	if (r < 0)
		return r;
	r = nm_memobj_create_memfd(memfd, offset, size, NM_MEM_SCATTER, &obj);
	if (r < 0)
		return nm_err_wrap(r, "udmabuf");
	return nm_memobj_exp_export(&info, obj, out);
}
