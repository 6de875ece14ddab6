/* SPDX-License-Identifier: MIT */
/*
 * devmem TX and MSG_ZEROCOPY at the socket layer: sendmsg() with control
 * messages or MSG_ZEROCOPY, and recvmsg(MSG_ERRQUEUE) for the completions,
 * with the Linux semantics (Documentation/networking/devmem.rst "TX",
 * Documentation/networking/msg_zerocopy.rst; net/ipv4/tcp.c
 * tcp_sendmsg_locked, net/core/sock.c __sock_cmsg_send, net/core/devmem.c
 * net_devmem_get_binding, net/ipv4/ip_sockglue.c ip_recv_error).
 *
 * sendmsg:
 *  - control messages: level SOL_SOCKET, type SCM_DEVMEM_DMABUF with a
 *    u32 binding id and cmsg_len == CMSG_LEN(4).  A malformed header, a
 *    wrong length or another SOL_SOCKET type is -EINVAL (Linux turns every
 *    sock_cmsg_send() error into EINVAL); other levels are skipped, as TCP
 *    in Linux skips them.  The last SCM_DEVMEM_DMABUF wins.
 *  - with a binding id: iov_base is an offset into the dma-buf, not a
 *    pointer.  The socket needs SO_ZEROCOPY and the call MSG_ZEROCOPY
 *    (else -EINVAL); the id must name a live bind-tx binding (-EINVAL for
 *    an unknown id or a bind-rx one) on the netdev the connection routes
 *    through (-ENODEV, net_devmem_get_binding's errno); every range must
 *    lie inside the dma-buf (-EFAULT; checked for all iovecs before a byte
 *    is queued, where Linux may queue a prefix first).  A netdev without
 *    netmem TX or TX checksum offload cannot send device memory: the stack
 *    would have to read it to checksum it (-EOPNOTSUPP).
 *  - MSG_ZEROCOPY without a binding on a SO_ZEROCOPY socket: host memory.
 *    The bytes are copied into the send ring at once and the completion
 *    carries SO_EE_CODE_ZEROCOPY_COPIED, which is what Linux reports when
 *    it had to copy; the buffer may be reused as soon as the call returns.
 *    Without SO_ZEROCOPY, MSG_ZEROCOPY is ignored, as in Linux.
 *  - iov_len above SSIZE_MAX, or a sum above it, is -EINVAL.
 *  - blocking: like send(), waits for send-buffer room (SO_SNDTIMEO),
 *    returns a partial count when interrupted after some bytes.  A call that
 *    queued at least one byte takes the next completion id.
 *
 * recvmsg(MSG_ERRQUEUE): never blocks; -EAGAIN when nothing is queued.
 * Otherwise returns 0 bytes, msg_flags MSG_ERRQUEUE and one control
 * message, SOL_IP/IP_RECVERR (AF_INET) or SOL_IPV6/IPV6_RECVERR
 * (AF_INET6), holding struct sock_extended_err (ee_origin
 * SO_EE_ORIGIN_ZEROCOPY, ee_errno 0, ee_info = first id, ee_data = last id)
 * followed by a zeroed offender address.  A control buffer too small for
 * it gets what fits and MSG_CTRUNC, and the notification is consumed, as
 * with Linux's put_cmsg().
 *
 * Runs on the socket's stack thread.
 */
#include <errno.h>
#include <limits.h>
#include <time.h>		/* before linux/errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include <netmem/devmem.h>
#include <netmem/dmabuf.h>
#include <netmem/netdev.h>

#include "ctl/ctl_internal.h"
#include "net/tcp.h"
#include "net/tcp_zc.h"
#include "pool/memory_provider.h"
#include "sock/sock_internal.h"
#include "util/err.h"

#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY 5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED 1
#endif

#define ZC_SEND_FLAGS	(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_EOR | MSG_ZEROCOPY)
#define ERRQ_FLAGS	(MSG_ERRQUEUE | MSG_DONTWAIT | MSG_NOSIGNAL | MSG_TRUNC | MSG_CMSG_CLOEXEC)

/* ---- sendmsg: arguments ------------------------------------------------------ */

