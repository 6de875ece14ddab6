/* SPDX-License-Identifier: MIT */
/*
 * Harness: what a stack does with the frames of its link (net/eth.c,
 * arp.c, nd.c, ipv4.c, ipv6.c, icmp.c, route.c): ARP requests, replies and
 * gratuitous ARP; IPv6 neighbour solicitations and advertisements with
 * their options; ICMP and ICMPv6 echo and errors, those about a live TCP
 * connection quoting its own sequence numbers; IPv4 with options and
 * fragments, IPv6 with extension headers; all with lengths and checksums
 * as the input says or made right.  Frames reach the stack through the NIC
 * (shm wire) or straight into nm_eth_rcv() (no NIC checks in front).
 * Between frames the stack sends (pings, connects: neighbour resolution
 * with queued packets) and time passes (retries, expiry, garbage
 * collection of neighbour entries), on the fake clock.
 *
 * Oracles: every frame the stack sends parses and its checksums verify;
 * every received frame is counted exactly once (t_stats_add_up); calls
 * return >= 0 or -errno with a message; afterwards the stack still
 * answers a ping; nothing leaks.
 *
 * Input: operations (op byte, arguments): FRAME, TIME, PING, CONNECT,
 * POLL, PARAMS.  A FRAME picks a template (raw, ARP, IPv4, IPv6, ICMP,
 * ICMPv6, an ICMP error about a connection) whose fixed fields the
 * harness writes, the body coming from the input.
 */
#include "fuzz.h"
#include "t_net.h"
#include "net/tcp.h"
#include "nic/netdev_drv.h"
#include <netmem/socket.h>

#define MAX_OPS		128
#define MAX_SOCKS	4
#define FRAME_MAX	9100

enum { OP_FRAME, OP_TIME, OP_PING, OP_CONNECT, OP_POLL, OP_PARAMS, OP_MAX };
enum { T_RAW, T_ARP, T_IPV4, T_IPV6, T_ICMP, T_ICMP6, T_ICMP_ERR, T_MAX };

static const uint8_t our4[4] = { 198, 18, 0, 2 }, peer4[4] = { 198, 18, 0, 1 };
static const uint8_t our6[16] = { 0x20, 0x01, 0, 2, [15] = 2 };
static const uint8_t peer6[16] = { 0x20, 0x01, 0, 2, [15] = 1 };

static struct {
	struct t_raw r;			/* link; the stack is per input */
	bool up;
} bed;

struct run {
	struct fz in;
	struct nm_stack *st;
	int sd[MAX_SOCKS];
	int nsd;
	uint64_t direct, sent_out;
};

static void put32(uint8_t *p, uint32_t v)
{
	nm_put16(p, (uint16_t)(v >> 16));
	nm_put16(p + 2, (uint16_t)v);
}

/* ---- addresses the input picks from ----------------------------------------- */

static void pick_v4(uint8_t k, bool dst, uint8_t a[4])
{
	static const uint8_t bcast[4] = { 255, 255, 255, 255 }, net_bcast[4] = { 198, 18, 0, 255 };
	static const uint8_t other[4] = { 198, 18, 0, 77 }, far[4] = { 203, 0, 113, 9 };
	static const uint8_t zero[4], lo[4] = { 127, 0, 0, 1 }, mc[4] = { 224, 0, 0, 1 };
	const uint8_t *const t[8] = { dst ? our4 : peer4, bcast, net_bcast, other, far, zero,
				      lo, mc };

	memcpy(a, t[k % 8], 4);
}

static void ll6(uint8_t a[16], const uint8_t mac[6])
{
	memset(a, 0, 16);
	a[0] = 0xfe, a[1] = 0x80;
	a[8] = mac[0] ^ 2, a[9] = mac[1], a[10] = mac[2], a[11] = 0xff, a[12] = 0xfe;
	a[13] = mac[3], a[14] = mac[4], a[15] = mac[5];
}

