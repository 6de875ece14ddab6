/* SPDX-License-Identifier: MIT */
#ifndef NM_POOL_NETMEM_REF_H
#define NM_POOL_NETMEM_REF_H

/*
 * nm_netmem_t: one word that names a network buffer of either kind.
 *
 *	bit 0 = 0   a host page descriptor (struct nm_page): a host buffer of
 *	            the pool's buffer size, readable by the CPU at its vaddr
 *	bit 0 = 1   a net_iov (struct nm_net_iov): a chunk of device memory
 *	            (a dma-buf bound to a NIC), never read by the stack
 *
 * Both descriptors begin with the same struct nm_netmem_desc, so the
 * accessors that read common state (pool, DMA address, pp_ref_count) mask
 * the tag bit and never branch on the kind.  The layout is checked below at
 * compile time.  0 is never a valid netmem.
 *
 * pp_ref_count counts references held outside the pool: 0 while the buffer
 * sits in its pool's cache, return ring or provider; 1 after an alloc; one
 * per fragment handed out (plus the pool's bias while it still carves the
 * buffer).  A netmem that holds a reference keeps its pool (and the pool its
 * provider and binding) alive, even after nm_page_pool_destroy().
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uintptr_t nm_netmem_t;

struct nm_page_pool;
struct nm_dma_mapping;
struct nm_net_iov_area;

#define NM_NETMEM_NIOV_BIT	((uintptr_t)1)

/* Written into desc.magic by whoever creates a descriptor, so a value that
 * is not a netmem (or carries the wrong tag) is caught cheaply. */
#define NM_NETMEM_MAGIC_PAGE	0x6e6d7067u	/* "nmpg" */
#define NM_NETMEM_MAGIC_NIOV	0x6e6d6e69u	/* "nmni" */

/* The common prefix of both descriptors.  Fields written by the pool. */
struct nm_netmem_desc {
	struct nm_page_pool *pp;	/* owning pool while taken from the
					 * provider, else NULL */
	uint64_t dma_addr;		/* device address of the buffer start */
	atomic_long pp_ref_count;	/* references held outside the pool */
	uint32_t magic;			/* NM_NETMEM_MAGIC_* */
	uint32_t pp_flags;		/* the pool's own (idle or handed out) */
};

/* A host buffer (4096 << order bytes), made by the host-page provider. */
struct nm_page {
	struct nm_netmem_desc desc;
	void *vaddr;			/* CPU address of the buffer */
	struct nm_dma_mapping *map;	/* its DMA mapping while in a pool */
	uint64_t map_off;		/* where the buffer starts in map */
	void *mp_block;			/* provider: the block it was cut from */
	struct nm_page *mp_next;	/* provider: free list link */
};

/* A chunk of device memory: niov_size bytes of a net_iov area. */
struct nm_net_iov {
	struct nm_netmem_desc desc;
	struct nm_net_iov_area *owner;	/* the area it belongs to */
};

enum nm_net_iov_type {
	NM_NET_IOV_DMABUF = 1,		/* a dma-buf binding (devmem) */
	NM_NET_IOV_USER,		/* a user memory region (zcrx) */
};

/*
 * A run of equal-sized net_iovs over one DMA-contiguous range: one per
 * dma_vec of a binding.  niov i covers [base_virtual + i * size, + size) of
 * the owner's address space (for a dma-buf binding: offsets in the dma-buf)
 * and [base_dma + i * size, + size) of the device's.
 */
struct nm_net_iov_area {
	struct nm_net_iov *niovs;
	uint32_t num_niovs;
	uint32_t niov_shift;		/* log2 of the net_iov size */
	uint64_t base_virtual;		/* offset of niov 0 in the owner's space */
	uint64_t base_dma;		/* device address of niov 0 */
	struct nm_dma_mapping *map;	/* the mapping the area lies in */
	uint64_t map_offset;		/* offset of niov 0 in that mapping */
	enum nm_net_iov_type type;
	void *owner;			/* struct nm_dmabuf_binding * for DMABUF */
};

/* ---- Layout, checked at compile time ----------------------------------- */

