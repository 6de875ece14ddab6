/* SPDX-License-Identifier: MIT */
#ifndef NM_T_NET_UTIL_H
#define NM_T_NET_UTIL_H

/*
 * Test helpers for the stack (net/):
 *
 *  - struct t_net: two stacks A and B joined by an in-process shm wire
 *    (the default topology's nic0 does the DMA for both netdevs).
 *    A is 198.18.0.1/24 + 2001:2::1/64 with MAC 02:00:00:00:00:0a, B is
 *    198.18.0.2/24 + 2001:2::2/64 with MAC 02:00:00:00:00:0b.  Both
 *    stacks are polled from the test's thread (t_net_poll / t_net_until).
 *  - struct t_raw: one stack (198.18.0.2, 2001:2::2, MAC ...0b) on wire
 *    end a; the test drives end b by hand (MAC ...0a, 198.18.0.1).
 */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include "t_util.h"
#include "util/err.h"
#include "net/ip.h"
#include "net/net_internal.h"
#include "csum_util.h"
#include <netmem/netdev.h>
#include <netmem/pci.h>
#include <netmem/stack.h>
#include <netmem/wire.h>

static const uint8_t t_net_mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t t_net_mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static inline uint64_t t_net_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* "198.18.0.1" or "2001:2::1" as a struct nm_addr. */
static inline struct nm_addr t_addr(const char *s)
{
	struct nm_addr a;
	uint8_t raw[16];

	if (strchr(s, ':')) {
		T_ASSERT(inet_pton(AF_INET6, s, raw) == 1);
		nm_addr_set_v6(&a, raw);
	} else {
		T_ASSERT(inet_pton(AF_INET, s, raw) == 1);
		nm_addr_set_v4(&a, raw);
	}
	return a;
}

static inline struct nm_stack_stats t_stats(struct nm_stack *st)
{
	struct nm_stack_stats s;

	T_OK(nm_stack_get_stats(st, &s));
	return s;
}

static inline struct nm_netdev *t_net_netdev(struct nm_device *nic, struct nm_wire *w,
					     const char *name, const uint8_t mac[6], uint32_t mtu)
{
	struct nm_netdev_params np = { .name = name, .dev = nic, .wire = w, .mtu = mtu,
				       .rx_ring = 256, .tx_ring = 256 };
	struct nm_netdev *nd;

	memcpy(np.mac, mac, 6);
	T_OK(nm_netdev_create(&np, &nd));
	return nd;
}

static inline struct nm_stack *t_net_stack(struct nm_netdev *nd, const char *a4, const char *a6,
					   uint32_t flags)
{
	struct nm_stack_params sp = { .flags = flags };
	struct nm_iface_params ip = { .nd = nd, .addr4 = a4, .addr6 = a6 };
	struct nm_stack *st;

	T_OK(nm_stack_create(&sp, &st));
	T_EQ(nm_stack_add_iface(st, &ip), 0);
	return st;
}

/* ---- two stacks --------------------------------------------------------- */

struct t_net {
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_wire *wa, *wb;
	struct nm_netdev *nda, *ndb;
	struct nm_stack *a, *b;
	bool b_gone;			/* t_net_poll leaves B alone */
};

static inline void t_net_up(struct t_net *t, uint32_t mtu)
{
	struct nm_wire_shm_params wp = { .mtu = mtu, .ring_entries = 1024,
					 .arena_bytes = 8 << 20 };

	memset(t, 0, sizeof(*t));
	T_OK(nm_topo_create_default(&t->topo));
	T_OK(nm_topo_device(t->topo, "nic0", &t->nic));
	T_OK(nm_wire_shm_pair(&wp, &t->wa, &t->wb));
	t->nda = t_net_netdev(t->nic, t->wa, "nma", t_net_mac_a, mtu);
	t->ndb = t_net_netdev(t->nic, t->wb, "nmb", t_net_mac_b, mtu);
	t->a = t_net_stack(t->nda, "198.18.0.1/24", "2001:2::1/64", 0);
	t->b = t_net_stack(t->ndb, "198.18.0.2/24", "2001:2::2/64", 0);
}

