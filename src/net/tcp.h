/* SPDX-License-Identifier: MIT */
#ifndef NM_NET_TCP_H
#define NM_NET_TCP_H

/*
 * TCP internals (RFC 9293 with RFC 7323, 2018, 2883, 5961, 6298, 6528,
 * 6582, 6675, 8985, 9438).
 *
 *	tcp_table.c	the connection table (4-tuple hash, per-port bind
 *			lists), tcb lifetime, stack init/fini
 *	tcp_isn.c	initial sequence numbers (keyed hash + clock, RFC 6528)
 *	tcp_input.c	segment arrival: demux, state machine, ACK processing,
 *			receive queue, OOO queue, SACK scoreboard updates
 *	tcp_output.c	segment building: options, send buffer ranges as TX
 *			frags, TSO, ACK/RST/SYN, the transmit loop
 *	tcp_loss.c	loss detection past the SACK count: the reordering
 *			window, tail loss probes, lost retransmissions, DSACK
 *			undo of spurious loss responses
 *	tcp_timer.c	RTO, delayed ACK, persist, keepalive, TIME_WAIT
 *	tcp_cc_*.c	congestion control behind struct nm_tcp_cc_ops
 *	tcp_sock.c	what sock/socket.c calls: connect, listen, send, recv,
 *			close, options
 *
 * One stack thread owns every tcb of its stack; nothing is locked.
 * Sequence numbers compare with the usual modular helpers below.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net_internal.h"

struct nm_memobj;
struct nm_dma_mapping;
struct nm_dma_vec;
struct nm_tcp_zc;
struct nm_tcp_sring;
struct nm_socket;

#define nm_container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }
static inline uint32_t seq_max(uint32_t a, uint32_t b) { return seq_gt(a, b) ? a : b; }
static inline uint32_t seq_min(uint32_t a, uint32_t b) { return seq_lt(a, b) ? a : b; }

/*
 * Segments still held (by the NIC, or by a wire that references their
 * payload), counted in two generations, each with the lowest sequence
 * number any of its segments starts at: O(1) per segment for the question
 * "may a held segment name bytes below s?" (tcp_zc.c, tcp_sring.c).  New
 * segments go into gen[cur]; once the other generation drained, the next
 * add flips cur, so a mark stays at most until its generation is back and
 * the answer errs only towards "held".
 */
struct nm_tcp_gens {
	struct { uint32_t n, low; } gen[2];
	uint8_t cur;
};

/* Count a segment starting at seq; returns its generation (0 or 1). */
static inline unsigned nm_tcp_gens_add(struct nm_tcp_gens *g, uint32_t seq)
{
	unsigned i;

	if (!g->gen[!g->cur].n && g->gen[g->cur].n)
		g->cur = (uint8_t)!g->cur;	/* the other one drained */
	i = g->cur;
	if (!g->gen[i].n || seq_lt(seq, g->gen[i].low))
		g->gen[i].low = seq;
	g->gen[i].n++;
	return i;
}

/* A segment of generation i is back; true when that generation drained. */
static inline bool nm_tcp_gens_put(struct nm_tcp_gens *g, unsigned i)
{
	return !--g->gen[i & 1].n;
}

/* The lowest sequence number a held segment may start at; false if none. */
static inline bool nm_tcp_gens_low(const struct nm_tcp_gens *g, uint32_t *seq)
{
	bool any = false;

	for (unsigned i = 0; i < 2; i++) {
		if (!g->gen[i].n)
			continue;
		if (!any || seq_lt(g->gen[i].low, *seq))
			*seq = g->gen[i].low;
		any = true;
	}
	return any;
}

static inline uint32_t nm_tcp_gens_count(const struct nm_tcp_gens *g)
{
	return g->gen[0].n + g->gen[1].n;
}

enum nm_tcp_state {
	NM_TCP_CLOSED = 0,
	NM_TCP_LISTEN,
	NM_TCP_SYN_SENT,
	NM_TCP_SYN_RECEIVED,
	NM_TCP_ESTABLISHED,
	NM_TCP_FIN_WAIT_1,
	NM_TCP_FIN_WAIT_2,
	NM_TCP_CLOSE_WAIT,
	NM_TCP_CLOSING,
	NM_TCP_LAST_ACK,
	NM_TCP_TIME_WAIT,
};
const char *nm_tcp_state_name(int s);

