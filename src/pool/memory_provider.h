/* SPDX-License-Identifier: MIT */
#ifndef NM_POOL_MEMORY_PROVIDER_H
#define NM_POOL_MEMORY_PROVIDER_H

/*
 * Memory providers: where a page pool's buffers come from.
 *
 * A pool calls its provider only on its slow paths: to take buffers in
 * bulk when its cache and return ring are empty, and to give a buffer back
 * when the ring is full or the pool is being destroyed.  The pool never
 * branches on which provider it has.
 *
 * Providers here:
 *   nm_mp_host_ops    host pages (readable), the default
 *   dmabuf            net_iovs of a dma-buf binding (device memory,
 *                     unreadable); its ops table is private to
 *                     src/pool/mp_dmabuf.c: a pool is pointed at it with
 *                     nm_page_pool_params_set_dmabuf(), an RX queue with
 *                     nm_netdev_rxq_bind_dmabuf(), and what callers need to
 *                     know about it they ask through the ops (fill_info,
 *                     mem_avail), never by comparing the table
 * A user-memory provider with a refill ring (io_uring zcrx style) fits the
 * same ops: its buffers are net_iovs of a struct nm_net_iov_area of type
 * NM_NET_IOV_USER; buffers handed to the user keep their pool reference;
 * alloc_netmems pulls the ones the user handed back through the refill ring
 * (dropping that reference with nm_page_pool_unref_netmem()) before its free
 * list, and release_netmem may return false to keep a buffer parked in the
 * provider (tests/unit/t_pool_mp_refill_ring.c is such a provider).
 *
 * Also here: the dma-buf binding, a dma-buf attached and mapped for a NIC
 * and cut into net_iov areas, with a chunk allocator the dmabuf provider
 * draws from.  The control plane wraps it with ids and ownership.
 */

#include <stdbool.h>
#include <stdint.h>

#include <netmem/dma.h>

#include "pool/netmem_ref.h"


