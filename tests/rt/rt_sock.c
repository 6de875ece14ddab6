/* SPDX-License-Identifier: MIT */
/*
 * rt_sock PEER PORT LOCAL: the socket calls on netmem sockets, each with the
 * result or the errno Linux gives.  PEER:PORT is an rt_peer echo serving
 * at least 3 connections; LOCAL is netmem's own address (for a listener).
 */
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "rt_test.h"

static void echo_roundtrip(int fd, size_t n)
{
	uint8_t out[4096], in[4096];
	size_t got = 0;

	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(i * 7);
	CHECK(write(fd, out, n) == (ssize_t)n, "write");
	while (got < n) {
		ssize_t r = read(fd, in + got, n - got);

		CHECK(r > 0, "read");
		got += (size_t)r;
	}
	CHECK(!memcmp(in, out, n), "echo differs");
}

/* A connected socket: names, options, ioctls, I/O calls, dup. */
static void connected(const char *peer, int port)
{
	int fd = rt_connect(peer, port), v, one = 1, fd2;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint8_t ti[512];
	struct stat st;
	struct iovec iov[2];
	char a[8] = "abcd", b[8] = "efgh", c[8];
	struct timeval tv;

	CHECK(fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode), "fstat: not a socket");
	CHECK(getpeername(fd, (struct sockaddr *)&ss, &len) == 0, "getpeername");
	CHECK(ntohs(((struct sockaddr_in *)&ss)->sin_port) == port, "peer port");
	len = sizeof(v);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM, "SO_TYPE");
	CHECK(getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == 0 && v == ss.ss_family,
	      "SO_DOMAIN");
	CHECK(getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) == 0 && v == 0, "SO_ERROR");
	CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0, "TCP_NODELAY");
	CHECK(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v, "TCP_NODELAY read");
	/* bad use */
	CHECK_ERR(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, 1), EINVAL);
	CHECK_ERR(setsockopt(fd, SOL_SOCKET, 9999, &one, sizeof(one)), ENOPROTOOPT);
	CHECK_ERR(getsockopt(fd, IPPROTO_TCP, 9999, &v, &len), ENOPROTOOPT);
	CHECK_ERR(connect(fd, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)), EISCONN);
	CHECK_ERR(accept(fd, NULL, NULL), EINVAL);
	CHECK_ERR(shutdown(fd, 7), EINVAL);
	/* TCP_INFO: the kernel header's layout, longer than glibc's */
	len = sizeof(ti);
	CHECK(getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) == 0, "TCP_INFO");
	CHECK(len > sizeof(struct tcp_info), "TCP_INFO length %u: glibc's, not the kernel's",
	      (unsigned)len);
	CHECK(((struct tcp_info *)ti)->tcpi_state == TCP_ESTABLISHED, "tcpi_state");
	CHECK(((struct tcp_info *)ti)->tcpi_snd_mss > 0, "tcpi_snd_mss");
	/* I/O calls */
	echo_roundtrip(fd, 1000);
	iov[0] = (struct iovec){ a, 4 };
	iov[1] = (struct iovec){ b, 4 };
	CHECK(writev(fd, iov, 2) == 8, "writev");
	iov[0] = (struct iovec){ c, 3 };
	iov[1] = (struct iovec){ c + 3, 5 };
	len = 0;
	for (ssize_t got = 0; got < 8;) {
		ssize_t r = readv(fd, iov, 2);

		CHECK(r > 0, "readv");
		got += r;
		iov[0].iov_len = got < 3 ? 3 - (size_t)got : 0;
	}
	CHECK(!memcmp(c, "abcdefgh", 8), "readv content");
	/* FIONREAD: what has come and is not read */
	CHECK(send(fd, "xyz", 3, 0) == 3, "send");
	for (int i = 0; i < 200; i++) {
		CHECK(ioctl(fd, FIONREAD, &v) == 0, "FIONREAD");
		if (v == 3)
			break;
		usleep(5000);
	}
	CHECK(v == 3, "FIONREAD %d", v);
	CHECK(recv(fd, c, 3, MSG_PEEK) == 3 && recv(fd, c, 8, 0) == 3, "peek + recv");
	/* non-blocking: nothing to read is EAGAIN */
	CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0, "O_NONBLOCK");
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "F_GETFL");
	CHECK_ERR(recv(fd, c, 8, 0), EAGAIN);
	CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0, "blocking again");
	CHECK_ERR(recv(fd, c, 8, MSG_DONTWAIT), EAGAIN);
	/* SO_RCVTIMEO: EAGAIN after the time */
	tv = (struct timeval){ 0, 200000 };
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO");
	{
		uint64_t t0 = rt_now_ms(), dt;

		CHECK_ERR(recv(fd, c, 8, 0), EAGAIN);
		dt = rt_now_ms() - t0;
		CHECK(dt >= 190 && dt < 2000, "SO_RCVTIMEO 200 ms took %llu ms",
		      (unsigned long long)dt);
	}
	/* dup shares the socket: the original closed, the copy goes on */
	fd2 = dup(fd);
	CHECK(fd2 >= 0, "dup");
	CHECK(close(fd) == 0, "close");
	CHECK_ERR(recv(fd, c, 1, 0), EBADF);
	echo_roundtrip(fd2, 100);
	CHECK(dup2(fd2, fd) == fd, "dup2");
	CHECK(close(fd2) == 0, "close the dup");
	echo_roundtrip(fd, 100);
	CHECK(close(fd) == 0, "close");
	CHECK_ERR(send(fd, "x", 1, 0), EBADF);
	CHECK_ERR(close(fd), EBADF);
}

/* sendfile from a file to a netmem socket: the echo brings it back. */
static void file_send(const char *peer, int port)
{
	char path[] = "/tmp/rt_sock.XXXXXX", buf[8192];
	int fd = rt_connect(peer, port), ffd = mkstemp(path);
	off_t off = 100;
	size_t got = 0;

	CHECK(ffd >= 0, "mkstemp");
	unlink(path);
	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i % 13);
	CHECK(write(ffd, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "file write");
	CHECK(sendfile(fd, ffd, &off, 5000) == 5000 && off == 5100, "sendfile");
	while (got < 5000) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		CHECK(r > 0, "recv");
		for (ssize_t i = 0; i < r; i++)
			CHECK(buf[i] == (char)((100 + got + (size_t)i) % 13), "sendfile byte %zu",
			      got + (size_t)i);
		got += (size_t)r;
	}
	CHECK_ERR(sendfile(ffd, fd, NULL, 10), EINVAL);
	close(ffd);
	close(fd);
}

/* A listener: what only a connected socket can do is ENOTCONN. */
static void listener(const char *local)
{
	int lfd = rt_listen(local, 5999), v;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(v);
	char c;

	CHECK(getsockopt(lfd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v == 1,
	      "SO_ACCEPTCONN");
	CHECK_ERR(recv(lfd, &c, 1, 0), ENOTCONN);
	CHECK_ERR(getpeername(lfd, (struct sockaddr *)&ss, &len), ENOTCONN);
	CHECK_ERR(ioctl(lfd, FIONREAD, &v), EINVAL);
	CHECK_ERR(bind(lfd, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)), EINVAL);
	CHECK(fcntl(lfd, F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK");
	CHECK_ERR(accept(lfd, NULL, NULL), EAGAIN);
	close(lfd);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: rt_sock PEER PORT LOCAL\n");
		return 2;
	}
	connected(argv[1], atoi(argv[2]));
	file_send(argv[1], atoi(argv[2]));
	listener(argv[3]);
	printf("rt_sock: ok\n");
	return 0;
}