/* Header flags. */
#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10
#define TH_URG	0x20
#define TH_ECE	0x40
#define TH_CWR	0x80

/* Constants (Linux's where it has them). */
#define NM_TCP_MSL_US		30000000ull	/* TIME_WAIT lasts 2 * MSL = 60 s */
#define NM_TCP_RTO_MIN_US	200000u
#define NM_TCP_RTO_MAX_US	120000000u
#define NM_TCP_RTO_INIT_US	1000000u
#define NM_TCP_DELACK_US	40000u
#define NM_TCP_SYN_RETRIES	6
#define NM_TCP_RETRIES2		15
#define NM_TCP_DEFAULT_BUF	(1u << 20)
#define NM_TCP_MIN_BUF		4096u
#define NM_TCP_MAX_BUF		(64u << 20)
#define NM_TCP_MAX_SACK		4
#define NM_TCP_SCORE_MAX	32	/* SACKed ranges remembered above snd_una */
#define NM_TCP_MAX_TSO		65536u

/* What the retransmission timer is armed for (tp->rtx_mode). */
enum {
	NM_TCP_RTX_RTO = 0,		/* retransmission timeout (RFC 6298) */
	NM_TCP_RTX_TLP,			/* tail loss probe (RFC 8985 7) */
	NM_TCP_RTX_REO,			/* reordering window of a SACKed hole ran out */
};

/* The control block of a segment inside TCP (skb->cb). */
struct nm_tcp_cb {
	uint32_t seq, end_seq;		/* payload at skb->data covers [seq, end_seq) */
	uint32_t start;			/* first byte still wanted (front trims) */
	uint16_t doff;			/* header bytes still at skb->data (a header
					 * the NIC split into frags); 0 normally */
	uint8_t flags;
};
static inline struct nm_tcp_cb *nm_tcp_cb(struct nm_skb *skb)
{
	return (struct nm_tcp_cb *)skb->cb;
}

struct nm_tcp_sock;

/* Congestion control (tcp_cc_newreno.c, tcp_cc_cubic.c). */
#define NM_TCP_CC_PRIV	64
struct nm_tcp_cc_ops {
	const char *name;
	void (*init)(struct nm_tcp_sock *tp);
	/* acked bytes newly acknowledged outside recovery */
	void (*cong_avoid)(struct nm_tcp_sock *tp, uint32_t acked);
	/* new ssthresh on a loss (fast retransmit or RTO) */
	uint32_t (*ssthresh)(struct nm_tcp_sock *tp);
	/* recovery ended (cwnd already set to ssthresh) */
	void (*recovered)(struct nm_tcp_sock *tp);
	/* an RTO fired */
	void (*on_rto)(struct nm_tcp_sock *tp);
};
extern const struct nm_tcp_cc_ops nm_tcp_cc_newreno;
extern const struct nm_tcp_cc_ops nm_tcp_cc_cubic;
const struct nm_tcp_cc_ops *nm_tcp_cc_find(const char *name);

struct nm_tcp_list {
	struct nm_tcp_list *next, *prev;
};

struct nm_tcp_sack_range {
	uint32_t start, end;
};

/* What a loss episode (recovery, or the go-back-N after an RTO) sent, in
 * send order, for RACK (RFC 8985 6): one entry per segment (a GSO segment
 * is one), dropped once delivered or found lost.  64 entries: an episode
 * retransmits holes of up to 64 KiB each, and an overflow only leaves the
 * oldest to the RTO. */
#define NM_TCP_RACK_MAX	64
struct nm_tcp_rack_ent {
	uint32_t seq, end;
	uint64_t us;			/* sent at */
};
struct nm_tcp_rack {
	uint64_t xmit_us;		/* RACK.xmit_ts: latest send time delivered */
	uint32_t xmit_end;		/* ... and that segment's end (ties) */
	uint32_t rtt_us;		/* RACK.rtt: its round trip */
	int n;
	struct nm_tcp_rack_ent e[NM_TCP_RACK_MAX];
};

