/* SPDX-License-Identifier: MIT */
/*
 * Parse once: TCP takes the header length and the options from the NIC's
 * parse that came with the skb (NM_RX_F_PARSED) and does not walk the
 * options again; it parses for itself only an skb the NIC did not parse,
 * or one whose parse does not sit where IP found the TCP header.  Each
 * segment here is made so that the parse and the bytes disagree, and the
 * connection's state says which one TCP read:
 *  1. timestamps: ts_recent follows the parse's TSval, not the header's;
 *     with the parse's L4 offset off by one, the header's;
 *  2. SACK: blocks in the header that the parse does not report are not
 *     seen; two SACK options that the parse reports (its first option
 *     holds fewer blocks than it counts) are gathered from the bytes, both;
 *     a parse whose SACK option lies past the header is not trusted.
 */
#include "t_tcp.h"
#include "nic/netdev_drv.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A segment to tp (seq rcv_nxt, ack ack) with the options opts (olen, a
 * multiple of 4) and plen bytes of payload, linear, checksum trusted, as
 * if an IPv4 NIC had parsed it into *parse (flags PARSED when parse is
 * not NULL) with its TCP header at frame offset 34. */
static void inject(struct nm_stack *st, struct nm_tcp_sock *tp, uint32_t ack, const uint8_t *opts,
		   uint32_t olen, const uint8_t *payload, uint32_t plen,
		   const struct nm_rx_parse *parse)
{
	struct nm_skb *skb = nm_skb_alloc(256 + plen);
	uint8_t *th;

	T_ASSERT(skb);
	th = nm_skb_put(skb, 20 + olen + plen);
	memset(th, 0, 20);
	th[0] = (uint8_t)(tp->rport >> 8);
	th[1] = (uint8_t)tp->rport;
	th[2] = (uint8_t)(tp->lport >> 8);
	th[3] = (uint8_t)tp->lport;
	put32(th + 4, tp->rcv_nxt);
	put32(th + 8, ack);
	th[12] = (uint8_t)((20 + olen) / 4 << 4);
	th[13] = plen ? 0x18 : 0x10;
	th[14] = 0x7f;
	th[15] = 0xff;
	memcpy(th + 20, opts, olen);
	if (plen)
		memcpy(th + 20 + olen, payload, plen);
	skb->csum_ok = true;
	skb->l3_off = 14;
	skb->l4_off = 34;
	if (parse) {
		skb->rx_flags = NM_RX_F_PARSED;
		skb->parse = *parse;
	}
	nm_tcp_rcv(st, skb, &tp->raddr, &tp->laddr);
}

static struct nm_rx_parse tcp4_parse(uint32_t olen, uint8_t opts)
{
	return (struct nm_rx_parse){ .l3_off = 14, .l4_off = 34, .payload_off = 34 + 20 + olen,
				     .l3_proto = 4, .l4_proto = IPPROTO_TCP, .tcp_opts = opts };
}

int main(void)
{
	struct t_net n;
	struct nm_tcp_sock *tp, *ctp;
	struct nm_rx_parse p;
	uint8_t opts[40], got[64], pay[10] = "parse-once";
	uint32_t ts0, una;
	int lsd, csd, ssd;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6902, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6902, &ssd);
	tp = t_tcb(n.sb, ssd);
	ctp = t_tcb(n.sa, csd);
	T_ASSERT(tp && tp->ts_ok && ctp && ctp->ts_ok && ctp->sack_ok);

	/* 1. timestamps */
	memcpy(opts, (const uint8_t[]){ 1, 1, 8, 10 }, 4);
	ts0 = tp->ts_recent;
	put32(opts + 4, ts0 + 1);		/* the header says +1 ... */
	put32(opts + 8, 0);
	p = tcp4_parse(12, NM_RX_TCPOPT_TS);
	p.tcp_tsval = ts0 + 1000;		/* ... the NIC +1000 */
	inject(n.sb, tp, tp->snd_una, opts, 12, pay, sizeof(pay), &p);
	T_EQ(tp->ts_recent, ts0 + 1000);
	T_EQ(nm_recv(ssd, got, sizeof(got), 0), (ssize_t)sizeof(pay));
	T_ASSERT(!memcmp(got, pay, sizeof(pay)));

	put32(opts + 4, ts0 + 2000);
	p.tcp_tsval = ts0 + 5000;
	p.l4_off = 35;				/* not where IP found TCP: not used */
	inject(n.sb, tp, tp->snd_una, opts, 12, pay, sizeof(pay), &p);
	T_EQ(tp->ts_recent, ts0 + 2000);
	T_EQ(nm_recv(ssd, got, sizeof(got), 0), (ssize_t)sizeof(pay));

	put32(opts + 4, ts0 + 3000);		/* no parse at all: the header's */
	inject(n.sb, tp, tp->snd_una, opts, 12, pay, sizeof(pay), NULL);
	T_EQ(tp->ts_recent, ts0 + 3000);
	T_EQ(nm_recv(ssd, got, sizeof(got), 0), (ssize_t)sizeof(pay));

	/* 2. SACK, at the client with data out: A sends, B is not polled */
	static uint8_t data[10000];
	T_EQ(nm_send(csd, data, sizeof(data), 0), (ssize_t)sizeof(data));
	T_OK(nm_stack_poll(n.sa, 0));
	una = ctp->snd_una;
	T_ASSERT(ctp->snd_max - una >= 6000);
	memcpy(opts, (const uint8_t[]){ 1, 1, 8, 10 }, 4);
	put32(opts + 4, ctp->ts_recent);
	put32(opts + 8, 0);
	opts[12] = 5;				/* one block ... */
	opts[13] = 10;
	put32(opts + 14, una + 1000);
	put32(opts + 18, una + 2000);
	opts[22] = 5;				/* ... then another */
	opts[23] = 10;
	put32(opts + 24, una + 4000);
	put32(opts + 28, una + 5000);
	p = tcp4_parse(32, NM_RX_TCPOPT_TS);	/* the NIC saw no SACK */
	p.tcp_tsval = ctp->ts_recent;
	inject(n.sa, ctp, una, opts, 32, NULL, 0, &p);
	T_EQ(ctp->sacked_bytes, 0);
	T_EQ(ctp->nr_score, 0);
	p.tcp_opts |= NM_RX_TCPOPT_SACK;	/* it saw both, first at 32 */
	p.tcp_sack_off = 20 + 12;
	p.tcp_sack_blocks = 2;
	inject(n.sa, ctp, una, opts, 32, NULL, 0, &p);
	T_EQ(ctp->nr_score, 2);
	T_EQ(ctp->sacked_bytes, 2000);
	/* a parse that points past the header is not trusted either */
	put32(opts + 14, una + 7000);
	put32(opts + 18, una + 7500);
	opts[22] = opts[23] = 1;		/* NOP NOP */
	p = tcp4_parse(24, NM_RX_TCPOPT_TS | NM_RX_TCPOPT_SACK);
	p.tcp_tsval = ctp->ts_recent;
	p.tcp_sack_off = 60;
	p.tcp_sack_blocks = 1;
	inject(n.sa, ctp, una, opts, 24, NULL, 0, &p);
	T_EQ(ctp->nr_score, 3);
	T_EQ(ctp->sacked_bytes, 2500);

	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	t_pump_for(&n, 50);
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
