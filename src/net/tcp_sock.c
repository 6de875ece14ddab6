/* SPDX-License-Identifier: MIT */
/*
 * TCP's socket-facing operations, called by sock/socket.c: connect,
 * listen, accept, send (into the DMA-mapped send ring), recv (copying out
 * of readable frags, freeing skbs as they are consumed), shutdown, close
 * (FIN, or RST when unread data would be lost, like Linux) and readiness.
 * None of these block: the socket layer runs the stack loop and retries.
 */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "net/tcp.h"
#include "net/tcp_zc.h"
#include "nic/netdev_drv.h"
#include "util/err.h"


static uint8_t wscale_for(uint32_t rcvbuf)
{
	uint8_t s = 7;

	while (s < 14 && ((uint64_t)65535 << s) < rcvbuf)
		s++;
	return s;
}

int nm_tcp_connect(struct nm_tcp_sock *tp, const struct nm_addr *dst, uint16_t dport)
{
	struct nm_stack *st = tp->st;
	struct nm_route rt;
	int ret;

	switch (tp->state) {
	case NM_TCP_CLOSED:
		break;
	case NM_TCP_SYN_SENT:
	case NM_TCP_SYN_RECEIVED:
		return nm_err(EALREADY, "already connecting");
	case NM_TCP_LISTEN:	/* Linux: a listener counts as connected here */
		return nm_err(EISCONN, "socket is listening");
	default:
		return nm_err(EISCONN, "already connected");
	}
	if (tp->iss)
		return nm_err(EISCONN, "socket was connected before");
	ret = nm_route_lookup(st, dst, &rt);
	if (ret)
		return ret;
	tp->raddr = *dst;
	tp->rport = dport;
	if (!tp->in_bhash || nm_tcp_addr_any(&tp->laddr))
		tp->laddr = rt.src;
	if (!tp->lport) {
		ret = nm_tcp_pick_ephemeral(st->tcp, tp);
		if (ret)
			return ret;
	}
	if (nm_tcp_lookup_conn(st->tcp, &tp->laddr, tp->lport, dst, dport))
		return nm_err(EADDRNOTAVAIL, "4-tuple in use");
	ret = nm_tcp_route(tp);
	if (ret)
		return ret;
	tp->rcv_wscale = wscale_for(tp->rcvbuf);
	tp->iss = nm_tcp_isn(st->tcp->isn_key, &tp->laddr, tp->lport, &tp->raddr, tp->rport,
			     nm_now_us());
	if (!tp->iss)
		tp->iss = 1;
	tp->ts_offset = (uint32_t)nm_tcp_siphash(st->tcp->isn_key, &tp->iss, sizeof(tp->iss));
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
	tp->write_seq = tp->iss + 1;
	tp->sbuf_base = tp->write_seq;
	tp->mss = tp->adv_mss;
	tp->cwnd = 10u * tp->mss;
	tp->ssthresh = 0x7fffffff;
	tp->err = 0;
	tp->rtt_start = nm_now_us();
	nm_tcp_set_state(tp, NM_TCP_SYN_SENT);
	nm_tcp_hash_conn(tp);
	nm_tcp_hash_bind(tp);
	nm_tcp_send_syn(tp, false);
	return -EINPROGRESS;
}

int nm_tcp_listen(struct nm_tcp_sock *tp, int backlog)
{
	int ret;

	if (backlog < 1)
		backlog = 1;
	if (backlog > 4096)
		backlog = 4096;
	if (tp->state == NM_TCP_LISTEN) {
		tp->backlog = backlog;
		return 0;
	}
	if (tp->state != NM_TCP_CLOSED || tp->iss)
		return nm_err(EINVAL, "socket is not unconnected (%s)",
			      nm_tcp_state_name(tp->state));
	if (!tp->lport) {
		ret = nm_tcp_pick_ephemeral(tp->st->tcp, tp);
		if (ret)
			return ret;
	}
	ret = nm_tcp_bind_check(tp->st->tcp, tp, &tp->laddr, tp->lport);
	if (ret)
		return ret;
	tp->backlog = backlog;
	nm_tcp_set_state(tp, NM_TCP_LISTEN);
	nm_tcp_hash_bind(tp);
	return 0;
}