#define NM__NETMEM_SAME_OFFSET(f)                                              \
	_Static_assert(offsetof(struct nm_page, desc.f) ==                     \
			       offsetof(struct nm_net_iov, desc.f),            \
		       "nm_page and nm_net_iov disagree on " #f)
NM__NETMEM_SAME_OFFSET(pp);
NM__NETMEM_SAME_OFFSET(dma_addr);
NM__NETMEM_SAME_OFFSET(pp_ref_count);
NM__NETMEM_SAME_OFFSET(magic);
NM__NETMEM_SAME_OFFSET(pp_flags);
_Static_assert(offsetof(struct nm_page, desc) == 0, "desc must lead nm_page");
_Static_assert(offsetof(struct nm_net_iov, desc) == 0, "desc must lead nm_net_iov");
_Static_assert(_Alignof(struct nm_page) >= 2 && _Alignof(struct nm_net_iov) >= 2,
	       "descriptors must leave bit 0 free for the tag");
_Static_assert(sizeof(nm_netmem_t) == sizeof(void *), "nm_netmem_t is one pointer");

/* ---- Conversions ------------------------------------------------------- */

static inline nm_netmem_t nm_page_to_netmem(const struct nm_page *page)
{
	return (nm_netmem_t)page;
}

static inline nm_netmem_t nm_net_iov_to_netmem(const struct nm_net_iov *niov)
{
	return (nm_netmem_t)niov | NM_NETMEM_NIOV_BIT;
}

static inline bool nm_netmem_is_net_iov(nm_netmem_t nm)
{
	return nm & NM_NETMEM_NIOV_BIT;
}

/* The page, or NULL if nm is a net_iov (or 0). */
static inline struct nm_page *nm_netmem_to_page(nm_netmem_t nm)
{
	return nm_netmem_is_net_iov(nm) ? NULL : (struct nm_page *)nm;
}

/* The net_iov, or NULL if nm is a page. */
static inline struct nm_net_iov *nm_netmem_to_net_iov(nm_netmem_t nm)
{
	return nm_netmem_is_net_iov(nm) ? (struct nm_net_iov *)(nm & ~NM_NETMEM_NIOV_BIT)
					: NULL;
}

/* The common descriptor; no branch on the kind. */
static inline struct nm_netmem_desc *nm_netmem_to_desc(nm_netmem_t nm)
{
	return (struct nm_netmem_desc *)(nm & ~NM_NETMEM_NIOV_BIT);
}

/* ---- Accessors (nm must be a valid, non-zero netmem) ------------------- */

static inline uint64_t nm_netmem_dma_addr(nm_netmem_t nm)
{
	return nm_netmem_to_desc(nm)->dma_addr;
}

static inline struct nm_page_pool *nm_netmem_pool(nm_netmem_t nm)
{
	return nm_netmem_to_desc(nm)->pp;
}

/* Current pp_ref_count (a snapshot when other threads hold references). */
static inline long nm_netmem_ref_count(nm_netmem_t nm)
{
	return atomic_load_explicit(&nm_netmem_to_desc(nm)->pp_ref_count,
				    memory_order_relaxed);
}

/* The net_iov area, NULL for pages. */
static inline struct nm_net_iov_area *nm_netmem_owner(nm_netmem_t nm)
{
	return nm_netmem_is_net_iov(nm) ? nm_netmem_to_net_iov(nm)->owner : NULL;
}

/* Host pages are readable by the CPU; device memory (net_iovs) is not. */
static inline bool nm_netmem_is_readable(nm_netmem_t nm)
{
	return !nm_netmem_is_net_iov(nm);
}

/* CPU address of a page's buffer, NULL for net_iovs. */
static inline void *nm_netmem_address(nm_netmem_t nm)
{
	return nm_netmem_is_net_iov(nm) ? NULL : ((struct nm_page *)nm)->vaddr;
}

/* ---- net_iov helpers ---------------------------------------------------- */

static inline uint32_t nm_net_iov_idx(const struct nm_net_iov *niov)
{
	return (uint32_t)(niov - niov->owner->niovs);
}

static inline uint32_t nm_net_iov_size(const struct nm_net_iov *niov)
{
	return 1u << niov->owner->niov_shift;
}

/* Offset of the net_iov in its owner's address space: for a dma-buf
 * binding, the offset in the dma-buf (what SCM_DEVMEM_DMABUF reports). */
static inline uint64_t nm_net_iov_offset(const struct nm_net_iov *niov)
{
	const struct nm_net_iov_area *a = niov->owner;

	return a->base_virtual + ((uint64_t)nm_net_iov_idx(niov) << a->niov_shift);
}

static inline uint64_t nm_net_iov_dma_addr(const struct nm_net_iov *niov)
{
	return niov->desc.dma_addr;
}

#ifdef __cplusplus
}
#endif
#endif /* NM_POOL_NETMEM_REF_H */
