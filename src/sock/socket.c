/* SPDX-License-Identifier: MIT */
/*
 * The BSD socket API over netmem TCP (include/netmem/socket.h).
 *
 * Each call finds its socket object (struct nm_socket) through the
 * descriptor table (sock_table.c) and runs on the owning stack's thread
 * without locks (invariant 6).
 *
 * Blocking calls describe one non-blocking attempt of theirs to the wait
 * loop (sock_wait.c), which retries it while running the stack.
 */
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include <netmem/socket.h>
#include <netmem/stack.h>

#include <netmem/devmem.h>

#include "net/tcp.h"
#include "sock/sock_internal.h"
#include "util/err.h"

/* The socket of descriptor sd (so), or return -EBADF. */
#define GET_SOCK()                                              \
	int _ret;                                               \
	struct nm_socket *so = nm_sock_get(sd, &_ret);          \
	if (!so)                                                \
		return _ret

/* ---- addresses ----------------------------------------------------------------- */

/* v6only_err: what a v4-mapped address on an IPV6_V6ONLY socket gets
 * (Linux: EINVAL from bind, which has no IPv4 address to take, ENETUNREACH
 * from connect, which has no IPv4 route). */
static int sa_to_addr(const struct nm_tcp_sock *tp, const struct sockaddr *sa, socklen_t len,
		      struct nm_addr *a, uint16_t *port, int v6only_err)
{
	if (!sa)
		return nm_err(EFAULT, "NULL address");
	if (len < (socklen_t)sizeof(sa_family_t))
		return nm_err(EINVAL, "address length %u too short", (unsigned)len);
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		if (len < (socklen_t)sizeof(*s4))
			return nm_err(EINVAL, "sockaddr_in length %u", (unsigned)len);
		if (tp->family == AF_INET6)
			return nm_err(EAFNOSUPPORT, "AF_INET address on an AF_INET6 socket "
						    "(use a v4-mapped address)");
		a->b[10] = a->b[11] = 0xff;
		memcpy(a->b + 12, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		if (len < (socklen_t)sizeof(*s6))
			return nm_err(EINVAL, "sockaddr_in6 length %u", (unsigned)len);
		if (tp->family == AF_INET)
			return nm_err(EAFNOSUPPORT, "AF_INET6 address on an AF_INET socket");
		memcpy(a->b, &s6->sin6_addr, 16);
		if (tp->v6only && nm_addr_is_v4(a))
			return nm_err(v6only_err, "v4-mapped address with IPV6_V6ONLY");
		*port = ntohs(s6->sin6_port);
		return 0;
	}
	return nm_err(EAFNOSUPPORT, "address family %d", sa->sa_family);
}

static int addr_to_sa(const struct nm_tcp_sock *tp, const struct nm_addr *a, uint16_t port,
		      struct sockaddr *sa, socklen_t *len)
{
	union {
		struct sockaddr_in s4;
		struct sockaddr_in6 s6;
	} u;
	socklen_t n;

	if (!sa || !len)
		return nm_err(EFAULT, "NULL address or length");
	memset(&u, 0, sizeof(u));
	if (tp->family == AF_INET) {
		u.s4.sin_family = AF_INET;
		u.s4.sin_port = htons(port);
		memcpy(&u.s4.sin_addr, a->b + 12, 4);
		n = sizeof(u.s4);
	} else {
		u.s6.sin6_family = AF_INET6;
		u.s6.sin6_port = htons(port);
		memcpy(&u.s6.sin6_addr, a->b, 16);
		n = sizeof(u.s6);
	}
	memcpy(sa, &u, *len < n ? *len : n);
	*len = n;
	return 0;
}

/* ---- calls --------------------------------------------------------------------- */

