/* SPDX-License-Identifier: MIT */
/*
 * Window scaling and timestamps (RFC 7323): with a 4 MiB receive buffer
 * both sides negotiate scale >= 7, timestamps and SACK; the sender keeps
 * more than 64 KiB in flight (only possible with scaling); a peer whose
 * SYN lacks the options gets none (scale 0, window capped at 65535).
 */
#include "t_tcp.h"

int main(void)
{
	struct t_net n;
	int lsd, csd, ssd, v = 2 << 20;
	struct tcp_info ti;
	socklen_t l = sizeof(ti);
	struct nm_tcp_sock *tc;
	uint32_t max_flight = 0;
	static uint8_t buf[1 << 20];

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6301, 16);
	T_OK(nm_setsockopt(lsd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6301, &ssd);
	T_OK(nm_getsockopt(ssd, IPPROTO_TCP, TCP_INFO, &ti, &l));
	T_ASSERT(ti.tcpi_rcv_wscale >= 7);
	T_ASSERT(ti.tcpi_snd_wscale >= 7);
	T_EQ(ti.tcpi_options & 7, 7);	/* timestamps, SACK, window scale */
	tc = t_tcb(n.sa, csd);
	T_ASSERT(tc->snd_wscale >= 7 && tc->ts_ok && tc->sack_ok);
	/* push 8 MiB without reading for a while: flight passes 64 KiB */
	for (int round = 0; round < 8; round++) {
		size_t off = 0;

		while (off < sizeof(buf)) {
			ssize_t r = nm_send(csd, buf + off, sizeof(buf) - off, 0);

			if (r > 0)
				off += (size_t)r;
			T_OK(nm_stack_poll(n.sa, 0));
			if (nm_tcp_flight(tc) > max_flight)
				max_flight = nm_tcp_flight(tc);
			T_OK(nm_stack_poll(n.sb, 0));
			while (nm_recv(ssd, buf, sizeof(buf), 0) > 0)
				;
		}
	}
	printf("max flight %u, snd_wnd %u\n", max_flight, tc->snd_wnd);
	T_ASSERT(max_flight > 65535);
	T_ASSERT(tc->max_window > 65535);
	/* a bare SYN (no options) to the listener: the child gets none */
	{
		struct nm_skb *skb = nm_skb_alloc(64);
		uint8_t *th = nm_skb_put(skb, 20);
		struct nm_addr src = { .b = { [10] = 0xff, [11] = 0xff, 198, 18, 0, 1 } };
		struct nm_addr dst = { .b = { [10] = 0xff, [11] = 0xff, 198, 18, 0, 2 } };
		struct nm_tcp_sock *lp = nm_tcp_lookup_listener(n.sb->tcp, &dst, 6301), *c;

		/* from a port of its own: the client's random ephemeral port
		 * can be 40000, and its SYN would reach that connection */
		uint16_t sport = tc->lport == 40000 ? 40001 : 40000;

		T_ASSERT(lp);
		memset(th, 0, 20);
		th[0] = (uint8_t)(sport >> 8);
		th[1] = (uint8_t)sport;
		th[2] = 6301 >> 8; th[3] = 6301 & 0xff;
		th[7] = 1;
		th[12] = 5 << 4;
		th[13] = TH_SYN;
		th[14] = 0x20;
		skb->csum_ok = true;
		nm_tcp_rcv(n.sb, skb, &src, &dst);
		T_ASSERT(!nm_tcp_list_empty(&lp->synq));
		c = nm_container_of(lp->synq.prev, struct nm_tcp_sock, acq_node);
		T_ASSERT(!c->ws_ok && !c->ts_ok && !c->sack_ok);
		T_EQ(c->snd_wscale, 0);
		T_EQ(c->rcv_wscale, 0);
		T_EQ(c->mss, 536);
		T_EQ(c->snd_wnd, 0x2000);
		T_ASSERT(c->rcv_adv - c->rcv_nxt <= 65535);
	}
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
