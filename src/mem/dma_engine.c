/* SPDX-License-Identifier: MIT */
/*
 * The DMA engine: the only code that moves bytes between a device and
 * memory.  A device address is translated through the device's live
 * mappings (IOVA or P2P bus address) to a memory object, and the bytes are
 * copied through the object's engine mapping, which nothing else uses.
 *
 * A transfer is checked whole before any byte moves: an address that is not
 * mapped, or mapped only for the other direction, fails with -EFAULT and is
 * counted, and memory is left untouched.
 *
 * Concurrency: any thread; translation holds the domain's read lock, so an
 * unmap waits for copies in flight through that mapping.
 *
 * Workload: the NIC's RX path (header split writes payload, a frame's
 * buffers in one call) and TX path (gathers payload); transfers of 64
 * bytes to 64 KiB, so the per-call cost is a lock, two binary searches per
 * piece, and memcpy.
 */
#include <stdatomic.h>
#include <string.h>
#include <sys/uio.h>

#include "mem/mem_internal.h"
#include "util/err.h"
#include "util/stats.h"

/* Pieces remembered from the checking pass; longer transfers look the
 * later pieces up again.  32 covers a NIC's whole frame (at most
 * NM_RX_MAX_FRAGS = 18 buffers), so the RX path looks each up once. */
#define ENGINE_PIECES 32

struct piece {
	const struct nm_map_seg *seg;
	uint64_t addr, len;
};

static int engine_fault(struct nm_device *dev, const char *fn, uint64_t addr, bool dir_fault,
			bool dev_writes)
{
	if (dir_fault) {
		atomic_fetch_add_explicit(&dev->st_fault_dir, 1, memory_order_relaxed);
		return nm_err(EFAULT, "%s: %s: %#llx is mapped only for the device to %s it",
			      fn, dev->name, (unsigned long long)addr,
			      dev_writes ? "read" : "write");
	}
	atomic_fetch_add_explicit(&dev->st_fault_unmapped, 1, memory_order_relaxed);
	return nm_err(EFAULT, "%s: %s: %#llx is not mapped", fn, dev->name,
		      (unsigned long long)addr);
}

/* One transfer of bytes, in the device's engine stats. */
static void engine_count(struct nm_device *dev, bool dev_writes, uint64_t bytes)
{
	if (dev_writes) {
		atomic_fetch_add_explicit(&dev->st_writes, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&dev->st_write_bytes, bytes, memory_order_relaxed);
	} else {
		atomic_fetch_add_explicit(&dev->st_reads, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&dev->st_read_bytes, bytes, memory_order_relaxed);
	}
}

/* The segment holding device address a, and in *n how many of the rem
 * bytes from a it holds; NULL (*dir_fault says why) if unmapped. */
static const struct nm_map_seg *engine_piece(const struct nm_device *dev, uint64_t a,
					     uint64_t rem, bool dev_writes, bool *dir_fault,
					     uint64_t *n)
{
	const struct nm_map_seg *s = nm_iommu_find(&dev->dom, a, dev_writes, dir_fault);

	if (s) {
		*n = s->dma + s->len - a;
		*n = *n < rem ? *n : rem;
	}
	return s;
}

/* The engine's address of device address a inside segment s. */
static inline uint8_t *engine_addr(const struct nm_map_seg *s, uint64_t a)
{
	return nm_memobj_engine_addr(s->obj, s->obj_off + (a - s->dma));
}

/*
 * Check then copy runs[0..nr) of dev's address space against buf, which
 * holds their bytes back to back.  Everything is checked before any byte
 * moves, under one read lock, and counted as one transfer: a NIC writing a
 * frame into a dozen posted buffers pays for the lock once, not per buffer.
 */
static int engine_xfer_v(const char *fn, struct nm_device *dev, const struct nm_dma_run *runs,
			 unsigned nr, void *buf, bool dev_writes)
{
	struct piece pc[ENGINE_PIECES];
	uint64_t total = 0;
	unsigned np = 0, k = 0;
	bool dir_fault;
	int ret = 0;

	if (!dev)
		return nm_err(EINVAL, "%s: NULL device", fn);
	if (nr && !runs)
		return nm_err(EINVAL, "%s: NULL runs", fn);
	for (unsigned r = 0; r < nr; r++) {
		if (runs[r].addr + runs[r].len < runs[r].addr)
			return engine_fault(dev, fn, runs[r].addr, false, dev_writes);
		total += runs[r].len;
	}
	if (!total)
		return 0;
	if (!buf)
		return nm_err(EINVAL, "%s: NULL buffer", fn);

	pthread_rwlock_rdlock(&dev->dom.lock);
	/* pass 1: every byte must be mapped the right way */
	for (unsigned r = 0; r < nr; r++) {
		for (uint64_t a = runs[r].addr, rem = runs[r].len, n; rem;) {
			const struct nm_map_seg *s = engine_piece(dev, a, rem, dev_writes,
								  &dir_fault, &n);

			if (nm_unlikely(!s)) {
				ret = engine_fault(dev, fn, a, dir_fault, dev_writes);
				goto out;
			}
			if (np < ENGINE_PIECES)
				pc[np] = (struct piece){ s, a, n };
			np++;
			a += n;
			rem -= n;
		}
	}
	/* counted before the copy, which cannot fail now: a locked add right
	 * after a large copy would wait for all of its stores to drain */
	engine_count(dev, dev_writes, total);
	/* pass 2: copy through the engine mapping (pieces past the first
	 * ENGINE_PIECES are looked up again) */
	for (unsigned r = 0; r < nr; r++) {
		for (uint64_t a = runs[r].addr, rem = runs[r].len; rem; k++) {
			struct piece p;
			uint8_t *mem;

			if (k < ENGINE_PIECES) {
				p = pc[k];
			} else {	/* checked in pass 1: it is there */
				p.seg = engine_piece(dev, a, rem, dev_writes, &dir_fault, &p.len);
				p.addr = a;
			}
			mem = engine_addr(p.seg, p.addr);
			if (dev_writes)
				memcpy(mem, buf, p.len);
			else
				memcpy(buf, mem, p.len);
			buf = (uint8_t *)buf + p.len;
			a += p.len;
			rem -= p.len;
		}
	}
out:
	pthread_rwlock_unlock(&dev->dom.lock);
	return ret;
}

