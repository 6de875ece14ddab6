/* SPDX-License-Identifier: MIT */
/*
 * Regression (fuzz_tcp_states with nm_tcp_check() after every poll;
 * fuzz/crashes/tcp_states/ooo-covered-empty-segment): a segment that two
 * adjacent OOO segments cover between them, starting inside the first and
 * ending inside the second, was cut at both ends to nothing and queued as
 * an empty segment.  It is a duplicate: now it is counted, reported
 * (DSACK) and dropped as one, like a segment that one OOO segment covers.
 */
#include "tcp_util.h"
#include "sock/sock_internal.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A segment from tp's peer: len bytes of c at seq, acknowledging what tp
 * sent. */
static void inject(struct nm_stack *st, struct nm_tcp_sock *tp, uint32_t seq, uint8_t flags,
		   char c, uint32_t len)
{
	struct nm_skb *skb = nm_skb_alloc(NM_SKB_HEADROOM + 20 + len);
	uint8_t *th;

	T_ASSERT(skb);
	th = nm_skb_put(skb, 20 + len);
	T_ASSERT(th);
	memset(th, 0, 20);
	put16(th, tp->rport);
	put16(th + 2, tp->lport);
	put32(th + 4, seq);
	put32(th + 8, tp->snd_nxt);
	th[12] = 5 << 4;
	th[13] = flags;
	put16(th + 14, 0xffff);
	memset(th + 20, c, len);
	skb->csum_ok = true;	/* as if the NIC checked it */
	nm_tcp_rcv(st, skb, &tp->raddr, &tp->laddr);
}

static bool quiet(void *p)
{
	struct t_net *n = p;

	return nm_stack_poll(n->sa, 0) == 0 && nm_stack_poll(n->sb, 0) == 0;
}

int main(void)
{
	struct t_net n;
	int lsd, csd, ssd;
	struct nm_tcp_sock *tp;
	struct nm_stack_stats s0, s1;
	uint32_t nxt, queued = 0;
	char buf[64];

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 7201, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7201, &ssd);
	T_ASSERT(t_pump_until(&n, quiet, &n, 5000));
	tp = nm_sock_tcb(ssd);
	T_ASSERT(tp && tp->state == NM_TCP_ESTABLISHED && tp->sack_ok);
	nxt = tp->rcv_nxt;

	/* [10, 20) and [20, 30) out of order ... */
	inject(n.sb, tp, nxt + 10, TH_ACK, 'b', 10);
	inject(n.sb, tp, nxt + 20, TH_ACK, 'c', 10);
	T_EQ(tp->ooo_bytes, 20);
	T_OK(nm_stack_get_stats(n.sb, &s0));
	/* ... then [15, 25), all of it here already */
	inject(n.sb, tp, nxt + 15, TH_ACK, 'x', 10);
	T_OK(nm_stack_get_stats(n.sb, &s1));
	for (struct nm_skb *s = tp->ooo.head; s; s = s->next)
		queued++;
	T_EQ(queued, 2);
	T_EQ(tp->ooo_bytes, 20);
	T_EQ(s1.tcp_dup_dropped, s0.tcp_dup_dropped + 1);
	T_OK(nm_tcp_check(tp));

	/* the hole fills: the 30 bytes read back as sent the first time */
	inject(n.sb, tp, nxt, TH_ACK | TH_PSH, 'a', 10);
	T_ASSERT(!tp->ooo.head);
	T_OK(nm_tcp_check(tp));
	T_EQ(nm_recv(ssd, buf, sizeof(buf), MSG_DONTWAIT), 30);
	T_ASSERT(!memcmp(buf, "aaaaaaaaaabbbbbbbbbbcccccccccc", 30));

	T_OK(nm_close(ssd));
	T_OK(nm_close(csd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
