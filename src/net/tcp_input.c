/* SPDX-License-Identifier: MIT */
/*
 * TCP input: every segment the IP layer hands up.
 *
 *	nm_tcp_rcv	header checks, checksum, seg_parse() (fields, options,
 *			sequence range), seg_demux() (4-tuple, then listener,
 *			else RST), then by state:
 *	LISTEN		SYN -> an embryonic child in SYN_RECEIVED (backlog-bounded)
 *	SYN_SENT	SYN-ACK -> ESTABLISHED; bare SYN -> simultaneous open
 *	synchronized	RFC 9293 3.10.7.4 in order: PAWS (RFC 7323), sequence
 *			acceptability, RST (RFC 5961 exact-match, else challenge
 *			ACK), SYN (challenge ACK; a RST, the tcb gone, for an
 *			embryonic child and an orphaned FIN_WAIT_2, as Linux's
 *			request and timewait socks; TIME_WAIT reuse), ACK (RFC 5961
 *			bounds, RTT, congestion control, SACK scoreboard and
 *			DSACKs, loss detection (tcp_loss.c) / recovery, window
 *			update), data, FIN.
 *
 * Data: the fast path appends an in-order segment to the receive queue,
 * coalescing into the tail only through nm_skb_can_coalesce() (never
 * mixing readable and unreadable payload); others go to the OOO queue,
 * trimmed against their neighbours, and are answered at once with SACK
 * blocks.  Bytes that arrive twice are reported back as a DSACK (RFC 2883)
 * so the sender can tell reordering from loss.  ACKs are delayed up to
 * 40 ms or two full segments; two full segments are ACKed once at the end
 * of the loop pass that received them (ack_end_of_pass()).
 *
 * ARCHITECTURE.md's invariant 4: a byte is acknowledged only once it sits
 * in the receive queue; the advertised window never exceeds what the
 * receive buffer (and the receive pool hook) can hold.
 *
 * ---- The state machine (RFC 9293 3.3.2, as implemented) ------------------------
 *
 * Each arrow: what arrives or what the application calls / what TCP sends.
 *
 *                       +--------+
 *                       | CLOSED |<--------------------------------------------+
 *                       +--------+                                             |
 *          listen()      |      |  connect() / SYN                             |
 *                        v      v                                              |
 *               +--------+      +----------+                                   |
 *               | LISTEN |      | SYN_SENT |-------------------+               |
 *               +--------+      +----------+   SYN-ACK / ACK   |               |
 *   SYN / a child   |                | SYN / SYN-ACK           |               |
 *   sends SYN-ACK   v                v (simultaneous open)     |               |
 *               +------------------------+                     |               |
 *               |      SYN_RECEIVED      |                     |               |
 *               +------------------------+                     |               |
 *   close() / FIN    |            | ACK of SYN                 |               |
 *         +----------+            +-------------------+        |               |
 *         |                                           v        v               |
 *         |                                        +-------------+             |
 *         |                                        | ESTABLISHED |             |
 *         |                                        +-------------+             |
 *         |   close(), SHUT_WR / FIN                 |         | FIN / ACK     |
 *         |   +--------------------------------------+         v               |
 *         v   v                                           +------------+       |
 *   +------------+                                        | CLOSE_WAIT |       |
 *   | FIN_WAIT_1 |                                        +------------+       |
 *   +------------+                                              | close(),     |
 *     |        | FIN / ACK                                      | SHUT_WR      |
 *     |        | (simultaneous close)                           v / FIN        |
 *     |        v                                          +----------+         |
 *     |   +---------+                                     | LAST_ACK |         |
 *     |   | CLOSING |                                     +----------+         |
 *     |   +---------+                                           | ACK of FIN   |
 *     | ACK of FIN  | ACK of FIN                                +--------------+
 *     v             |                                                          |
 *   +------------+  |                                                          |
 *   | FIN_WAIT_2 |  |                                                          |
 *   +------------+  |                                                          |
 *     | FIN / ACK   v                                                          |
 *     |      +-----------+   2 MSL, a RST, a SYN that reuses the 4-tuple       |
 *     +----->| TIME_WAIT |-----------------------------------------------------+
 *            +-----------+
 *
 * Not drawn: every state but LISTEN goes to CLOSED on an acceptable RST,
 * when retransmissions or keepalive probes run out, on an abort, and when
 * the stack is destroyed; close() frees a CLOSED, LISTEN or SYN_SENT tcb
 * at once; an embryonic child that reaches CLOSED is freed, its listener
 * staying in LISTEN (RFC 9293's "return to LISTEN"); an orphan's
 * FIN_WAIT_2 gives up after 60 s.  A tcb reaches CLOSED through
 * nm_tcp_done() (nm_tcp_abort() records the error first), which frees it
 * unless a socket still holds it.
 *
 * Who makes each transition:
 *
 *	from		to		on				function
 *	CLOSED		LISTEN		listen()			nm_tcp_listen
 *	CLOSED		SYN_SENT	connect()			nm_tcp_connect
 *	LISTEN		SYN_RECEIVED	SYN (a new child tcb)		listen_rcv
 *	SYN_SENT	ESTABLISHED	SYN-ACK of our SYN		syn_sent_rcv
 *	SYN_SENT	SYN_RECEIVED	SYN without ACK			syn_sent_rcv
 *	SYN_SENT	CLOSED		RST acking our SYN		syn_sent_rcv
 *	SYN_SENT	CLOSED		ICMP unreachable		nm_tcp_err
 *	SYN_RECEIVED	ESTABLISHED	ACK of our SYN			synrecv_acked
 *	SYN_RECEIVED	FIN_WAIT_1	close(), SHUT_WR		nm_tcp_close, nm_tcp_shutdown
 *	ESTABLISHED	FIN_WAIT_1	close(), SHUT_WR		nm_tcp_close, nm_tcp_shutdown
 *	ESTABLISHED	CLOSE_WAIT	FIN				handle_fin
 *	FIN_WAIT_1	FIN_WAIT_2	ACK of our FIN			fin_acked
 *	FIN_WAIT_1	CLOSING		FIN				handle_fin
 *	FIN_WAIT_2	TIME_WAIT	FIN				handle_fin
 *	CLOSE_WAIT	LAST_ACK	close(), SHUT_WR		nm_tcp_close, nm_tcp_shutdown
 *	CLOSING		TIME_WAIT	ACK of our FIN			fin_acked
 *	LAST_ACK	CLOSED		ACK of our FIN			fin_acked
 *	TIME_WAIT	CLOSED		2 MSL				tw_fire (tcp_timer.c)
 *	TIME_WAIT	CLOSED		RST at rcv_nxt			timewait_rcv
 *	TIME_WAIT	CLOSED		SYN above the old incarnation	nm_tcp_rcv (tw_reusable)
 *	FIN_WAIT_2	CLOSED		60 s as an orphan		tw_fire (tcp_timer.c)
 *	synchronized	CLOSED		RST at rcv_nxt			rst_rcvd
 *	synchronized	CLOSED		retries or probes run out	rtx_fire, ka_fire
 *	synchronized	CLOSED		data past the FIN, to an orphan	data_refused
 *	synchronized	CLOSED		close() with unread data,	nm_tcp_close
 *					SO_LINGER 0
 *	any		CLOSED		nm_stack_destroy()		nm_tcp_fini (tcp_table.c)
 *
 * States change only through nm_tcp_set_state() (tcp_table.c), but for
 * nm_tcp_fini()'s tcbs whose stack is gone.  TIME_WAIT is entered through
 * nm_tcp_enter_time_wait() (tcp_timer.c), which stops every other timer.
 * handle_fin() in SYN_RECEIVED (to CLOSE_WAIT) is kept for RFC 9293 but
 * not reached: an acceptable segment there completes the handshake before
 * its FIN is read.
 *
 * ---- Invariants of a tcb (nm_tcp_check(), tcp_check.c) ------------------------
 *
 * They hold between any two calls into TCP (a segment, a timer, a socket
 * call), for every tcb of a stack; sequence numbers compare mod 2^32.
 *  1. state is one of the eleven.  A tcb whose stack is gone (st NULL, its
 *     socket still holds it) is CLOSED, its queues empty, its send ring
 *     released, in no hash; nothing below holds for it.
 *  2. It is in the 4-tuple hash exactly while neither CLOSED nor LISTEN; a
 *     listener is in the port hash, and only with a port.
 *  3. Send sequence space: snd_una <= snd_nxt <= snd_max <= write_seq, plus
 *     one for a queued FIN; snd_wnd <= 65535 << snd_wscale, snd_wscale <=
 *     14; mss >= 64 (negotiate()'s floor: segments divide by it).
 *  4. Receive sequence space: copied_seq <= rcv_nxt, rcv_wup <= rcv_nxt <=
 *     rcv_adv, but the peer's FIN may sit one past the edge we advertised
 *     (rcv_nxt <= rcv_adv + 1 once fin_rcvd); the window advertised,
 *     rcv_adv - rcv_nxt, is at most 65535 << rcv_wscale, rcv_wscale <= 14.
 *  5. Receive queue: its segments are non-empty ([start, end_seq), start at
 *     or past the payload's seq), each starts where the one before ended,
 *     the first holds copied_seq and the last ends at rcv_nxt (less the
 *     FIN); rcvq_bytes == rcv_nxt - copied_seq (less the FIN).
 *  6. OOO queue: non-empty segments sorted by sequence and disjoint, all
 *     above rcv_nxt; empty once the peer's FIN is in (handle_fin());
 *     ooo_bytes is the sum of their lengths.
 *  7. SACK scoreboard: at most NM_TCP_SCORE_MAX ranges, non-empty, sorted,
 *     apart (touching ranges merge), within [snd_una, snd_max];
 *     sacked_bytes is their sum and high_sacked the last one's end.
 *  8. The send ring holds every byte not yet acknowledged (the SYN takes a
 *     sequence number, no byte): write_seq - min(snd_una, write_seq) <=
 *     sbuf_size, a power of two (0: no ring, nothing unacknowledged).
 *  9. A loss episode's end lies ahead: in_recovery => snd_una < recover <=
 *     snd_max; in_loss => snd_una < loss_recover <= snd_max.
 * 10. Timers by state: CLOSED and LISTEN arm none; TIME_WAIT arms tw_timer
 *     and no retransmission, persist or keepalive timer; any other state
 *     with bytes (or SYN, FIN) in flight arms the retransmission timer
 *     (the RTO, a loss probe or the reordering window); keepalive is armed
 *     only with SO_KEEPALIVE on.
 * 11. A listener's children: acq holds the accepted-to-be (in_acq), synq
 *     the embryonic ones (SYN_RECEIVED), each naming the listener as its
 *     parent; acq_len and syn_len count them; only a listener has any.
 * 12. Devmem TX state (tp->zc): tcp_zc.c's own invariants.
 */
