/* SPDX-License-Identifier: MIT */
/*
 * Harness: TCP input (net/tcp_input.c, tcp_oow.c, tcp_loss.c, tcp_output.c,
 * tcp_timer.c, tcp_table.c) on live connections in every state.  The input
 * picks a state (LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1,
 * FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT) and a family; two
 * netmem stacks A and B bring a connection there the ordinary way (the
 * segments that would move it on are dropped); then the input's
 * operations inject segments into the connection's end as if from its peer
 * (or into the peer as if from it) with sequence and acknowledgment numbers
 * relative to the connection's own (rcv_nxt, the window's edge, snd_una,
 * snd_nxt, ...) so that they get past the acceptability checks, with any
 * flags, window, options (MSS, window scale, SACK blocks around snd_una,
 * timestamps around ts_recent) and payload; and let the stacks run, let
 * time pass, drop what is on the wire, or act as the application (send,
 * read, shut down, close, abort, keepalive).
 *
 * Oracles: nothing crashes or leaks; the idle-storm oracle
 * (tests/lib/t_tcp.h): once the input is done and the applications do nothing,
 * the two stacks fall silent, both at once and after every timer that the
 * next hundreds of seconds fire (the fake clock jumps from timer to timer):
 * a pair still exchanging segments after STORM_PASSES loop passes without
 * time moving is measured with t_storm_segments() and must not send more
 * than T_STORM_SETTLE.  (With the reply limits off,
 * FZ_TCP_LIMITS=off, this finds issue 13's ACK storm in seconds.)
 *
 * Input: a state byte, a configuration byte, then operations (op byte,
 * arguments): INJECT, PUMP, POLL_ONE, TIME, DROP, APP.
 */
#include <netinet/tcp.h>

#include "fuzz.h"
#include "fz_tcp.h"
#include "t_tcp.h"
#include "t_frame.h"
#include "net/ip.h"
#include "nic/wire_drv.h"

#define MAX_OPS		64
#define PORT		7300
#define MAX_APP_BYTES	(64u << 10)	/* sent by the applications per input */
#define STORM_PASSES	2000		/* loop passes without time to fall silent */
#define IDLE_JUMPS	40		/* timer expiries followed while idle */
#define IDLE_HORIZON_US	(200ull * 1000000)	/* ... within this much fake time */

enum { OP_INJECT, OP_PUMP, OP_POLL_ONE, OP_TIME, OP_DROP, OP_APP, OP_MAX };

/* The states a connection is brought to, in the order of the state byte. */
static const int states[] = { NM_TCP_LISTEN, NM_TCP_SYN_SENT, NM_TCP_SYN_RECEIVED,
			      NM_TCP_ESTABLISHED, NM_TCP_FIN_WAIT_1, NM_TCP_FIN_WAIT_2,
			      NM_TCP_CLOSE_WAIT, NM_TCP_CLOSING, NM_TCP_LAST_ACK,
			      NM_TCP_TIME_WAIT };
#define NSTATES ((int)(sizeof(states) / sizeof(states[0])))

/* One end of the connection: its stack, netdev, socket, and the last known
 * values of its tcb (which may go away under the input). */
struct end {
	struct nm_stack *st;
	struct nm_netdev *nd;
	struct nm_wire *wire;		/* its own wire end: the peer's frames enter here */
	int sd;				/* -1: none (a child not accepted, closed) */
	struct nm_addr laddr, raddr;
	uint16_t lport, rport;
	bool known;			/* the 4-tuple above is valid */
	uint32_t rcv_nxt, rcv_adv, irs, snd_una, snd_nxt, snd_max, iss, ts_recent, ts_offset;
	uint8_t snd_wscale;
};

struct run {
	struct fz in;
	struct t_net *n;
	bool v6;
	int state;
	struct end e[2];		/* [0]: the victim, [1]: its peer */
	int lsd;
	uint64_t app_bytes;
	uint64_t injected;
};

/* ---- the connection's ends ------------------------------------------------- */