struct nm_tcp_sock *nm_tcp_accept_one(struct nm_tcp_sock *lp)
{
	struct nm_tcp_sock *c;

	if (nm_tcp_list_empty(&lp->acq))
		return NULL;
	c = nm_container_of(lp->acq.next, struct nm_tcp_sock, acq_node);
	nm_tcp_list_del(&c->acq_node);
	lp->acq_len--;
	c->in_acq = false;
	c->parent = NULL;
	return c;
}

static bool sendable_state(int s)
{
	return s == NM_TCP_ESTABLISHED || s == NM_TCP_CLOSE_WAIT;
}

int nm_tcp_send_check(struct nm_tcp_sock *tp)
{
	if (tp->err) {
		int e = tp->err;

		tp->err = 0;
		return nm_err_sys(e, "the connection's error (SO_ERROR)");
	}
	if (!tp->st)
		return nm_err(ENOTCONN, "the stack is gone");
	if (tp->wr_shut)
		return nm_err(EPIPE, "shut down for writing");
	if (tp->state == NM_TCP_SYN_SENT || tp->state == NM_TCP_SYN_RECEIVED)
		return -EAGAIN;
	if (!sendable_state(tp->state))	/* Linux: EPIPE, connected or not */
		return nm_err(EPIPE, "not connected (%s)", nm_tcp_state_name(tp->state));
	return 0;
}

ssize_t nm_tcp_send(struct nm_tcp_sock *tp, const struct iovec *iov, int iovcnt, bool more)
{
	size_t total = 0;
	uint32_t n, free_b, done = 0;
	int ret;

	ret = nm_tcp_send_check(tp);
	if (ret)
		return ret;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (total == 0)
		return 0;
	free_b = nm_tcp_sbuf_free(tp);
	if (free_b == 0) {
		nm_tcp_sbuf_wait(tp);
		return -EAGAIN;
	}
	n = total < free_b ? (uint32_t)total : free_b;
	ret = nm_tcp_sbuf_reserve(tp, n);
	if (ret)
		return ret;
	for (int i = 0; i < iovcnt && done < n; i++) {
		const uint8_t *src = iov[i].iov_base;
		uint32_t left = n - done;
		uint32_t take = iov[i].iov_len < left ? (uint32_t)iov[i].iov_len : left;

		while (take) {
			uint32_t off = (tp->write_seq - tp->sbuf_base) & (tp->sbuf_size - 1);
			uint32_t c = tp->sbuf_size - off < take ? tp->sbuf_size - off : take;

			memcpy(tp->sbuf + off, src, c);
			src += c;
			take -= c;
			done += c;
			tp->write_seq += c;
		}
	}
	tp->st->stats.payload_copies++;
	tp->st->stats.payload_copy_bytes += n;
	if (!more || tp->write_seq - tp->snd_nxt >= tp->mss)
		nm_tcp_push(tp);
	return n;
}

/* After the app read or returned receive memory: open the window if it
 * grew by enough to matter (receiver SWS avoidance, RFC 9293 3.8.6.2.2). */
