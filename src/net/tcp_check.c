/* SPDX-License-Identifier: MIT */
/*
 * The debug checker of a tcb: nm_tcp_check() tests the invariants numbered
 * at the top of tcp_input.c and names the first one broken, as SQLite's
 * assert_pager_state() does for the pager.  It runs after every pass of
 * the loop: in the tests' pump (tests/tcp_util.h t_pump()), and in the
 * sanitizer build at the end of every pass whoever runs it (stack.c: a
 * thread of its own, a blocking call, a kernel peer's test).  t_tcp_check
 * breaks each invariant on purpose and sees it caught.
 *
 * It reads the tcb only, walking its queues, scoreboard and listener lists:
 * O(segments queued).  Caller must own the tcb (its stack thread).
 */
#include <stdio.h>
#include <stdlib.h>

#include "net/tcp.h"
#include "net/tcp_sring.h"
#include "net/tcp_zc.h"
#include "util/err.h"

#define BROKEN(tp, n, what, fmt, ...)                                                   \
	nm_err(EUCLEAN, "%s :%u -> :%u: invariant %d (" what ") broken: " fmt, \
	       nm_tcp_state_name((tp)->state), (tp)->lport, (tp)->rport, n, __VA_ARGS__)

static bool synchronizing_or_later(const struct nm_tcp_sock *tp)
{
	return tp->state != NM_TCP_CLOSED && tp->state != NM_TCP_LISTEN;
}

/* 1: the state, and what a tcb whose stack is gone keeps. */
static int check_state(const struct nm_tcp_sock *tp)
{
	if (tp->state < NM_TCP_CLOSED || tp->state > NM_TCP_TIME_WAIT)
		return BROKEN(tp, 1, "a known state", "state %d", tp->state);
	if (!tp->st && (tp->state != NM_TCP_CLOSED || tp->rcvq.head || tp->ooo.head ||
			tp->sbuf_size || tp->in_ehash || tp->in_bhash))
		return BROKEN(tp, 1, "stack gone: CLOSED and empty",
			      "queues %d/%d, ring %u, hashed %d/%d", !!tp->rcvq.head,
			      !!tp->ooo.head, tp->sbuf_size, tp->in_ehash, tp->in_bhash);
	return 0;
}

/* 2: the hashes. */
static int check_hash(const struct nm_tcp_sock *tp)
{
	if (tp->in_ehash != synchronizing_or_later(tp))
		return BROKEN(tp, 2, "in the 4-tuple hash iff past LISTEN", "in_ehash %d",
			      tp->in_ehash);
	if (tp->state == NM_TCP_LISTEN && !tp->in_bhash)
		return BROKEN(tp, 2, "a listener is in the port hash", "%s", "not hashed");
	if (tp->in_bhash && !tp->lport)
		return BROKEN(tp, 2, "in the port hash with a port", "%s", "port 0");
	return 0;
}

/* 3: the send sequence space. */
static int check_snd(const struct nm_tcp_sock *tp)
{
	uint32_t fin = tp->fin_queued ? 1 : 0;

	if (!seq_le(tp->snd_una, tp->snd_nxt) || !seq_le(tp->snd_nxt, tp->snd_max) ||
	    !seq_le(tp->snd_max, tp->write_seq + fin))
		return BROKEN(tp, 3, "snd_una <= snd_nxt <= snd_max <= write_seq + FIN",
			      "%u %u %u %u + %u", tp->snd_una, tp->snd_nxt, tp->snd_max,
			      tp->write_seq, fin);
	if (tp->snd_wscale > 14 || tp->snd_wnd > (65535u << tp->snd_wscale))
		return BROKEN(tp, 3, "snd_wnd <= 65535 << snd_wscale <= 14", "%u, scale %u",
			      tp->snd_wnd, tp->snd_wscale);
	if (tp->mss < 64)
		return BROKEN(tp, 3, "mss >= 64", "mss %u", tp->mss);
	return 0;
}

