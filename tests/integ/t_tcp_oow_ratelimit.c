/* SPDX-License-Identifier: MIT */
/*
 * Replies to segments a connection cannot accept, and their limits
 * (src/net/tcp_oow.c), state by state, with Linux's counters:
 *  - out-of-window pure ACKs: one duplicate ACK per tcp_invalid_ratelimit
 *    (500 ms), the rest counted in tcp_ack_skipped_seq; segments with
 *    data are always answered; the next window answers again;
 *  - ACKs of unsent data and too-old ACKs: challenge ACKs under the same
 *    limit (tcp_ack_skipped_challenge);
 *  - PAWS failures: tcp_ack_skipped_paws; an old pure ACK gets no answer;
 *  - a repeated SYN in SYN_RECEIVED: one SYN-ACK (tcp_ack_skipped_synrecv);
 *    a new SYN in its window: a RST, the embryonic child gone, the
 *    listener kept (Linux's request sock);
 *  - a SYN in an orphaned FIN_WAIT_2's window: a RST and the tcb gone
 *    (Linux's timewait sock in FIN_WAIT2);
 *  - an orphan's FIN_WAIT_2: tcp_ack_skipped_finwait2, ACKs of unsent data
 *    ignored;
 *  - TIME_WAIT: tcp_ack_skipped_timewait; retransmitted FINs always
 *    answered, a bare ACK at rcv_nxt silently;
 *  - the stack's tcp_challenge_ack_limit over all connections, 0 = none;
 *  - nm_stack_get/set_tcp_sysctl(): Linux's defaults, bad values refused.
 * Segments are handed to TCP directly (as from the IP layer) so that each
 * reply is counted (tcp_out) before anything else runs.
 */
#include "t_tcp.h"

static uint64_t tsval;	/* 0: no timestamp option */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A segment to tp as if from its peer: flags, seq, ack, len payload bytes,
 * a window of win, the timestamp option when tsval is set. */
static void inject(struct nm_stack *st, struct nm_tcp_sock *tp, uint32_t seq, uint32_t ack,
		   uint8_t flags, uint32_t len, uint16_t win)
{
	uint32_t hlen = tsval ? 32 : 20;
	struct nm_skb *skb = nm_skb_alloc(hlen + len + 64);
	uint8_t *th = nm_skb_put(skb, hlen + len);

	memset(th, 0, hlen + len);
	th[0] = (uint8_t)(tp->rport >> 8);
	th[1] = (uint8_t)tp->rport;
	th[2] = (uint8_t)(tp->lport >> 8);
	th[3] = (uint8_t)tp->lport;
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[12] = (uint8_t)((hlen / 4) << 4);
	th[13] = flags;
	th[14] = (uint8_t)(win >> 8);
	th[15] = (uint8_t)win;
	if (tsval) {
		th[20] = 1;
		th[21] = 1;
		th[22] = 8;
		th[23] = 10;
		put32(th + 24, (uint32_t)tsval);
		put32(th + 28, 0);
	}
	skb->csum_ok = true;
	nm_tcp_rcv(st, skb, &tp->raddr, &tp->laddr);
}

static struct nm_stack_stats before;

static void mark(struct nm_stack *st)
{
	T_OK(nm_stack_get_stats(st, &before, sizeof(before)));
}

/* Counter deltas since mark(). */
static struct nm_stack_stats delta(struct nm_stack *st)
{
	struct nm_stack_stats s, d;

	T_OK(nm_stack_get_stats(st, &s, sizeof(s)));
	d.tcp_out = s.tcp_out - before.tcp_out;
	d.tcp_challenge_acks = s.tcp_challenge_acks - before.tcp_challenge_acks;
	d.tcp_ack_skipped_seq = s.tcp_ack_skipped_seq - before.tcp_ack_skipped_seq;
	d.tcp_ack_skipped_paws = s.tcp_ack_skipped_paws - before.tcp_ack_skipped_paws;
	d.tcp_ack_skipped_synrecv = s.tcp_ack_skipped_synrecv - before.tcp_ack_skipped_synrecv;
	d.tcp_ack_skipped_finwait2 = s.tcp_ack_skipped_finwait2 - before.tcp_ack_skipped_finwait2;
	d.tcp_ack_skipped_timewait = s.tcp_ack_skipped_timewait - before.tcp_ack_skipped_timewait;
	d.tcp_ack_skipped_challenge =
		s.tcp_ack_skipped_challenge - before.tcp_ack_skipped_challenge;
	return d;
}

