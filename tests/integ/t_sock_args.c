/* SPDX-License-Identifier: MIT */
/*
 * The socket API refuses bad arguments with the errno Linux uses and a
 * message: bad descriptors, families, types, lengths, flags, options;
 * option round trips (SO_RCVBUF doubling, TCP_CONGESTION names, TCP_MAXSEG
 * bounds); bind conflicts and SO_REUSEADDR; O_NONBLOCK via nm_fcntl.
 */
#include "t_tcp.h"

int main(void)
{
	struct t_net n;
	struct sockaddr_in a = t_sin("198.18.0.2", 7000), b;
	struct sockaddr_in6 a6 = t_sin6("2001:2::2", 7000);
	int sd, sd2, v, one = 1;
	socklen_t l;
	char name[16];
	struct pollfd pfd;

	t_net_up(&n, NULL);
	T_ERR(nm_socket(NULL, AF_INET, SOCK_STREAM, 0), -EINVAL);
	T_ERR(nm_socket(n.sb, AF_UNIX, SOCK_STREAM, 0), -EAFNOSUPPORT);
	T_ERR(nm_socket(n.sb, AF_INET, SOCK_DGRAM, 0), -EPROTONOSUPPORT);
	T_ERR(nm_socket(n.sb, AF_INET, SOCK_STREAM, IPPROTO_UDP), -EPROTONOSUPPORT);
	T_ERR(nm_bind(-1, (struct sockaddr *)&a, sizeof(a)), -EBADF);
	T_ERR(nm_bind(12345, (struct sockaddr *)&a, sizeof(a)), -EBADF);
	T_ERR(nm_close(-5), -EBADF);

	sd = (int)T_OK(nm_socket(n.sb, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	T_ERR(nm_bind(sd, NULL, sizeof(a)), -EFAULT);
	T_ERR(nm_bind(sd, (struct sockaddr *)&a, 4), -EINVAL);
	T_ERR(nm_bind(sd, (struct sockaddr *)&a6, sizeof(a6)), -EAFNOSUPPORT);
	b = t_sin("198.19.9.9", 7000);
	T_ERR(nm_bind(sd, (struct sockaddr *)&b, sizeof(b)), -EADDRNOTAVAIL);
	T_OK(nm_bind(sd, (struct sockaddr *)&a, sizeof(a)));
	T_ERR(nm_bind(sd, (struct sockaddr *)&a, sizeof(a)), -EINVAL);
	/* a second socket on the same port conflicts ... */
	sd2 = (int)T_OK(nm_socket(n.sb, AF_INET, SOCK_STREAM, 0));
	T_ERR(nm_bind(sd2, (struct sockaddr *)&a, sizeof(a)), -EADDRINUSE);
	b = t_sin("0.0.0.0", 7000);
	T_ERR(nm_bind(sd2, (struct sockaddr *)&b, sizeof(b)), -EADDRINUSE);
	/* ... also with SO_REUSEADDR on both once the first listens */
	T_OK(nm_setsockopt(sd2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	T_OK(nm_setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	T_OK(nm_listen(sd, 8));
	T_ERR(nm_bind(sd2, (struct sockaddr *)&a, sizeof(a)), -EADDRINUSE);
	T_OK(nm_close(sd2));
	/* accept on a non-blocking listener with nothing queued */
	T_OK(nm_fcntl(sd, F_SETFL, O_NONBLOCK));
	T_EQ(nm_fcntl(sd, F_GETFL, 0) & O_NONBLOCK, O_NONBLOCK);
	T_ERR(nm_fcntl(sd, F_DUPFD, 0), -EINVAL);
	T_EQ(nm_accept(sd, NULL, NULL), -EAGAIN);
	T_ERR(nm_accept4(sd, NULL, NULL, 0x40000000), -EINVAL);
	T_ERR(nm_send(sd, "x", 1, 0), -EPIPE);	/* like Linux */
	T_ERR(nm_getpeername(sd, (struct sockaddr *)&b, &l), -ENOTCONN);
	l = sizeof(b);
	T_OK(nm_getsockname(sd, (struct sockaddr *)&b, &l));
	T_EQ(ntohs(b.sin_port), 7000);
	pfd.fd = sd;
	pfd.events = POLLIN;
	T_EQ(nm_poll(n.sb, &pfd, 1, 0), 0);
	T_ERR(nm_poll(NULL, &pfd, 1, 0), -EINVAL);
	T_ERR(nm_poll(n.sb, NULL, 1, 0), -EFAULT);
	pfd.fd = 60000;
	T_EQ(nm_poll(n.sb, &pfd, 1, 0), 1);
	T_EQ(pfd.revents, POLLNVAL);
	T_OK(nm_close(sd));
	T_ERR(nm_close(sd), -EBADF);

	/* options */
	sd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM, 0));
	v = 100000;
	T_OK(nm_setsockopt(sd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	l = sizeof(v);
	T_OK(nm_getsockopt(sd, SOL_SOCKET, SO_RCVBUF, &v, &l));
	T_EQ(v, 200000);
	T_ERR(nm_setsockopt(sd, SOL_SOCKET, SO_RCVBUF, &v, 2), -EINVAL);
	T_ERR(nm_setsockopt(sd, SOL_SOCKET, SO_RCVBUF, NULL, 4), -EFAULT);
	T_ERR(nm_setsockopt(sd, SOL_SOCKET, 9999, &v, sizeof(v)), -ENOPROTOOPT);
	T_ERR(nm_setsockopt(sd, 9999, 1, &v, sizeof(v)), -ENOPROTOOPT);
	T_ERR(nm_setsockopt(sd, IPPROTO_TCP, TCP_CONGESTION, "bbr", 3), -ENOENT);
	T_OK(nm_setsockopt(sd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
	l = sizeof(name);
	T_OK(nm_getsockopt(sd, IPPROTO_TCP, TCP_CONGESTION, name, &l));
	T_ASSERT(!strcmp(name, "reno"));
	T_OK(nm_setsockopt(sd, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5));
	l = sizeof(name);
	T_OK(nm_getsockopt(sd, IPPROTO_TCP, TCP_CONGESTION, name, &l));
	T_ASSERT(!strcmp(name, "cubic"));
	v = 10;
	T_ERR(nm_setsockopt(sd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)), -EINVAL);
	v = 1000;
	T_OK(nm_setsockopt(sd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)));
	T_OK(nm_setsockopt(sd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	l = sizeof(v);
	T_OK(nm_getsockopt(sd, IPPROTO_TCP, TCP_NODELAY, &v, &l));
	T_EQ(v, 1);
	v = 0;
	T_ERR(nm_setsockopt(sd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)), -EINVAL);
	T_ERR(nm_setsockopt(sd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), -ENOPROTOOPT);
	l = sizeof(v);
	T_OK(nm_getsockopt(sd, SOL_SOCKET, SO_ERROR, &v, &l));
	T_EQ(v, 0);
	T_ERR(nm_getsockopt(sd, SOL_SOCKET, SO_ERROR, NULL, &l), -EFAULT);
	/* Linux looks at the buffer only when it copies into it */
	T_ERR(nm_recv(sd, NULL, 5, 0), -ENOTCONN);
	T_ERR(nm_recv(sd, name, 5, MSG_OOB), -EINVAL);	/* no urgent data */
	T_ERR(nm_recv(sd, name, 5, 0x40000000), -EOPNOTSUPP);
	T_ERR(nm_recv(sd, name, 5, MSG_DONTWAIT), -ENOTCONN);
	T_ERR(nm_shutdown(sd, 7), -EINVAL);
	T_ERR(nm_shutdown(sd, SHUT_RDWR), -ENOTCONN);
	T_ERR(nm_sendmsg(sd, NULL, 0), -EFAULT);
	T_ERR(nm_connect(sd, (struct sockaddr *)&a6, sizeof(a6)), -EAFNOSUPPORT);
	b = t_sin("198.19.77.1", 80);
	T_ERR(nm_connect(sd, (struct sockaddr *)&b, sizeof(b)), -ENETUNREACH);
	T_OK(nm_close(sd));

	/* IPv6 socket options */
	sd = (int)T_OK(nm_socket(n.sa, AF_INET6, SOCK_STREAM, 0));
	T_OK(nm_setsockopt(sd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)));
	T_ERR(nm_connect(sd, (struct sockaddr *)&a, sizeof(a)), -EAFNOSUPPORT);
	T_OK(nm_close(sd));

	t_net_down(&n);
	T_PASS();
}
