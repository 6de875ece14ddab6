/* SPDX-License-Identifier: MIT */
/*
 * nmp_errno: socket calls used the wrong way, one line each with what the
 * call returned and the errno it set.  Written against glibc and the
 * kernel's headers only: the test runs it once on the kernel alone and
 * once under `netmem run`, and the two outputs must be the same -- the
 * kernel is the oracle of every errno.  Nothing printed depends on fd
 * numbers, addresses or time.
 *
 *	nmp_errno PEER PORT LOCALPORT
 *
 * PEER:PORT is an echo server (nmp_server); nothing listens on PEER port 1.
 * LOCALPORT and LOCALPORT + 1 are free ports of this host.  Sockets bound
 * to the wildcard address are netmem's under `netmem run`.  Exit 0 when
 * every call returned (a crash is the failure this program exists to see).
 */
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include "prog.h"

/* a NULL the compiler cannot see (read(fd, NULL, n) is a build error) */
static void *volatile nullp;
static volatile int minus_one = -1;	/* likewise */
static const char *peer;
static int peer_port, local_port;
static int ep;				/* made before any fd is closed: it cannot take a closed one's number */

static void say(const char *what, long ret, int err)
{
	if (ret < 0)
		printf("%-40s -1 %s\n", what, strerrorname_np(err) ? strerrorname_np(err) : "?");
	else
		printf("%-40s %ld\n", what, ret);
	fflush(stdout);
}

/* Run a call with errno cleared, print its outcome. */
#define T(what, call) do { errno = 0; long r_ = (long)(call); say(what, r_, errno); } while (0)

static socklen_t any_addr(int port, struct sockaddr_storage *ss)
{
	return pp_addr("0.0.0.0", port, ss);
}

static int bound_socket(int port)
{
	struct sockaddr_storage ss;
	socklen_t len = any_addr(port, &ss);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0)
		pp_die("a socket bound to port %d: %s", port, strerror(errno));
	return fd;
}

static int connected_socket(void)
{
	return pp_connect(peer, peer_port);
}

/* Every call on an fd that was closed: EBADF (poll: POLLNVAL). */
static void closed_fd(const char *kind, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss), ol = sizeof(int);
	struct epoll_event ev = { .events = EPOLLIN };
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int v = 0;
	char b[8] = "x";
	char what[64];

	printf("-- closed %s\n", kind);
#define C(name, call) do { snprintf(what, sizeof(what), "closed %s", name); T(what, call); } while (0)
	C("send", send(fd, b, 1, MSG_NOSIGNAL));
	C("recv", recv(fd, b, 1, MSG_DONTWAIT));
	C("read", read(fd, b, 1));
	C("write", write(fd, b, 1));
	C("getsockopt", getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &ol));
	C("setsockopt", setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)));
	C("getsockname", getsockname(fd, (struct sockaddr *)&ss, &len));
	C("shutdown", shutdown(fd, SHUT_RDWR));
	C("listen", listen(fd, 1));
	C("accept", accept(fd, NULL, NULL));
	C("fcntl F_GETFL", fcntl(fd, F_GETFL));
	C("ioctl FIONREAD", ioctl(fd, FIONREAD, &v));
	C("dup", dup(fd));
	C("epoll_ctl ADD", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	C("poll", poll(&p, 1, 0));
	printf("%-40s %#x\n", "closed poll revents", p.revents);
	C("close", close(fd));
#undef C
}

static void not_connected(const char *kind, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char b[8] = "x";
	char what[64];

	printf("-- %s\n", kind);
#define C(name, call) do { snprintf(what, sizeof(what), "%s %s", kind, name); T(what, call); } while (0)
	C("recv", recv(fd, b, 1, MSG_DONTWAIT));
	C("read", read(fd, b, 1));
	C("send", send(fd, b, 1, MSG_NOSIGNAL));
	C("write", write(fd, b, 1));
	C("getpeername", getpeername(fd, (struct sockaddr *)&ss, &len));
	C("accept4 bad flags", accept4(fd, NULL, NULL, 0x1));
#undef C
}