/* Out of the receive window. */
static uint32_t beyond(const struct nm_tcp_sock *tp)
{
	return tp->rcv_adv + 100000;
}

static void established(struct t_net *n, struct nm_tcp_sock *tp)
{
	struct nm_stack_stats d;
	uint16_t win = (uint16_t)(tp->snd_wnd >> tp->snd_wscale);

	/* out-of-window pure ACKs: one answer, nine skipped */
	mark(n->sb);
	for (int i = 0; i < 10; i++)
		inject(n->sb, tp, beyond(tp), tp->snd_una, TH_ACK, 0, win);
	d = delta(n->sb);
	T_EQ(d.tcp_out, 1);
	T_EQ(d.tcp_ack_skipped_seq, 9);
	/* old data: answered (with a DSACK) every time, never skipped */
	mark(n->sb);
	for (int i = 0; i < 5; i++)
		inject(n->sb, tp, tp->rcv_nxt - 1000, tp->snd_una, TH_ACK, 100, win);
	d = delta(n->sb);
	T_EQ(d.tcp_out, 5);
	T_EQ(d.tcp_ack_skipped_seq, 0);
	/* the next 500 ms window answers again */
	t_pump_for(n, 550);
	mark(n->sb);
	inject(n->sb, tp, beyond(tp), tp->snd_una, TH_ACK, 0, win);
	T_EQ(delta(n->sb).tcp_out, 1);

	/* ACKs of unsent data and too-old ACKs: challenge ACKs, limited */
	t_pump_for(n, 550);
	mark(n->sb);
	inject(n->sb, tp, tp->rcv_nxt, tp->snd_max + 1000, TH_ACK, 0, win);
	inject(n->sb, tp, tp->rcv_nxt, tp->snd_max + 1, TH_ACK, 0, win);
	inject(n->sb, tp, tp->rcv_nxt, tp->snd_una - 0x40000000u, TH_ACK, 0, win);
	d = delta(n->sb);
	T_EQ(d.tcp_out, 1);
	T_EQ(d.tcp_challenge_acks, 1);
	T_EQ(d.tcp_ack_skipped_challenge, 2);
	t_pump_for(n, 550);
	mark(n->sb);
	inject(n->sb, tp, tp->rcv_nxt, tp->snd_una - 0x40000000u, TH_ACK, 0, win);
	T_EQ(delta(n->sb).tcp_challenge_acks, 1);

	/* PAWS: a timestamp behind TS.Recent */
	T_ASSERT(tp->ts_ok);
	t_pump_for(n, 550);
	tsval = (uint64_t)(tp->ts_recent - 1000);
	mark(n->sb);
	for (int i = 0; i < 3; i++)	/* a new window: not a reordered dupACK */
		inject(n->sb, tp, tp->rcv_nxt, tp->snd_una, TH_ACK, 0, (uint16_t)(win - 1));
	d = delta(n->sb);
	T_EQ(d.tcp_out, 1);
	T_EQ(d.tcp_ack_skipped_paws, 2);
	t_pump_for(n, 550);
	mark(n->sb);
	inject(n->sb, tp, tp->rcv_nxt - 1, tp->snd_una, TH_ACK, 0, win);	/* an old ACK */
	d = delta(n->sb);
	T_EQ(d.tcp_out, 0);
	T_EQ(d.tcp_ack_skipped_paws, 0);
	tsval = 0;
}

/* B's listener gets a SYN from a port A does not use: an embryonic child
 * in SYN_RECEIVED; the SYN again three times: one SYN-ACK. */
