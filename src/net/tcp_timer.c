/* SPDX-License-Identifier: MIT */
/*
 * TCP timers on the stack's wheel: retransmission (RFC 6298, exponential
 * backoff, SYN retries; the same timer serves tail loss probes and the
 * reordering window, tcp_loss.c), delayed ACK (40 ms), persist
 * (zero-window probes with backoff), keepalive, TIME_WAIT (2 * MSL) and the orphan FIN_WAIT_2
 * timeout (reuses the TIME_WAIT timer).  Every timer lives in the tcb;
 * callbacks find it with container_of.
 */
#include "net/tcp.h"
#include "util/err.h"

static uint64_t now(void)
{
	return nm_now_us();
}

void nm_tcp_rtt_sample(struct nm_tcp_sock *tp, uint32_t rtt)
{
	if (rtt == 0)
		rtt = 1;
	if (!tp->min_rtt || rtt < tp->min_rtt)
		tp->min_rtt = rtt;
	if (!tp->srtt) {
		tp->srtt = rtt;
		tp->rttvar = rtt / 2;
	} else {
		uint32_t d = tp->srtt > rtt ? tp->srtt - rtt : rtt - tp->srtt;

		tp->rttvar = (3 * tp->rttvar + d) / 4;
		tp->srtt = (7 * tp->srtt + rtt) / 8;
	}
	tp->rto = tp->srtt + (4 * tp->rttvar > 1000 ? 4 * tp->rttvar : 1000);
	if (tp->rto < NM_TCP_RTO_MIN_US)
		tp->rto = NM_TCP_RTO_MIN_US;
	if (tp->rto > NM_TCP_RTO_MAX_US)
		tp->rto = NM_TCP_RTO_MAX_US;
}

void nm_tcp_arm_rto(struct nm_tcp_sock *tp)
{
	if (!tp->st)
		return;
	tp->rtx_mode = NM_TCP_RTX_RTO;
	nm_timer_mod(tp->st->wheel, &tp->rtx_timer, now() + nm_tcp_backed_off_rto(tp));
}

/* A first transmission failed locally (the neighbour is still being
 * resolved): nothing is in flight, but the data must go out later. */
void nm_tcp_arm_retry(struct nm_tcp_sock *tp)
{
	if (tp->st && !nm_timer_pending(&tp->rtx_timer))
		nm_tcp_arm_rto(tp);
}

void nm_tcp_arm_delack(struct nm_tcp_sock *tp)
{
	if (tp->st && !nm_timer_pending(&tp->delack_timer))
		nm_timer_mod(tp->st->wheel, &tp->delack_timer, now() + NM_TCP_DELACK_US);
}

void nm_tcp_arm_persist(struct nm_tcp_sock *tp)
{
	uint64_t t = nm_tcp_backed_off_rto(tp)
		     << (tp->persist_backoff > 10 ? 10 : tp->persist_backoff);

	if (t > NM_TCP_RTO_MAX_US)
		t = NM_TCP_RTO_MAX_US;
	if (t < NM_TCP_RTO_MIN_US)
		t = NM_TCP_RTO_MIN_US;
	if (tp->st)
		nm_timer_mod(tp->st->wheel, &tp->persist_timer, now() + t);
}

void nm_tcp_arm_keepalive(struct nm_tcp_sock *tp)
{
	if (!tp->st)
		return;
	if (!tp->keepalive || tp->state != NM_TCP_ESTABLISHED) {
		nm_timer_del(tp->st->wheel, &tp->ka_timer);
		return;
	}
	nm_timer_mod(tp->st->wheel, &tp->ka_timer, now() + (uint64_t)tp->ka_idle_s * 1000000u);
}

void nm_tcp_enter_time_wait(struct nm_tcp_sock *tp)
{
	nm_tcp_set_state(tp, NM_TCP_TIME_WAIT);
	nm_timer_del(tp->st->wheel, &tp->rtx_timer);
	nm_timer_del(tp->st->wheel, &tp->persist_timer);
	nm_timer_del(tp->st->wheel, &tp->ka_timer);
	nm_timer_del(tp->st->wheel, &tp->delack_timer);
	nm_tcp_sbuf_release(tp);
	nm_timer_mod(tp->st->wheel, &tp->tw_timer, now() + 2 * NM_TCP_MSL_US);
}

