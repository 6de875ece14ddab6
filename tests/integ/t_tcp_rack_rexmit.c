/* SPDX-License-Identifier: MIT */
/*
 * A retransmission lost too (RFC 8985 6, RACK): segment 3 of a flight is
 * lost, SACKs start a recovery, and its retransmission is lost as well.
 * Data sent after that retransmission arrives and is SACKed, which shows
 * the retransmission missing once a reordering window has passed: it goes
 * again, with no RTO.  RFC 6675 alone keeps counting a lost retransmission
 * in the pipe until the RTO (>= 200 ms).
 */
#include "t_tcp.h"

struct drop_seq {
	uint32_t seq;			/* segments starting here ... */
	int left;			/* ... are dropped this many more times */
	int dropped;
};

static bool keep_unless_seq(uint32_t seq, uint32_t plen, void *arg)
{
	struct drop_seq *d = arg;

	if (plen && seq == d->seq && d->left > 0) {
		d->left--;
		d->dropped++;
		return false;
	}
	return true;
}

int main(void)
{
	static uint8_t buf[64 << 10];
	struct nm_stack_stats s0, s1;
	struct drop_seq d;
	struct t_net n;
	struct nm_tcp_sock *tc;
	uint64_t sent = 1 << 20, t0;
	uint32_t mss, len;
	int lsd, csd, ssd, one = 1;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6815, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6815, &ssd);
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	tc = t_tcb(n.sa, csd);
	t_stream(&n, csd, ssd, sent, 10000);
	mss = tc->mss;
	T_OK(nm_stack_get_stats(n.sa, &s0, sizeof(s0)));

	/* 30 segments; the third is lost */
	d = (struct drop_seq){ .seq = tc->write_seq + 2 * mss, .left = 2 };
	len = 30 * mss;
	t_pat_fill(buf, len, sent);
	T_EQ(nm_send(csd, buf, len, 0), len);
	T_EQ(t_filter_a_to_b(&n, keep_unless_seq, &d), 1);
	/* B SACKs the rest; A starts a recovery and resends segment 3, lost
	 * again */
	T_OK(nm_stack_poll(n.sb, 0));
	t0 = t_now_us();
	while (d.dropped < 2) {
		T_ASSERT(t_now_us() - t0 < 100000);	/* well before any RTO */
		t_filter_a_to_b(&n, keep_unless_seq, &d);
		T_OK(nm_stack_poll(n.sb, 0));
	}
	T_ASSERT(tc->in_recovery);
	/* new data after it gets through */
	t_pat_fill(buf, 10 * mss, sent + len);
	T_EQ(nm_send(csd, buf, 10 * mss, 0), 10 * mss);
	len += 10 * mss;
	t_recv_pattern(&n, ssd, sent, len, 5000);
	T_OK(nm_stack_get_stats(n.sa, &s1, sizeof(s1)));
	printf("retransmits %llu, recoveries %llu, RTOs %llu\n",
	       (unsigned long long)(s1.tcp_retransmits - s0.tcp_retransmits),
	       (unsigned long long)(s1.tcp_fast_retransmits - s0.tcp_fast_retransmits),
	       (unsigned long long)(s1.tcp_rto - s0.tcp_rto));
	T_EQ(s1.tcp_rto, s0.tcp_rto);
	T_EQ(s1.tcp_fast_retransmits, s0.tcp_fast_retransmits + 1);
	T_ASSERT(s1.tcp_retransmits - s0.tcp_retransmits >= 2);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