static void pick_v6(uint8_t k, bool dst, uint8_t a[16])
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t other[16] = { 0x20, 0x01, 0, 2, [15] = 0x77 };
	static const uint8_t far[16] = { 0x20, 0x01, 0, 2, 0, 1, [15] = 9 };

	switch (k % 8) {
	case 0: memcpy(a, dst ? our6 : peer6, 16); break;
	case 1: ll6(a, dst ? t_mac_b : t_mac_a); break;
	case 2:		/* solicited-node group of ours (or of the peer's) */
		memset(a, 0, 16);
		a[0] = 0xff, a[1] = 0x02, a[11] = 1, a[12] = 0xff, a[15] = dst ? 2 : 1;
		break;
	case 3: memcpy(a, all_nodes, 16); break;
	case 4: memcpy(a, other, 16); break;
	case 5: memcpy(a, far, 16); break;
	case 6: memset(a, 0, 16); break;
	default: ll6(a, dst ? t_mac_a : t_mac_b); break;
	}
}

static void pick_mac(uint8_t k, uint8_t mac[6])
{
	static const uint8_t macs[5][6] = {
		{ 0x02, 0, 0, 0, 0, 0x0b },		/* ours */
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x33, 0x33, 0, 0, 0, 1 },		/* all-nodes */
		{ 0x33, 0x33, 0xff, 0, 0, 2 },		/* our solicited-node group */
		{ 0x02, 0, 0, 0, 0, 0x4b },		/* someone else */
	};

	memcpy(mac, macs[k % 5], 6);
}

/* ---- frames ------------------------------------------------------------------ */

static uint32_t ipv4_hdr(uint8_t *p, uint8_t proto, uint32_t payload, uint8_t addrs)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	nm_put16(p + 2, (uint16_t)(20 + payload));
	nm_put16(p + 6, 0x4000);
	p[8] = 64;
	p[9] = proto;
	pick_v4(addrs, false, p + 12);
	pick_v4(addrs >> 4, true, p + 16);
	return 20;
}

static uint32_t ipv6_hdr(uint8_t *p, uint8_t nh, uint32_t payload, uint8_t addrs)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	nm_put16(p + 4, (uint16_t)payload);
	p[6] = nh;
	p[7] = 255;
	pick_v6(addrs, false, p + 8);
	pick_v6(addrs >> 4, true, p + 24);
	return 40;
}

/* The connection a quoted segment belongs to: its tcb, or NULL. */
static struct nm_tcp_sock *conn_of(const struct run *r, uint8_t k)
{
	if (!r->nsd)
		return NULL;
	int sd = r->sd[k % r->nsd];
	struct sockaddr_storage ls, rs;
	socklen_t ll = sizeof(ls), rl = sizeof(rs);
	struct nm_addr la, ra;
	uint16_t lp, rp;

	if (nm_getsockname(sd, (struct sockaddr *)&ls, &ll) < 0 ||
	    nm_getpeername(sd, (struct sockaddr *)&rs, &rl) < 0)
		return NULL;
	if (ls.ss_family == AF_INET) {
		const struct sockaddr_in *l = (const void *)&ls, *p = (const void *)&rs;

		nm_addr_set_v4(&la, (const uint8_t *)&l->sin_addr);
		nm_addr_set_v4(&ra, (const uint8_t *)&p->sin_addr);
		lp = ntohs(l->sin_port), rp = ntohs(p->sin_port);
	} else {
		const struct sockaddr_in6 *l = (const void *)&ls, *p = (const void *)&rs;

		nm_addr_set_v6(&la, l->sin6_addr.s6_addr);
		nm_addr_set_v6(&ra, p->sin6_addr.s6_addr);
		lp = ntohs(l->sin6_port), rp = ntohs(p->sin6_port);
	}
	return nm_tcp_lookup_conn(r->st->tcp, &la, lp, &ra, rp);
}

/* An ICMP(v6) error quoting the IP + TCP header of a segment we sent on a
 * connection (seq relative to its snd_una), in the connection's family
 * (without one: as addrs bit 0 says); body: connection, type, code, MTU,
 * the seq delta, more quoted bytes.  Returns the ICMP message's length;
 * *v6 its family. */