/* 4: the receive sequence space. */
static int check_rcv(const struct nm_tcp_sock *tp)
{
	uint32_t fin = tp->fin_rcvd ? 1 : 0;

	if (!seq_le(tp->copied_seq, tp->rcv_nxt) || !seq_le(tp->rcv_wup, tp->rcv_nxt) ||
	    !seq_le(tp->rcv_nxt, tp->rcv_adv + fin))
		return BROKEN(tp, 4, "copied_seq, rcv_wup <= rcv_nxt <= rcv_adv + FIN",
			      "%u, %u, %u, %u + %u", tp->copied_seq, tp->rcv_wup, tp->rcv_nxt,
			      tp->rcv_adv, fin);
	if (tp->rcv_wscale > 14 ||
	    (seq_gt(tp->rcv_adv, tp->rcv_nxt) &&
	     tp->rcv_adv - tp->rcv_nxt > (65535u << tp->rcv_wscale)))
		return BROKEN(tp, 4, "rcv_adv - rcv_nxt <= 65535 << rcv_wscale <= 14",
			      "%u, scale %u", tp->rcv_adv - tp->rcv_nxt, tp->rcv_wscale);
	return 0;
}

/* 5: the receive queue. */
static int check_rcvq(const struct nm_tcp_sock *tp)
{
	uint32_t end = tp->rcv_nxt - (tp->fin_rcvd ? 1 : 0), at = tp->copied_seq;
	const struct nm_skb *skb = tp->rcvq.head;

	if (!tp->st)
		return 0;	/* purged with the stack (1) */
	if (tp->rcvq_bytes != (uint32_t)(end - tp->copied_seq))
		return BROKEN(tp, 5, "rcvq_bytes == rcv_nxt - FIN - copied_seq",
			      "%llu != %u - %u - %u", (unsigned long long)tp->rcvq_bytes,
			      tp->rcv_nxt, tp->fin_rcvd ? 1 : 0, tp->copied_seq);
	if (skb && !(seq_le(nm_tcp_cb((struct nm_skb *)skb)->start, at) &&
		     seq_lt(at, nm_tcp_cb((struct nm_skb *)skb)->end_seq)))
		return BROKEN(tp, 5, "the first queued segment holds copied_seq", "%u", at);
	for (; skb; skb = skb->next) {
		const struct nm_tcp_cb *cb = nm_tcp_cb((struct nm_skb *)skb);

		if (!seq_lt(cb->start, cb->end_seq) || !seq_le(cb->seq, cb->start))
			return BROKEN(tp, 5, "queued segments are not empty, start in their data",
				      "[%u, %u) from %u",
				      cb->start, cb->end_seq, cb->seq);
		if (skb != tp->rcvq.head && cb->start != at)
			return BROKEN(tp, 5, "queued segments follow each other",
				      "[%u, %u) after %u", cb->start, cb->end_seq, at);
		at = cb->end_seq;
	}
	if (tp->rcvq.head && at != end)
		return BROKEN(tp, 5, "the queue ends at rcv_nxt - FIN", "%u != %u", at, end);
	return 0;
}

/* 6: the out-of-order queue. */
static int check_ooo(const struct nm_tcp_sock *tp)
{
	uint64_t bytes = 0;
	uint32_t prev_end = 0;

	for (const struct nm_skb *skb = tp->ooo.head; skb; skb = skb->next) {
		const struct nm_tcp_cb *cb = nm_tcp_cb((struct nm_skb *)skb);

		if (!seq_lt(cb->start, cb->end_seq) || !seq_le(cb->seq, cb->start))
			return BROKEN(tp, 6, "OOO segments are not empty, start in their data",
				      "[%u, %u) from %u",
				      cb->start, cb->end_seq, cb->seq);
		if (skb != tp->ooo.head && seq_lt(cb->start, prev_end))
			return BROKEN(tp, 6, "OOO segments are sorted and disjoint",
				      "[%u, %u) after one ending at %u", cb->start, cb->end_seq,
				      prev_end);
		if (tp->fin_rcvd)
			return BROKEN(tp, 6, "no OOO segment once the FIN is in", "[%u, %u)",
				      cb->start, cb->end_seq);
		if (!seq_gt(cb->start, tp->rcv_nxt))
			return BROKEN(tp, 6, "OOO segments lie above rcv_nxt",
				      "[%u, %u), rcv_nxt %u", cb->start, cb->end_seq, tp->rcv_nxt);
		bytes += cb->end_seq - cb->start;
		prev_end = cb->end_seq;
	}
	if (bytes != tp->ooo_bytes)
		return BROKEN(tp, 6, "ooo_bytes is their sum", "%llu != %llu",
			      (unsigned long long)tp->ooo_bytes, (unsigned long long)bytes);
	return 0;
}

