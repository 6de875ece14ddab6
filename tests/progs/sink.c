/* SPDX-License-Identifier: MIT */
/*
 * nmp_sink: the receiving server of the `netmem run` benchmark
 * (bench/bench_run.c), written against glibc and the kernel's headers only.
 * bench_run runs it under `netmem run` and compares it with the same server
 * written with nm_* calls (sink_nm() in bench_run.c), which mirrors this
 * file call for call.
 *
 *	nmp_sink ADDR PORT ROUNDS
 *
 * Two connections, one after the other:
 *  1. throughput: recv() of 64 KiB to the end of stream, timed from the
 *     first byte to the end;
 *  2. the cost of one recv() of 64 KiB already queued: ROUNDS times, wait
 *     (poll, then recv(MSG_PEEK | MSG_DONTWAIT)) until 64 KiB are there,
 *     then time one recv() of 64 KiB; the rest is read untimed.
 * Prints one line: "bytes B ns N recv64k_ns R" (R: the median round).
 */
#include <poll.h>

#include "prog.h"

#define K64	65536

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int accept_one(int lfd)
{
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		pp_die("accept: %s", strerror(errno));
	return fd;
}

/* Bytes to the end of stream; *ns from the first byte to the end. */
static uint64_t drain(int fd, uint8_t *buf, uint64_t *ns)
{
	uint64_t got = 0, t0 = 0;
	ssize_t k;

	while ((k = recv(fd, buf, K64, 0)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			pp_die("recv: %s", strerror(errno));
		if (!got)
			t0 = now_ns();
		got += (uint64_t)k;
	}
	*ns = got ? now_ns() - t0 : 0;
	return got;
}

/* Until 64 KiB are queued; false at the end of stream. */
static bool await_64k(int fd, uint8_t *buf)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		ssize_t k = recv(fd, buf, K64, MSG_PEEK | MSG_DONTWAIT);

		if (k == K64)
			return true;
		if (k == 0)
			return false;
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			pp_die("recv(MSG_PEEK): %s", strerror(errno));
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			pp_die("poll: %s", strerror(errno));
	}
}

int main(int argc, char **argv)
{
	static uint8_t buf[K64];
	uint64_t bytes, ns, rest, *lat;
	long rounds, done = 0;
	int lfd, fd;

	if (argc != 4)
		pp_die("usage: nmp_sink ADDR PORT ROUNDS");
	rounds = pp_num("ROUNDS", argv[3]);
	lat = calloc((size_t)rounds + 1, sizeof(*lat));
	lfd = pp_listen(argv[1], (int)pp_num("PORT", argv[2]));

	fd = accept_one(lfd);
	bytes = drain(fd, buf, &ns);
	close(fd);

	fd = accept_one(lfd);
	while (done < rounds && await_64k(fd, buf)) {
		uint64_t t0 = now_ns();
		ssize_t k = recv(fd, buf, K64, 0);

		lat[done++] = now_ns() - t0;
		if (k != K64)
			pp_die("recv of 64 KiB queued returned %zd", k);
	}
	drain(fd, buf, &rest);
	close(fd);
	close(lfd);
	if (done < rounds)
		pp_die("the stream ended after %ld of %ld rounds", done, rounds);
	qsort(lat, (size_t)rounds, sizeof(*lat), cmp_u64);
	printf("bytes %llu ns %llu recv64k_ns %llu\n", (unsigned long long)bytes,
	       (unsigned long long)ns, (unsigned long long)(rounds ? lat[rounds / 2] : 0));
	free(lat);
	return 0;
}
