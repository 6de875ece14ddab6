/* SPDX-License-Identifier: MIT */
#ifndef RT_TEST_H
#define RT_TEST_H

/*
 * What the runtime's test programs share.  They are ordinary programs,
 * built against glibc and the kernel's headers only, as a user's would be:
 * tests/cli/run_*.sh run them under `netmem run`, with a peer that is
 * another netmem process (rt_peer under netmem run, over shm) or the
 * kernel (rt_peer on its own, over a TAP).  A failed check prints
 * "FAIL file:line: what (errno)" and exits 1.
 *
 * The stream pattern: byte i of a connection is i % 251.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, ...)                                                                  \
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
#define CHECK_ERR(call, e)                                                             \
	do {                                                                           \
		errno = 0;                                                             \
		long r_ = (long)(call);                                                \
		CHECK(r_ == -1 && errno == (e), "%s: %ld, wanted -1 with errno %d (%s)", \
		      #call, r_, (e), strerror(e));                                    \
	} while (0)

static inline uint8_t rt_pat(uint64_t off)
{
	return (uint8_t)(off % 251);
}

static inline uint64_t rt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* IPv4 or IPv6 literal and port into ss; its length. */
static inline socklen_t rt_addr(const char *ip, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		CHECK(inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1, "address %s", ip);
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		CHECK(inet_pton(AF_INET, ip, &s4->sin_addr) == 1, "address %s", ip);
		return sizeof(*s4);
	}
}

static inline int rt_connect(const char *ip, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = rt_addr(ip, port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);

	CHECK(fd >= 0, "socket");
	CHECK(connect(fd, (struct sockaddr *)&ss, len) == 0, "connect %s:%d", ip, port);
	return fd;
}

static inline int rt_listen(const char *ip, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = rt_addr(ip, port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0), one = 1;

	CHECK(fd >= 0, "socket");
	CHECK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0, "SO_REUSEADDR");
	CHECK(bind(fd, (struct sockaddr *)&ss, len) == 0, "bind %s:%d", ip, port);
	CHECK(listen(fd, 128) == 0, "listen");
	return fd;
}

/* Send n pattern bytes from stream offset off (all of them). */
static inline void rt_send_pat(int fd, uint64_t off, size_t n)
{
	uint8_t buf[16384];

	while (n) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);
		ssize_t w;

		for (size_t i = 0; i < k; i++)
			buf[i] = rt_pat(off + i);
		w = send(fd, buf, k, MSG_NOSIGNAL);
		CHECK(w > 0, "send at offset %llu", (unsigned long long)off);
		off += (uint64_t)w;
		n -= (size_t)w;
	}
}

/* Receive until EOF or want bytes, checking the pattern; the count. */
static inline uint64_t rt_recv_pat(int fd, uint64_t off, uint64_t want)
{
	uint8_t buf[65536];
	uint64_t got = 0;

	while (!want || got < want) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		CHECK(r >= 0, "recv at offset %llu", (unsigned long long)(off + got));
		if (r == 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			CHECK(buf[i] == rt_pat(off + got + (uint64_t)i), "byte %llu: %u, wanted %u",
			      (unsigned long long)(off + got + (uint64_t)i), buf[i],
			      rt_pat(off + got + (uint64_t)i));
		got += (uint64_t)r;
	}
	return got;
}

#endif