static void listening(int l)
{
	struct sockaddr_storage ss;
	socklen_t len = pp_addr(peer, peer_port, &ss), ol = sizeof(int);
	int v = -1;

	not_connected("listening", l);
	T("listening shutdown SHUT_WR", shutdown(l, SHUT_WR));
	T("listening connect", connect(l, (struct sockaddr *)&ss, len));
	T("listening listen again", listen(l, 4));
	T("listening bind again", bind(l, (struct sockaddr *)&ss, len));
	T("listening getsockopt SO_ACCEPTCONN", getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &ol));
	printf("%-40s %d\n", "SO_ACCEPTCONN", v);
	T("listening getsockopt SO_TYPE", getsockopt(l, SOL_SOCKET, SO_TYPE, &v, &ol));
	printf("%-40s %d\n", "SO_TYPE", v);
	T("listening getsockopt SO_PROTOCOL", getsockopt(l, SOL_SOCKET, SO_PROTOCOL, &v, &ol));
	printf("%-40s %d\n", "SO_PROTOCOL", v);
	pp_nonblock(l);
	T("listening accept (nobody came)", accept(l, NULL, NULL));
	T("listening shutdown SHUT_RD", shutdown(l, SHUT_RD));
	T("shut listener accept", accept(l, NULL, NULL));
	T("shut listener getsockopt SO_ACCEPTCONN", getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &ol));
	printf("%-40s %d\n", "SO_ACCEPTCONN", v);
	T("shut listener listen again", listen(l, 8));
	T("listening again accept (nobody came)", accept(l, NULL, NULL));
}

static void print_int_opt(int fd, int level, int name, const char *what)
{
	int v = -7;
	socklen_t ol = sizeof(v);

	T(what, getsockopt(fd, level, name, &v, &ol));
	printf("%-40s %d (len %u)\n", "  value", v, ol);
}

static void options(int fd)
{
	struct linger lg = { 1, 5 };
	struct timeval tv = { 1, 500000 }, bad_tv = { 0, 2000000 };
	struct tcp_info ti;
	int one = 1, v = 0, big = 65536;
	socklen_t ol;

	printf("-- options\n");
	T("setsockopt SO_RCVBUF optlen 2", setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, 2));
	T("setsockopt TCP_NODELAY optlen 0", setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, 0));
	T("setsockopt SO_RCVTIMEO optlen 4", setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, 4));
	T("setsockopt SO_LINGER optlen 4", setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, 4));
	T("setsockopt SO_KEEPALIVE optlen 1", setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, 1));
	T("setsockopt SO_RCVTIMEO usec 2000000",
	  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bad_tv, sizeof(bad_tv)));
	ol = (socklen_t)-1;
	T("getsockopt SO_RCVBUF optlen -1", getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &ol));
	ol = 2;
	T("getsockopt SO_ERROR optlen 2", getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &ol));
	printf("%-40s %u\n", "  len", ol);
	ol = 0;
	T("getsockopt SO_RCVBUF optlen 0", getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &ol));
	printf("%-40s %u\n", "  len", ol);
	ol = 8;
	T("getsockopt TCP_INFO optlen 8", getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &ol));
	printf("%-40s %u\n", "  len", ol);
	T("setsockopt SOL_SOCKET 9999", setsockopt(fd, SOL_SOCKET, 9999, &one, sizeof(one)));
	ol = sizeof(v);
	T("getsockopt SOL_SOCKET 9999", getsockopt(fd, SOL_SOCKET, 9999, &v, &ol));
	T("setsockopt IPPROTO_TCP 9999", setsockopt(fd, IPPROTO_TCP, 9999, &one, sizeof(one)));
	ol = sizeof(v);
	T("getsockopt IPPROTO_TCP 9999", getsockopt(fd, IPPROTO_TCP, 9999, &v, &ol));
	T("setsockopt level 12345", setsockopt(fd, 12345, 1, &one, sizeof(one)));
	T("setsockopt SO_RCVBUF NULL", setsockopt(fd, SOL_SOCKET, SO_RCVBUF, nullp, sizeof(int)));
	ol = sizeof(v);
	T("getsockopt SO_RCVBUF NULL", getsockopt(fd, SOL_SOCKET, SO_RCVBUF, nullp, &ol));
	T("getsockopt SO_RCVBUF NULL optlen", getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, nullp));
	T("setsockopt SO_BINDTODEVICE nosuchdev",
	  setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "nosuchdev", 10));
	print_int_opt(fd, IPPROTO_TCP, TCP_NODELAY, "getsockopt TCP_NODELAY");
	T("setsockopt TCP_NODELAY 1", setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	print_int_opt(fd, IPPROTO_TCP, TCP_NODELAY, "getsockopt TCP_NODELAY");
	T("setsockopt SO_KEEPALIVE 1", setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
	print_int_opt(fd, SOL_SOCKET, SO_KEEPALIVE, "getsockopt SO_KEEPALIVE");
	print_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, "getsockopt SO_REUSEADDR");
	T("setsockopt SO_RCVBUF 65536", setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)));
	print_int_opt(fd, SOL_SOCKET, SO_RCVBUF, "getsockopt SO_RCVBUF");
	T("setsockopt SO_LINGER 1 5", setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	memset(&lg, 0, sizeof(lg));
	ol = sizeof(lg);
	T("getsockopt SO_LINGER", getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &ol));
	printf("%-40s %d %d (len %u)\n", "  value", lg.l_onoff, lg.l_linger, ol);
	T("setsockopt SO_RCVTIMEO 1.5 s", setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	memset(&tv, 0, sizeof(tv));
	ol = sizeof(tv);
	T("getsockopt SO_RCVTIMEO", getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &ol));
	printf("%-40s %ld %ld (len %u)\n", "  value", (long)tv.tv_sec, (long)tv.tv_usec, ol);
}