/* The control messages: *has_id and *id of the last SCM_DEVMEM_DMABUF. */
static int parse_cmsgs(const struct msghdr *msg, bool *has_id, uint32_t *id)
{
	const uint8_t *ctl = msg->msg_control;
	size_t len = msg->msg_controllen, off = 0;

	*has_id = false;
	if (!len)
		return 0;
	if (!ctl)
		return nm_err(EFAULT, "NULL msg_control with msg_controllen %zu", len);
	if (len > INT_MAX)
		return nm_err(ENOBUFS, "msg_controllen %zu", len);
	while (len - off >= sizeof(struct cmsghdr)) {
		struct cmsghdr h;

		memcpy(&h, ctl + off, sizeof(h));	/* the buffer may be unaligned */
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > len - off)
			return nm_err(EINVAL, "control message at %zu has cmsg_len %zu "
					      "(%zu bytes left)", off, (size_t)h.cmsg_len, len - off);
		if (h.cmsg_level == SOL_SOCKET) {
			if (h.cmsg_type != SCM_DEVMEM_DMABUF)
				return nm_err(EINVAL, "SOL_SOCKET control message type %d "
						      "not supported (SCM_DEVMEM_DMABUF only)",
					      h.cmsg_type);
			if (h.cmsg_len != CMSG_LEN(sizeof(uint32_t)))
				return nm_err(EINVAL, "SCM_DEVMEM_DMABUF cmsg_len %zu, "
						      "want CMSG_LEN(4) = %zu", (size_t)h.cmsg_len,
					      (size_t)CMSG_LEN(sizeof(uint32_t)));
			memcpy(id, ctl + off + CMSG_LEN(0), sizeof(*id));
			*has_id = true;
		}
		/* other levels: TCP has nothing for them (Linux skips them) */
		off += CMSG_ALIGN(h.cmsg_len);
		if (off > len)
			break;
	}
	return 0;
}

/* The bind-tx binding with this id, usable on tp's route and covering every
 * range; a reference for the caller. */
static int binding_for(struct nm_tcp_sock *tp, uint32_t id, const struct msghdr *msg,
		       struct nm_dmabuf_binding **out)
{
	struct nm_dmabuf_binding *b;
	uint64_t size;
	bool tx = false;
	int ifindex = 0, ret;

	b = nm_ctl_binding_get(id, &tx, &ifindex);
	if (!b)
		return nm_err(EINVAL, "no dma-buf binding with id %u", id);
	if (!tx) {
		ret = nm_err(EINVAL, "binding %u was made by bind-rx, not bind-tx", id);
		goto err_put;
	}
	if (tp->ifc) {
		struct nm_netdev *nd = tp->ifc->nd;
		uint32_t feat = nm_netdev_features(nd);

		if (ifindex != nm_netdev_ifindex(nd)) {
			ret = nm_err(ENODEV, "binding %u is on ifindex %d, the connection "
					     "routes through %s (ifindex %d)", id, ifindex,
				     nm_netdev_name(nd), nm_netdev_ifindex(nd));
			goto err_put;
		}
		if (!(feat & NM_NETIF_F_NETMEM_TX)) {
			ret = nm_err(EOPNOTSUPP, "%s has netmem TX off",
				     nm_netdev_name(nd));
			goto err_put;
		}
		if (tp->sw_csum || !(feat & NM_NETIF_F_HW_CSUM)) {
			ret = nm_err(EOPNOTSUPP, "%s has no TX checksum offload; the stack "
						 "cannot read device memory to checksum it",
				     nm_netdev_name(nd));
			goto err_put;
		}
	}
	size = nm_dmabuf_size(nm_dmabuf_binding_dmabuf(b));
	for (size_t i = 0; i < msg->msg_iovlen; i++) {
		uint64_t off = (uintptr_t)msg->msg_iov[i].iov_base, len = msg->msg_iov[i].iov_len;

		if (len > size || off > size - len) {
			ret = nm_err(EFAULT, "iovec %zu [%llu, +%llu) outside the %llu-byte "
					     "dma-buf of binding %u", i, (unsigned long long)off,
				     (unsigned long long)len, (unsigned long long)size, id);
			goto err_put;
		}
	}
	*out = b;
	return 0;

err_put:
	nm_dmabuf_binding_put(b);
	return ret;
}

