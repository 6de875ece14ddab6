/* SPDX-License-Identifier: MIT */
/*
 * Header split and TCP.
 *  1. The NIC splits: 200 sequential connect / send / close cycles, each
 *     done well before a lost SYN would be retransmitted (500 ms), and
 *     every data frame B received was header-split (its RX queue counts
 *     them: hds_packets), headers in the header buffer, payload in a frag.
 *  2. TCP parses a header cut short, whose rest sits in a frag in front of
 *     the payload (skb->linear ends inside it: tcp_cb.doff).  The NIC does
 *     that to a frame it does not split (a pure ACK) that runs past the end
 *     of a header buffer, at whatever byte the buffer ends (part 1 sees a
 *     few, cut 2 bytes short); here every cut point of a 32-byte header
 *     (timestamps) is made on purpose: a data segment built that way (the
 *     linear part up to the cut, the rest and the payload in a page-pool
 *     frag) is handed to B's TCP, and the application reads each payload
 *     exactly, none of the header bytes in it.
 */

#include "t_tcp.h"
#include "pool/page_pool.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* An in-order data segment to tp, its header cut after `cut` bytes. */
static void inject_cut(struct nm_stack *st, struct nm_tcp_sock *tp, struct nm_page_pool *pool,
		       uint32_t cut, const uint8_t *payload, uint32_t plen)
{
	uint8_t th[32];
	struct nm_skb *skb = nm_skb_alloc(64);
	nm_netmem_t nm;
	uint32_t off;
	uint8_t *p;

	memset(th, 0, sizeof(th));
	th[0] = (uint8_t)(tp->rport >> 8);
	th[1] = (uint8_t)tp->rport;
	th[2] = (uint8_t)(tp->lport >> 8);
	th[3] = (uint8_t)tp->lport;
	put32(th + 4, tp->rcv_nxt);
	put32(th + 8, tp->snd_una);
	th[12] = 8 << 4;		/* 32 bytes */
	th[13] = 0x18;			/* PSH|ACK */
	th[14] = 0x7f;
	th[15] = 0xff;
	th[20] = 1;			/* NOP NOP TS */
	th[21] = 1;
	th[22] = 8;
	th[23] = 10;
	put32(th + 24, tp->ts_recent + 1);
	put32(th + 28, 0);
	T_ASSERT(skb);
	memcpy(nm_skb_put(skb, cut), th, cut);
	T_OK(nm_page_pool_alloc_frag(pool, 32 - cut + plen, &nm, &off));
	p = (uint8_t *)nm_netmem_address(nm) + off;
	memcpy(p, th + cut, 32 - cut);
	memcpy(p + 32 - cut, payload, plen);
	T_OK(nm_skb_add_rx_frag(skb, nm, off, 32 - cut + plen));
	skb->csum_ok = true;	/* as a NIC that checked it */
	nm_tcp_rcv(st, skb, &tp->raddr, &tp->laddr);
}

int main(void)
{
	struct t_net n;
	struct sockaddr_in a = t_sin("198.18.0.2", 6901);
	struct nm_queue_stats q0, q1;
	struct nm_page_pool_params pp = { .dir = NM_DMA_FROM_DEVICE };
	struct nm_page_pool *pool;
	struct nm_tcp_sock *tp;
	int lsd, csd, ssd;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6901, 64);
	T_OK(nm_netdev_get_rxq_stats(n.ndb, 0, &q0, sizeof(q0)));
	for (int i = 0; i < 200; i++) {
		uint64_t t0 = t_now_us();
		char b[8];

		csd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
		T_EQ(nm_connect(csd, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
		while ((ssd = nm_accept4(lsd, NULL, NULL, SOCK_NONBLOCK)) < 0) {
			T_EQ(ssd, -EAGAIN);
			if (t_now_us() - t0 > 500000)
				T_FAIL("connect %d took over 500 ms", i);
			t_pump(&n);
		}
		T_EQ(nm_send(csd, "ping", 4, 0), 4);
		while (nm_recv(ssd, b, sizeof(b), 0) == -EAGAIN) {
			if (t_now_us() - t0 > 500000)
				T_FAIL("data %d took over 500 ms", i);
			t_pump(&n);
		}
		T_OK(nm_close(csd));
		T_OK(nm_close(ssd));
		t_pump(&n);
	}
	T_OK(nm_netdev_get_rxq_stats(n.ndb, 0, &q1, sizeof(q1)));
	printf("B's queue: %llu packets, %llu header-split\n",
	       (unsigned long long)(q1.packets - q0.packets),
	       (unsigned long long)(q1.hds_packets - q0.hds_packets));
	T_ASSERT(q1.hds_packets - q0.hds_packets >= 200);

	/* headers that run on into the frags */
	pp.dev = n.nic1;
	T_OK(nm_page_pool_create(&pp, &pool));
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6901, &ssd);
	tp = t_tcb(n.sb, ssd);
	T_ASSERT(tp && tp->ts_ok);
	for (uint32_t cut = 1; cut < 32; cut++) {
		uint8_t pay[100], got[200];
		uint32_t plen = 20 + cut;

		for (uint32_t i = 0; i < plen; i++)
			pay[i] = (uint8_t)(cut * 31 + i);
		inject_cut(n.sb, tp, pool, cut, pay, plen);
		T_EQ(nm_recv(ssd, got, sizeof(got), 0), plen);
		if (memcmp(got, pay, plen))
			T_FAIL("header cut after %u bytes: payload read wrong", cut);
	}
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	t_pump_for(&n, 20);
	T_OK(nm_close(lsd));
	T_EQ(nm_page_pool_destroy(pool), 0);	/* every frag came back */
	t_net_down(&n);
	T_PASS();
}
