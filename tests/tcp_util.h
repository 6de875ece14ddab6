/* SPDX-License-Identifier: MIT */
#ifndef NM_T_TCP_UTIL_H
#define NM_T_TCP_UTIL_H

/*
 * TCP test helpers: two netmem stacks joined by an in-process shm wire.
 *
 *	struct t_net n;
 *	t_net_up(&n, NULL);		// A 198.18.0.1/24 2001:2::1/64, B .2 / ::2
 *	... nonblocking sockets on both, t_pump(&n) runs both loops once
 *	t_net_down(&n);
 *
 * Both stacks live in the calling thread, so tests use non-blocking
 * sockets and pump both loops; blocking calls belong in a thread of
 * their own stack.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "t_util.h"
#include <netmem/netdev.h>
#include <netmem/pci.h>
#include <netmem/socket.h>
#include <netmem/stack.h>
#include <netmem/wire.h>

#include "net/tcp.h"	/* white-box access below, nm_tcp_check_stack() in t_pump() */

struct t_net {
	struct nm_topo *topo;
	struct nm_device *nic0, *nic1;
	struct nm_wire *wa, *wb;
	struct nm_netdev *nda, *ndb;
	struct nm_stack *sa, *sb;
	/* t_pump() first flushes the fault injector's held frames both ways
	 * (shm wires): reordering and delays then last at most one poll */
	bool flush_wires;
};

static inline uint64_t t_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* The links alone: topology, wire, netdevs nma (A) and nmb (B).  wp NULL:
 * defaults (MTU 1500, no faults).  topo: a PCI topology holding nic0 and
 * nic1 (and whatever else the test needs). */
static inline void t_net_links(struct t_net *n, const struct nm_wire_shm_params *wp,
			       const char *topo)
{
	struct nm_wire_shm_params dp = { .ring_entries = 4096, .arena_bytes = 32 << 20 };
	struct nm_netdev_params np = { .rx_queues = 1, .tx_queues = 1, .rx_ring = 1024 };

	memset(n, 0, sizeof(*n));
	T_OK(nm_topo_create(topo, &n->topo));
	T_OK(nm_topo_device(n->topo, "nic0", &n->nic0));
	T_OK(nm_topo_device(n->topo, "nic1", &n->nic1));
	T_OK(nm_wire_shm_pair(wp ? wp : &dp, &n->wa, &n->wb));
	np.name = "nma";
	np.dev = n->nic0;
	np.wire = n->wa;
	np.mtu = wp ? wp->mtu : 0;
	np.mac[0] = 0x02;
	np.mac[5] = 0x0a;
	T_OK(nm_netdev_create(&np, &n->nda));
	np.name = "nmb";
	np.dev = n->nic1;
	np.wire = n->wb;
	np.mac[5] = 0x0b;
	T_OK(nm_netdev_create(&np, &n->ndb));
}

/* The stacks on the links: A 198.18.0.1/24 2001:2::1/64, B .2 / ::2. */
static inline void t_net_stacks(struct t_net *n)
{
	struct nm_stack_params sp = { 0 };
	struct nm_iface_params ia = { .addr4 = "198.18.0.1/24", .addr6 = "2001:2::1/64" };
	struct nm_iface_params ib = { .addr4 = "198.18.0.2/24", .addr6 = "2001:2::2/64" };

	T_OK(nm_stack_create(&sp, &n->sa));
	T_OK(nm_stack_create(&sp, &n->sb));
	ia.nd = n->nda;
	ib.nd = n->ndb;
	T_OK(nm_stack_add_iface(n->sa, &ia));
	T_OK(nm_stack_add_iface(n->sb, &ib));
}

static inline void t_net_up_topo(struct t_net *n, const struct nm_wire_shm_params *wp,
				 const char *topo)
{
	t_net_links(n, wp, topo);
	t_net_stacks(n);
}

static inline void t_net_up(struct t_net *n, const struct nm_wire_shm_params *wp)
{
	t_net_up_topo(n, wp, "rc0(p2p) { sw0 { nic0 nic1 } }");
}

static inline void t_net_stacks_down(struct t_net *n)
{
	T_OK(nm_stack_destroy(n->sa));
	T_OK(nm_stack_destroy(n->sb));
	n->sa = n->sb = NULL;
}

