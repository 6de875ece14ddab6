/* SPDX-License-Identifier: MIT */
/*
 * The socket walk behind io_uring zero-copy receive (zc_rx.h): like
 * devmem_rx.c's, but readable and unreadable bytes go in one walk (zcrx
 * copies readable bytes into the area, the kernel's copy fallback) and
 * the receiver decides per piece how much it takes.
 *
 * Invariant: copied_seq advances exactly by the bytes the receiver took,
 * so a receiver that runs out of room (CQ full, no area buffer for a
 * copy) loses nothing: the rest stays queued, and the window stays as
 * small as the queue's memory says.
 * Runs on the socket's stack thread.
 */
#include <errno.h>

#include "net/tcp.h"
#include "pool/memory_provider.h"
#include "sock/sock_internal.h"
#include "sock/zc_rx.h"
#include "util/err.h"

struct zc_walk {
	const struct nm_sock_zc_ops *ops;
	void *ctx;
	size_t left;			/* bytes the call may still take */
	int err;			/* the receiver's error */
	bool stop;
};

/* One piece: readable bytes at src (src != NULL) or device frag nm. */
static uint32_t walk_piece(struct zc_walk *w, const void *src, nm_netmem_t nm, uint32_t off,
			   uint32_t n)
{
	ssize_t r;

	if (n > w->left)
		n = (uint32_t)w->left;
	r = src ? w->ops->copy(w->ctx, src, n) : w->ops->frag(w->ctx, nm, off, n);
	if (r < 0) {
		w->err = (int)r;
		w->stop = true;
		return 0;
	}
	if ((uint32_t)r < n)
		w->stop = true;
	w->left -= (size_t)r;
	if (!w->left)
		w->stop = true;
	return (uint32_t)r;
}

/* Bytes of skb from byte off (headers + linear + frags layout) up to avail. */
static uint32_t walk_skb(struct zc_walk *w, const struct nm_skb *skb, uint32_t off,
			 uint32_t avail)
{
	uint32_t done = 0, pos;

	if (off < skb->linear) {
		uint32_t n = skb->linear - off;

		n = n < avail ? n : avail;
		done = walk_piece(w, skb->data + off, 0, 0, n);
		if (w->stop)
			return done;
		off += done;
	}
	pos = skb->linear;
	for (uint16_t i = 0; i < skb->nr_frags && done < avail && !w->stop; i++) {
		const struct nm_skb_frag *f = &skb->frags[i];
		uint32_t fo, n, r;

		if (off >= pos + f->len) {
			pos += f->len;
			continue;
		}
		fo = off - pos;
		n = f->len - fo;
		n = n < avail - done ? n : avail - done;
		if (skb->unreadable)
			r = walk_piece(w, NULL, f->netmem, f->off + fo, n);
		else
			r = walk_piece(w, (const uint8_t *)nm_netmem_address(f->netmem) + f->off + fo,
				       0, 0, n);
		done += r;
		off += r;
		pos += f->len;
	}
	return done;
}

ssize_t nm_sock_recv_zc(struct nm_socket *so, const struct nm_sock_zc_ops *ops, void *ctx,
			size_t max)
{
	struct nm_tcp_sock *tp = so->tcp;
	struct zc_walk w = { .ops = ops, .ctx = ctx, .left = max ? max : SIZE_MAX };
	uint32_t seq = tp->copied_seq, done = 0;

	if (!tp->st)
		return nm_err(ENOTCONN, "the stack is gone");
	for (struct nm_skb *skb = tp->rcvq.head; skb && !w.stop; skb = skb->next) {
		struct nm_tcp_cb *cb = nm_tcp_cb(skb);
		uint32_t r;

		if (!seq_lt(seq, cb->end_seq))
			continue;
		r = walk_skb(&w, skb, seq - cb->seq + cb->doff, cb->end_seq - seq);
		seq += r;
		done += r;
		if (seq_lt(seq, cb->end_seq))
			break;
	}
	if (done) {
		nm_tcp_recv_consume(tp, done);
		return done;
	}
	if (w.err)
		return w.err;
	if (tp->rcvq_bytes)
		return -EAGAIN;		/* the receiver had no room */
	return nm_tcp_recv(tp, NULL, 0, false, false);	/* EOF, error or -EAGAIN */
}

void nm_sock_rcv_space_changed(struct nm_socket *so)
{
	if (so && so->tcp->st)
		nm_tcp_rcv_space_changed(so->tcp);
}
