/* SPDX-License-Identifier: MIT */
/*
 * Issue 13's ACK storm, between two netmem stacks over the shm wire.
 *
 * An idle established connection A -> B; one spoofed 20-byte FIN|ACK goes
 * onto the wire as if from A (seq = B's rcv_nxt, ack = B's snd_una, valid
 * checksums).  B takes the FIN (CLOSE_WAIT) and acknowledges it; that ACK
 * covers a byte A never sent.  Before the fix A answered it with an ACK
 * below B's window, B answered that, and so on: ~420 000 segments a second
 * each way, forever.  Now (as Linux): A's reply to the ACK of unsent data
 * is a challenge ACK, B's reply to that out-of-window ACK a duplicate ACK,
 * and A's next challenge ACK falls within tcp_invalid_ratelimit (500 ms):
 * skipped and counted.  Asserted: at most T_STORM_SETTLE segments in the
 * 2 s after the injection (the rate is printed), the skip counted, and the
 * connection then cleanly ended: A's next data lands beyond B's FIN, B
 * resets (Linux's TCPAbortOnData), A reads ECONNRESET, both CLOSED.
 */
#include "t_tcp.h"
#include "nic/wire_drv.h"

static bool both_closed(void *arg)
{
	int *sd = arg;

	return t_tcp_state(sd[0]) == TCP_CLOSE && t_tcp_state(sd[1]) == TCP_CLOSE;
}

int main(void)
{
	struct t_net n;
	struct nm_stack_stats a0, b0, a1, b1;
	struct t_tcp4_seg s = { 0 };
	struct nm_tcp_sock *ta, *tb;
	uint8_t frame[128];
	struct iovec iov = { .iov_base = frame };
	uint64_t t0, us;
	int64_t segs;
	int lsd, csd, ssd, sds[2];
	char buf[64];

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 7001, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7001, &ssd);
	t_stream(&n, csd, ssd, 8192, 2000);
	t_stream(&n, ssd, csd, 8192, 2000);
	t_pump_for(&n, 100);	/* delayed ACKs out */
	T_EQ(t_storm_segments(n.sa, n.sb, 100000, 200), 0);	/* idle: quiet */

	ta = t_tcb(n.sa, csd);
	tb = t_tcb(n.sb, ssd);
	T_ASSERT(ta && tb);
	T_OK(nm_netdev_get_mac(n.nda, s.src_mac));
	T_OK(nm_netdev_get_mac(n.ndb, s.dst_mac));
	s.saddr = 0xc6120001;	/* 198.18.0.1 */
	s.daddr = 0xc6120002;
	s.sport = ta->lport;
	s.dport = ta->rport;
	s.seq = tb->rcv_nxt;
	s.ack = tb->snd_una;
	s.flags = TH_FIN | TH_ACK;
	s.win = (uint16_t)((ta->rcv_adv - ta->rcv_nxt) >> ta->rcv_wscale);
	iov.iov_len = t_tcp4_seg(frame, &s);
	T_OK(nm_stack_get_stats(n.sa, &a0, sizeof(a0)));
	T_OK(nm_stack_get_stats(n.sb, &b0, sizeof(b0)));
	T_OK(nm_wire_xmit(n.wa, &iov, 1, NULL));

	t0 = t_now_us();
	segs = T_OK(t_storm_segments(n.sa, n.sb, UINT32_MAX, 2000));
	us = t_now_us() - t0;
	T_OK(nm_stack_get_stats(n.sa, &a1, sizeof(a1)));
	T_OK(nm_stack_get_stats(n.sb, &b1, sizeof(b1)));
	printf("after one spoofed FIN|ACK: %lld segments in %.2f s (%.0f/s): A sent %llu, "
	       "B sent %llu; A: challenge ACKs %llu, skipped %llu; B: dupACKs skipped %llu\n",
	       (long long)segs, (double)us / 1e6, (double)segs * 1e6 / (double)us,
	       (unsigned long long)(a1.tcp_out - a0.tcp_out),
	       (unsigned long long)(b1.tcp_out - b0.tcp_out),
	       (unsigned long long)(a1.tcp_challenge_acks - a0.tcp_challenge_acks),
	       (unsigned long long)(a1.tcp_ack_skipped_challenge - a0.tcp_ack_skipped_challenge),
	       (unsigned long long)(b1.tcp_ack_skipped_seq - b0.tcp_ack_skipped_seq));
	T_EQ(t_tcp_state(ssd), TCP_CLOSE_WAIT);
	T_EQ(t_tcp_state(csd), TCP_ESTABLISHED);
	T_ASSERT(segs >= 1);	/* B acknowledged the FIN */
	T_ASSERT(segs <= T_STORM_SETTLE);
	/* the exchange stopped because A's limit held, not by chance */
	T_ASSERT(a1.tcp_ack_skipped_challenge > a0.tcp_ack_skipped_challenge);
	T_EQ(nm_recv(ssd, buf, sizeof(buf), 0), 0);	/* B's app saw the (spoofed) EOF */

	/* A's next data lies beyond B's FIN: B resets, both end */
	T_EQ(nm_send(csd, "after the storm", 15, 0), 15);
	sds[0] = csd;
	sds[1] = ssd;
	T_ASSERT(t_pump_until(&n, both_closed, sds, 2000));
	T_EQ(nm_recv(csd, buf, sizeof(buf), 0), -ECONNRESET);
	T_OK(nm_stack_get_stats(n.sb, &b1, sizeof(b1)));
	T_ASSERT(b1.tcp_rst_sent > b0.tcp_rst_sent);
	/* and nothing keeps talking afterwards */
	T_EQ(t_storm_segments(n.sa, n.sb, 100000, 200), 0);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
