/* SPDX-License-Identifier: MIT */
/*
 * CUBIC congestion control (RFC 9438), the default.
 *
 * After a loss cwnd drops to beta * cwnd (beta 0.7) and then follows
 * W(t) = C (t - K)^3 + W_max with C = 0.4 and K = cbrt(W_max (1 - beta) / C)
 * (in segments and seconds), never growing slower than the Reno-friendly
 * estimate W_est.  Fast convergence lowers W_max when losses come before
 * the previous maximum is reached.  Slow start is Reno's.
 */
#include <string.h>

#include "net/tcp.h"

#define CUBIC_C		0.4
#define CUBIC_BETA	0.7

struct cubic_priv {
	double w_max;		/* segments */
	double k;		/* seconds */
	double w_est;		/* segments */
	double origin;
	uint64_t epoch_us;	/* start of the current avoidance epoch, 0: none */
};

void nm_tcp_reno_cong_avoid(struct nm_tcp_sock *tp, uint32_t acked);

static double cbrt_pos(double x)
{
	double y = x > 1 ? x / 3 : 1;

	if (x <= 0)
		return 0;
	for (int i = 0; i < 60; i++) {
		double ny = y - (y * y * y - x) / (3 * y * y);

		if (ny == y)
			break;
		y = ny;
	}
	return y;
}

static void cubic_init(struct nm_tcp_sock *tp)
{
	memset(tp->cc_priv, 0, sizeof(struct cubic_priv));
}

static void cubic_cong_avoid(struct nm_tcp_sock *tp, uint32_t acked)
{
	struct cubic_priv *c = (struct cubic_priv *)tp->cc_priv;
	double mss = tp->mss, cwnd = tp->cwnd / mss, t, target, inc;
	uint64_t now = nm_now_us();

	if (tp->cwnd < tp->ssthresh) {
		nm_tcp_reno_cong_avoid(tp, acked);
		return;
	}
	if (!c->epoch_us) {
		c->epoch_us = now;
		if (cwnd < c->w_max) {
			c->k = cbrt_pos((c->w_max - cwnd) / CUBIC_C);
			c->origin = c->w_max;
		} else {
			c->k = 0;
			c->origin = cwnd;
		}
		c->w_est = cwnd;
	}
	t = (double)(now - c->epoch_us) / 1e6 + (tp->srtt ? tp->srtt : 100000) / 1e6;
	target = c->origin + CUBIC_C * (t - c->k) * (t - c->k) * (t - c->k);
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	/* Reno-friendly region (RFC 9438 4.3) */
	c->w_est += 3.0 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA) * (acked / mss) / cwnd;
	if (c->w_est > target)
		target = c->w_est;
	if (target <= cwnd)
		return;
	inc = (target - cwnd) / cwnd * (acked / mss) * mss;
	if (inc < 1)
		inc = 1;
	tp->cwnd += (uint32_t)inc;
}

static uint32_t cubic_ssthresh(struct nm_tcp_sock *tp)
{
	struct cubic_priv *c = (struct cubic_priv *)tp->cc_priv;
	double cwnd = (double)tp->cwnd / tp->mss;
	uint32_t s;

	c->epoch_us = 0;
	if (cwnd < c->w_max)
		c->w_max = cwnd * (1 + CUBIC_BETA) / 2;	/* fast convergence */
	else
		c->w_max = cwnd;
	s = (uint32_t)(tp->cwnd * CUBIC_BETA);
	return s > 2u * tp->mss ? s : 2u * tp->mss;
}

static void cubic_reset_epoch(struct nm_tcp_sock *tp)
{
	((struct cubic_priv *)tp->cc_priv)->epoch_us = 0;
}

const struct nm_tcp_cc_ops nm_tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.cong_avoid = cubic_cong_avoid,
	.ssthresh = cubic_ssthresh,
	.recovered = cubic_reset_epoch,
	.on_rto = cubic_reset_epoch,
};
