/* SPDX-License-Identifier: MIT */
#ifndef NM_T_WIRE_TAP_UTIL_H
#define NM_T_WIRE_TAP_UTIL_H

/*
 * Helpers for the TAP wire tests: open a TAP in the test's private network
 * namespace, wait for a frame the test cares about (the kernel also sends
 * IPv6 router solicitations, MLD reports and such, which are skipped), and
 * build/parse Ethernet, ARP, IPv4, IPv6, UDP and ICMP by hand, byte by
 * byte, so that the tests do not trust the code under test to do it.
 *
 * Addresses: 198.18.0.0/15 and 2001:2::/48 only (benchmarking ranges).
 * The kernel is .1 / ::1, our side is .2 / ::2 with MAC 02:00:00:00:00:02.
 */
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <netmem/wire.h>

#include "nic/rtnl.h"
#include "nsutil.h"
#include "t_util.h"

#define T_ETH_IP	0x0800
#define T_ETH_ARP	0x0806
#define T_ETH_IP6	0x86dd
#define T_IPPROTO_ICMP	1
#define T_IPPROTO_UDP	17
#define T_IPPROTO_ICMP6	58

static const uint8_t t_our_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t t_bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t t_host_ip[4] = { 198, 18, 0, 1 };
static const uint8_t t_our_ip[4] = { 198, 18, 0, 2 };
static const uint8_t t_host_ip6[16] = { 0x20, 0x01, 0, 2, [15] = 1 };
static const uint8_t t_our_ip6[16] = { 0x20, 0x01, 0, 2, [15] = 2 };

static inline uint64_t t_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void t_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t t_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ones' complement sum, not yet folded or complemented. */
static inline uint32_t t_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static inline uint16_t t_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The checksum to put in a header: ~fold(sum).  0 checks as valid. */
static inline uint16_t t_csum(uint32_t sum)
{
	return (uint16_t)~t_fold(sum);
}

/* Pseudo-header sums (RFC 768 / RFC 8200 8.1). */
static inline uint32_t t_pseudo4(const uint8_t *src, const uint8_t *dst, uint8_t proto,
				 size_t len)
{
	uint32_t s = t_sum(src, 4, 0);

	s = t_sum(dst, 4, s);
	return s + proto + (uint32_t)len;
}

static inline uint32_t t_pseudo6(const uint8_t *src, const uint8_t *dst, uint8_t nh, size_t len)
{
	uint32_t s = t_sum(src, 16, 0);

	s = t_sum(dst, 16, s);
	return s + nh + (uint32_t)len;
}

static inline size_t t_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	t_put16(f + 12, type);
	return 14;
}

/* 20-byte IPv4 header, DF, TTL 64, checksum filled. */
static inline size_t t_ipv4(uint8_t *p, uint8_t proto, const uint8_t *src, const uint8_t *dst,
			    size_t payload)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	t_put16(p + 2, (uint16_t)(20 + payload));
	t_put16(p + 4, 0x1234);
	t_put16(p + 6, 0x4000);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	t_put16(p + 10, t_csum(t_sum(p, 20, 0)));
	return 20;
}

/* 40-byte IPv6 header. */
static inline size_t t_ipv6(uint8_t *p, uint8_t nh, const uint8_t *src, const uint8_t *dst,
			    size_t payload, uint8_t hlim)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	t_put16(p + 4, (uint16_t)payload);
	p[6] = nh;
	p[7] = hlim;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return 40;
}

/* 28-byte Ethernet/IPv4 ARP body. */
static inline size_t t_arp(uint8_t *p, uint16_t op, const uint8_t *sha, const uint8_t *spa,
			   const uint8_t *tha, const uint8_t *tpa)
{
	t_put16(p, 1);
	t_put16(p + 2, T_ETH_IP);
	p[4] = 6;
	p[5] = 4;
	t_put16(p + 6, op);
	memcpy(p + 8, sha, 6);
	memcpy(p + 14, spa, 4);
	memcpy(p + 18, tha, 6);
	memcpy(p + 24, tpa, 4);
	return 28;
}

/* ---- frame matching -------------------------------------------------- */

typedef bool (*t_frame_pred)(const uint8_t *f, size_t len, void *arg);

static inline bool t_is_ipv4(const uint8_t *f, size_t len, uint8_t proto)
{
	return len >= 34 && t_get16(f + 12) == T_ETH_IP && (f[14] >> 4) == 4 && f[14 + 9] == proto;
}

