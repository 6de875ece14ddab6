/* SPDX-License-Identifier: MIT */
/*
 * RST in each state: close with unread data resets the peer (ECONNRESET);
 * SO_LINGER {1, 0} aborts with RST; a RST reaches a FIN_WAIT_2 and a
 * CLOSE_WAIT socket; closing a listener resets its unaccepted children;
 * a SYN_SENT socket is refused by a RST.  An in-window RST whose sequence
 * is not exactly rcv_nxt only draws a challenge ACK (RFC 5961; one per
 * tcp_invalid_ratelimit, each one with the limit off) and the connection
 * lives on; an exact one resets it.
 */
#include "t_tcp.h"

static int g_sd;
static ssize_t g_r;

static bool recv_fails(void *p)
{
	char b[64];

	(void)p;
	g_r = nm_recv(g_sd, b, sizeof(b), 0);
	return g_r != -EAGAIN && g_r <= 0;
}

static bool closed_state(void *p)
{
	return t_tcp_state(*(int *)p) == TCP_CLOSE;
}

/* Inject a segment into st as if from peer (raw TCP header, no payload). */
static void inject(struct nm_stack *st, struct nm_tcp_sock *tp, uint32_t seq, uint32_t ack,
		   uint8_t flags)
{
	struct nm_skb *skb = nm_skb_alloc(64);
	uint8_t *th = nm_skb_put(skb, 20);

	memset(th, 0, 20);
	th[0] = (uint8_t)(tp->rport >> 8);
	th[1] = (uint8_t)tp->rport;
	th[2] = (uint8_t)(tp->lport >> 8);
	th[3] = (uint8_t)tp->lport;
	th[4] = (uint8_t)(seq >> 24); th[5] = (uint8_t)(seq >> 16);
	th[6] = (uint8_t)(seq >> 8); th[7] = (uint8_t)seq;
	th[8] = (uint8_t)(ack >> 24); th[9] = (uint8_t)(ack >> 16);
	th[10] = (uint8_t)(ack >> 8); th[11] = (uint8_t)ack;
	th[12] = 5 << 4;
	th[13] = flags;
	th[14] = 0xff;
	skb->csum_ok = true;
	nm_tcp_rcv(st, skb, &tp->raddr, &tp->laddr);
}

