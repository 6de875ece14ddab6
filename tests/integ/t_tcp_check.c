/* SPDX-License-Identifier: MIT */
/*
 * nm_tcp_check() (src/net/tcp_check.c) catches each invariant numbered in
 * tcp_input.c when it is broken on purpose: in an idle connection, one
 * with bytes in flight, one with unread bytes, hand-made OOO segments and
 * SACK ranges, a listener, a TIME_WAIT tcb and a tcb whose stack is gone.
 * Each corruption must be reported as -EUCLEAN with a message naming its
 * invariant; undone, the tcb checks clean again.  The healthy tcbs of
 * every TCP test are checked after every loop pass (tcp_util.h t_pump()).
 */
#include "t_tcp.h"
#include "sock/sock_internal.h"

static int caught;

static void want_broken(struct nm_tcp_sock *tp, int n, const char *what)
{
	char want[32];
	int r;

	snprintf(want, sizeof(want), "invariant %d (", n);
	nm_clear_error();
	r = nm_tcp_check(tp);
	if (r != -EUCLEAN || !strstr(nm_last_error(), want))
		T_FAIL("%s: nm_tcp_check = %d (%s), want -EUCLEAN naming invariant %d", what, r,
		       nm_last_error(), n);
	printf("%-36s %s\n", what, nm_last_error());
	caught |= 1 << n;
}

/* Set lv to val, expect invariant n to be reported, put it back. */
#define BREAK(tp, lv, val, n)                                           \
	do {                                                            \
		__typeof__(lv) _save = (lv);                            \
		(lv) = (val);                                           \
		want_broken((tp), (n), #lv " = " #val);                 \
		(lv) = _save;                                           \
		T_OK(nm_tcp_check(tp));                                 \
	} while (0)

/* Let everything arrive, then read all sd holds. */
static void drain(struct t_net *n, int sd)
{
	static uint8_t buf[65536];

	T_ASSERT(t_pump_until(n, t_quiet, n, 5000));
	while (nm_recv(sd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	T_ASSERT(t_pump_until(n, t_quiet, n, 5000));
}

static struct nm_skb *fake_seg(uint32_t seq, uint32_t start, uint32_t end)
{
	struct nm_skb *skb = nm_skb_alloc(64);

	T_ASSERT(skb);
	nm_tcp_cb(skb)->seq = seq;
	nm_tcp_cb(skb)->start = start;
	nm_tcp_cb(skb)->end_seq = end;
	return skb;
}

/* 1-5 and 10 on an idle connection, 5 with unread bytes. */
static void idle_and_unread(struct t_net *n, struct nm_tcp_sock *ca, struct nm_tcp_sock *sb,
			    int csd, int ssd)
{
	static uint8_t buf[3000];

	T_OK(nm_tcp_check(ca));
	BREAK(ca, ca->state, 42, 1);
	BREAK(ca, ca->in_ehash, false, 2);
	BREAK(ca, ca->snd_nxt, ca->snd_una - 1, 3);
	BREAK(ca, ca->snd_max, ca->write_seq + 1, 3);
	BREAK(ca, ca->snd_wnd, 65535u << ca->snd_wscale << 1, 3);
	BREAK(ca, ca->mss, 12, 3);
	BREAK(ca, ca->copied_seq, ca->rcv_nxt + 1, 4);
	BREAK(ca, ca->rcv_wup, ca->rcv_nxt + 1, 4);
	BREAK(ca, ca->rcv_adv, ca->rcv_nxt - 1, 4);
	BREAK(ca, ca->rcv_adv, ca->rcv_nxt + (65535u << ca->rcv_wscale) + 1, 4);
	BREAK(ca, ca->rcvq_bytes, 1, 5);
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_KEEPALIVE, &(int){ 1 }, sizeof(int)));
	T_OK(nm_tcp_check(ca));
	ca->keepalive = false;
	want_broken(ca, 10, "keepalive armed, SO_KEEPALIVE off");
	ca->keepalive = true;
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_KEEPALIVE, &(int){ 0 }, sizeof(int)));
	T_OK(nm_tcp_check(ca));

	/* unread bytes on B */
	T_ASSERT(nm_send(csd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf));
	T_ASSERT(t_pump_until(n, t_quiet, n, 5000));
	T_ASSERT(sb->rcvq.head && sb->rcvq_bytes == sizeof(buf));
	T_OK(nm_tcp_check(sb));
	BREAK(sb, sb->rcvq_bytes, sizeof(buf) - 1, 5);
	BREAK(sb, sb->copied_seq, sb->copied_seq + 1, 5);
	BREAK(sb, nm_tcp_cb(sb->rcvq.head)->start, sb->copied_seq + 1, 5);
	BREAK(sb, nm_tcp_cb(sb->rcvq.tail)->end_seq, sb->rcv_nxt - 1, 5);
	drain(n, ssd);
}

