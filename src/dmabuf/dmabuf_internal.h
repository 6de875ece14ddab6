/* SPDX-License-Identifier: MIT */
#ifndef NM_DMABUF_INTERNAL_H
#define NM_DMABUF_INTERNAL_H

/*
 * Internals of the dma-buf layer shared between the object (dmabuf.c) and
 * the exporters (exp_*.c), and read by tests.  Applications use
 * include/netmem/dmabuf.h only.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <netmem/dmabuf.h>
#include <netmem/mem.h>

/* DMA_BUF_NAME_LEN of the kernel's uAPI: 31 bytes and the NUL. */
#define NM_DMABUF_NAME_LEN 32
#define NM_DMABUF_EXP_NAME_LEN 32

/* One mapping handed out for an attachment.  stale: a move invalidated it
 * (nm_dma_invalidate: its device addresses are gone) but the handle lives
 * until the importer's late nm_dmabuf_unmap_attachment() or detach, which
 * hands it to the exporter's unmap as usual; the address can therefore
 * never be reused by another mapping while the importer still holds it. */
struct nm_dmabuf_map_rec {
	struct nm_dma_mapping *map;
	bool stale;
};

struct nm_dmabuf_attachment {
	struct nm_dmabuf *buf;			/* holds a reference */
	struct nm_device *dev;			/* holds a device reference */
	void *importer_priv;
	bool dynamic;
	bool peer2peer;				/* importer takes P2P bus addresses */
	void (*move_notify)(struct nm_dmabuf_attachment *att);
	void *exp_priv;				/* exporter's per-attachment data */
	uint64_t notified_seq;			/* last move that notified it */
	/* under buf->lock */
	struct nm_dmabuf_attachment *prev, *next;
	struct nm_dmabuf_map_rec *maps;
	uint32_t nr_maps, cap_maps;
};

/* A lasting mmap handed out by nm_dmabuf_mmap(). */
struct nm_dmabuf_mmap_rec {
	void *addr;
	uint64_t len;
};

struct nm_dmabuf {
	/* constant after export */
	atomic_long refs;
	uint64_t size;
	uint64_t ino;
	const struct nm_dmabuf_ops *ops;
	void *priv;
	struct nm_memobj *memobj;		/* not a reference: the exporter's */
	struct nm_resv *resv;
	char exp_name[NM_DMABUF_EXP_NAME_LEN];

	pthread_mutex_t lock;			/* everything below */
	pthread_cond_t move_done;		/* broadcast when a move ends */
	char name[NM_DMABUF_NAME_LEN];
	struct nm_dmabuf_attachment *atts;	/* doubly linked, newest first */
	uint32_t nr_atts, nr_static;
	uint32_t nr_cpu_windows;		/* begun and not yet ended */
	struct nm_dmabuf_mmap_rec *mmaps;
	uint32_t nr_mmaps, cap_mmaps;
	bool moving;				/* a move is in progress ... */
	pthread_t mover;			/* ... on this thread */
	uint64_t move_seq;			/* moves started so far */
};

/* Export a buffer backed by exactly one memory object (what
 * nm_dmabuf_memobj() returns).  The exporter keeps its own reference to obj
 * and drops it in its release op. */
int nm_dmabuf_export_memobj(const struct nm_dmabuf_export_info *info,
			    struct nm_memobj *obj, struct nm_dmabuf **out);
/* The ops of a buffer that is one host memory object the CPU may mmap
 * (host anonymous memory, udmabuf). */
extern const struct nm_dmabuf_ops nm_memobj_mmap_ops;

/* The exporters' last step: export obj (info->priv = obj) and, on failure,
 * drop the exporter's reference to it. */
int nm_memobj_exp_export(struct nm_dmabuf_export_info *info, struct nm_memobj *obj,
			 struct nm_dmabuf **out);

/* Debug checker: 0 if every invariant listed in dmabuf.c holds, else -EIO
 * with the broken one in nm_last_error().  Takes buf->lock. */
int nm_dmabuf_assert_ok(struct nm_dmabuf *buf);

/* How long nm_dmabuf_begin_cpu_access() waits for fences (10 s); tests
 * shorten it to prove -ETIME quickly. */
extern int64_t nm_dmabuf_cpu_wait_ns;

/* ---- Exporters whose buffer is one memory object (exp_memobj.c) ---------- */

/* The CPU-window access mode for a DMA direction, as Linux reads it:
 * FROM_DEVICE = the CPU reads; TO_DEVICE and BIDIRECTIONAL = it writes. */
unsigned nm_memobj_exp_access(enum nm_dma_dir dir);

/* Map the whole object for att's device (phyrs -> nm_dma_map). */
int nm_memobj_exp_map(struct nm_dmabuf_attachment *att, enum nm_dma_dir dir,
		      struct nm_dma_mapping **out);
void nm_memobj_exp_unmap(struct nm_dmabuf_attachment *att, struct nm_dma_mapping *map);

/* CPU windows through nm_memobj_cpu_begin()/end(). */
int nm_memobj_exp_begin_cpu(struct nm_dmabuf *buf, uint64_t off, uint64_t len,
			    enum nm_dma_dir dir, void **addr);
int nm_memobj_exp_end_cpu(struct nm_dmabuf *buf, uint64_t off, uint64_t len,
			  enum nm_dma_dir dir);

/* The ops of exporters whose buffer is one memory object (buf->memobj):
 * mmap of its bytes (nm_memobj_mmap(): every part of the object in order,
 * MAP_SHARED), and release of the object. */
int nm_memobj_exp_mmap(struct nm_dmabuf *buf, uint64_t off, uint64_t len, int prot,
		       void **addr);
void nm_memobj_exp_release(struct nm_dmabuf *buf);

#endif /* NM_DMABUF_INTERNAL_H */
