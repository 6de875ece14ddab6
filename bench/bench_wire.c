/* SPDX-License-Identifier: MIT */
/*
 * Shm wire benchmarks: frames/s and GB/s for 64, 1500, 9000 and 65536-byte
 * frames, in two shapes, named in the metric:
 *
 *   2t_peek   one thread transmits, another busy-polls peek+consume (zero
 *             copy: the receiver reads only the frame's first bytes)
 *   1t_alt    one thread alternates: 32 xmits, then 32 peek+consumes
 *
 * plus 64 KiB-frame bandwidth against memcpy of the same sizes into a
 * buffer as large as the arena, measured in the same run (ratio: wire /
 * memcpy, target >= 0.8: the wire is one copy), the cost of the eventfd
 * wakeup (2t with the receiver sleeping in poll() when empty, and one
 * eventfd write) and recv (copying out) next to peek.
 *
 * Default arena (16 MiB), ring 1024.  NM_BENCH_QUICK=1 shortens each
 * measurement from 0.3 s to 0.05 s.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bench.h"
#include "nic/wire_drv.h"
#include <netmem/error.h>
#include <netmem/wire.h>

#define ARENA	(16u << 20)
#define BATCH	32

static double t_target_s;
static uint8_t src[65536] __attribute__((aligned(64)));

static void die(const char *what, int r)
{
	fprintf(stderr, "bench_wire: %s: %d: %s\n", what, r, nm_last_error());
	exit(1);
}

static void pair(struct nm_wire **a, struct nm_wire **b)
{
	struct nm_wire_shm_params p = { .mtu = 9000, .gso = true, .arena_bytes = ARENA };
	int r = nm_wire_shm_pair(&p, a, b);

	if (r)
		die("pair", r);
}

static struct nm_wire_meta meta_for(uint32_t len)
{
	/* frames beyond mtu + 18 travel as GSO super-frames */
	return (struct nm_wire_meta){ .gso_type = len > 9018 ? NM_WIRE_GSO_TCPV4 : 0,
				      .gso_size = len > 9018 ? 8948 : 0 };
}

/* One peek+consume; false if empty. */
static inline bool rx_one(struct nm_wire *b, uint64_t *sum)
{
	const uint8_t *f;
	uint32_t len;

	if (nm_wire_peek(b, &f, &len, NULL) < 0)
		return false;
	*sum += f[0] + len;
	nm_wire_consume(b);
	return true;
}

/* ---- one thread, alternating ------------------------------------------ */

static double run_1t_on(struct nm_wire *a, struct nm_wire *b, uint32_t len, double secs,
			uint64_t *frames)
{
	struct nm_wire_meta m = meta_for(len);
	struct iovec iov = { src, len };
	uint64_t n = 0, sum = 0, t0, t;

	t0 = t_now_ns();
	do {
		for (int i = 0; i < 64; i++) {
			int k;

			for (k = 0; k < BATCH && nm_wire_xmit(a, &iov, 1, &m) == 0; k++)
				;
			n += (uint64_t)k;
			while (k-- > 0)
				if (!rx_one(b, &sum))
					die("1t: frame missing", -1);
		}
		t = t_now_ns();
	} while ((double)(t - t0) < secs * 1e9);
	nm_bench_keep(sum);
	*frames = n;
	return (double)(t - t0) / 1e9;
}

static double run_1t(uint32_t len, uint64_t *frames)
{
	struct nm_wire *a, *b;
	double s;

	pair(&a, &b);
	run_1t_on(a, b, len, t_target_s / 5, frames);	/* warm the caches */
	s = run_1t_on(a, b, len, t_target_s, frames);
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	return s;
}

/* ---- two threads ------------------------------------------------------ */

struct rx_ctx {
	struct nm_wire *w;
	_Atomic uint64_t total;		/* frames to expect; UINT64_MAX until known */
	uint64_t got, sleeps;
	bool use_fd, copy;
};

static void *rx_thread(void *arg)
{
	struct rx_ctx *c = arg;
	static uint8_t buf[65536];
	struct iovec iov = { buf, sizeof(buf) };
	uint64_t sum = 0;
	int fd = c->use_fd ? nm_wire_get_fd(c->w) : -1;

	while (c->got < atomic_load_explicit(&c->total, memory_order_acquire)) {
		bool ok;

		if (c->copy) {
			ok = nm_wire_rx_copy(c->w, &iov, 1, NULL) > 0;
			sum += buf[0];
		} else {
			ok = rx_one(c->w, &sum);
		}
		if (ok) {
			c->got++;
		} else if (fd >= 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			poll(&pfd, 1, 10);	/* 10 ms: the end is signalled by total */
			c->sleeps++;
		}
	}
	nm_bench_keep(sum);
	return NULL;
}