/* 7: the SACK scoreboard. */
static int check_score(const struct nm_tcp_sock *tp)
{
	uint32_t sum = 0;

	if (tp->nr_score < 0 || tp->nr_score > NM_TCP_SCORE_MAX)
		return BROKEN(tp, 7, "nr_score <= NM_TCP_SCORE_MAX", "%d", tp->nr_score);
	for (int i = 0; i < tp->nr_score; i++) {
		const struct nm_tcp_sack_range *r = &tp->score[i];

		if (!seq_lt(r->start, r->end) || seq_lt(r->start, tp->snd_una) ||
		    seq_gt(r->end, tp->snd_max))
			return BROKEN(tp, 7, "SACKed ranges lie in [snd_una, snd_max]",
				      "[%u, %u), snd_una %u snd_max %u", r->start, r->end,
				      tp->snd_una, tp->snd_max);
		if (i && !seq_gt(r->start, tp->score[i - 1].end))
			return BROKEN(tp, 7, "SACKed ranges are sorted and apart",
				      "[%u, %u) after one ending at %u", r->start, r->end,
				      tp->score[i - 1].end);
		sum += r->end - r->start;
	}
	if (sum != tp->sacked_bytes)
		return BROKEN(tp, 7, "sacked_bytes is their sum", "%u != %u", tp->sacked_bytes,
			      sum);
	if (tp->nr_score && tp->high_sacked != tp->score[tp->nr_score - 1].end)
		return BROKEN(tp, 7, "high_sacked ends the last range", "%u != %u", tp->high_sacked,
			      tp->score[tp->nr_score - 1].end);
	return 0;
}

/* 8: the send ring holds what is not acknowledged. */
static int check_sbuf(const struct nm_tcp_sock *tp)
{
	uint32_t used = tp->write_seq - seq_min(tp->snd_una, tp->write_seq);

	if (!tp->st)
		return 0;	/* released with the stack (1) */
	if (used && tp->snd_una == tp->iss)
		used--;		/* the SYN takes a sequence number, not a byte */
	if (tp->sbuf_size & (tp->sbuf_size - 1))
		return BROKEN(tp, 8, "the send ring's size is a power of two", "%u", tp->sbuf_size);
	if (used > tp->sbuf_size)
		return BROKEN(tp, 8, "the send ring holds the unacknowledged bytes", "%u > %u",
			      used, tp->sbuf_size);
	if (!tp->sring != !tp->sbuf_size || (tp->sring && tp->sring->tp != tp))
		return BROKEN(tp, 8, "the ring's memory is the tcb's", "ring %p of %u bytes",
			      (void *)tp->sring, tp->sbuf_size);
	if (tp->sring && nm_tcp_sring_check(tp->sring)) {
		char why[160];	/* the message is rewritten below */

		snprintf(why, sizeof(why), "%s", nm_last_error());
		return BROKEN(tp, 8, "the ring's memory is counted right", "%s", why);
	}
	return 0;
}

/* 9: a loss episode's end point lies ahead. */
static int check_recovery(const struct nm_tcp_sock *tp)
{
	if (tp->in_recovery &&
	    !(seq_lt(tp->snd_una, tp->recover) && seq_le(tp->recover, tp->snd_max)))
		return BROKEN(tp, 9, "in recovery: snd_una < recover <= snd_max", "%u %u %u",
			      tp->snd_una, tp->recover, tp->snd_max);
	if (tp->in_loss &&
	    !(seq_lt(tp->snd_una, tp->loss_recover) && seq_le(tp->loss_recover, tp->snd_max)))
		return BROKEN(tp, 9, "after an RTO: snd_una < loss_recover <= snd_max", "%u %u %u",
			      tp->snd_una, tp->loss_recover, tp->snd_max);
	return 0;
}

