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
#include "t_tcp.h"
#include "sock/sock_internal.h"

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
	T_ASSERT(t_pump_until(&n, t_quiet, &n, 5000));
	tp = nm_sock_tcb(csd);
	T_ASSERT(tp && tp->state == NM_TCP_ESTABLISHED && tp->sack_ok);

	/* bytes in flight from A (B is not polled) */
	una = tp->snd_una;
	T_EQ(nm_send(csd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	T_ASSERT(seq_ge(tp->snd_max, una + 10000));	/* cwnd: 10 segments */
	/* B acknowledges 5000 of them ... */
	t_inject(n.sa, tp, &(struct t_inj){ .flags = TH_ACK, .seq = tp->rcv_nxt,
					    .ack = una + 5000 });
	T_EQ(tp->snd_una, una + 5000);
	T_EQ(tp->nr_score, 0);
	/* ... then an older ACK arrives, SACKing [3000, 8000) */
	t_inject(n.sa, tp, &(struct t_inj){ .flags = TH_ACK, .seq = tp->rcv_nxt, .ack = una + 1000,
					    .sack_start = una + 3000, .sack_end = una + 8000 });
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