/* Wait up to 2 s for n bytes to be readable, then say FIONREAD. */
static void await(int fd, int n)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t end = pp_now_ms() + 2000;
	int v = 0;

	while (pp_now_ms() < end) {
		if (poll(&p, 1, 100) < 0 || ioctl(fd, FIONREAD, &v) < 0)
			pp_die("poll/FIONREAD: %s", strerror(errno));
		if (v >= n)
			break;
	}
	printf("%-40s %d\n", "FIONREAD", v);
}

static void connected(int c)
{
	struct sockaddr_storage ss, me;
	socklen_t len = pp_addr(peer, peer_port, &ss), ol = sizeof(me);
	struct timeval tv = { 0, 100000 };
	char b[16] = { 0 };
	uint64_t t0;
	int d;

	printf("-- connected\n");
	print_int_opt(c, SOL_SOCKET, SO_ERROR, "getsockopt SO_ERROR");
	T("connected listen", listen(c, 1));
	T("connected connect again", connect(c, (struct sockaddr *)&ss, len));
	any_addr(0, &me);
	T("connected bind", bind(c, (struct sockaddr *)&me, sizeof(struct sockaddr_in)));
	T("connected accept", accept(c, NULL, NULL));
	T("connected recv MSG_DONTWAIT", recv(c, b, sizeof(b), MSG_DONTWAIT));
	T("setsockopt SO_RCVTIMEO 100 ms", setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = pp_now_ms();
	T("connected recv (timeout)", recv(c, b, sizeof(b), 0));
	printf("%-40s %s\n", "  waited 90 ms or more", pp_now_ms() - t0 >= 90 ? "yes" : "no");
	T("send hello", send(c, "hello", 5, 0));
	T("recv hello", pp_recv_all(c, b, 5));
	printf("%-40s %.5s\n", "  got", b);
	T("send abc", send(c, "abc", 3, 0));
	await(c, 3);
	T("recv MSG_PEEK", recv(c, b, 3, MSG_PEEK));
	T("recv buf NULL", recv(c, nullp, 3, 0));
	T("read buf NULL", read(c, nullp, 3));
	T("recv", recv(c, b, sizeof(b), 0));
	printf("%-40s %.3s\n", "  got", b);
	T("send buf NULL", send(c, nullp, 10, MSG_NOSIGNAL));
	T("write buf NULL", write(c, nullp, 10));
	d = dup(c);
	T("dup", d >= 0 ? 0 : -1);
	T("fcntl F_DUPFD_CLOEXEC", fcntl(c, F_DUPFD_CLOEXEC, 0) >= 0 ? 0 : -1);
	T("close the original", close(c));
	T("send on the dup", send(d, "dup", 3, 0));
	T("recv on the dup", pp_recv_all(d, b, 3));
	printf("%-40s %.3s\n", "  got", b);
	T("getsockname", getsockname(d, (struct sockaddr *)&me, &ol));
	printf("%-40s %d\n", "  family", me.ss_family);
	ol = sizeof(me);
	T("getpeername", getpeername(d, (struct sockaddr *)&me, &ol));
	printf("%-40s %d %d\n", "  family, port", me.ss_family,
	       ntohs(((struct sockaddr_in *)&me)->sin_port) == peer_port);
	T("shutdown 99", shutdown(d, 99));
	T("shutdown SHUT_WR", shutdown(d, SHUT_WR));
	T("send after SHUT_WR", send(d, "x", 1, MSG_NOSIGNAL));
	T("write after SHUT_WR (SIGPIPE ignored)", write(d, "x", 1));
	tv.tv_sec = 5;
	setsockopt(d, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	T("recv the peer's end", recv(d, b, sizeof(b), 0));
	T("close", close(d));
}

static void addresses(int l)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(1) };
	socklen_t len = pp_addr(peer, 1, &ss);
	struct pollfd p;
	int fd, err = 0, a, b;
	socklen_t ol = sizeof(err);

	(void)l;
	printf("-- addresses\n");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	T("connect to a closed port", connect(fd, (struct sockaddr *)&ss, len));
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	T("non-blocking connect to a closed port", connect(fd, (struct sockaddr *)&ss, len));
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	T("poll", poll(&p, 1, 5000));
	printf("%-40s %#x\n", "  revents", p.revents);
	T("getsockopt SO_ERROR", getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &ol));
	printf("%-40s %s\n", "  value", strerrorname_np(err) ? strerrorname_np(err) : "0");
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	T("connect addrlen 4", connect(fd, (struct sockaddr *)&ss, 4));
	T("connect an AF_INET6 address", connect(fd, (struct sockaddr *)&s6, sizeof(s6)));
	T("bind addrlen 4", bind(fd, (struct sockaddr *)&ss, 4));
	pp_addr("198.19.255.1", 0, &ss);
	T("bind an address not here", bind(fd, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)));
	any_addr(local_port, &ss);
	T("bind the listener's port", bind(fd, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)));
	close(fd);
	a = bound_socket(local_port + 1);
	b = bound_socket(local_port + 1);
	T("listen the first of two on one port", listen(a, 1));
	T("listen the second", listen(b, 1));
	close(a);
	close(b);
}

