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
#include <string.h>

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

/*
 * A figure measured over repeated runs: the median is the figure, the
 * slowest and fastest runs its spread (a single sample hides a bimodal
 * result: one run in five collapsing, say).
 */
#define NM_BENCH_MAX_RUNS 32

struct nm_bench_runs {
	double v[NM_BENCH_MAX_RUNS];
	int n;
};

static inline void nm_bench_runs_add(struct nm_bench_runs *r, double v)
{
	int i = r->n < NM_BENCH_MAX_RUNS ? r->n++ : NM_BENCH_MAX_RUNS - 1;

	/* kept sorted: insertion from the end */
	for (; i > 0 && r->v[i - 1] > v; i--)
		r->v[i] = r->v[i - 1];
	r->v[i] = v;
}

static inline double nm_bench_median(const struct nm_bench_runs *r)
{
	if (!r->n)
		return 0;
	return r->n % 2 ? r->v[r->n / 2] : (r->v[r->n / 2 - 1] + r->v[r->n / 2]) / 2;
}

/* One JSON line for repeated runs: "value" is the median, "min", "max" and
 * "runs" the spread; baseline < 0 means none, else "ratio" is median /
 * baseline; extra (NULL: none) is appended to the object as it is, e.g.
 * ",\"sender_cc\":\"cubic\"". */
static inline void nm_bench_emit_runs(const char *bench, const char *metric,
				      const struct nm_bench_runs *r, const char *unit,
				      double baseline, const char *extra)
{
	double m = nm_bench_median(r);

	printf("{\"bench\":\"%s\",\"metric\":\"%s\",\"value\":%.4g,\"unit\":\"%s\","
	       "\"min\":%.4g,\"max\":%.4g,\"runs\":%d",
	       bench, metric, m, unit, r->n ? r->v[0] : 0, r->n ? r->v[r->n - 1] : 0, r->n);
	if (baseline > 0)
		printf(",\"baseline\":%.4g,\"ratio\":%.4g", baseline, m / baseline);
	printf("%s}\n", extra ? extra : "");
	fflush(stdout);
}

/* Keep the optimizer from dropping a computed value. */
#define nm_bench_keep(x) __asm__ volatile("" : : "g"(x) : "memory")

/* Single-core memcpy of total bytes between two 64 MiB buffers, MB/s. */
static inline double nm_bench_memcpy_once(uint64_t total)
{
	size_t sz = 64u << 20;
	uint8_t *a = malloc(sz), *b = malloc(sz);
	uint64_t t0, done = 0;

	if (!a || !b) {
		fprintf(stderr, "bench: out of memory for the memcpy baseline\n");
		exit(1);
	}
	memset(a, 1, sz);
	memset(b, 2, sz);
	t0 = t_now_ns();
	while (done < total) {
		size_t n = total - done < sz ? (size_t)(total - done) : sz;

		memcpy(b, a, n);
		nm_bench_keep(b[n - 1]);
		done += n;
	}
	t0 = t_now_ns() - t0;
	free(a);
	free(b);
	return (double)total * 1e3 / (double)t0;
}

/* The memcpy baseline of a ratio: the median of three runs. */
static inline double nm_bench_memcpy_mbps(uint64_t total)
{
	struct nm_bench_runs r = { .n = 0 };

	for (int i = 0; i < 3; i++)
		nm_bench_runs_add(&r, nm_bench_memcpy_once(total));
	return nm_bench_median(&r);
}

#endif