#include <string.h>
#include <sys/socket.h>

#include "net/tcp.h"
#include "nic/csum.h"
#include "nic/netdev_drv.h"
#include "util/err.h"

struct tcp_opts {
	bool mss_p, ws_p, sack_p, ts_p;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
	int nsack;
	struct nm_tcp_sack_range sack[NM_TCP_MAX_SACK];
};

struct tcp_seg {
	uint16_t sport, dport;
	uint32_t seq, ack, end;		/* end: seq + payload + SYN + FIN */
	uint32_t len;			/* payload bytes */
	uint16_t win;
	uint8_t flags;
	struct tcp_opts o;
	const struct nm_addr *src, *dst;
};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Malformed options end parsing; what came before stays (Linux). */
static void parse_opts(const uint8_t *p, uint32_t len, bool syn, struct tcp_opts *o)
{
	uint32_t i = 0;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		uint8_t kind = p[i], l;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		l = p[i + 1];
		if (l < 2 || i + l > len)
			break;
		switch (kind) {
		case 2:
			if (l == 4 && syn) {
				o->mss_p = true;
				o->mss = get16(p + i + 2);
			}
			break;
		case 3:
			if (l == 3 && syn) {
				o->ws_p = true;
				o->ws = p[i + 2] > 14 ? 14 : p[i + 2];
			}
			break;
		case 4:
			if (l == 2 && syn)
				o->sack_p = true;
			break;
		case 5:
			if (l >= 10 && (l - 2) % 8 == 0 && !syn) {
				int n = (l - 2) / 8;

				for (int k = 0; k < n && o->nsack < NM_TCP_MAX_SACK; k++) {
					o->sack[o->nsack].start = get32(p + i + 2 + 8 * k);
					o->sack[o->nsack].end = get32(p + i + 6 + 8 * k);
					o->nsack++;
				}
			}
			break;
		case 8:
			if (l == 10) {
				o->ts_p = true;
				o->tsval = get32(p + i + 2);
				o->tsecr = get32(p + i + 6);
			}
			break;
		default:
			break;
		}
		i += l;
	}
}

/*
 * Parse once: the options as the NIC's parser saw them.  It drops frames
 * with a malformed option, so nothing here stops early as parse_opts()
 * may; what a SYN negotiates counts only on a SYN, SACK blocks only off
 * it, the window scale is capped: parse_opts()'s rules.  false: the blocks
 * are spread over two SACK options (no stack sends that), which
 * parse_opts() gathers, or the parse names bytes outside the hlen-byte
 * header h.
 */
static bool nic_opts(const struct nm_rx_parse *p, const uint8_t *h, uint32_t hlen, bool syn,
		     struct tcp_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (syn) {
		if (p->tcp_opts & NM_RX_TCPOPT_MSS) {
			o->mss_p = true;
			o->mss = p->tcp_mss;
		}
		if (p->tcp_opts & NM_RX_TCPOPT_WS) {
			o->ws_p = true;
			o->ws = p->tcp_wscale > 14 ? 14 : p->tcp_wscale;
		}
		o->sack_p = (p->tcp_opts & NM_RX_TCPOPT_SACK_PERM) != 0;
	}
	if (p->tcp_opts & NM_RX_TCPOPT_TS) {
		o->ts_p = true;
		o->tsval = p->tcp_tsval;
		o->tsecr = p->tcp_tsecr;
	}
	if (!syn && (p->tcp_opts & NM_RX_TCPOPT_SACK)) {
		const uint8_t *s = h + p->tcp_sack_off;
		int n;

		if (p->tcp_sack_off < 20 || p->tcp_sack_off + 2u > hlen)
			return false;
		n = (s[1] - 2) / 8;
		if (n != p->tcp_sack_blocks || p->tcp_sack_off + 2u + 8u * (uint32_t)n > hlen)
			return false;
		for (int k = 0; k < n && o->nsack < NM_TCP_MAX_SACK; k++) {
			o->sack[o->nsack].start = get32(s + 2 + 8 * k);
			o->sack[o->nsack].end = get32(s + 6 + 8 * k);
			o->nsack++;
		}
	}
	return true;
}

/*
 * The TCP header and its length.  Parse once: when the NIC parsed it
 * (*p), it lies whole in the linear part and its data offset was checked
 * against the IP payload, so it is read in place; otherwise (an skb the
 * NIC did not parse, *p set to NULL) it is copied out into buf and its
 * length checked here.  NULL: too short to be TCP.
 */
static const uint8_t *tcp_header(struct nm_skb *skb, const struct nm_rx_parse **p,
				 uint8_t buf[60], uint32_t *hlen)
{
	if (*p) {
		*hlen = (uint32_t)((*p)->payload_off - (*p)->l4_off);
		if (*hlen >= 20 && *hlen <= skb->linear)
			return skb->data;
		*p = NULL;
	}
	if (skb->len < 20 || nm_skb_copy_bits(skb, 0, buf, 20))
		return NULL;
	*hlen = (uint32_t)(buf[12] >> 4) * 4;
	if (*hlen < 20 || *hlen > skb->len || nm_skb_copy_bits(skb, 0, buf, *hlen))
		return NULL;
	return buf;
}

static bool csum_ok(struct nm_skb *skb, const struct nm_addr *src, const struct nm_addr *dst)
{
	uint8_t buf[2048];
	uint32_t sum, off = 0;

	if (skb->csum_ok)
		return true;	/* the NIC checked before payload turned unreadable */
	if (skb->unreadable) {
		/* unchecked device-memory payload (RX checksumming off): the
		 * stack cannot read it to check, so it cannot accept it */
		if (skb->iface)
			skb->iface->st->stats.unreadable_dropped++;
		return false;
	}
	if (nm_addr_is_v4(src))
		sum = nm_csum_pseudo_v4(src->b + 12, dst->b + 12, IPPROTO_TCP, skb->len);
	else
		sum = nm_csum_pseudo_v6(src->b, dst->b, IPPROTO_TCP, skb->len);
	while (off < skb->len) {
		uint32_t n = skb->len - off < sizeof(buf) ? skb->len - off : (uint32_t)sizeof(buf);

		if (nm_skb_copy_bits(skb, off, buf, n))
			return false;
		sum = nm_csum_block_add(sum, nm_csum_partial(buf, n, 0), off);
		off += n;
	}
	return nm_csum_fold(sum) == 0;
}

/* ---- connection end ------------------------------------------------------------ */

