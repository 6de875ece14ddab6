/* SPDX-License-Identifier: MIT */
#ifndef NM_T_TCP_INJECT_UTIL_H
#define NM_T_TCP_INJECT_UTIL_H

/*
 * White-box TCP tests that hand segments to TCP directly, as the IP layer
 * would, as if from a connection's peer: the segment is processed before
 * the call returns, so the test sees the tcb right after it.
 */
#include "tcp_util.h"

static inline void t_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void t_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* What t_inject() sends: flags, seq, ack, len bytes of c, one SACK block
 * [sack_start, sack_end) when they differ; the window is 65535 (scaled). */
struct t_seg {
	uint8_t flags;
	uint32_t seq, ack;
	char c;
	uint32_t len;
	uint32_t sack_start, sack_end;
};

/* The segment s to tp (of stack st), from tp's peer. */
static inline void t_inject(struct nm_stack *st, struct nm_tcp_sock *tp, const struct t_seg *s)
{
	uint32_t hlen = s->sack_start != s->sack_end ? 32 : 20;
	struct nm_skb *skb = nm_skb_alloc(NM_SKB_HEADROOM + hlen + s->len);
	uint8_t *th;

	T_ASSERT(skb);
	th = nm_skb_put(skb, hlen + s->len);
	T_ASSERT(th);
	memset(th, 0, hlen);
	t_put16(th, tp->rport);
	t_put16(th + 2, tp->lport);
	t_put32(th + 4, s->seq);
	t_put32(th + 8, s->ack);
	th[12] = (uint8_t)((hlen / 4) << 4);
	th[13] = s->flags;
	t_put16(th + 14, 0xffff);
	if (hlen > 20) {
		th[20] = th[21] = 1;	/* NOP NOP SACK */
		th[22] = 5;
		th[23] = 10;
		t_put32(th + 24, s->sack_start);
		t_put32(th + 28, s->sack_end);
	}
	memset(th + hlen, s->c, s->len);
	skb->csum_ok = true;	/* as if the NIC checked it */
	nm_tcp_rcv(st, skb, &tp->raddr, &tp->laddr);
}

/* t_pump_until() condition: a pass of both stacks did nothing. */
static inline bool t_quiet(void *p)
{
	struct t_net *n = p;

	return nm_stack_poll(n->sa, 0) == 0 && nm_stack_poll(n->sb, 0) == 0;
}

#endif
