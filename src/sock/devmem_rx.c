/* SPDX-License-Identifier: MIT */
/*
 * devmem RX at the socket layer: recvmsg(MSG_SOCK_DEVMEM), the per-socket
 * token table and SO_DEVMEM_DONTNEED, with the Linux semantics
 * (Documentation/networking/devmem.rst, net/ipv4/tcp.c tcp_recvmsg_dmabuf).
 *
 * One call reports either readable or unreadable bytes, never both (the
 * kernel's last_copied_dmabuf rule):
 *  - readable skbs at the head are copied into the iov as by a plain
 *    recvmsg, with no control message;
 *  - unreadable skbs produce one SCM_DEVMEM_DMABUF cmsg (struct
 *    dmabuf_cmsg) per device frag, each holding a token (one page-pool
 *    reference) until SO_DEVMEM_DONTNEED or close, and their linear bytes
 *    (payload the NIC left in the host header buffer) are copied into the
 *    iov and reported by one SCM_DEVMEM_LINEAR cmsg each.
 * The iov's total length bounds the bytes one call reports; device bytes
 * are not written to it, so linear bytes pack from the iov's start.
 *
 * A control buffer too small for the next cmsg ends the call there: bytes
 * already reported are returned, and if there are none the call fails with
 * -ETOOSMALL (525, the kernel's errno since put_cmsg_notrunc; no libc name)
 * and consumes nothing.  No cmsg is ever truncated and MSG_CTRUNC is never
 * set.
 *
 * Invariants: a token is handed out only with its cmsg written; bytes are
 * consumed (copied_seq advances) exactly as far as they were reported.
 * Runs on the socket's stack thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <netmem/devmem.h>

#include "net/tcp.h"
#include "pool/memory_provider.h"
#include "pool/page_pool.h"
#include "sock/devmem_tokens.h"
#include "sock/sock_internal.h"
#include "util/err.h"

/* ---- one call's output: the iov for linear bytes, the control buffer ----- */

struct dm_out {
	struct nm_stack *st;		/* whose payload_copies count linear bytes */
	uint8_t *ctl;
	size_t ctl_len, ctl_used;
	const struct iovec *iov;
	size_t iovcnt, vi, voff;
	size_t left;			/* bytes this call may still report */
	size_t done;			/* bytes reported */
	bool ctl_full;
};

/* Room for a cmsg of n data bytes (the last one needs no trailing pad). */
static bool ctl_fits(const struct dm_out *o, size_t n)
{
	return o->ctl_len - o->ctl_used >= CMSG_LEN(n);
}

static void ctl_put(struct dm_out *o, int type, const void *data, size_t n)
{
	struct cmsghdr h = { .cmsg_len = CMSG_LEN(n), .cmsg_level = SOL_SOCKET, .cmsg_type = type };
	size_t space = CMSG_SPACE(n);

	memcpy(o->ctl + o->ctl_used, &h, sizeof(h));
	memcpy(o->ctl + o->ctl_used + CMSG_LEN(0), data, n);
	o->ctl_used += space < o->ctl_len - o->ctl_used ? space : o->ctl_len - o->ctl_used;
}

static void iov_copy(struct dm_out *o, const uint8_t *src, size_t n)
{
	while (n && o->vi < o->iovcnt) {
		const struct iovec *v = &o->iov[o->vi];
		size_t k = v->iov_len - o->voff < n ? v->iov_len - o->voff : n;

		memcpy((uint8_t *)v->iov_base + o->voff, src, k);
		src += k;
		n -= k;
		o->voff += k;
		if (o->voff == v->iov_len) {
			o->vi++;
			o->voff = 0;
		}
	}
}

/* ---- reporting an unreadable skb ------------------------------------------ */

static uint32_t frag_binding_id(nm_netmem_t nm)
{
	const struct nm_net_iov_area *a = nm_netmem_owner(nm);

	if (!a || a->type != NM_NET_IOV_DMABUF || !a->owner)
		return 0;
	return nm_dmabuf_binding_id(a->owner);
}

/* Linear bytes [off, off + n) of skb: copied into the iov, one LINEAR cmsg.
 * Returns bytes reported (0 when the cmsg does not fit). */