/* ---- sendmsg: the loop ------------------------------------------------------------- */

/* Where a partial send left the caller's iovecs. */
struct iov_cursor {
	const struct iovec *iov;
	size_t n, vi, voff;
};

/* Up to max iovecs from the cursor on (empty ones skipped). */
static int cursor_window(const struct iov_cursor *c, struct iovec *win, int max)
{
	int k = 0;

	for (size_t i = c->vi; i < c->n && k < max; i++) {
		size_t skip = i == c->vi ? c->voff : 0;

		if (c->iov[i].iov_len == skip)
			continue;
		/* iov_base may be an offset, so do the arithmetic on integers */
		win[k].iov_base = (void *)((uintptr_t)c->iov[i].iov_base + skip);
		win[k].iov_len = c->iov[i].iov_len - skip;
		k++;
	}
	return k;
}

static void cursor_advance(struct iov_cursor *c, size_t r)
{
	while (r && c->vi < c->n) {
		size_t left = c->iov[c->vi].iov_len - c->voff;

		if (r < left) {
			c->voff += r;
			return;
		}
		r -= left;
		c->vi++;
		c->voff = 0;
	}
}

struct zc_op {
	struct nm_sock_op op;
	struct iov_cursor c;
	struct nm_dmabuf_binding *b;	/* device bytes from it, or NULL: copied */
	size_t total;
	int flags;
};

static const struct nm_sock_call zc_call = NM_SOCK_CALL();

/* Queue what the send ring takes: all the bytes, or as many as a
 * non-blocking call found room for; -EAGAIN to wait for room; -errno. */
static ssize_t zc_try(struct nm_sock_op *op)
{
	struct zc_op *z = nm_container_of(op, struct zc_op, op);
	struct nm_tcp_sock *tp = op->so->tcp;

	while (op->done < z->total) {
		struct iovec win[64];
		int k = cursor_window(&z->c, win, (int)NM_ARRAY_SIZE(win));
		int pending = tp->err;
		ssize_t r = z->b ? nm_tcp_zc_send(tp, z->b, win, k, z->flags & MSG_MORE)
				 : nm_tcp_send(tp, win, k, z->flags & MSG_MORE);

		if (r > 0) {
			op->done += (size_t)r;
			cursor_advance(&z->c, (size_t)r);
			if (op->nonblock)
				break;
			continue;
		}
		if (r != -EAGAIN && r < 0) {
			if (!op->done)
				return r;
			nm_sock_keep_err(tp, pending, r);
			break;
		}
		if (r == 0)
			break;
		return -EAGAIN;
	}
	return (ssize_t)op->done;
}

/*
 * Queue total bytes: from binding b (offsets) or copied (b NULL), waiting
 * for room unless non-blocking.  notify: a zerocopy call, completed on the
 * error queue.  Returns bytes queued or -errno.
 */
static ssize_t send_loop(struct nm_socket *so, const struct msghdr *msg, int flags,
			 struct nm_dmabuf_binding *b, size_t total, bool notify)
{
	struct nm_tcp_sock *tp = so->tcp;
	struct zc_op z = {
		.op = { .so = so, .try_once = zc_try, .call = &zc_call,
			.timeo_us = so->sndtimeo_us,
			.nonblock = so->nonblock || (flags & MSG_DONTWAIT) },
		.c = { msg->msg_iov, msg->msg_iovlen, 0, 0 },
		.b = b, .total = total, .flags = flags,
	};
	ssize_t r;

	if (total == 0) {
		/* nothing to queue, but the socket's state is still reported
		 * (EPIPE after SHUT_WR, a pending SO_ERROR...), as by nm_send() */
		r = nm_tcp_send(tp, NULL, 0, false);
		return r == -EAGAIN ? 0 : r;
	}
	if (notify) {
		r = nm_tcp_zc_may_send(tp, b == NULL);
		if (r)
			return r;
	}
	r = nm_sock_block(&z.op);
	if (notify && r > 0) {
		int ret = nm_tcp_zc_commit(tp, (uint32_t)r, b == NULL, NULL);

		if (ret)
			return ret;
	}
	return r;
}

