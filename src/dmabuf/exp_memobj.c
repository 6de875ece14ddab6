/* SPDX-License-Identifier: MIT */
/*
 * What every exporter whose buffer is exactly one memory object shares:
 * mapping the object for an importer (its physical ranges through
 * nm_dma_map(), so the dma_vecs come out in buffer order), CPU windows on
 * the object, and lasting mmaps of its bytes (every part, in order).
 *
 * The exporters (exp_host.c, exp_memfd.c, exp_device.c, exp_kernel.c) put
 * these helpers into their own ops tables and add what differs: who may
 * attach, whether mmap is allowed, whether the buffer can move, and how CPU
 * access is bracketed.
 *
 * Invariant: buf->memobj is set (nm_dmabuf_export_memobj()) and its size is
 * the buffer's size.
 *
 * Workload: control path (bind time, moves, application CPU windows).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <netmem/pci.h>

#include "dmabuf/dmabuf_internal.h"
#include "mem/mem_internal.h"
#include "util/err.h"

/* Phyr arrays up to this many entries live on the stack; a scattered
 * buffer needs more and takes the heap (control path). */
#define NM_EXP_PHYRS_ONSTACK 16

unsigned nm_memobj_exp_access(enum nm_dma_dir dir)
{
	return dir == NM_DMA_FROM_DEVICE ? NM_CPU_READ : NM_CPU_READ | NM_CPU_WRITE;
}

int nm_memobj_exp_map(struct nm_dmabuf_attachment *att, enum nm_dma_dir dir,
		      struct nm_dma_mapping **out)
{
	struct nm_phyr onstack[NM_EXP_PHYRS_ONSTACK], *phyrs = onstack;
	struct nm_dmabuf *buf = att->buf;
	int n, m, r;

	n = nm_memobj_get_phyrs(buf->memobj, 0, buf->size, NULL, 0);
	if (n < 0)
		return nm_err_wrap(n, "%s: physical ranges", buf->exp_name);
	if (n > NM_EXP_PHYRS_ONSTACK) {
		phyrs = malloc((size_t)n * sizeof(*phyrs));
		if (!phyrs)
			return nm_err(ENOMEM, "%s: no memory for %d physical ranges",
				      buf->exp_name, n);
	}
	/* Moves are excluded while we map (buf->lock), so n cannot change. */
	m = nm_memobj_get_phyrs(buf->memobj, 0, buf->size, phyrs, (size_t)n);
	if (m != n) {
		r = m < 0 ? nm_err_wrap(m, "%s: physical ranges", buf->exp_name)
			  : nm_err(EIO, "%s: object changed while mapping", buf->exp_name);
		goto out_free;
	}
	r = nm_dma_map(att->dev, phyrs, (size_t)n, dir, 0, out);
	if (r < 0)
		r = nm_err_wrap(r, "%s: map for %s", buf->exp_name, nm_device_name(att->dev));
	else
		r = 0;
out_free:
	if (phyrs != onstack)
		free(phyrs);
	return r;
}

void nm_memobj_exp_unmap(struct nm_dmabuf_attachment *att, struct nm_dma_mapping *map)
{
	(void)att;
	nm_dma_unmap(map);
}

int nm_memobj_exp_begin_cpu(struct nm_dmabuf *buf, uint64_t off, uint64_t len,
			    enum nm_dma_dir dir, void **addr)
{
	return nm_memobj_cpu_begin(buf->memobj, off, len, nm_memobj_exp_access(dir), addr);
}

int nm_memobj_exp_end_cpu(struct nm_dmabuf *buf, uint64_t off, uint64_t len,
			  enum nm_dma_dir dir)
{
	(void)dir;
	return nm_memobj_cpu_end(buf->memobj, off, len);
}

int nm_memobj_exp_mmap(struct nm_dmabuf *buf, uint64_t off, uint64_t len, int prot,
		       void **addr)
{
	return nm_memobj_mmap(buf->memobj, off, len, prot, addr);
}

void nm_memobj_exp_release(struct nm_dmabuf *buf)
{
	nm_memobj_put(buf->memobj);
}

int nm_memobj_exp_export(struct nm_dmabuf_export_info *info, struct nm_memobj *obj,
			 struct nm_dmabuf **out)
{
	int r;

	info->priv = obj;
	r = nm_dmabuf_export_memobj(info, obj, out);
	if (r < 0)
		nm_memobj_put(obj);
	return r;
}

const struct nm_dmabuf_ops nm_memobj_mmap_ops = {
	.map = nm_memobj_exp_map,
	.unmap = nm_memobj_exp_unmap,
	.begin_cpu_access = nm_memobj_exp_begin_cpu,
	.end_cpu_access = nm_memobj_exp_end_cpu,
	.mmap = nm_memobj_exp_mmap,
	.release = nm_memobj_exp_release,
};