static inline void t_net_down(struct t_net *t)
{
	T_OK(nm_stack_destroy(t->a));
	T_OK(nm_stack_destroy(t->b));
	T_OK(nm_netdev_destroy(t->nda));
	T_OK(nm_netdev_destroy(t->ndb));
	nm_wire_destroy(t->wa);
	nm_wire_destroy(t->wb);
	T_OK(nm_topo_destroy(t->topo));
}

static inline struct nm_iface *t_iface(struct nm_stack *st)
{
	return st->ifaces[0];
}

/* One non-blocking iteration of both stacks. */
static inline int t_net_poll1(struct t_net *t)
{
	int n = T_OK(nm_stack_poll(t->a, 0));

	if (!t->b_gone)
		n += T_OK(nm_stack_poll(t->b, 0));
	return n;
}

/* Poll both for ms milliseconds. */
static inline void t_net_poll(struct t_net *t, uint64_t ms)
{
	uint64_t end = t_net_now_ms() + ms;

	while (t_net_now_ms() < end)
		if (!t_net_poll1(t))
			nm_stack_poll(t->a, 1);	/* sleep a little on A's fds */
}

typedef bool (*t_net_pred)(struct t_net *t, void *arg);

/* Poll until pred holds; false after timeout_ms. */
static inline bool t_net_until(struct t_net *t, t_net_pred pred, void *arg, uint64_t timeout_ms)
{
	uint64_t end = t_net_now_ms() + timeout_ms;

	while (!pred(t, arg)) {
		if (t_net_now_ms() >= end)
			return false;
		if (!t_net_poll1(t))
			nm_stack_poll(t->a, 1);
	}
	return true;
}

/* ---- one stack, the peer driven by hand --------------------------------- */

struct t_raw {
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_wire *w, *peer;
	struct nm_netdev *nd;
	struct nm_stack *st;
};

/* The link alone: topology, wire, netdev (t_raw_stack() adds the stack). */
static inline void t_raw_link(struct t_raw *r)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32 << 20 };

	memset(r, 0, sizeof(*r));
	T_OK(nm_topo_create_default(&r->topo));
	T_OK(nm_topo_device(r->topo, "nic0", &r->nic));
	T_OK(nm_wire_shm_pair(&wp, &r->w, &r->peer));
	r->nd = t_net_netdev(r->nic, r->w, "nm0", t_net_mac_b, 0);
}

static inline void t_raw_stack(struct t_raw *r, uint32_t flags)
{
	r->st = t_net_stack(r->nd, "198.18.0.2/24", "2001:2::2/64", flags);
}

static inline void t_raw_up(struct t_raw *r, uint32_t flags)
{
	t_raw_link(r);
	t_raw_stack(r, flags);
}

static inline void t_raw_link_down(struct t_raw *r)
{
	T_OK(nm_netdev_destroy(r->nd));
	nm_wire_destroy(r->w);
	nm_wire_destroy(r->peer);
	T_OK(nm_topo_destroy(r->topo));
}

static inline void t_raw_down(struct t_raw *r)
{
	T_OK(nm_stack_destroy(r->st));
	t_raw_link_down(r);
}

/* Send a frame from the peer; -EAGAIN when the ring is full. */
static inline int t_raw_send(struct t_raw *r, const uint8_t *f, uint32_t len)
{
	struct iovec iov = { (void *)f, len };
	struct nm_wire_meta meta = { 0 };

	return nm_wire_xmit(r->peer, &iov, 1, &meta);
}

/* Receive one frame the stack sent (0 if none). */
static inline int t_raw_recv(struct t_raw *r, uint8_t *buf, uint32_t cap)
{
	struct iovec iov = { buf, cap };
	struct nm_wire_meta meta;
	int n = nm_wire_recv(r->peer, &iov, 1, &meta);

	return n == -EAGAIN ? 0 : n;
}

