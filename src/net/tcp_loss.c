/* SPDX-License-Identifier: MIT */
/*
 * TCP loss detection beyond the SACK count, and its undo.
 *
 * RFC 6675 calls a hole lost once DupThresh segments above it are SACKed.
 * That alone fails four ways on a path that reorders or loses the tail of
 * a flight, and a GSO wire makes each worse (one frame carries up to 45
 * segments, so a flight may be one or two frames):
 *
 *  - a flight's last frame lost or held back leaves nothing to SACK: only
 *    the RTO (>= 200 ms) recovers.  A tail loss probe (RFC 8985 7) sends one
 *    segment 2 * SRTT after the last ACK (new data when the windows allow,
 *    else the last segment again), so the receiver's answer exposes the
 *    loss to SACK recovery, or shows there was none;
 *  - one frame arriving one frame late SACKs ~45 segments at once and
 *    starts a spurious recovery that halves cwnd.  Once the path has been
 *    seen to reorder (a SACKed hole filled without a retransmission, or a
 *    recovery undone by DSACKs) a hole gets a reordering window before it
 *    counts as lost, like RACK's reo_wnd (RFC 8985 6.2: min_rtt / 4, grown
 *    by each spurious recovery, at most SRTT); before that the SACK count
 *    decides at once, as in Linux.  A hole with fewer bytes SACKed above it
 *    than the count needs (a probe's answer) is lost after the window too;
 *  - a retransmission lost too waits for the RTO, counted in the pipe
 *    meanwhile.  In a loss episode (recovery, or the go-back-N after an
 *    RTO) every segment sent is logged with its send time, and RACK (RFC
 *    8985 6) marks lost what was sent a reordering window before a segment
 *    that was delivered: a lost retransmission goes again, and what was in
 *    flight when recovery began (above the highest SACK, so counted in the
 *    pipe) counts as lost once a retransmission sent after it arrived;
 *  - a loss response that proves spurious stays: every retransmission of
 *    the episode coming back as a DSACK (RFC 2883) restores cwnd, ssthresh
 *    and the congestion control's state (RFC 3708's DSACK detection, as
 *    Linux's undo), and marks the path as reordering.
 *
 * rtx_timer serves three purposes (tp->rtx_mode): the RTO, the probe
 * timeout (PTO) and the reordering window.  The PTO replaces the RTO while
 * a probe is due; after the probe the RTO is armed again.
 *
 * Invariants:
 *  1. hole_us != 0 only while SACKed bytes sit above snd_una.
 *  2. tlp_out: at most one probe per flight; cleared once the answer to it
 *     is read (nm_tcp_tlp_ack, a DSACK of the probe), by a recovery or by
 *     an RTO.
 *  4. the RACK log holds only the open episode's sends, in send order.
 *  3. undo_retrans counts retransmitted bytes of the open episode not yet
 *     reported back as duplicates; undo happens once, when it reaches 0.
 *
 * Workload: all of this runs only with SACK blocks, DSACKs or a timer; on
 * a clean wire the cost is re-arming rtx_timer per transmit burst.
 */
#include <stdlib.h>
#include <string.h>

#include "net/tcp.h"

/* RFC 8985 7.2: a probe is scheduled in the open state of a SACK
 * connection with an RTT estimate, one per flight. */
static bool tlp_eligible(const struct nm_tcp_sock *tp)
{
	return tp->sack_ok && tp->srtt && !tp->in_recovery && !tp->in_loss && !tp->tlp_out &&
	       tp->backoff == 0 && nm_tcp_can_send_state(tp) && tp->snd_nxt == tp->snd_max;
}

/* PTO = 2 * SRTT plus two timer ticks; a single segment in flight may wait
 * for the peer's delayed ACK first.  Never later than the RTO. */
static uint64_t pto_us(const struct nm_tcp_sock *tp)
{
	uint64_t pto = 2ull * tp->srtt, rto = nm_tcp_backed_off_rto(tp);

	if (nm_tcp_flight(tp) <= tp->mss)
		pto += NM_TCP_DELACK_US;
	else
		pto += 2 * NM_TIMER_TICK_US;
	return pto < rto ? pto : rto;
}

/* The reordering window (RFC 8985 6.2), microseconds. */
static uint32_t reo_wnd_us(const struct nm_tcp_sock *tp)
{
	uint32_t w = (tp->min_rtt / 4) * (tp->reo_mult ? tp->reo_mult : 1);

	if (tp->srtt && w > tp->srtt)
		w = tp->srtt;
	return w;
}

static void arm(struct nm_tcp_sock *tp, uint8_t mode, uint64_t at)
{
	tp->rtx_mode = mode;
	nm_timer_mod(tp->st->wheel, &tp->rtx_timer, at);
}