static void end_refresh(struct end *e)
{
	struct nm_tcp_sock *tp;

	if (!e->known || !(tp = nm_tcp_lookup_conn(e->st->tcp, &e->laddr, e->lport, &e->raddr,
						   e->rport)))
		return;
	e->rcv_nxt = tp->rcv_nxt;
	e->rcv_adv = tp->rcv_adv;
	e->irs = tp->irs;
	e->snd_una = tp->snd_una;
	e->snd_nxt = tp->snd_nxt;
	e->snd_max = tp->snd_max;
	e->iss = tp->iss;
	e->ts_recent = tp->ts_recent;
	e->ts_offset = tp->ts_offset;
	e->snd_wscale = tp->snd_wscale;
}

static void end_from_tcb(struct end *e, const struct nm_tcp_sock *tp)
{
	e->laddr = tp->laddr;
	e->raddr = tp->raddr;
	e->lport = tp->lport;
	e->rport = tp->rport;
	e->known = true;
	end_refresh(e);
}

/* ---- bringing a connection to a state -------------------------------------- */

static int connect_a(struct run *r, uint16_t port)
{
	int sd = (int)T_OK(nm_socket(r->n->sa, r->v6 ? AF_INET6 : AF_INET,
				     SOCK_STREAM | SOCK_NONBLOCK, 0));
	int ret;

	if (r->v6) {
		struct sockaddr_in6 a = t_sin6("2001:2::2", port);

		ret = nm_connect(sd, (struct sockaddr *)&a, sizeof(a));
	} else {
		struct sockaddr_in a = t_sin("198.18.0.2", port);

		ret = nm_connect(sd, (struct sockaddr *)&a, sizeof(a));
	}
	T_EQ(ret, -EINPROGRESS);
	return sd;
}

/* One pass of st's loop; every TCP invariant (tcp_input.c) holds after
 * it.  Returns what the pass did. */
static int poll_checked(struct nm_stack *st)
{
	int w = (int)T_OK(nm_stack_poll(st, 0));

	T_OK(nm_tcp_check_stack(st));
	return w;
}

/* Poll one stack; the frames it sent stay on the wire. */
static void poll_only(struct nm_stack *st)
{
	for (int i = 0; i < 8; i++)
		poll_checked(st);
}

static void pump(struct run *r, int passes)
{
	for (int i = 0; i < passes; i++)
		t_pump(r->n);
}

static struct nm_addr addr_of(const char *s)
{
	struct nm_addr a = { .b = { [10] = 0xff, [11] = 0xff } };

	if (strchr(s, ':'))
		T_ASSERT(inet_pton(AF_INET6, s, a.b) == 1);
	else
		T_ASSERT(inet_pton(AF_INET, s, a.b + 12) == 1);
	return a;
}

/* The connection A (client) -> B (server), established, with some data
 * each way when want_data. */
static void bring_established(struct run *r, int *csd, int *ssd, bool want_data)
{
	struct t_conn_arg a = { r->lsd, connect_a(r, PORT), -1 };

	T_ASSERT(t_pump_until(r->n, t_conn_ready, &a, 5000));
	*csd = a.csd;
	*ssd = a.ssd;
	if (want_data) {
		static const uint8_t d[3000] = { 1 };
		uint8_t b[4096];

		T_EQ(nm_send(*csd, d, 3000, 0), 3000);
		T_EQ(nm_send(*ssd, d, 1000, 0), 1000);
		pump(r, 20);
		while (nm_recv(*ssd, b, sizeof(b), MSG_DONTWAIT) > 0)
			;
		while (nm_recv(*csd, b, sizeof(b), MSG_DONTWAIT) > 0)
			;
		pump(r, 5);
	}
}

static void set_end(struct run *r, int which, struct nm_stack *st, int sd)
{
	struct end *e = &r->e[which];
	struct nm_tcp_sock *tp;

	e->st = st;
	e->nd = st == r->n->sa ? r->n->nda : r->n->ndb;
	e->wire = st == r->n->sa ? r->n->wa : r->n->wb;
	e->sd = sd;
	tp = sd >= 0 ? t_tcb(st, sd) : NULL;
	if (tp)
		end_from_tcb(e, tp);
}