/*
 * The TCP control block, in two groups.
 *
 * Hot: what every segment of an established connection reads or writes,
 * in and out: the demux's 4-tuple, the sequence spaces and windows, the
 * flags the fast path tests, the ACK state, the queues, the send ring's
 * mapping, RTT/RTO, congestion control with its private state, and the
 * two timers a segment touches (retransmission: re-armed per ACK; delayed
 * ACK: armed or cancelled per segment).  Kept together from offset 0 of a
 * 64-byte aligned tcb (nm_tcp_sock_new()), it fills about nine cache lines
 * instead of being spread over the whole 1.5 KiB block.
 *
 * Cold: what setup, options, the listener, loss recovery and its undo,
 * the other timers and statistics use: read per connection, per option
 * call or per loss episode, not per segment on a clean path.  The SACK
 * scoreboard (256 bytes) is cold: a clean path never fills it, and the
 * fast path only tests nr_score.
 */
struct nm_tcp_sock {
	/* ---- hot ------------------------------------------------------------------ */
	struct nm_tcp_list enode;	/* 4-tuple bucket (when connected) */
	struct nm_addr laddr, raddr;
	uint16_t lport, rport;		/* host order */
	int state;
	struct nm_stack *st;
	struct nm_iface *ifc;		/* route's interface */

	/* send sequence space */
	uint32_t snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t write_seq;		/* next byte the app's send will take */
	uint32_t max_window;
	/* receive sequence space */
	uint32_t rcv_nxt, rcv_wup, rcv_adv;	/* rcv_adv: right edge advertised */
	uint32_t copied_seq;		/* next byte nm_recv returns */
	/* windows and segments */
	uint32_t cwnd, ssthresh;	/* bytes */
	uint32_t sndbuf, rcvbuf;
	uint16_t mss;			/* effective send MSS (payload per segment) */
	uint16_t adv_mss;
	uint8_t snd_wscale, rcv_wscale;
	uint8_t rtx_mode;		/* what rtx_timer is armed for: NM_TCP_RTX_* */
	/* timestamps (RFC 7323) */
	uint32_t ts_recent, ts_recent_stamp_s;
	uint32_t ts_offset;		/* our TSval = now_ms + ts_offset */

	/* flags the fast path tests */
	bool ts_ok, sack_ok, nodelay;
	bool sw_csum;			/* the NIC cannot fill checksums */
	bool tso;
	bool fin_queued;		/* FIN at write_seq once the data is sent */
	bool fin_rcvd;			/* the peer's FIN is in order */
	bool rd_shut, wr_shut;		/* shutdown() of each side by the app */
	bool orphan;			/* closed by the app; freed when done */
	bool reset;			/* ended by RST: ECONNRESET once, then EOF */
	bool in_recovery;
	/* after an RTO: go back N (skipping SACKed ranges) until loss_recover
	 * is acknowledged; no fast recovery meanwhile (Linux's Loss state) */
	bool in_loss;
	bool tlp_out;			/* a loss probe is unanswered (RFC 8985 7) */
	bool rtt_timing;
	bool ack_now;
	/* receiver: a duplicate to report first in the next SACK option (RFC 2883) */
	bool dsack;
	/* a runtime above the socket layer hears of this connection's events
	 * (nm_tcp_notify(); set and cleared by sock/ with the socket) */
	bool notify;
	int err;			/* pending SO_ERROR (positive errno) */

	/* ACK state */
	int quick_acks;
	int dupacks;
	int nr_score;			/* SACKed ranges in score[] */
	uint32_t unacked_segs;		/* full segments received since our last ACK */
	uint32_t ka_probes;
	uint64_t last_rcv_us;
	uint64_t hole_us;		/* when a SACK first showed the hole at snd_una (0: none) */

	/* queues */
	struct nm_skb_queue rcvq;	/* in order, unread */
	uint64_t rcvq_bytes;
	struct nm_skb_queue ooo;	/* out of order, sorted by seq */
	uint64_t ooo_bytes;

	/* the send ring as the segments see it */
	uint8_t *sbuf;
	const struct nm_dma_vec *sbuf_vecs;
	uint32_t sbuf_nvecs;
	uint32_t sbuf_size;		/* power of two */
	uint32_t sbuf_base;		/* seq that sits at offset 0 of the ring (mod size) */
	struct nm_tcp_zc *zc;		/* devmem TX state (tcp_zc.c), NULL until used */