int nm_socket(struct nm_stack *st, int domain, int type, int protocol)
{
	NM_API_CALL();
	struct nm_tcp_sock *tp;
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), sd;

	if (!st)
		return nm_err(EINVAL, "NULL stack");
	if (domain != AF_INET && domain != AF_INET6)
		return nm_err(EAFNOSUPPORT, "domain %d (AF_INET, AF_INET6 only)", domain);
	if (base != SOCK_STREAM)
		return nm_err(EPROTONOSUPPORT, "type %d (SOCK_STREAM only)", type);
	if (protocol != 0 && protocol != IPPROTO_TCP)
		return nm_err(EPROTONOSUPPORT, "protocol %d", protocol);
	if (!st->tcp)
		return nm_err(EINVAL, "stack has no TCP");
	tp = nm_tcp_sock_new(st, domain);
	if (!tp)
		return nm_err(ENOMEM, "out of memory");
	sd = nm_sock_alloc(tp, type & SOCK_NONBLOCK);
	if (sd < 0)
		nm_tcp_sock_destroy(tp);
	return sd;
}

int nm_bind(int sd, const struct sockaddr *addr, socklen_t len)
{
	NM_API_CALL();
	struct nm_addr a;
	uint16_t port = 0;
	bool port_given;
	int ret;
	GET_SOCK();
	struct nm_tcp_sock *tp = so->tcp;

	ret = sa_to_addr(tp, addr, len, &a, &port, EINVAL);
	if (ret)
		return ret;
	if (!tp->st)
		return nm_err(EINVAL, "the stack is gone");
	if (tp->lport || tp->state != NM_TCP_CLOSED)
		return nm_err(EINVAL, "socket is already bound");
	if (!nm_tcp_addr_any(&a) && !nm_addr_is_local(tp->st, &a))
		return nm_err(EADDRNOTAVAIL, "not a local address");
	port_given = port != 0;
	if (port == 0) {
		tp->laddr = a;
		ret = nm_tcp_pick_ephemeral(tp->st->tcp, tp);
		if (ret)
			return ret;
		port = tp->lport;
		tp->lport = 0;
	}
	ret = nm_tcp_bind_check(tp->st->tcp, tp, &a, port);
	if (ret)
		return ret;
	tp->laddr = a;
	tp->lport = port;
	tp->bind_port_lock = port_given;
	tp->bind_addr_lock = !nm_tcp_addr_any(&a);
	nm_tcp_hash_bind(tp);
	return 0;
}

int nm_listen(int sd, int backlog)
{
	NM_API_CALL();
	GET_SOCK();
	struct nm_tcp_sock *tp = so->tcp;

	if (!tp->st)
		return nm_err(EINVAL, "the stack is gone");
	return nm_tcp_listen(tp, backlog);
}

struct accept_op {
	struct nm_sock_op op;
	struct sockaddr *addr;
	socklen_t *len;
	int flags;
};

static const struct nm_sock_call accept_call = NM_SOCK_CALL();

/* A child ready on the listener: its descriptor. */
static ssize_t accept_try(struct nm_sock_op *op)
{
	struct accept_op *a = nm_container_of(op, struct accept_op, op);
	struct nm_tcp_sock *tp = op->so->tcp, *c;
	int csd;

	if (tp->state != NM_TCP_LISTEN)
		return nm_err(EINVAL, "listener went away");
	c = nm_tcp_accept_one(tp);
	if (!c)
		return -EAGAIN;
	csd = nm_sock_alloc(c, a->flags & SOCK_NONBLOCK);
	if (csd < 0) {
		nm_tcp_send_rst_conn(c);
		nm_tcp_abort(c, ECONNRESET);
		return csd;
	}
	if (a->addr)
		addr_to_sa(c, &c->raddr, c->rport, a->addr, a->len);
	return csd;
}

int nm_accept4(int sd, struct sockaddr *addr, socklen_t *len, int flags)
{
	NM_API_CALL();
	GET_SOCK();
	struct accept_op a = {
		.op = { .so = so, .try_once = accept_try, .call = &accept_call,
			.timeo_us = so->rcvtimeo_us, .nonblock = so->nonblock },
		.addr = addr, .len = len, .flags = flags,
	};

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return nm_err(EINVAL, "flags 0x%x", flags);
	if (addr && !len)
		return nm_err(EFAULT, "address without a length");
	if (so->tcp->state != NM_TCP_LISTEN)
		return nm_err(EINVAL, "socket is not listening");
	return (int)nm_sock_block(&a.op);
}