void nm_tcp_abort(struct nm_tcp_sock *tp, int err)
{
	bool notify = tp->notify;	/* read first: done may free a socketless tcb */

	tp->err = err;
	tp->reset = err == ECONNRESET;
	nm_tcp_done(tp);
	if (notify)		/* a tcb that notifies has a socket: not freed */
		nm_tcp_notify(tp);
}

/* ---- options ----------------------------------------------------------------- */

static uint8_t pick_wscale(uint32_t rcvbuf)
{
	uint8_t s = 7;

	while (s < 14 && ((uint64_t)65535 << s) < rcvbuf)
		s++;
	return s;
}

static void negotiate(struct nm_tcp_sock *tp, const struct tcp_opts *o)
{
	uint32_t m;

	tp->peer_mss = o->mss_p && o->mss ? o->mss : (nm_addr_is_v4(&tp->raddr) ? 536 : 1220);
	tp->ws_ok = o->ws_p;
	if (tp->ws_ok) {
		tp->snd_wscale = o->ws;
	} else {
		tp->snd_wscale = 0;
		tp->rcv_wscale = 0;
	}
	tp->sack_ok = o->sack_p;
	tp->ts_ok = o->ts_p;
	if (tp->ts_ok) {
		tp->ts_recent = o->tsval;
		tp->ts_recent_stamp_s = (uint32_t)(nm_now_us() / 1000000);
	}
	m = tp->peer_mss < tp->adv_mss ? tp->peer_mss : tp->adv_mss;
	if (tp->mss_clamp && tp->mss_clamp < m)
		m = tp->mss_clamp;
	/* floor before taking the options off: a peer MSS below 12 with
	 * timestamps used to wrap to 65525 and stall the connection */
	if (m < 64 + 12)
		m = 64 + 12;
	if (tp->ts_ok)
		m -= 12;
	tp->mss = (uint16_t)m;
	tp->cwnd = 10u * tp->mss;
	tp->ssthresh = 0x7fffffff;
	tp->quick_acks = 16;
	if (tp->cc->init)
		tp->cc->init(tp);
}

/* ---- SACK scoreboard --------------------------------------------------------- */

static void score_recount(struct nm_tcp_sock *tp)
{
	tp->sacked_bytes = 0;
	tp->high_sacked = tp->snd_una;
	for (int i = 0; i < tp->nr_score; i++) {
		tp->sacked_bytes += tp->score[i].end - tp->score[i].start;
		if (seq_gt(tp->score[i].end, tp->high_sacked))
			tp->high_sacked = tp->score[i].end;
	}
}

static void score_trim(struct nm_tcp_sock *tp)
{
	int k = 0;

	for (int i = 0; i < tp->nr_score; i++) {
		struct nm_tcp_sack_range r = tp->score[i];

		if (seq_le(r.end, tp->snd_una))
			continue;
		if (seq_lt(r.start, tp->snd_una))
			r.start = tp->snd_una;
		tp->score[k++] = r;
	}
	tp->nr_score = k;
	score_recount(tp);
}

/* Insert [s, e) keeping the array sorted and merged.  True if it was new. */
static bool score_add(struct nm_tcp_sock *tp, uint32_t s, uint32_t e)
{
	struct nm_tcp_sack_range tmp[NM_TCP_SCORE_MAX + 1];
	int n = 0, i = 0;
	uint32_t before = tp->sacked_bytes;
	bool placed = false;

	for (; i < tp->nr_score; i++) {
		struct nm_tcp_sack_range r = tp->score[i];

		if (!placed && seq_lt(s, r.start)) {
			tmp[n].start = s;
			tmp[n++].end = e;
			placed = true;
		}
		tmp[n++] = r;
	}
	if (!placed) {
		tmp[n].start = s;
		tmp[n++].end = e;
	}
	tp->nr_score = 0;
	for (i = 0; i < n; i++) {
		if (tp->nr_score && seq_ge(tp->score[tp->nr_score - 1].end, tmp[i].start)) {
			struct nm_tcp_sack_range *l = &tp->score[tp->nr_score - 1];

			l->end = seq_max(l->end, tmp[i].end);
			continue;
		}
		if (tp->nr_score == NM_TCP_SCORE_MAX)
			break;	/* forget the highest: it is only retransmitted early */
		tp->score[tp->nr_score++] = tmp[i];
	}
	score_recount(tp);
	return tp->sacked_bytes != before;
}

/* ---- ACK processing ------------------------------------------------------------ */

/* RFC 2883 4: the first block is a duplicate report when it lies below
 * the cumulative ACK or inside the second block. */
static bool is_dsack(const struct tcp_seg *sg, uint32_t ack)
{
	const struct nm_tcp_sack_range *b = sg->o.sack;

	if (seq_lt(b[0].start, ack))
		return true;
	return sg->o.nsack > 1 && seq_ge(b[0].start, b[1].start) && seq_le(b[0].end, b[1].end);
}

/*
 * The ACK lies outside [snd_una - max_window, snd_max] (RFC 5961 5.2):
 * drop the segment and send a challenge ACK, through both rate limits
 * (tcp_oow.c).  An ACK of unsent data draws one in every state, as in
 * Linux since "tcp: send a challenge ACK on SEG.ACK > SND.NXT" (7.1,
 * 6.18.y); it used to draw an unlimited ACK, which answered the peer's
 * equally unacceptable ACK: issue 13's storm.  An orphan's FIN_WAIT_2 is
 * a TIME_WAIT-like minisock in Linux that does not look at ACKs: silence.
 */
static void ack_refused(struct nm_tcp_sock *tp)
{
	if (tp->state == NM_TCP_FIN_WAIT_2 && tp->orphan)
		return;
	nm_tcp_send_challenge_ack(tp);
}

/* The SACK blocks of an ACK (RFC 2018, 2883): DSACKs to tcp_loss.c, the
 * rest into the scoreboard, cut at what is acknowledged (this ACK, or an
 * earlier one when this one arrived late: invariant 7).  True if any
 * SACKed new data. */
static bool sack_rcvd(struct nm_tcp_sock *tp, const struct tcp_seg *sg, uint32_t ack)
{
	uint32_t acked = seq_max(ack, tp->snd_una);
	bool new_sack = false;

	for (int i = 0; i < sg->o.nsack; i++) {
		uint32_t s = sg->o.sack[i].start, e = sg->o.sack[i].end;

		if (!seq_lt(s, e) || seq_gt(e, tp->snd_max) || e - s > 0x40000000u)
			continue;
		if (i == 0 && is_dsack(sg, ack)) {
			nm_tcp_dsack_rcvd(tp, s, e);
			continue;
		}
		if (seq_le(e, acked))
			continue;
		if (seq_lt(s, acked))
			s = acked;
		new_sack |= score_add(tp, s, e);
	}
	return new_sack;
}

/* An RTT sample from the ACK that advanced snd_una: its timestamp echo,
 * else the one segment being timed (RFC 6298, Karn's rule in sent_data). */
static void rtt_from_ack(struct nm_tcp_sock *tp, const struct tcp_seg *sg, uint32_t ack)
{
	if (tp->ts_ok && sg->o.ts_p && sg->o.tsecr) {
		uint32_t d = nm_tcp_ts_now(tp) - sg->o.tsecr;

		if (d < 60000)
			nm_tcp_rtt_sample(tp, d ? d * 1000 : 500);
	} else if (tp->rtt_timing && seq_gt(ack, tp->rtt_seq)) {
		nm_tcp_rtt_sample(tp, (uint32_t)(nm_now_us() - tp->rtt_start));
		tp->rtt_timing = false;
	}
}

/* Recovery, the loss state and congestion control learn that acked
 * bytes were newly acknowledged. */
static void recovery_on_ack(struct nm_tcp_sock *tp, uint32_t ack, uint32_t acked)
{
	if (tp->in_loss && seq_ge(ack, tp->loss_recover)) {
		tp->in_loss = false;
		nm_tcp_rack_reset(tp);
	}
	if (!tp->in_recovery) {
		tp->cc->cong_avoid(tp, acked);
		return;
	}
	if (seq_ge(ack, tp->recover)) {
		tp->in_recovery = false;
		nm_tcp_rack_reset(tp);
		tp->cwnd = tp->ssthresh;
		if (tp->cc->recovered)
			tp->cc->recovered(tp);
	} else if (!tp->sack_ok) {
		/* NewReno partial ACK: the next hole is at snd_una (with SACK,
		 * RACK decides what the ACK left is) */
		tp->cwnd = tp->cwnd > acked ? tp->cwnd - acked + tp->mss : tp->mss;
		tp->high_rxt = tp->snd_una;
		nm_tcp_rexmit_head(tp);
	}
}

