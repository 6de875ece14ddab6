/* SPDX-License-Identifier: MIT */
/*
 * Page pool benchmarks (JSON lines, see bench.h).
 *
 *   alloc_recycle_fast      alloc + direct put of one host buffer, ns per pair
 *   alloc_recycle_batch64   64 allocs then 64 direct puts (a NAPI budget),
 *                           ns per buffer
 *   alloc_recycle_niov      the same one-at-a-time loop on a dmabuf pool
 *   ring_return             a second thread returns buffers through the
 *                           return ring while the owner allocates (refilling
 *                           from the ring), ns per buffer of throughput
 *   frag_alloc_1448         alloc_frag(1448) + put, ns per fragment
 *                           (64 KiB buffers: 45 fragments each)
 *
 * Baselines, measured in the same run: malloc + free of the same size (for
 * ring_return: malloc on the owner thread, free on the returning thread,
 * through the same handoff), with glibc told not to give memory back to the
 * system between bursts.  "ratio" = value / baseline: below 1 means the
 * pool is faster.  Each figure is the best of 5 runs.
 */
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include <netmem/dmabuf.h>
#include <netmem/error.h>
#include <netmem/pci.h>

#include "bench.h"
#include "pool/memory_provider.h"
#include "pool/page_pool.h"

#define RUNS 5

static uint64_t iters(uint64_t full)
{
	return nm_bench_quick() ? full / 20 : full;
}

static void die(const char *what, int r)
{
	fprintf(stderr, "bench_pool: %s: %d (%s)\n", what, r, nm_last_error());
	exit(1);
}