static void syn_received(struct t_net *n, struct nm_tcp_sock *conn)
{
	struct nm_tcp_sock fake = *conn, *child;
	struct nm_stack_stats d;

	fake.rport = 40001;
	inject(n->sb, &fake, 0x1000, 0, TH_SYN, 0, 8192);
	child = nm_tcp_lookup_conn(n->sb->tcp, &fake.laddr, fake.lport, &fake.raddr, 40001);
	T_ASSERT(child && child->state == NM_TCP_SYN_RECEIVED);
	mark(n->sb);
	for (int i = 0; i < 3; i++)
		inject(n->sb, &fake, 0x1000, 0, TH_SYN, 0, 8192);
	d = delta(n->sb);
	T_EQ(d.tcp_out, 1);
	T_EQ(d.tcp_ack_skipped_synrecv, 2);
	/* out of the window it offered: the same counter */
	t_pump_for(n, 0);
	mark(n->sb);
	for (int i = 0; i < 2; i++)
		inject(n->sb, &fake, 0x1001 + 0x10000000u, child->iss + 1, TH_ACK, 0, 8192);
	d = delta(n->sb);
	T_EQ(d.tcp_out + d.tcp_ack_skipped_synrecv, 2);
	T_ASSERT(d.tcp_ack_skipped_synrecv >= 1);
	/* A answers the SYN-ACKs with RSTs: the child goes */
	t_pump_for(n, 50);
	T_ASSERT(!nm_tcp_lookup_conn(n->sb->tcp, &fake.laddr, fake.lport, &fake.raddr, 40001));

	/* a SYN with another sequence, inside the child's window: Linux's
	 * request sock resets and drops it at once (a challenge ACK here once) */
	fake.rport = 40002;
	inject(n->sb, &fake, 0x2000, 0, TH_SYN, 0, 8192);
	child = nm_tcp_lookup_conn(n->sb->tcp, &fake.laddr, fake.lport, &fake.raddr, 40002);
	T_ASSERT(child && child->state == NM_TCP_SYN_RECEIVED);
	mark(n->sb);
	inject(n->sb, &fake, 0x2000 + 100, 0, TH_SYN, 0, 8192);
	d = delta(n->sb);
	T_EQ(d.tcp_out, 1);
	T_EQ(d.tcp_challenge_acks, 0);
	T_ASSERT(!nm_tcp_lookup_conn(n->sb->tcp, &fake.laddr, fake.lport, &fake.raddr, 40002));
	T_ASSERT(nm_tcp_lookup_listener(n->sb->tcp, &fake.laddr, fake.lport));
}

static bool state_is(void *arg)
{
	int *a = arg;

	return t_tcp_state(a[0]) == a[1];
}

/* B closes ssd (tp its tcb), A does not close csd: tp an orphan in
 * FIN_WAIT_2. */
static void orphan_fin_wait_2(struct t_net *n, int ssd, int csd, struct nm_tcp_sock *tp)
{
	int wait[2] = { csd, TCP_CLOSE_WAIT };

	T_OK(nm_close(ssd));
	T_ASSERT(t_pump_until(n, state_is, wait, 2000));
	t_pump_for(n, 50);
	T_EQ(tp->state, NM_TCP_FIN_WAIT_2);
	T_ASSERT(tp->orphan);
}