/* The ACK moved snd_una forward to ack. */
static void ack_advanced(struct nm_tcp_sock *tp, const struct tcp_seg *sg, uint32_t ack)
{
	uint32_t acked = ack - tp->snd_una;

	rtt_from_ack(tp, sg, ack);
	tp->snd_una = ack;
	if (seq_lt(tp->snd_nxt, ack))
		tp->snd_nxt = ack;
	if (tp->zc)
		nm_tcp_zc_acked(tp);
	tp->backoff = 0;
	tp->retries = 0;
	tp->persist_backoff = 0;
	tp->bytes_acked += acked;
	if (tp->nr_score || tp->hole_us) {
		/* a hole SACKs showed, filled with no retransmission: the path
		 * reorders */
		if (tp->hole_us && !tp->in_recovery && !tp->in_loss)
			tp->reord_seen = true;
		score_trim(tp);
		tp->hole_us = tp->nr_score ? nm_now_us() : 0;
	}
	recovery_on_ack(tp, ack, acked);
	tp->dupacks = 0;
	nm_tcp_rearm_rtx(tp);
}

/*
 * An ACK that did not advance: a duplicate ACK (RFC 5681 2) when it is
 * pure, of snd_una with data outstanding, and, with SACK, brings new SACK
 * information (RFC 6675 2: a frame the wire duplicated draws an ACK, a
 * DSACK, that says nothing about loss), without SACK moves no window.
 */
static void count_dupack(struct nm_tcp_sock *tp, const struct tcp_seg *sg, uint32_t wnd,
			 bool new_sack)
{
	if (sg->ack != tp->snd_una || sg->len || (sg->flags & (TH_SYN | TH_FIN)) ||
	    tp->snd_una == tp->snd_max || !(tp->sack_ok ? new_sack : wnd == tp->snd_wnd))
		return;
	tp->dupacks++;
	if (tp->in_recovery && !tp->sack_ok)
		tp->cwnd += tp->mss;
}

/* The send window from a segment no older than the last update (RFC 9293
 * 3.10.7.4); a window that opens ends the persist probes. */
static void update_window(struct nm_tcp_sock *tp, const struct tcp_seg *sg, uint32_t wnd)
{
	bool opened;

	if (!(seq_lt(tp->snd_wl1, sg->seq) ||
	      (tp->snd_wl1 == sg->seq && seq_le(tp->snd_wl2, sg->ack))))
		return;
	opened = wnd > tp->snd_wnd;
	tp->snd_wnd = wnd;
	tp->snd_wl1 = sg->seq;
	tp->snd_wl2 = sg->ack;
	if (wnd > tp->max_window)
		tp->max_window = wnd;
	if (opened && wnd && nm_timer_pending(&tp->persist_timer)) {
		nm_timer_del(tp->st->wheel, &tp->persist_timer);
		tp->persist_backoff = 0;
		tp->snd_nxt = tp->snd_una;
	}
}

/* Returns false when the segment must be dropped. */
static bool process_ack(struct nm_tcp_sock *tp, const struct tcp_seg *sg)
{
	uint32_t ack = sg->ack, wnd = (uint32_t)sg->win << tp->snd_wscale;
	/* never older than what was ever acknowledged (Linux) */
	uint32_t max_wnd = tp->bytes_acked < tp->max_window ? (uint32_t)tp->bytes_acked
							    : tp->max_window;
	bool new_sack = false, advanced;

	if (seq_gt(ack, tp->snd_max) || seq_lt(ack, tp->snd_una - max_wnd)) {
		ack_refused(tp);
		return false;
	}
	advanced = seq_gt(ack, tp->snd_una);
	if (tp->sack_ok && sg->o.nsack)
		new_sack = sack_rcvd(tp, sg, ack);
	if (advanced)
		ack_advanced(tp, sg, ack);
	else
		count_dupack(tp, sg, wnd, new_sack);
	if (tp->tlp_out)
		nm_tcp_tlp_ack(tp, ack, advanced, new_sack || sg->len);
	if (new_sack && !tp->hole_us && tp->nr_score)
		tp->hole_us = nm_now_us();
	/* in an episode RACK finds retransmissions that went missing too */
	if (tp->rack && tp->rack->n && (tp->in_recovery || tp->in_loss))
		nm_tcp_rack_detect(tp);
	if ((tp->dupacks || tp->nr_score) && nm_tcp_hole_lost(tp))
		nm_tcp_enter_recovery(tp);
	update_window(tp, sg, wnd);
	return true;
}

/* ---- receive queue -------------------------------------------------------------- */

static void queue_inorder(struct nm_tcp_sock *tp, struct nm_skb *skb)
{
	struct nm_tcp_cb *cb = nm_tcp_cb(skb);
	struct nm_skb *tail = tp->rcvq.tail;
	uint32_t added = cb->end_seq - tp->rcv_nxt;

	tp->rcv_nxt = cb->end_seq;
	tp->rcvq_bytes += added;
	tp->bytes_received += added;
	if (tail && cb->start == cb->seq && !cb->doff && !nm_tcp_cb(tail)->doff &&
	    nm_tcp_cb(tail)->end_seq == cb->seq && nm_skb_can_coalesce(tail, skb)) {
		uint32_t end = cb->end_seq;

		if (nm_skb_coalesce(tail, skb) == 0) {
			nm_tcp_cb(tail)->end_seq = end;
			return;
		}
	}
	nm_skb_queue_tail(&tp->rcvq, skb);
}

static void handle_fin(struct nm_tcp_sock *tp);

/* Move what became in order from the OOO queue. */
static void ooo_drain(struct nm_tcp_sock *tp)
{
	struct nm_skb *s;

	while ((s = tp->ooo.head) && seq_le(nm_tcp_cb(s)->start, tp->rcv_nxt)) {
		struct nm_tcp_cb *cb = nm_tcp_cb(s);
		bool fin = cb->flags & TH_FIN;

		nm_skb_unlink(&tp->ooo, s);
		tp->ooo_bytes -= cb->end_seq - cb->start;
		/* bytes the in-order arrival brought again */
		if (seq_lt(cb->start, tp->rcv_nxt))
			nm_tcp_dsack_set(tp, cb->start, seq_min(cb->end_seq, tp->rcv_nxt));
		if (seq_le(cb->end_seq, tp->rcv_nxt)) {
			nm_skb_free(s);
			continue;
		}
		cb->start = tp->rcv_nxt;
		queue_inorder(tp, s);
		if (fin) {
			handle_fin(tp);
			break;
		}
	}
}

/* All of skb, [start, end), is queued already: a DSACK, with the block
 * that holds it second (RFC 2883 4), and skb goes. */
static void ooo_dup(struct nm_tcp_sock *tp, struct nm_skb *skb, uint32_t start, uint32_t end)
{
	tp->st->stats.tcp_dup_dropped++;
	nm_tcp_dsack_set(tp, start, end);
	tp->last_ooo_start = start;
	tp->last_ooo_end = end;
	nm_skb_free(skb);
}

/* Segments from s on that skb covers go; the one it overlaps at its end
 * cuts it short.  False when skb went instead (it was all here already,
 * or could not be cut).  start: where skb began before the segment in
 * front cut it. */
static bool ooo_trim_after(struct nm_tcp_sock *tp, struct nm_skb *skb, struct nm_skb *s,
			   uint32_t start)
{
	struct nm_tcp_cb *cb = nm_tcp_cb(skb);
	struct nm_skb *next;

	for (; s; s = next) {
		struct nm_tcp_cb *c = nm_tcp_cb(s);

		next = s->next;
		if (seq_ge(c->start, cb->end_seq))
			break;
		if (seq_le(c->end_seq, cb->end_seq)) {
			nm_skb_unlink(&tp->ooo, s);
			tp->ooo_bytes -= c->end_seq - c->start;
			nm_skb_free(s);
			continue;
		}
		/* what the one before left of ours lies inside this one: all
		 * of it is here (cut short, it would be an empty segment) */
		if (!seq_gt(c->start, cb->start)) {
			ooo_dup(tp, skb, start, cb->end_seq);
			return false;
		}
		/* partial overlap at the end: cut ours short */
		if (nm_skb_trim(skb, c->start - cb->seq + cb->doff)) {
			nm_skb_free(skb);
			return false;
		}
		cb->end_seq = c->start;
		cb->flags &= (uint8_t)~TH_FIN;
		break;
	}
	return true;
}

/* Queue a segment that lies past rcv_nxt, sorted, trimmed against its
 * neighbours so the queue stays disjoint (invariant 6). */
