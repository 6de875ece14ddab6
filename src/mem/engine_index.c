/* SPDX-License-Identifier: MIT */
/*
 * Which memory object an engine address belongs to.  The DMA engine hands
 * a wire the payload as iovecs over objects' engine mappings
 * (nm_dma_engine_iov); a wire that shares the memory itself with a peer
 * process (shm across processes, docs/nic.md "One copy on the shm wire")
 * must name the object behind such an iovec, and asks here.
 *
 * An index of every live object's engine mapping, sorted by address (the
 * mappings never overlap: each is one mmap).  Objects enter it once their
 * engine mapping exists (memobj_setup) and leave it first thing when they
 * are freed, so a lookup that finds one under the lock can take a
 * reference unless the count already fell to zero.
 *
 * Workload: insert/remove per object (control path); lookups only on a
 * wire's miss (the first frame naming an object), never per frame.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem_internal.h"
#include "util/err.h"

struct idx_ent {
	uintptr_t base;
	uint64_t size;
	struct nm_memobj *obj;
};

static pthread_mutex_t idx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct idx_ent *idx;
static uint32_t idx_n, idx_cap;

/* First entry whose base is above p (caller holds idx_lock). */
static uint32_t idx_upper(uintptr_t p)
{
	uint32_t lo = 0, hi = idx_n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (idx[mid].base <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int nm__engine_index_add(struct nm_memobj *obj)
{
	uintptr_t base = (uintptr_t)obj->engine;
	uint32_t at;

	pthread_mutex_lock(&idx_lock);
	if (idx_n == idx_cap) {
		uint32_t cap = idx_cap ? idx_cap * 2 : 64;
		struct idx_ent *n = realloc(idx, cap * sizeof(*n));

		if (!n) {
			pthread_mutex_unlock(&idx_lock);
			return nm_err(ENOMEM, "no memory for the engine index");
		}
		idx = n;
		idx_cap = cap;
	}
	at = idx_upper(base);
	memmove(&idx[at + 1], &idx[at], (idx_n - at) * sizeof(*idx));
	idx[at] = (struct idx_ent){ base, obj->size, obj };
	idx_n++;
	pthread_mutex_unlock(&idx_lock);
	return 0;
}

void nm__engine_index_remove(struct nm_memobj *obj)
{
	uintptr_t base = (uintptr_t)obj->engine;
	uint32_t at;

	pthread_mutex_lock(&idx_lock);
	at = idx_upper(base);
	if (at && idx[at - 1].obj == obj) {
		memmove(&idx[at - 1], &idx[at], (idx_n - at) * sizeof(*idx));
		if (!--idx_n) {	/* nothing left: leak checkers see nothing */
			free(idx);
			idx = NULL;
			idx_cap = 0;
		}
	}
	pthread_mutex_unlock(&idx_lock);
}

int nm_memobj_find_engine(const void *p, size_t len, struct nm_memobj **obj, uint64_t *off)
{
	uintptr_t a = (uintptr_t)p;
	int r = -ENOENT;
	uint32_t at;

	if (!p || !obj || !off)
		return nm_err(EINVAL, "NULL argument");
	pthread_mutex_lock(&idx_lock);
	at = idx_upper(a);
	if (at) {
		const struct idx_ent *e = &idx[at - 1];
		long refs = atomic_load_explicit(&e->obj->refs, memory_order_relaxed);

		/* inside, and not on its way out (get unless zero) */
		if (a - e->base < e->size && len <= e->size - (a - e->base))
			while (refs > 0 && r) {
				if (atomic_compare_exchange_weak_explicit(
					    &e->obj->refs, &refs, refs + 1,
					    memory_order_acquire, memory_order_relaxed)) {
					*obj = e->obj;
					*off = a - e->base;
					r = 0;
				}
			}
	}
	pthread_mutex_unlock(&idx_lock);
	return r;
}

int nm_memobj_backing(const struct nm_memobj *obj, uint32_t i, struct nm_memobj_part *part)
{
	if (!obj || !part)
		return nm_err(EINVAL, "NULL argument");
	if (obj->parts[0].fd < 0)
		return nm_err(EOPNOTSUPP, "object not backed by a file");
	if (i >= obj->nr_parts)
		return nm_err(ERANGE, "part %u of %u", i, obj->nr_parts);
	*part = obj->parts[i];
	return (int)obj->nr_parts;
}