void nm_tcp_rearm_rtx(struct nm_tcp_sock *tp)
{
	if (!tp->st)
		return;
	if (tp->snd_una == tp->snd_max) {
		nm_timer_del(tp->st->wheel, &tp->rtx_timer);
		tp->rtx_mode = NM_TCP_RTX_RTO;
		return;
	}
	if (tlp_eligible(tp))
		arm(tp, NM_TCP_RTX_TLP, nm_now_us() + pto_us(tp));
	else
		nm_tcp_arm_rto(tp);
}

void nm_tcp_tlp_sent_new(struct nm_tcp_sock *tp)
{
	if (tp->rtx_mode == NM_TCP_RTX_REO && nm_timer_pending(&tp->rtx_timer))
		return;
	if (tlp_eligible(tp))
		arm(tp, NM_TCP_RTX_TLP, nm_now_us() + pto_us(tp));
}

void nm_tcp_tlp_fire(struct nm_tcp_sock *tp)
{
	bool rexmit;

	if (tlp_eligible(tp) && nm_tcp_send_loss_probe(tp, &rexmit) == 0) {
		tp->st->stats.tcp_loss_probes++;
		tp->tlp_out = true;
		tp->tlp_rexmit = rexmit;
		tp->tlp_high = tp->snd_max;
	}
	nm_tcp_arm_rto(tp);
}

/* RFC 8985 7.4: what the answer to a probe says.  A resent probe whose
 * copy was not reported back as a duplicate, with the ACK moving past it,
 * repaired a loss: cwnd is reduced as for one (and restored if the DSACK
 * turns up later).  A pure duplicate ACK at tlp_high means both copies
 * arrived. */
void nm_tcp_tlp_ack(struct nm_tcp_sock *tp, uint32_t ack, bool advanced, bool news)
{
	if (seq_lt(ack, tp->tlp_high))
		return;
	if (!tp->tlp_rexmit) {
		tp->tlp_out = false;
	} else if (seq_gt(ack, tp->tlp_high)) {
		tp->tlp_out = false;
		if (!tp->in_recovery && !tp->in_loss) {
			nm_tcp_undo_begin(tp);
			if (!tp->undo_retrans) {
				/* the probe's DSACK, if late, undoes this */
				tp->undo_marker = tp->tlp_high - tp->mss - 1;
				tp->undo_high = tp->tlp_high;
				tp->undo_retrans = 1;
			}
			tp->ssthresh = tp->cc->ssthresh(tp);
			tp->cwnd = tp->ssthresh;
		}
	} else if (!advanced && !news) {
		tp->tlp_out = false;
	}
}

/* ---- the hole at snd_una ------------------------------------------------------ */

bool nm_tcp_hole_lost(struct nm_tcp_sock *tp)
{
	uint64_t now, wnd;
	bool count;

	if (tp->in_recovery || tp->in_loss || tp->snd_una == tp->snd_max)
		return false;
	/* The byte at snd_una SACKed is no hole: a receiver that has it would
	 * have acknowledged it, so this one is out of step with us (a forged
	 * ACK moved snd_una past what it has).  Resending the SACKed head drew
	 * the same duplicate ACK, whose DSACK undid the recovery, and so on
	 * forever; Linux retransmits only what is lost and not SACKed, and
	 * leaves this to the RTO. */
	if (tp->sack_ok && tp->nr_score && seq_le(tp->score[0].start, tp->snd_una))
		return false;
	count = tp->dupacks >= 3 || (tp->sack_ok && tp->sacked_bytes > 2u * tp->mss);
	if (!tp->sack_ok || !tp->nr_score)
		return count;	/* NewReno: three duplicate ACKs */
	if (count && !tp->reord_seen)
		return true;	/* no reordering seen yet: RFC 6675 as is */
	now = nm_now_us();
	if (!tp->hole_us)
		tp->hole_us = now;
	wnd = reo_wnd_us(tp);
	if (now - tp->hole_us >= wnd)
		return true;
	arm(tp, NM_TCP_RTX_REO, tp->hole_us + wnd);
	return false;
}

void nm_tcp_reo_fire(struct nm_tcp_sock *tp)
{
	if (tp->in_recovery || tp->in_loss) {
		if (nm_tcp_rack_detect(tp))
			nm_tcp_push(tp);
	} else if (nm_tcp_hole_lost(tp)) {
		nm_tcp_enter_recovery(tp);
		nm_tcp_push(tp);
	}
	if (!(tp->rtx_mode == NM_TCP_RTX_REO && nm_timer_pending(&tp->rtx_timer)))
		nm_tcp_rearm_rtx(tp);
}

/* ---- RACK in a loss episode (RFC 8985 6) ------------------------------------------- */

void nm_tcp_rack_reset(struct nm_tcp_sock *tp)
{
	if (tp->rack) {
		tp->rack->n = 0;
		tp->rack->xmit_us = 0;
	}
}

