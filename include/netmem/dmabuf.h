/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_DMABUF_H
#define NETMEM_DMABUF_H

/*
 * dma-buf: a buffer shared between an exporter (who owns the memory) and
 * importers (devices that DMA to it), following Linux's dma-buf.
 *
 * An exporter supplies struct nm_dmabuf_ops.  Importers attach a device and
 * map the attachment, getting a dma_vec list in that device's IOMMU domain.
 * A static attachment pins the buffer where it is; a dynamic one (with
 * move_notify) lets the exporter move the buffer, after telling the
 * importer, whose old mapping is then invalid.  Every buffer carries a
 * dma-resv (resv.h) for the fences of work on it.
 *
 * The CPU reaches a buffer only through begin/end CPU-access windows (or an
 * mmap where the exporter allows one).  Device memory stays PROT_NONE
 * outside them.
 *
 * Exporters here: a memfd with the udmabuf rules, host anonymous memory,
 * device memory of a DMA device, and import of a real kernel dma-buf fd.
 *
 * Calling order:
 *  - Device work on a buffer: add its fence to the buffer's resv
 *    (nm_resv_add_fence(nm_dmabuf_resv(buf), ...)) before the work starts,
 *    WRITE for a writer, READ for a reader; signal it when the work ends.
 *    A fence added later is one a CPU window or a move does not wait for.
 *  - CPU access: nm_dmabuf_begin_cpu_access() before the CPU touches the
 *    bytes (it waits for the fences of the work before it),
 *    nm_dmabuf_end_cpu_access() with the same off, len and dir before a
 *    device works on them again.  Outside a window the CPU view of device
 *    memory is PROT_NONE.  An open window pins the buffer (a move is
 *    -EBUSY).
 *  - Importers: attach, map, (use), unmap, detach; nm_dmabuf_put() last.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netmem/dma.h>
#include <netmem/fence.h>
#include <netmem/resv.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nm_dmabuf;
struct nm_dmabuf_attachment;
struct nm_device;
struct nm_memobj;

/* ---- Exporter interface -------------------------------------------------- */

struct nm_dmabuf_ops {
	/* Optional: accept or refuse an importer (e.g. -EREMOTEIO if the
	 * device cannot reach the memory). */
	int (*attach)(struct nm_dmabuf *buf, struct nm_dmabuf_attachment *att);
	void (*detach)(struct nm_dmabuf *buf, struct nm_dmabuf_attachment *att);
	/* Required: map for the attachment's device. */
	int (*map)(struct nm_dmabuf_attachment *att, enum nm_dma_dir dir,
		   struct nm_dma_mapping **out);
	void (*unmap)(struct nm_dmabuf_attachment *att, struct nm_dma_mapping *map);
	/* Optional: open/close a CPU-access window. */
	int (*begin_cpu_access)(struct nm_dmabuf *buf, uint64_t off, uint64_t len,
				enum nm_dma_dir dir, void **addr);
	int (*end_cpu_access)(struct nm_dmabuf *buf, uint64_t off, uint64_t len,
			      enum nm_dma_dir dir);
	/* Optional (NULL: mmap refused with -EACCES). */
	int (*mmap)(struct nm_dmabuf *buf, uint64_t off, uint64_t len, int prot,
		    void **addr);
	/* Optional: move the backing memory (new physical placement).  Only
	 * called with no static attachment. */
	int (*move)(struct nm_dmabuf *buf);
	/* Required: free the exporter's state once the last reference goes. */
	void (*release)(struct nm_dmabuf *buf);
};

struct nm_dmabuf_export_info {
	const char *exp_name;		/* exporter name, e.g. "udmabuf" */
	const struct nm_dmabuf_ops *ops;
	uint64_t size;			/* bytes, > 0 */
	void *priv;			/* exporter private data */
};

int nm_dmabuf_export(const struct nm_dmabuf_export_info *info, struct nm_dmabuf **out);
void *nm_dmabuf_priv(const struct nm_dmabuf *buf);

/* ---- The buffer ------------------------------------------------------------ */

