/* SPDX-License-Identifier: MIT */
/*
 * The memory layer's checking mode (NM_MEM_CHECK in the environment).
 *
 * On Linux the CPU reaches a memfd's (a udmabuf's) pages and an mmap-able
 * kernel dma-buf through its mapping at any time; a CPU-access window
 * (DMA_BUF_IOCTL_SYNC) is cache maintenance, nothing on x86.  So those CPU
 * views are read-write from creation and a window costs bookkeeping only.
 * The checking mode maps them PROT_NONE outside windows as well, the way
 * device memory always is, so that a test run proves the stack never
 * touches payload it does not own (invariant 1 of ARCHITECTURE.md) for
 * host-backed dma-bufs too.  The test build sets NM_MEM_CHECK=1 for the C
 * tests (CMakeLists.txt); docs/memory.md says which memory is inaccessible
 * in which mode.
 *
 * Invariant: the mode is read once per process, at the first question,
 * and never changes; each memory object keeps what it was created with.
 *
 * Workload: one getenv per process; then one relaxed load per object
 * creation.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem_internal.h"

bool nm_mem_checking(void)
{
	/* -1: not read yet.  Two first callers racing both read the same
	 * environment and store the same answer. */
	static atomic_int mode = -1;
	int m = atomic_load_explicit(&mode, memory_order_relaxed);

	if (m < 0) {
		const char *e = getenv("NM_MEM_CHECK");

		m = e && *e && strcmp(e, "0") != 0;
		atomic_store_explicit(&mode, m, memory_order_relaxed);
	}
	return m;
}
