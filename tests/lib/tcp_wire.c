/* SPDX-License-Identifier: MIT */
/*
 * The wire between two stacks played by the test (t_tcp.h): frames taken
 * off the shm ring between two polls and put back, dropped, held or
 * reordered on purpose, to make a loss or a spurious recovery exactly
 * where a test wants it.
 */
#include <stdlib.h>

#include "t_tcp.h"
#include "t_wire.h"
#include "nic/wire_drv.h"

void t_take(struct t_net *n, bool from_a, struct t_frames *f)
{
	T_OK(nm_stack_poll(from_a ? n->sa : n->sb, 0));
	f->n = 0;
	for (;;) {
		int r = t_wire_recv(from_a ? n->wb : n->wa, f->b[f->n], sizeof(f->b[f->n]),
				    &f->meta[f->n]);

		if (r == -EAGAIN)
			break;
		T_ASSERT(r > 0 && r <= (int)sizeof(f->b[0]));
		f->len[f->n++] = (uint32_t)r;
		T_ASSERT(f->n < T_FILTER_MAX);
	}
}

void t_put(struct t_net *n, bool from_a, struct t_frames *f, int i)
{
	T_OK(t_wire_send(from_a ? n->wa : n->wb, f->b[i], f->len[i], &f->meta[i]));
}

int t_filter_a_to_b(struct t_net *n, t_keep_fn keep, void *arg)
{
	static struct t_frames f;
	int dropped = 0;

	t_take(n, true, &f);
	for (int i = 0; i < f.n; i++) {
		struct t_seg s;

		if (t_seg_parse(f.b[i], f.len[i], &s) && !keep(s.seq, s.plen, arg)) {
			dropped++;
			continue;
		}
		t_put(n, true, &f, i);
	}
	return dropped;
}

void t_recv_pattern(struct t_net *n, int sd, uint64_t first, uint64_t want, int timeout_ms)
{
	static uint8_t rx[64 << 10];
	uint64_t got = 0, end = t_now_us() + (uint64_t)timeout_ms * 1000u;

	while (got < want) {
		ssize_t r = nm_recv(sd, rx, sizeof(rx), 0);

		if (r > 0) {
			for (ssize_t i = 0; i < r; i++)
				if (rx[i] != T_PAT(first + got + (uint64_t)i))
					T_FAIL("byte %llu of the stream is wrong",
					       (unsigned long long)(first + got + (uint64_t)i));
			got += (uint64_t)r;
			continue;
		}
		if (r != -EAGAIN)
			T_FAIL("recv: %zd %s", r, nm_last_error());
		if (t_now_us() > end)
			T_FAIL("%llu of %llu bytes after %d ms", (unsigned long long)got,
			       (unsigned long long)want, timeout_ms);
		t_pump(n);
	}
}

uint64_t t_net_up_lossy(struct t_net *n, uint64_t seed)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32 << 20 };
	const char *env = getenv("NM_SHM_REF_MB");

	t_wfaults_lossy(&wp, seed);
	t_net_up(n, &wp);
	return (env ? strtoull(env, NULL, 10) : 256) << 20;
}

void t_stream_flushed(struct t_net *n, int sd_tx, int sd_rx, uint64_t len, int timeout_ms)
{
	n->flush_wires = true;
	t_stream(n, sd_tx, sd_rx, len, timeout_ms);
	n->flush_wires = false;
}

/* ---- a spurious fast recovery, made on purpose ---------------------------------- */

/* Frames of any size (GSO wires carry 64 KiB ones). */
struct big_frames {
	int n;
	uint32_t len[64];
	struct nm_wire_meta meta[64];
	uint8_t b[64][NM_WIRE_MAX_FRAME];
};

/* Run A alone, then take what it sent toward B off the wire. */
static void take_big(struct t_net *n, struct big_frames *f)
{
	T_OK(nm_stack_poll(n->sa, 0));
	for (f->n = 0;; f->n++) {
		int r;

		T_ASSERT(f->n < 64);
		r = t_wire_recv(n->wb, f->b[f->n], sizeof(f->b[f->n]), &f->meta[f->n]);
		if (r == -EAGAIN)
			break;
		T_ASSERT(r > 0 && r <= (int)sizeof(f->b[0]));
		f->len[f->n] = (uint32_t)r;
	}
}