ssize_t nm_sock_sendmsg_zc(struct nm_socket *so, const struct msghdr *msg, int flags)
{
	struct nm_tcp_sock *tp = so->tcp;
	struct nm_dmabuf_binding *b = NULL;
	bool has_id, zerocopy;
	uint32_t id = 0;
	size_t total;
	ssize_t r;

	if (flags & ~ZC_SEND_FLAGS)
		return nm_err(EOPNOTSUPP, "flags 0x%x not supported",
			      flags & ~ZC_SEND_FLAGS);
	if (!tp->st)
		return nm_err(ENOTCONN, "the stack is gone");
	r = parse_cmsgs(msg, &has_id, &id);
	if (r)
		return r;
	r = nm_sock_check_iov(msg->msg_iov, msg->msg_iovlen, has_id, &total);
	if (r)
		return r;
	zerocopy = (flags & MSG_ZEROCOPY) && so->zerocopy;
	if (!has_id)	/* host memory: copied, with a completion if zerocopy */
		return send_loop(so, msg, flags, NULL, total, zerocopy);
	if (!zerocopy)
		return nm_err(EINVAL, "SCM_DEVMEM_DMABUF needs %s",
			      !(flags & MSG_ZEROCOPY) ? "the MSG_ZEROCOPY flag"
						      : "SO_ZEROCOPY set on the socket");
	r = binding_for(tp, id, msg, &b);
	if (r)
		return r;
	r = send_loop(so, msg, flags, b, total, true);
	nm_dmabuf_binding_put(b);
	return r;
}

/* ---- recvmsg(MSG_ERRQUEUE) ------------------------------------------------------------ */

/* Linux's put_cmsg(): what fits, MSG_CTRUNC when not all of it. */
static void put_cmsg(struct msghdr *msg, int level, int type, const void *data, size_t n,
		     size_t *used)
{
	uint8_t *ctl = msg->msg_control;
	size_t room = ctl ? msg->msg_controllen : 0, len = CMSG_LEN(n);
	struct cmsghdr h;

	*used = 0;
	if (room < sizeof(h)) {
		msg->msg_flags |= MSG_CTRUNC;
		return;
	}
	if (room < len) {
		msg->msg_flags |= MSG_CTRUNC;
		len = room;
	}
	h.cmsg_len = len;
	h.cmsg_level = level;
	h.cmsg_type = type;
	memcpy(ctl, &h, sizeof(h));
	memcpy(ctl + CMSG_LEN(0), data, len - CMSG_LEN(0));
	*used = CMSG_SPACE(n) < room ? CMSG_SPACE(n) : room;
}

ssize_t nm_sock_recv_errqueue(struct nm_socket *so, struct msghdr *msg, int flags)
{
	struct nm_tcp_sock *tp = so->tcp;
	struct nm_tcp_zc_note note;
	struct {
		struct sock_extended_err ee;
		struct sockaddr_in6 offender;	/* zeroed: no offender (large enough for v4) */
	} e;
	size_t used;

	if (flags & ~ERRQ_FLAGS)
		return nm_err(EOPNOTSUPP, "flags 0x%x not supported with MSG_ERRQUEUE",
			      flags & ~ERRQ_FLAGS);
	if (nm_tcp_zc_errqueue_pop(tp, &note))
		return nm_err(EAGAIN, "error queue empty");
	memset(&e, 0, sizeof(e));
	e.ee.ee_errno = 0;
	e.ee.ee_origin = SO_EE_ORIGIN_ZEROCOPY;
	e.ee.ee_code = note.copied ? SO_EE_CODE_ZEROCOPY_COPIED : 0;
	e.ee.ee_info = note.lo;
	e.ee.ee_data = note.hi;
	msg->msg_flags = MSG_ERRQUEUE;
	if (tp->family == AF_INET)
		put_cmsg(msg, SOL_IP, IP_RECVERR, &e,
			 sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in), &used);
	else
		put_cmsg(msg, SOL_IPV6, IPV6_RECVERR, &e, sizeof(e), &used);
	msg->msg_controllen = used;
	msg->msg_namelen = 0;
	return 0;
}
