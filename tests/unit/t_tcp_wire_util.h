/* SPDX-License-Identifier: MIT */
#ifndef NM_T_TCP_WIRE_UTIL_H
#define NM_T_TCP_WIRE_UTIL_H

/*
 * TCP tests that play the wire between the two stacks of tcp_util.h:
 * take every frame A sent toward B off the shm ring and put back only
 * those the test keeps (a loss exactly where the test wants it), reading
 * the TCP sequence number of each.  Both stacks run in the test's thread,
 * so between two polls the test owns both ends of the wire.
 */
#include "tcp_util.h"

static inline void t_fill_pattern(uint8_t *p, size_t len, uint64_t first);

#define T_FILTER_MAX	512

/* seq and payload length of the TCP segment in an IPv4 Ethernet frame. */
static inline bool t_frame_tcp(const uint8_t *f, uint32_t len, uint32_t *seq, uint32_t *plen)
{
	uint32_t ihl, doff, tot;

	if (len < 54 || f[12] != 0x08 || f[13] != 0x00 || f[23] != 6)
		return false;
	ihl = (uint32_t)(f[14] & 15) * 4;
	tot = (uint32_t)f[16] << 8 | f[17];
	if (14 + ihl + 20 > len)
		return false;
	doff = (uint32_t)(f[14 + ihl + 12] >> 4) * 4;
	*seq = (uint32_t)f[14 + ihl + 4] << 24 | (uint32_t)f[14 + ihl + 5] << 16 |
	       (uint32_t)f[14 + ihl + 6] << 8 | f[14 + ihl + 7];
	*plen = tot > ihl + doff ? tot - ihl - doff : 0;
	return true;
}

/* Frames taken off one direction of the wire (none is a GSO frame: the
 * tests run on a wire without GSO). */
struct t_frames {
	int n;
	uint32_t len[T_FILTER_MAX];
	struct nm_wire_meta meta[T_FILTER_MAX];
	uint8_t b[T_FILTER_MAX][2048];
};

/* Run one stack (A when from_a, else B) alone, then take what it sent
 * toward the other off the wire. */
static inline void t_take(struct t_net *n, bool from_a, struct t_frames *f)
{
	T_OK(nm_stack_poll(from_a ? n->sa : n->sb, 0));
	f->n = 0;
	for (;;) {
		struct iovec iov = { f->b[f->n], sizeof(f->b[f->n]) };
		int r = nm_wire_recv(from_a ? n->wb : n->wa, &iov, 1, &f->meta[f->n]);

		if (r == -EAGAIN)
			break;
		T_ASSERT(r > 0 && r <= (int)sizeof(f->b[0]));
		f->len[f->n++] = (uint32_t)r;
		T_ASSERT(f->n < T_FILTER_MAX);
	}
}

/* Put frame i of f back on its way. */
static inline void t_put(struct t_net *n, bool from_a, struct t_frames *f, int i)
{
	struct iovec iov = { f->b[i], f->len[i] };

	T_OK(nm_wire_xmit(from_a ? n->wa : n->wb, &iov, 1, &f->meta[i]));
}

/* keep(seq, plen, arg): whether a TCP frame goes on to B. */
typedef bool (*t_keep_fn)(uint32_t seq, uint32_t plen, void *arg);

/* Run A's stack alone, then pass what it sent toward B through keep;
 * returns how many frames were dropped. */
static inline int t_filter_a_to_b(struct t_net *n, t_keep_fn keep, void *arg)
{
	static struct t_frames f;
	int dropped = 0;

	t_take(n, true, &f);
	for (int i = 0; i < f.n; i++) {
		uint32_t seq, plen;

		if (t_frame_tcp(f.b[i], f.len[i], &seq, &plen) && !keep(seq, plen, arg)) {
			dropped++;
			continue;
		}
		t_put(n, true, &f, i);
	}
	return dropped;
}

static inline uint32_t t_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The ACK number and SACK blocks (up to 4) of a TCP frame; -1 if it is not
 * TCP, else the number of blocks. */
static inline int t_frame_sack(const uint8_t *f, uint32_t len, uint32_t *ack,
			       uint32_t blocks[4][2])
{
	uint32_t ihl, doff, i, nb = 0;
	const uint8_t *th;

	if (len < 54 || f[12] != 0x08 || f[13] != 0x00 || f[23] != 6)
		return -1;
	ihl = (uint32_t)(f[14] & 15) * 4;
	th = f + 14 + ihl;
	doff = (uint32_t)(th[12] >> 4) * 4;
	if (14 + ihl + doff > len)
		return -1;
	*ack = t_get32(th + 8);
	for (i = 20; i < doff;) {
		uint8_t kind = th[i], l;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		l = th[i + 1];
		if (l < 2 || i + l > doff)
			break;
		for (uint32_t k = 0; kind == 5 && k + 8 <= (uint32_t)l - 2 && nb < 4; k += 8, nb++)
			for (int j = 0; j < 2; j++)
				blocks[nb][j] = t_get32(th + i + 2 + k + 4 * j);
		i += l;
	}
	return (int)nb;
}

/* Receive into rx until want bytes arrived (pumping both stacks), checking
 * that byte i of the stream is (first + i) % 251. */
