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
struct nm_stack;

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
	uint64_t serial;		/* never reused (the descriptor is): a
					 * request queued on sd (uring/) tells
					 * its socket from a later one's */
	struct nm_tcp_sock *tcp;	/* its connection; tcp->sock == this */
	bool nonblock;			/* O_NONBLOCK (SOCK_NONBLOCK, fcntl) */
	bool connecting;		/* a connect began and no connect has
					 * seen its end yet (Linux's
					 * SS_CONNECTING; socket.c) */
	bool zerocopy;			/* SO_ZEROCOPY: MSG_ZEROCOPY sends take effect */
	bool reuseport;			/* SO_REUSEPORT: kept and reported, binds as
					 * SO_REUSEADDR says (no port sharing) */
	uint64_t rcvtimeo_us;		/* SO_RCVTIMEO, 0: none */
	uint64_t sndtimeo_us;		/* SO_SNDTIMEO, 0: none */
	struct nm_token_table tokens;	/* devmem RX frags the application holds */
	void *owner;			/* the runtime's object for it (sock_hooks.c),
					 * NULL for an nm_* application's socket */
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

/* ---- sock_hooks.c: what a runtime above plugs in (src/rt/) ---- */
/*
 * A runtime that runs unmodified programs on the stack (netmem run) drives
 * the stack from many threads under one lock whose holder polls.  It plugs
 * two things into the socket layer, process-wide:
 *  - wait: how a blocked call waits.  Instead of running the stack for a
 *    slice (sock_wait.c), the wait loop calls it with the call's deadline
 *    (us, 0: none; not passed yet).  It returns 0 to have the call try
 *    again, or -errno to end it (-EINTR: a signal; the bytes moved so far
 *    are returned instead when there are some, as Linux does).  It may
 *    release the lock while it sleeps: the call's socket stays (the
 *    runtime holds it), other sockets may change.
 *  - event: something happened on the connection of a socket with an
 *    owner (nm_sock_set_owner()): a segment, a child to accept, its end.
 *    Called inside a stack pass; readiness (nm_sock_poll_events()) may
 *    have changed.
 */
struct nm_sock_hooks {
	int (*wait)(struct nm_socket *so, uint64_t deadline_us);
	void (*event)(struct nm_socket *so);
};
/* Install h (copied); NULL removes them.  Before any socket exists. */
void nm_sock_set_hooks(const struct nm_sock_hooks *h);
/* The runtime's object for so (NULL: none, and no events). */
void nm_sock_set_owner(struct nm_socket *so, void *owner);
static inline void *nm_sock_owner(const struct nm_socket *so)
{
	return so->owner;
}
/* POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDHUP as nm_poll() reports them. */
short nm_sock_poll_events(struct nm_socket *so);
/*
 * The socket ioctls of a TCP socket (Linux's tcp_ioctl()): SIOCINQ
 * (FIONREAD): bytes ready to read, -EINVAL on a listener; SIOCOUTQ: bytes
 * not yet acknowledged; SIOCOUTQNSD: bytes not yet sent; SIOCATMARK: 0
 * (no urgent data).  Others: -ENOTTY.
 */
int nm_sock_ioctl(struct nm_socket *so, unsigned long req, int *val);
/* A call the runtime made for the program later than the program asked
 * (a bind deferred until the NIC was up) failed: err (positive) becomes
 * the socket's pending error, as SO_ERROR and POLLERR report it. */
void nm_sock_set_error(struct nm_socket *so, int err);
/* Connections of st whose data or FIN is not yet acknowledged (closed by
 * the application or not): what a process that exits waits for. */
int nm_sock_stack_unacked(struct nm_stack *st);

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

/* The hooks in use (sock_hooks.c); NULL members: none. */
extern struct nm_sock_hooks nm_sock_hooks;

/* ---- tcp_info.c ---- */
/* getsockopt(IPPROTO_TCP, TCP_INFO): Linux's struct tcp_info as the
 * kernel's uAPI header has it (longer than glibc's). */
int nm_sock_get_tcp_info(struct nm_socket *so, void *val, socklen_t *len);

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