static void maybe_window_update(struct nm_tcp_sock *tp)
{
	uint32_t cur = seq_gt(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;

	if (!tp->st || tp->fin_rcvd ||
	    (tp->state != NM_TCP_ESTABLISHED && tp->state != NM_TCP_FIN_WAIT_1 &&
	     tp->state != NM_TCP_FIN_WAIT_2))
		return;
	if (cur <= tp->rcvbuf / 2 && nm_tcp_rcv_space(tp) >= cur + 2u * tp->adv_mss)
		nm_tcp_send_ack(tp);
}

void nm_tcp_rcv_space_changed(struct nm_tcp_sock *tp)
{
	maybe_window_update(tp);
}

void nm_tcp_recv_consume(struct nm_tcp_sock *tp, uint32_t n)
{
	uint32_t seq = tp->copied_seq + n;
	struct nm_skb *skb;

	if (!n)
		return;
	while ((skb = tp->rcvq.head) && !seq_lt(seq, nm_tcp_cb(skb)->end_seq)) {
		nm_skb_unlink(&tp->rcvq, skb);
		nm_skb_free(skb);
	}
	tp->copied_seq = seq;
	tp->rcvq_bytes -= n;
	maybe_window_update(tp);
}

/* What a recv finds with nothing queued: EOF (0), the pending error
 * (consumed: a reset's ECONNRESET once, then EOF), ENOTCONN, or -EAGAIN
 * while data may come. */
static ssize_t recv_empty(struct nm_tcp_sock *tp)
{
	if (tp->fin_rcvd || tp->rd_shut)
		return 0;
	if (tp->err) {
		int e = tp->err;

		tp->err = 0;
		return nm_err_sys(e, "the connection's error (SO_ERROR)");
	}
	if (tp->reset)		/* reported once (tp->err); then the end, as Linux */
		return 0;
	if (tp->state == NM_TCP_CLOSED || tp->state == NM_TCP_LISTEN || !tp->st) {
		if (tp->iss && tp->state == NM_TCP_CLOSED)
			return 0;
		return nm_err(ENOTCONN, "not connected");
	}
	return -EAGAIN;
}

/* A recv copied bytes up to seq: count them and, unless it peeked,
 * consume them (the skbs are already freed) and open the window. */
static void recv_copied(struct nm_tcp_sock *tp, uint32_t seq, uint32_t copied, bool peek)
{
	if (tp->st) {
		tp->st->stats.payload_copies++;
		tp->st->stats.payload_copy_bytes += copied;
	}
	if (peek)
		return;
	tp->copied_seq = seq;
	tp->rcvq_bytes -= copied;
	maybe_window_update(tp);
	/* payload the wire lent is free now: give it back before the sender's
	 * next frame, which then finds the wire's buffer where it left it,
	 * still in the cache */
	if (tp->ifc && tp->ifc->nd)
		nm_netdev_rx_reclaim(tp->ifc->nd);
}

ssize_t nm_tcp_recv(struct nm_tcp_sock *tp, struct iovec *iov, int iovcnt, bool peek,
		    bool waitall_partial)
{
	uint32_t seq = tp->copied_seq, copied = 0;
	struct nm_skb *skb = tp->rcvq.head;
	int vi = 0;
	size_t voff = 0;

	(void)waitall_partial;
	if (tp->rcvq_bytes == 0)
		return recv_empty(tp);
	while (skb && vi < iovcnt) {
		struct nm_tcp_cb *cb = nm_tcp_cb(skb);
		struct nm_skb *next = skb->next;
		uint32_t off, avail, n;

		if (!seq_lt(seq, cb->end_seq)) {
			skb = next;
			continue;
		}
		if (skb->unreadable) {
			if (copied)
				break;
			return nm_err(EFAULT, "payload is in device memory "
					      "(needs MSG_SOCK_DEVMEM)");
		}
		off = seq - cb->seq + cb->doff;
		avail = cb->end_seq - seq;
		n = iov[vi].iov_len - voff < avail ? (uint32_t)(iov[vi].iov_len - voff) : avail;
		if (n && nm_skb_copy_bits(skb, off, (uint8_t *)iov[vi].iov_base + voff, n)) {
			if (copied)
				break;
			return nm_err(EFAULT, "payload not readable");
		}
		seq += n;
		copied += n;
		voff += n;
		if (voff == iov[vi].iov_len) {
			vi++;
			voff = 0;
		}
		if (!seq_lt(seq, cb->end_seq)) {
			if (!peek) {
				nm_skb_unlink(&tp->rcvq, skb);
				nm_skb_free(skb);
			}
			skb = next;
		}
	}
	if (copied)
		recv_copied(tp, seq, copied, peek);
	return copied;
}

int nm_tcp_shutdown(struct nm_tcp_sock *tp, bool rd, bool wr)
{
	switch (tp->state) {
	case NM_TCP_LISTEN:
		/* Linux: a listener's sending side changes nothing; shutting
		 * its receiving side stops it listening (still bound: it may
		 * listen again) */
		if (rd) {
			nm_tcp_drop_children(tp);
			nm_tcp_set_state(tp, NM_TCP_CLOSED);
		}
		return 0;
	case NM_TCP_CLOSED:
	case NM_TCP_SYN_SENT:
		return nm_err(ENOTCONN, "not connected");
	case NM_TCP_TIME_WAIT:
		/* Linux's socket is CLOSE once its timewait twin took over */
		return nm_err(ENOTCONN, "not connected (TIME_WAIT)");
	default:
		break;
	}
	if (rd)
		tp->rd_shut = true;
	if (wr && !tp->wr_shut) {
		tp->wr_shut = true;
		if (tp->state == NM_TCP_ESTABLISHED || tp->state == NM_TCP_SYN_RECEIVED ||
		    tp->state == NM_TCP_CLOSE_WAIT) {
			tp->fin_queued = true;
			nm_tcp_set_state(tp, tp->state == NM_TCP_CLOSE_WAIT ? NM_TCP_LAST_ACK
									     : NM_TCP_FIN_WAIT_1);
			nm_tcp_push(tp);
		}
	}
	return 0;
}

void nm_tcp_close(struct nm_tcp_sock *tp)
{
	tp->sock = NULL;
	tp->orphan = true;
	if (!tp->st) {
		nm_tcp_sock_destroy(tp);
		return;
	}
	switch (tp->state) {
	case NM_TCP_CLOSED:
	case NM_TCP_LISTEN:
	case NM_TCP_SYN_SENT:
		nm_tcp_sock_destroy(tp);
		return;
	case NM_TCP_TIME_WAIT:
		return;		/* the timer frees it */
	default:
		break;
	}
	if (tp->rcvq_bytes || (tp->linger_on && tp->linger_s == 0)) {
		/* unread data (or SO_LINGER 0): abort like Linux */
		nm_tcp_send_rst_conn(tp);
		nm_tcp_abort(tp, ECONNRESET);
		return;
	}
	if (!tp->wr_shut) {
		tp->wr_shut = true;
		tp->fin_queued = true;
		nm_tcp_set_state(tp, tp->state == NM_TCP_CLOSE_WAIT ? NM_TCP_LAST_ACK
								     : NM_TCP_FIN_WAIT_1);
		nm_tcp_push(tp);
	} else if (tp->state == NM_TCP_FIN_WAIT_2) {
		nm_timer_mod(tp->st->wheel, &tp->tw_timer, nm_now_us() + 60000000ull);
	}
}

bool nm_tcp_readable(struct nm_tcp_sock *tp)
{
	return tp->rcvq_bytes || tp->fin_rcvd || tp->rd_shut || tp->err || tp->reset ||
	       (tp->state == NM_TCP_CLOSED && tp->iss);
}

short nm_tcp_poll_events(struct nm_tcp_sock *tp)
{
	short ev = 0;

	if (tp->state == NM_TCP_LISTEN)
		return tp->acq_len ? POLLIN : 0;
	if (tp->err || (tp->zc && nm_tcp_zc_errqueue_ready(tp)))
		ev |= POLLERR;
	if (tp->state == NM_TCP_CLOSED) {
		ev |= POLLOUT | POLLHUP;
		if (tp->iss)
			ev |= POLLIN | POLLRDHUP;
		return ev;
	}
	if (tp->state == NM_TCP_SYN_SENT || tp->state == NM_TCP_SYN_RECEIVED)
		return ev;
	if (nm_tcp_readable(tp))
		ev |= POLLIN;
	if (tp->fin_rcvd || tp->rd_shut)
		ev |= POLLRDHUP;
	if (tp->fin_rcvd && tp->wr_shut)
		ev |= POLLHUP;
	if (sendable_state(tp->state) && !tp->wr_shut) {
		if (nm_tcp_sbuf_free(tp) > 0)
			ev |= POLLOUT;
		else
			nm_tcp_sbuf_wait(tp);	/* a poller waits for room */
	}
	if (tp->wr_shut)
		ev |= POLLOUT;	/* a write would not block (it fails) */
	return ev;
}
