/* SPDX-License-Identifier: MIT */
/*
 * Memory-core benchmarks (mem/): phyr mapping cost, mapping metadata size
 * against a scatterlist, and DMA-engine write bandwidth against memcpy.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"
#include "mem/mem_internal.h"
#include <netmem/dma.h>
#include <netmem/error.h>
#include <netmem/pci.h>

#define GIB (1ULL << 30)
#define SG_ENTRY_BYTES 32	/* struct scatterlist on 64-bit Linux */

static void die(const char *what)
{
	fprintf(stderr, "bench_mem: %s: %s\n", what, nm_last_error());
	exit(1);
}

static double map_unmap_ms(struct nm_device *nic, const struct nm_phyr *p, size_t n, int reps,
			   size_t *meta_bytes)
{
	uint64_t t0 = t_now_ns();

	for (int r = 0; r < reps; r++) {
		struct nm_dma_mapping *m;

		if (nm_dma_map(nic, p, n, NM_DMA_BIDIRECTIONAL, 0, &m) < 0)
			die("dma_map");
		*meta_bytes = m->nr_vecs * sizeof(struct nm_dma_vec) +
			      m->nr_segs * sizeof(struct nm_map_seg);
		if (nm_dma_unmap(m))
			die("dma_unmap");
	}
	return (double)(t_now_ns() - t0) / reps / 1e6;
}

static void bench_map(struct nm_device *nic)
{
	size_t np = GIB / NM_PAGE_SIZE, meta;
	struct nm_phyr *p = malloc(np * sizeof(*p)), one;
	struct nm_memobj *obj;
	int fd = memfd_create("bench", MFD_CLOEXEC);
	int reps = nm_bench_quick() ? 3 : 10;

	if (!p || fd < 0 || ftruncate(fd, (off_t)GIB))
		die("setup");
	if (nm_memobj_create_memfd(fd, 0, GIB, 0, &obj))
		die("memobj");
	close(fd);
	nm_memobj_get_phyrs(obj, 0, GIB, &one, 1);
	for (size_t i = 0; i < np; i++)
		p[i] = (struct nm_phyr){ one.addr + i * NM_PAGE_SIZE, NM_PAGE_SIZE };

	double ms_pages = map_unmap_ms(nic, p, np, reps, &meta);
	nm_bench_emit("mem", "map_unmap_1g_4k_phyrs", ms_pages, "ms/op", -1, 0);
	nm_bench_emit("mem", "map_1g_4k_phyrs_metadata", (double)meta, "bytes",
		      (double)np * SG_ENTRY_BYTES, meta / ((double)np * SG_ENTRY_BYTES));
	double ms_one = map_unmap_ms(nic, &one, 1, reps * 100, &meta);
	nm_bench_emit("mem", "map_unmap_1g_one_phyr", ms_one * 1000, "us/op", -1, 0);
	nm_bench_emit("mem", "dma_vec_entry_bytes", (double)sizeof(struct nm_dma_vec), "bytes",
		      SG_ENTRY_BYTES, (double)sizeof(struct nm_dma_vec) / SG_ENTRY_BYTES);

	/* a scattered GiB: every page its own physical run */
	struct nm_memobj *sc;
	if (nm_memobj_create_anon(GIB, NM_MEM_SCATTER, &sc))
		die("scatter memobj");
	nm_memobj_get_phyrs(sc, 0, GIB, p, np);
	double ms_sc = map_unmap_ms(nic, p, np, reps, &meta);
	nm_bench_emit("mem", "map_unmap_1g_scattered_4k_phyrs", ms_sc, "ms/op", -1, 0);
	nm_memobj_put(sc);
	nm_memobj_put(obj);
	free(p);
}

/* Engine writes of chunk bytes cycling over a 64 MiB buffer, against
 * memcpy of the same chunks into a plain mapping of the same size. */
static void bench_engine(struct nm_device *nic)
{
	const size_t buf_size = 64u << 20, chunk = 64u << 10;
	/* many short alternating rounds, best of each: robust against other
	 * load on the machine */
	uint64_t total = GIB / 2;
	int rounds = nm_bench_quick() ? 6 : 24;
	struct nm_memobj *obj;
	struct nm_dma_mapping *m;
	struct nm_phyr p;
	uint8_t *src = aligned_alloc(4096, chunk);
	uint8_t *plain = mmap(NULL, buf_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (!src || plain == MAP_FAILED)
		die("alloc");
	memset(src, 0x5a, chunk);
	if (nm_memobj_create_anon(buf_size, 0, &obj))
		die("memobj");
	nm_memobj_get_phyrs(obj, 0, buf_size, &p, 1);
	if (nm_dma_map(nic, &p, 1, NM_DMA_FROM_DEVICE, 0, &m) < 0)
		die("map");
	uint64_t base = nm_dma_mapping_vecs(m, NULL)[0].addr;
	/* fault everything in first so both sides measure copies only */
	memset(plain, 0, buf_size);
	for (size_t off = 0; off < buf_size; off += chunk)
		nm_dma_write(nic, base + off, src, chunk);

	double best_memcpy = 0, best_engine = 0;
	for (int round = 0; round < rounds; round++) {
		uint64_t t0 = t_now_ns();
		for (uint64_t done = 0; done < total; done += chunk)
			memcpy(plain + done % buf_size, src, chunk);
		nm_bench_keep(plain[7]);
		double gbps_m = total / (double)(t_now_ns() - t0);

		t0 = t_now_ns();
		for (uint64_t done = 0; done < total; done += chunk)
			if (nm_dma_write(nic, base + done % buf_size, src, chunk))
				die("dma_write");
		double gbps_e = total / (double)(t_now_ns() - t0);

		best_memcpy = gbps_m > best_memcpy ? gbps_m : best_memcpy;
		best_engine = gbps_e > best_engine ? gbps_e : best_engine;
	}
	nm_bench_emit("mem", "dma_write_64k_bandwidth", best_engine, "GB/s", best_memcpy,
		      best_engine / best_memcpy);

	/* small transfers: per-call cost matters (a 1448-byte payload) */
	uint64_t n = nm_bench_quick() ? 200000 : 2000000;
	uint64_t t0 = t_now_ns();
	for (uint64_t i = 0; i < n; i++)
		nm_dma_write(nic, base + (i * 2048) % buf_size, src, 1448);
	double ns_e = (double)(t_now_ns() - t0) / n;
	t0 = t_now_ns();
	for (uint64_t i = 0; i < n; i++)
		memcpy(plain + (i * 2048) % buf_size, src, 1448);
	nm_bench_keep(plain[9]);
	double ns_m = (double)(t_now_ns() - t0) / n;
	nm_bench_emit("mem", "dma_write_1448b", ns_e, "ns/op", ns_m, ns_e / ns_m);

	nm_dma_unmap(m);
	nm_memobj_put(obj);
	munmap(plain, buf_size);
	free(src);
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic;

	if (nm_topo_create_default(&topo) || nm_topo_get_device(topo, "nic0", &nic))
		die("topology");
	bench_map(nic);
	bench_engine(nic);
	nm_topo_destroy(topo);
	return 0;
}
