/* SPDX-License-Identifier: MIT */
#ifndef NM_T_TCP_H
#define NM_T_TCP_H

/*
 * TCP on the test bed (tcp.c, tcp_wire.c, storm.c): white-box access to a
 * connection, the wire played by the test between the two stacks of a
 * struct t_net, the idle-storm oracle, and the accounting of a stream
 * through a corrupting wire.
 */
#include "t_frame.h"
#include "t_net.h"
#include "net/tcp.h"
#include "nic/wire_drv.h"

/* The tcb behind a connected socket (IPv4 or IPv6) of stack st; NULL if
 * it has none (closed, or not connected). */
struct nm_tcp_sock *t_tcb(struct nm_stack *st, int sd);

/* A segment handed to TCP directly, as the IP layer would, as if from a
 * connection's peer (t_inject): flags, seq, ack, len bytes of c, one SACK
 * block [sack_start, sack_end) when they differ; the window is 65535
 * (scaled).  It is processed before the call returns, so the test sees the
 * tcb right after it. */
struct t_inj {
	uint8_t flags;
	uint32_t seq, ack;
	char c;
	uint32_t len;
	uint32_t sack_start, sack_end;
};
/* The segment s to tp (of stack st), from tp's peer. */
void t_inject(struct nm_stack *st, struct nm_tcp_sock *tp, const struct t_inj *s);
/* t_pump_until() condition (arg: the struct t_net): a pass of both stacks
 * did nothing. */
bool t_quiet(void *arg);

/* The persist timer's exponential backoff, as Linux's: at least three
 * probes sent at times at[0..n) (microseconds), each interval 1.5 to 2.6
 * times the one before (doubling, give or take the loop's latency). */
void t_assert_backoff(const uint64_t *at, int n);

/* ---- the wire between A and B, played by the test (tcp_wire.c) -----------------
 *
 * Take every frame one stack sent toward the other off the shm ring and
 * put back only those the test keeps (a loss exactly where the test wants
 * it).  Both stacks run in the test's thread, so between two polls the
 * test owns both ends of the wire.
 */

#define T_FILTER_MAX	512

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
void t_take(struct t_net *n, bool from_a, struct t_frames *f);
/* Put frame i of f back on its way. */
void t_put(struct t_net *n, bool from_a, struct t_frames *f, int i);

/* keep(seq, plen, arg): whether a TCP frame goes on to B. */
typedef bool (*t_keep_fn)(uint32_t seq, uint32_t plen, void *arg);
/* Run A's stack alone, then pass what it sent toward B through keep;
 * returns how many frames were dropped. */
int t_filter_a_to_b(struct t_net *n, t_keep_fn keep, void *arg);

/* Receive until want bytes arrived (pumping both stacks), checking them
 * against the stream pattern from byte first on. */
void t_recv_pattern(struct t_net *n, int sd, uint64_t first, uint64_t want, int timeout_ms);
/* t_stream() with the fault injector's held frames flushed at every pump,
 * both ways: its reordering and delays then last at most one poll, as on a
 * real path, instead of until the sender's next frame. */
void t_stream_flushed(struct t_net *n, int sd_tx, int sd_rx, uint64_t len, int timeout_ms);
/* The two stacks on a wire of 4096 slots and 32 MiB with 1 % loss, 1 %
 * reordering and 0.5 % duplication both ways (t_wfaults_lossy, seeds seed
 * and seed + 1); returns the bytes to stream each way: NM_SHM_REF_MB MiB,
 * 256 by default (the reference tests under faults). */
uint64_t t_net_up_lossy(struct t_net *n, uint64_t seed);

/*
 * A sends len bytes of new data (the stream pattern from byte *sent on);
 * the frame with the first of them is held back while the rest reach B,
 * whose SACKs put A into fast recovery, which resends the first bytes;
 * then the held original reaches B before the resent copy, which B
 * reports as a duplicate (DSACK, RFC 2883).  The recovery was spurious: A
 * must undo it (cwnd and ssthresh back to at least what they were,
 * tcp_spurious_undos + 1, the path marked as reordering), and the bytes
 * must arrive intact.  Needs a fresh path (no reordering seen yet, so
 * SACKs above a hole start a recovery at once), SACK, and a cwnd that
 * lets len go at once; the caller's wire has no faults.
 */
void t_spurious_recovery(struct t_net *n, int csd, int ssd, uint64_t *sent, uint32_t len);

/* ---- the idle-storm oracle (storm.c) ---------------------------------------------
 *
 * An ACK storm is two TCPs answering each other's answers: while both
 * applications do nothing, segments keep flowing, one per loop pass and
 * side, forever (issue 13: one spoofed FIN|ACK did it at ~420 000
 * segments a second each way).  A correct pair of stacks settles after a
 * handful: every reply to an out-of-window segment is rate-limited per
 * socket (tcp_invalid_ratelimit, 500 ms by default) and challenge ACKs
 * are capped per stack (tcp_challenge_ack_limit).
 *
 *	int64_t n = t_storm_segments(sa, sb, 1000, 0);
 *	if (n < 0) ...			// a poll failed (-errno)
 *	if (n > T_STORM_SETTLE) ...	// a storm
 *
 * t_storm_segments(a, b, passes, max_ms) runs nm_stack_poll(st, 0) (never
 * sleeping) on a and then b, `passes` times or until max_ms milliseconds
 * have passed (max_ms 0: no time bound), and returns how many TCP
 * segments the two stacks sent meanwhile (their tcp_out counters, RSTs
 * included).  b may be NULL: one stack whose wire's other end the caller
 * drives (a fuzz harness feeding frames); only a's segments count.
 *
 * What an idle pair may send: nothing, once the delayed ACK of the last
 * data went out (40 ms) and with no timer due.  Keepalive is off by
 * default; retransmission, persist and TIME_WAIT timers belong to
 * connections that are not idle.  A storm oracle run of a few hundred
 * passes takes well under a millisecond a pass, so a timer due later than
 * that cannot fire in it; after an injected segment, at most
 * T_STORM_SETTLE replies are legitimate (the reply, the peer's challenge
 * ACK, the dupACK that answers it; the next one is rate-limited).  A
 * spoofed segment to start one: t_tcp4_seg() (t_frame.h).
 */
#define T_STORM_SETTLE	4

int64_t t_storm_segments(struct nm_stack *a, struct nm_stack *b, uint32_t passes, uint32_t max_ms);

/* ---- a stream through a corrupting wire (storm.c) ----------------------------------
 *
 * What each end counted, and how many corrupted frames (one bit of one
 * byte each) may get past every check.
 */
struct t_end_stats {
	struct nm_wire_stats wire;	/* the sender's endpoint counts its faults */
	struct nm_queue_stats nic;
	struct nm_stack_stats st;
};

void t_end_stats_get(struct t_end_stats *s, struct nm_wire *w, struct nm_netdev *nd,
		     struct nm_stack *st);
/* Frames the receiving stack's Ethernet layer dropped (the flip hit the
 * destination MAC or the ethertype). */
uint64_t t_eth_drops(const struct nm_stack_stats *s);
/* Of `corrupted` frames, how many may pass every check: a flip in the
 * source MAC, which nothing verifies.  48 bits of the frame, so at most 1
 * flip in 9 for the shortest (54-byte) frame; the expectation plus three
 * standard deviations and a little.  More than that got through a check. */
uint64_t t_corrupt_unchecked_bound(uint64_t corrupted);

#endif
