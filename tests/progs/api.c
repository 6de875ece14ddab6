/* SPDX-License-Identifier: MIT */
/*
 * nmp_api: the socket calls of a connected socket, a listener and a dual-
 * stack socket, each checked against what Linux returns (the tests run it
 * on the kernel alone first), written against glibc and the kernel's
 * headers only.
 *
 *	nmp_api calls PEER PORT LOCAL LPORT
 *		PEER:PORT an echo server (nmp_server, 2 connections);
 *		LOCAL:LPORT free for a listener of this program
 *	nmp_api v6-server PORT
 *		[::]:PORT dual-stack and [::]:PORT+1 with IPV6_V6ONLY; one
 *		IPv4 connection (from v6-client) comes to the first, mapped
 *		(::ffff:a.b.c.d), none to the second
 *	nmp_api v6-client PEER4 PORT
 *		an AF_INET6 socket to ::ffff:PEER4 (the echo), an IPv4 connect
 *		to PORT+1 (refused: IPV6_V6ONLY), and an IPV6_V6ONLY socket to
 *		a mapped address (ENETUNREACH)
 *	nmp_api close-race
 *		one thread makes and closes TCP sockets on one fd number while
 *		two others call recv, getsockopt, fcntl and poll on that number
 *		(a second, bounded): every call gets an answer Linux gives (the
 *		socket's, or EBADF), never a crash
 * Prints "nmp_api MODE: ok" and exits 0 when every check held.
 */
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "prog.h"

static void echo_roundtrip(int fd, size_t n)
{
	uint8_t out[4096], in[4096];
	size_t got = 0;

	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(i * 7);
	PP_CHECK(write(fd, out, n) == (ssize_t)n, "write");
	while (got < n) {
		ssize_t r = read(fd, in + got, n - got);

		PP_CHECK(r > 0, "read");
		got += (size_t)r;
	}
	PP_CHECK(!memcmp(in, out, n), "echo differs");
}

/* Names and options of a connected socket. */
static void names_options(int fd, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint8_t ti[512];
	struct stat st;
	int v, one = 1;

	PP_CHECK(fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode), "fstat: not a socket");
	PP_CHECK(getpeername(fd, (struct sockaddr *)&ss, &len) == 0, "getpeername");
	PP_CHECK(ntohs(((struct sockaddr_in *)&ss)->sin_port) == port, "peer port");
	len = sizeof(v);
	PP_CHECK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM, "SO_TYPE");
	PP_CHECK(getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == 0 && v == ss.ss_family,
		 "SO_DOMAIN");
	PP_CHECK(getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) == 0 && v == 0, "SO_ERROR");
	PP_CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0, "TCP_NODELAY");
	PP_CHECK(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v, "TCP_NODELAY read");
	PP_CHECK_ERR(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, 1), EINVAL);
	PP_CHECK_ERR(setsockopt(fd, SOL_SOCKET, 9999, &one, sizeof(one)), ENOPROTOOPT);
	PP_CHECK_ERR(getsockopt(fd, IPPROTO_TCP, 9999, &v, &len), ENOPROTOOPT);
	PP_CHECK_ERR(connect(fd, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)), EISCONN);
	PP_CHECK_ERR(accept(fd, NULL, NULL), EINVAL);
	PP_CHECK_ERR(shutdown(fd, 7), EINVAL);
	/* TCP_INFO: the kernel header's layout, longer than glibc's */
	len = sizeof(ti);
	PP_CHECK(getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) == 0, "TCP_INFO");
	PP_CHECK(len > sizeof(struct tcp_info), "TCP_INFO length %u: glibc's, not the kernel's",
		 (unsigned)len);
	PP_CHECK(((struct tcp_info *)ti)->tcpi_state == TCP_ESTABLISHED, "tcpi_state");
	PP_CHECK(((struct tcp_info *)ti)->tcpi_snd_mss > 0, "tcpi_snd_mss");
}

static size_t runtime_len(size_t n)
{
	volatile size_t v = n;

	return v;
}

