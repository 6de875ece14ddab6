/* SPDX-License-Identifier: MIT */
/*
 * Zero window and persist: a receiver that does not read fills its small
 * receive buffer; the sender sees a zero window, stops, and probes with
 * exponential backoff, as Linux's persist timer (RTO, 2 RTO, 4 RTO, ...):
 * over 3.5 s at least three probes reach the receiver, each interval
 * 1.5 to 2.6 times the one before; the receiver answers them (at most one
 * answer per tcp_invalid_ratelimit, 500 ms, the first at once).  Once the
 * receiver reads, the window reopens and every byte arrives intact.  Also
 * checks the receiver never queued more than its buffer (invariant 4).
 */
#include "t_tcp.h"

int main(void)
{
	struct t_net n;
	int lsd, csd, ssd, v = 8192;
	static uint8_t tx[300000], rx[300000];
	size_t sent = 0, got = 0;
	struct nm_stack_stats s0, s1;
	struct nm_tcp_sock *tc, *ts;

	for (size_t i = 0; i < sizeof(tx); i++)
		tx[i] = (uint8_t)(i * 7 + 3);
	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6201, 16);
	T_OK(nm_setsockopt(lsd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));	/* 16 KiB */
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6201, &ssd);
	tc = t_tcb(n.sa, csd);
	ts = t_tcb(n.sb, ssd);
	T_ASSERT(tc && ts);
	T_EQ(ts->rcvbuf, 16384);
	/* fill: send until the sender is stuck */
	for (int i = 0; i < 2000; i++) {
		ssize_t r = nm_send(csd, tx + sent, sizeof(tx) - sent, 0);

		if (r > 0)
			sent += (size_t)r;
		t_pump(&n);
		if (ts->rcvq_bytes + ts->ooo_bytes > ts->rcvbuf)
			T_FAIL("queued %llu + %llu > %u (i %d, adv %u nxt %u ws %u)",
			       (unsigned long long)ts->rcvq_bytes, (unsigned long long)ts->ooo_bytes,
			       ts->rcvbuf, i, ts->rcv_adv, ts->rcv_nxt, ts->rcv_wscale);
	}
	T_EQ(tc->snd_wnd, 0);
	T_ASSERT(ts->rcvq_bytes > 0 && ts->rcvq_bytes <= 16384);
	/* stalled: probes keep coming, ever less often; each reaches B as one
	 * segment (A has nothing else to send) */
	T_OK(nm_stack_get_stats(n.sb, &s0, sizeof(s0)));
	{
		uint64_t at[16], end = t_now_us() + 3500000, seen = s0.tcp_in;
		int np = 0;

		while (t_now_us() < end) {
			t_pump(&n);
			T_OK(nm_stack_get_stats(n.sb, &s1, sizeof(s1)));
			if (s1.tcp_in != seen) {
				T_EQ(s1.tcp_in, seen + 1);
				T_ASSERT(np < 16);
				at[np++] = t_now_us();
				seen = s1.tcp_in;
			}
		}
		t_assert_backoff(at, np);
		/* B answered (window still 0), rate-limited */
		T_ASSERT(s1.tcp_out - s0.tcp_out >= 1);
		T_EQ(s1.tcp_out - s0.tcp_out + s1.tcp_ack_skipped_seq - s0.tcp_ack_skipped_seq,
		     (uint64_t)np);
	}
	T_EQ(tc->snd_wnd, 0);
	T_ASSERT(nm_timer_pending(&tc->persist_timer));
	/* drain */
	for (uint64_t end = t_now_us() + 10000000; got < sizeof(tx);) {
		ssize_t r;

		T_ASSERT(t_now_us() < end);
		if (sent < sizeof(tx)) {
			r = nm_send(csd, tx + sent, sizeof(tx) - sent, 0);
			if (r > 0)
				sent += (size_t)r;
		}
		r = nm_recv(ssd, rx + got, sizeof(rx) - got, 0);
		if (r > 0)
			got += (size_t)r;
		else
			T_EQ(r, -EAGAIN);
		T_ASSERT(ts->rcvq_bytes + ts->ooo_bytes <= ts->rcvbuf);
		t_pump(&n);
	}
	T_ASSERT(!memcmp(tx, rx, sizeof(tx)));
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