/* A's connecting socket (no peer name yet): the tcb by its local address
 * and B's listening one. */
static void set_connecting(struct run *r, int which, int sd)
{
	struct end *e = &r->e[which];
	struct sockaddr_in6 l;
	socklen_t ll = sizeof(l);
	struct nm_tcp_sock *tp;

	e->st = r->n->sa, e->nd = r->n->nda, e->wire = r->n->wa, e->sd = sd;
	T_OK(nm_getsockname(sd, (struct sockaddr *)&l, &ll));
	e->laddr = addr_of(r->v6 ? "2001:2::1" : "198.18.0.1");
	e->raddr = addr_of(r->v6 ? "2001:2::2" : "198.18.0.2");
	e->lport = ntohs(l.sin6_port);
	e->rport = PORT;
	tp = nm_tcp_lookup_conn(e->st->tcp, &e->laddr, e->lport, &e->raddr, e->rport);
	T_ASSERT(tp && tp->state == NM_TCP_SYN_SENT);
	end_from_tcb(e, tp);
}

/* The client's end and the server's: victim is A (0) or B (1). */
static void set_pair(struct run *r, int csd, int ssd, int victim)
{
	set_end(r, victim == 0 ? 0 : 1, r->n->sa, csd);
	set_end(r, victim == 0 ? 1 : 0, r->n->sb, ssd);
}

static void bring(struct run *r, uint8_t cfg)
{
	struct t_net *n = r->n;
	int csd = -1, ssd = -1;
	struct nm_tcp_sock *tp;

	struct nm_addr b_addr = addr_of(r->v6 ? "2001:2::2" : "198.18.0.2");

	r->lsd = t_listen(n->sb, r->v6 ? AF_INET6 : AF_INET, PORT, 8);
	/* each stack learns the other's MAC first (an echo request and its
	 * reply), so the handshake's segments go out when sent */
	T_OK(nm_icmp_echo_send(n->sa, &b_addr, 1, 1, NULL, 0));
	pump(r, 6);
	switch (r->state) {
	case NM_TCP_LISTEN:
		/* the victim is the listener; segments come as from A */
		r->e[0].st = n->sb, r->e[0].nd = n->ndb, r->e[0].wire = n->wb, r->e[0].sd = -1;
		r->e[1].st = n->sa, r->e[1].nd = n->nda, r->e[1].wire = n->wa, r->e[1].sd = -1;
		r->e[0].laddr = addr_of(r->v6 ? "2001:2::2" : "198.18.0.2");
		r->e[0].raddr = addr_of(r->v6 ? "2001:2::1" : "198.18.0.1");
		r->e[0].lport = PORT;
		r->e[0].rport = 40000;
		r->e[1].laddr = r->e[0].raddr, r->e[1].raddr = r->e[0].laddr;
		r->e[1].lport = 40000, r->e[1].rport = PORT;
		return;
	case NM_TCP_SYN_SENT:
		/* A's SYN never reaches B */
		csd = connect_a(r, PORT);
		poll_only(n->sa);
		fz_tcp_drain(n->ndb);
		set_connecting(r, 0, csd);
		/* B's end of it does not exist: addresses mirrored */
		r->e[1] = (struct end){ .st = n->sb, .nd = n->ndb, .wire = n->wb, .sd = -1,
					.laddr = r->e[0].raddr, .raddr = r->e[0].laddr,
					.lport = r->e[0].rport, .rport = r->e[0].lport };
		return;
	case NM_TCP_SYN_RECEIVED:
		/* B answers A's SYN; the SYN-ACK never reaches A */
		csd = connect_a(r, PORT);
		poll_only(n->sa);
		poll_only(n->sb);
		fz_tcp_drain(n->nda);
		set_connecting(r, 1, csd);
		{
			struct end *a = &r->e[1];

			tp = nm_tcp_lookup_conn(n->sb->tcp, &a->raddr, a->rport, &a->laddr,
						a->lport);
			T_ASSERT(tp && tp->state == NM_TCP_SYN_RECEIVED);
			r->e[0].st = n->sb, r->e[0].nd = n->ndb, r->e[0].wire = n->wb;
			r->e[0].sd = -1;
			end_from_tcb(&r->e[0], tp);
		}
		return;
	default:
		break;
	}
	bring_established(r, &csd, &ssd, cfg & 1);
	switch (r->state) {
	case NM_TCP_ESTABLISHED:
		set_pair(r, csd, ssd, cfg >> 1 & 1);
		return;
	case NM_TCP_FIN_WAIT_1:
		/* A's FIN never reaches B */
		T_OK(nm_shutdown(csd, SHUT_WR));
		poll_only(n->sa);
		fz_tcp_drain(n->ndb);
		set_pair(r, csd, ssd, 0);
		return;
	case NM_TCP_FIN_WAIT_2:
	case NM_TCP_CLOSE_WAIT:
		T_OK(nm_shutdown(csd, SHUT_WR));
		pump(r, 10);
		set_pair(r, csd, ssd, r->state == NM_TCP_CLOSE_WAIT);
		return;
	case NM_TCP_CLOSING:
		/* both FINs cross; A sees B's, B never sees A's */
		T_OK(nm_shutdown(csd, SHUT_WR));
		T_OK(nm_shutdown(ssd, SHUT_WR));
		poll_only(n->sa);
		fz_tcp_drain(n->ndb);
		set_pair(r, csd, ssd, 0);
		return;
	case NM_TCP_LAST_ACK:
		/* B's FIN after A's; its ACK never reaches B */
		T_OK(nm_shutdown(csd, SHUT_WR));
		pump(r, 10);
		T_OK(nm_shutdown(ssd, SHUT_WR));
		poll_only(n->sb);
		fz_tcp_drain(n->nda);
		set_pair(r, csd, ssd, 1);
		return;
	default:		/* TIME_WAIT */
		T_OK(nm_shutdown(csd, SHUT_WR));
		pump(r, 10);
		T_OK(nm_shutdown(ssd, SHUT_WR));
		pump(r, 10);
		set_pair(r, csd, ssd, 0);
		return;
	}
}