/* References: get takes one and returns buf (NULL, with a message, for a
 * NULL buf); the exporter releases the buffer when the last is put. */
struct nm_dmabuf *nm_dmabuf_get(struct nm_dmabuf *buf);
void nm_dmabuf_put(struct nm_dmabuf *buf);

/* Size in bytes; 0 (with a message) for a NULL buf. */
uint64_t nm_dmabuf_size(const struct nm_dmabuf *buf);
const char *nm_dmabuf_exp_name(const struct nm_dmabuf *buf);
/* A unique inode-like number for the buffer's life (like the kernel's
 * dma-buf inode number). */
uint64_t nm_dmabuf_ino(const struct nm_dmabuf *buf);
/* Name for debugging (DMA_BUF_SET_NAME): at most 31 bytes. */
int nm_dmabuf_set_name(struct nm_dmabuf *buf, const char *name);
const char *nm_dmabuf_name(const struct nm_dmabuf *buf);
struct nm_resv *nm_dmabuf_resv(struct nm_dmabuf *buf);
/* The memory object behind the buffer when there is exactly one (NULL for
 * buffers an exporter assembles otherwise). */
struct nm_memobj *nm_dmabuf_memobj(const struct nm_dmabuf *buf);

/* ---- Importers ------------------------------------------------------------ */

struct nm_dmabuf_attach_ops {
	bool allow_peer2peer;	/* importer can take P2P bus addresses */
	/* Dynamic importers only: the buffer is about to move; mappings made
	 * before it are invalid when this returns.  Called with no lock held
	 * by the caller of nm_dmabuf_move(). */
	void (*move_notify)(struct nm_dmabuf_attachment *att);
};

/* Static attachment: pins the buffer. */
int nm_dmabuf_attach(struct nm_dmabuf *buf, struct nm_device *dev,
		     struct nm_dmabuf_attachment **out);
/* Dynamic attachment; ops->move_notify is required. */
int nm_dmabuf_dynamic_attach(struct nm_dmabuf *buf, struct nm_device *dev,
			     const struct nm_dmabuf_attach_ops *ops, void *importer_priv,
			     struct nm_dmabuf_attachment **out);
/* Unmaps whatever the attachment still has mapped. */
int nm_dmabuf_detach(struct nm_dmabuf_attachment *att);

/* What an attachment joins: its buffer, its device, the importer's
 * private pointer, whether it is dynamic (NULL or false for a NULL att). */
struct nm_dmabuf *nm_dmabuf_attachment_buf(const struct nm_dmabuf_attachment *att);
struct nm_device *nm_dmabuf_attachment_dev(const struct nm_dmabuf_attachment *att);
void *nm_dmabuf_attachment_priv(const struct nm_dmabuf_attachment *att);
bool nm_dmabuf_attachment_is_dynamic(const struct nm_dmabuf_attachment *att);

/* Map the whole buffer for the attachment's device: dma_vecs in its domain,
 * in buffer order (vec i covers the bytes after vec i-1). */
int nm_dmabuf_map_attachment(struct nm_dmabuf_attachment *att, enum nm_dma_dir dir,
			     struct nm_dma_mapping **out);
int nm_dmabuf_unmap_attachment(struct nm_dmabuf_attachment *att,
			       struct nm_dma_mapping *map);

/* Exporter side: move the buffer.  Waits (up to timeout_ns) for the
 * resv's fences of every usage, calls move_notify of each dynamic
 * attachment, invalidates their mappings and moves the memory.  -EBUSY with
 * a static attachment, -EOPNOTSUPP if the exporter cannot move, -ETIME if
 * fences did not signal. */
int nm_dmabuf_move(struct nm_dmabuf *buf, int64_t timeout_ns);

/* ---- CPU access ------------------------------------------------------------ */

/* Open a window on [off, off + len); *addr points at off.  dir says what the
 * CPU will do, as in Linux: NM_DMA_FROM_DEVICE = read what devices wrote
 * (waits for the resv's WRITE fences), NM_DMA_TO_DEVICE or BIDIRECTIONAL =
 * write (waits for READ fences too).  Waits at most 10 s (-ETIME).  Close it
 * with nm_dmabuf_end_cpu_access() with the same off, len and dir. */
