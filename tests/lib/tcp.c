/* SPDX-License-Identifier: MIT */
/*
 * White-box access to a TCP connection (t_tcp.h): the tcb behind a
 * socket, and the persist timer's backoff as a check.
 */
#include <arpa/inet.h>

#include "t_tcp.h"

struct nm_tcp_sock *t_tcb(struct nm_stack *st, int sd)
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

void t_assert_backoff(const uint64_t *at, int n)
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