	/* RTT / RTO (RFC 6298), microseconds */
	uint32_t srtt, rttvar, rto;
	uint32_t min_rtt;
	uint32_t rtt_seq;		/* timing this seq (no timestamps) */
	int backoff;
	int retries;
	uint64_t rtt_start;

	/* statistics the ACK path counts with */
	uint64_t bytes_acked, bytes_received;

	/* congestion control */
	const struct nm_tcp_cc_ops *cc;
	struct nm_tcp_rack *rack;	/* sends of the loss episode; allocated at the first */
	struct nm_timer rtx_timer, delack_timer;
	_Alignas(8) uint8_t cc_priv[NM_TCP_CC_PRIV];

	/* ---- cold ----------------------------------------------------------------- */
	struct nm_socket *sock;		/* the socket holding it (sock/), NULL when none */
	struct nm_tcp_list all;		/* every tcb of the stack */
	struct nm_tcp_list bnode;	/* port bucket (when lport != 0) */
	bool in_bhash, in_ehash;
	int family;			/* AF_INET or AF_INET6 */
	bool v6only, reuseaddr, keepalive;
	/* bind() named the address, the port (Linux's SOCK_BINDADDR_LOCK and
	 * SOCK_BINDPORT_LOCK): nm_tcp_disconnect() keeps them */
	bool bind_addr_lock, bind_port_lock;
	bool linger_on;
	int linger_s;
	struct nm_addr nexthop;
	/* where the peer's segments arrive: the interface and RX queue of
	 * the last one (the kernel's sk_rx_queue_mapping); the receive
	 * window asks that queue for memory.  rx_ifc NULL until one came. */
	struct nm_iface *rx_ifc;
	uint16_t rx_queue;

	/* listener */
	struct nm_tcp_sock *parent;	/* the listener of an embryonic or unaccepted child */
	struct nm_tcp_list acq;		/* listener: children ready to accept */
	struct nm_tcp_list acq_node;	/* child: in parent's acq or syn list */
	struct nm_tcp_list synq;	/* listener: embryonic children */
	int acq_len, syn_len, backlog;
	bool in_acq;			/* child: on acq (else synq) */

	/* handshake and options */
	uint32_t iss, irs;
	uint16_t mss_clamp;		/* TCP_MAXSEG (0: none) */
	uint16_t peer_mss;		/* the peer's MSS option */
	bool ws_ok;

	/* the send ring's memory */
	struct nm_tcp_sring *sring;	/* tcp_sring.h (NULL: none yet) */
	struct nm_device *sbuf_dev;

	/* receiver: the latest OOO arrival, for the first SACK block; the
	 * duplicate to report (dsack, above) */
	uint32_t last_ooo_start, last_ooo_end;
	uint32_t dsack_start, dsack_end;

	/* SACK scoreboard (sender) */
	struct nm_tcp_sack_range score[NM_TCP_SCORE_MAX];
	uint32_t sacked_bytes;
	uint32_t high_sacked;		/* highest SACKed seq end */

	/* recovery */
	uint32_t recover;		/* snd_max when recovery began */
	uint32_t high_rxt;		/* holes below it were retransmitted */
	uint32_t lost_end;		/* RACK: unSACKed bytes below it are lost too */
	uint32_t loss_recover;
	uint64_t rec_us;		/* when recovery began */
	uint64_t cwnd_stamp_us;

	/* loss detection beyond the SACK count (tcp_loss.c) */
	bool reord_seen;		/* the path reordered: holes get reo_wnd of grace */
	uint8_t reo_mult;		/* reo_wnd = reo_mult * min_rtt / 4 (RFC 8985 6.2) */
	bool tlp_rexmit;		/* the probe out resent old data */
	uint32_t tlp_high;		/* snd_max when it went */
	/* undo of a loss response that proved spurious (DSACKs, RFC 2883 / 3708) */
	bool undo_ok;
	uint32_t undo_marker;		/* snd_una when the episode began */
	uint32_t undo_high;		/* end of the highest byte it retransmitted */
	uint32_t undo_retrans;		/* bytes it retransmitted, less those DSACKed */
	uint32_t undo_cwnd, undo_ssthresh;
	_Alignas(8) uint8_t undo_cc_priv[NM_TCP_CC_PRIV];

