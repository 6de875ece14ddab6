/* SPDX-License-Identifier: MIT */
#ifndef NM_CTL_NL_SOCK_H
#define NM_CTL_NL_SOCK_H

/*
 * Emulated netlink sockets: the kernel's netlink families for netmem's
 * interfaces, answered in the process that owns the NIC (docs/netlink.md).
 *
 * One struct nm_nl_sock is one netlink socket of a program: its protocol
 * (NETLINK_GENERIC or NETLINK_ROUTE), portid, multicast groups, the
 * dma-buf bindings it made (closing it unbinds them, as the kernel's
 * netdev_nl_sock_priv_destroy()), a dump in progress and the datagrams
 * queued for it.  It has a byte interface, so one object serves a socket
 * of the owning process (src/rt/nl.c) and one forwarded from another
 * process of the same `netmem run` (the control endpoint).
 *
 * What is answered here: nlctrl CTRL_CMD_GETFAMILY for "netdev" and
 * "ethtool"; the netdev family; the ethtool family's messages a devmem
 * program uses; NETLINK_ROUTE RTM_GETLINK/RTM_GETADDR.  Requests about
 * the kernel's own interfaces, and other families, go to the kernel through
 * a private kernel netlink socket of the same protocol (opened on first
 * need), and dumps list the kernel's objects and netmem's together.
 *
 * Which netmem interfaces the program sees, and under which ifindex, is
 * the view (nm_nl_view_*): netmem's own ifindexes (nm_netdev_ifindex(),
 * 1, 2, ...) would collide with the kernel's, so each netdev shown gets an
 * ifindex of the program's (the "user" ifindex) that the kernel does not
 * use.  Every ifindex in a message is a user ifindex.
 *
 * Threads: every call here runs on the thread that drives the netdevs (the
 * runtime: under its stack lock); nothing here locks.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct nm_nl_sock;
struct nm_netdev;
struct nm_dmabuf;

/* A queue of datagrams received one at a time as the kernel's
 * netlink_recvmsg() hands them out (nl_dgq.c). */
struct nm_nl_dgram;
struct nm_nl_dgq {
	struct nm_nl_dgram *head, **tail;
	size_t bytes;			/* in the queued datagrams */
};
void nm_nl_dgq_init(struct nm_nl_dgq *q);
/* A copy of p queued at the end: 0 or -ENOMEM. */
int nm_nl_dgq_push(struct nm_nl_dgq *q, const void *p, size_t len);
/* The first datagram into buf: the bytes copied (its whole length with
 * MSG_TRUNC), *trunc when it was cut; MSG_PEEK leaves it queued.  -EAGAIN
 * when empty (no message: the usual answer). */
ssize_t nm_nl_dgq_pop(struct nm_nl_dgq *q, void *buf, size_t len, int flags, bool *trunc);
void nm_nl_dgq_clear(struct nm_nl_dgq *q);
/* Its invariant: 0 or -EFAULT with a message. */
int nm_nl_dgq_check(const struct nm_nl_dgq *q);

/* ---- the view: which netmem interfaces the program sees -------------------- */

/* Show nd as user_ifindex (0: pick one the kernel does not use, from
 * NM_NL_IFINDEX_BASE up).  Returns the user ifindex, or -EEXIST when nd
 * or the number is shown already, -ENOSPC when the view is full. */
#define NM_NL_IFINDEX_BASE	0x4e4d0000	/* "NM\0\0": far above the kernel's */
int nm_nl_view_add(struct nm_netdev *nd, int user_ifindex);
/* nd goes (before nm_netdev_destroy()); nothing if it was not shown. */
void nm_nl_view_del(struct nm_netdev *nd);
/* An address of the interface, for RTM_GETADDR (family AF_INET/AF_INET6,
 * addr 4 or 16 bytes). */
int nm_nl_view_addr_add(int user_ifindex, int family, const void *addr, unsigned prefixlen);
/* user ifindex <-> netdev: 0 / NULL when not netmem's. */
int nm_nl_user_ifindex(const struct nm_netdev *nd);
struct nm_netdev *nm_nl_netdev_by_user(int user_ifindex);
struct nm_netdev *nm_nl_netdev_by_name(const char *name);

/* ---- sockets ------------------------------------------------------------------ */

/* protocol: NETLINK_GENERIC or NETLINK_ROUTE (else -EPROTONOSUPPORT). */
int nm_nl_sock_open(int protocol, struct nm_nl_sock **out);
/* Unbinds every dma-buf binding the socket made (RX queues restart without
 * the provider), drops a dump in progress and the queued datagrams, closes
 * the kernel channel, frees s.  0. */
int nm_nl_sock_close(struct nm_nl_sock *s);

