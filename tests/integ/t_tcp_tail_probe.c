/* SPDX-License-Identifier: MIT */
/*
 * Tail loss (RFC 8985 7): the last segments of a flight are lost and
 * nothing follows them, so no SACK can show the loss.  A loss probe 2 *
 * SRTT later resends the last segment; the receiver's SACK for it exposes
 * the hole, which fast recovery repairs.  No RTO fires (it would wait at
 * least 200 ms, and before the probe existed it was the only way out).
 * Then the same with the whole flight lost.
 */
#include "t_tcp.h"

struct drop_range {
	uint32_t from, to;		/* drop segments starting in [from, to) */
};

static bool keep_outside(uint32_t seq, uint32_t plen, void *arg)
{
	struct drop_range *d = arg;

	return !plen || !(seq_ge(seq, d->from) && seq_lt(seq, d->to));
}

static uint64_t sent;

/* Send nseg segments of the pattern with A alone running; the wire drops
 * those from segment `first_lost` on. */
static void send_lose_tail(struct t_net *n, int csd, struct nm_tcp_sock *tc, int nseg,
			   int first_lost)
{
	static uint8_t buf[64 << 10];
	uint32_t len = (uint32_t)nseg * tc->mss;
	struct drop_range d = { tc->write_seq + (uint32_t)first_lost * tc->mss,
				tc->write_seq + len };

	T_ASSERT(len <= sizeof(buf));
	t_pat_fill(buf, len, sent);
	T_EQ(nm_send(csd, buf, len, 0), len);
	sent += len;
	T_EQ(t_filter_a_to_b(n, keep_outside, &d), nseg - first_lost);
}

int main(void)
{
	struct nm_stack_stats s0, s1;
	struct t_net n;
	struct nm_tcp_sock *tc;
	int lsd, csd, ssd, one = 1;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6811, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6811, &ssd);
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	tc = t_tcb(n.sa, csd);
	/* an RTT estimate and an open cwnd first */
	sent = 1 << 20;
	t_stream(&n, csd, ssd, sent, 10000);
	T_ASSERT(tc->sack_ok && tc->srtt > 0);

	/* the last 3 of 8 segments lost */
	T_OK(nm_stack_get_stats(n.sa, &s0, sizeof(s0)));
	send_lose_tail(&n, csd, tc, 8, 5);
	t_recv_pattern(&n, ssd, sent - 8 * tc->mss, 8 * tc->mss, 5000);
	T_OK(nm_stack_get_stats(n.sa, &s1, sizeof(s1)));
	printf("tail of 3 lost: probes %llu, fast retransmits %llu, RTOs %llu\n",
	       (unsigned long long)(s1.tcp_loss_probes - s0.tcp_loss_probes),
	       (unsigned long long)(s1.tcp_fast_retransmits - s0.tcp_fast_retransmits),
	       (unsigned long long)(s1.tcp_rto - s0.tcp_rto));
	T_EQ(s1.tcp_rto, s0.tcp_rto);
	T_EQ(s1.tcp_loss_probes, s0.tcp_loss_probes + 1);
	T_EQ(s1.tcp_fast_retransmits, s0.tcp_fast_retransmits + 1);

	/* the whole flight lost */
	T_OK(nm_stack_get_stats(n.sa, &s0, sizeof(s0)));
	send_lose_tail(&n, csd, tc, 6, 0);
	t_recv_pattern(&n, ssd, sent - 6 * tc->mss, 6 * tc->mss, 5000);
	T_OK(nm_stack_get_stats(n.sa, &s1, sizeof(s1)));
	T_EQ(s1.tcp_rto, s0.tcp_rto);
	T_EQ(s1.tcp_loss_probes, s0.tcp_loss_probes + 1);

	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
