/* SPDX-License-Identifier: MIT */
/*
 * Delayed ACKs: once the connection's quick-ACK start is over, one small
 * segment is acknowledged only when the 40 ms delayed-ACK timer fires
 * (not before 30 ms), while two full-sized segments are
 * acknowledged at once; an out-of-order segment is acknowledged at once
 * with a SACK block.
 */
#include "t_tcp.h"

static struct nm_tcp_sock *tc;

static bool acked(void *p)
{
	(void)p;
	return tc->snd_una == tc->snd_max;
}

int main(void)
{
	struct t_net n;
	int lsd, csd, ssd, one = 1;
	static uint8_t buf[8192];
	uint64_t t0, dt;
	struct nm_tcp_sock *ts;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6801, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6801, &ssd);
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	tc = t_tcb(n.sa, csd);
	ts = t_tcb(n.sb, ssd);
	ts->quick_acks = 0;	/* skip the start-up quick ACKs */

	/* one small segment: the ACK waits for the timer */
	{
		uint32_t nxt = ts->rcv_nxt;

		T_EQ(nm_send(csd, "x", 1, 0), 1);
		t0 = t_now_us();
		while (ts->rcv_nxt == nxt) {
			T_ASSERT(t_now_us() - t0 < 2000000);
			t_pump(&n);
		}
		T_ASSERT(nm_timer_pending(&ts->delack_timer));	/* not acked yet */
		T_ASSERT(t_pump_until(&n, acked, NULL, 2000));
		dt = t_now_us() - t0;
		printf("small segment acked after %llu us\n", (unsigned long long)dt);
		T_ASSERT(dt >= 30000);
		T_EQ(nm_recv(ssd, buf, sizeof(buf), 0), 1);
	}

	/* two full segments: acked at once, no timer */
	{
		uint32_t nxt = ts->rcv_nxt;

		T_EQ(nm_send(csd, buf, 2 * tc->mss, 0), 2 * tc->mss);
		t0 = t_now_us();
		while (ts->rcv_nxt != nxt + 2 * tc->mss) {
			T_ASSERT(t_now_us() - t0 < 2000000);
			t_pump(&n);
		}
		T_ASSERT(!nm_timer_pending(&ts->delack_timer));
		T_EQ(ts->unacked_segs, 0);
		T_ASSERT(t_pump_until(&n, acked, NULL, 2000));
		T_EQ(nm_recv(ssd, buf, sizeof(buf), 0), 2 * tc->mss);
	}

	/* out of order: skip one segment's worth of sequence space by sending
	 * the second segment only (white-box), the receiver SACKs at once */
	{
		uint32_t sacks0 = ts->st->stats.tcp_ooo_queued;
		uint64_t fr0 = tc->st->stats.tcp_fast_retransmits, rto0 = tc->st->stats.tcp_rto;

		/* pretend the first segment went out and was lost */
		tc->snd_nxt = tc->snd_max = tc->write_seq + tc->mss;
		T_EQ(nm_send(csd, buf, 2 * tc->mss, 0), 2 * tc->mss);
		t_pump_for(&n, 5);
		T_EQ(ts->st->stats.tcp_ooo_queued, sacks0 + 1);
		/* the SACK came back before any timer: it is on the scoreboard,
		 * or the sender already acted on it (RACK retransmits a hole
		 * with SACKed data above after min_rtt / 4, inside these 5 ms) */
		if (tc->nr_score) {
			T_EQ(tc->nr_score, 1);
			T_EQ(tc->score[0].end - tc->score[0].start, tc->mss);
		} else {
			T_EQ(tc->st->stats.tcp_fast_retransmits, fr0 + 1);
		}
		T_EQ(tc->st->stats.tcp_rto, rto0);
		/* and the hole is repaired (RTO or recovery), data intact */
		{
			size_t got = 0;
			uint64_t end = t_now_us() + 3000000;

			while (got < 2 * tc->mss && t_now_us() < end) {
				ssize_t r = nm_recv(ssd, buf + got, sizeof(buf) - got, 0);

				if (r > 0)
					got += (size_t)r;
				t_pump(&n);
			}
			T_EQ(got, 2 * tc->mss);
		}
	}
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