int nm_accept(int sd, struct sockaddr *addr, socklen_t *len)
{
	NM_API_CALL();
	return nm_accept4(sd, addr, len, 0);
}

static const struct nm_sock_call connect_call = NM_SOCK_CALL();

/* Done once the handshake is over, either way. */
static ssize_t connect_try(struct nm_sock_op *op)
{
	const struct nm_tcp_sock *tp = op->so->tcp;

	return tp->state == NM_TCP_SYN_SENT || tp->state == NM_TCP_SYN_RECEIVED ? -EAGAIN : 0;
}

/* The connection failed (CLOSED): report err, or ECONNABORTED when
 * SO_ERROR took it already, and make the socket new for another connect,
 * as Linux does once connect() reported it. */
static int connect_failed(struct nm_socket *so, int err)
{
	struct nm_tcp_sock *tp = so->tcp;
	int e = tp->err ? tp->err : err;

	so->connecting = false;
	nm_tcp_disconnect(tp);
	return nm_err_sys(e, "the connection failed");
}

/* A blocking connect waits for the handshake; it ends in 0, a failure,
 * or still connecting (EINPROGRESS at SO_SNDTIMEO, EINTR at a signal:
 * the attempt goes on, Linux's SS_CONNECTING). */
static int connect_wait(struct nm_socket *so)
{
	struct nm_tcp_sock *tp = so->tcp;
	struct nm_sock_op op = { .so = so, .try_once = connect_try, .call = &connect_call,
				 .timeo_us = so->sndtimeo_us };
	int ret = (int)nm_sock_block(&op);

	if (ret == -EAGAIN)
		return nm_err(EINPROGRESS, "timed out (still connecting)");
	if (ret)
		return ret;
	/* Closed before this thread looked: refused or timed out if our SYN
	 * was never acknowledged; else it was connected, and what ended it
	 * (a reset right after the data) is the next call's to report, as
	 * on Linux when the connecting thread runs before the RST comes. */
	if (tp->state == NM_TCP_CLOSED && !seq_gt(tp->snd_una, tp->iss))
		return connect_failed(so, ECONNREFUSED);
	so->connecting = false;
	return 0;
}

/* A connect while an earlier one was left going (non-blocking, timed
 * out, interrupted): Linux's SS_CONNECTING.  Still going: EALREADY, or a
 * blocking socket waits for it; through: 0, and the socket is connected
 * (EISCONN from then on); failed: its error, or ECONNABORTED once
 * SO_ERROR took it, after which a connect starts anew. */
static int connect_again(struct nm_socket *so)
{
	struct nm_tcp_sock *tp = so->tcp;

	if (tp->state == NM_TCP_SYN_SENT || tp->state == NM_TCP_SYN_RECEIVED) {
		if (so->nonblock)
			return nm_err(EALREADY, "in progress");
		return connect_wait(so);
	}
	if (tp->state == NM_TCP_CLOSED)
		return connect_failed(so, ECONNABORTED);
	so->connecting = false;
	return 0;
}

int nm_connect(int sd, const struct sockaddr *addr, socklen_t len)
{
	NM_API_CALL();
	struct nm_addr a;
	uint16_t port = 0;
	int ret;
	GET_SOCK();
	struct nm_tcp_sock *tp = so->tcp;

	ret = sa_to_addr(tp, addr, len, &a, &port, ENETUNREACH);
	if (ret)
		return ret;
	if (!tp->st)
		return nm_err(ENOTCONN, "the stack is gone");
	if (so->connecting)
		return connect_again(so);
	if (port == 0)
		return nm_err(ECONNREFUSED, "port 0");
	ret = nm_tcp_connect(tp, &a, port);
	if (ret != -EINPROGRESS)
		return ret;
	so->connecting = true;
	if (so->nonblock)
		return nm_err(EINPROGRESS, "in progress");
	return connect_wait(so);
}

