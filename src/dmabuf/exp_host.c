/* SPDX-License-Identifier: MIT */
/*
 * The host exporter: a dma-buf of anonymous host memory (one
 * NM_MEM_HOST_ANON memory object, pages scattered like a real page
 * allocator leaves them).
 *
 * Any device can reach host memory, so every importer is accepted.  The CPU
 * reaches the buffer through begin/end windows or a lasting mmap of the
 * memory's backing fd.  Host pages do not move (like a udmabuf's pinned
 * pages): nm_dmabuf_move() is -EOPNOTSUPP.
 *
 * Workload: control path; used for host-memory bindings and tests.
 */
#include <sys/mman.h>

#include "dmabuf/dmabuf_internal.h"
#include "mem/mem_internal.h"
#include "util/err.h"

int nm_dmabuf_create_host(uint64_t size, struct nm_dmabuf **out)
{
	NM_API_CALL();
	struct nm_dmabuf_export_info info = {
		.exp_name = "netmem-host",
		.ops = &nm_memobj_mmap_ops,
		.size = size,
	};
	struct nm_memobj *obj;
	int r;

	if (!out)
		return nm_err(EINVAL, "out is NULL");
	if (size == 0 || (size & (NM_PAGE_SIZE - 1)))
		return nm_err(EINVAL, "size %llu is not a nonzero multiple "
			      "of the page size", (unsigned long long)size);
	r = nm_memobj_create_anon(size, NM_MEM_SCATTER, &obj);
	if (r < 0)
		return r;
	return nm_memobj_exp_export(&info, obj, out);
}