/* ---- injected segments ------------------------------------------------------ */

/* A sequence number relative to the end's receive side.  Never an
 * absolute one: initial sequence numbers are random, and an input must
 * mean the same segment in every run. */
static uint32_t pick_seq(struct fz *in, const struct end *e)
{
	uint8_t m = fz_u8(in);
	uint32_t base;

	switch (m & 7) {
	case 0: base = e->rcv_nxt; break;
	case 1: base = e->rcv_adv; break;	/* the window's right edge */
	case 2: base = e->irs; break;
	case 3: base = e->rcv_nxt - 1; break;
	case 4: base = e->rcv_nxt + 0x40000000u; break;
	case 5: return e->irs + fz_u32(in);	/* anywhere: still relative, so runs repeat */
	default: base = e->rcv_nxt; break;
	}
	return base + (uint32_t)(m & 8 ? (int32_t)fz_u32(in) : (int32_t)(int8_t)fz_u8(in));
}

/* An acknowledgment number relative to the end's send side. */
static uint32_t pick_ack(struct fz *in, const struct end *e)
{
	uint8_t m = fz_u8(in);
	uint32_t base;

	switch (m & 7) {
	case 0: base = e->snd_una; break;
	case 1: base = e->snd_nxt; break;
	case 2: base = e->snd_max; break;
	case 3: base = e->iss; break;
	case 4: base = e->snd_una - 0x40000000u; break;
	case 5: return e->iss + fz_u32(in);
	default: base = e->snd_max + 1; break;	/* one past: a FIN, or unsent */
	}
	return base + (uint32_t)(m & 8 ? (int32_t)fz_u32(in) : (int32_t)(int8_t)fz_u8(in));
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* TCP options into o (at most 40 bytes, a multiple of 4); returns length. */
static uint32_t pick_opts(struct fz *in, const struct end *e, uint8_t *o)
{
	uint8_t m = fz_u8(in);
	uint32_t n = 0;

	if (m & 0x80) {			/* raw */
		n = fz_u8(in) % 41;
		fz_bytes(in, o, n);
		while (n % 4)
			o[n++] = 1;
		return n;
	}
	if (m & 1) {			/* MSS */
		uint16_t mss = fz_u16(in);

		o[n++] = 2, o[n++] = 4, o[n++] = (uint8_t)(mss >> 8), o[n++] = (uint8_t)mss;
	}
	if (m & 2)			/* window scale */
		o[n++] = 1, o[n++] = 3, o[n++] = 3, o[n++] = fz_u8(in) % 16;
	if (m & 4)			/* SACK permitted */
		o[n++] = 1, o[n++] = 1, o[n++] = 4, o[n++] = 2;
	if (m & 8) {			/* timestamps around ts_recent and our clock */
		uint32_t now_ms = (uint32_t)(t_clock_now_us() / 1000);
		uint32_t tsval = e->ts_recent + (uint32_t)(int32_t)(int8_t)fz_u8(in);
		uint32_t tsecr = now_ms + e->ts_offset - (uint32_t)fz_u8(in);

		if (m & 0x40)
			tsval = e->ts_recent + fz_u32(in);
		o[n++] = 1, o[n++] = 1, o[n++] = 8, o[n++] = 10;
		put32(o + n, tsval);
		put32(o + n + 4, tsecr);
		n += 8;
	}
	if (m & 0x30 && n <= 40 - 12) {	/* SACK blocks around snd_una */
		uint32_t k = 1 + (m >> 4 & 3) - 1, room = (40 - n - 4) / 8;

		k = k < room ? k : room;
		if (k) {
			o[n++] = 1, o[n++] = 1, o[n++] = 5, o[n++] = (uint8_t)(2 + 8 * k);
			for (uint32_t i = 0; i < k; i++) {
				uint32_t s = e->snd_una + (uint32_t)fz_u16(in);

				put32(o + n, s);
				put32(o + n + 4, s + 1 + fz_u16(in) % 3000);
				n += 8;
			}
		}
	}
	return n;
}

/* A segment into to (as from its peer from): Ethernet, IP, TCP with
 * options and payload, checksums right (or, rarely, not). */
static void inject(struct run *r, bool into_peer)
{
	static uint8_t f[2048];
	struct end *to = &r->e[into_peer], *from = &r->e[!into_peer];
	uint8_t flags = fz_u8(&r->in), ctl = fz_u8(&r->in);
	uint32_t seq = pick_seq(&r->in, to), ack = pick_ack(&r->in, to);
	uint16_t win = fz_u16(&r->in);
	uint8_t opts[40];
	uint32_t olen = pick_opts(&r->in, to, opts), plen = fz_u16(&r->in) % 1400, l3, len;
	uint8_t *ip = f + 14, *th;
	struct iovec iov = { f, 0 };

	end_refresh(to);
	T_OK(nm_netdev_get_mac(to->nd, f));
	T_OK(nm_netdev_get_mac(from->nd, f + 6));
	nm_put16(f + 12, r->v6 ? NM_ETH_P_IPV6 : NM_ETH_P_IPV4);
	l3 = r->v6 ? 40 : 20;
	memset(ip, 0, l3);
	if (r->v6) {
		ip[0] = 0x60;
		nm_put16(ip + 4, (uint16_t)(20 + olen + plen));
		ip[6] = NM_IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, to->raddr.b, 16);
		memcpy(ip + 24, to->laddr.b, 16);
	} else {
		ip[0] = 0x45;
		nm_put16(ip + 2, (uint16_t)(20 + 20 + olen + plen));
		nm_put16(ip + 6, 0x4000);
		ip[8] = 64;
		ip[9] = NM_IPPROTO_TCP;
		memcpy(ip + 12, to->raddr.b + 12, 4);
		memcpy(ip + 16, to->laddr.b + 12, 4);
	}
	th = ip + l3;
	memset(th, 0, 20);
	nm_put16(th, to->rport);
	nm_put16(th + 2, to->lport);
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[12] = (uint8_t)((20 + olen) / 4 << 4);
	th[13] = flags;
	nm_put16(th + 14, win);
	nm_put16(th + 18, ctl & 0x40 ? fz_u16(&r->in) : 0);	/* urgent pointer */
	memcpy(th + 20, opts, olen);
	for (uint32_t i = 0; i < plen; i++)
		th[20 + olen + i] = (uint8_t)(seq + i);
	len = 14 + l3 + 20 + olen + plen;
	t_fill_csums(f, len);
	if ((ctl & 0x3f) == 0x3f)
		th[16] ^= 0x5a;		/* a bad checksum */
	iov.iov_len = len;
	/* the peer's wire end transmits it: it arrives at `to` */
	if (nm_wire_xmit(from->wire, &iov, 1, NULL) == 0)
		r->injected++;
	if (ctl & 0x80)
		poll_checked(to->st);
}