static uint32_t icmp_err(struct run *r, uint8_t *icmp_at[2], const uint8_t *b, uint32_t blen,
			 bool *v6)
{
	struct nm_tcp_sock *tp = conn_of(r, b[0]);
	uint32_t extra = blen > 8 ? blen - 8 : 0, qlen;
	int16_t delta = (int16_t)(b[4] | b[5] << 8);
	uint8_t *icmp, *q;

	if (tp)
		*v6 = !nm_addr_is_v4(&tp->laddr);
	if (extra > 400)
		extra = 400;
	icmp = icmp_at[*v6];
	qlen = (*v6 ? 40 : 20) + 20;
	memset(icmp, 0, 8);
	icmp[0] = *v6 ? (uint8_t)(1 + b[1] % 4) : (uint8_t)(b[1] & 1 ? 3 : 11);
	icmp[1] = *v6 ? b[2] % 7 : b[2] % 16;
	if (*v6)
		put32(icmp + 4, (uint32_t)b[3] << 4);	/* packet too big: MTU */
	else
		nm_put16(icmp + 6, (uint16_t)(b[3] << 4));	/* frag needed: MTU */
	q = icmp + 8;
	if (*v6) {
		ipv6_hdr(q, NM_IPPROTO_TCP, 20 + extra, 0x00);
		memcpy(q + 8, our6, 16);		/* quoted: from us ... */
		memcpy(q + 24, peer6, 16);		/* ... to the peer */
	} else {
		ipv4_hdr(q, NM_IPPROTO_TCP, 20 + extra, 0x00);
		memcpy(q + 12, our4, 4);
		memcpy(q + 16, peer4, 4);
	}
	memset(q + qlen - 20, 0, 20);
	if (tp) {
		memcpy(*v6 ? q + 8 : q + 12, tp->laddr.b + (*v6 ? 0 : 12), *v6 ? 16 : 4);
		memcpy(*v6 ? q + 24 : q + 16, tp->raddr.b + (*v6 ? 0 : 12), *v6 ? 16 : 4);
		nm_put16(q + qlen - 20, tp->lport);
		nm_put16(q + qlen - 18, tp->rport);
		put32(q + qlen - 16, tp->snd_una + (uint32_t)(int32_t)delta);
	}
	q[qlen - 8] = 0x50;
	q[qlen - 7] = 0x02;
	memcpy(q + qlen, b + 8, extra);
	return 8 + qlen + extra;
}

/* Build the frame a FRAME op describes into f; returns its length. */
static uint32_t build(struct run *r, uint8_t tmpl, uint8_t mac_k, uint8_t addrs, const uint8_t *b,
		      uint32_t blen, uint8_t *f)
{
	uint32_t len;
	bool v6;

	pick_mac(mac_k, f);
	memcpy(f + 6, t_mac_a, 6);
	switch (tmpl) {
	case T_ARP:
		nm_put16(f + 12, NM_ETH_P_ARP);
		memset(f + 14, 0, 28);
		memcpy(f + 14, b, blen < 28 ? blen : 28);
		nm_put16(f + 14, 1);
		nm_put16(f + 16, NM_ETH_P_IPV4);
		f[18] = 6;
		f[19] = 4;
		f[21] = (uint8_t)(1 + f[21] % 2);	/* request / reply */
		if (!(addrs & 1))
			memcpy(f + 22, t_mac_a, 6);
		if (!(addrs & 2))
			pick_v4(addrs >> 4, false, f + 28);
		if (!(addrs & 4))
			pick_v4(addrs >> 2, true, f + 38);
		return 42 + (blen > 28 ? blen - 28 : 0);
	case T_IPV4:		/* body: protocol, flags + fragment offset, payload */
		nm_put16(f + 12, NM_ETH_P_IPV4);
		len = blen > 2 ? blen - 2 : 0;
		ipv4_hdr(f + 14, blen ? b[0] : 0, len, addrs);
		f[20] = blen > 1 ? b[1] : 0x40;
		memcpy(f + 34, b + 2, len);
		return 34 + len;
	case T_IPV6:		/* body: next header, payload */
		nm_put16(f + 12, NM_ETH_P_IPV6);
		len = blen > 1 ? blen - 1 : 0;
		ipv6_hdr(f + 14, blen ? b[0] : 0, len, addrs);
		memcpy(f + 54, b + 1, len);
		return 54 + len;
	case T_ICMP:
		nm_put16(f + 12, NM_ETH_P_IPV4);
		ipv4_hdr(f + 14, NM_IPPROTO_ICMP, blen, addrs);
		memcpy(f + 34, b, blen);
		return 34 + blen;
	case T_ICMP6:
		nm_put16(f + 12, NM_ETH_P_IPV6);
		ipv6_hdr(f + 14, NM_IPPROTO_ICMPV6, blen, addrs);
		memcpy(f + 54, b, blen);
		return 54 + blen;
	case T_ICMP_ERR: {
		uint8_t bb[8] = { 0 }, *at[2] = { f + 34, f + 54 };

		v6 = addrs & 1;
		memcpy(bb, b, blen < 8 ? blen : 8);
		len = icmp_err(r, at, blen >= 8 ? b : bb, blen, &v6);
		nm_put16(f + 12, v6 ? NM_ETH_P_IPV6 : NM_ETH_P_IPV4);
		if (v6)
			ipv6_hdr(f + 14, NM_IPPROTO_ICMPV6, len, 0x00);
		else
			ipv4_hdr(f + 14, NM_IPPROTO_ICMP, len, 0x00);
		return 14 + (v6 ? 40 : 20) + len;
	}
	default:
		memcpy(f, b, blen);
		return blen;
	}
}