int nm_sock_check_iov(const struct iovec *iov, size_t n, bool offsets, size_t *total)
{
	size_t sum = 0;

	if (n > IOV_MAX)
		return nm_err(EMSGSIZE, "%zu iovecs (max %d)", n, IOV_MAX);
	if (n && !iov)
		return nm_err(EFAULT, "NULL iovec");
	for (size_t i = 0; i < n; i++) {
		/* Linux (import_iovec): a length or a sum past SSIZE_MAX is
		 * EINVAL; a wrapped sum would read as an empty buffer */
		if (iov[i].iov_len > SSIZE_MAX || (sum += iov[i].iov_len) > SSIZE_MAX)
			return nm_err(EINVAL, "iovec lengths add up past SSIZE_MAX");
		if (!offsets && iov[i].iov_len && !iov[i].iov_base)
			return nm_err(EFAULT, "NULL buffer in iovec %zu", i);
	}
	if (total)
		*total = sum;
	return 0;
}

/*
 * A cursor over the caller's iovec array that the TCP sees through a
 * window of at most NM_IOV_WIN entries (nm_tcp_send/recv take an int
 * count, and a copy is needed anyway: the cursor trims the first entry as
 * bytes move).  The window refills from the caller's array as it drains,
 * so every entry up to IOV_MAX is used: a blocking send sends them all, a
 * MSG_WAITALL recv fills them all.
 */
#define NM_IOV_WIN 64

struct iov_cur {
	const struct iovec *src;	/* the caller's array */
	size_t n_src, next;		/* its length; first entry not in win */
	struct iovec win[NM_IOV_WIN];
	struct iovec *v;		/* first live entry of win */
	size_t n;			/* live entries from v */
};

static void iov_cur_fill(struct iov_cur *c)
{
	size_t k = c->n_src - c->next;

	if (k > NM_IOV_WIN)
		k = NM_IOV_WIN;
	if (k)		/* an empty array may be NULL: no memcpy from it */
		memcpy(c->win, c->src + c->next, k * sizeof(*c->win));
	c->next += k;
	c->v = c->win;
	c->n = k;
}

static void iov_cur_init(struct iov_cur *c, const struct iovec *iov, size_t n)
{
	c->src = iov;
	c->n_src = n;
	c->next = 0;
	iov_cur_fill(c);
}

/* Step past r bytes the TCP moved; false once the whole array is used. */
static bool iov_cur_advance(struct iov_cur *c, size_t r)
{
	for (;;) {
		while (c->n && r >= c->v->iov_len) {
			r -= c->v->iov_len;
			c->v++;
			c->n--;
		}
		if (c->n) {
			c->v->iov_base = (uint8_t *)c->v->iov_base + r;
			c->v->iov_len -= r;
			return true;
		}
		if (c->next == c->n_src)
			return false;
		iov_cur_fill(c);	/* r is 0 here: the TCP never moves more than win held */
	}
}

static size_t iov_cur_bytes(const struct iov_cur *c)
{
	size_t b = 0;

	for (size_t i = 0; i < c->n; i++)
		b += c->v[i].iov_len;
	return b;
}

struct xfer_op {
	struct nm_sock_op op;
	struct iov_cur c;
	size_t total;		/* bytes the iovecs hold */
	int flags;
	bool waitall;		/* recv: MSG_WAITALL, blocking, not peeking */
	bool null_buf;		/* recv: an iovec of bytes at NULL */
};

static const struct nm_sock_call send_call = NM_SOCK_CALL();
static const struct nm_sock_call recv_call = NM_SOCK_CALL();

/* Queue what the send ring takes: the bytes (all of them, or as many as a
 * non-blocking call found room for), -EAGAIN to wait for room, -errno. */
