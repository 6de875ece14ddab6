/* SPDX-License-Identifier: MIT */
#ifndef NM_MEM_INTERNAL_H
#define NM_MEM_INTERNAL_H

/*
 * Internals of the mem/ layer shared between its files (and read by tests).
 * Upper layers use include/netmem/{mem,pci,dma}.h, plus the few engine hooks
 * at the end of this file.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netmem/dma.h>
#include <netmem/mem.h>
#include <netmem/pci.h>

#include "util/range.h"

/* ---- PCI topology (pci.c, p2p.c) --------------------------------------- */

enum nm_pci_kind { NM_PCI_RC = 1, NM_PCI_SWITCH, NM_PCI_EP };

#define NM_PCI_F_HOST_P2P  (1u << 0)	/* RC: host bridge forwards P2P */
#define NM_PCI_F_ACS_REDIR (1u << 1)	/* switch: ACS redirect set */
#define NM_PCI_F_NOIOMMU   (1u << 2)	/* endpoint: no IOMMU translation */

#define NM_NAME_MAX 32

struct nm_pci_node {
	enum nm_pci_kind kind;
	char name[NM_NAME_MAX];
	uint32_t flags;			/* NM_PCI_F_* */
	uint64_t bus_offset;		/* RC: bus address - physical address */
	struct nm_pci_node *parent;	/* NULL for a root complex */
	struct nm_device *dev;		/* endpoints only */
};

/* ---- IOMMU domain (iommu.c) -------------------------------------------- */

/* One piece of a mapping: a run of device addresses backed by one
 * physically contiguous run of one memory object. */
struct nm_map_seg {
	uint64_t dma;			/* device address of the run */
	uint64_t len;
	uint64_t phys;
	struct nm_memobj *obj;		/* holds a reference */
	uint64_t obj_off;		/* offset of the run in obj */
};

struct nm_dma_mapping {
	struct nm_device *dev;
	enum nm_dma_dir dir;
	uint64_t len;			/* sum of the phyr lengths */
	uint32_t nr_vecs;
	struct nm_dma_vec *vecs;
	/* segs[0, nr_iova_segs) are IOVA runs sorted by dma, inside the IOVA
	 * block [iova, iova + iova_len); the rest are P2P bus-address runs,
	 * sorted by dma (they may overlap another mapping's) */
	uint32_t nr_segs, nr_iova_segs;
	struct nm_map_seg *segs;
	uint64_t iova, iova_len;
	bool dead;			/* invalidated: torn down, handle kept */
};

/* Tear a mapping down (device addresses gone, objects released) but keep
 * the handle until nm_dma_unmap() frees it, so a late unmap by its owner
 * can never hit another mapping that reused the address (dma-buf moves). */
void nm_dma_invalidate(struct nm_dma_mapping *map);

struct nm_iommu_domain {
	pthread_rwlock_t lock;		/* maps: write; engine: read */
	bool translated;		/* false: dma address = bus address */
	struct nm_range_alloc iova;	/* free IOVA space */
	/* mappings with an IOVA block, sorted by iova (never overlapping);
	 * keys[i] == maps[i]->iova, dense so a lookup's binary search reads
	 * one array instead of chasing a pointer per step */
	struct nm_dma_mapping **maps;
	uint64_t *keys;
	uint32_t nr_maps, cap_maps;
	/* mappings with P2P runs (usually few: one per binding) */
	struct nm_dma_mapping **p2p;
	uint32_t nr_p2p, cap_p2p;
};

struct nm_device {
	char name[NM_NAME_MAX];
	struct nm_topo *topo;
	struct nm_pci_node *node;
	uint64_t mem_size;		/* BAR size, 0 if none */
	uint64_t mem_phys;		/* BAR's physical base */
	int region;			/* physmap region index, -1 if none */
	atomic_long refs;		/* objects, mappings, attachments using it */
	struct nm_iommu_domain dom;
	/* engine stats: relaxed atomics, any thread */
	atomic_ullong st_maps, st_unmaps, st_mapped_bytes, st_live;
	atomic_ullong st_writes, st_write_bytes, st_reads, st_read_bytes;
	atomic_ullong st_fault_unmapped, st_fault_dir;
};

struct nm_topo {
	struct nm_pci_node *nodes;
	int nr_nodes;
	struct nm_device **devs;	/* endpoints in text order */
	int nr_devs;
};