/* Every frame the stack sent: it parses, its checksums verify. */
static void drain_out(struct run *r)
{
	static uint8_t buf[NM_WIRE_MAX_FRAME];
	struct iovec iov = { buf, sizeof(buf) };
	struct nm_wire_meta meta;
	int n;

	while ((n = nm_wire_rx_copy(bed.r.peer, &iov, 1, &meta)) > 0) {
		struct nm_pkt_info info;
		uint32_t len = (uint32_t)n;
		int c;

		r->sent_out++;
		FZ_ASSERT(nm_pkt_parse(buf, len, &info) == 0, "the stack sent a %u-byte frame "
			  "that does not parse: %s", len, nm_pkt_reason_name(info.drop_reason));
		if (meta.flags & NM_WIRE_F_NEEDS_CSUM)
			T_OK(nm_csum_partial_complete(buf, len, meta.csum_start, meta.csum_offset));
		if (info.l3_proto == 4)
			FZ_ASSERT(nm_csum_ipv4_verify(buf, len, &info) == 0, "IPv4 checksum");
		if (info.l4_hdr_len && meta.gso_type == NM_WIRE_GSO_NONE) {
			c = nm_csum_l4_verify(buf, len, &info);
			FZ_ASSERT(c == NM_CSUM_OK || c == NM_CSUM_NONE, "L4 checksum %d (proto %u)",
				  c, info.l4_proto);
		}
	}
}

static void poll_stack(struct run *r)
{
	for (int i = 0; i < 16 && nm_stack_poll(r->st, 0) > 0; i++)
		drain_out(r);
	drain_out(r);
}

static void op_frame(struct run *r)
{
	static uint8_t f[FRAME_MAX + 1024];
	uint8_t fl = fz_u8(&r->in), mac_k = fz_u8(&r->in), addrs = fz_u8(&r->in);
	uint32_t blen = fz_u16(&r->in) % FRAME_MAX, len;
	const uint8_t *b;
	size_t k;

	b = fz_data(&r->in, blen, &k);
	len = build(r, (uint8_t)((fl >> 2) % T_MAX), mac_k, addrs, b, (uint32_t)k, f);
	if (fl & 2)
		t_fill_csums(f, len);
	if (fl & 1) {
		struct nm_skb *skb = nm_skb_alloc(len);

		T_ASSERT(skb);
		memcpy(nm_skb_put(skb, len), f, len);
		r->st->now_us = nm_now_us();
		nm_eth_rcv(t_iface(r->st), skb);
		r->direct++;
		drain_out(r);
		return;
	}
	if (t_raw_send(&bed.r, f, len) == -EAGAIN) {
		poll_stack(r);
		t_raw_send(&bed.r, f, len);
	}
}