int main(void)
{
	struct nm_stack_tcp_sysctl sc, bad;
	struct nm_stack_stats d;
	struct t_net n;
	struct nm_tcp_sock *tp, *tp2;
	int lsd, csd, ssd, csd2, ssd2;
	uint16_t win;

	t_net_up(&n, NULL);
	/* Linux's defaults; bad values refused, nothing changed */
	T_OK(nm_stack_get_tcp_sysctl(n.sb, &sc));
	T_EQ(sc.invalid_ratelimit_ms, 500);
	T_EQ(sc.challenge_ack_limit, 2147483647);
	bad = sc;
	bad.invalid_ratelimit_ms = 0x80000000u;
	T_ERR(nm_stack_set_tcp_sysctl(n.sb, &bad), -EINVAL);
	bad = sc;
	bad.challenge_ack_limit = 0x80000000u;
	T_ERR(nm_stack_set_tcp_sysctl(n.sb, &bad), -EINVAL);
	T_ERR(nm_stack_set_tcp_sysctl(n.sb, NULL), -EINVAL);
	T_ERR(nm_stack_get_tcp_sysctl(NULL, &sc), -EINVAL);
	T_OK(nm_stack_get_tcp_sysctl(n.sb, &sc));
	T_EQ(sc.invalid_ratelimit_ms, 500);
	T_EQ(sc.challenge_ack_limit, 2147483647);

	lsd = t_listen(n.sb, AF_INET, 7201, 8);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7201, &ssd);
	t_stream(&n, csd, ssd, 1 << 16, 2000);
	t_stream(&n, ssd, csd, 1 << 16, 2000);
	t_pump_for(&n, 100);
	tp = t_tcb(n.sb, ssd);
	T_ASSERT(tp);
	established(&n, tp);
	syn_received(&n, tp);

	/* the stack's budget: 1 a second over all connections, 0: none */
	csd2 = t_connect_pair(&n, lsd, "198.18.0.2", 7201, &ssd2);
	tp2 = t_tcb(n.sb, ssd2);
	T_ASSERT(tp2);
	sc.invalid_ratelimit_ms = 0;
	sc.challenge_ack_limit = 1;
	T_OK(nm_stack_set_tcp_sysctl(n.sb, &sc));
	mark(n.sb);
	for (int i = 0; i < 10; i++) {
		inject(n.sb, tp, tp->rcv_nxt, tp->snd_max + 1000, TH_ACK, 0, 1000);
		inject(n.sb, tp2, tp2->rcv_nxt, tp2->snd_max + 1000, TH_ACK, 0, 1000);
	}
	d = delta(n.sb);
	/* one a second: two if the loop straddled a second */
	T_ASSERT(d.tcp_challenge_acks >= 1 && d.tcp_challenge_acks <= 2);
	T_EQ(d.tcp_out, d.tcp_challenge_acks);
	T_EQ(d.tcp_ack_skipped_challenge, 0);	/* the connections' limit is off */
	sc.challenge_ack_limit = 0;
	T_OK(nm_stack_set_tcp_sysctl(n.sb, &sc));
	mark(n.sb);
	inject(n.sb, tp, tp->rcv_nxt, tp->snd_max + 1000, TH_ACK, 0, 1000);
	T_EQ(delta(n.sb).tcp_out, 0);
	sc.invalid_ratelimit_ms = 500;
	sc.challenge_ack_limit = 2147483647;
	T_OK(nm_stack_set_tcp_sysctl(n.sb, &sc));
	t_pump_for(&n, 100);

	/* an orphan's FIN_WAIT_2 (B closes, A does not) */
	orphan_fin_wait_2(&n, ssd, csd, tp);
	win = (uint16_t)(tp->snd_wnd >> tp->snd_wscale);
	t_pump_for(&n, 550);
	mark(n.sb);
	for (int i = 0; i < 3; i++)
		inject(n.sb, tp, beyond(tp), tp->snd_una, TH_ACK, 0, win);
	inject(n.sb, tp, tp->rcv_nxt, tp->snd_max + 1000, TH_ACK, 0, win);	/* ignored */
	d = delta(n.sb);
	T_EQ(d.tcp_out, 1);
	T_EQ(d.tcp_ack_skipped_finwait2, 2);
	T_EQ(d.tcp_challenge_acks, 0);
	T_EQ(d.tcp_ack_skipped_challenge, 0);

	/* a SYN at rcv_nxt into another orphan's FIN_WAIT_2: a RST, and it
	 * goes (a challenge ACK here once) */
	{
		int c3, s3;
		struct nm_tcp_sock *t3;
		uint16_t l3, r3;

		c3 = t_connect_pair(&n, lsd, "198.18.0.2", 7201, &s3);
		t3 = t_tcb(n.sb, s3);
		T_ASSERT(t3);
		l3 = t3->lport;
		r3 = t3->rport;
		orphan_fin_wait_2(&n, s3, c3, t3);
		t_pump_for(&n, 550);
		mark(n.sb);
		inject(n.sb, t3, t3->rcv_nxt, 0, TH_SYN, 0, win);
		d = delta(n.sb);
		T_EQ(d.tcp_out, 1);
		T_EQ(d.tcp_challenge_acks, 0);
		T_ASSERT(!nm_tcp_lookup_conn(n.sb->tcp, &tp->laddr, l3, &tp->raddr, r3));
		/* the RST answers the SYN (seq 0, ACK of the SYN): A's own
		 * CLOSE_WAIT socket, which did not send it, is not its target */
		T_OK(nm_close(c3));
	}

	/* TIME_WAIT (A closes too) */
	T_OK(nm_close(csd));
	t_pump_for(&n, 50);
	T_EQ(tp->state, NM_TCP_TIME_WAIT);
	t_pump_for(&n, 550);
	mark(n.sb);
	for (int i = 0; i < 3; i++)
		inject(n.sb, tp, beyond(tp), tp->snd_una, TH_ACK, 0, win);
	for (int i = 0; i < 3; i++)	/* A's FIN again: always answered */
		inject(n.sb, tp, tp->rcv_nxt - 1, tp->snd_una, TH_FIN | TH_ACK, 0, win);
	inject(n.sb, tp, tp->rcv_nxt, tp->snd_una, TH_ACK, 0, win);	/* in window: quiet */
	d = delta(n.sb);
	T_EQ(d.tcp_out, 4);
	T_EQ(d.tcp_ack_skipped_timewait, 2);
	T_EQ(tp->state, NM_TCP_TIME_WAIT);

	T_OK(nm_close(csd2));
	T_OK(nm_close(ssd2));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