/* read, write, readv, writev, recv(MSG_PEEK), FIONREAD. */
static void io_calls(int fd)
{
	char a[8] = "abcd", b[8] = "efgh", c[8];
	struct iovec iov[2];
	int v = 0;

	echo_roundtrip(fd, 1000);
	iov[0] = (struct iovec){ a, 4 };
	iov[1] = (struct iovec){ b, 4 };
	PP_CHECK(writev(fd, iov, 2) == 8, "writev");
	iov[0] = (struct iovec){ c, 3 };
	iov[1] = (struct iovec){ c + 3, 5 };
	for (ssize_t got = 0; got < 8;) {
		ssize_t r = readv(fd, iov, 2);

		PP_CHECK(r > 0, "readv");
		got += r;
		/* what is left of the two buffers */
		iov[0] = (struct iovec){ c + (got < 3 ? got : 3), got < 3 ? 3 - (size_t)got : 0 };
		iov[1] = (struct iovec){ c + (got > 3 ? got : 3), got > 3 ? 8 - (size_t)got : 5 };
	}
	PP_CHECK(!memcmp(c, "abcdefgh", 8), "readv content");
	PP_CHECK(send(fd, "xyz", 3, 0) == 3, "send");
	for (int i = 0; i < 400; i++) {
		PP_CHECK(ioctl(fd, FIONREAD, &v) == 0, "FIONREAD");
		if (v == 3)
			break;
		usleep(5000);
	}
	PP_CHECK(v == 3, "FIONREAD %d", v);
	/* lengths known only at run time into buffers of known size: a
	 * fortified build calls __recv_chk and __read_chk here */
	PP_CHECK(recv(fd, c, runtime_len(3), MSG_PEEK) == 3 && read(fd, c, runtime_len(8)) == 3,
		 "peek + read");
}

/* O_NONBLOCK, MSG_DONTWAIT, SO_RCVTIMEO. */
static void blocking_modes(int fd)
{
	struct timeval tv = { 0, 200000 };
	uint64_t t0, dt;
	char c[8];

	PP_CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0, "O_NONBLOCK");
	PP_CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "F_GETFL");
	PP_CHECK_ERR(recv(fd, c, 8, 0), EAGAIN);
	PP_CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0, "blocking again");
	PP_CHECK_ERR(recv(fd, c, 8, MSG_DONTWAIT), EAGAIN);
	PP_CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO");
	t0 = pp_now_ms();
	PP_CHECK_ERR(recv(fd, c, 8, 0), EAGAIN);
	dt = pp_now_ms() - t0;
	PP_CHECK(dt >= 190 && dt < 2000, "SO_RCVTIMEO 200 ms took %llu ms", (unsigned long long)dt);
	tv.tv_usec = 0;
	PP_CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO 0");
}

/* dup shares the socket: the original closed, the copy goes on. */
static void dups(int fd)
{
	int fd2 = dup(fd);
	char c;

	PP_CHECK(fd2 >= 0, "dup");
	PP_CHECK(close(fd) == 0, "close");
	PP_CHECK_ERR(recv(fd, &c, 1, 0), EBADF);
	echo_roundtrip(fd2, 100);
	PP_CHECK(dup2(fd2, fd) == fd, "dup2");
	PP_CHECK(close(fd2) == 0, "close the dup");
	echo_roundtrip(fd, 100);
	PP_CHECK(close(fd) == 0, "close");
	PP_CHECK_ERR(send(fd, "x", 1, 0), EBADF);
	PP_CHECK_ERR(close(fd), EBADF);
}

/* sendfile from a file to the socket: the echo brings it back. */
static void file_send(const char *peer, int port)
{
	char path[] = "/tmp/nmp_api.XXXXXX", buf[8192];
	int fd = pp_connect(peer, port), ffd = mkstemp(path);
	off_t off = 100;
	size_t got = 0;

	PP_CHECK(ffd >= 0, "mkstemp");
	unlink(path);
	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i % 13);
	PP_CHECK(write(ffd, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "file write");
	PP_CHECK(sendfile(fd, ffd, &off, 5000) == 5000 && off == 5100, "sendfile");
	while (got < 5000) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		PP_CHECK(r > 0, "recv");
		for (ssize_t i = 0; i < r; i++)
			PP_CHECK(buf[i] == (char)((100 + got + (size_t)i) % 13), "sendfile byte %zu",
				 got + (size_t)i);
		got += (size_t)r;
	}
	PP_CHECK_ERR(sendfile(ffd, fd, NULL, 10), EINVAL);
	close(ffd);
	close(fd);
}

