/* SPDX-License-Identifier: MIT */
/*
 * References across processes (docs/nic.md, "One copy on the shm wire").
 *
 *   shm_xproc_devmem_tx_rx_refs_vs_copy
 *                           MB/s of devmem TX (a TX-bound memfd dma-buf,
 *                           MSG_ZEROCOPY) in process A -> devmem RX in
 *                           process B (tokens handed back, bytes not read)
 *                           over an shm wire made by create/connect (MTU
 *                           9000), with references agreed (one copy: A's
 *                           dma-buf -> B's); baseline: the same transfer
 *                           with NM_SHM_REFS=0 on both sides (the arena
 *                           copy: two).  Runs alternate, the medians
 *                           compared (min, max: the spread); ratio = refs / copy.
 *
 * Each process runs its stack on its one thread, busy-polling while data
 * moves.  1 GiB per run, three runs each (NM_BENCH_QUICK=1: 128 MiB).
 */
#include "bench.h"
#include "t_xproc.h"

static double one_run(uint64_t total, bool refs)
{
	struct t_xp_run r = { .total = total, .no_check = true };

	if (refs)
		unsetenv("NM_SHM_REFS");
	else
		setenv("NM_SHM_REFS", "0", 1);	/* A's, and B inherits it */
	t_xp_devmem(&r);
	if (refs && r.wa.tx_refs == 0)
		T_FAIL("references agreed but none sent");
	if (!refs && r.wa.tx_refs != 0)
		T_FAIL("NM_SHM_REFS=0 but %llu frames referenced",
		       (unsigned long long)r.wa.tx_refs);
	return (double)total / (double)r.us;	/* bytes per us = MB/s */
}

int main(void)
{
	uint64_t total = (nm_bench_quick() ? 128ull : 1024ull) << 20;
	struct nm_bench_runs on = { 0 }, off = { 0 };

	for (int i = 0; i < 3; i++) {
		nm_bench_runs_add(&off, one_run(total, false));
		nm_bench_runs_add(&on, one_run(total, true));
	}
	nm_bench_emit_runs("shm_xref", "shm_xproc_devmem_tx_rx_refs_vs_copy", &on, "MB/s",
			   nm_bench_median(&off), NULL);
	return 0;
}