static ssize_t send_try(struct nm_sock_op *op)
{
	struct xfer_op *x = nm_container_of(op, struct xfer_op, op);
	struct nm_tcp_sock *tp = op->so->tcp;

	for (;;) {
		size_t room = iov_cur_bytes(&x->c);
		int pending = tp->err;
		ssize_t r = nm_tcp_send(tp, x->c.v, (int)x->c.n, x->flags & MSG_MORE);

		if (r > 0) {
			op->done += (size_t)r;
			if (!iov_cur_advance(&x->c, (size_t)r) || op->done == x->total)
				return (ssize_t)op->done;
			/* the window was the limit: the send ring may take more */
			if (!op->nonblock || (size_t)r == room)
				continue;
			return (ssize_t)op->done;
		}
		if (r == 0 && op->done == x->total)
			return (ssize_t)op->done;	/* nothing (left) to send */
		if (r != -EAGAIN && r < 0) {
			if (!op->done)
				return r;
			nm_sock_keep_err(tp, pending, r);
			return (ssize_t)op->done;
		}
		return -EAGAIN;
	}
}

static ssize_t do_send(struct nm_socket *so, const struct iovec *iov0, size_t n, int flags)
{
	struct xfer_op x = {
		.op = { .so = so, .try_once = send_try, .call = &send_call,
			.timeo_us = so->sndtimeo_us,
			.nonblock = so->nonblock || (flags & MSG_DONTWAIT) },
		.flags = flags,
	};

	if (flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_EOR))
		return nm_err(EOPNOTSUPP, "flags 0x%x not supported", flags);
	for (size_t i = 0; i < n; i++)
		x.total += iov0[i].iov_len;
	iov_cur_init(&x.c, iov0, n);
	return nm_sock_block(&x.op);
}

/* Copy out what is queued: the bytes (with MSG_WAITALL once all are
 * there), 0 at EOF, -EAGAIN to wait for more, -errno. */
static ssize_t recv_try(struct nm_sock_op *op)
{
	struct xfer_op *x = nm_container_of(op, struct xfer_op, op);
	bool peek = x->flags & MSG_PEEK;

	/* Linux finds a bad buffer only when it copies into it: with
	 * nothing queued the call waits, ends or says EAGAIN as any other */
	if (x->null_buf)
		return op->so->tcp->rcvq_bytes ? nm_err(EFAULT, "NULL buffer")
					       : nm_tcp_recv(op->so->tcp, NULL, 0, peek, false);

	for (;;) {
		size_t room = iov_cur_bytes(&x->c);
		ssize_t r = nm_tcp_recv(op->so->tcp, x->c.v, (int)x->c.n, peek, false);

		if (r > 0) {
			op->done += (size_t)r;
			if (!iov_cur_advance(&x->c, (size_t)r) || op->done == x->total || peek)
				return (ssize_t)op->done;
			/* the window was the limit: more may be queued */
			if (x->waitall || (size_t)r == room)
				continue;
			return (ssize_t)op->done;
		}
		if (r == 0 || (r == -EAGAIN && op->done && !x->waitall))
			return (ssize_t)op->done;
		if (r != -EAGAIN)
			return op->done ? (ssize_t)op->done : r;
		return -EAGAIN;
	}
}

static ssize_t do_recv(struct nm_socket *so, struct iovec *iov0, size_t n, int flags)
{
	struct xfer_op x = {
		.op = { .so = so, .try_once = recv_try, .call = &recv_call,
			.timeo_us = so->rcvtimeo_us,
			.nonblock = so->nonblock || (flags & MSG_DONTWAIT) },
		.flags = flags,
	};

	/* Linux: EINVAL without urgent data, which this TCP never keeps */
	if (flags & MSG_OOB)
		return nm_err(EINVAL, "no urgent data (MSG_OOB)");
	if (flags & ~(MSG_DONTWAIT | MSG_PEEK | MSG_WAITALL | MSG_NOSIGNAL | MSG_TRUNC))
		return nm_err(EOPNOTSUPP, "flags 0x%x not supported", flags);
	for (size_t i = 0; i < n; i++) {
		x.total += iov0[i].iov_len;
		x.null_buf |= iov0[i].iov_len && !iov0[i].iov_base;
	}
	/* an empty buffer too: 0 once something is queued (or the end),
	 * EAGAIN or a wait before, as Linux's recv loop runs once */
	iov_cur_init(&x.c, iov0, n);
	x.waitall = (flags & MSG_WAITALL) && !(flags & MSG_PEEK) && !x.op.nonblock;
	return nm_sock_block(&x.op);
}

