/* SPDX-License-Identifier: MIT */
#ifndef NM_BENCH_H
#define NM_BENCH_H

/*
 * Benchmark helpers.  Every benchmark prints JSON lines:
 *
 *	{"bench":"pool","metric":"alloc_recycle_fast","value":4.1,"unit":"ns/op"}
 *
 * and, where it compares against a baseline measured in the same run,
 * "baseline":X,"ratio":Y (ratio = value / baseline unless the metric's
 * name says otherwise).  Set NM_BENCH_QUICK=1 for shorter runs.
 *
 * The benchmarks set up from the test bed (tests/lib/): its hosts, its
 * kernel peer and its clock (t_now_ns()); its checks end a benchmark
 * with "FAIL file:line: what" on a failed set-up.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "t_util.h"

static inline bool nm_bench_quick(void)
{
	const char *q = getenv("NM_BENCH_QUICK");

	return q && *q && *q != '0';
}

/* One JSON line; baseline < 0 means none. */
static inline void nm_bench_emit(const char *bench, const char *metric, double value,
				 const char *unit, double baseline, double ratio)
{
	if (baseline < 0)
		printf("{\"bench\":\"%s\",\"metric\":\"%s\",\"value\":%.4g,\"unit\":\"%s\"}\n",
		       bench, metric, value, unit);
	else
		printf("{\"bench\":\"%s\",\"metric\":\"%s\",\"value\":%.4g,\"unit\":\"%s\","
		       "\"baseline\":%.4g,\"ratio\":%.4g}\n",
		       bench, metric, value, unit, baseline, ratio);
	fflush(stdout);
}

/* Keep the optimizer from dropping a computed value. */
#define nm_bench_keep(x) __asm__ volatile("" : : "g"(x) : "memory")

#endif
