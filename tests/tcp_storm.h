/* SPDX-License-Identifier: MIT */
#ifndef NM_T_TCP_STORM_H
#define NM_T_TCP_STORM_H

/*
 * The idle-storm oracle, for tests and fuzz harnesses, and the spoofed
 * segment that starts a storm.
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
 * segments the two stacks sent meanwhile (their tcp_out counters,
 * RSTs included).  b may be NULL: one stack whose wire's other end the
 * caller drives (a fuzz harness feeding frames); only a's segments count.
 *
 * What an idle pair may send: nothing, once the delayed ACK of the last
 * data went out (40 ms) and with no timer due.  Keepalive is off by
 * default; retransmission, persist and TIME_WAIT timers belong to
 * connections that are not idle.  A storm oracle run of a few hundred
 * passes takes well under a millisecond a pass, so a timer due later
 * than that cannot fire in it; after an injected segment, at most
 * T_STORM_SETTLE replies are legitimate (the reply, the peer's challenge
 * ACK, the dupACK that answers it; the next one is rate-limited).
 *
 * t_tcp4_seg() writes an Ethernet + IPv4 + 20-byte TCP frame with valid
 * IPv4 and TCP checksums, for injecting a spoofed segment on a wire.
 * Addresses, ports, sequence numbers and the window are host order.
 *
 * Only public headers: harnesses built outside the test tree can use it.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <netmem/stack.h>

/* Segments an idle pair may still exchange after one injected segment. */
#define T_STORM_SETTLE	4

static inline uint64_t t_storm_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

static inline int t_storm_out(struct nm_stack *st, uint64_t *out)
{
	struct nm_stack_stats s;
	int r;

	*out = 0;
	if (!st)
		return 0;
	r = nm_stack_get_stats(st, &s);
	if (r < 0)
		return r;
	*out = s.tcp_out;
	return 0;
}

static inline int64_t t_storm_segments(struct nm_stack *a, struct nm_stack *b, uint32_t passes,
				       uint32_t max_ms)
{
	uint64_t a0, b0, a1, b1, end = t_storm_now_us() + (uint64_t)max_ms * 1000u;
	int r;

	if (!a)
		return -22;	/* EINVAL */
	if ((r = t_storm_out(a, &a0)) < 0 || (r = t_storm_out(b, &b0)) < 0)
		return r;
	for (uint32_t i = 0; i < passes; i++) {
		if (max_ms && t_storm_now_us() >= end)
			break;
		if ((r = nm_stack_poll(a, 0)) < 0)
			return r;
		if (b && (r = nm_stack_poll(b, 0)) < 0)
			return r;
	}
	if ((r = t_storm_out(a, &a1)) < 0 || (r = t_storm_out(b, &b1)) < 0)
		return r;
	return (int64_t)((a1 - a0) + (b1 - b0));
}

/* ---- a spoofed segment ------------------------------------------------- */

static inline void t_storm_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void t_storm_put32(uint8_t *p, uint32_t v)
{
	t_storm_put16(p, (uint16_t)(v >> 16));
	t_storm_put16(p + 2, (uint16_t)v);
}

static inline uint16_t t_storm_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

struct t_tcp4_seg {
	uint8_t dst_mac[6], src_mac[6];
	uint32_t saddr, daddr;		/* IPv4, host order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;			/* TH_* bits: FIN 0x01 SYN 0x02 RST 0x04 ACK 0x10 */
	uint16_t win;
	const uint8_t *payload;
	uint16_t len;			/* payload bytes */
};

/* Writes the frame into f (room for 54 + len bytes); returns its length. */
static inline size_t t_tcp4_seg(uint8_t *f, const struct t_tcp4_seg *s)
{
	uint8_t *ip = f + 14, *th = ip + 20, ph[12];
	uint16_t tlen = (uint16_t)(20 + s->len);

	memcpy(f, s->dst_mac, 6);
	memcpy(f + 6, s->src_mac, 6);
	t_storm_put16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	t_storm_put16(ip + 2, (uint16_t)(20 + tlen));
	t_storm_put16(ip + 6, 0x4000);	/* DF */
	ip[8] = 64;
	ip[9] = 6;
	t_storm_put32(ip + 12, s->saddr);
	t_storm_put32(ip + 16, s->daddr);
	t_storm_put16(ip + 10, t_storm_csum(ip, 20, 0));
	memset(th, 0, 20);
	t_storm_put16(th, s->sport);
	t_storm_put16(th + 2, s->dport);
	t_storm_put32(th + 4, s->seq);
	t_storm_put32(th + 8, s->ack);
	th[12] = 5 << 4;
	th[13] = s->flags;
	t_storm_put16(th + 14, s->win);
	if (s->len)
		memcpy(th + 20, s->payload, s->len);
	/* pseudo-header: addresses, zero, protocol, TCP length */
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	t_storm_put16(ph + 10, tlen);
	{
		uint32_t sum = 0;

		for (int i = 0; i < 12; i += 2)
			sum += (uint32_t)(ph[i] << 8 | ph[i + 1]);
		t_storm_put16(th + 16, t_storm_csum(th, tlen, sum));
	}
	return 14 + 20 + (size_t)tlen;
}

#endif /* NM_T_TCP_STORM_H */
