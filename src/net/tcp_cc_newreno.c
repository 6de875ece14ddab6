/* SPDX-License-Identifier: MIT */
/*
 * NewReno congestion control (RFC 5681 + RFC 6582): slow start below
 * ssthresh (cwnd grows by the bytes acknowledged), then one MSS per
 * window of acknowledged bytes; a loss halves the flight.  The recovery
 * mechanics (partial ACKs, SACK holes) live in tcp_input.c and are shared
 * by every algorithm; this table only shapes cwnd and ssthresh.
 */
#include <string.h>

#include "net/tcp.h"

struct reno_priv {
	uint32_t acked_cnt;	/* bytes acknowledged toward the next MSS of growth */
};

static void reno_init(struct nm_tcp_sock *tp)
{
	memset(tp->cc_priv, 0, sizeof(struct reno_priv));
}

void nm_tcp_reno_cong_avoid(struct nm_tcp_sock *tp, uint32_t acked);
void nm_tcp_reno_cong_avoid(struct nm_tcp_sock *tp, uint32_t acked)
{
	struct reno_priv *p = (struct reno_priv *)tp->cc_priv;

	if (tp->cwnd < tp->ssthresh) {
		/* slow start: grow by what the ACK covers, as Linux does
		 * (tcp_slow_start), not RFC 3465's L = 2 MSS: an ACK for a
		 * 64 KiB GSO frame covers ~45 segments, and capping it at 2
		 * would stretch slow start ~20-fold; stop at ssthresh */
		uint32_t room = tp->ssthresh - tp->cwnd;

		tp->cwnd += acked < room ? acked : room;
		return;
	}
	p->acked_cnt += acked;
	while (p->acked_cnt >= tp->cwnd) {
		p->acked_cnt -= tp->cwnd;
		tp->cwnd += tp->mss;
	}
}

uint32_t nm_tcp_reno_ssthresh(struct nm_tcp_sock *tp);
uint32_t nm_tcp_reno_ssthresh(struct nm_tcp_sock *tp)
{
	uint32_t f = nm_tcp_flight(tp) / 2;

	return f > 2u * tp->mss ? f : 2u * tp->mss;
}

const struct nm_tcp_cc_ops nm_tcp_cc_newreno = {
	.name = "reno",
	.init = reno_init,
	.cong_avoid = nm_tcp_reno_cong_avoid,
	.ssthresh = nm_tcp_reno_ssthresh,
};

const struct nm_tcp_cc_ops *nm_tcp_cc_find(const char *name)
{
	if (!strcmp(name, "reno") || !strcmp(name, "newreno"))
		return &nm_tcp_cc_newreno;
	if (!strcmp(name, "cubic"))
		return &nm_tcp_cc_cubic;
	return NULL;
}