static inline void t_net_links_down(struct t_net *n)
{
	T_OK(nm_netdev_destroy(n->nda));
	T_OK(nm_netdev_destroy(n->ndb));
	nm_wire_destroy(n->wa);
	nm_wire_destroy(n->wb);
	/* -EBUSY while a device still has users: a pool kept alive by a
	 * buffer never given back, a binding, a mapping */
	T_OK(nm_topo_destroy(n->topo));
}

static inline void t_net_down(struct t_net *n)
{
	t_net_stacks_down(n);
	t_net_links_down(n);
}

static inline void t_pump(struct t_net *n)
{
	if (n->flush_wires) {
		(void)nm_wire_shm_flush(n->wa);	/* -EAGAIN (full): next time */
		(void)nm_wire_shm_flush(n->wb);
	}
	T_OK(nm_stack_poll(n->sa, 0));
	T_OK(nm_stack_poll(n->sb, 0));
	/* every TCP invariant (tcp_input.c) holds after every pass */
	T_OK(nm_tcp_check_stack(n->sa));
	T_OK(nm_tcp_check_stack(n->sb));
}

/* Pump until cond(arg) or timeout_ms; returns whether cond held. */
static inline bool t_pump_until(struct t_net *n, bool (*cond)(void *), void *arg, int timeout_ms)
{
	uint64_t end = t_now_us() + (uint64_t)timeout_ms * 1000u;

	while (!cond(arg)) {
		if (t_now_us() > end)
			return false;
		t_pump(n);
	}
	return true;
}

/* Pump for ms milliseconds. */
static inline void t_pump_for(struct t_net *n, int ms)
{
	uint64_t end = t_now_us() + (uint64_t)ms * 1000u;

	while (t_now_us() < end)
		t_pump(n);
}

static inline struct sockaddr_in t_sin(const char *ip, uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}

static inline struct sockaddr_in6 t_sin6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 s;

	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	s.sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &s.sin6_addr);
	return s;
}