static void ooo_insert(struct nm_tcp_sock *tp, struct nm_skb *skb)
{
	struct nm_tcp_cb *cb = nm_tcp_cb(skb);
	struct nm_skb *pos = NULL, *s;
	uint32_t start = cb->start;

	tp->st->stats.tcp_ooo_queued++;
	for (s = tp->ooo.head; s; s = s->next) {
		struct nm_tcp_cb *c = nm_tcp_cb(s);

		if (seq_gt(c->start, cb->start))
			break;
		pos = s;
	}
	if (pos) {
		struct nm_tcp_cb *p = nm_tcp_cb(pos);

		if (seq_ge(p->end_seq, cb->end_seq)) {
			ooo_dup(tp, skb, cb->start, cb->end_seq);
			return;
		}
		if (seq_gt(p->end_seq, cb->start)) {
			nm_tcp_dsack_set(tp, cb->start, p->end_seq);
			cb->start = p->end_seq;
		}
	}
	if (!ooo_trim_after(tp, skb, pos ? pos->next : tp->ooo.head, start))
		return;
	tp->last_ooo_start = cb->start;
	tp->last_ooo_end = cb->end_seq;
	tp->ooo_bytes += cb->end_seq - cb->start;
	if (pos)
		nm_skb_insert_after(&tp->ooo, pos, skb);
	else
		nm_skb_queue_head(&tp->ooo, skb);
}

/*
 * ACK what this loop pass received once, when it ends: the delayed-ACK
 * timer made due at once runs after every frame the NIC handed up in the
 * pass (timer.c invariant 2; the stack runs timers after its rx).  A pass
 * that read k super-frames sends one ACK for all of them, as Linux does
 * for one GRO batch of a NAPI poll; one frame per pass still gets its ACK
 * at once.  Over a TAP every ACK is a writev in which the kernel runs its
 * whole ACK path (and often its next transmit), so this cuts the
 * receiver's syscalls per byte by the batch size.  Data we send in the
 * same pass carries the ACK and cancels the timer (tcp_transmit).
 */
static void ack_end_of_pass(struct nm_tcp_sock *tp)
{
	if (nm_timer_pending(&tp->delack_timer) && tp->delack_timer.expires == 0)
		return;
	nm_timer_mod(tp->st->wheel, &tp->delack_timer, 0);
}

/* The peer's FIN is in order: the stream ends at it.  What waits in the
 * OOO queue lies past it (an honest peer sends nothing there) and goes,
 * as in Linux's tcp_fin(); drained, it would be read as stream data. */
static void handle_fin(struct nm_tcp_sock *tp)
{
	if (tp->fin_rcvd)
		return;
	tp->fin_rcvd = true;
	tp->rcv_nxt++;
	tp->ack_now = true;
	nm_skb_queue_purge(&tp->ooo);
	tp->ooo_bytes = 0;
	switch (tp->state) {
	case NM_TCP_SYN_RECEIVED:
	case NM_TCP_ESTABLISHED:
		nm_tcp_set_state(tp, NM_TCP_CLOSE_WAIT);
		break;
	case NM_TCP_FIN_WAIT_1:
		/* our FIN not yet acknowledged: simultaneous close */
		nm_tcp_set_state(tp, NM_TCP_CLOSING);
		break;
	case NM_TCP_FIN_WAIT_2:
		nm_tcp_send_ack(tp);
		nm_tcp_enter_time_wait(tp);
		break;
	default:
		break;
	}
}

/*
 * Data the connection does not take: bytes past the peer's FIN (the FIN
 * was forged, or the peer is broken, and the two ends no longer agree on
 * the stream: reset, as Linux does (TCPAbortOnData), which ends a
 * connection a spoofed FIN desynchronized), any after the FIN or in a
 * state that reads no more (dropped), data for a closed socket (nobody
 * reads it: reset, as Linux).  0: taken; else skb is freed and 1 says the
 * tcb lives, -1 that it was reset (and may be gone).
 */
static int data_refused(struct nm_tcp_sock *tp, struct nm_skb *skb, const struct tcp_seg *sg)
{
	struct nm_tcp_cb *cb = nm_tcp_cb(skb);

	if (tp->fin_rcvd && sg->len && seq_lt(cb->seq, tp->rcv_nxt) &&
	    seq_gt(cb->end_seq, tp->rcv_nxt)) {
		nm_skb_free(skb);
		nm_tcp_send_rst_reply(tp->st, sg->src, sg->dst, sg->sport, sg->dport, sg->seq,
				      sg->ack, sg->flags, sg->len);
		nm_tcp_abort(tp, tp->state == NM_TCP_CLOSE_WAIT ? EPIPE : ECONNRESET);
		return -1;
	}
	if (tp->fin_rcvd || (tp->state != NM_TCP_ESTABLISHED && tp->state != NM_TCP_FIN_WAIT_1 &&
			     tp->state != NM_TCP_FIN_WAIT_2 && tp->state != NM_TCP_SYN_RECEIVED)) {
		nm_skb_free(skb);
		return 1;
	}
	if (sg->len && tp->orphan) {
		nm_skb_free(skb);
		nm_tcp_send_rst_conn(tp);
		nm_tcp_abort(tp, ECONNRESET);
		return -1;
	}
	return 0;
}

/* Bytes past the right edge we advertised go, and the FIN with them.
 * False when the skb could not be cut (it is freed). */
static bool trim_to_window(struct nm_tcp_sock *tp, struct nm_skb *skb, bool *fin)
{
	struct nm_tcp_cb *cb = nm_tcp_cb(skb);
	uint32_t wnd_end = tp->rcv_adv, keep;

	if (!seq_gt(cb->end_seq, wnd_end) || !seq_gt(cb->end_seq, tp->rcv_nxt))
		return true;
	keep = seq_gt(wnd_end, cb->seq) ? wnd_end - cb->seq : 0;
	if (nm_skb_trim(skb, keep + cb->doff)) {
		nm_skb_free(skb);
		return false;
	}
	cb->end_seq = cb->seq + keep;
	*fin = false;
	tp->ack_now = true;
	return true;
}

/* The segment continues the stream at rcv_nxt: queue it, take in what it
 * made in order, and decide when to ACK. */
static void data_in_order(struct nm_tcp_sock *tp, struct nm_skb *skb, bool fin)
{
	struct nm_tcp_cb *cb = nm_tcp_cb(skb);
	bool had_ooo = tp->ooo.head != NULL;
	uint32_t n = cb->end_seq - cb->start;

	queue_inorder(tp, skb);
	if (fin)
		handle_fin(tp);
	if (had_ooo) {
		ooo_drain(tp);
		tp->ack_now = true;	/* a hole filled: tell at once */
	}
	/* a coalesced super-frame (GSO/GRO from the NIC, up to 64 KiB) counts
	 * the full segments it carries: two of them draw an ACK by the end of
	 * this loop pass, like two wire frames would */
	if (n >= tp->mss)
		tp->unacked_segs += n / tp->mss;
	if (tp->quick_acks > 0)
		tp->ack_now = true;
	else if (tp->unacked_segs >= 2)
		ack_end_of_pass(tp);
	else
		nm_tcp_arm_delack(tp);
}

/* Payload and FIN of an acceptable segment.  Consumes skb.  Returns
 * false when the tcb is gone (freed). */
static bool process_data(struct nm_tcp_sock *tp, struct nm_skb *skb, const struct tcp_seg *sg)
{
	struct nm_tcp_cb *cb = nm_tcp_cb(skb);
	bool fin = sg->flags & TH_FIN;
	int refused = data_refused(tp, skb, sg);

	if (refused)
		return refused > 0;
	if (!trim_to_window(tp, skb, &fin))
		return true;
	if (seq_lt(cb->start, tp->rcv_nxt)) {
		/* some of it arrived before: report the duplicate */
		nm_tcp_dsack_set(tp, cb->start, seq_min(cb->end_seq, tp->rcv_nxt));
		cb->start = tp->rcv_nxt;
	}
	if (!seq_lt(cb->start, cb->end_seq)) {
		/* nothing new (a pure FIN at rcv_nxt, or old bytes) */
		bool fin_now = fin && cb->end_seq == tp->rcv_nxt;

		if (sg->len)
			tp->ack_now = true;
		nm_skb_free(skb);
		if (fin_now)
			handle_fin(tp);
		return true;
	}
	if (cb->start == tp->rcv_nxt) {
		data_in_order(tp, skb, fin);
		return true;
	}
	/* out of order */
	if (fin)
		cb->flags |= TH_FIN;
	else
		cb->flags &= (uint8_t)~TH_FIN;
	ooo_insert(tp, skb);
	tp->ack_now = true;
	return true;
}

/* ---- by state -------------------------------------------------------------------- */

static void tcb_from_listener(struct nm_tcp_sock *c, struct nm_tcp_sock *lp)
{
	c->family = lp->family;
	c->v6only = lp->v6only;
	c->nodelay = lp->nodelay;
	c->keepalive = lp->keepalive;
	c->sndbuf = lp->sndbuf;
	c->rcvbuf = lp->rcvbuf;
	c->mss_clamp = lp->mss_clamp;
	c->cc = lp->cc;
	c->ka_idle_s = lp->ka_idle_s;
	c->ka_intvl_s = lp->ka_intvl_s;
	c->ka_cnt = lp->ka_cnt;
	c->linger_on = lp->linger_on;
	c->linger_s = lp->linger_s;
}

