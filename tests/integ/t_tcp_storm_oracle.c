/* SPDX-License-Identifier: MIT */
/*
 * The idle-storm oracle (t_storm_segments(), tests/lib/t_tcp.h) that fuzz
 * harnesses call: two idle stacks exchange no segment, in every state a
 * connection rests in: established after data both ways, half closed (FIN_WAIT_2 against
 * CLOSE_WAIT), closed (TIME_WAIT against CLOSED), a listener alone.  And
 * the oracle does see a storm: with tcp_invalid_ratelimit off on both
 * stacks, issue 13's spoofed FIN|ACK makes A and B answer each other one
 * segment per loop pass each, and t_storm_segments() counts them.
 */
#include "t_tcp.h"
#include "nic/wire_drv.h"

#define PASSES	20000

static void quiet(struct t_net *n, const char *what)
{
	int64_t segs;

	t_pump_for(n, 100);	/* a delayed ACK (40 ms) goes out first */
	segs = T_OK(t_storm_segments(n->sa, n->sb, PASSES, 300));
	printf("%s: %lld segments\n", what, (long long)segs);
	if (segs != 0)
		T_FAIL("%s: %lld segments between idle stacks", what, (long long)segs);
}

/* Forge issue 13's FIN|ACK from A into B (see t_tcp_ack_storm). */
static void spoof_fin(struct t_net *n, int csd, int ssd)
{
	struct nm_tcp_sock *ta = t_tcb(n->sa, csd), *tb = t_tcb(n->sb, ssd);
	struct t_tcp4_seg s = { .saddr = 0xc6120001, .daddr = 0xc6120002,
				.flags = TH_FIN | TH_ACK };
	uint8_t frame[128];
	struct iovec iov = { .iov_base = frame };

	T_ASSERT(ta && tb);
	T_OK(nm_netdev_get_mac(n->nda, s.src_mac));
	T_OK(nm_netdev_get_mac(n->ndb, s.dst_mac));
	s.sport = ta->lport;
	s.dport = ta->rport;
	s.seq = tb->rcv_nxt;
	s.ack = tb->snd_una;
	s.win = (uint16_t)((ta->rcv_adv - ta->rcv_nxt) >> ta->rcv_wscale);
	iov.iov_len = t_tcp4_seg(frame, &s);
	T_OK(nm_wire_xmit(n->wa, &iov, 1, NULL));
}

int main(void)
{
	struct nm_stack_tcp_sysctl off = { .invalid_ratelimit_ms = 0,
					   .challenge_ack_limit = 0x7fffffff };
	struct t_net n;
	int lsd, csd, ssd;
	int64_t segs;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 7101, 4);
	quiet(&n, "a listener alone");

	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7101, &ssd);
	quiet(&n, "established, no data yet");
	t_stream(&n, csd, ssd, 1 << 20, 5000);
	t_stream(&n, ssd, csd, 1 << 20, 5000);
	quiet(&n, "established after 1 MiB each way");

	T_OK(nm_shutdown(csd, SHUT_WR));
	t_pump_for(&n, 50);
	T_EQ(t_tcp_state(csd), TCP_FIN_WAIT2);
	T_EQ(t_tcp_state(ssd), TCP_CLOSE_WAIT);
	quiet(&n, "FIN_WAIT_2 / CLOSE_WAIT");

	T_OK(nm_close(ssd));
	t_pump_for(&n, 50);
	T_EQ(t_tcp_state(csd), TCP_TIME_WAIT);
	quiet(&n, "TIME_WAIT / CLOSED");
	T_OK(nm_close(csd));
	quiet(&n, "TIME_WAIT orphaned");

	/* the oracle sees a storm: the same spoofed FIN with the limit off */
	T_OK(nm_stack_set_tcp_sysctl(n.sa, &off));
	T_OK(nm_stack_set_tcp_sysctl(n.sb, &off));
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7101, &ssd);
	t_pump_for(&n, 100);
	spoof_fin(&n, csd, ssd);
	segs = T_OK(t_storm_segments(n.sa, n.sb, 1000, 0));
	printf("limits off, spoofed FIN: %lld segments in 1000 passes\n", (long long)segs);
	T_ASSERT(segs >= 1000);	/* one per pass and side, give or take the first */
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
