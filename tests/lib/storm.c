/* SPDX-License-Identifier: MIT */
/*
 * The idle-storm oracle and the accounting of a corrupting wire (t_tcp.h),
 * for tests and fuzz harnesses: what two idle stacks may still send, and
 * how many corrupted frames may pass every check.
 */
#include "t_tcp.h"

static int tcp_out(struct nm_stack *st, uint64_t *out)
{
	struct nm_stack_stats s;
	int r;

	*out = 0;
	if (!st)
		return 0;
	r = nm_stack_get_stats(st, &s, sizeof(s));
	if (r < 0)
		return r;
	*out = s.tcp_out;
	return 0;
}

int64_t t_storm_segments(struct nm_stack *a, struct nm_stack *b, uint32_t passes, uint32_t max_ms)
{
	uint64_t a0, b0, a1, b1, end = t_now_us() + (uint64_t)max_ms * 1000u;
	int r;

	if (!a)
		return -EINVAL;
	if ((r = tcp_out(a, &a0)) < 0 || (r = tcp_out(b, &b0)) < 0)
		return r;
	for (uint32_t i = 0; i < passes; i++) {
		if (max_ms && t_now_us() >= end)
			break;
		if ((r = nm_stack_poll(a, 0)) < 0)
			return r;
		if (b && (r = nm_stack_poll(b, 0)) < 0)
			return r;
	}
	if ((r = tcp_out(a, &a1)) < 0 || (r = tcp_out(b, &b1)) < 0)
		return r;
	return (int64_t)((a1 - a0) + (b1 - b0));
}

void t_end_stats_get(struct t_end_stats *s, struct nm_wire *w, struct nm_netdev *nd,
		     struct nm_stack *st)
{
	T_OK(nm_wire_get_stats(w, &s->wire, sizeof(s->wire)));
	T_OK(nm_netdev_get_stats(nd, &s->nic, sizeof(s->nic)));
	T_OK(nm_stack_get_stats(st, &s->st, sizeof(s->st)));
}

uint64_t t_eth_drops(const struct nm_stack_stats *s)
{
	return s->eth_bad + s->eth_not_ours + s->eth_unknown_type + s->eth_vlan_dropped;
}

uint64_t t_corrupt_unchecked_bound(uint64_t corrupted)
{
	uint64_t mean = corrupted / 9, r = 0;

	while ((r + 1) * (r + 1) <= mean)
		r++;
	return mean + 3 * r + 3;
}