static inline void t_recv_pattern(struct t_net *n, int sd, uint64_t first, uint64_t want,
				  int timeout_ms)
{
	static uint8_t rx[64 << 10];
	uint64_t got = 0, end = t_now_us() + (uint64_t)timeout_ms * 1000u;

	while (got < want) {
		ssize_t r = nm_recv(sd, rx, sizeof(rx), 0);

		if (r > 0) {
			for (ssize_t i = 0; i < r; i++)
				if (rx[i] != (uint8_t)((first + got + (uint64_t)i) % 251))
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

/* t_stream() with the fault injector's held frames flushed at every pump,
 * both ways: its reordering and delays then last at most one poll, as on a
 * real path, instead of until the sender's next frame. */
static inline void t_stream_flushed(struct t_net *n, int sd_tx, int sd_rx, uint64_t len,
				    int timeout_ms)
{
	n->flush_wires = true;
	t_stream(n, sd_tx, sd_rx, len, timeout_ms);
	n->flush_wires = false;
}

/* The pattern of t_recv_pattern() from byte first on. */
static inline void t_fill_pattern(uint8_t *p, size_t len, uint64_t first)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((first + i) % 251);
}

/* ---- a spurious fast recovery, made on purpose --------------------------- */

/* Frames of any size (GSO wires carry 64 KiB ones). */
struct t_big_frames {
	int n;
	uint32_t len[64];
	struct nm_wire_meta meta[64];
	uint8_t b[64][NM_WIRE_MAX_FRAME];
};

/* Run A alone, then take what it sent toward B off the wire. */
static inline void t_take_big(struct t_net *n, struct t_big_frames *f)
{
	T_OK(nm_stack_poll(n->sa, 0));
	for (f->n = 0;; f->n++) {
		struct iovec iov = { f->b[f->n], sizeof(f->b[f->n]) };
		int r;

		T_ASSERT(f->n < 64);
		r = nm_wire_recv(n->wb, &iov, 1, &f->meta[f->n]);
		if (r == -EAGAIN)
			break;
		T_ASSERT(r > 0 && r <= (int)sizeof(f->b[0]));
		f->len[f->n] = (uint32_t)r;
	}
}

/* Index of the frame of f carrying data from seq on, or -1. */
static inline int t_find_seq(const struct t_big_frames *f, uint32_t seq)
{
	for (int i = 0; i < f->n; i++) {
		uint32_t s, plen;

		if (t_frame_tcp(f->b[i], f->len[i], &s, &plen) && plen && s == seq)
			return i;
	}
	return -1;
}

static inline void t_put_big(struct t_net *n, const uint8_t *b, uint32_t len,
			     const struct nm_wire_meta *meta)
{
	struct iovec iov = { (void *)b, len };

	T_OK(nm_wire_xmit(n->wa, &iov, 1, meta));
}

/*
 * A sends len bytes of new data (the t_recv_pattern() stream from byte
 * *sent on); the frame with the first of them is held back while the
 * rest reach B, whose SACKs put A into fast recovery, which resends the
 * first bytes; then the held original reaches B before the resent copy,
 * which B reports as a duplicate (DSACK, RFC 2883).  The recovery was
 * spurious: A must undo it (cwnd and ssthresh back to at least what they
 * were, tcp_spurious_undos + 1, the path marked as reordering), and the
 * bytes must arrive intact.  Needs a fresh path (no reordering seen yet,
 * so SACKs above a hole start a recovery at once), SACK, and a cwnd that
 * lets len go at once; the caller's wire has no faults.
 */
static inline void t_spurious_recovery(struct t_net *n, int csd, int ssd, uint64_t *sent,
				       uint32_t len)
{
	static struct t_big_frames f;
	static uint8_t held[NM_WIRE_MAX_FRAME], buf[1 << 20];
	struct nm_tcp_sock *tc = t_tcb(n->sa, csd);
	struct nm_stack_stats s0, s1;
	struct nm_wire_meta held_meta;
	uint32_t first, cwnd0, ssthresh0, held_len;
	int h;

	T_ASSERT(tc && tc->sack_ok && !tc->reord_seen && !tc->in_recovery && !tc->in_loss);
	T_ASSERT(len <= sizeof(buf) && tc->cwnd >= len && tc->snd_una == tc->snd_max);
	T_OK(nm_stack_get_stats(n->sa, &s0));
	cwnd0 = tc->cwnd;
	ssthresh0 = tc->ssthresh;
	first = tc->write_seq;
	t_fill_pattern(buf, len, *sent);
	T_EQ(nm_send(csd, buf, len, 0), len);

	/* the flight: all but its first frame go on */
	t_take_big(n, &f);
	h = t_find_seq(&f, first);
	T_ASSERT(h >= 0 && f.n >= 2);
	memcpy(held, f.b[h], f.len[h]);
	held_len = f.len[h];
	held_meta = f.meta[h];
	for (int i = 0; i < f.n; i++)
		if (i != h)
			t_put_big(n, f.b[i], f.len[i], &f.meta[i]);
	/* B SACKs them; A recovers and resends the first bytes */
	T_OK(nm_stack_poll(n->sb, 0));
	t_take_big(n, &f);
	T_OK(nm_stack_get_stats(n->sa, &s1));
	T_EQ(s1.tcp_fast_retransmits - s0.tcp_fast_retransmits, 1);
	T_ASSERT(tc->in_recovery);
	T_ASSERT(tc->ssthresh < ssthresh0 && tc->ssthresh < cwnd0);
	T_ASSERT(t_find_seq(&f, first) >= 0);
	/* the original overtakes the resent copy */
	t_put_big(n, held, held_len, &held_meta);
	for (int i = 0; i < f.n; i++)
		t_put_big(n, f.b[i], f.len[i], &f.meta[i]);
	for (int i = 0; i < 4; i++) {
		T_OK(nm_stack_poll(n->sb, 0));
		T_OK(nm_stack_poll(n->sa, 0));
	}
	T_OK(nm_stack_get_stats(n->sa, &s1));
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

#endif
