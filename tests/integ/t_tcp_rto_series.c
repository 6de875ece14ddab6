/* SPDX-License-Identifier: MIT */
/*
 * Retransmission timeouts in a row (the wire drops everything A sends for
 * a while): only the first is a new loss event.  ssthresh is set once from
 * the cwnd before it, not again from the one-MSS cwnd of the timeouts that
 * follow (which used to take it down to 2 MSS), the timer backs off, and
 * the first ACK afterwards resets the backoff.  The data arrives intact
 * (after the third timeout: the second one's retransmission was dropped).
 */
#include "t_tcp.h"

static bool keep_none(uint32_t seq, uint32_t plen, void *arg)
{
	(void)seq;
	(void)arg;
	return plen == 0;
}

int main(void)
{
	static uint8_t buf[64 << 10];
	struct t_net n;
	struct nm_tcp_sock *tc;
	uint64_t rto0, t0, sent = 1 << 20;
	uint32_t len, ssthresh1 = 0, mss;
	int lsd, csd, ssd, one = 1, seen = 0;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6812, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6812, &ssd);
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	tc = t_tcb(n.sa, csd);
	t_stream(&n, csd, ssd, sent, 10000);
	mss = tc->mss;
	rto0 = tc->st->stats.tcp_rto;

	/* a flight of 20 segments, then nothing gets through for two RTOs */
	len = 20 * mss;
	t_pat_fill(buf, len, sent);
	T_EQ(nm_send(csd, buf, len, 0), len);
	t0 = t_now_us();
	while (seen < 2) {
		T_ASSERT(t_now_us() - t0 < 5000000);
		t_filter_a_to_b(&n, keep_none, NULL);
		T_OK(nm_stack_poll(n.sb, 0));
		if (tc->st->stats.tcp_rto - rto0 == 1 && seen == 0) {
			seen = 1;
			ssthresh1 = tc->ssthresh;
			T_EQ(tc->backoff, 1);
			T_EQ(tc->cwnd, mss);
			/* half-ish of a cwnd that carried 20 segments, not 2 MSS */
			T_ASSERT(ssthresh1 > 4 * mss);
		}
		if (tc->st->stats.tcp_rto - rto0 == 2) {
			seen = 2;
			T_EQ(tc->backoff, 2);
			T_EQ(tc->cwnd, mss);
			T_EQ(tc->ssthresh, ssthresh1);
		}
	}
	/* the wire heals; the third timeout's retransmission gets through */
	t_recv_pattern(&n, ssd, sent, len, 10000);
	T_EQ(tc->backoff, 0);
	T_EQ(tc->st->stats.tcp_rto - rto0, 3);
	T_EQ(tc->ssthresh, ssthresh1);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
