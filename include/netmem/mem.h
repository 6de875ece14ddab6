/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_MEM_H
#define NETMEM_MEM_H

/*
 * Memory objects and the simulated physical address map.
 *
 * Every byte netmem moves lives in a memory object: host anonymous memory,
 * an application's memfd, or a device allocation (GPU memory behind a BAR).
 * Each object occupies one or more ranges of a process-wide simulated
 * physical address space made of a RAM region and one region per device
 * BAR.  A struct nm_phyr names physical memory with no page descriptor;
 * nm_phys_lookup() turns a physical address back into (object, offset).
 *
 * Device memory is never mapped for ordinary CPU access: only the DMA engine
 * (dma.h) and an explicit CPU-access window (nm_memobj_cpu_begin()) reach it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NM_PAGE_SHIFT 12
#define NM_PAGE_SIZE  (1ULL << NM_PAGE_SHIFT)

/* A physical range: address and length in bytes.  No page structs. */
struct nm_phyr {
	uint64_t addr;
	uint64_t len;
};

/* One entry of a DMA mapping: an address in the device's view (IOVA, or a
 * PCI bus address for peer-to-peer), 16 bytes where a scatterlist entry
 * takes 32. */
struct nm_dma_vec {
	uint64_t addr;
	uint32_t len;
	uint32_t flags;		/* NM_DMA_VEC_* */
};

#define NM_DMA_VEC_P2P	(1u << 0)	/* PCI bus address; bypasses the IOMMU */

struct nm_device;
struct nm_memobj;

enum nm_mem_kind {
	NM_MEM_HOST_ANON = 1,	/* anonymous host memory, CPU-mapped for its owner */
	NM_MEM_MEMFD,		/* pages of an application's memfd */
	NM_MEM_DEVICE,		/* device memory (a GPU BAR); never CPU-mapped */
	NM_MEM_KERNEL_DMABUF,	/* an imported kernel dma-buf fd */
};

/* Creation flags. */
#define NM_MEM_SCATTER	(1u << 0)	/* place pages non-contiguously, like a
					 * real page allocator does */

/* ---- Creation and lifetime ------------------------------------------- */

/* Anonymous host memory of size bytes (a multiple of NM_PAGE_SIZE). */
int nm_memobj_create_anon(uint64_t size, uint32_t flags, struct nm_memobj **out);

/* The pages [offset, offset + size) of memfd.  offset and size must be
 * page-aligned and inside the file.  The object keeps its own reference to
 * the file; the caller may close memfd afterwards. */
int nm_memobj_create_memfd(int memfd, uint64_t offset, uint64_t size,
			   uint32_t flags, struct nm_memobj **out);

/* One range of a memfd: the pages [offset, offset + size). */
struct nm_memfd_range {
	int memfd;
	uint64_t offset;
	uint64_t size;
};

/* An object whose bytes are the count ranges one after the other (several
 * memfds, or separate ranges of one): byte 0 of ranges[1] follows the last
 * byte of ranges[0], and so on.  Each range is checked as
 * nm_memobj_create_memfd() checks its one (a refusal names the range:
 * "range 2: offset 100 is not page-aligned"); at most 1024 ranges (-E2BIG).
 * The object keeps its own reference to every file. */
int nm_memobj_create_memfd_list(const struct nm_memfd_range *ranges, unsigned count,
				uint32_t flags, struct nm_memobj **out);

/* size bytes of dev's memory (its BAR).  dev must have device memory. */
int nm_memobj_create_device(struct nm_device *dev, uint64_t size,
			    uint32_t flags, struct nm_memobj **out);

/* References.  The object is freed when the last one is dropped; DMA
 * mappings of it hold references. */
void nm_memobj_get(struct nm_memobj *obj);
void nm_memobj_put(struct nm_memobj *obj);

/* ---- Queries ---------------------------------------------------------- */

/* Size in bytes and kind of memory (0 for NULL). */
uint64_t nm_memobj_size(const struct nm_memobj *obj);
enum nm_mem_kind nm_memobj_kind(const struct nm_memobj *obj);
/* The device whose memory this is, or NULL for host memory. */
struct nm_device *nm_memobj_device(const struct nm_memobj *obj);

/* The owner's CPU address of a NM_MEM_HOST_ANON object; NULL for the other
 * kinds (memfd pages are reached through the application's own mapping,
 * device memory through a CPU-access window). */
void *nm_memobj_host_addr(const struct nm_memobj *obj);

/* The physical ranges backing [offset, offset + len) of obj, in order.
 * Writes at most max entries to out (out may be NULL when max is 0) and
 * returns how many entries the whole range needs, so a caller can size its
 * array with a first call. */
int nm_memobj_get_phyrs(const struct nm_memobj *obj, uint64_t offset, uint64_t len,
		    struct nm_phyr *out, size_t max);

/* phys -> (object, offset).  On success *obj holds a new reference. */
int nm_phys_lookup(uint64_t phys, struct nm_memobj **obj, uint64_t *offset);

/* ---- CPU-access windows ------------------------------------------------ */

/* Access modes for windows. */
#define NM_CPU_READ	(1u << 0)
#define NM_CPU_WRITE	(1u << 1)

/*
 * Open a CPU-access window on [offset, offset + len) of obj; on success *addr
 * points at offset.  Outside open windows the CPU view of device memory is
 * mapped PROT_NONE, so a stray pointer into it faults; so is that of memfd
 * and kernel dma-buf pages when the environment has NM_MEM_CHECK=1 (the
 * checking mode the tests use), else those are always readable and
 * writable, as on Linux, and a window only counts.  offset and len need no
 * alignment; the window covers the whole pages around them.  Windows may
 * overlap; each must be closed by nm_memobj_cpu_end() with the same offset
 * and len.
 */
int nm_memobj_cpu_begin(struct nm_memobj *obj, uint64_t offset, uint64_t len,
			unsigned access, void **addr);
int nm_memobj_cpu_end(struct nm_memobj *obj, uint64_t offset, uint64_t len);

/* ---- Physical map ------------------------------------------------------ */

struct nm_physmap_stats {
	uint64_t ram_base, ram_size, ram_used;
	uint64_t device_regions, device_used;
	uint64_t objects;
};
/* The physical map's use (size: sizeof(*st), the convention of error.h). */
int nm_physmap_get_stats(struct nm_physmap_stats *st, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_MEM_H */