static void op_ping(struct run *r)
{
	uint8_t k = fz_u8(&r->in);
	uint16_t plen = fz_u16(&r->in);
	struct nm_addr dst;
	uint8_t a[16];

	if (k & 1) {
		pick_v6(k >> 1, true, a);
		if (k & 0x10)
			pick_v6(0, false, a);
		nm_addr_set_v6(&dst, a);
	} else {
		pick_v4(k >> 1, false, a);
		nm_addr_set_v4(&dst, a);
	}
	nm_clear_error();
	FZ_ERRNO_OK(nm_icmp_echo_send(r->st, &dst, 0x4242, k, NULL, 0), "echo_send");
	if (plen & 1) {
		static uint8_t payload[9000];

		nm_clear_error();
		FZ_ERRNO_OK(nm_icmp_echo_send(r->st, &dst, 0x4242, k, payload,
					      plen % sizeof(payload)), "echo_send");
	}
	drain_out(r);
}

static void op_connect(struct run *r)
{
	uint8_t k = fz_u8(&r->in);
	uint16_t port = fz_u16(&r->in);
	int sd, ret;

	if (r->nsd == MAX_SOCKS)
		return;
	if (k & 1) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

		pick_v6(k >> 1, false, a.sin6_addr.s6_addr);
		sd = (int)T_OK(nm_socket(r->st, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0));
		ret = nm_connect(sd, (struct sockaddr *)&a, sizeof(a));
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

		pick_v4(k >> 1, false, (uint8_t *)&a.sin_addr);
		sd = (int)T_OK(nm_socket(r->st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
		ret = nm_connect(sd, (struct sockaddr *)&a, sizeof(a));
	}
	FZ_ERRNO_OK(ret, "connect");
	r->sd[r->nsd++] = sd;
	drain_out(r);
}

static void op_params(struct run *r)
{
	struct nm_neigh_params p = {
		.reachable_us = 1000u * (1 + fz_u8(&r->in)) * 100,
		.retrans_us = 1000u * (1 + fz_u8(&r->in)) * 10,
		.probes = 1 + fz_u8(&r->in) % 5,
		.queue_max = 1 + fz_u8(&r->in) % 20,
	};

	nm_clear_error();
	FZ_ERRNO_OK(nm_neigh_set_params(t_iface(r->st), &p), "neigh_set_params");
}

static void run_ops(struct run *r)
{
	for (int i = 0; i < MAX_OPS && fz_left(&r->in); i++) {
		switch (fz_u8(&r->in) % OP_MAX) {
		case OP_FRAME:
			op_frame(r);
			break;
		case OP_TIME:
			fz_clock_advance(1000ull * fz_u16(&r->in));
			poll_stack(r);
			break;
		case OP_PING:
			op_ping(r);
			break;
		case OP_CONNECT:
			op_connect(r);
			break;
		case OP_POLL:
			poll_stack(r);
			break;
		default:
			op_params(r);
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run r = { .in = fz_init(data, size) };
	struct nm_stack_stats s;

	fz_begin();
	if (!bed.up) {
		t_raw_link(&bed.r, NM_STACK_BUSY_POLL);
		bed.up = true;
	}
	t_raw_stack(&bed.r);
	r.st = bed.r.st;
	run_ops(&r);
	poll_stack(&r);

	T_OK(nm_stack_get_stats(r.st, &s, sizeof(s)));
	t_stats_add_up(&s, r.direct);
	if (fz_verbose())
		fprintf(stderr, "net_input: %llu frames in (%llu direct): arp %llu (bad %llu), "
			"ip4 %llu (delivered %llu), ip6 %llu (delivered %llu), icmp %llu "
			"icmp6 %llu, nd bad %llu, errors to tcp %llu; %llu frames out\n",
			(unsigned long long)(s.rx_frames + r.direct), (unsigned long long)r.direct,
			(unsigned long long)s.arp_in, (unsigned long long)s.arp_bad,
			(unsigned long long)s.ip4_in, (unsigned long long)s.ip4_delivered,
			(unsigned long long)s.ip6_in, (unsigned long long)s.ip6_delivered,
			(unsigned long long)s.icmp_in, (unsigned long long)s.icmp6_in,
			(unsigned long long)s.nd_bad, (unsigned long long)s.icmp_in_errors,
			(unsigned long long)r.sent_out);
	FZ_ASSERT(t_raw_ping_answered(&bed.r, 2000), "the stack no longer answers a ping");

	for (int i = 0; i < r.nsd; i++)
		T_OK(nm_close(r.sd[i]));
	t_raw_stack_down(&bed.r);
	drain_out(&r);
	/* frames the stack never took: the NIC drops them, no state is left */
	{
		struct nm_rx_pkt p[16];
		int n;

		while (nm_netdev_poll(bed.r.nd, 64) > 0)
			while ((n = nm_netdev_rx_poll(bed.r.nd, 0, p, 16)) > 0)
				for (int i = 0; i < n; i++)
					nm_rx_pkt_release(&p[i]);
	}
	return 0;
}

/* ---- seeds ------------------------------------------------------------------- */

static void w_frame(struct fz_out *o, uint8_t fl, uint8_t tmpl, uint8_t mac_k, uint8_t addrs,
		    const uint8_t *body, uint16_t blen)
{
	fz_w8(o, OP_FRAME);
	fz_w8(o, (uint8_t)(fl | tmpl << 2));
	fz_w8(o, mac_k);
	fz_w8(o, addrs);
	fz_w16(o, blen);
	fz_wbytes(o, body, blen);
}

static void w_time(struct fz_out *o, uint16_t ms)
{
	fz_w8(o, OP_TIME);
	fz_w16(o, ms);
}

void fz_write_seeds(struct fz_seeds *s)
{
	static struct fz_out o;
	uint8_t b[64];

	/* ARP: a request for us (answered, the sender learnt), a reply to
	 * our own request (a ping to the peer waiting on it), a gratuitous
	 * one; then the entry ages */
	o.n = 0;
	memset(b, 0, sizeof(b));
	b[7] = 1;			/* op: request */
	w_frame(&o, 2, T_ARP, 1, 0x00, b, 28);
	fz_w8(&o, OP_PING);
	fz_w8(&o, 3 << 1);		/* 198.18.0.77: nobody answers */
	fz_w16(&o, 0);
	fz_w8(&o, OP_PING);
	fz_w8(&o, 0);			/* the peer */
	fz_w16(&o, 101);		/* and one with 50 bytes */
	b[7] = 2;			/* reply */
	w_frame(&o, 2, T_ARP, 0, 0x00, b, 28);
	w_frame(&o, 2, T_ARP, 1, 0x30 | 0x04, b, 28);	/* gratuitous: tpa = spa */
	w_time(&o, 1500);
	w_time(&o, 40000);
	w_time(&o, 65000);
	fz_seed(s, "arp-resolve-age", &o);

	/* ND: a solicitation for our address from the peer's link-local
	 * address with its link-layer option, an advertisement, DAD */
	o.n = 0;
	memset(b, 0, sizeof(b));
	b[0] = 135;			/* NS */
	memcpy(b + 8, our6, 16);
	b[24] = 1, b[25] = 1;		/* source link-layer address */
	memcpy(b + 26, t_mac_a, 6);
	w_frame(&o, 2, T_ICMP6, 3, 0x21, b, 32);
	fz_w8(&o, OP_PING);
	fz_w8(&o, 1);			/* 2001:2::1 */
	fz_w16(&o, 0);
	b[0] = 136;			/* NA: solicited, override, target the peer */
	b[4] = 0x60;
	memcpy(b + 8, peer6, 16);
	b[24] = 2;			/* target link-layer address */
	w_frame(&o, 2, T_ICMP6, 0, 0x00, b, 32);
	b[0] = 135;			/* DAD: from :: for our address */
	memcpy(b + 8, our6, 16);
	w_frame(&o, 2, T_ICMP6, 3, 0x26, b, 24);
	w_time(&o, 3000);
	fz_seed(s, "nd-solicit-advert", &o);

	/* ICMP echo both families, through the NIC and straight in, from a
	 * peer that announced itself (ARP request, unsolicited NA) */
	o.n = 0;
	memset(b, 0, sizeof(b));
	b[7] = 1;
	w_frame(&o, 2, T_ARP, 1, 0x00, b, 28);
	b[0] = 136, b[4] = 0x20;		/* NA, override */
	memcpy(b + 8, peer6, 16);
	b[24] = 2, b[25] = 1;
	memcpy(b + 26, t_mac_a, 6);
	w_frame(&o, 2, T_ICMP6, 2, 0x30, b, 32);
	memset(b, 0x61, sizeof(b));
	b[0] = 8, b[1] = 0;		/* echo request */
	w_frame(&o, 2, T_ICMP, 0, 0x00, b, 64);
	w_frame(&o, 3, T_ICMP, 0, 0x00, b, 64);
	b[0] = 128;			/* ICMPv6 echo request */
	w_frame(&o, 2, T_ICMP6, 0, 0x00, b, 64);
	b[0] = 0;			/* an echo reply nobody asked for */
	w_frame(&o, 2, T_ICMP, 0, 0x00, b, 16);
	fz_seed(s, "icmp-echo", &o);

	/* ICMP errors about a connection being opened (SYN sent after the
	 * peer answered ARP / ND): unreachable, fragmentation needed, packet
	 * too big, each quoting the connection's snd_una */
	o.n = 0;
	memset(b, 0, sizeof(b));
	b[7] = 2;
	w_frame(&o, 2, T_ARP, 0, 0x00, b, 28);
	fz_w8(&o, OP_CONNECT);
	fz_w8(&o, 0);
	fz_w16(&o, 5201);
	fz_w8(&o, OP_POLL);
	memset(b, 0, sizeof(b));
	b[1] = 1, b[2] = 4, b[3] = 0x50;	/* frag needed, MTU 1280 */
	w_frame(&o, 2, T_ICMP_ERR, 0, 0x00, b, 8);
	b[2] = 1;				/* host unreachable */
	w_frame(&o, 2, T_ICMP_ERR, 0, 0x00, b, 8);
	b[7] = 0;
	fz_w8(&o, OP_CONNECT);
	fz_w8(&o, 1);			/* 2001:2::1 */
	fz_w16(&o, 5202);
	memset(b, 0, sizeof(b));
	b[0] = 136, b[4] = 0x60;
	memcpy(b + 8, peer6, 16);
	b[24] = 2, b[25] = 1;
	memcpy(b + 26, t_mac_a, 6);
	w_frame(&o, 2, T_ICMP6, 0, 0x00, b, 32);
	fz_w8(&o, OP_POLL);
	memset(b, 0, sizeof(b));
	b[0] = 1, b[1] = 1, b[3] = 0x50;	/* packet too big */
	w_frame(&o, 2, T_ICMP_ERR, 0, 0x01, b, 8);
	w_time(&o, 1200);
	fz_seed(s, "icmp-errors-tcp", &o);

	/* an IPv4 fragment, IPv6 hop-by-hop options before an echo request */
	o.n = 0;
	memset(b, 0, sizeof(b));
	b[0] = NM_IPPROTO_ICMP, b[1] = 0x20;	/* MF: a first fragment */
	b[2] = 8;
	w_frame(&o, 2, T_IPV4, 0, 0x00, b, 40);
	memset(b, 0, sizeof(b));
	b[0] = NM_IPPROTO_HOPOPTS;
	b[1] = NM_IPPROTO_ICMPV6, b[2] = 0, b[3] = 1, b[4] = 4;	/* PadN */
	b[9] = 128;				/* echo request */
	w_frame(&o, 2, T_IPV6, 0, 0x00, b, 9 + 16);
	fz_seed(s, "ip-ext", &o);
}