static int engine_xfer(const char *fn, struct nm_device *dev, uint64_t addr, void *buf,
		       size_t len, bool dev_writes)
{
	struct nm_dma_run run = { addr, len };

	return engine_xfer_v(fn, dev, &run, 1, buf, dev_writes);
}

int nm_dma_write_runs(struct nm_device *dev, const struct nm_dma_run *runs, unsigned nr,
		      const void *src)
{
	return engine_xfer_v("dma_write", dev, runs, nr, (void *)src, true);
}

int nm_dma_write(struct nm_device *dev, uint64_t addr, const void *src, size_t len)
{
	NM_API_CALL();
	return engine_xfer("dma_write", dev, addr, (void *)src, len, true);
}

int nm_dma_read(struct nm_device *dev, uint64_t addr, void *dst, size_t len)
{
	NM_API_CALL();
	return engine_xfer("dma_read", dev, addr, dst, len, false);
}

int nm_dma_engine_iov(struct nm_device *dev, uint64_t addr, size_t len, bool dev_writes,
		      struct iovec *iov, unsigned max)
{
	const char *fn = dev_writes ? "dma_engine_iov(write)" : "dma_engine_iov(read)";
	unsigned n = 0;
	uint64_t a, rem;
	bool dir_fault;
	int ret;

	if (!dev || (!iov && max))
		return nm_err(EINVAL, "%s: NULL argument", fn);
	if (!len)
		return 0;
	if (addr + len < addr)
		return engine_fault(dev, fn, addr, false, dev_writes);
	pthread_rwlock_rdlock(&dev->dom.lock);
	for (a = addr, rem = len; rem; n++) {
		uint64_t k;
		const struct nm_map_seg *s = engine_piece(dev, a, rem, dev_writes, &dir_fault, &k);

		if (nm_unlikely(!s)) {
			ret = engine_fault(dev, fn, a, dir_fault, dev_writes);
			goto out;
		}
		if (n == max) {
			ret = nm_err(ENOBUFS, "%s: more than %u pieces", fn, max);
			goto out;
		}
		iov[n].iov_base = engine_addr(s, a);
		iov[n].iov_len = k;
		a += k;
		rem -= k;
	}
	engine_count(dev, dev_writes, len);
	ret = (int)n;
out:
	pthread_rwlock_unlock(&dev->dom.lock);
	return ret;
}

int nm_dma_get_stats(const struct nm_device *dev, struct nm_dma_stats *st, size_t size)
{
	NM_API_CALL();
	struct nm_dma_stats s = { 0 };

	if (!dev || !st)
		return nm_err(EINVAL, "NULL argument");
	s.maps = atomic_load_explicit(&dev->st_maps, memory_order_relaxed);
	s.unmaps = atomic_load_explicit(&dev->st_unmaps, memory_order_relaxed);
	s.mapped_bytes = atomic_load_explicit(&dev->st_mapped_bytes, memory_order_relaxed);
	s.live_mappings = atomic_load_explicit(&dev->st_live, memory_order_relaxed);
	s.writes = atomic_load_explicit(&dev->st_writes, memory_order_relaxed);
	s.write_bytes = atomic_load_explicit(&dev->st_write_bytes, memory_order_relaxed);
	s.reads = atomic_load_explicit(&dev->st_reads, memory_order_relaxed);
	s.read_bytes = atomic_load_explicit(&dev->st_read_bytes, memory_order_relaxed);
	s.faults_unmapped = atomic_load_explicit(&dev->st_fault_unmapped, memory_order_relaxed);
	s.faults_direction = atomic_load_explicit(&dev->st_fault_dir, memory_order_relaxed);
	return nm_stats_copy("dma_get_stats", st, size, &s, sizeof(s));
}