static void listen_rcv(struct nm_tcp_sock *lp, struct nm_skb *skb, const struct tcp_seg *sg)
{
	struct nm_stack *st = lp->st;
	struct nm_tcp_sock *c;

	if (sg->flags & TH_RST)
		goto drop;
	if (sg->flags & TH_ACK) {
		nm_tcp_send_rst_reply(st, sg->src, sg->dst, sg->sport, sg->dport, sg->seq,
				      sg->ack, sg->flags, sg->len);
		goto drop;
	}
	if (!(sg->flags & TH_SYN) || (sg->flags & TH_FIN))
		goto drop;
	if (lp->acq_len >= lp->backlog || lp->syn_len >= (lp->backlog > 256 ? lp->backlog : 256))
		goto drop;	/* the peer retries */
	c = nm_tcp_sock_new(st, lp->family);
	if (!c)
		goto drop;
	tcb_from_listener(c, lp);
	nm_tcp_rx_queue_set(c, skb);
	c->laddr = *sg->dst;
	c->raddr = *sg->src;
	c->lport = sg->dport;
	c->rport = sg->sport;
	if (nm_tcp_route(c)) {
		nm_tcp_sock_destroy(c);
		goto drop;
	}
	c->irs = sg->seq;
	c->rcv_nxt = sg->seq + 1;
	c->rcv_adv = c->rcv_wup = c->rcv_nxt;	/* nothing advertised yet */
	c->copied_seq = c->rcv_nxt;
	c->rcv_wscale = pick_wscale(c->rcvbuf);
	negotiate(c, &sg->o);
	c->iss = nm_tcp_isn(st->tcp->isn_key, &c->laddr, c->lport, &c->raddr, c->rport,
			    nm_now_us());
	c->ts_offset = (uint32_t)nm_tcp_siphash(st->tcp->isn_key, &c->iss, sizeof(c->iss));
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->write_seq = c->iss + 1;
	c->sbuf_base = c->write_seq;
	c->snd_wnd = sg->win;	/* never scaled in a SYN */
	c->max_window = c->snd_wnd;
	c->snd_wl1 = sg->seq;
	c->snd_wl2 = c->iss;
	c->last_rcv_us = nm_now_us();
	nm_tcp_set_state(c, NM_TCP_SYN_RECEIVED);
	nm_tcp_hash_conn(c);
	nm_tcp_hash_bind(c);
	c->parent = lp;
	c->in_acq = false;
	nm_tcp_list_add_tail(&lp->synq, &c->acq_node);
	lp->syn_len++;
	nm_tcp_send_syn(c, true);
drop:
	nm_skb_free(skb);
}

static void syn_sent_rcv(struct nm_tcp_sock *tp, struct nm_skb *skb, const struct tcp_seg *sg)
{
	bool ack_ok = false;

	if (sg->flags & TH_ACK) {
		if (seq_le(sg->ack, tp->iss) || seq_gt(sg->ack, tp->snd_max)) {
			nm_tcp_send_rst_reply(tp->st, sg->src, sg->dst, sg->sport, sg->dport,
					      sg->seq, sg->ack, sg->flags, sg->len);
			goto drop;
		}
		ack_ok = true;
	}
	if (sg->flags & TH_RST) {
		if (ack_ok)
			nm_tcp_abort(tp, ECONNREFUSED);
		goto drop;
	}
	if (!(sg->flags & TH_SYN))
		goto drop;
	tp->irs = sg->seq;
	tp->rcv_nxt = sg->seq + 1;
	tp->rcv_adv = tp->rcv_wup = tp->rcv_nxt;
	tp->copied_seq = tp->rcv_nxt;
	negotiate(tp, &sg->o);
	tp->snd_wnd = sg->win;
	tp->max_window = tp->snd_wnd;
	tp->snd_wl1 = sg->seq;
	tp->snd_wl2 = sg->ack;
	tp->last_rcv_us = nm_now_us();
	if (ack_ok) {
		if (tp->backoff == 0)	/* Karn: not after a retransmitted SYN */
			nm_tcp_rtt_sample(tp, (uint32_t)(nm_now_us() - tp->rtt_start));
		tp->rtt_timing = false;
		tp->snd_una = sg->ack;
		tp->backoff = 0;
		tp->retries = 0;
		nm_tcp_rearm_rtx(tp);
		nm_tcp_set_state(tp, NM_TCP_ESTABLISHED);
		nm_tcp_arm_keepalive(tp);
		nm_tcp_send_ack(tp);
		nm_tcp_push(tp);
	} else {
		/* simultaneous open (RFC 9293 3.5, figure 7) */
		nm_tcp_set_state(tp, NM_TCP_SYN_RECEIVED);
		tp->retries = 0;
		nm_tcp_send_syn(tp, true);
	}
drop:
	nm_skb_free(skb);
}

/* Acceptability (RFC 9293 3.10.7.4 first check) against the window we
 * advertised. */