int nm_dmabuf_begin_cpu_access(struct nm_dmabuf *buf, uint64_t off, uint64_t len,
			       enum nm_dma_dir dir, void **addr);
int nm_dmabuf_end_cpu_access(struct nm_dmabuf *buf, uint64_t off, uint64_t len,
			     enum nm_dma_dir dir);

/* A lasting mapping where the exporter allows it (-EACCES otherwise).
 * prot is PROT_READ and/or PROT_WRITE.  Undo with nm_dmabuf_munmap(). */
int nm_dmabuf_mmap(struct nm_dmabuf *buf, uint64_t off, uint64_t len, int prot,
		   void **addr);
int nm_dmabuf_munmap(struct nm_dmabuf *buf, void *addr, uint64_t len);

/* ---- Exporters -------------------------------------------------------------- */

#define NM_UDMABUF_FLAGS_CLOEXEC 0x01
/*
 * udmabuf rules (drivers/dma-buf/udmabuf.c): memfd must be a memfd (or other
 * shmem file), sealed with F_SEAL_SHRINK and not with F_SEAL_WRITE (or
 * F_SEAL_FUTURE_WRITE); offset and size page-aligned, size > 0, the range
 * inside the file.  flags: NM_UDMABUF_FLAGS_CLOEXEC only (accepted, no
 * effect: there is no fd).  Each violation has its errno and message (see
 * docs/dmabuf.md).  mmap is allowed.
 */
int nm_udmabuf_create(int memfd, uint64_t offset, uint64_t size, uint32_t flags,
		      struct nm_dmabuf **out);

/* Most items a list may have (the kernel's list_limit). */
#define NM_UDMABUF_LIST_LIMIT 1024
/*
 * UDMABUF_CREATE_LIST: one buffer whose bytes are the count items' ranges
 * one after the other (several memfds, or separate ranges of one; byte 0
 * of items[1] follows the last byte of items[0]).  nm_udmabuf_create()'s
 * rules apply to every item, in the kernel's order: first each item's
 * offset and size alignment, then -EINVAL if no item has a page, then
 * each item's file (and an item of size 0 is -EINVAL there, as the
 * kernel's pin refuses it).  A refusal names the item ("item 2: memfd
 * lacks F_SEAL_SHRINK").  count is at most NM_UDMABUF_LIST_LIMIT (the
 * kernel's list_limit; -EINVAL beyond).  mmap, CPU windows and importers
 * see the items in order, across their boundaries.
 */
int nm_udmabuf_create_list(const struct nm_memfd_range *items, uint32_t count,
			   uint32_t flags, struct nm_dmabuf **out);

/* Host anonymous memory of size bytes (page multiple).  mmap allowed. */
int nm_dmabuf_create_host(uint64_t size, struct nm_dmabuf **out);

/* size bytes of dev's device memory.  No mmap: CPU access only through
 * begin/end windows.  Movable (within the BAR). */
int nm_dmabuf_create_device(struct nm_device *dev, uint64_t size, struct nm_dmabuf **out);

/*
 * A real kernel dma-buf: import an fd (dup'ed; the caller keeps its own).
 * CPU access goes through mmap of the fd bracketed by DMA_BUF_IOCTL_SYNC.
 * -EBADF for a bad fd, -EINVAL for an fd that is not a dma-buf.
 */
int nm_dmabuf_import_fd(int fd, struct nm_dmabuf **out);
/* Ask the running kernel for one: /dev/udmabuf (UDMABUF_CREATE on a sealed
 * memfd) or a DMA heap ("system", under /dev/dma_heap).  -ENODEV when the
 * kernel does not offer it.  On success *fd is a new dma-buf fd. */
int nm_kernel_udmabuf_create(int memfd, uint64_t offset, uint64_t size, int *fd);
int nm_kernel_dma_heap_alloc(const char *heap, uint64_t size, int *fd);

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_DMABUF_H */