#ifdef __cplusplus
extern "C" {
#endif

struct nm_page_pool;
struct nm_dmabuf;
struct nm_device;

/* What page-pool-get reports about the provider. */
struct nm_mp_info {
	const char *name;		/* static string: "host", "dmabuf", ... */
	bool unreadable;		/* buffers are device memory */
	uint32_t dmabuf_id;		/* binding id (0: none / not set) */
	uint64_t dmabuf_ino;		/* the dma-buf's inode-like number */
	bool io_uring;			/* a zcrx provider */
	uint64_t total;			/* buffers the provider can supply, 0 = no limit */
	uint64_t available;		/* of those, free now */
};

/*
 * Provider operations.  init, destroy, alloc_netmems and release_netmem are
 * required.  All are called without pool locks held.
 */
struct nm_memory_provider_ops {
	const char *name;
	/* nm_page_pool_create(): check params, take references, set up
	 * per-pool state (nm_page_pool_set_mp_state()) and the buffer size
	 * (nm_page_pool_set_buf_size() if not params' order).  -errno refuses
	 * the pool. */
	int (*init)(struct nm_page_pool *pool);
	/* The pool is being freed: every buffer has been released.  May run
	 * on any thread (the one that returned the last buffer). */
	void (*destroy)(struct nm_page_pool *pool);
	/* Owner thread: up to n buffers, DMA-mapped, desc.dma_addr and
	 * desc.magic set, pp_ref_count 0.  Returns how many (0 = none now) or
	 * -errno.  Each is either fresh (desc.pp NULL) or one of this pool's
	 * own coming back (desc.pp == pool, its count brought to 0 with
	 * nm_page_pool_unref_netmem(), e.g. from a refill ring): the pool
	 * takes it back without counting it twice. */
	int (*alloc_netmems)(struct nm_page_pool *pool, nm_netmem_t *out, unsigned int n);
	/* Any thread: the pool gives nm up (ring full, pool destroyed).
	 * true: it is back in the provider's free store; false: the provider
	 * keeps it parked outside the pool (a zcrx buffer the user still
	 * holds) and will supply it again through alloc_netmems.  Either way
	 * the pool forgets it. */
	bool (*release_netmem)(struct nm_page_pool *pool, nm_netmem_t nm);
	/* Optional: fill what page-pool-get reports (name and unreadable are
	 * preset from the ops). */
	int (*fill_info)(struct nm_page_pool *pool, struct nm_mp_info *info);
	/* Optional: bytes of buffers the provider can still hand this pool
	 * now, beyond what the pool already holds (nm_page_pool_mem_avail()
	 * adds the pool's idle buffers).  Owner thread, O(1): TCP asks it on
	 * every receive-window computation of a flow steered to the pool's
	 * RX queue.  NULL: no limit (host pages are made on demand). */
	uint64_t (*mem_avail)(struct nm_page_pool *pool);
	/* Optional: the provider is being removed from an RX queue (queue is
	 * the NIC layer's handle, opaque here). */
	void (*uninstall)(void *mp_priv, void *queue);
	bool unreadable;		/* buffers are net_iovs */
};

/* ---- For provider implementations ------------------------------------------ */

const struct nm_page_pool_params *nm_page_pool_params(const struct nm_page_pool *pool);
void *nm_page_pool_mp_priv(const struct nm_page_pool *pool);
void *nm_page_pool_mp_state(const struct nm_page_pool *pool);
/* Only from init. */
int nm_page_pool_set_mp_state(struct nm_page_pool *pool, void *state);
int nm_page_pool_set_buf_size(struct nm_page_pool *pool, uint32_t buf_size);

/* The provider's view through the pool (it fills name etc.). */
int nm_page_pool_mp_info(struct nm_page_pool *pool, struct nm_mp_info *info);

/* ---- Host pages ------------------------------------------------------------- */

/*
 * Host buffers cut from anonymous memory objects of block_bufs buffers each;
 * each block is DMA-mapped for the pool's device whole, once, when it is
 * made (one IOMMU mapping per block, not per buffer), and is unmapped and
 * freed once all of its buffers are back.  mp_priv: NULL for the defaults,
 * or a struct nm_mp_host_params.
 */
extern const struct nm_memory_provider_ops nm_mp_host_ops;

struct nm_mp_host_params {
	uint32_t block_bufs;		/* buffers per memory object, 0 = 64 */
	uint32_t max_buffers;		/* cap on buffers out at once, 0 = none */
	uint32_t mem_flags;		/* nm_memobj_create_anon() flags */
};

struct nm_mp_host_stats {
	uint64_t blocks;		/* memory objects now */
	uint64_t buffers;		/* buffers in those blocks */
	uint64_t out;			/* of those, handed to the pool */
	uint64_t blocks_created, blocks_freed;
};
/* pool must use nm_mp_host_ops.  Any thread. */
int nm_mp_host_get_stats(struct nm_page_pool *pool, struct nm_mp_host_stats *st);

/* ---- dma-buf binding ----------------------------------------------------------- */

struct nm_dmabuf_binding;

/* Net_iov sizes: powers of two from 4 KiB to 64 KiB (GPU page granularity). */
#define NM_NIOV_SIZE_MIN	4096u
#define NM_NIOV_SIZE_MAX	65536u

/*
 * Attach buf to nic (static attachment), map it for dir and cut each dma_vec
 * into net_iovs of niov_size bytes (0 = 4096); a dma_vec whose length is not
 * a multiple leaves its tail unused.  The binding holds its own reference on
 * buf.  One reference for the caller.
 */
int nm_dmabuf_binding_create(struct nm_dmabuf *buf, struct nm_device *nic,
			     enum nm_dma_dir dir, uint32_t niov_size,
			     struct nm_dmabuf_binding **out);

/* References: pools and the control plane hold them.  When the last one goes
 * the mapping is unmapped, the attachment detached and buf put. */
int nm_dmabuf_binding_get(struct nm_dmabuf_binding *b);
void nm_dmabuf_binding_put(struct nm_dmabuf_binding *b);

/* Unbind: refuse new pools and allocations, and drop the caller's
 * reference.  net_iovs still held stay valid (mapping and memory) until the
 * last of them returns.  -EINVAL if already unbound. */
int nm_dmabuf_binding_unbind(struct nm_dmabuf_binding *b);

/* The id the control plane gives the binding (page-pool-get's dmabuf). */
int nm_dmabuf_binding_set_id(struct nm_dmabuf_binding *b, uint32_t id);
uint32_t nm_dmabuf_binding_id(const struct nm_dmabuf_binding *b);

struct nm_dmabuf *nm_dmabuf_binding_dmabuf(const struct nm_dmabuf_binding *b);
struct nm_device *nm_dmabuf_binding_device(const struct nm_dmabuf_binding *b);
enum nm_dma_dir nm_dmabuf_binding_dir(const struct nm_dmabuf_binding *b);
struct nm_dma_mapping *nm_dmabuf_binding_mapping(const struct nm_dmabuf_binding *b);
uint32_t nm_dmabuf_binding_niov_size(const struct nm_dmabuf_binding *b);
bool nm_dmabuf_binding_is_unbound(const struct nm_dmabuf_binding *b);
long nm_dmabuf_binding_refs(const struct nm_dmabuf_binding *b);

/* Areas: one per dma_vec, in dma-buf order. */
uint32_t nm_dmabuf_binding_num_areas(const struct nm_dmabuf_binding *b);
int nm_dmabuf_binding_area(struct nm_dmabuf_binding *b, uint32_t i,
			   struct nm_net_iov_area **out);
/* net_iovs in all areas, and how many are free in the allocator now. */
uint64_t nm_dmabuf_binding_num_niovs(const struct nm_dmabuf_binding *b);
uint64_t nm_dmabuf_binding_avail(const struct nm_dmabuf_binding *b);

/* The net_iov that covers offset of the dma-buf (-ENOENT in an unused tail,
 * -EINVAL beyond the buffer). */
int nm_dmabuf_binding_niov_at(struct nm_dmabuf_binding *b, uint64_t offset,
			      struct nm_net_iov **out);

/*
 * The chunk allocator (any thread; O(1) per chunk under a mutex).  Returns
 * how many chunks it took (0 when exhausted), -ENODEV once unbound.  The
 * caller must hold a binding reference for as long as it holds chunks
 * (pools do).
 */
int nm_dmabuf_binding_alloc_niovs(struct nm_dmabuf_binding *b, struct nm_net_iov **out,
				  unsigned int n);
int nm_dmabuf_binding_free_niov(struct nm_dmabuf_binding *b, struct nm_net_iov *niov);

/* Debug checker: the free stack and the areas agree.  0 or -EUCLEAN. */
int nm_dmabuf_binding_check(struct nm_dmabuf_binding *b);

/* ---- dmabuf provider --------------------------------------------------------- */

struct nm_page_pool_params;

/*
 * Point params at the dmabuf provider over binding b: the pool's buffers
 * become b's net_iovs (pool buffer size = niov size) and each pool holds a
 * reference on b.  b is checked when the pool is created (a NULL or
 * foreign pointer is -EINVAL there, an unbound binding -ENODEV).  The
 * provider's ops table is private to its file; this is the only way to
 * name it.  (An RX queue: nm_netdev_rxq_bind_dmabuf().)  0, or -EINVAL
 * for NULL params.
 */
int nm_page_pool_params_set_dmabuf(struct nm_page_pool_params *params,
				   struct nm_dmabuf_binding *b);

#ifdef __cplusplus
}
#endif
#endif /* NM_POOL_MEMORY_PROVIDER_H */