static bool seq_acceptable(struct nm_tcp_sock *tp, const struct tcp_seg *sg)
{
	uint32_t wnd = seq_gt(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	uint32_t seglen = sg->len + !!(sg->flags & TH_FIN);

	if (seglen == 0) {
		if (wnd == 0)
			return sg->seq == tp->rcv_nxt;
		return seq_ge(sg->seq, tp->rcv_nxt) && seq_lt(sg->seq, tp->rcv_nxt + wnd);
	}
	if (wnd == 0)
		return false;
	return (seq_ge(sg->seq, tp->rcv_nxt) && seq_lt(sg->seq, tp->rcv_nxt + wnd)) ||
	       (seq_ge(sg->seq + seglen - 1, tp->rcv_nxt) &&
		seq_lt(sg->seq + seglen - 1, tp->rcv_nxt + wnd));
}

/* Does the segment occupy sequence space (data or FIN)?  Such segments are
 * answered whatever the rate limit, unless they carry a SYN (tcp_oow.c). */
static bool occupies(const struct tcp_seg *sg)
{
	return sg->len || (sg->flags & TH_FIN);
}

/* The rate limit's counter for a duplicate ACK of tp's state: Linux answers
 * SYN_RECEIVED from its request sock, an orphan's FIN_WAIT_2 and
 * TIME_WAIT from its timewait sock, each counting skips apart. */
static uint64_t *oow_skipped(struct nm_tcp_sock *tp, uint64_t *otherwise)
{
	struct nm_stack_stats *s = &tp->st->stats;

	if (tp->state == NM_TCP_SYN_RECEIVED)
		return &s->tcp_ack_skipped_synrecv;
	if (tp->state == NM_TCP_FIN_WAIT_2 && tp->orphan)
		return &s->tcp_ack_skipped_finwait2;
	if (tp->state == NM_TCP_TIME_WAIT)
		return &s->tcp_ack_skipped_timewait;
	return otherwise;
}

/* Answer an unacceptable segment with a duplicate ACK (rate-limited). */
static void dupack(struct nm_tcp_sock *tp, const struct tcp_seg *sg, uint64_t *skipped)
{
	nm_tcp_send_dupack(tp, occupies(sg), sg->flags & TH_SYN, oow_skipped(tp, skipped));
}

/*
 * PAWS (RFC 7323 5): is the segment's timestamp older than TS.Recent
 * (and TS.Recent younger than 24 days)?  Not for the reordered duplicate
 * ACK of RFC 7323 5.5 that Linux lets through (tcp_disordered_ack_check):
 * a pure ACK at rcv_nxt, of snd_una, that moves no window, less than
 * 1.2 RTO of timestamp behind.
 */
static bool paws_reject(struct nm_tcp_sock *tp, const struct tcp_seg *sg)
{
	uint32_t now_s = (uint32_t)(nm_now_us() / 1000000);

	if (!tp->ts_ok || !sg->o.ts_p || !seq_lt(sg->o.tsval, tp->ts_recent) ||
	    now_s - tp->ts_recent_stamp_s > 24u * 24 * 3600)
		return false;
	if ((sg->flags & TH_ACK) && !occupies(sg) && !(sg->flags & TH_SYN) &&
	    sg->seq == tp->rcv_nxt && sg->ack == tp->snd_una &&
	    ((uint32_t)sg->win << tp->snd_wscale) == tp->snd_wnd &&
	    tp->ts_recent - sg->o.tsval <= (uint32_t)((uint64_t)tp->rto * 12 / 10000))
		return false;
	return true;
}

/* A PAWS failure (not a RST, which goes on to its own checks). */
static void paws_rejected(struct nm_tcp_sock *tp, const struct tcp_seg *sg)
{
	struct nm_stack *st = tp->st;

	if (sg->flags & TH_SYN) {
		nm_tcp_send_challenge_ack(tp);
		return;
	}
	/* an old pure ACK: common after reordering, not worth an answer
	 * (Linux's PAWSOldAck) */
	if ((sg->flags & TH_ACK) && !occupies(sg) && seq_lt(sg->seq, tp->rcv_nxt))
		return;
	st->stats.tcp_dup_dropped++;
	dupack(tp, sg, &st->stats.tcp_ack_skipped_paws);
}

/* Sequence number unacceptable (RFC 9293 3.10.7.4 first check). */
static void seq_rejected(struct nm_tcp_sock *tp, const struct tcp_seg *sg)
{
	struct nm_stack *st = tp->st;

	/* an ACK in a zero window still counts (RFC 9293 3.10.7.4) */
	if ((sg->flags & TH_ACK) && !(sg->flags & (TH_RST | TH_SYN)) &&
	    sg->seq == tp->rcv_nxt && tp->state >= NM_TCP_ESTABLISHED)
		process_ack(tp, sg);
	if (sg->flags & TH_RST)
		return;
	/* a SYN in a synchronized state: RFC 5961 4.2 (Linux's
	 * syn_challenge); SYN_RECEIVED answers like Linux's request sock */
	if ((sg->flags & TH_SYN) && tp->state != NM_TCP_SYN_RECEIVED) {
		nm_tcp_send_challenge_ack(tp);
		return;
	}
	st->stats.tcp_dup_dropped++;
	if (sg->len && seq_lt(sg->seq, tp->rcv_nxt))
		nm_tcp_dsack_set(tp, sg->seq, seq_min(sg->seq + sg->len, tp->rcv_nxt));
	dupack(tp, sg, &st->stats.tcp_ack_skipped_seq);
}

/* A RST in window (RFC 5961 3.2): only one exactly at rcv_nxt resets, any
 * other draws a challenge ACK. */
static void rst_rcvd(struct nm_tcp_sock *tp, const struct tcp_seg *sg)
{
	if (sg->seq != tp->rcv_nxt) {
		nm_tcp_send_challenge_ack(tp);
		return;
	}
	if (tp->state == NM_TCP_SYN_RECEIVED)
		nm_tcp_abort(tp, ECONNREFUSED);	/* a listener's child goes, it stays in LISTEN */
	else if (tp->state >= NM_TCP_CLOSING)
		nm_tcp_abort(tp, 0);
	else
		nm_tcp_abort(tp, ECONNRESET);
}

/*
 * A SYN in window where Linux keeps no full socket to defend answers with
 * a RST, and the tcb goes: a listener's embryonic child (Linux's request
 * sock: tcp_check_req()'s embryonic reset; the listener stays) and an
 * orphaned FIN_WAIT_2 (Linux's timewait sock in its FIN_WAIT2 substate,
 * for a SYN at or past rcv_nxt).  True when it did.  Everywhere else a
 * SYN draws a challenge ACK (RFC 5961 4.2).
 */
static bool syn_resets(struct nm_tcp_sock *tp, const struct tcp_seg *sg)
{
	bool embryonic = tp->state == NM_TCP_SYN_RECEIVED && tp->parent;
	bool fw2_orphan = tp->state == NM_TCP_FIN_WAIT_2 && tp->orphan &&
			  !seq_lt(sg->seq, tp->rcv_nxt);

	if (!embryonic && !fw2_orphan)
		return false;
	nm_tcp_send_rst_reply(tp->st, sg->src, sg->dst, sg->sport, sg->dport, sg->seq,
			      sg->ack, sg->flags, sg->len);
	nm_tcp_abort(tp, embryonic ? ECONNREFUSED : ECONNRESET);
	return true;
}

/*
 * RFC 9293 3.10.7.4's first checks, in order: PAWS, the peer's SYN again
 * in SYN_RECEIVED, sequence acceptability, RST, SYN, the ACK bit.  True
 * when the segment goes on to its ACK and data; false when it was answered
 * or dropped (the tcb may be gone: a RST).
 */
static bool segment_passes(struct nm_tcp_sock *tp, const struct tcp_seg *sg)
{
	struct nm_stack *st = tp->st;

	if (!(sg->flags & TH_RST) && paws_reject(tp, sg)) {
		paws_rejected(tp, sg);
		return false;
	}
	if (tp->state == NM_TCP_SYN_RECEIVED && sg->seq == tp->irs &&
	    (sg->flags & (TH_SYN | TH_RST | TH_ACK)) == TH_SYN) {
		/* the peer's SYN again: our SYN-ACK was lost.  Resent at
		 * once, rate-limited like Linux's request sock does. */
		if (!nm_tcp_oow_rate_limited(tp, &st->stats.tcp_ack_skipped_synrecv))
			nm_tcp_send_syn(tp, true);
		return false;
	}
	if (!seq_acceptable(tp, sg)) {
		seq_rejected(tp, sg);
		nm_tcp_push(tp);
		return false;
	}
	if (sg->flags & TH_RST) {
		rst_rcvd(tp, sg);
		return false;
	}
	if (sg->flags & TH_SYN) {
		if (!syn_resets(tp, sg))
			nm_tcp_send_challenge_ack(tp);
		return false;
	}
	return sg->flags & TH_ACK;
}

/* SYN_RECEIVED: the ACK of our SYN-ACK completes the handshake, and a
 * listener's child moves to its accept queue.  False (answered with a
 * RST) when it acknowledges something else. */
static bool synrecv_acked(struct nm_tcp_sock *tp, const struct tcp_seg *sg)
{
	if (!seq_gt(sg->ack, tp->snd_una) || seq_gt(sg->ack, tp->snd_max)) {
		nm_tcp_send_rst_reply(tp->st, sg->src, sg->dst, sg->sport, sg->dport, sg->seq,
				      sg->ack, sg->flags, sg->len);
		return false;
	}
	nm_tcp_set_state(tp, NM_TCP_ESTABLISHED);
	tp->snd_wnd = (uint32_t)sg->win << tp->snd_wscale;
	tp->max_window = tp->snd_wnd;
	tp->snd_wl1 = sg->seq;
	tp->snd_wl2 = sg->ack;
	nm_tcp_arm_keepalive(tp);
	if (tp->parent) {
		struct nm_tcp_sock *lp = tp->parent;

		nm_tcp_list_del(&tp->acq_node);
		lp->syn_len--;
		nm_tcp_list_add_tail(&lp->acq, &tp->acq_node);
		lp->acq_len++;
		tp->in_acq = true;
		nm_tcp_notify(lp);	/* a child to accept */
	}
	return true;
}

/* Record the timestamp to echo (RFC 7323 4.3), only from a segment whose
 * ACK proved it belongs (a forged one must not poison PAWS). */
static void ts_recent_update(struct nm_tcp_sock *tp, const struct tcp_seg *sg)
{
	if (tp->ts_ok && sg->o.ts_p && seq_le(sg->seq, tp->rcv_wup) &&
	    seq_ge(sg->o.tsval, tp->ts_recent)) {
		tp->ts_recent = sg->o.tsval;
		tp->ts_recent_stamp_s = (uint32_t)(nm_now_us() / 1000000);
	}
}

/* The peer acknowledged our FIN.  False when that ended the connection
 * (TIME_WAIT, or CLOSED and maybe freed): the segment has nothing more to
 * say. */
static bool fin_acked(struct nm_tcp_sock *tp)
{
	switch (tp->state) {
	case NM_TCP_FIN_WAIT_1:
		nm_tcp_set_state(tp, NM_TCP_FIN_WAIT_2);
		if (tp->orphan)	/* Linux's tcp_fin_timeout */
			nm_timer_mod(tp->st->wheel, &tp->tw_timer, nm_now_us() + 60000000ull);
		return true;
	case NM_TCP_CLOSING:
		nm_tcp_enter_time_wait(tp);
		return false;
	case NM_TCP_LAST_ACK:
		nm_tcp_done(tp);
		return false;
	default:
		return true;
	}
}

/* A segment for a synchronized connection (SYN_RECEIVED to LAST_ACK). */
static void established_rcv(struct nm_tcp_sock *tp, struct nm_skb *skb, const struct tcp_seg *sg)
{
	if (!segment_passes(tp, sg))
		goto drop;
	tp->last_rcv_us = nm_now_us();
	tp->ka_probes = 0;
	if (tp->state == NM_TCP_SYN_RECEIVED && !synrecv_acked(tp, sg))
		goto drop;
	if (!process_ack(tp, sg))
		goto drop;
	ts_recent_update(tp, sg);
	if (tp->fin_queued && seq_gt(tp->snd_una, tp->write_seq) && !fin_acked(tp))
		goto drop;
	if (sg->len || (sg->flags & TH_FIN)) {
		bool alive = process_data(tp, skb, sg);

		skb = NULL;
		if (!alive)
			return;
	}
	if (tp->state == NM_TCP_TIME_WAIT || tp->state == NM_TCP_CLOSED)
		goto drop;
	nm_tcp_push(tp);
	if (tp->ack_now)
		nm_tcp_send_ack(tp);
drop:
	if (skb)
		nm_skb_free(skb);
}

/*
 * TIME_WAIT (Linux's tcp_timewait_state_process; the caller already let a
 * reusing SYN through).  Only a RST or a bare segment exactly at rcv_nxt
 * is in window: the RST ends the wait (RFC 1337 not applied, Linux's
 * default), the bare segment restarts it.  Everything else (a
 * retransmitted FIN, old or forged segments) is answered with an ACK,
 * through the rate limit: a FIN is always answered.
 */
static void timewait_rcv(struct nm_tcp_sock *tp, struct nm_skb *skb, const struct tcp_seg *sg)
{
	struct nm_stack *st = tp->st;
	bool paws = paws_reject(tp, sg);

	nm_skb_free(skb);
	if (!paws && sg->seq == tp->rcv_nxt &&
	    ((!occupies(sg) && !(sg->flags & TH_SYN)) || (sg->flags & TH_RST))) {
		if (sg->flags & TH_RST) {
			nm_tcp_abort(tp, 0);
			return;
		}
		nm_timer_mod(st->wheel, &tp->tw_timer, nm_now_us() + 2 * NM_TCP_MSL_US);
		if (tp->ts_ok && sg->o.ts_p) {
			tp->ts_recent = sg->o.tsval;
			tp->ts_recent_stamp_s = (uint32_t)(nm_now_us() / 1000000);
		}
		return;
	}
	if (sg->flags & TH_RST)
		return;
	/* a bare SYN may be a new incarnation's with a lower sequence: it
	 * does not extend the wait */
	if (paws || (sg->flags & TH_ACK))
		nm_timer_mod(st->wheel, &tp->tw_timer, nm_now_us() + 2 * NM_TCP_MSL_US);
	dupack(tp, sg, &st->stats.tcp_ack_skipped_timewait);
}

/* A SYN for a 4-tuple in TIME_WAIT: a new incarnation may reuse it when
 * its sequence (or timestamp) is above the old one's (RFC 6191). */
static bool tw_reusable(struct nm_tcp_sock *tp, const struct tcp_seg *sg)
{
	if ((sg->flags & (TH_SYN | TH_ACK | TH_RST)) != TH_SYN)
		return false;
	if (tp->ts_ok && sg->o.ts_p)
		return seq_gt(sg->o.tsval, tp->ts_recent);
	return seq_gt(sg->seq, tp->rcv_nxt);
}

/* The header's fields and options into sg, the header pulled off the skb
 * and the segment's sequence range into its control block.  False: the
 * segment is malformed (port 0, header not there). */
static bool seg_parse(struct nm_skb *skb, const struct nm_rx_parse *p, const uint8_t *h,
		      uint32_t hlen, struct tcp_seg *sg)
{
	struct nm_tcp_cb *cb;
	uint32_t doff;

	sg->sport = get16(h);
	sg->dport = get16(h + 2);
	sg->seq = get32(h + 4);
	sg->ack = get32(h + 8);
	sg->flags = h[13];
	sg->win = get16(h + 14);
	if (sg->sport == 0 || sg->dport == 0)
		return false;
	if (!p || !nic_opts(p, h, hlen, sg->flags & TH_SYN, &sg->o))
		parse_opts(h + 20, hlen - 20, sg->flags & TH_SYN, &sg->o);
	/* Normally the whole header is linear; a NIC may split it, then the
	 * rest stays in front of the payload (doff) and the skb is never
	 * coalesced. */
	doff = hlen > skb->linear ? hlen - skb->linear : 0;
	if (!nm_skb_pull(skb, hlen - doff))
		return false;
	sg->len = skb->len - doff;
	sg->end = sg->seq + sg->len + !!(sg->flags & TH_SYN) + !!(sg->flags & TH_FIN);
	cb = nm_tcp_cb(skb);
	/* the SYN occupies the first sequence number; payload starts after */
	cb->seq = sg->seq + !!(sg->flags & TH_SYN);
	cb->start = cb->seq;
	cb->end_seq = cb->seq + sg->len;
	cb->doff = (uint16_t)doff;
	cb->flags = sg->flags;
	return true;
}

/* The segment to its socket: the connection of its 4-tuple (a TIME_WAIT
 * one a new incarnation may reuse steps aside), by state; else a listener
 * of its port; else a RST. */
static void seg_demux(struct nm_stack *st, struct nm_skb *skb, const struct tcp_seg *sg)
{
	struct nm_tcp_sock *tp;

	tp = nm_tcp_lookup_conn(st->tcp, sg->dst, sg->dport, sg->src, sg->sport);
	if (tp && tp->state == NM_TCP_TIME_WAIT && tw_reusable(tp, sg)) {
		nm_tcp_done(tp);
		tp = NULL;
	}
	if (tp) {
		/* a tcb that notifies is held by its socket: alive after */
		bool notify = tp->notify;

		nm_tcp_rx_queue_set(tp, skb);
		if (tp->state == NM_TCP_SYN_SENT)
			syn_sent_rcv(tp, skb, sg);
		else if (tp->state == NM_TCP_TIME_WAIT)
			timewait_rcv(tp, skb, sg);
		else
			established_rcv(tp, skb, sg);
		if (notify)
			nm_tcp_notify(tp);
		return;
	}
	tp = nm_tcp_lookup_listener(st->tcp, sg->dst, sg->dport);
	if (tp) {
		listen_rcv(tp, skb, sg);
		return;
	}
	st->stats.tcp_no_socket++;
	nm_tcp_send_rst_reply(st, sg->src, sg->dst, sg->sport, sg->dport, sg->seq, sg->ack,
			      sg->flags, sg->len);
	nm_skb_free(skb);
}

/* Header checks and checksum, then parse and demux. */
void nm_tcp_rcv(struct nm_stack *st, struct nm_skb *skb, const struct nm_addr *src,
		const struct nm_addr *dst)
{
	const struct nm_rx_parse *p = nm_skb_parse_l4(skb, IPPROTO_TCP);
	struct tcp_seg sg = { .src = src, .dst = dst };
	uint8_t buf[60];
	const uint8_t *h;
	uint32_t hlen;

	st->stats.tcp_in++;
	if (!st->tcp || !(h = tcp_header(skb, &p, buf, &hlen)))
		goto drop;
	if (!csum_ok(skb, src, dst)) {
		st->stats.tcp_bad_csum++;
		goto drop;
	}
	if (!seg_parse(skb, p, h, hlen, &sg))
		goto drop;
	seg_demux(st, skb, &sg);
	return;
drop:
	nm_skb_free(skb);
}

void nm_tcp_err(struct nm_stack *st, const struct nm_addr *src, const struct nm_addr *dst,
		uint16_t sport, uint16_t dport, uint32_t seq, int err, uint32_t mtu)
{
	struct nm_tcp_sock *tp;

	/* src/dst are those of the segment we sent */
	if (!st || !st->tcp || !src || !dst)
		return;
	tp = nm_tcp_lookup_conn(st->tcp, src, sport, dst, dport);
	if (!tp)
		return;
	/* RFC 5927: only an error quoting a segment in flight is ours, so an
	 * off-path sender must guess the sequence as well as the ports */
	if (tp->state == NM_TCP_SYN_SENT ? seq != tp->iss
					 : !(seq_ge(seq, tp->snd_una) && seq_lt(seq, tp->snd_max)))
		return;
	if (err == EMSGSIZE && mtu >= (nm_addr_is_v4(dst) ? 576u : 1280u)) {
		uint32_t hdrs = nm_addr_is_v4(dst) ? 40 : 60, m = mtu - hdrs - (tp->ts_ok ? 12 : 0);

		if (m < tp->mss) {
			tp->mss = (uint16_t)m;
			tp->snd_nxt = tp->snd_una;	/* resend at the new size */
			nm_tcp_push(tp);
		}
		return;
	}
	/* Unreachables abort a connection still in SYN_SENT; on a
	 * synchronized one they are soft errors (RFC 1122 4.2.3.9), left to
	 * the retransmission timer. */
	if (tp->state == NM_TCP_SYN_SENT && (err == ECONNREFUSED || err == EHOSTUNREACH ||
					     err == ENETUNREACH))
		nm_tcp_abort(tp, err);
}
