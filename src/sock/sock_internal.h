/* SPDX-License-Identifier: MIT */
#ifndef NM_SOCK_INTERNAL_H
#define NM_SOCK_INTERNAL_H

/*
 * What the sock/ files share: the socket object and its descriptor table
 * (sock_table.c), the wait loop (sock_wait.c) and the devmem calls
 * socket.c dispatches to (devmem_rx.c: MSG_SOCK_DEVMEM receive and the
 * token table; devmem_tx.c: sends from a TX dma-buf binding and the
 * MSG_ZEROCOPY error queue).  Every function but the table's runs on the
 * socket's stack thread.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "sock/devmem_tokens.h"

struct nm_tcp_sock;

/* Descriptors: 0 .. NM_SOCK_MAX - 1. */
#define NM_SOCK_MAX	65536

/*
 * A socket: what one descriptor stands for.  The TCP control block holds
 * the protocol (sequence space, queues, timers, the options TCP acts on);
 * the socket holds what belongs to the descriptor and to the application
 * behind it.  The tcb may outlive the socket (a closed connection still
 * sending its FIN, TIME_WAIT) and the socket may outlive the tcb's stack
 * (tcp->st NULL after nm_stack_destroy()); tcp is never NULL.
 *
 * Stays in the tcb: the options TCP reads on its own (SO_REUSEADDR in
 * bind conflicts, SO_KEEPALIVE, SO_LINGER in close's RST, the buffers,
 * TCP_*, IPV6_V6ONLY; a listener's children inherit them), SO_ERROR,
 * which TCP sets, and the MSG_ZEROCOPY state with its error queue
 * (tcp_zc.c): ACKs complete it on the stack thread, and it outlives the
 * tcb while the NIC still holds segments that name device memory.
 */
struct nm_socket {
	int sd;				/* the descriptor */
	struct nm_tcp_sock *tcp;	/* its connection; tcp->sock == this */
	bool nonblock;			/* O_NONBLOCK (SOCK_NONBLOCK, fcntl) */
	bool zerocopy;			/* SO_ZEROCOPY: MSG_ZEROCOPY sends take effect */
	uint64_t rcvtimeo_us;		/* SO_RCVTIMEO, 0: none */
	uint64_t sndtimeo_us;		/* SO_SNDTIMEO, 0: none */
	struct nm_token_table tokens;	/* devmem RX frags the application holds */
};

/* ---- sock_table.c ---- */
/* A socket for tp (which it then owns) in the lowest free descriptor:
 * the descriptor, or -EMFILE / -ENOMEM. */
int nm_sock_alloc(struct nm_tcp_sock *tp, bool nonblock);
/* Take the descriptor out of the table, give back every devmem token, free
 * the socket.  The tcb is the caller's (nm_tcp_close() next). */
void nm_sock_free(struct nm_socket *so);
/* The socket of sd, NULL if none. */
struct nm_socket *nm_sock_lookup(int sd);
/* The same, or NULL with *ret = -EBADF and its message. */
struct nm_socket *nm_sock_get(int sd, int *ret);
/* White-box tests: the tcb behind sd, NULL if none. */
struct nm_tcp_sock *nm_sock_tcb(int sd);

/* ---- sock_wait.c: the one wait loop of every blocking call ---- */
/* A call's -EAGAIN messages (literals, kept by pointer: a polling loop
 * meets them on every empty pass; the public call's name goes in front,
 * util/err.c). */
struct nm_sock_call {
	const char *would_block;	/* "would block" */
	const char *timed_out;		/* "timed out" */
};
#define NM_SOCK_CALL() { "would block", "timed out" }

/* A blocking call; embed it to carry the call's own arguments. */
struct nm_sock_op {
	struct nm_socket *so;
	/* One attempt that never blocks: >= 0 the call's result; -EAGAIN:
	 * nothing (more) can happen now, wait and try again; another -errno:
	 * the call's error.  It adds the bytes it moved to done. */
	ssize_t (*try_once)(struct nm_sock_op *op);
	const struct nm_sock_call *call;
	uint64_t timeo_us;		/* the wait's bound from the first attempt
					 * (SO_RCVTIMEO, SO_SNDTIMEO...), 0: none */
	bool nonblock;			/* O_NONBLOCK or MSG_DONTWAIT: never wait */
	size_t done;			/* bytes moved by the attempts so far */
};
/* Try op, waiting while it would block (sock_wait.c says how each end is
 * reported): the attempt's result, op->done, or -errno. */
ssize_t nm_sock_block(struct nm_sock_op *op);
/* A send that queued bytes and then met error r returns the bytes; when r
 * was the socket's pending error (pending: tp->err read just before the
 * call that returned r: a reset), it stays pending for the next call, as
 * Linux leaves sk_err for it, so the caller still learns why. */
void nm_sock_keep_err(struct nm_tcp_sock *tp, int pending, ssize_t r);

/* ---- socket.c ---- */
/* The shape of an iovec array: at most IOV_MAX entries, lengths summing to
 * at most SSIZE_MAX (-EINVAL past it, as Linux), no NULL buffer unless the
 * bases are offsets (devmem TX: offset 0 is a good one).  *total (if not
 * NULL): the bytes they hold. */
int nm_sock_check_iov(const struct iovec *iov, size_t n, bool offsets, size_t *total);

/* ---- devmem_rx.c ---- */
/* recvmsg with MSG_SOCK_DEVMEM (flags include it). */
ssize_t nm_sock_recvmsg_devmem(struct nm_socket *so, struct msghdr *msg, int flags);
/* setsockopt(SOL_SOCKET, SO_DEVMEM_DONTNEED). */
int nm_sock_devmem_dontneed(struct nm_socket *so, const void *val, socklen_t len);

/* ---- devmem_tx.c ---- */
/* sendmsg with control messages or MSG_ZEROCOPY. */
ssize_t nm_sock_sendmsg_zc(struct nm_socket *so, const struct msghdr *msg, int flags);
/* recvmsg with MSG_ERRQUEUE: one zerocopy completion. */
ssize_t nm_sock_recv_errqueue(struct nm_socket *so, struct msghdr *msg, int flags);

#endif