static size_t report_linear(struct dm_out *o, const struct nm_skb *skb, uint32_t off, size_t n)
{
	struct dmabuf_cmsg c = { .frag_size = (uint32_t)n };

	if (!ctl_fits(o, sizeof(c))) {
		o->ctl_full = true;
		return 0;
	}
	iov_copy(o, skb->data + off, n);
	ctl_put(o, SCM_DEVMEM_LINEAR, &c, sizeof(c));
	if (o->st) {
		o->st->stats.payload_copies++;
		o->st->stats.payload_copy_bytes += n;
	}
	return n;
}

/* n bytes at fo of device frag f: a token and a DMABUF cmsg.  Returns bytes
 * reported (0: cmsg does not fit) or -errno. */
static ssize_t report_frag(struct dm_out *o, struct nm_token_table *t,
			   const struct nm_skb_frag *f, uint32_t fo, size_t n)
{
	struct dmabuf_cmsg c = { 0 };
	struct nm_net_iov *niov = nm_netmem_to_net_iov(f->netmem);
	uint32_t id = frag_binding_id(f->netmem);
	int ret;

	if (!niov || !id)
		return nm_err(ENODEV, "an unreadable frag is not a dma-buf net_iov");
	if (!ctl_fits(o, sizeof(c))) {
		o->ctl_full = true;
		return 0;
	}
	if (nm_page_pool_ref_netmem(f->netmem) < 0)
		return nm_err(EFAULT, "frag holds no reference");
	ret = nm_tokens_add(t, f->netmem, &c.frag_token);
	if (ret) {
		nm_page_pool_put_netmem(nm_netmem_pool(f->netmem), f->netmem, true);
		return ret;
	}
	c.frag_offset = nm_net_iov_offset(niov) + f->off + fo;
	c.frag_size = (uint32_t)n;
	c.dmabuf_id = id;
	ctl_put(o, SCM_DEVMEM_DMABUF, &c, sizeof(c));
	return (ssize_t)n;
}

/* Report bytes of skb from byte off (in its linear + frag layout) up to
 * avail of them.  Returns bytes reported or -errno. */
static ssize_t report_skb(struct dm_out *o, struct nm_token_table *t, const struct nm_skb *skb,
			  uint32_t off, uint32_t avail)
{
	size_t done = 0;
	uint32_t pos;

	if (off < skb->linear) {
		size_t n = skb->linear - off;

		n = n < avail ? n : avail;
		n = n < o->left ? n : o->left;
		if (report_linear(o, skb, off, n) != n)
			return 0;
		done = n;
		o->left -= n;
		off += (uint32_t)n;
	}
	pos = skb->linear;
	for (uint16_t i = 0; i < skb->nr_frags && done < avail && o->left; i++) {
		const struct nm_skb_frag *f = &skb->frags[i];
		uint32_t fo;
		size_t n;
		ssize_t r;

		if (off >= pos + f->len) {
			pos += f->len;
			continue;
		}
		fo = off - pos;
		n = f->len - fo;
		n = n < avail - done ? n : avail - done;
		n = n < o->left ? n : o->left;
		r = report_frag(o, t, f, fo, n);
		if (r <= 0)
			return done ? (ssize_t)done : r;
		done += (size_t)r;
		o->left -= (size_t)r;
		off += (uint32_t)r;
		pos += f->len;
	}
	return (ssize_t)done;
}

/* One non-blocking attempt over the unreadable skbs at the head. */
static ssize_t recv_unreadable(struct nm_tcp_sock *tp, struct nm_token_table *t,
			       struct dm_out *o)
{
	uint32_t seq = tp->copied_seq;
	ssize_t err = 0;

	for (struct nm_skb *skb = tp->rcvq.head; skb && o->left && !o->ctl_full; skb = skb->next) {
		struct nm_tcp_cb *cb = nm_tcp_cb(skb);
		ssize_t r;

		if (!seq_lt(seq, cb->end_seq))
			continue;
		if (!skb->unreadable)
			break;		/* never mix in one call */
		r = report_skb(o, t, skb, seq - cb->seq + cb->doff, cb->end_seq - seq);
		if (r < 0) {
			err = r;
			break;
		}
		seq += (uint32_t)r;
		o->done += (size_t)r;
		if (seq_lt(seq, cb->end_seq))
			break;		/* iov or control buffer exhausted inside it */
	}
	nm_tcp_recv_consume(tp, (uint32_t)o->done);
	if (o->done)
		return (ssize_t)o->done;
	if (err)
		return err;
	if (o->ctl_full)
		return nm_err(ETOOSMALL, "control buffer (%zu bytes) too small for a "
					 "devmem cmsg (%zu)", o->ctl_len, (size_t)CMSG_LEN(
						 sizeof(struct dmabuf_cmsg)));
	return 0;
}

