/* SPDX-License-Identifier: MIT */
#ifndef NM_SOCK_INTERNAL_H
#define NM_SOCK_INTERNAL_H

/*
 * What the sock/ files share: waiting on a socket (socket.c) and the devmem
 * calls socket.c dispatches to (devmem_rx.c: MSG_SOCK_DEVMEM receive and
 * the token table; devmem_tx.c: sends from a TX dma-buf binding and the
 * MSG_ZEROCOPY error queue).  Every function runs on the socket's stack
 * thread.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <sys/socket.h>
#include <sys/types.h>

struct nm_tcp_sock;

/* Descriptors: 0 .. NM_SOCK_MAX - 1. */
#define NM_SOCK_MAX	65536

/* Run the stack loop a while: 0, -EAGAIN once deadline (us, 0: none)
 * passed, -ENOTCONN when the stack is gone. */
int nm_sock_wait(struct nm_tcp_sock *tp, uint64_t deadline);
/* The shape of an iovec array: at most IOV_MAX entries, lengths summing to
 * at most SSIZE_MAX (-EINVAL past it, as Linux), no NULL buffer unless the
 * bases are offsets (devmem TX: offset 0 is a good one).  *total (if not
 * NULL): the bytes they hold.  fn names the call in messages. */
int nm_sock_check_iov(const struct iovec *iov, size_t n, bool offsets, size_t *total,
		      const char *fn);
/* A send that queued bytes and then met error r returns the bytes; when r
 * was the socket's pending error (pending: tp->err read just before the
 * call that returned r: a reset), it stays pending for the next call, as
 * Linux leaves sk_err for it, so the caller still learns why. */
void nm_sock_keep_err(struct nm_tcp_sock *tp, int pending, ssize_t r);
/* Deadline of the socket's SO_RCVTIMEO / SO_SNDTIMEO from now (0: none). */
uint64_t nm_sock_rcv_deadline(int sd);
uint64_t nm_sock_snd_deadline(int sd);

/* ---- devmem_rx.c ---- */
/* recvmsg with MSG_SOCK_DEVMEM (flags include it). */
ssize_t nm_sock_recvmsg_devmem(int sd, struct nm_tcp_sock *tp, struct msghdr *msg, int flags);
/* setsockopt(SOL_SOCKET, SO_DEVMEM_DONTNEED). */
int nm_sock_devmem_dontneed(int sd, struct nm_tcp_sock *tp, const void *val, socklen_t len);
/* The descriptor closes: every token it holds goes back. */
void nm_sock_devmem_close(int sd);

/* ---- devmem_tx.c ---- */
/* sendmsg with control messages or MSG_ZEROCOPY. */
ssize_t nm_sock_sendmsg_zc(int sd, struct nm_tcp_sock *tp, const struct msghdr *msg, int flags);
/* recvmsg with MSG_ERRQUEUE: one zerocopy completion. */
ssize_t nm_sock_recv_errqueue(int sd, struct nm_tcp_sock *tp, struct msghdr *msg, int flags);

#endif
