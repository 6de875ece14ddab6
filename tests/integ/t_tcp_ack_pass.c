/* SPDX-License-Identifier: MIT */
/*
 * ACKs per loop pass: full-sized segments that arrive together, in one
 * pass of the receiving stack's loop, are acknowledged by a single ACK at
 * the end of that pass (not one ACK per two segments, and not later: no
 * delayed-ACK timer is left pending), and the sender sees everything
 * acknowledged after its next pass.  Over a TAP each ACK is a syscall in
 * which the kernel runs its ACK path; one per pass is what keeps the
 * receiver's cost per byte down.
 */
#include "t_tcp.h"

#define SEGS 8

int main(void)
{
	struct nm_stack_stats s0, s1;
	struct t_net n;
	int lsd, csd, ssd, one = 1;
	static uint8_t buf[SEGS * 1500];
	struct nm_tcp_sock *tc, *ts;
	uint32_t nxt;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6811, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6811, &ssd);
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	tc = t_tcb(n.sa, csd);
	ts = t_tcb(n.sb, ssd);
	ts->quick_acks = 0;	/* skip the start-up quick ACKs */
	T_ASSERT(tc->cwnd >= SEGS * tc->mss);
	T_ASSERT(sizeof(buf) >= SEGS * tc->mss);

	/* the sender puts SEGS full segments on the wire; B has not run */
	nxt = ts->rcv_nxt;
	T_EQ(nm_send(csd, buf, SEGS * tc->mss, 0), SEGS * tc->mss);
	nm_stack_poll(n.sa, 0);
	T_EQ(tc->snd_nxt - tc->snd_una, SEGS * tc->mss);
	T_EQ(ts->rcv_nxt, nxt);

	/* one pass of B takes them all and sends exactly one ACK */
	T_OK(nm_stack_get_stats(n.sb, &s0, sizeof(s0)));
	nm_stack_poll(n.sb, 0);
	T_OK(nm_stack_get_stats(n.sb, &s1, sizeof(s1)));
	T_EQ(ts->rcv_nxt, nxt + SEGS * tc->mss);
	printf("%d segments in one pass drew %llu ACK(s)\n", SEGS,
	       (unsigned long long)(s1.tcp_out - s0.tcp_out));
	T_EQ(s1.tcp_out - s0.tcp_out, 1);
	T_ASSERT(!nm_timer_pending(&ts->delack_timer));
	T_EQ(ts->unacked_segs, 0);

	/* and it acknowledged everything */
	nm_stack_poll(n.sa, 0);
	T_EQ(tc->snd_una, tc->snd_max);
	T_EQ(nm_recv(ssd, buf, sizeof(buf), 0), SEGS * tc->mss);

	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