/* The skb holding copied_seq, NULL if none. */
static struct nm_skb *head_skb(struct nm_tcp_sock *tp)
{
	for (struct nm_skb *skb = tp->rcvq.head; skb; skb = skb->next)
		if (seq_lt(tp->copied_seq, nm_tcp_cb(skb)->end_seq))
			return skb;
	return NULL;
}

static ssize_t recv_once(struct nm_tcp_sock *tp, struct nm_token_table *t, struct dm_out *o,
			 struct iovec *iov, size_t iovcnt)
{
	struct nm_skb *skb;

	if (!tp->rcvq_bytes || !(skb = head_skb(tp)))
		return nm_tcp_recv(tp, iov, 0, false, false);	/* EOF, error or -EAGAIN */
	if (!skb->unreadable)
		return nm_tcp_recv(tp, iov, (int)iovcnt, false, false);
	return recv_unreadable(tp, t, o);
}

struct dm_op {
	struct nm_sock_op op;
	struct dm_out o;
	struct iovec iov_small[64], *iov;
	size_t n;
};

static const struct nm_sock_call dm_call = NM_SOCK_CALL();

static ssize_t dm_try(struct nm_sock_op *op)
{
	struct dm_op *d = nm_container_of(op, struct dm_op, op);

	return recv_once(op->so->tcp, &op->so->tokens, &d->o, d->iov, d->n);
}

ssize_t nm_sock_recvmsg_devmem(struct nm_socket *so, struct msghdr *msg, int flags)
{
	struct dm_op d = {
		.op = { .so = so, .try_once = dm_try, .call = &dm_call,
			.timeo_us = so->rcvtimeo_us,
			.nonblock = so->nonblock || (flags & MSG_DONTWAIT) },
		.n = msg->msg_iovlen,
	};
	ssize_t r;

	if (flags & ~(MSG_SOCK_DEVMEM | MSG_DONTWAIT | MSG_NOSIGNAL))
		return nm_err(EOPNOTSUPP, "flags 0x%x not supported with MSG_SOCK_DEVMEM",
			      flags & ~(MSG_SOCK_DEVMEM | MSG_DONTWAIT | MSG_NOSIGNAL));
	if (msg->msg_controllen && !msg->msg_control)
		return nm_err(EFAULT, "NULL msg_control with msg_controllen %zu",
			      (size_t)msg->msg_controllen);
	/* the receive consumes the iovecs as it fills them: a copy of the
	 * caller's, on the stack up to 64 (the common case), else allocated
	 * (nm_recvmsg checked iovlen <= IOV_MAX) */
	d.iov = d.n <= NM_ARRAY_SIZE(d.iov_small) ? d.iov_small : malloc(d.n * sizeof(*d.iov));
	if (!d.iov)
		return nm_err(ENOMEM, "no memory for %zu iovecs", d.n);
	if (d.n)
		memcpy(d.iov, msg->msg_iov, d.n * sizeof(*d.iov));
	for (size_t i = 0; i < d.n; i++)
		d.o.left += d.iov[i].iov_len;
	r = 0;
	if (d.o.left) {
		d.o.st = so->tcp->st;
		d.o.ctl = msg->msg_control;
		d.o.ctl_len = msg->msg_controllen;
		d.o.iov = d.iov;
		d.o.iovcnt = d.n;
		r = nm_sock_block(&d.op);
		if (r >= 0) {
			msg->msg_controllen = d.o.ctl_used;
			msg->msg_flags = 0;
		}
	}
	if (d.iov != d.iov_small)
		free(d.iov);
	return r;
}

/* ---- token return ---------------------------------------------------------- */

int nm_sock_devmem_dontneed(struct nm_socket *so, const void *val, socklen_t len)
{
	int r = nm_tokens_dontneed(&so->tokens, val, len);

	if (r > 0 && so->tcp->st)
		nm_tcp_rcv_space_changed(so->tcp);
	return r;
}