/* 6: hand-made OOO segments above rcv_nxt. */
static void ooo(struct nm_tcp_sock *tp)
{
	uint32_t base = tp->rcv_nxt;
	struct nm_skb *a = fake_seg(base, base + 100, base + 200);
	struct nm_skb *b = fake_seg(base + 120, base + 300, base + 400);

	nm_skb_queue_tail(&tp->ooo, a);
	nm_skb_queue_tail(&tp->ooo, b);
	tp->ooo_bytes = 200;
	T_OK(nm_tcp_check(tp));
	BREAK(tp, tp->ooo_bytes, 199, 6);
	BREAK(tp, nm_tcp_cb(b)->start, base + 150, 6);
	BREAK(tp, nm_tcp_cb(a)->start, base, 6);
	BREAK(tp, nm_tcp_cb(a)->start, base + 200, 6);
	BREAK(tp, nm_tcp_cb(b)->seq, base + 301, 6);
	nm_skb_unlink(&tp->ooo, a);
	nm_skb_unlink(&tp->ooo, b);
	nm_skb_free(a);
	nm_skb_free(b);
	tp->ooo_bytes = 0;
	T_OK(nm_tcp_check(tp));
}

/* 7-10 with bytes in flight (A sent, B not polled yet). */
static void in_flight(struct nm_tcp_sock *tp, int csd)
{
	static uint8_t buf[20000];
	uint32_t una;

	T_ASSERT(nm_send(csd, buf, sizeof(buf), 0) > 0);
	una = tp->snd_una;
	T_ASSERT(seq_gt(tp->snd_max, una + 100));
	T_OK(nm_tcp_check(tp));
	/* a scoreboard of two ranges */
	tp->score[0] = (struct nm_tcp_sack_range){ una + 10, una + 20 };
	tp->score[1] = (struct nm_tcp_sack_range){ una + 40, una + 60 };
	tp->nr_score = 2;
	tp->sacked_bytes = 30;
	tp->high_sacked = una + 60;
	T_OK(nm_tcp_check(tp));
	BREAK(tp, tp->sacked_bytes, 31, 7);
	BREAK(tp, tp->high_sacked, una + 50, 7);
	BREAK(tp, tp->score[1].start, una + 20, 7);
	BREAK(tp, tp->score[0].start, una - 1, 7);
	BREAK(tp, tp->score[1].end, tp->snd_max + 1, 7);
	BREAK(tp, tp->nr_score, NM_TCP_SCORE_MAX + 1, 7);
	tp->nr_score = 0;
	tp->sacked_bytes = 0;
	T_OK(nm_tcp_check(tp));
	BREAK(tp, tp->sbuf_size, tp->sbuf_size - 1, 8);
	BREAK(tp, tp->sbuf_size, 1024, 8);
	tp->recover = una;
	BREAK(tp, tp->in_recovery, true, 9);
	tp->loss_recover = tp->snd_max + 1;
	BREAK(tp, tp->in_loss, true, 9);
	nm_timer_del(tp->st->wheel, &tp->rtx_timer);
	want_broken(tp, 10, "rtx timer stopped, bytes in flight");
	nm_tcp_rearm_rtx(tp);
	T_OK(nm_tcp_check(tp));
}

/* 2, 10 and 11 on a listener. */
static void listener(struct nm_tcp_sock *lp)
{
	T_ASSERT(lp->state == NM_TCP_LISTEN);
	T_OK(nm_tcp_check(lp));
	BREAK(lp, lp->acq_len, lp->acq_len + 1, 11);
	BREAK(lp, lp->syn_len, lp->syn_len + 1, 11);
	BREAK(lp, lp->in_bhash, false, 2);
	nm_timer_mod(lp->st->wheel, &lp->delack_timer, nm_now_us() + 1000000);
	want_broken(lp, 10, "a listener's timer armed");
	nm_timer_del(lp->st->wheel, &lp->delack_timer);
	T_OK(nm_tcp_check(lp));
}

static bool in_time_wait(void *p)
{
	return ((struct nm_tcp_sock *)p)->state == NM_TCP_TIME_WAIT;
}

int main(void)
{
	struct t_net n;
	int lsd, csd, ssd;
	struct nm_tcp_sock *ca, *sb, *lp;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 7100, 8);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7100, &ssd);
	T_ASSERT(t_pump_until(&n, t_quiet, &n, 5000));
	ca = nm_sock_tcb(csd);
	sb = nm_sock_tcb(ssd);
	lp = nm_sock_tcb(lsd);
	T_ASSERT(ca && sb && lp && ca->state == NM_TCP_ESTABLISHED);

	idle_and_unread(&n, ca, sb, csd, ssd);
	ooo(ca);
	in_flight(ca, csd);
	listener(lp);
	drain(&n, ssd);

	/* TIME_WAIT on A, the active closer */
	T_OK(nm_shutdown(csd, SHUT_WR));
	T_ASSERT(t_pump_until(&n, t_quiet, &n, 5000));
	T_OK(nm_close(ssd));
	T_ASSERT(t_pump_until(&n, in_time_wait, ca, 5000));
	T_OK(nm_tcp_check(ca));
	nm_timer_del(ca->st->wheel, &ca->tw_timer);
	want_broken(ca, 10, "TIME_WAIT without its timer");
	nm_timer_mod(ca->st->wheel, &ca->tw_timer, nm_now_us() + 60000000ull);
	T_OK(nm_tcp_check(ca));

	/* a socket that outlives its stack: its tcb is CLOSED and empty */
	T_OK(nm_host_stack_down(n.hb));
	n.sb = NULL;
	T_ASSERT(!lp->st && lp->state == NM_TCP_CLOSED);
	T_OK(nm_tcp_check(lp));
	BREAK(lp, lp->in_bhash, true, 1);
	BREAK(lp, lp->state, NM_TCP_ESTABLISHED, 1);

	T_ASSERT(caught == 0xffe);	/* invariants 1 to 11 */
	T_OK(nm_close(csd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