/* ---- the applications ---------------------------------------------------------- */

static void app(struct run *r)
{
	uint8_t a = fz_u8(&r->in), k = fz_u8(&r->in);
	struct end *e = &r->e[a & 1];
	static uint8_t buf[16384];
	int v = 1;

	if (e->sd < 0)
		return;
	nm_clear_error();
	switch (a >> 1 & 7) {
	case 0: {		/* send */
		uint32_t n = 1 + (uint32_t)k * 64;

		if (r->app_bytes + n > MAX_APP_BYTES)
			return;
		ssize_t s = nm_send(e->sd, buf, n, MSG_DONTWAIT);

		FZ_ERRNO_OK(s, "send");
		if (s > 0)
			r->app_bytes += (uint64_t)s;
		break;
	}
	case 1:			/* read what is there */
		while (nm_recv(e->sd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		break;
	case 2:
		FZ_ERRNO_OK(nm_shutdown(e->sd, k & 1 ? SHUT_WR : k & 2 ? SHUT_RD : SHUT_RDWR),
			    "shutdown");
		break;
	case 3:			/* close: the tcb goes on as an orphan */
		T_OK(nm_close(e->sd));
		e->sd = -1;
		break;
	case 4: {		/* abort: SO_LINGER 0, close -> RST */
		struct linger l = { 1, 0 };

		FZ_ERRNO_OK(nm_setsockopt(e->sd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)), "linger");
		T_OK(nm_close(e->sd));
		e->sd = -1;
		break;
	}
	case 5:			/* keepalive, fast */
		FZ_ERRNO_OK(nm_setsockopt(e->sd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)), "ka");
		v = 1 + k % 8;
		FZ_ERRNO_OK(nm_setsockopt(e->sd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)), "ka");
		FZ_ERRNO_OK(nm_setsockopt(e->sd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v)), "ka");
		break;
	case 6:
		FZ_ERRNO_OK(nm_setsockopt(e->sd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), "nodelay");
		break;
	default: {		/* a small receive buffer: zero windows */
		int rb = 1 + k;

		FZ_ERRNO_OK(nm_setsockopt(e->sd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb)), "rcvbuf");
		break;
	}
	}
}