/* 10: the timers each state arms. */
static int check_timers(const struct nm_tcp_sock *tp)
{
	bool rtx = nm_timer_pending(&tp->rtx_timer), persist = nm_timer_pending(&tp->persist_timer);
	bool ka = nm_timer_pending(&tp->ka_timer), tw = nm_timer_pending(&tp->tw_timer);
	bool delack = nm_timer_pending(&tp->delack_timer);

	if (!tp->st)
		return 0;
	if (!synchronizing_or_later(tp) && (rtx || persist || ka || tw || delack))
		return BROKEN(tp, 10, "CLOSED and LISTEN arm no timer",
			      "rtx %d persist %d ka %d tw %d delack %d", rtx, persist, ka, tw,
			      delack);
	if (tp->state == NM_TCP_TIME_WAIT && (!tw || rtx || persist || ka))
		return BROKEN(tp, 10, "TIME_WAIT arms its timer, no rtx, persist or keepalive",
			      "tw %d rtx %d persist %d ka %d", tw, rtx, persist, ka);
	if (tp->state != NM_TCP_TIME_WAIT && synchronizing_or_later(tp) &&
	    tp->snd_una != tp->snd_max && !rtx)
		return BROKEN(tp, 10, "data in flight arms the retransmission timer",
			      "%u bytes", tp->snd_max - tp->snd_una);
	if (ka && !tp->keepalive)
		return BROKEN(tp, 10, "keepalive armed only with SO_KEEPALIVE", "%s", "armed");
	return 0;
}

/* 11: a listener's children. */
static int check_children(const struct nm_tcp_sock *tp)
{
	int acq = 0, syn = 0;

	for (const struct nm_tcp_list *l = tp->acq.next; l != &tp->acq; l = l->next) {
		const struct nm_tcp_sock *c = nm_container_of(l, struct nm_tcp_sock, acq_node);

		if (c->parent != tp || !c->in_acq)
			return BROKEN(tp, 11, "children on acq name their listener", "%s", "stray");
		acq++;
	}
	for (const struct nm_tcp_list *l = tp->synq.next; l != &tp->synq; l = l->next) {
		const struct nm_tcp_sock *c = nm_container_of(l, struct nm_tcp_sock, acq_node);

		if (c->parent != tp || c->in_acq || c->state != NM_TCP_SYN_RECEIVED)
			return BROKEN(tp, 11, "children on synq are embryonic", "%s",
				      nm_tcp_state_name(c->state));
		syn++;
	}
	if (acq != tp->acq_len || syn != tp->syn_len)
		return BROKEN(tp, 11, "acq_len and syn_len count them",
			      "%d/%d listed, %d/%d counted", acq, syn, tp->acq_len, tp->syn_len);
	if ((acq || syn) && tp->state != NM_TCP_LISTEN)
		return BROKEN(tp, 11, "only a listener has children", "%d", acq + syn);
	return 0;
}

int nm_tcp_check(struct nm_tcp_sock *tp)
{
	int (*const checks[])(const struct nm_tcp_sock *) = {
		check_state, check_hash, check_snd, check_rcv, check_rcvq, check_ooo,
		check_score, check_sbuf, check_recovery, check_timers, check_children,
	};

	if (!tp)
		return nm_err(EINVAL, "NULL tcb");
	for (size_t i = 0; i < NM_ARRAY_SIZE(checks); i++) {
		int ret = checks[i](tp);

		if (ret)
			return ret;
	}
	return nm_tcp_zc_check(tp);	/* 12: tcp_zc.c's own */
}

int nm_tcp_check_stack(struct nm_stack *st)
{
	if (!st || !st->tcp)
		return 0;
	for (struct nm_tcp_list *l = st->tcp->all.next; l != &st->tcp->all; l = l->next) {
		int ret = nm_tcp_check(nm_container_of(l, struct nm_tcp_sock, all));

		if (ret)
			return ret;
	}
	return 0;
}

void nm_tcp_check_stack_or_abort(struct nm_stack *st)
{
	if (nm_tcp_check_stack(st) < 0) {
		fprintf(stderr, "netmem: %s\n", nm_last_error());
		abort();
	}
}