#define CHECK(call)                                    \
	do {                                           \
		int _r = (int)(call);                  \
		if (_r < 0)                            \
			die(#call, _r);                \
	} while (0)

/* ---- single-thread fast path ---------------------------------------------- */

static double run_alloc_recycle(struct nm_page_pool *pool, uint64_t n)
{
	uint64_t t0 = t_now_ns();

	for (uint64_t i = 0; i < n; i++) {
		nm_netmem_t nm;

		if (nm_page_pool_alloc_netmem(pool, &nm) ||
		    nm_page_pool_put_netmem(pool, nm, true))
			die("alloc/put", -1);
	}
	return (double)(t_now_ns() - t0) / (double)n;
}

static double run_batch64(struct nm_page_pool *pool, uint64_t n)
{
	nm_netmem_t nm[64];
	uint64_t t0 = t_now_ns();

	for (uint64_t i = 0; i < n / 64; i++) {
		for (int k = 0; k < 64; k++)
			if (nm_page_pool_alloc_netmem(pool, &nm[k]))
				die("alloc", -1);
		for (int k = 0; k < 64; k++)
			if (nm_page_pool_put_netmem(pool, nm[k], true))
				die("put", -1);
	}
	return (double)(t_now_ns() - t0) / (double)(n / 64 * 64);
}

static double run_malloc(size_t size, uint64_t n, int batch)
{
	void *p[64];
	uint64_t t0 = t_now_ns();

	for (uint64_t i = 0; i < n / (uint64_t)batch; i++) {
		for (int k = 0; k < batch; k++) {
			p[k] = malloc(size);
			nm_bench_keep(p[k]);
		}
		for (int k = 0; k < batch; k++)
			free(p[k]);
	}
	return (double)(t_now_ns() - t0) / (double)(n / (uint64_t)batch * (uint64_t)batch);
}

static double run_frag(struct nm_page_pool *pool, uint64_t n)
{
	nm_netmem_t nm[64];
	uint32_t off;
	uint64_t t0 = t_now_ns();

	/* a receive burst: 64 payloads carved, then consumed */
	for (uint64_t i = 0; i < n / 64; i++) {
		for (int k = 0; k < 64; k++)
			if (nm_page_pool_alloc_frag(pool, 1448, &nm[k], &off))
				die("alloc_frag", -1);
		for (int k = 0; k < 64; k++)
			if (nm_page_pool_put_netmem(pool, nm[k], true))
				die("put", -1);
	}
	return (double)(t_now_ns() - t0) / (double)(n / 64 * 64);
}

/* ---- cross-thread returns ------------------------------------------------- */

#define XB 64		/* buffers per handoff batch */
#define XSLOTS 8	/* batches in flight */

struct xslot {
	_Alignas(64) atomic_int full;
	union {
		nm_netmem_t nm[XB];
		void *p[XB];
	};
};

static struct xslot xs[XSLOTS];
static struct nm_page_pool *xpool;
static atomic_bool xstop;
static bool xmalloc;

static void spin_pause(unsigned int *spins)
{
	if (++*spins > 200) {
		sched_yield();
		*spins = 0;
	} else {
		__builtin_ia32_pause();
	}
}

static void *xreturner(void *arg)
{
	unsigned int s = 0, spins = 0;

	(void)arg;
	for (;;) {
		struct xslot *sl = &xs[s];

		while (!atomic_load_explicit(&sl->full, memory_order_acquire)) {
			if (atomic_load_explicit(&xstop, memory_order_acquire))
				return NULL;
			spin_pause(&spins);
		}
		for (int k = 0; k < XB; k++) {
			if (xmalloc)
				free(sl->p[k]);
			else if (nm_page_pool_put_netmem(xpool, sl->nm[k], false))
				die("ring put", -1);
		}
		atomic_store_explicit(&sl->full, 0, memory_order_release);
		s = (s + 1) % XSLOTS;
	}
}

static double run_cross(struct nm_page_pool *pool, bool use_malloc, uint64_t n)
{
	pthread_t th;
	unsigned int s = 0, spins = 0;
	uint64_t t0, batches = n / XB;

	xpool = pool;
	xmalloc = use_malloc;
	atomic_store(&xstop, false);
	for (int i = 0; i < XSLOTS; i++)
		atomic_store(&xs[i].full, 0);
	CHECK(pthread_create(&th, NULL, xreturner, NULL));
	t0 = t_now_ns();
	for (uint64_t b = 0; b < batches; b++) {
		struct xslot *sl = &xs[s];

		while (atomic_load_explicit(&sl->full, memory_order_acquire))
			spin_pause(&spins);
		for (int k = 0; k < XB; k++) {
			if (use_malloc) {
				sl->p[k] = malloc(4096);
				nm_bench_keep(sl->p[k]);
			} else if (nm_page_pool_alloc_netmem(pool, &sl->nm[k])) {
				die("alloc", -1);
			}
		}
		atomic_store_explicit(&sl->full, 1, memory_order_release);
		s = (s + 1) % XSLOTS;
	}
	/* wait for the last batches to come back */
	for (int i = 0; i < XSLOTS; i++)
		while (atomic_load_explicit(&xs[i].full, memory_order_acquire))
			spin_pause(&spins);
	double ns = (double)(t_now_ns() - t0) / (double)(batches * XB);
	atomic_store(&xstop, true);
	pthread_join(th, NULL);
	return ns;
}

/* ---- driver -------------------------------------------------------------------- */

static double best(double a, double b)
{
	return a < b ? a : b;
}

static void emit(const char *metric, double v, double base)
{
	nm_bench_emit("pool", metric, v, "ns/op", base, base > 0 ? v / base : -1);
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_dmabuf *dbuf;
	struct nm_dmabuf_binding *b;
	struct nm_page_pool *p4k, *p64k, *pd;
	struct nm_page_pool_params pp = { .dir = NM_DMA_FROM_DEVICE, .pool_size = 4096 };
	double v, base;
	uint64_t n;

	/* keep glibc from trimming the heap after every 64-buffer burst: the
	 * baseline is malloc at its best, not malloc making system calls */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 64 << 20);

	CHECK(nm_topo_create_default(&topo));
	CHECK(nm_topo_get_device(topo, "nic0", &nic));
	CHECK(nm_topo_get_device(topo, "gpu0", &gpu));
	pp.dev = nic;
	CHECK(nm_page_pool_create(&pp, &p4k));
	pp.order = 4;
	CHECK(nm_page_pool_create(&pp, &p64k));
	CHECK(nm_dmabuf_create_device(gpu, 16 << 20, &dbuf));
	CHECK(nm_dmabuf_binding_create(dbuf, nic, NM_DMA_FROM_DEVICE, 4096, &b));
	nm_dmabuf_put(dbuf);
	pp.order = 0;
	CHECK(nm_page_pool_params_set_dmabuf(&pp, b));
	CHECK(nm_page_pool_create(&pp, &pd));

	/* warm up: take the buffers from the providers once */
	run_batch64(p4k, 1 << 12);
	run_batch64(pd, 1 << 12);
	run_frag(p64k, 1 << 12);

	n = iters(20000000);
	v = base = 1e30;
	for (int r = 0; r < RUNS; r++) {
		v = best(v, run_alloc_recycle(p4k, n));
		base = best(base, run_malloc(4096, n, 1));
	}
	emit("alloc_recycle_fast", v, base);

	v = base = 1e30;
	for (int r = 0; r < RUNS; r++) {
		v = best(v, run_batch64(p4k, n));
		base = best(base, run_malloc(4096, n, 64));
	}
	emit("alloc_recycle_batch64", v, base);

	v = base = 1e30;
	for (int r = 0; r < RUNS; r++) {
		v = best(v, run_alloc_recycle(pd, n));
		base = best(base, run_malloc(4096, n, 1));
	}
	emit("alloc_recycle_niov", v, base);

	n = iters(5000000);
	v = base = 1e30;
	for (int r = 0; r < RUNS; r++) {
		v = best(v, run_cross(p4k, false, n));
		base = best(base, run_cross(NULL, true, n));
	}
	emit("ring_return", v, base);

	n = iters(20000000);
	v = base = 1e30;
	for (int r = 0; r < RUNS; r++) {
		v = best(v, run_frag(p64k, n));
		base = best(base, run_malloc(1448, n, 64));
	}
	emit("frag_alloc_1448", v, base);

	if (nm_page_pool_inflight(p4k) || nm_page_pool_inflight(p64k) ||
	    nm_page_pool_inflight(pd))
		die("buffers left in flight", -1);
	CHECK(nm_page_pool_destroy(p4k));
	CHECK(nm_page_pool_destroy(p64k));
	CHECK(nm_page_pool_destroy(pd));
	CHECK(nm_dmabuf_binding_unbind(b));
	CHECK(nm_topo_destroy(topo));
	return 0;
}