/* ---- the idle-storm oracle ----------------------------------------------------- */

/* Loop passes until neither stack did anything for two passes in a row:
 * true; false if they still were after max passes. */
static bool quiesce(struct t_net *n, int max)
{
	int calm = 0;

	for (int i = 0; i < max; i++) {
		int w = poll_checked(n->sa) + poll_checked(n->sb);

		calm = w ? 0 : calm + 1;
		if (calm == 2)
			return true;
	}
	return false;
}

/* The stacks fall silent with time frozen; a storm is measured and fails. */
static void storm_check(struct run *r, const char *when)
{
	int64_t segs;

	if (quiesce(r->n, STORM_PASSES))
		return;
	segs = t_storm_segments(r->n->sa, r->n->sb, 1000, 0);
	FZ_ASSERT(segs >= 0, "t_storm_segments: %lld", (long long)segs);
	FZ_ASSERT(segs <= T_STORM_SETTLE,
		  "ACK storm %s: %lld segments in 1000 idle loop passes (state %s, %llu "
		  "segments injected)", when, (long long)segs, nm_tcp_state_name(r->state),
		  (unsigned long long)r->injected);
}

/* Idle: the oracle now and after each timer that fires within the
 * horizon (the clock jumps to it). */
static void idle(struct run *r)
{
	uint64_t t0 = t_clock_now_us();

	storm_check(r, "right after the input");
	for (int i = 0; i < IDLE_JUMPS; i++) {
		uint64_t now = t_clock_now_us();
		uint64_t da = nm_timer_next(r->n->sa->wheel, now);
		uint64_t db = nm_timer_next(r->n->sb->wheel, now);
		uint64_t d = da < db ? da : db;

		if (d == UINT64_MAX || now + d - t0 > IDLE_HORIZON_US)
			break;
		fz_clock_advance(d < NM_TIMER_TICK_US ? NM_TIMER_TICK_US : d);
		storm_check(r, "after a timer");
	}
}

