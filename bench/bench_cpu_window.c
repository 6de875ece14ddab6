/* SPDX-License-Identifier: MIT */
/*
 * What CPU access to a udmabuf costs (docs/memory.md): the default mode
 * (the view read-write from creation, a window is bookkeeping, as on
 * Linux) against mem/'s checking mode (NM_MEM_CHECK=1: PROT_NONE outside
 * windows, each window an mprotect pair and TLB shootdowns), measured in
 * the same run, the checking mode in a forked child (the mode is read once
 * per process).
 *
 *   udmabuf_window_pair     ns per begin/end_cpu_access pair on 64 KiB
 *                           (FROM_DEVICE, offsets cycling over 64 MiB);
 *                           baseline: the same in the checking mode;
 *                           ratio = default / checking.
 *   udmabuf_read_1m_windows GB/s reading every byte of a 64 MiB udmabuf
 *                           (a memcpy out, as an application validating
 *                           payload does) through one window per MiB;
 *                           baseline: memcpy of the same bytes from plain
 *                           memory; ratio = udmabuf / memcpy.
 *   udmabuf_read_1m_windows_checked   the same in the checking mode.
 *   udmabuf_read_64k_windows, ..._checked   with one window per 64 KiB.
 *
 * Best of several passes each (NM_BENCH_QUICK=1: fewer).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include <netmem/dmabuf.h>
#include <netmem/error.h>

#define BUF_BYTES	(64u << 20)
#define PAIR_BYTES	(64u << 10)

struct win_cost {
	double pair_ns;			/* one begin/end pair */
	double read_gbs_1m, read_gbs_64k;	/* reading every byte */
};

static void die(const char *what)
{
	fprintf(stderr, "bench_cpu_window: %s: %s\n", what, nm_last_error());
	exit(1);
}

static uint8_t *dst_buf(void)
{
	static uint8_t *dst;

	if (!dst) {
		dst = malloc(1u << 20);
		if (!dst)
			die("malloc");
		memset(dst, 1, 1u << 20);
	}
	return dst;
}

/* GB/s reading all of buf through one window per win bytes, best pass. */
static double read_through_windows(struct nm_dmabuf *buf, uint32_t win, int passes)
{
	uint8_t *dst = dst_buf();
	double best = 0;

	for (int p = 0; p < passes; p++) {
		uint64_t t0 = t_now_ns();

		for (uint64_t off = 0; off < BUF_BYTES; off += win) {
			void *w;

			if (nm_dmabuf_begin_cpu_access(buf, off, win, NM_DMA_FROM_DEVICE, &w) < 0)
				die("begin_cpu_access");
			memcpy(dst + (off & ((1u << 20) - 1)), w, win);
			if (nm_dmabuf_end_cpu_access(buf, off, win, NM_DMA_FROM_DEVICE) < 0)
				die("end_cpu_access");
		}
		double gbs = (double)BUF_BYTES / (double)(t_now_ns() - t0);

		if (gbs > best)
			best = gbs;
	}
	return best;
}

/* The costs in this process's mode. */
static void measure(struct win_cost *c)
{
	int passes = nm_bench_quick() ? 3 : 10, pairs = nm_bench_quick() ? 20000 : 100000;
	int fd = memfd_create("bench_cpu_window", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	struct nm_dmabuf *buf;
	void *w;

	if (fd < 0 || ftruncate(fd, BUF_BYTES) || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK))
		die("memfd");
	if (nm_udmabuf_create(fd, 0, BUF_BYTES, 0, &buf) < 0)
		die("udmabuf");
	close(fd);
	/* fill it once (the pages exist before anything is timed) */
	if (nm_dmabuf_begin_cpu_access(buf, 0, BUF_BYTES, NM_DMA_TO_DEVICE, &w) < 0)
		die("begin_cpu_access");
	memset(w, 0x5a, BUF_BYTES);
	nm_dmabuf_end_cpu_access(buf, 0, BUF_BYTES, NM_DMA_TO_DEVICE);

	uint64_t t0 = t_now_ns();

	for (int i = 0; i < pairs; i++) {
		uint64_t off = (uint64_t)(i % (BUF_BYTES / PAIR_BYTES)) * PAIR_BYTES;

		if (nm_dmabuf_begin_cpu_access(buf, off, PAIR_BYTES, NM_DMA_FROM_DEVICE, &w) < 0)
			die("begin_cpu_access");
		nm_dmabuf_end_cpu_access(buf, off, PAIR_BYTES, NM_DMA_FROM_DEVICE);
	}
	c->pair_ns = (double)(t_now_ns() - t0) / pairs;
	c->read_gbs_1m = read_through_windows(buf, 1u << 20, passes);
	c->read_gbs_64k = read_through_windows(buf, 64u << 10, passes);
	nm_dmabuf_put(buf);
}

/* The checking mode's costs, from a child that sets NM_MEM_CHECK=1 before
 * its first memory object. */
static void measure_checked(struct win_cost *c)
{
	int p[2], status;
	pid_t pid;

	fflush(stdout);
	if (pipe(p))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		setenv("NM_MEM_CHECK", "1", 1);
		measure(c);
		_exit(write(p[1], c, sizeof(*c)) == sizeof(*c) ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], c, sizeof(*c)) != sizeof(*c) || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		die("the checking-mode child");
	close(p[0]);
}

/* GB/s of memcpy of the same bytes, 1 MiB at a time, from plain memory. */
static double memcpy_gbs(int passes)
{
	uint8_t *src = malloc(BUF_BYTES), *dst = dst_buf();
	double best = 0;

	if (!src)
		die("malloc");
	memset(src, 0x5a, BUF_BYTES);
	for (int p = 0; p < passes; p++) {
		uint64_t t0 = t_now_ns();

		for (uint64_t off = 0; off < BUF_BYTES; off += 1u << 20)
			memcpy(dst, src + off, 1u << 20);
		double gbs = (double)BUF_BYTES / (double)(t_now_ns() - t0);

		if (gbs > best)
			best = gbs;
	}
	free(src);
	return best;
}

int main(void)
{
	struct win_cost fast, checked;
	double copy;

	if (getenv("NM_MEM_CHECK"))
		unsetenv("NM_MEM_CHECK");	/* this process: the default mode */
	measure_checked(&checked);
	measure(&fast);
	copy = memcpy_gbs(nm_bench_quick() ? 3 : 10);
	nm_bench_emit("cpu_window", "udmabuf_window_pair", fast.pair_ns, "ns/op", checked.pair_ns,
		      fast.pair_ns / checked.pair_ns);
	nm_bench_emit("cpu_window", "udmabuf_read_1m_windows", fast.read_gbs_1m, "GB/s", copy,
		      fast.read_gbs_1m / copy);
	nm_bench_emit("cpu_window", "udmabuf_read_1m_windows_checked", checked.read_gbs_1m, "GB/s",
		      copy, checked.read_gbs_1m / copy);
	nm_bench_emit("cpu_window", "udmabuf_read_64k_windows", fast.read_gbs_64k, "GB/s", copy,
		      fast.read_gbs_64k / copy);
	nm_bench_emit("cpu_window", "udmabuf_read_64k_windows_checked", checked.read_gbs_64k,
		      "GB/s", copy, checked.read_gbs_64k / copy);
	return 0;
}
