/* SPDX-License-Identifier: MIT */
/*
 * Stacks and sockets for tests (t_net.h): addresses, counters, a listener,
 * a connected pair through two pumped stacks, and a verified stream.
 */
#include <arpa/inet.h>
#include <netinet/tcp.h>

#include "t_net.h"
#include "net/tcp.h"
#include "sock/sock_internal.h"

struct nm_addr t_addr(const char *s)
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

struct nm_stack_stats t_stats(struct nm_stack *st)
{
	struct nm_stack_stats s;

	T_OK(nm_stack_get_stats(st, &s, sizeof(s)));
	return s;
}

struct nm_iface *t_iface(struct nm_stack *st)
{
	return st->ifaces[0];
}

void t_stats_add_up(const struct nm_stack_stats *s, uint64_t direct)
{
	T_EQ(s->rx_frames + direct, s->eth_bad + s->eth_not_ours + s->eth_vlan_dropped +
					    s->eth_unknown_type + s->arp_in + s->ip4_in + s->ip6_in);
	T_EQ(s->ip4_in, s->ip4_bad_header + s->ip4_fragments + s->ip4_not_ours +
				s->ip4_delivered + s->ip4_unknown_proto);
	T_EQ(s->ip6_in, s->ip6_bad_header + s->ip6_fragments + s->ip6_not_ours +
				s->ip6_delivered + s->ip6_unknown_proto);
	T_ASSERT(s->icmp_in + s->tcp_in <= s->ip4_delivered + s->ip6_delivered);
}

struct sockaddr_in t_sin(const char *ip, uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	T_ASSERT(inet_pton(AF_INET, ip, &s.sin_addr) == 1);
	return s;
}

struct sockaddr_in6 t_sin6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 s;

	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	s.sin6_port = htons(port);
	T_ASSERT(inet_pton(AF_INET6, ip, &s.sin6_addr) == 1);
	return s;
}

int t_listen(struct nm_stack *st, int family, uint16_t port, int backlog)
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

void t_close_all(const char *file, int line, struct t_net *n, int ms, const int *sds, size_t nsd)
{
	for (size_t i = 0; i < nsd; i++) {
		int r = nm_close(sds[i]);

		if (r < 0)
			t_fail(file, line, "nm_close of socket %zu of %zu (sd %d) = %d: %s", i + 1,
			       nsd, sds[i], r, nm_last_error());
	}
	t_pump_for(n, ms);
}

int t_tcp_state(int sd)
{
	struct nm_socket *so = nm_sock_lookup(sd);
	struct tcp_info ti;
	socklen_t l = sizeof(ti);

	if (nm_getsockopt(sd, IPPROTO_TCP, TCP_INFO, &ti, &l) < 0)
		return -1;
	/* TCP_INFO says CLOSE for a socket in TIME_WAIT, as Linux's does */
	if (ti.tcpi_state == TCP_CLOSE && so && so->tcp && so->tcp->state == NM_TCP_TIME_WAIT)
		return TCP_TIME_WAIT;
	return ti.tcpi_state;
}

bool t_conn_ready(void *p)
{
	struct t_conn_arg *a = p;

	if (a->ssd < 0) {
		int r = nm_accept4(a->lsd, NULL, NULL, SOCK_NONBLOCK);

		if (r >= 0)
			a->ssd = r;
	}
	return a->ssd >= 0 && t_tcp_state(a->csd) == TCP_ESTABLISHED;
}

int t_connect_pair(struct t_net *n, int lsd, const char *ip, uint16_t port, int *ssd)
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

uint64_t t_stream(struct t_net *n, int sd_tx, int sd_rx, uint64_t len, int timeout_ms)
{
	static uint8_t rx[T_PAT_RUN];
	uint64_t sent = 0, got = 0, t0 = t_now_us(), end = t0 + (uint64_t)timeout_ms * 1000u;

	while (got < len) {
		if (t_now_us() > end)
			T_FAIL("stream: %llu of %llu bytes after %d ms (sent %llu)",
			       (unsigned long long)got, (unsigned long long)len, timeout_ms,
			       (unsigned long long)sent);
		if (sent < len) {
			size_t want = len - sent < T_PAT_RUN ? (size_t)(len - sent) : T_PAT_RUN;
			ssize_t r = nm_send(sd_tx, t_pat(sent), want, 0);

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
			if (!t_pat_ok(rx, (uint64_t)r, got))
				for (ssize_t i = 0; i < r; i++)
					if (rx[i] != T_PAT(got + (uint64_t)i))
						T_FAIL("stream byte %llu: %u != %u",
						       (unsigned long long)(got + (uint64_t)i), rx[i],
						       (unsigned)T_PAT(got + (uint64_t)i));
			got += (uint64_t)r;
		}
		t_pump(n);
	}
	return t_now_us() - t0;
}