/* The socket's address: portid (the kernel's, where the program's socket
 * is a kernel socket too) and the legacy bind() group mask.  Replies carry
 * this portid. */
int nm_nl_sock_bind(struct nm_nl_sock *s, uint32_t portid, uint32_t groups);
uint32_t nm_nl_sock_portid(const struct nm_nl_sock *s);
/* NETLINK_ADD_MEMBERSHIP / NETLINK_DROP_MEMBERSHIP of a multicast group
 * (the netdev family's "mgmt" and "page-pool" groups have the ids that
 * CTRL_CMD_GETFAMILY reports).  -EINVAL for group 0. */
int nm_nl_sock_add_membership(struct nm_nl_sock *s, uint32_t group);
int nm_nl_sock_drop_membership(struct nm_nl_sock *s, uint32_t group);
/* SOL_NETLINK options that change what replies look like: NETLINK_EXT_ACK,
 * NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK, NETLINK_NO_ENOBUFS,
 * NETLINK_ADD/DROP_MEMBERSHIP (the calls above).  Others: -ENOPROTOOPT
 * (the caller gives those to the kernel). */
int nm_nl_sock_setsockopt(struct nm_nl_sock *s, int opt, const void *val, size_t len);
int nm_nl_sock_getsockopt(const struct nm_nl_sock *s, int opt, void *val, size_t *len);

/*
 * What a dma-buf fd named by bind-rx/bind-tx (NETDEV_A_DMABUF_FD) is: fn
 * returns a new reference in *out, or -errno (-EBADF: no such fd, -EINVAL:
 * not a dma-buf, as dma_buf_get()).  The default (fn NULL) imports the fd
 * as a kernel dma-buf (nm_dmabuf_import_fd()).  A forwarded socket's fds
 * are the other process's: its lookup maps them.
 */
typedef int (*nm_nl_dmabuf_fn)(void *arg, int fd, struct nm_dmabuf **out);
void nm_nl_sock_set_dmabuf_lookup(struct nm_nl_sock *s, nm_nl_dmabuf_fn fn, void *arg);

/* Whether buf (what a send would carry) asks the netdev family for a
 * dma-buf binding (bind-rx or bind-tx): the caller's NIC must then be the
 * one that runs the queues (the runtime's control-only NIC is not). */
bool nm_nl_sock_binds(const struct nm_nl_sock *s, const void *buf, size_t len);

/*
 * One sendmsg()'s bytes (one or more netlink messages), processed now; the
 * replies (answers, acks, NLMSG_ERROR, the first part of a dump) are
 * queued.  Returns len, or -errno only where the kernel's sendmsg itself
 * fails (-EMSGSIZE past 64 KiB, -ENOMEM); a malformed or refused message
 * gets an NLMSG_ERROR reply, as in the kernel.
 */
ssize_t nm_nl_sock_send(struct nm_nl_sock *s, const void *buf, size_t len);

/*
 * The next datagram into buf (MSG_PEEK leaves it queued; MSG_TRUNC returns
 * its real length, as the kernel's recvmsg).  A datagram longer than len is
 * cut and gone (the caller sets MSG_TRUNC in msg_flags: *trunc).  A dump
 * continues here, one datagram per call, sized as the kernel sizes its dump
 * skbs.  -EAGAIN when nothing is queued; -ENOBUFS once after replies were
 * dropped because the queue was full (1 MiB; not with NETLINK_NO_ENOBUFS),
 * as the kernel's full socket reports it.
 */
ssize_t nm_nl_sock_recv(struct nm_nl_sock *s, void *buf, size_t len, int flags, bool *trunc);
/* The largest receive buffer the socket's program used, for a socket whose
 * program does not receive through nm_nl_sock_recv() itself (a helper's,
 * forwarded: its receives reach the owner only as this number).  Dump
 * datagrams are cut to it from then on, and nm_nl_sock_recv()'s own
 * lengths no longer count. */
void nm_nl_sock_set_recv_size(struct nm_nl_sock *s, size_t len);
/* Something to receive (poll/epoll readiness). */
bool nm_nl_sock_readable(const struct nm_nl_sock *s);

/* The kernel channel on (the default) or off: off, requests that are not
 * netmem's are refused (NLMSG_ERROR -ENOENT), dumps list netmem's objects
 * alone, and the two families take netmem's own ids (1008 "netdev", 1009
 * "ethtool").  For fuzzing and tests that must not reach the kernel; set
 * before the first request. */
void nm_nl_set_kernel(bool on);

/* A checker for tests: the socket's invariants (queue accounting, the dump
 * state).  0, or -EFAULT with a message. */
int nm_nl_sock_check(const struct nm_nl_sock *s);

#endif