ssize_t nm_send(int sd, const void *buf, size_t len, int flags)
{
	NM_API_CALL();
	struct iovec iov = { (void *)buf, len };
	GET_SOCK();

	if (len && !buf)
		return nm_err(EFAULT, "NULL buffer");
	return do_send(so, &iov, 1, flags);
}

ssize_t nm_recv(int sd, void *buf, size_t len, int flags)
{
	NM_API_CALL();
	struct iovec iov = { buf, len };
	GET_SOCK();

	return do_recv(so, &iov, 1, flags);	/* a NULL buf: EFAULT when it copies */
}

ssize_t nm_sendmsg(int sd, const struct msghdr *msg, int flags)
{
	NM_API_CALL();
	int ret;
	GET_SOCK();

	if (!msg)
		return nm_err(EFAULT, "NULL msghdr");
	/* devmem_tx.c checks its own iovecs: there iov_base may be a dma-buf
	 * offset, and 0 is a good one */
	if (msg->msg_controllen || (flags & MSG_ZEROCOPY))
		return nm_sock_sendmsg_zc(so, msg, flags);
	ret = nm_sock_check_iov(msg->msg_iov, msg->msg_iovlen, false, NULL);
	if (ret)
		return ret;
	return do_send(so, msg->msg_iov, msg->msg_iovlen, flags);
}

ssize_t nm_recvmsg(int sd, struct msghdr *msg, int flags)
{
	NM_API_CALL();
	ssize_t r;
	int ret;
	GET_SOCK();
	struct nm_tcp_sock *tp = so->tcp;

	if (!msg)
		return nm_err(EFAULT, "NULL msghdr");
	/* a plain recv finds a NULL buffer when it copies (do_recv) */
	ret = nm_sock_check_iov(msg->msg_iov, msg->msg_iovlen,
				!(flags & (MSG_ERRQUEUE | MSG_SOCK_DEVMEM)), NULL);
	if (ret)
		return ret;
	if (flags & MSG_ERRQUEUE)
		return nm_sock_recv_errqueue(so, msg, flags);
	if (flags & MSG_SOCK_DEVMEM)
		return nm_sock_recvmsg_devmem(so, msg, flags);
	r = do_recv(so, msg->msg_iov, msg->msg_iovlen, flags);
	if (r >= 0) {
		msg->msg_flags = 0;
		msg->msg_controllen = 0;
		if (msg->msg_name && msg->msg_namelen) {
			socklen_t l = msg->msg_namelen;

			addr_to_sa(tp, &tp->raddr, tp->rport, msg->msg_name, &l);
			msg->msg_namelen = l;
		}
	}
	return r;
}

int nm_shutdown(int sd, int how)
{
	NM_API_CALL();
	GET_SOCK();
	struct nm_tcp_sock *tp = so->tcp;

	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return nm_err(EINVAL, "how %d", how);
	if (!tp->st)
		return nm_err(ENOTCONN, "the stack is gone");
	return nm_tcp_shutdown(tp, how != SHUT_WR, how != SHUT_RD);
}

static const struct nm_sock_call linger_call = NM_SOCK_CALL();

/* SO_LINGER: done once the FIN is acknowledged or the connection ended. */
static ssize_t linger_try(struct nm_sock_op *op)
{
	const struct nm_tcp_sock *tp = op->so->tcp;

	if (!tp->st || !seq_lt(tp->snd_una, tp->write_seq + 1) || tp->state == NM_TCP_CLOSED)
		return 0;
	return -EAGAIN;
}