static void rtx_fire(struct nm_timer *t)
{
	struct nm_tcp_sock *tp = nm_container_of(t, struct nm_tcp_sock, rtx_timer);
	uint8_t mode = tp->rtx_mode;

	tp->rtx_mode = NM_TCP_RTX_RTO;
	if (tp->snd_una == tp->snd_max) {
		/* nothing in flight: the timer was armed because a first
		 * transmission failed locally (no neighbour yet); try again */
		if (tp->write_seq != tp->snd_nxt || tp->fin_queued)
			nm_tcp_push(tp);
		return;
	}
	if (mode == NM_TCP_RTX_TLP) {
		nm_tcp_tlp_fire(tp);
		return;
	}
	if (mode == NM_TCP_RTX_REO) {
		nm_tcp_reo_fire(tp);
		return;
	}
	if (tp->state == NM_TCP_SYN_SENT || tp->state == NM_TCP_SYN_RECEIVED) {
		if (++tp->retries > NM_TCP_SYN_RETRIES) {
			nm_tcp_abort(tp, ETIMEDOUT);
			return;
		}
		tp->backoff++;
		tp->st->stats.tcp_retransmits++;
		tp->st->stats.tcp_rto++;
		nm_tcp_send_syn(tp, tp->state == NM_TCP_SYN_RECEIVED);
		return;
	}
	if (++tp->retries > NM_TCP_RETRIES2) {
		nm_tcp_abort(tp, ETIMEDOUT);
		return;
	}
	tp->st->stats.tcp_rto++;
	if (tp->cc->on_rto)
		tp->cc->on_rto(tp);
	/* only the first timeout of a series is a new loss event: later ones
	 * would take ssthresh down to 2 MSS from the cwnd of one MSS */
	if (tp->backoff == 0) {
		nm_tcp_undo_begin(tp);
		tp->ssthresh = tp->cc->ssthresh(tp);
	}
	tp->cwnd = tp->mss;
	tp->in_recovery = false;
	tp->dupacks = 0;
	tp->tlp_out = false;
	tp->hole_us = 0;
	tp->rtt_timing = false;
	/* go back N from snd_una until everything sent so far is acknowledged,
	 * skipping what the peer SACKed.  A receiver may drop SACKed data
	 * (reneging, RFC 2018 8): a second timeout in a row forgets it. */
	tp->in_loss = true;
	tp->loss_recover = tp->snd_max;
	nm_tcp_rack_reset(tp);
	if (tp->backoff > 0) {
		tp->nr_score = 0;
		tp->sacked_bytes = 0;
		tp->high_sacked = tp->snd_una;
	}
	tp->backoff++;
	nm_tcp_retransmit_head(tp);
	nm_tcp_arm_rto(tp);
}

static void delack_fire(struct nm_timer *t)
{
	struct nm_tcp_sock *tp = nm_container_of(t, struct nm_tcp_sock, delack_timer);

	nm_tcp_send_ack(tp);
}

static void persist_fire(struct nm_timer *t)
{
	struct nm_tcp_sock *tp = nm_container_of(t, struct nm_tcp_sock, persist_timer);

	if (tp->snd_wnd != 0 || !seq_lt(tp->snd_nxt, tp->write_seq) ||
	    tp->snd_una != tp->snd_max) {
		tp->persist_backoff = 0;
		nm_tcp_push(tp);
		return;
	}
	nm_tcp_send_probe(tp);
	tp->persist_backoff++;
	nm_tcp_arm_persist(tp);
}

static void tw_fire(struct nm_timer *t)
{
	struct nm_tcp_sock *tp = nm_container_of(t, struct nm_tcp_sock, tw_timer);

	/* TIME_WAIT over, or an orphan's FIN_WAIT_2 gave up */
	nm_tcp_done(tp);
}

static void ka_fire(struct nm_timer *t)
{
	struct nm_tcp_sock *tp = nm_container_of(t, struct nm_tcp_sock, ka_timer);
	uint64_t idle = now() - tp->last_rcv_us;

	if (!tp->keepalive || tp->state != NM_TCP_ESTABLISHED)
		return;
	if (idle < (uint64_t)tp->ka_idle_s * 1000000u && tp->ka_probes == 0) {
		nm_timer_mod(tp->st->wheel, &tp->ka_timer,
			     tp->last_rcv_us + (uint64_t)tp->ka_idle_s * 1000000u);
		return;
	}
	if (tp->ka_probes >= tp->ka_cnt) {
		nm_tcp_send_rst_conn(tp);
		nm_tcp_abort(tp, ETIMEDOUT);
		return;
	}
	tp->ka_probes++;
	nm_tcp_send_probe(tp);
	nm_timer_mod(tp->st->wheel, &tp->ka_timer, now() + (uint64_t)tp->ka_intvl_s * 1000000u);
}

void nm_tcp_timers_init(struct nm_tcp_sock *tp)
{
	nm_timer_init(&tp->rtx_timer, rtx_fire);
	nm_timer_init(&tp->delack_timer, delack_fire);
	nm_timer_init(&tp->persist_timer, persist_fire);
	nm_timer_init(&tp->tw_timer, tw_fire);
	nm_timer_init(&tp->ka_timer, ka_fire);
}

void nm_tcp_timers_stop(struct nm_tcp_sock *tp)
{
	if (!tp->st || !tp->st->wheel)
		return;
	nm_timer_del(tp->st->wheel, &tp->rtx_timer);
	nm_timer_del(tp->st->wheel, &tp->delack_timer);
	nm_timer_del(tp->st->wheel, &tp->persist_timer);
	nm_timer_del(tp->st->wheel, &tp->tw_timer);
	nm_timer_del(tp->st->wheel, &tp->ka_timer);
}