/* A listener on B at port (non-blocking). */
static inline int t_listen(struct nm_stack *st, int family, uint16_t port, int backlog)
{
	int one = 1, sd = (int)T_OK(nm_socket(st, family, SOCK_STREAM | SOCK_NONBLOCK, 0));

	T_OK(nm_setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	if (family == AF_INET) {
		struct sockaddr_in a = t_sin("0.0.0.0", port);

		T_OK(nm_bind(sd, (struct sockaddr *)&a, sizeof(a)));
	} else {
		struct sockaddr_in6 a = t_sin6("::", port);

		T_OK(nm_bind(sd, (struct sockaddr *)&a, sizeof(a)));
	}
	T_OK(nm_listen(sd, backlog));
	return sd;
}

static inline int t_tcp_state(int sd)
{
	struct tcp_info ti;
	socklen_t l = sizeof(ti);

	if (nm_getsockopt(sd, IPPROTO_TCP, TCP_INFO, &ti, &l) < 0)
		return -1;
	return ti.tcpi_state;
}

struct t_conn_arg {
	int lsd, csd, ssd;
};

static inline bool t_conn_ready(void *p)
{
	struct t_conn_arg *a = p;

	if (a->ssd < 0) {
		int r = nm_accept4(a->lsd, NULL, NULL, SOCK_NONBLOCK);

		if (r >= 0)
			a->ssd = r;
	}
	return a->ssd >= 0 && t_tcp_state(a->csd) == TCP_ESTABLISHED;
}

/* Connect a non-blocking client on A to B's listener lsd; returns the
 * client sd, *ssd the accepted one. */
static inline int t_connect_pair(struct t_net *n, int lsd, const char *ip, uint16_t port,
				 int *ssd)
{
	struct sockaddr_in a = t_sin(ip, port);
	struct t_conn_arg ca = { lsd, -1, -1 };
	int r;

	ca.csd = (int)T_OK(nm_socket(n->sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	r = nm_connect(ca.csd, (struct sockaddr *)&a, sizeof(a));
	T_EQ(r, -EINPROGRESS);
	T_ASSERT(t_pump_until(n, t_conn_ready, &ca, 5000));
	*ssd = ca.ssd;
	return ca.csd;
}

/* Move len bytes of the stream whose byte i is i % 251 from sd_tx to
 * sd_rx, pumping, verifying every byte.  Returns elapsed microseconds. */
static inline uint64_t t_stream(struct t_net *n, int sd_tx, int sd_rx, uint64_t len,
				int timeout_ms)
{
	enum { CHUNK = 256 << 10 };
	static uint8_t pat[CHUNK + 251], rx[CHUNK];
	uint64_t sent = 0, got = 0, t0 = t_now_us(), end = t0 + (uint64_t)timeout_ms * 1000u;

	if (!pat[1])
		for (size_t i = 0; i < sizeof(pat); i++)
			pat[i] = (uint8_t)(i % 251);
	while (got < len) {
		if (t_now_us() > end)
			T_FAIL("stream: %llu of %llu bytes after %d ms (sent %llu)",
			       (unsigned long long)got, (unsigned long long)len, timeout_ms,
			       (unsigned long long)sent);
		if (sent < len) {
			size_t want = len - sent < CHUNK ? (size_t)(len - sent) : CHUNK;
			ssize_t r = nm_send(sd_tx, pat + sent % 251, want, 0);

			if (r > 0)
				sent += (uint64_t)r;
			else if (r != -EAGAIN)
				T_FAIL("send: %zd %s", r, nm_last_error());
		}
		for (;;) {
			ssize_t r = nm_recv(sd_rx, rx, sizeof(rx), 0);

			if (r == -EAGAIN)
				break;
			if (r <= 0)
				T_FAIL("recv: %zd %s", r, nm_last_error());
			if (memcmp(rx, pat + got % 251, (size_t)r))
				for (ssize_t i = 0; i < r; i++)
					if (rx[i] != (uint8_t)((got + (uint64_t)i) % 251))
						T_FAIL("stream byte %llu: %u != %u",
						       (unsigned long long)(got + (uint64_t)i), rx[i],
						       (unsigned)((got + (uint64_t)i) % 251));
			got += (uint64_t)r;
		}
		t_pump(n);
	}
	return t_now_us() - t0;
}

/* The persist timer's exponential backoff, as Linux's: at least three
 * probes sent at times at[0..n) (microseconds), each interval 1.5 to 2.6
 * times the one before (doubling, give or take the loop's latency). */
static inline void t_assert_backoff(const uint64_t *at, int n)
{
	for (int i = 0; i < n; i++)
		printf("probe %d at +%llu ms\n", i, (unsigned long long)((at[i] - at[0]) / 1000));
	T_ASSERT(n >= 3);
	for (int i = 2; i < n; i++) {
		double prev = (double)(at[i - 1] - at[i - 2]), cur = (double)(at[i] - at[i - 1]);

		if (cur < 1.5 * prev || cur > 2.6 * prev)
			T_FAIL("probe interval %d: %.0f ms after %.0f ms: no exponential backoff", i,
			       cur / 1000, prev / 1000);
	}
}

/* ---- white-box access (tests include the internals) ---- */

/* The tcb behind a connected socket (IPv4 or IPv6) of stack st; NULL if
 * it has none (closed, or not connected). */
static inline struct nm_tcp_sock *t_tcb(struct nm_stack *st, int sd)
{
	struct sockaddr_in6 l, r;
	socklen_t ll = sizeof(l), rl = sizeof(r);
	struct nm_addr la = { .b = { [10] = 0xff, [11] = 0xff } }, ra = la;

	if (nm_getsockname(sd, (struct sockaddr *)&l, &ll) < 0 ||
	    nm_getpeername(sd, (struct sockaddr *)&r, &rl) < 0)
		return NULL;
	if (l.sin6_family == AF_INET6) {
		memcpy(la.b, &l.sin6_addr, 16);
		memcpy(ra.b, &r.sin6_addr, 16);
	} else {
		memcpy(la.b + 12, &((struct sockaddr_in *)&l)->sin_addr, 4);
		memcpy(ra.b + 12, &((struct sockaddr_in *)&r)->sin_addr, 4);
	}
	return nm_tcp_lookup_conn(st->tcp, &la, ntohs(l.sin6_port), &ra, ntohs(r.sin6_port));
}
#endif
