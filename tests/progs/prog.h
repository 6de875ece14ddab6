/* SPDX-License-Identifier: MIT */
#ifndef NM_PROG_H
#define NM_PROG_H

/*
 * What the test programs of tests/progs/ share.  These programs are the
 * "unmodified programs" of `netmem run` (docs/testing.md): they include
 * glibc's and the kernel's headers only and link nothing of netmem, so the
 * same binary runs on the kernel's sockets alone and under `netmem run`.
 * Every helper here is plain POSIX/Linux; none knows netmem exists.
 *
 * The stream of connection c: byte i is (i % 251) ^ (c * 37 % 256), so a
 * byte that arrives at the wrong offset or on another connection differs.
 * The ncdevmem pattern of period p (what `netmem client` sends): byte i is
 * i % p + 1, or '\n' where that is p.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static inline uint8_t pp_byte(unsigned conn, uint64_t i)
{
	return (uint8_t)((i % 251) ^ ((conn * 37u) & 0xff));
}

static inline uint8_t pp_ncdevmem(unsigned period, uint64_t i)
{
	uint64_t k = i % period;

	return k == period - 1 ? '\n' : (uint8_t)(k + 1);
}

static inline void pp_fill(unsigned conn, uint64_t off, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = pp_byte(conn, off + i);
}

/* The offset of the first byte of b that is not the stream's, or -1. */
static inline int64_t pp_check(unsigned conn, uint64_t off, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != pp_byte(conn, off + i))
			return (int64_t)(off + i);
	return -1;
}

static inline void __attribute__((noreturn, format(printf, 1, 2))) pp_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* A program that asserts (nmp_api, nmp_wait): a check that fails prints
 * "FAIL file:line: what (errno)" and exits 1.  What they assert is what
 * Linux does: the tests run them on the kernel alone first. */
#define PP_CHECK(c, ...)                                                               \
	do {                                                                           \
		if (!(c)) {                                                            \
			int e_ = errno;                                                \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);           \
			fprintf(stderr, __VA_ARGS__);                                  \
			fprintf(stderr, " (errno %d: %s)\n", e_, strerror(e_));        \
			exit(1);                                                       \
		}                                                                      \
	} while (0)

/* The call failed with errno e. */
#define PP_CHECK_ERR(call, e)                                                          \
	do {                                                                           \
		errno = 0;                                                             \
		long r_ = (long)(call);                                                \
		PP_CHECK(r_ == -1 && errno == (e), "%s: %ld, wanted -1 with errno %d (%s)", \
			 #call, r_, (e), strerror(e));                                 \
	} while (0)

static inline uint64_t pp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* HOST (IPv4 or IPv6 literal) and PORT as a socket address; its length. */
static inline socklen_t pp_addr(const char *host, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return sizeof(*s6);
	}
	pp_die("'%s' is not an address", host);
}

/* A listening socket on HOST:PORT (SO_REUSEADDR), backlog 128. */
static inline int pp_listen(const char *host, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = pp_addr(host, port, &ss);
	int one = 1, fd;

	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		pp_die("socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		pp_die("SO_REUSEADDR: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		pp_die("bind %s:%d: %s", host, port, strerror(errno));
	if (listen(fd, 128) < 0)
		pp_die("listen: %s", strerror(errno));
	return fd;
}

/*
 * A blocking connection to HOST:PORT.  A peer that is not listening yet
 * (refused) or not reachable yet is tried again every 50 ms for 10 s: the
 * tests start server and client together.
 */
static inline int pp_connect(const char *host, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = pp_addr(host, port, &ss);
	uint64_t end = pp_now_ms() + 10000;

	for (;;) {
		int fd = socket(ss.ss_family, SOCK_STREAM, 0);

		if (fd < 0)
			pp_die("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&ss, len) == 0)
			return fd;
		if ((errno != ECONNREFUSED && errno != ENETUNREACH && errno != EHOSTUNREACH &&
		     errno != ETIMEDOUT) || pp_now_ms() > end)
			pp_die("connect %s:%d: %s", host, port, strerror(errno));
		close(fd);
		usleep(50000);
	}
}

static inline void pp_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		pp_die("fcntl O_NONBLOCK: %s", strerror(errno));
}

/* All of n bytes (a blocking socket), or die. */
static inline void pp_send_all(int fd, const void *b, size_t n)
{
	const uint8_t *p = b;

	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			pp_die("send: %s", k < 0 ? strerror(errno) : "sent 0");
		p += k;
		n -= (size_t)k;
	}
}

/* Exactly n bytes (a blocking socket); 0 at an early end of stream. */
static inline size_t pp_recv_all(int fd, void *b, size_t n)
{
	uint8_t *p = b;
	size_t got = 0;

	while (got < n) {
		ssize_t k = recv(fd, p + got, n - got, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			pp_die("recv: %s", strerror(errno));
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return got;
}

static inline long pp_num(const char *what, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || v < 0)
		pp_die("%s: '%s' is not a number", what, s);
	return v;
}

#endif