int nm_close(int sd)
{
	NM_API_CALL();
	GET_SOCK();
	struct nm_tcp_sock *tp = so->tcp;

	if (tp->st && tp->linger_on && tp->linger_s > 0 && !so->nonblock &&
	    (tp->state == NM_TCP_ESTABLISHED || tp->state == NM_TCP_CLOSE_WAIT) &&
	    !tp->rcvq_bytes) {
		struct nm_sock_op op = { .so = so, .try_once = linger_try, .call = &linger_call,
					 .timeo_us = (uint64_t)tp->linger_s * 1000000u };

		nm_tcp_shutdown(tp, false, true);
		(void)nm_sock_block(&op);	/* close succeeds whatever the wait says */
	}
	nm_sock_free(so);
	nm_tcp_close(tp);
	return 0;
}

/* ---- names and flags ------------------------------------------------------------ */

int nm_getsockname(int sd, struct sockaddr *addr, socklen_t *len)
{
	NM_API_CALL();
	GET_SOCK();
	struct nm_tcp_sock *tp = so->tcp;

	return addr_to_sa(tp, &tp->laddr, tp->lport, addr, len);
}

int nm_getpeername(int sd, struct sockaddr *addr, socklen_t *len)
{
	NM_API_CALL();
	GET_SOCK();
	struct nm_tcp_sock *tp = so->tcp;

	if (tp->state < NM_TCP_SYN_RECEIVED || tp->state == NM_TCP_LISTEN || !tp->rport)
		return nm_err(ENOTCONN, "not connected");
	return addr_to_sa(tp, &tp->raddr, tp->rport, addr, len);
}

int nm_fcntl(int sd, int cmd, int arg)
{
	NM_API_CALL();
	GET_SOCK();

	switch (cmd) {
	case F_GETFL:
		return O_RDWR | (so->nonblock ? O_NONBLOCK : 0);
	case F_SETFL:
		so->nonblock = (arg & O_NONBLOCK) != 0;
		return 0;
	default:
		return nm_err(EINVAL, "command %d (F_GETFL, F_SETFL only)", cmd);
	}
}

int nm_poll(struct nm_stack *st, struct pollfd *fds, nfds_t n, int timeout_ms)
{
	NM_API_CALL();
	uint64_t dl = timeout_ms > 0 ? nm_now_us() + (uint64_t)timeout_ms * 1000u : 0;

	if (!st)
		return nm_err(EINVAL, "NULL stack");
	if (n && !fds)
		return nm_err(EFAULT, "NULL pollfd array");
	if (n > NM_SOCK_MAX)
		return nm_err(EINVAL, "%lu entries", (unsigned long)n);
	for (bool first = true;; first = false) {
		int cnt = 0, r, ms = 10;
		uint64_t now;

		/* The stack only moves inside calls: run it once before looking,
		 * or a caller polling for POLLOUT would starve it. */
		if (first) {
			r = nm_stack_poll(st, 0);
			if (r < 0)
				return r;
		}
		for (nfds_t i = 0; i < n; i++) {
			struct nm_socket *so;

			fds[i].revents = 0;
			if (fds[i].fd < 0)
				continue;
			if (!(so = nm_sock_lookup(fds[i].fd))) {
				fds[i].revents = POLLNVAL;
				cnt++;
				continue;
			}
			fds[i].revents = (short)(nm_tcp_poll_events(so->tcp) &
						 (fds[i].events | POLLERR | POLLHUP));
			if (fds[i].revents)
				cnt++;
		}
		if (cnt || timeout_ms == 0)
			return cnt;
		now = nm_now_us();
		if (timeout_ms > 0) {
			if (now >= dl)
				return 0;
			if (dl - now < 10000)
				ms = (int)((dl - now + 999) / 1000);
		}
		r = nm_stack_poll(st, ms);
		if (r < 0)
			return r;
	}
}