static double run_2t(uint32_t len, bool use_fd, bool copy, uint64_t *frames, uint64_t *sleeps)
{
	struct nm_wire_meta m = meta_for(len);
	struct iovec iov = { src, len };
	struct rx_ctx c = { .use_fd = use_fd, .copy = copy };
	struct nm_wire *a, *b;
	uint64_t n = 0, t0, t;
	pthread_t thr;

	pair(&a, &b);
	c.w = b;
	atomic_store(&c.total, UINT64_MAX);
	if (use_fd)
		nm_wire_get_fd(b);	/* armed before the first frame */
	if (pthread_create(&thr, NULL, rx_thread, &c))
		die("pthread_create", -1);
	t0 = t_now_ns();
	do {
		for (int i = 0; i < 1024; i++) {
			while (nm_wire_xmit(a, &iov, 1, &m) != 0)
				;	/* backpressure: spin */
			n++;
		}
		t = t_now_ns();
	} while ((double)(t - t0) < t_target_s * 1e9);
	atomic_store_explicit(&c.total, n, memory_order_release);
	pthread_join(thr, NULL);
	t = t_now_ns();
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	*frames = n;
	if (sleeps)
		*sleeps = c.sleeps;
	return (double)(t - t0) / 1e9;
}

/* ---- baseline: memcpy of the same sizes into an arena-sized buffer ---- */

static double run_memcpy(uint8_t *dst, uint32_t len, double secs, uint64_t *frames)
{
	uint64_t n = 0, t0, t;
	size_t off = 0, step = (len + 63) & ~63u;

	t0 = t_now_ns();
	do {
		for (int i = 0; i < 64; i++) {
			if (off + len > ARENA)
				off = 0;
			memcpy(dst + off, src, len);
			nm_bench_keep(dst);
			off += step;
			n++;
		}
		t = t_now_ns();
	} while ((double)(t - t0) < secs * 1e9);
	*frames = n;
	return (double)(t - t0) / 1e9;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* 64 KiB frames through the wire (1t_alt) against memcpy of the same
 * sizes, in alternating short slices so that drift in the machine's speed
 * hits both alike; medians of the slices. */
static void bench_vs_memcpy(void)
{
	enum { ROUNDS = 15 };
	const uint32_t len = 65536;
	double wire[ROUNDS], base[ROUNDS], slice = t_target_s / 10;
	uint8_t *dst = aligned_alloc(4096, ARENA);
	struct nm_wire *a, *b;
	uint64_t n;

	if (!dst)
		die("alloc", -1);
	memset(dst, 1, ARENA);
	pair(&a, &b);
	run_1t_on(a, b, len, slice, &n);
	run_memcpy(dst, len, slice, &n);
	for (int r = 0; r < ROUNDS; r++) {
		double s = run_memcpy(dst, len, slice, &n);

		base[r] = (double)n * len / s / 1e9;
		s = run_1t_on(a, b, len, slice, &n);
		wire[r] = (double)n * len / s / 1e9;
	}
	qsort(wire, ROUNDS, sizeof(double), cmp_double);
	qsort(base, ROUNDS, sizeof(double), cmp_double);
	nm_bench_emit("wire", "1t_alt_65536B_bw_vs_memcpy", wire[ROUNDS / 2], "GB/s",
		      base[ROUNDS / 2], wire[ROUNDS / 2] / base[ROUNDS / 2]);
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	free(dst);
}

static void emit_rate(const char *shape, uint32_t len, uint64_t n, double s)
{
	char metric[96];
	double fps = (double)n / s;

	snprintf(metric, sizeof(metric), "%s_%uB_frames", shape, len);
	nm_bench_emit("wire", metric, fps / 1e6, "Mframes/s", -1, 0);
	snprintf(metric, sizeof(metric), "%s_%uB_bw", shape, len);
	nm_bench_emit("wire", metric, fps * len / 1e9, "GB/s", -1, 0);
}

static void bench_eventfd_write(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	uint64_t one = 1, v, t0, n = nm_bench_quick() ? 20000 : 200000;

	if (fd < 0)
		die("eventfd", -1);
	t0 = t_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		if (write(fd, &one, sizeof(one)) < 0)
			die("eventfd write", -1);
		if ((i & 1023) == 1023 && read(fd, &v, sizeof(v)) < 0)
			die("eventfd read", -1);
	}
	nm_bench_emit("wire", "eventfd_write", (double)(t_now_ns() - t0) / (double)n,
		      "ns/op", -1, 0);
	close(fd);
}

int main(void)
{
	static const uint32_t sizes[] = { 64, 1500, 9000, 65536 };
	uint64_t n, sleeps;
	double s;

	t_target_s = nm_bench_quick() ? 0.05 : 0.3;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)i;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		s = run_2t(sizes[i], false, false, &n, NULL);
		emit_rate("2t_peek", sizes[i], n, s);
		s = run_1t(sizes[i], &n);
		emit_rate("1t_alt", sizes[i], n, s);
	}
	bench_vs_memcpy();
	/* receive by copying out, next to zero-copy peek */
	s = run_2t(1500, false, true, &n, NULL);
	emit_rate("2t_recv", 1500, n, s);
	/* the receiver sleeps on the eventfd whenever the ring is empty */
	s = run_2t(64, true, false, &n, &sleeps);
	emit_rate("2t_peek_fd", 64, n, s);
	nm_bench_emit("wire", "2t_peek_fd_64B_sleeps_per_kframe", 1000.0 * (double)sleeps / (double)n,
		      "sleeps/1000 frames", -1, 0);
	bench_eventfd_write();
	return 0;
}
