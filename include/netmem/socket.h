/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_SOCKET_H
#define NETMEM_SOCKET_H

/*
 * Sockets on a netmem stack, with the BSD socket calls' names, arguments
 * and semantics, prefixed nm_: code written for kernel sockets ports by
 * renaming.  A socket descriptor is an int (>= 0) private to netmem, not a
 * kernel fd.  Errors are returned as -errno (kernel style) with a message
 * in nm_last_error(), not through errno.
 *
 * Supported now: AF_INET / AF_INET6, SOCK_STREAM (TCP), with SOCK_NONBLOCK
 * and SOCK_CLOEXEC (ignored) in type.  Options: SOL_SOCKET SO_REUSEADDR,
 * SO_REUSEPORT (kept; binds conflict as SO_REUSEADDR says), SO_RCVBUF,
 * SO_SNDBUF, SO_ERROR, SO_LINGER, SO_KEEPALIVE, SO_RCVTIMEO, SO_SNDTIMEO,
 * SO_ZEROCOPY, SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN; IPPROTO_TCP
 * TCP_NODELAY, TCP_MAXSEG, TCP_CONGESTION ("cubic", "reno"), TCP_INFO
 * (the kernel's <linux/tcp.h> layout; what the stack does not keep reads
 * 0), TCP_KEEPIDLE/INTVL/CNT; IPPROTO_IPV6 IPV6_V6ONLY.
 *
 * Blocking calls run the stack's loop while they wait; every call must come
 * from the stack's thread.
 *
 * nm_connect() again on a socket whose connect was left going (non-blocking,
 * timed out, interrupted), as Linux: -EALREADY while it goes on (a blocking
 * socket waits), 0 once it went through (then -EISCONN), and once it failed
 * its error (-ECONNREFUSED, ...) or -ECONNABORTED when SO_ERROR took that
 * already; the call after a reported failure starts a new connection on the
 * same socket, which keeps its options and what nm_bind() gave it.
 *
 * Calling order:
 *  - The interface before the sockets that use it: nm_stack_add_iface()
 *    (or nm_host_create(), which adds it) first.  nm_bind() to an address
 *    checks the stack's interfaces (-EADDRNOTAVAIL) and nm_connect()
 *    routes at once (-ENETUNREACH without one).
 *  - devmem RX (nm_recvmsg() with MSG_SOCK_DEVMEM, devmem.h): bind-rx
 *    (nm_ctl_bind_rx()) on RX queues, and the steering that sends the flow
 *    to them (an ntuple rule, nm_netdev_flow_add(), or an RSS table of only
 *    those queues, nm_netdev_set_rss_equal()), before the connection's data
 *    arrives.  Payload that arrived earlier, or on another queue, lies in
 *    host memory: MSG_SOCK_DEVMEM then copies it into the iov, as a plain
 *    recvmsg, with no cmsg.
 *  - MSG_ZEROCOPY after setsockopt(SO_ZEROCOPY, 1): without it the flag is
 *    ignored (a plain copying send, no completion, as in Linux), and a
 *    devmem send (SCM_DEVMEM_DMABUF, after bind-tx, nm_ctl_bind_tx()) is
 *    -EINVAL.
 *  - Teardown: the sockets (nm_close()) before their stack
 *    (nm_stack_destroy() closes the ones left, RST to connected peers); a
 *    socket's close returns the devmem tokens it holds.
 */

#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nm_stack;

int nm_socket(struct nm_stack *st, int domain, int type, int protocol);
int nm_bind(int sd, const struct sockaddr *addr, socklen_t len);
int nm_listen(int sd, int backlog);
int nm_accept(int sd, struct sockaddr *addr, socklen_t *len);
int nm_accept4(int sd, struct sockaddr *addr, socklen_t *len, int flags);
int nm_connect(int sd, const struct sockaddr *addr, socklen_t len);
ssize_t nm_send(int sd, const void *buf, size_t len, int flags);
ssize_t nm_recv(int sd, void *buf, size_t len, int flags);
ssize_t nm_sendmsg(int sd, const struct msghdr *msg, int flags);
ssize_t nm_recvmsg(int sd, struct msghdr *msg, int flags);
int nm_shutdown(int sd, int how);
int nm_close(int sd);
int nm_setsockopt(int sd, int level, int name, const void *val, socklen_t len);
int nm_getsockopt(int sd, int level, int name, void *val, socklen_t *len);
int nm_getsockname(int sd, struct sockaddr *addr, socklen_t *len);
int nm_getpeername(int sd, struct sockaddr *addr, socklen_t *len);
/* O_NONBLOCK through F_GETFL / F_SETFL. */
int nm_fcntl(int sd, int cmd, int arg);

/* Readiness of many sockets (POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDHUP),
 * like poll(2) with struct pollfd whose fd fields are socket descriptors.
 * Runs the stack loop while it waits.  Returns how many have events. */
int nm_poll(struct nm_stack *st, struct pollfd *fds, nfds_t n, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_SOCKET_H */
