/* SPDX-License-Identifier: MIT */
/*
 * Regression (fuzz_tcp_states with nm_tcp_check() after every poll;
 * fuzz/crashes/tcp_states/data-past-fin-queued): bytes waiting in the OOO
 * queue past the peer's FIN were moved into the receive queue when the FIN
 * arrived in order.  The receive queue then skipped the FIN's sequence
 * number, rcvq_bytes counted one byte less than the queue held, and the
 * reader got the bytes past the FIN as stream data (and rcvq_bytes
 * wrapped).  An honest peer sends nothing past its FIN; Linux drops the
 * OOO queue when the FIN is taken (tcp_fin()), and so does netmem now: the
 * reader gets exactly the bytes before the FIN, then EOF.
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
	uint32_t nxt;
	char buf[64];

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 7200, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7200, &ssd);
	T_ASSERT(t_pump_until(&n, quiet, &n, 5000));
	tp = nm_sock_tcb(ssd);
	T_ASSERT(tp && tp->state == NM_TCP_ESTABLISHED);
	nxt = tp->rcv_nxt;

	/* 20 bytes right past where the FIN will be, out of order ... */
	inject(n.sb, tp, nxt + 10, TH_ACK, 'X', 20);
	T_ASSERT(tp->ooo.head);
	T_OK(nm_tcp_check(tp));
	/* ... then 10 bytes at rcv_nxt with the FIN after them */
	inject(n.sb, tp, nxt, TH_ACK | TH_PSH | TH_FIN, 'a', 10);
	T_EQ(tp->state, NM_TCP_CLOSE_WAIT);
	T_EQ(tp->rcv_nxt, nxt + 11);
	T_ASSERT(!tp->ooo.head && tp->ooo_bytes == 0);
	T_EQ(tp->rcvq_bytes, 10);
	T_OK(nm_tcp_check(tp));

	/* the reader gets the 10 bytes, then EOF */
	T_EQ(nm_recv(ssd, buf, sizeof(buf), MSG_DONTWAIT), 10);
	T_ASSERT(!memcmp(buf, "aaaaaaaaaa", 10));
	T_EQ(nm_recv(ssd, buf, sizeof(buf), MSG_DONTWAIT), 0);
	T_OK(nm_tcp_check(tp));

	T_OK(nm_close(ssd));
	T_OK(nm_close(csd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