	/* when the last reply to a segment it could not accept went, in ms
	 * (tcp_oow.c; 0: never): the tcp_invalid_ratelimit clock */
	uint32_t last_oow_ack_ms;

	/* the other timers: persist, TIME_WAIT (and the orphan's FIN_WAIT_2),
	 * keepalive */
	struct nm_timer persist_timer, tw_timer, ka_timer;
	int persist_backoff;
	uint32_t ka_idle_s, ka_intvl_s, ka_cnt;

	/* statistics for TCP_INFO */
	uint32_t total_retrans;
};
/* The hot group's size, a budget: a field added there should be one the
 * fast path needs (see above). */
#define NM_TCP_HOT_BYTES	(offsetof(struct nm_tcp_sock, sock))
_Static_assert(NM_TCP_HOT_BYTES <= 10 * 64, "struct nm_tcp_sock's hot group grew past 10 lines");

/* States in which data (and FIN) may still be sent: the send side is open
 * or its FIN is not yet acknowledged. */
static inline bool nm_tcp_can_send_state(const struct nm_tcp_sock *tp)
{
	switch (tp->state) {
	case NM_TCP_ESTABLISHED:
	case NM_TCP_CLOSE_WAIT:
	case NM_TCP_FIN_WAIT_1:
	case NM_TCP_CLOSING:
	case NM_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/* The per-stack table (tcp_table.c). */
#define NM_TCP_EHASH	4096
#define NM_TCP_BHASH	1024
struct nm_tcp_table {
	struct nm_stack *st;
	struct nm_tcp_list all;
	struct nm_tcp_list ehash[NM_TCP_EHASH];
	struct nm_tcp_list bhash[NM_TCP_BHASH];
	uint32_t nr_socks;
	uint16_t next_ephemeral;
	uint8_t isn_key[16];
	/* The devmem hook: how many more payload bytes the RX queue this
	 * connection's segments arrive on can hold (UINT32_MAX: no limit;
	 * tcp_rxspace.c asks the queue, O(1)). */
	uint32_t (*rx_pool_space)(struct nm_tcp_sock *tp);
	/* Linux's sysctls (nm_stack_set_tcp_sysctl) and the stack-wide
	 * challenge ACK budget of the current second (tcp_oow.c) */
	uint32_t invalid_ratelimit_ms, challenge_ack_limit;
	uint32_t challenge_stamp_s, challenge_count;
};

static inline void nm_tcp_list_init(struct nm_tcp_list *l) { l->next = l->prev = l; }
static inline bool nm_tcp_list_empty(const struct nm_tcp_list *l) { return l->next == l; }
static inline void nm_tcp_list_add_tail(struct nm_tcp_list *h, struct nm_tcp_list *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}
static inline void nm_tcp_list_del(struct nm_tcp_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

/*
 * Events for a runtime above the socket layer (src/rt/, through sock/):
 * something happened on a connection whose socket asked to hear of it
 * (tp->notify): a segment was processed (data, an ACK that freed send
 * space, a FIN, a state change), a child became ready on a listener, or
 * the connection ended (RST, timeout, ICMP).  Called from inside a stack
 * pass, once per such segment or end; the hook coalesces.  The hook is
 * process-wide and set once by sock/ (nm_sock_set_hooks()).
 */
extern void (*nm_tcp_notify_hook)(struct nm_tcp_sock *tp);
static inline void nm_tcp_notify(struct nm_tcp_sock *tp)
{
	if (__builtin_expect(tp->notify, 0) && nm_tcp_notify_hook)
		nm_tcp_notify_hook(tp);
}

/* ---- tcp_table.c ---- */
struct nm_tcp_sock *nm_tcp_sock_new(struct nm_stack *st, int family);
/* Free now (unhash, cancel timers, drop buffers).  The socket must be gone. */
void nm_tcp_sock_destroy(struct nm_tcp_sock *tp);
/* A listener's children go (its own end, or shutdown(SHUT_RD)): a RST to
 * each, accepted by TCP or not yet, like Linux. */
void nm_tcp_drop_children(struct nm_tcp_sock *tp);
/* The connection reached CLOSED: free it if no socket holds it. */
void nm_tcp_done(struct nm_tcp_sock *tp);
/* A socket's CLOSED tcb made new for another connect (the failure was
 * reported): the connection's state goes, bind()'s address and port and
 * the socket's options stay. */
void nm_tcp_disconnect(struct nm_tcp_sock *tp);
/* The wildcard address, v6 or v4-mapped. */
bool nm_tcp_addr_any(const struct nm_addr *a);
void nm_tcp_hash_bind(struct nm_tcp_sock *tp);
void nm_tcp_unhash_bind(struct nm_tcp_sock *tp);
void nm_tcp_hash_conn(struct nm_tcp_sock *tp);
void nm_tcp_unhash_conn(struct nm_tcp_sock *tp);
struct nm_tcp_sock *nm_tcp_lookup_conn(struct nm_tcp_table *t, const struct nm_addr *laddr,
				       uint16_t lport, const struct nm_addr *raddr, uint16_t rport);
struct nm_tcp_sock *nm_tcp_lookup_listener(struct nm_tcp_table *t, const struct nm_addr *laddr,
					   uint16_t lport);
/* Can tp bind laddr:port?  0 or -EADDRINUSE (message set). */
int nm_tcp_bind_check(struct nm_tcp_table *t, struct nm_tcp_sock *tp, const struct nm_addr *laddr,
		      uint16_t port);
int nm_tcp_pick_ephemeral(struct nm_tcp_table *t, struct nm_tcp_sock *tp);
void nm_tcp_set_state(struct nm_tcp_sock *tp, int state);

/* ---- tcp_isn.c ---- */
void nm_tcp_isn_key_init(uint8_t key[16]);
uint32_t nm_tcp_isn(const uint8_t key[16], const struct nm_addr *laddr, uint16_t lport,
		    const struct nm_addr *raddr, uint16_t rport, uint64_t now_us);
uint64_t nm_tcp_siphash(const uint8_t key[16], const void *data, size_t len);

/* ---- tcp_output.c ---- */
/* Send what the windows allow (new data, retransmissions, FIN). */
void nm_tcp_push(struct nm_tcp_sock *tp);
void nm_tcp_send_ack(struct nm_tcp_sock *tp);
void nm_tcp_send_syn(struct nm_tcp_sock *tp, bool with_ack);
/* A RST for the connection (abort). */
void nm_tcp_send_rst_conn(struct nm_tcp_sock *tp);
/* A RST answering a segment that has no connection (RFC 9293 3.10.7.1). */
void nm_tcp_send_rst_reply(struct nm_stack *st, const struct nm_addr *src,
			   const struct nm_addr *dst, uint16_t sport, uint16_t dport,
			   uint32_t seq, uint32_t ack, uint8_t flags, uint32_t seglen);
/* Window probe (persist) and keepalive. */
void nm_tcp_send_probe(struct nm_tcp_sock *tp);
/* A tail loss probe: one segment of new data if the windows allow, else
 * the last segment again (*rexmit).  0 or -errno (nothing sent). */
int nm_tcp_send_loss_probe(struct nm_tcp_sock *tp, bool *rexmit);
/* Retransmit from snd_una (RTO). */
void nm_tcp_retransmit_head(struct nm_tcp_sock *tp);
uint32_t nm_tcp_rcv_window(struct nm_tcp_sock *tp);
/* Bytes the receiver could take now: the buffer limit less what is queued,
 * capped by the RX memory hook (devmem backpressure). */
uint32_t nm_tcp_rcv_space(struct nm_tcp_sock *tp);
uint32_t nm_tcp_ts_now(struct nm_tcp_sock *tp);
/* The route and MSS after the 4-tuple is known; -errno. */
int nm_tcp_route(struct nm_tcp_sock *tp);
/* Send buffer: make room for n more bytes (grows up to sndbuf). */
uint32_t nm_tcp_sbuf_free(const struct nm_tcp_sock *tp);
int nm_tcp_sbuf_reserve(struct nm_tcp_sock *tp, uint32_t want);
void nm_tcp_sbuf_wait(struct nm_tcp_sock *tp);
void nm_tcp_sbuf_release(struct nm_tcp_sock *tp);
uint32_t nm_tcp_flight(const struct nm_tcp_sock *tp);
/* Bytes of [a, b) the peer has not SACKed. */
uint32_t nm_tcp_unsacked(const struct nm_tcp_sock *tp, uint32_t a, uint32_t b);

/* ---- tcp_timer.c ---- */
void nm_tcp_timers_init(struct nm_tcp_sock *tp);
void nm_tcp_timers_stop(struct nm_tcp_sock *tp);
void nm_tcp_arm_rto(struct nm_tcp_sock *tp);
/* The RTO with its exponential backoff, microseconds. */
static inline uint64_t nm_tcp_backed_off_rto(const struct nm_tcp_sock *tp)
{
	uint64_t r = (uint64_t)tp->rto << (tp->backoff > 16 ? 16 : tp->backoff);

	return r > NM_TCP_RTO_MAX_US ? NM_TCP_RTO_MAX_US : r;
}
void nm_tcp_arm_retry(struct nm_tcp_sock *tp);
void nm_tcp_arm_delack(struct nm_tcp_sock *tp);
void nm_tcp_arm_persist(struct nm_tcp_sock *tp);
void nm_tcp_arm_keepalive(struct nm_tcp_sock *tp);
void nm_tcp_enter_time_wait(struct nm_tcp_sock *tp);
void nm_tcp_rtt_sample(struct nm_tcp_sock *tp, uint32_t rtt_us);

/* ---- tcp_loss.c ---- */
/* Outside recovery: is the hole at snd_una lost now?  May arm the
 * reordering window's timer instead. */
bool nm_tcp_hole_lost(struct nm_tcp_sock *tp);
/* A loss episode sent [seq, end) (tcp_output.c calls it then only). */
void nm_tcp_rack_sent(struct nm_tcp_sock *tp, uint32_t seq, uint32_t end);
/* In a loss episode: mark what RACK finds lost for sending again (true if
 * any); may arm the reordering window's timer. */
bool nm_tcp_rack_detect(struct nm_tcp_sock *tp);
/* The episode is over (or a new one starts): forget its sends. */
void nm_tcp_rack_reset(struct nm_tcp_sock *tp);
void nm_tcp_enter_recovery(struct nm_tcp_sock *tp);
/* Send the segment at snd_una again, whatever the windows say. */
void nm_tcp_rexmit_head(struct nm_tcp_sock *tp);
/* Arm rtx_timer for what is due: the reordering window of a SACKed hole,
 * else a loss probe, else the RTO; stop it with nothing in flight. */
void nm_tcp_rearm_rtx(struct nm_tcp_sock *tp);
/* New data went out: (re)start the loss probe timer when one is due. */
void nm_tcp_tlp_sent_new(struct nm_tcp_sock *tp);
/* rtx_timer fired in TLP or REO mode. */
void nm_tcp_tlp_fire(struct nm_tcp_sock *tp);
/* An ACK while a probe is out (advanced: it moved snd_una; news: it
 * SACKed new data or carried data). */
void nm_tcp_tlp_ack(struct nm_tcp_sock *tp, uint32_t ack, bool advanced, bool news);
void nm_tcp_reo_fire(struct nm_tcp_sock *tp);
/* A loss response begins (fast recovery, RTO, a repairing probe): keep
 * what undo would restore.  Call before cwnd/ssthresh change. */
void nm_tcp_undo_begin(struct nm_tcp_sock *tp);
/* bytes [seq, end) were retransmitted */
void nm_tcp_undo_rexmit(struct nm_tcp_sock *tp, uint32_t seq, uint32_t end);
/* A DSACK block [s, e) arrived. */
void nm_tcp_dsack_rcvd(struct nm_tcp_sock *tp, uint32_t s, uint32_t e);
/* The receiver: [s, e) arrived again; report it in the next ACK. */
void nm_tcp_dsack_set(struct nm_tcp_sock *tp, uint32_t s, uint32_t e);

/* ---- tcp_oow.c: replies to segments a connection cannot accept ---- */
#define NM_TCP_INVALID_RATELIMIT_MS	500u		/* Linux's default */
#define NM_TCP_CHALLENGE_ACK_LIMIT	0x7fffffffu	/* Linux's default: no limit */
/* tcp_invalid_ratelimit: true (and *skipped counted) while tp's last reply
 * to an unacceptable segment is younger than the limit; else false, and
 * the caller's reply is the new last one. */
bool nm_tcp_oow_rate_limited(struct nm_tcp_sock *tp, uint64_t *skipped);
/* Answer an unacceptable segment with a duplicate ACK, rate-limited unless
 * the segment occupies sequence space without a SYN (data or a FIN: not
 * the stuff of ACK loops, and a zero-window probe must get its answer). */
void nm_tcp_send_dupack(struct nm_tcp_sock *tp, bool occupies, bool syn, uint64_t *skipped);
/* RFC 5961 challenge ACK: per-connection limit first, then the stack's. */
void nm_tcp_send_challenge_ack(struct nm_tcp_sock *tp);

/* ---- tcp_input.c ---- */
/* Remove the socket-less child of a listener that closes. */
void nm_tcp_abort(struct nm_tcp_sock *tp, int err);

/* ---- tcp_check.c ---- */
/* Debug checker of the invariants numbered in tcp_input.c: 0, or -EUCLEAN
 * with a message naming the first one broken. */
int nm_tcp_check(struct nm_tcp_sock *tp);
/* nm_tcp_check() of every tcb of st. */
int nm_tcp_check_stack(struct nm_stack *st);
/* The same, and on a broken invariant print it and abort(): the sanitizer
 * (test) build runs it after every loop pass (stack.c), as SQLite's debug
 * build asserts assert_pager_state(). */
void nm_tcp_check_stack_or_abort(struct nm_stack *st);

/* ---- tcp_rxspace.c ---- */
/* Bytes the RX queue tp's segments arrive on can still take (UINT32_MAX
 * when its memory sets no limit, or no segment came yet).  O(1). */
uint32_t nm_tcp_rx_pool_space(struct nm_tcp_sock *tp);

/* Remember the interface and RX queue skb came in on (every segment of
 * a connection, and the SYN that makes a child). */
static inline void nm_tcp_rx_queue_set(struct nm_tcp_sock *tp, const struct nm_skb *skb)
{
	if (skb->iface) {
		tp->rx_ifc = skb->iface;
		tp->rx_queue = skb->queue;
	}
}

/* ---- tcp_zc.c (devmem TX: sends that name dma-buf memory) ---- */
/* snd_una advanced: complete the zerocopy sends it covers. */
void nm_tcp_zc_acked(struct nm_tcp_sock *tp);
/* The tcb is freed: release bindings and pending completions. */
void nm_tcp_zc_release(struct nm_tcp_sock *tp);

/* ---- tcp_sock.c (the socket layer's entry points) ---- */
int nm_tcp_connect(struct nm_tcp_sock *tp, const struct nm_addr *dst, uint16_t dport);
int nm_tcp_listen(struct nm_tcp_sock *tp, int backlog);
struct nm_tcp_sock *nm_tcp_accept_one(struct nm_tcp_sock *lp);
/* Copy up to len bytes out (peek: leave them); returns bytes, 0 at EOF,
 * -EAGAIN when nothing yet, -errno. */
ssize_t nm_tcp_recv(struct nm_tcp_sock *tp, struct iovec *iov, int iovcnt, bool peek,
		    bool waitall_partial);
/* The app consumed n bytes at copied_seq some other way (devmem recvmsg):
 * advance, free the skbs left behind, open the window. */
void nm_tcp_recv_consume(struct nm_tcp_sock *tp, uint32_t n);
/* Receive memory came back (tokens returned): open the window if it grew
 * by enough to matter. */
void nm_tcp_rcv_space_changed(struct nm_tcp_sock *tp);
/* May data be queued now?  0; -EAGAIN while the handshake runs; else the
 * pending socket error (consumed), -ENOTCONN or -EPIPE, with a message.
 * Copy sends and devmem (zerocopy) sends check the same. */
int nm_tcp_send_check(struct nm_tcp_sock *tp);
ssize_t nm_tcp_send(struct nm_tcp_sock *tp, const struct iovec *iov, int iovcnt, bool more);
int nm_tcp_shutdown(struct nm_tcp_sock *tp, bool rd, bool wr);
/* The socket is gone: finish the connection on its own. */
void nm_tcp_close(struct nm_tcp_sock *tp);
/* Readiness bits (POLLIN...) */
short nm_tcp_poll_events(struct nm_tcp_sock *tp);
bool nm_tcp_readable(struct nm_tcp_sock *tp);

/* A tcb whose stack was destroyed while a socket held it has st ==
 * NULL and state CLOSED; only nm_tcp_sock_destroy() is valid on it. */

#endif