/* ---- the run ------------------------------------------------------------------ */

static void run_ops(struct run *r)
{
	for (int i = 0; i < MAX_OPS && fz_left(&r->in); i++) {
		uint8_t op = fz_u8(&r->in);

		switch (op % OP_MAX) {
		case OP_INJECT:
			inject(r, op & 0x80);
			break;
		case OP_PUMP: {
			uint8_t k = fz_u8(&r->in);

			for (int j = 0; j <= k % 16; j++)
				t_pump(r->n);
			break;
		}
		case OP_POLL_ONE:
			poll_checked(r->e[op >> 7].st);
			break;
		case OP_TIME:
			fz_clock_advance(1000ull * (1 + fz_u16(&r->in)));
			t_pump(r->n);
			break;
		case OP_DROP:
			fz_tcp_drain(r->e[op >> 7].nd);
			break;
		default:
			app(r);
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	uint8_t s, cfg;
	int sds[8], nsd = 0;

	memset(&r, 0, sizeof(r));
	r.n = fz_tcp_begin();
	r.in = fz_init(data, size);
	s = fz_u8(&r.in);
	cfg = fz_u8(&r.in);
	r.state = states[(s & 0x7f) % NSTATES];
	r.v6 = s & 0x80;
	if (getenv("FZ_TCP_LIMITS") && !strcmp(getenv("FZ_TCP_LIMITS"), "off")) {
		struct nm_stack_tcp_sysctl off = { .invalid_ratelimit_ms = 0,
						   .challenge_ack_limit = 0x7fffffff };

		T_OK(nm_stack_set_tcp_sysctl(r.n->sa, &off));
		T_OK(nm_stack_set_tcp_sysctl(r.n->sb, &off));
	}
	bring(&r, cfg);
	end_refresh(&r.e[0]);
	end_refresh(&r.e[1]);
	if (fz_verbose()) {
		struct nm_tcp_sock *tp = r.e[0].known ?
			nm_tcp_lookup_conn(r.e[0].st->tcp, &r.e[0].laddr, r.e[0].lport,
					   &r.e[0].raddr, r.e[0].rport) : NULL;

		fprintf(stderr, "tcp_states: IPv%d, victim in %s (wanted %s)\n", r.v6 ? 6 : 4,
			tp ? nm_tcp_state_name(tp->state) : "LISTEN",
			nm_tcp_state_name(r.state));
	}
	run_ops(&r);
	idle(&r);
	if (fz_verbose())
		fprintf(stderr, "tcp_states: %llu segments injected\n",
			(unsigned long long)r.injected);

	for (int i = 0; i < 2; i++)
		if (r.e[i].sd >= 0)
			sds[nsd++] = r.e[i].sd;
	sds[nsd++] = r.lsd;
	fz_tcp_end(r.n, sds, nsd);
	return 0;
}

/* ---- seeds ---------------------------------------------------------------------- */

/* An INJECT of flags with seq = rcv_nxt + ds, ack = snd_una + da (base
 * modes sb, ab), window, options m, payload bytes. */
static void w_inject(struct fz_out *o, bool into_peer, uint8_t flags, uint8_t sb, int8_t ds,
		     uint8_t ab, int8_t da, uint16_t win, uint8_t optm, uint16_t plen)
{
	fz_w8(o, (uint8_t)(OP_INJECT | (into_peer ? 0x80 : 0)));
	fz_w8(o, flags);
	fz_w8(o, 0x80);			/* ctl: poll the target at once */
	fz_w8(o, sb);
	fz_w8(o, (uint8_t)ds);
	fz_w8(o, ab);
	fz_w8(o, (uint8_t)da);
	fz_w16(o, win);
	fz_w8(o, optm);
	if (optm & 8) {			/* timestamps: tsval = ts_recent + 1 */
		fz_w8(o, 1);
		fz_w8(o, 0);
	}
	fz_w16(o, plen);
}

static void w_pump(struct fz_out *o, uint8_t k)
{
	fz_w8(o, OP_PUMP);
	fz_w8(o, k);
}

void fz_write_seeds(struct fz_seeds *s)
{
	static struct fz_out o;
	char name[64];

	/* issue 13: an idle established pair, one FIN|ACK forged into B as
	 * from A at B's rcv_nxt and snd_una */
	o.n = 0;
	fz_w8(&o, 3);			/* ESTABLISHED */
	fz_w8(&o, 1 | 2);		/* data both ways first; the victim is B */
	w_inject(&o, false, TH_FIN | TH_ACK, 0, 0, 0, 0, 512, 0, 0);
	fz_seed(s, "established-v4-issue13-fin", &o);

	for (int i = 0; i < NSTATES; i++) {
		for (int v6 = 0; v6 < 2; v6++) {
			o.n = 0;
			fz_w8(&o, (uint8_t)(i | (v6 ? 0x80 : 0)));
			fz_w8(&o, 1);		/* data both ways first */
			/* in-window data with timestamps, an ACK of it all, a
			 * duplicate, one ahead (OOO) */
			w_inject(&o, false, TH_ACK | TH_PSH, 0, 0, 0, 0, 65535, 8, 100);
			w_inject(&o, false, TH_ACK, 0, 0, 2, 0, 65535, 8, 0);
			w_inject(&o, false, TH_ACK, 0, -100, 0, 0, 65535, 8, 100);
			w_inject(&o, false, TH_ACK, 0, 120, 0, 0, 65535, 8 | 0x10, 50);
			w_pump(&o, 8);
			/* issue 13's spoofed FIN|ACK: seq rcv_nxt, ack snd_una */
			w_inject(&o, false, TH_FIN | TH_ACK, 0, 0, 0, 0, 512, 0, 0);
			w_pump(&o, 15);
			snprintf(name, sizeof(name), "%s-v%d-data-fin",
				 nm_tcp_state_name(states[i]), v6 ? 6 : 4);
			for (char *p = name; *p; p++)
				*p = (char)(*p == '_' ? '-' : *p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			fz_seed(s, name, &o);
		}
		/* RST and SYN in and around the window, an ACK of unsent data */
		o.n = 0;
		fz_w8(&o, (uint8_t)i);
		fz_w8(&o, 0);
		w_inject(&o, false, TH_SYN, 0, 5, 0, 0, 1024, 1 | 2 | 4 | 8, 0);
		w_inject(&o, false, TH_RST, 0, 1, 0, 0, 0, 0, 0);
		w_inject(&o, false, TH_ACK, 0, 0, 6, 10, 1024, 0, 0);
		w_inject(&o, true, TH_ACK, 0, 0, 6, 10, 1024, 0, 0);
		w_pump(&o, 15);
		w_inject(&o, false, TH_RST, 0, 0, 0, 0, 0, 0, 0);
		fz_w8(&o, OP_TIME);
		fz_w16(&o, 1500);
		snprintf(name, sizeof(name), "%s-v4-syn-rst", nm_tcp_state_name(states[i]));
		for (char *p = name; *p; p++)
			*p = (char)(*p == '_' ? '-' : *p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		fz_seed(s, name, &o);
	}
}