/* A listener: what only a connected socket can do is ENOTCONN. */
static void listener(const char *local, int lport)
{
	int lfd = pp_listen(local, lport), v;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(v);
	char c;

	PP_CHECK(getsockopt(lfd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v == 1,
		 "SO_ACCEPTCONN");
	PP_CHECK_ERR(recv(lfd, &c, 1, 0), ENOTCONN);
	PP_CHECK_ERR(getpeername(lfd, (struct sockaddr *)&ss, &len), ENOTCONN);
	PP_CHECK_ERR(ioctl(lfd, FIONREAD, &v), EINVAL);
	PP_CHECK_ERR(bind(lfd, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)), EINVAL);
	PP_CHECK(fcntl(lfd, F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK");
	PP_CHECK_ERR(accept(lfd, NULL, NULL), EAGAIN);
	close(lfd);
}

static void calls(const char *peer, int port, const char *local, int lport)
{
	int fd = pp_connect(peer, port);

	names_options(fd, port);
	io_calls(fd);
	blocking_modes(fd);
	dups(fd);
	file_send(peer, port);
	listener(local, lport);
}

/* ---- dual stack ---------------------------------------------------------- */

static int v6_listener(int port, int v6only)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM, 0), one = 1, v = -1;
	socklen_t len = sizeof(v);

	PP_CHECK(fd >= 0, "socket AF_INET6");
	PP_CHECK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0, "SO_REUSEADDR");
	PP_CHECK(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) == 0,
		 "IPV6_V6ONLY %d", v6only);
	PP_CHECK(bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0, "bind [::]:%d", port);
	PP_CHECK(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len) == 0 && v == v6only,
		 "IPV6_V6ONLY reads %d", v);
	PP_CHECK_ERR(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)), EINVAL);
	PP_CHECK(listen(fd, 8) == 0, "listen");
	return fd;
}

/* An IPv4 wildcard bind next to [::]:port: EADDRINUSE unless that one is
 * IPV6_V6ONLY. */
static void v4_next_to(int port, int want_err)
{
	struct sockaddr_storage ss;
	socklen_t len = pp_addr("0.0.0.0", port, &ss);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	PP_CHECK(fd >= 0, "socket");
	if (want_err)
		PP_CHECK_ERR(bind(fd, (struct sockaddr *)&ss, len), want_err);
	else
		PP_CHECK(bind(fd, (struct sockaddr *)&ss, len) == 0, "bind 0.0.0.0:%d", port);
	close(fd);
}

static bool mapped(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	return ss->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
}