/* Domain bookkeeping (iommu.c); callers hold dom.lock for writing. */
int nm_iommu_insert(struct nm_iommu_domain *dom, struct nm_dma_mapping *map);
void nm_iommu_remove(struct nm_iommu_domain *dom, struct nm_dma_mapping *map);
/* With dom.lock held (either way): the segment covering addr, with a
 * mapping whose direction allows the access if there is one.  Returns
 * NULL if nothing maps addr; *dir_fault says a mapping exists but only for
 * the other direction. */
const struct nm_map_seg *nm_iommu_find(const struct nm_iommu_domain *dom, uint64_t addr,
				       bool device_writes, bool *dir_fault);

/* Device lifetime hooks for pci.c. */
int nm_device_init(struct nm_device *dev);	/* domain, BAR region */
void nm_device_fini(struct nm_device *dev);
static inline void nm_device_ref(struct nm_device *dev)
{
	atomic_fetch_add_explicit(&dev->refs, 1, memory_order_relaxed);
}
static inline void nm_device_unref(struct nm_device *dev)
{
	atomic_fetch_sub_explicit(&dev->refs, 1, memory_order_relaxed);
}

/* ---- Physical map (physmap.c) ------------------------------------------ */

/* RAM and device regions live high so they never collide with IOVAs. */
#define NM_PHYS_RAM_BASE	(1ULL << 48)
#define NM_PHYS_RAM_SIZE	(1ULL << 44)
#define NM_PHYS_DEV_BASE	(1ULL << 49)
#define NM_PHYS_DEV_STRIDE	(1ULL << 42)	/* one device BAR slot */
#define NM_PHYS_MAX_DEV		64		/* device BAR slots */
#define NM_PHYS_END		(NM_PHYS_DEV_BASE + NM_PHYS_MAX_DEV * NM_PHYS_DEV_STRIDE)

#define NM_IOVA_BASE		(1ULL << 20)
#define NM_IOVA_END		(1ULL << 47)

/* Reserve / release a BAR region for a device. */
int nm_physmap_add_device(struct nm_device *dev, uint64_t size, uint64_t *phys);
int nm_physmap_remove_device(struct nm_device *dev);

/* ---- Memory objects (memobj.c) ----------------------------------------- */

/* One physically contiguous extent of an object. */
struct nm_extent {
	uint64_t phys;
	uint64_t off;			/* offset in the object */
	uint64_t len;
};

struct nm_cpu_window {
	uint64_t off, len;		/* as the caller gave them */
	unsigned access;
};

/* One run of an object's bytes backed by one file range.  Most objects
 * have one part covering them; a udmabuf list has one per item. */
struct nm_memobj_part {
	int fd;				/* ours: a memfd we made, or a dup */
	uint64_t fd_off;		/* where the run starts in fd */
	uint64_t off, len;		/* where it lies in the object */
};

/* Most ranges one object may be made of (each is two mappings). */
#define NM_MEMOBJ_MAX_PARTS 1024

struct nm_memobj {
	atomic_long refs;
	enum nm_mem_kind kind;
	uint64_t size;
	struct nm_device *dev;		/* device memory: its device */
	/* the backing: parts[0, nr_parts) sorted by off, covering [0, size)
	 * back to back; parts is &part0 for a one-part object */
	struct nm_memobj_part *parts;
	uint32_t nr_parts;
	struct nm_memobj_part part0;
	/* each mapping is one address range holding the parts in order */
	uint8_t *engine;		/* the DMA engine's private RW mapping */
	uint8_t *cpu;			/* CPU view: PROT_NONE outside windows if
					 * guarded, else read-write */
	bool guarded;			/* memobj_guarded() at creation */
	/* physical placement (physmap.c): the object owns the whole span
	 * [phys_base, phys_base + size) of its region; extents say which
	 * object offset each physical run holds (several with NM_MEM_SCATTER) */
	int region;			/* 0 = RAM, else device BAR slot */
	uint32_t flags;			/* NM_MEM_* creation flags */
	uint64_t phys_base;
	struct nm_extent *ext;		/* sorted by off */
	uint32_t *ext_by_phys;		/* indices into ext, sorted by phys */
	uint32_t nr_ext;
	pthread_mutex_t win_lock;
	struct nm_cpu_window *win;
	uint32_t nr_win, cap_win;
	atomic_long maps;		/* DMA mapping segments referencing it */
	uint64_t win_mprotects;		/* mprotect calls windows made (win_lock) */
};

/*
 * The checking mode (mem_check.c): true when NM_MEM_CHECK is set to
 * anything but "" or "0" at the first call (read once per process).  Then
 * memfd and kernel dma-buf objects created afterwards keep their CPU view
 * PROT_NONE outside windows, as device memory always does; otherwise the
 * view is read-write from creation and windows only count.
 */
