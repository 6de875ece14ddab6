/* SPDX-License-Identifier: MIT */
/*
 * Slow start grows cwnd by every byte an ACK covers, as Linux does
 * (tcp_slow_start), for both congestion controls, and stops at ssthresh.
 * The RFC 3465 cap of 2 MSS per ACK once made an ACK for a 64 KiB GSO
 * frame (~45 segments) grow cwnd by 2 segments, stretching slow start
 * ~20-fold.
 */
#include <stdlib.h>

#include "net/tcp.h"
#include "t_util.h"

static void check(const struct nm_tcp_cc_ops *cc)
{
	struct nm_tcp_sock *tp = calloc(1, sizeof(*tp));

	T_ASSERT(tp);
	tp->mss = 1448;
	tp->cc = cc;
	if (cc->init)
		cc->init(tp);
	tp->cwnd = 10 * 1448;
	tp->ssthresh = 100 * 1448;
	cc->cong_avoid(tp, 45 * 1448);		/* one ACK for a 64 KiB frame */
	T_EQ(tp->cwnd, 55u * 1448);
	cc->cong_avoid(tp, 1448);
	T_EQ(tp->cwnd, 56u * 1448);
	cc->cong_avoid(tp, 60 * 1448);		/* capped at ssthresh */
	T_EQ(tp->cwnd, 100u * 1448);
	free(tp);
}

int main(void)
{
	check(&nm_tcp_cc_newreno);
	check(&nm_tcp_cc_cubic);
	T_PASS();
}