static inline bool t_is_ipv6(const uint8_t *f, size_t len, uint8_t nh)
{
	return len >= 54 && t_get16(f + 12) == T_ETH_IP6 && (f[14] >> 4) == 6 && f[14 + 6] == nh;
}

/* An ARP frame with this op for target protocol address tpa. */
struct t_arp_match {
	uint16_t op;
	const uint8_t *tpa;
};

static inline bool t_pred_arp(const uint8_t *f, size_t len, void *arg)
{
	const struct t_arp_match *m = arg;

	return len >= 42 && t_get16(f + 12) == T_ETH_ARP && t_get16(f + 14 + 6) == m->op &&
	       !memcmp(f + 14 + 24, m->tpa, 4);
}

/* Read frames until pred accepts one (others are skipped and counted);
 * fail the test after timeout_ms.  Returns the accepted frame's length. */
static inline size_t t_tap_wait(struct nm_wire *w, uint8_t *buf, size_t cap,
				struct nm_wire_meta *meta, t_frame_pred pred, void *arg,
				int timeout_ms, const char *what)
{
	uint64_t end = t_now_ms() + (uint64_t)timeout_ms;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct pollfd pfd = { .fd = nm_wire_get_fd(w), .events = POLLIN };
	unsigned skipped = 0;

	T_ASSERT(pfd.fd >= 0);
	for (;;) {
		int r = nm_wire_recv(w, &iov, 1, meta);
		uint64_t now;

		if (r >= 0) {
			T_ASSERT((size_t)r <= cap);
			if (pred(buf, (size_t)r, arg))
				return (size_t)r;
			skipped++;
			continue;
		}
		if (r != -EAGAIN)
			T_FAIL("waiting for %s: recv = %d: %s", what, r, nm_last_error());
		now = t_now_ms();
		if (now >= end)
			T_FAIL("no %s within %d ms (%u other frames skipped)", what, timeout_ms,
			       skipped);
		poll(&pfd, 1, (int)(end - now));
	}
}

/* Send one linear frame. */
static inline void t_tap_send(struct nm_wire *w, const uint8_t *f, size_t len,
			      const struct nm_wire_meta *meta)
{
	struct iovec iov = { .iov_base = (void *)f, .iov_len = len };

	T_OK(nm_wire_xmit(w, &iov, 1, meta));
}

/* The kernel side's MAC address. */
static inline void t_tap_kernel_mac(struct nm_wire *w, uint8_t mac[6])
{
	struct nm_rtnl_link l;
	struct nm_rtnl nl;

	T_OK(nm_rtnl_open(&nl));
	T_OK(nm_rtnl_link_get(&nl, nm_wire_tap_ifindex(w), &l));
	T_ASSERT(l.has_mac);
	memcpy(mac, l.mac, 6);
	nm_rtnl_close(&nl);
}

/* Tell the kernel our MAC for ip (4 or 16 bytes), so it sends without
 * resolving first. */
static inline void t_tap_neigh(struct nm_wire *w, int family, const uint8_t *ip)
{
	struct nm_rtnl nl;

	T_OK(nm_rtnl_open(&nl));
	T_OK(nm_rtnl_neigh_add(&nl, nm_wire_tap_ifindex(w), family, ip, t_our_mac));
	nm_rtnl_close(&nl);
}

/* Write a sysctl under /proc/sys/net; false if it does not exist. */
static inline bool t_sysctl(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fputs(val, f) >= 0;
	ok = (fclose(f) == 0) && ok;
	return ok;
}

/* IPv4-only tests: devices created after this have IPv6 off, so the
 * kernel sends no router solicitations or MLD reports on them. */
static inline void t_no_ipv6(void)
{
	t_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
}

/* The usual test TAP: "nmtap0", 198.18.0.1/24, up. */
static inline struct nm_wire *t_tap_open(bool offloads, const char *addr6)
{
	struct nm_wire_tap_params p = {
		.ifname = "nmtap0",
		.offloads = offloads,
		.host_addr = "198.18.0.1/24",
		.host_addr6 = addr6,
		.up = true,
	};
	struct nm_wire *w = NULL;

	T_OK(nm_wire_tap_open(&p, &w));
	T_ASSERT(w != NULL);
	return w;
}

#endif /* NM_T_WIRE_TAP_UTIL_H */