static void v6_server(int port)
{
	int dual = v6_listener(port, 0), only = v6_listener(port + 1, 1), c;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char b[4];

	v4_next_to(port, EADDRINUSE);
	v4_next_to(port + 1, 0);
	c = accept(dual, (struct sockaddr *)&ss, &len);
	PP_CHECK(c >= 0, "accept");
	PP_CHECK(mapped(&ss) && len == sizeof(struct sockaddr_in6), "accept's address is not "
		 "an IPv4-mapped AF_INET6 one (family %d, len %u)", ss.ss_family, (unsigned)len);
	len = sizeof(ss);
	PP_CHECK(getsockname(c, (struct sockaddr *)&ss, &len) == 0 && mapped(&ss),
		 "getsockname: not IPv4-mapped");
	/* the client's word comes once it saw port+1 refuse it */
	PP_CHECK(pp_recv_all(c, b, 4) == 4 && !memcmp(b, "done", 4), "the client's word");
	pp_send_all(c, b, 4);
	PP_CHECK(fcntl(only, F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK");
	PP_CHECK_ERR(accept(only, NULL, NULL), EAGAIN);
	PP_CHECK(recv(c, b, 4, 0) == 0, "the client's end");
	close(c);
	close(only);
	close(dual);
}

static void v6_client(const char *peer4, int port)
{
	char host[64], b[4];
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, v4, only, one = 1;

	snprintf(host, sizeof(host), "::ffff:%s", peer4);
	fd = pp_connect(host, port);
	len = sizeof(ss);
	PP_CHECK(getpeername(fd, (struct sockaddr *)&ss, &len) == 0 && mapped(&ss),
		 "getpeername: not IPv4-mapped");
	len = sizeof(ss);
	PP_CHECK(getsockname(fd, (struct sockaddr *)&ss, &len) == 0 && mapped(&ss),
		 "getsockname: not IPv4-mapped");
	/* the server's port+1 is IPV6_V6ONLY: IPv4 finds nobody there */
	len = pp_addr(peer4, port + 1, &ss);
	v4 = socket(AF_INET, SOCK_STREAM, 0);
	PP_CHECK_ERR(connect(v4, (struct sockaddr *)&ss, len), ECONNREFUSED);
	close(v4);
	/* an IPV6_V6ONLY socket has no IPv4 */
	len = pp_addr(host, port, &ss);
	only = socket(AF_INET6, SOCK_STREAM, 0);
	PP_CHECK(setsockopt(only, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == 0, "V6ONLY");
	PP_CHECK_ERR(connect(only, (struct sockaddr *)&ss, len), ENETUNREACH);
	close(only);
	pp_send_all(fd, "done", 4);
	PP_CHECK(pp_recv_all(fd, b, 4) == 4 && !memcmp(b, "done", 4), "echo");
	close(fd);
}

/* ---- close-race ------------------------------------------------------------------ */

static _Atomic int race_fd = -1;
static _Atomic bool race_stop;
static _Atomic unsigned long race_calls;

/* An answer Linux gives for an unconnected TCP socket or a closed fd. */
static void race_expect(const char *what, long r, int err, bool ok_zero)
{
	if (r < 0 && err != EBADF && err != ENOTCONN && err != EAGAIN && err != ENOTSOCK)
		pp_die("close-race: %s: %s", what, strerror(err));
	if (r >= 0 && !ok_zero)
		pp_die("close-race: %s returned %ld", what, r);
}

/* call's result and errno, in that order (arguments have none) */
#define RACE(what, call, ok_zero) do {						\
		long r_;							\
		errno = 0;							\
		r_ = (long)(call);						\
		race_expect(what, r_, errno, ok_zero);				\
	} while (0)

static void *race_user(void *arg)
{
	char b[16];

	(void)arg;
	while (!race_stop) {
		int fd = race_fd, v;
		socklen_t l = sizeof(v);
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (fd < 0)
			continue;
		RACE("recv", recv(fd, b, sizeof(b), MSG_DONTWAIT), false);
		RACE("getsockopt", getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l), true);
		RACE("fcntl", fcntl(fd, F_GETFL), true);
		RACE("poll", poll(&p, 1, 0), true);
		race_calls += 4;
	}
	return NULL;
}

static void close_race(void)
{
	pthread_t t[2];
	uint64_t end = pp_now_ms() + 1000;
	unsigned long made = 0;

	for (int i = 0; i < 2; i++)
		PP_CHECK(pthread_create(&t[i], NULL, race_user, NULL) == 0, "pthread_create");
	while (pp_now_ms() < end && made < 2000000) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		PP_CHECK(fd >= 0, "socket");
		race_fd = fd;
		PP_CHECK(close(fd) == 0, "close");
		made++;
	}
	race_stop = true;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	PP_CHECK(made > 1000 && race_calls > 1000, "close-race: too few rounds");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "calls") && argc == 6)
		calls(argv[2], (int)pp_num("PORT", argv[3]), argv[4], (int)pp_num("LPORT", argv[5]));
	else if (!strcmp(mode, "v6-server") && argc == 3)
		v6_server((int)pp_num("PORT", argv[2]));
	else if (!strcmp(mode, "v6-client") && argc == 4)
		v6_client(argv[2], (int)pp_num("PORT", argv[3]));
	else if (!strcmp(mode, "close-race") && argc == 2)
		close_race();
	else
		pp_die("usage: nmp_api calls PEER PORT LOCAL LPORT | v6-server PORT | "
		       "v6-client PEER4 PORT | close-race");
	printf("nmp_api %s: ok\n", mode);
	return 0;
}