/* An ARP packet (op 1 request, 2 reply) from sha to dmac: sender spa,
 * target tpa (dotted quads).  Returns its length, 42. */
static inline uint32_t t_arp(uint8_t *f, const uint8_t *dmac, uint16_t op, const uint8_t *sha,
			     const char *spa, const char *tpa)
{
	static const uint8_t zero[6];

	memcpy(f, dmac, 6);
	memcpy(f + 6, sha, 6);
	nm_put16(f + 12, 0x0806);
	nm_put16(f + 14, 1);
	nm_put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	nm_put16(f + 20, op);
	memcpy(f + 22, sha, 6);
	T_ASSERT(inet_pton(AF_INET, spa, f + 28) == 1);
	memcpy(f + 32, zero, 6);
	T_ASSERT(inet_pton(AF_INET, tpa, f + 38) == 1);
	return 42;
}

/* Every frame the stack received is accounted for exactly once, by the
 * Ethernet layer and then by IPv4 / IPv6 (direct: frames handed to
 * nm_eth_rcv() by the test, which rx_frames does not count). */
static inline void t_stats_add_up(const struct nm_stack_stats *s, uint64_t direct)
{
	T_EQ(s->rx_frames + direct, s->eth_bad + s->eth_not_ours + s->eth_vlan_dropped +
					    s->eth_unknown_type + s->arp_in + s->ip4_in + s->ip6_in);
	T_EQ(s->ip4_in, s->ip4_bad_header + s->ip4_fragments + s->ip4_not_ours +
				s->ip4_delivered + s->ip4_unknown_proto);
	T_EQ(s->ip6_in, s->ip6_bad_header + s->ip6_fragments + s->ip6_not_ours +
				s->ip6_delivered + s->ip6_unknown_proto);
	T_ASSERT(s->icmp_in + s->tcp_in <= s->ip4_delivered + s->ip6_delivered);
}

/* The peer (198.18.0.1, MAC ...0a) announces itself with an ARP request
 * and pings the stack: true once the echo reply comes back to the peer's
 * MAC within timeout_ms of polling (frames of other kinds are dropped). */
static inline bool t_raw_ping_answered(struct t_raw *r, uint64_t timeout_ms)
{
	static const uint8_t our_ip[4] = { 198, 18, 0, 2 }, peer_ip[4] = { 198, 18, 0, 1 };
	uint8_t f[142], in[2048];
	bool got = false;
	uint64_t end;

	T_OK(t_raw_send(r, f, t_arp(f, t_net_mac_b, 1, t_net_mac_a, "198.18.0.1",
				    "198.18.0.2")));
	/* ICMP echo request, id 0x5151, 100 bytes of 0xab */
	nm_put16(f + 12, 0x0800);
	memset(f + 14, 0, 20);
	f[14] = 0x45;
	nm_put16(f + 16, 128);
	f[22] = 64;
	f[23] = 1;
	memcpy(f + 26, peer_ip, 4);
	memcpy(f + 30, our_ip, 4);
	memset(f + 34, 0xab, 108);
	f[34] = 8;
	f[35] = 0;
	nm_put16(f + 38, 0x5151);
	T_ASSERT(t_fill_csums(f, 142));
	T_OK(t_raw_send(r, f, 142));
	end = t_net_now_ms() + timeout_ms;
	while (!got && t_net_now_ms() < end) {
		int k;

		nm_stack_poll(r->st, 0);
		while ((k = t_raw_recv(r, in, sizeof(in))) > 0)
			if (k == 142 && nm_get16(in + 12) == 0x0800 && in[23] == 1 && in[34] == 0 &&
			    nm_get16(in + 38) == 0x5151 && !memcmp(in, t_net_mac_a, 6))
				got = true;
	}
	return got;
}

#endif
