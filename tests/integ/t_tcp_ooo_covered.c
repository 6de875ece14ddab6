/* SPDX-License-Identifier: MIT */
/*
 * Regression (fuzz_tcp_states with nm_tcp_check() after every poll;
 * fuzz/crashes/tcp_states/ooo-covered-empty-segment): a segment that two
 * adjacent OOO segments cover between them, starting inside the first and
 * ending inside the second, was cut at both ends to nothing and queued as
 * an empty segment.  It is a duplicate: now it is counted, reported
 * (DSACK) and dropped as one, like a segment that one OOO segment covers.
 */
#include "t_tcp.h"
#include "sock/sock_internal.h"

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
	T_ASSERT(t_pump_until(&n, t_quiet, &n, 5000));
	tp = nm_sock_tcb(ssd);
	T_ASSERT(tp && tp->state == NM_TCP_ESTABLISHED && tp->sack_ok);
	nxt = tp->rcv_nxt;

	/* [10, 20) and [20, 30) out of order ... */
	t_inject(n.sb, tp, &(struct t_inj){ .flags = TH_ACK, .seq = nxt + 10,
					    .ack = tp->snd_nxt, .c = 'b', .len = 10 });
	t_inject(n.sb, tp, &(struct t_inj){ .flags = TH_ACK, .seq = nxt + 20,
					    .ack = tp->snd_nxt, .c = 'c', .len = 10 });
	T_EQ(tp->ooo_bytes, 20);
	T_OK(nm_stack_get_stats(n.sb, &s0, sizeof(s0)));
	/* ... then [15, 25), all of it here already */
	t_inject(n.sb, tp, &(struct t_inj){ .flags = TH_ACK, .seq = nxt + 15,
					    .ack = tp->snd_nxt, .c = 'x', .len = 10 });
	T_OK(nm_stack_get_stats(n.sb, &s1, sizeof(s1)));
	for (struct nm_skb *s = tp->ooo.head; s; s = s->next)
		queued++;
	T_EQ(queued, 2);
	T_EQ(tp->ooo_bytes, 20);
	T_EQ(s1.tcp_dup_dropped, s0.tcp_dup_dropped + 1);
	T_OK(nm_tcp_check(tp));

	/* the hole fills: the 30 bytes read back as sent the first time */
	t_inject(n.sb, tp, &(struct t_inj){ .flags = TH_ACK | TH_PSH, .seq = nxt,
					    .ack = tp->snd_nxt, .c = 'a', .len = 10 });
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
