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
#include "t_tcp.h"
#include "sock/sock_internal.h"

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
	T_ASSERT(t_pump_until(&n, t_quiet, &n, 5000));
	tp = nm_sock_tcb(ssd);
	T_ASSERT(tp && tp->state == NM_TCP_ESTABLISHED);
	nxt = tp->rcv_nxt;

	/* 20 bytes right past where the FIN will be, out of order ... */
	t_inject(n.sb, tp, &(struct t_inj){ .flags = TH_ACK, .seq = nxt + 10,
					    .ack = tp->snd_nxt, .c = 'X', .len = 20 });
	T_ASSERT(tp->ooo.head);
	T_OK(nm_tcp_check(tp));
	/* ... then 10 bytes at rcv_nxt with the FIN after them */
	t_inject(n.sb, tp, &(struct t_inj){ .flags = TH_ACK | TH_PSH | TH_FIN, .seq = nxt,
					    .ack = tp->snd_nxt, .c = 'a', .len = 10 });
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