void nm_tcp_rack_sent(struct nm_tcp_sock *tp, uint32_t seq, uint32_t end)
{
	struct nm_tcp_rack *r = tp->rack;

	if (!r) {
		/* without memory only the RTO finds lost retransmissions */
		r = tp->rack = calloc(1, sizeof(*r));
		if (!r)
			return;
	}
	if (r->n == NM_TCP_RACK_MAX) {
		memmove(r->e, r->e + 1, sizeof(r->e[0]) * (NM_TCP_RACK_MAX - 1));
		r->n--;
	}
	r->e[r->n++] = (struct nm_tcp_rack_ent){ .seq = seq, .end = end, .us = nm_now_us() };
}

/* Send [seq, ...) again: the episode's loop resends what is below its
 * mark and not SACKed. */
static void rack_mark_lost(struct nm_tcp_sock *tp, uint32_t seq, uint32_t end)
{
	seq = seq_max(seq, tp->snd_una);
	if (tp->in_recovery) {
		if (seq_lt(seq, tp->high_rxt))
			tp->high_rxt = seq;
		if (seq_gt(end, tp->lost_end))
			tp->lost_end = end;
	} else if (seq_lt(seq, tp->snd_nxt)) {
		tp->snd_nxt = seq;	/* going back N after an RTO */
	}
}

static bool rack_sent_before(const struct nm_tcp_rack *r, const struct nm_tcp_rack_ent *e)
{
	return e->us < r->xmit_us || (e->us == r->xmit_us && seq_lt(e->end, r->xmit_end));
}

bool nm_tcp_rack_detect(struct nm_tcp_sock *tp)
{
	struct nm_tcp_rack *r = tp->rack;
	uint64_t now = nm_now_us(), next = 0, wnd;
	bool lost = false;
	int k = 0;

	if (!r)
		return false;
	/* 1. the latest-sent segment delivered (cumulatively or SACKed), in
	 * whole or part; the wholly delivered leave the log */
	for (int i = 0; i < r->n; i++) {
		struct nm_tcp_rack_ent e = r->e[i];
		uint32_t s = seq_max(e.seq, tp->snd_una);
		uint32_t left = seq_lt(s, e.end) ? nm_tcp_unsacked(tp, s, e.end) : 0;

		if (left < e.end - e.seq && !rack_sent_before(r, &e)) {
			r->xmit_us = e.us;
			r->xmit_end = e.end;
			r->rtt_us = (uint32_t)(now - e.us);
		}
		if (left)
			r->e[k++] = e;
	}
	r->n = k;
	if (!r->xmit_us)
		return false;
	/* 2. still missing and sent a reordering window before it: lost */
	wnd = reo_wnd_us(tp);
	k = 0;
	for (int i = 0; i < r->n; i++) {
		struct nm_tcp_rack_ent e = r->e[i];

		if (rack_sent_before(r, &e)) {
			uint64_t due = e.us + r->rtt_us + wnd;

			if (due <= now) {
				rack_mark_lost(tp, e.seq, e.end);
				lost = true;
				continue;
			}
			if (!next || due < next)
				next = due;
		}
		r->e[k++] = e;
	}
	r->n = k;
	/* what was in flight when recovery began went before every entry: a
	 * retransmission delivered a window later says the unSACKed rest of
	 * it is lost too (else it holds the pipe until the RTO) */
	if (tp->in_recovery && seq_lt(tp->lost_end, tp->recover) && tp->rec_us <= r->xmit_us) {
		uint64_t due = tp->rec_us + r->rtt_us + wnd;

		if (due <= now) {
			tp->lost_end = tp->recover;
			lost = true;
		} else if (!next || due < next) {
			next = due;
		}
	}
	if (next)
		arm(tp, NM_TCP_RTX_REO, next);
	return lost;
}

/* ---- recovery --------------------------------------------------------------------- */

/* Send exactly the segment at snd_una again, whatever the windows say. */
void nm_tcp_rexmit_head(struct nm_tcp_sock *tp)
{
	uint32_t save = tp->snd_nxt, save_cwnd = tp->cwnd;
	int nr = tp->nr_score;
	bool rec = tp->in_recovery;

	/* through the transmit loop with the pipe empty and cwnd one MSS */
	tp->in_recovery = false;
	tp->snd_nxt = tp->snd_una;
	tp->cwnd = nm_tcp_flight(tp) > 0 ? tp->mss : tp->cwnd;
	tp->nr_score = 0;
	nm_tcp_push(tp);
	tp->nr_score = nr;
	tp->in_recovery = rec;
	if (rec && seq_gt(tp->snd_nxt, tp->snd_una))	/* sent outside the episode's view */
		nm_tcp_rack_sent(tp, tp->snd_una, tp->snd_nxt);
	tp->cwnd = save_cwnd;
	if (seq_gt(save, tp->snd_nxt))
		tp->snd_nxt = save;
	tp->high_rxt = seq_max(tp->high_rxt, tp->snd_una + tp->mss);
}