/* Calls real programs make, with their uncommon arguments. */
static void more(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct timeval tv = { 2, 0 };
	struct linger lg;
	struct iovec iov = { NULL, 10 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	socklen_t len = sizeof(ss), ol;
	int fd = socket(AF_INET, SOCK_STREAM, 0), c, v = 0;
	char b[16];

	printf("-- more\n");
	T("fresh getsockname", getsockname(fd, (struct sockaddr *)&ss, &len));
	printf("%-40s %d %d %u\n", "  family, port, len", ss.ss_family, ntohs(s4->sin_port), len);
	T("fresh fcntl F_GETFL", fcntl(fd, F_GETFL));
	v = 1;
	T("fresh ioctl FIONBIO 1", ioctl(fd, FIONBIO, &v));
	T("fresh fcntl F_GETFL after FIONBIO", fcntl(fd, F_GETFL));
	T("fresh fcntl F_GETFD", fcntl(fd, F_GETFD));
	T("fresh fcntl F_SETFD FD_CLOEXEC", fcntl(fd, F_SETFD, FD_CLOEXEC));
	T("fresh fcntl F_GETFD again", fcntl(fd, F_GETFD));
	close(fd);
	c = connected_socket();
	T("setsockopt SO_SNDTIMEO 2 s", setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	memset(&tv, 0, sizeof(tv));
	ol = sizeof(tv);
	T("getsockopt SO_SNDTIMEO", getsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, &ol));
	printf("%-40s %ld %ld (len %u)\n", "  value", (long)tv.tv_sec, (long)tv.tv_usec, ol);
	ol = 4;
	T("getsockopt SO_LINGER optlen 4", getsockopt(c, SOL_SOCKET, SO_LINGER, &lg, &ol));
	printf("%-40s %u\n", "  len", ol);
	ol = sizeof(v);
	T("getsockopt TCP_MAXSEG", getsockopt(c, IPPROTO_TCP, TCP_MAXSEG, &v, &ol));
	T("sendmsg NULL iov_base", sendmsg(c, &m, MSG_NOSIGNAL));
	T("recvmsg NULL iov_base", recvmsg(c, &m, MSG_DONTWAIT));
	m.msg_iov = NULL;
	T("sendmsg NULL msg_iov", sendmsg(c, &m, MSG_NOSIGNAL));
	m.msg_iovlen = 0;
	T("sendmsg no iov", sendmsg(c, &m, MSG_NOSIGNAL));
	T("readv iovcnt -1", readv(c, &iov, minus_one));
	T("readv iovcnt 0", readv(c, &iov, 0));
	T("writev iovcnt 0", writev(c, &iov, 0));
	T("recv MSG_OOB", recv(c, b, sizeof(b), MSG_OOB | MSG_DONTWAIT));
	T("recv 0 bytes", recv(c, b, 0, MSG_DONTWAIT));
	T("send 0 bytes", send(c, b, 0, MSG_NOSIGNAL));
	T("shutdown SHUT_RD", shutdown(c, SHUT_RD));
	T("recv after SHUT_RD", recv(c, b, sizeof(b), MSG_DONTWAIT));
	T("send after SHUT_RD", send(c, "x", 1, MSG_NOSIGNAL));
	T("shutdown SHUT_RDWR", shutdown(c, SHUT_RDWR));
	/* the second answer depends on whether the echo's FIN came back (the
	 * socket then is CLOSE: ENOTCONN); wait for it, on every peer alike */
	for (uint64_t end = pp_now_ms() + 5000; pp_now_ms() < end;) {
		struct tcp_info ti;
		socklen_t tl = sizeof(ti);

		if (getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0 && ti.tcpi_state == TCP_CLOSE)
			break;
		usleep(1000);
	}
	T("shutdown SHUT_RDWR again", shutdown(c, SHUT_RDWR));
	T("close", close(c));
}

static void epoll_misuse(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int mine = epoll_create1(0), fd = bound_socket(0);
	int file = open("/proc/self/cmdline", O_RDONLY);

	printf("-- epoll\n");
	T("epoll_ctl MOD not added", epoll_ctl(mine, EPOLL_CTL_MOD, fd, &ev));
	T("epoll_ctl DEL not added", epoll_ctl(mine, EPOLL_CTL_DEL, fd, NULL));
	T("epoll_ctl ADD", epoll_ctl(mine, EPOLL_CTL_ADD, fd, &ev));
	T("epoll_ctl ADD again", epoll_ctl(mine, EPOLL_CTL_ADD, fd, &ev));
	T("epoll_ctl ADD itself", epoll_ctl(mine, EPOLL_CTL_ADD, mine, &ev));
	T("epoll_ctl ADD a regular file", epoll_ctl(mine, EPOLL_CTL_ADD, file, &ev));
	T("epoll_ctl on a socket as epfd", epoll_ctl(fd, EPOLL_CTL_ADD, mine, &ev));
	T("epoll_wait a bound socket", epoll_wait(mine, &ev, 1, 0));
	T("epoll_ctl DEL", epoll_ctl(mine, EPOLL_CTL_DEL, fd, NULL));
	close(file);
	close(fd);
	close(mine);
}

int main(int argc, char **argv)
{
	int fd, l;

	if (argc != 4)
		pp_die("usage: nmp_errno PEER PORT LOCALPORT");
	peer = argv[1];
	peer_port = (int)pp_num("PORT", argv[2]);
	local_port = (int)pp_num("LOCALPORT", argv[3]);
	signal(SIGPIPE, SIG_IGN);
	ep = epoll_create1(0);
	if (ep < 0)
		pp_die("epoll_create1: %s", strerror(errno));

	fd = bound_socket(local_port);
	close(fd);
	closed_fd("bound socket", fd);
	fd = connected_socket();
	close(fd);
	closed_fd("connected socket", fd);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	not_connected("fresh", fd);
	T("fresh shutdown", shutdown(fd, SHUT_RDWR));
	close(fd);
	fd = bound_socket(local_port);
	not_connected("bound", fd);
	T("bound shutdown", shutdown(fd, SHUT_RDWR));
	options(fd);
	close(fd);

	l = bound_socket(local_port);
	if (listen(l, 8) < 0)
		pp_die("listen: %s", strerror(errno));
	listening(l);
	connected(connected_socket());
	addresses(l);
	close(l);
	epoll_misuse();
	more();
	printf("-- end\n");
	return 0;
}
