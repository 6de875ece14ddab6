/* SPDX-License-Identifier: MIT */
/*
 * devmem benchmarks that need no TCP: SO_DEVMEM_DONTNEED token returns per
 * second in batches of 128 (single-token entries, the ncdevmem pattern, and
 * one 128-token run), over net_iovs of a dma-buf binding.
 */
#include "bench.h"
#include "pool/memory_provider.h"
#include "pool/page_pool.h"
#include "sock/devmem_tokens.h"
#include <netmem/dmabuf.h>
#include <netmem/error.h>
#include <netmem/pci.h>

#define BATCH 128

static void die(const char *what)
{
	fprintf(stderr, "bench_devmem: %s: %s\n", what, nm_last_error());
	exit(1);
}

static double run(struct nm_page_pool *pp, struct nm_token_table *t, bool single, uint64_t rounds)
{
	struct dmabuf_token d[BATCH];
	uint64_t ns = 0;

	for (uint64_t r = 0; r < rounds; r++) {
		uint32_t tok[BATCH];

		for (int i = 0; i < BATCH; i++) {
			nm_netmem_t nm;

			if (nm_page_pool_alloc_netmem(pp, &nm) || nm_tokens_add(t, nm, &tok[i]))
				die("alloc");
		}
		for (int i = 0; i < BATCH; i++)
			d[i] = (struct dmabuf_token){ tok[i], 1 };
		if (!single) {
			/* reused tokens come back as one block (in reverse order) */
			uint32_t lo = tok[0];

			for (int i = 1; i < BATCH; i++)
				lo = tok[i] < lo ? tok[i] : lo;
			for (int i = 0; i < BATCH; i++)
				if (tok[i] - lo >= BATCH)
					die("tokens not one block");
			d[0] = (struct dmabuf_token){ lo, BATCH };
		}
		uint64_t t0 = t_now_ns();
		int n = nm_tokens_dontneed(t, d, (single ? BATCH : 1) * sizeof(d[0]));
		ns += t_now_ns() - t0;
		if (n != BATCH)
			die("dontneed");
	}
	return (double)(rounds * BATCH) / ((double)ns / 1e9) / 1e6;
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_dmabuf *buf;
	struct nm_dmabuf_binding *b;
	struct nm_page_pool *pp;
	struct nm_token_table t;
	uint64_t rounds = nm_bench_quick() ? 20000 : 200000;

	if (nm_topo_create_default(&topo) || nm_topo_get_device(topo, "nic0", &nic) ||
	    nm_topo_get_device(topo, "gpu0", &gpu))
		die("topology");
	if (nm_dmabuf_create_device(gpu, 16 << 20, &buf) ||
	    nm_dmabuf_binding_create(buf, nic, NM_DMA_FROM_DEVICE, 4096, &b))
		die("binding");
	struct nm_page_pool_params pr = { .dev = nic, .pool_size = 1024, .dir = NM_DMA_FROM_DEVICE };

	if (nm_page_pool_params_set_dmabuf(&pr, b) || nm_page_pool_create(&pr, &pp))
		die("pool");
	nm_tokens_init(&t);
	run(pp, &t, true, rounds / 10);	/* warm up */
	double single = 0, runs = 0;
	for (int i = 0; i < 3; i++) {
		double s = run(pp, &t, true, rounds), r = run(pp, &t, false, rounds);
		single = s > single ? s : single;
		runs = r > runs ? r : runs;
	}
	nm_bench_emit("devmem", "dontneed_128_single_tokens", single, "Mtokens/s", -1, 0);
	nm_bench_emit("devmem", "dontneed_one_128_token_run", runs, "Mtokens/s", -1, 0);
	nm_tokens_fini(&t);
	nm_page_pool_destroy(pp);
	nm_dmabuf_binding_unbind(b);
	nm_dmabuf_put(buf);
	nm_topo_destroy(topo);
	return 0;
}