void nm_tcp_enter_recovery(struct nm_tcp_sock *tp)
{
	nm_tcp_undo_begin(tp);
	nm_tcp_rack_reset(tp);
	tp->in_recovery = true;
	tp->recover = tp->snd_max;
	tp->ssthresh = tp->cc->ssthresh(tp);
	tp->cwnd = tp->ssthresh;
	tp->high_rxt = tp->snd_una;
	tp->lost_end = tp->snd_una;
	tp->rec_us = nm_now_us();
	tp->hole_us = 0;
	tp->tlp_out = false;
	tp->st->stats.tcp_fast_retransmits++;
	if (tp->sack_ok && tp->nr_score) {
		/* the first hole goes at once, whatever the pipe says (RFC
		 * 6675 4.3): data above the highest SACK counts as in flight
		 * and may hold the pipe above the reduced cwnd */
		tp->st->stats.tcp_sack_recoveries++;
		nm_tcp_rexmit_head(tp);
	} else {
		nm_tcp_rexmit_head(tp);
		tp->cwnd = tp->ssthresh + 3u * tp->mss;	/* RFC 6582 inflation */
	}
}

/* ---- undo -------------------------------------------------------------------------- */

void nm_tcp_undo_begin(struct nm_tcp_sock *tp)
{
	/* an episode whose retransmissions are still unanswered goes on: undo
	 * then needs every retransmission of both back as duplicates and
	 * restores what was there before the first */
	if (tp->undo_ok && tp->undo_retrans)
		return;
	tp->undo_ok = true;
	tp->undo_marker = tp->snd_una;
	tp->undo_high = tp->snd_una;
	tp->undo_retrans = 0;
	tp->undo_cwnd = tp->cwnd;
	tp->undo_ssthresh = tp->ssthresh;
	memcpy(tp->undo_cc_priv, tp->cc_priv, sizeof(tp->cc_priv));
}

void nm_tcp_undo_rexmit(struct nm_tcp_sock *tp, uint32_t seq, uint32_t end)
{
	if (!tp->undo_ok)
		return;
	tp->undo_retrans += end - seq;
	if (seq_gt(end, tp->undo_high))
		tp->undo_high = end;
}

static void undo(struct nm_tcp_sock *tp)
{
	tp->undo_ok = false;
	memcpy(tp->cc_priv, tp->undo_cc_priv, sizeof(tp->cc_priv));
	if (tp->undo_cwnd > tp->cwnd)
		tp->cwnd = tp->undo_cwnd;
	if (tp->undo_ssthresh > tp->ssthresh)
		tp->ssthresh = tp->undo_ssthresh;
	/* every retransmission was a duplicate: what it repaired had arrived */
	tp->in_recovery = false;
	nm_tcp_rack_reset(tp);
	if (tp->in_loss) {
		tp->in_loss = false;
		tp->snd_nxt = tp->snd_max;	/* stop going back N */
	}
	tp->reord_seen = true;
	if (tp->reo_mult < 16)
		tp->reo_mult++;
	tp->st->stats.tcp_spurious_undos++;
}

void nm_tcp_dsack_rcvd(struct nm_tcp_sock *tp, uint32_t s, uint32_t e)
{
	if (tp->tlp_out && tp->tlp_rexmit && seq_lt(s, tp->tlp_high) &&
	    seq_gt(e, tp->tlp_high - tp->mss))
		tp->tlp_out = false;	/* the probe was a duplicate: nothing was lost */
	if (!tp->undo_ok || !seq_gt(tp->undo_high, tp->undo_marker))
		return;
	/* only what the episode resent counts: a duplicate of the original
	 * may reach past the part that was resent */
	s = seq_max(s, tp->undo_marker);
	e = seq_min(e, tp->undo_high);
	if (!seq_lt(s, e))
		return;
	tp->undo_retrans = e - s >= tp->undo_retrans ? 0 : tp->undo_retrans - (e - s);
	if (!tp->undo_retrans)
		undo(tp);
}

/* ---- the receiver's side: DSACK (RFC 2883) ----------------------------------------- */

void nm_tcp_dsack_set(struct nm_tcp_sock *tp, uint32_t s, uint32_t e)
{
	if (!tp->sack_ok || !seq_lt(s, e))
		return;
	/* one block: extend it with a touching duplicate, else the latest wins */
	if (tp->dsack && seq_le(s, tp->dsack_end) && seq_ge(e, tp->dsack_start)) {
		tp->dsack_start = seq_min(s, tp->dsack_start);
		tp->dsack_end = seq_max(e, tp->dsack_end);
		return;
	}
	tp->dsack = true;
	tp->dsack_start = s;
	tp->dsack_end = e;
}