int main(void)
{
	struct t_net n;
	int lsd, csd, ssd;
	struct linger lg = { 1, 0 };
	struct nm_stack_stats s0, s1;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6001, 16);

	/* 1. close with unread data: RST, the peer reads ECONNRESET */
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6001, &ssd);
	T_EQ(nm_send(csd, "hello", 5, 0), 5);
	t_pump_for(&n, 50);
	T_OK(nm_close(ssd));	/* 5 unread bytes */
	g_sd = csd;
	T_ASSERT(t_pump_until(&n, recv_fails, NULL, 2000));
	T_EQ(g_r, -ECONNRESET);
	T_OK(nm_close(csd));

	/* 2. SO_LINGER {1, 0}: abort */
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6001, &ssd);
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	T_OK(nm_close(csd));
	g_sd = ssd;
	T_ASSERT(t_pump_until(&n, recv_fails, NULL, 2000));
	T_EQ(g_r, -ECONNRESET);
	T_OK(nm_close(ssd));

	/* 3. RST into FIN_WAIT_2 (A) from CLOSE_WAIT (B, linger 0) */
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6001, &ssd);
	T_OK(nm_shutdown(csd, SHUT_WR));
	t_pump_for(&n, 50);
	T_EQ(t_tcp_state(csd), TCP_FIN_WAIT2);
	T_EQ(t_tcp_state(ssd), TCP_CLOSE_WAIT);
	T_OK(nm_setsockopt(ssd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	T_OK(nm_close(ssd));
	T_ASSERT(t_pump_until(&n, closed_state, &csd, 2000));
	T_OK(nm_close(csd));

	/* 4. RFC 5961: in-window RST off rcv_nxt -> challenge ACK only */
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6001, &ssd);
	{
		struct nm_tcp_sock *tp = t_tcb(n.sb, ssd);

		struct nm_stack_tcp_sysctl sc, nolimit;

		T_ASSERT(tp);
		T_OK(nm_stack_get_stats(n.sb, &s0, sizeof(s0)));
		inject(n.sb, tp, tp->rcv_nxt + 100, 0, TH_RST);
		inject(n.sb, tp, tp->rcv_nxt + 1, tp->snd_nxt, TH_RST | TH_ACK);
		inject(n.sb, tp, tp->rcv_nxt, tp->snd_nxt, TH_SYN | TH_ACK);	/* SYN: challenge */
		inject(n.sb, tp, tp->rcv_nxt - 100000, 0, TH_RST);	/* outside: ignored */
		T_OK(nm_stack_get_stats(n.sb, &s1, sizeof(s1)));
		/* one challenge ACK; the other two fall within the connection's
		 * tcp_invalid_ratelimit (500 ms) and are counted as skipped */
		T_EQ(s1.tcp_challenge_acks - s0.tcp_challenge_acks, 1);
		T_EQ(s1.tcp_ack_skipped_challenge - s0.tcp_ack_skipped_challenge, 2);
		T_EQ(t_tcp_state(ssd), TCP_ESTABLISHED);
		/* without the per-connection limit each draws its own */
		T_OK(nm_stack_get_tcp_sysctl(n.sb, &sc));
		nolimit = sc;
		nolimit.invalid_ratelimit_ms = 0;
		T_OK(nm_stack_set_tcp_sysctl(n.sb, &nolimit));
		inject(n.sb, tp, tp->rcv_nxt + 100, 0, TH_RST);
		inject(n.sb, tp, tp->rcv_nxt + 1, tp->snd_nxt, TH_RST | TH_ACK);
		inject(n.sb, tp, tp->rcv_nxt, tp->snd_nxt, TH_SYN | TH_ACK);
		T_OK(nm_stack_get_stats(n.sb, &s0, sizeof(s0)));
		T_EQ(s0.tcp_challenge_acks - s1.tcp_challenge_acks, 3);
		T_OK(nm_stack_set_tcp_sysctl(n.sb, &sc));
		T_EQ(t_tcp_state(ssd), TCP_ESTABLISHED);
		t_pump_for(&n, 20);
		T_EQ(nm_send(csd, "ok", 2, 0), 2);
		t_pump_for(&n, 20);
		{
			char b[4];

			T_EQ(nm_recv(ssd, b, sizeof(b), 0), 2);
		}
		/* exactly rcv_nxt: reset */
		inject(n.sb, tp, tp->rcv_nxt, 0, TH_RST);
		T_EQ(t_tcp_state(ssd), TCP_CLOSE);
		{
			char b[4];

			T_EQ(nm_recv(ssd, b, sizeof(b), 0), -ECONNRESET);
		}
	}
	T_OK(nm_close(ssd));
	T_OK(nm_close(csd));

	/* 5. closing a listener resets children nobody accepted */
	{
		struct sockaddr_in a = t_sin("198.18.0.2", 6001);
		int sd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
		struct nm_stack_stats sb0, sb1;

		T_EQ(nm_connect(sd, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
		t_pump_for(&n, 50);
		T_EQ(t_tcp_state(sd), TCP_ESTABLISHED);
		T_OK(nm_stack_get_stats(n.sb, &sb0, sizeof(sb0)));
		T_OK(nm_close(lsd));
		T_OK(nm_stack_get_stats(n.sb, &sb1, sizeof(sb1)));
		T_ASSERT(sb1.tcp_rst_sent > sb0.tcp_rst_sent);
		g_sd = sd;
		T_ASSERT(t_pump_until(&n, recv_fails, NULL, 2000));
		T_EQ(g_r, -ECONNRESET);
		T_OK(nm_close(sd));
	}
	t_net_down(&n);
	T_PASS();
}