bool nm_mem_checking(void);

/* Any mmap-able fd (a kernel dma-buf, say) as an object of the given kind:
 * the engine maps [off, off + size) of fd read-write, the CPU view as for
 * any memfd (read-write, or PROT_NONE in the checking mode).  fd is
 * dup'ed. */
int nm_memobj_create_fd(int fd, uint64_t off, uint64_t size, enum nm_mem_kind kind,
			uint32_t flags, struct nm_memobj **out);

/* A new shared mapping of obj's bytes [off, off + len) with prot, the parts
 * in order (a lasting mmap for an exporter).  off page-aligned; len is
 * rounded up to pages, and munmap() of that length undoes it. */
int nm_memobj_mmap(const struct nm_memobj *obj, uint64_t off, uint64_t len, int prot,
		   void **addr);

/* Move obj to new physical extents (same region); contents are kept.
 * -EBUSY while any DMA mapping still references obj. */
int nm_memobj_relocate(struct nm_memobj *obj);

/* Physical extents are registered in physmap.c for nm_phys_lookup().
 * nm_physmap_alloc places obj (size, region and flags set) and fills its
 * extents; nm_physmap_free gives the span back. */
int nm_physmap_alloc(struct nm_memobj *obj);
void nm_physmap_free(struct nm_memobj *obj);

/* Hold the map stable while resolving many addresses (dma_map). */
void nm_physmap_rdlock(void);
void nm_physmap_unlock(void);
/* With the read lock held: the object owning phys (no reference taken),
 * the object offset of phys, and how many bytes from phys on are
 * contiguous both physically and in the object (to the extent's end). */
struct nm_memobj *nm__phys_find(uint64_t phys, uint64_t *off, uint64_t *run);
/* The bus offset of the root complex above a device region's device, or of
 * the device itself. */
uint64_t nm_device_bus_offset(const struct nm_device *dev);

/* ---- Engine index (engine_index.c) ------------------------------------- */

/* Enter / leave the index of engine mappings (memobj_setup, memobj_free;
 * removing an object never entered is a no-op). */
int nm__engine_index_add(struct nm_memobj *obj);
void nm__engine_index_remove(struct nm_memobj *obj);
/* The object whose engine mapping holds [p, p + len), with a reference the
 * caller puts, and p's offset in it; -ENOENT (no message) if none does. */
int nm_memobj_find_engine(const void *p, size_t len, struct nm_memobj **obj, uint64_t *off);
/* Part i of the fd ranges that back obj back to back from offset 0 (one
 * for a memfd object, one per item for a udmabuf list): its fd (obj's
 * own, valid while obj is; dup it to keep it), where it starts in the fd,
 * where it lies in obj and how long it is.  Returns the number of parts,
 * or -EOPNOTSUPP for an object no file backs, -ERANGE for i past the
 * last part. */
int nm_memobj_backing(const struct nm_memobj *obj, uint32_t i, struct nm_memobj_part *part);

/* ---- Engine hooks ------------------------------------------------------- */

/* The engine's private address of obj + off (the DMA engine's mapping).
 * Only the DMA engine and exporters that implement CPU access use this. */
static inline uint8_t *nm_memobj_engine_addr(const struct nm_memobj *obj, uint64_t off)
{
	return obj->engine + off;
}

/* One contiguous range of a device's address space. */
struct nm_dma_run {
	uint64_t addr;
	uint64_t len;
};
/* nm_dma_write() of several ranges from src (their bytes back to back):
 * all checked before any byte moves, one lock, counted as one write. */
int nm_dma_write_runs(struct nm_device *dev, const struct nm_dma_run *runs, unsigned nr,
		      const void *src);

/*
 * The engine's view of [addr, addr + len) of dev as iovecs over the engine
 * mapping, for a wire that moves the bytes itself (readv from a TAP fd
 * straight into device memory, a gathered writev or shm copy out of it):
 * that copy is the device's DMA.  Checked and counted like nm_dma_write()
 * (dev_writes) or nm_dma_read(); returns the number of iovecs used, or
 * -EFAULT, or -ENOBUFS if more than max are needed.  The caller must keep
 * the mapping alive while it uses the iovecs (it holds the buffers).
 */
struct iovec;
int nm_dma_engine_iov(struct nm_device *dev, uint64_t addr, size_t len, bool dev_writes,
		      struct iovec *iov, unsigned max);

#endif /* NM_MEM_INTERNAL_H */