/* Index of the frame of f carrying data from seq on, or -1. */
static int find_seq(const struct big_frames *f, uint32_t seq)
{
	for (int i = 0; i < f->n; i++) {
		struct t_seg s;

		if (t_seg_parse(f->b[i], f->len[i], &s) && s.plen && s.seq == seq)
			return i;
	}
	return -1;
}

static void put_big(struct t_net *n, const uint8_t *b, uint32_t len,
		    const struct nm_wire_meta *meta)
{
	T_OK(t_wire_send(n->wa, b, len, meta));
}

void t_spurious_recovery(struct t_net *n, int csd, int ssd, uint64_t *sent, uint32_t len)
{
	static struct big_frames f;
	static uint8_t held[NM_WIRE_MAX_FRAME], buf[1 << 20];
	struct nm_tcp_sock *tc = t_tcb(n->sa, csd);
	struct nm_stack_stats s0, s1;
	struct nm_wire_meta held_meta;
	uint32_t first, cwnd0, ssthresh0, held_len;
	int h;

	T_ASSERT(tc && tc->sack_ok && !tc->reord_seen && !tc->in_recovery && !tc->in_loss);
	T_ASSERT(len <= sizeof(buf) && tc->cwnd >= len && tc->snd_una == tc->snd_max);
	T_OK(nm_stack_get_stats(n->sa, &s0, sizeof(s0)));
	cwnd0 = tc->cwnd;
	ssthresh0 = tc->ssthresh;
	first = tc->write_seq;
	t_pat_fill(buf, len, *sent);
	T_EQ(nm_send(csd, buf, len, 0), len);

	/* the flight: all but its first frame go on */
	take_big(n, &f);
	h = find_seq(&f, first);
	T_ASSERT(h >= 0 && f.n >= 2);
	memcpy(held, f.b[h], f.len[h]);
	held_len = f.len[h];
	held_meta = f.meta[h];
	for (int i = 0; i < f.n; i++)
		if (i != h)
			put_big(n, f.b[i], f.len[i], &f.meta[i]);
	/* B SACKs them; A recovers and resends the first bytes */
	T_OK(nm_stack_poll(n->sb, 0));
	take_big(n, &f);
	T_OK(nm_stack_get_stats(n->sa, &s1, sizeof(s1)));
	T_EQ(s1.tcp_fast_retransmits - s0.tcp_fast_retransmits, 1);
	T_ASSERT(tc->in_recovery);
	T_ASSERT(tc->ssthresh < ssthresh0 && tc->ssthresh < cwnd0);
	T_ASSERT(find_seq(&f, first) >= 0);
	/* the original overtakes the resent copy */
	put_big(n, held, held_len, &held_meta);
	for (int i = 0; i < f.n; i++)
		put_big(n, f.b[i], f.len[i], &f.meta[i]);
	for (int i = 0; i < 4; i++) {
		T_OK(nm_stack_poll(n->sb, 0));
		T_OK(nm_stack_poll(n->sa, 0));
	}
	T_OK(nm_stack_get_stats(n->sa, &s1, sizeof(s1)));
	printf("spurious recovery: cwnd %u -> %u, ssthresh %u -> %u, undone %llu\n", cwnd0,
	       tc->cwnd, ssthresh0, tc->ssthresh,
	       (unsigned long long)(s1.tcp_spurious_undos - s0.tcp_spurious_undos));
	T_EQ(s1.tcp_spurious_undos - s0.tcp_spurious_undos, 1);
	T_ASSERT(!tc->in_recovery && tc->reord_seen);
	T_ASSERT(tc->cwnd >= cwnd0);
	T_ASSERT(tc->ssthresh >= ssthresh0);
	t_recv_pattern(n, ssd, *sent, len, 5000);
	*sent += len;
}
