/* SPDX-License-Identifier: MIT */
/*
 * Regression (fuzz_tcp_states with nm_tcp_check() after every poll;
 * fuzz/crashes/tcp_states/sack-below-snd-una): an old ACK (below snd_una,
 * still acceptable: a reordered one) carrying a SACK block that starts
 * below snd_una and ends above it put the whole block in the scoreboard,
 * bytes already acknowledged included, so sacked_bytes (which decides
 * when a hole counts as lost) counted them.  The block is now cut at
 * snd_una, as it was already cut at the ACK.
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

/* An ACK from tp's peer of ack, with one SACK block [s, e) if s != e. */
static void inject_ack(struct nm_stack *st, struct nm_tcp_sock *tp, uint32_t ack, uint32_t s,
		       uint32_t e)
{
	uint32_t hlen = s != e ? 32 : 20;
	struct nm_skb *skb = nm_skb_alloc(NM_SKB_HEADROOM + hlen);
	uint8_t *th;

	T_ASSERT(skb);
	th = nm_skb_put(skb, hlen);
	T_ASSERT(th);
	memset(th, 0, hlen);
	put16(th, tp->rport);
	put16(th + 2, tp->lport);
	put32(th + 4, tp->rcv_nxt);
	put32(th + 8, ack);
	th[12] = (uint8_t)((hlen / 4) << 4);
	th[13] = TH_ACK;
	put16(th + 14, 0xffff);
	if (s != e) {
		th[20] = th[21] = 1;	/* NOP NOP SACK */
		th[22] = 5;
		th[23] = 10;
		put32(th + 24, s);
		put32(th + 28, e);
	}
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
	static uint8_t buf[20000];
	struct t_net n;
	int lsd, csd, ssd;
	struct nm_tcp_sock *tp;
	uint32_t una;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 7202, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7202, &ssd);
	T_ASSERT(t_pump_until(&n, quiet, &n, 5000));
	tp = nm_sock_tcb(csd);
	T_ASSERT(tp && tp->state == NM_TCP_ESTABLISHED && tp->sack_ok);

	/* bytes in flight from A (B is not polled) */
	una = tp->snd_una;
	T_EQ(nm_send(csd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	T_ASSERT(seq_ge(tp->snd_max, una + 10000));	/* cwnd: 10 segments */
	/* B acknowledges 5000 of them ... */
	inject_ack(n.sa, tp, una + 5000, 0, 0);
	T_EQ(tp->snd_una, una + 5000);
	T_EQ(tp->nr_score, 0);
	/* ... then an older ACK arrives, SACKing [3000, 8000) */
	inject_ack(n.sa, tp, una + 1000, una + 3000, una + 8000);
	T_EQ(tp->snd_una, una + 5000);
	T_EQ(tp->nr_score, 1);
	T_EQ(tp->score[0].start, una + 5000);
	T_EQ(tp->score[0].end, una + 8000);
	T_EQ(tp->sacked_bytes, 3000);
	T_OK(nm_tcp_check(tp));

	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
