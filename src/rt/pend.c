/* SPDX-License-Identifier: MIT */
/*
 * The checks a pending socket's bind and listen get at once.  A socket
 * bound while an shm wire's stack comes up is pending (sock.c): its bind
 * is recorded and replayed on the stack later (up.c), and its placeholder
 * is never bound -- it would hold the port from the kernel's programs.
 * So what Linux would refuse at the call is checked here, against the
 * other pending sockets: the address's form, and port conflicts with the
 * rules the stack applies once it is up (overlapping families and
 * addresses; SO_REUSEADDR shares a port between sockets that do not
 * listen; IPV6_V6ONLY as the socket set it).
 */
#include <netinet/in.h>
#include <string.h>

#include "rt/rt_internal.h"

int rt_pend_bind_form(int domain, const struct sockaddr *sa, socklen_t len)
{
	if (domain == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		if (len < sizeof(*s4))
			return -EINVAL;
		if (s4->sin_family == AF_INET ||
		    (s4->sin_family == AF_UNSPEC && s4->sin_addr.s_addr == htonl(INADDR_ANY)))
			return 0;
		return -EAFNOSUPPORT;
	}
	if (len < 24)		/* SIN6_LEN_RFC2133: without sin6_scope_id */
		return -EINVAL;
	return sa->sa_family == AF_INET6 ? 0 : -EAFNOSUPPORT;
}

/* A bind as the port check sees it: the families it takes (1 IPv4, 2
 * IPv6), whether it is a wildcard, the address (IPv4 as v4-mapped). */
struct pbind {
	unsigned fams;
	bool any;
	uint8_t a[16];
	uint16_t port;
};

/* Lock held: an int option the candidate recorded (0: not set). */
static int opt_int(const struct rt_sock *rs, int level, int name)
{
	int v = 0;

	for (int i = 0; i < rs->nr_opts; i++)
		if (rs->opts[i].level == level && rs->opts[i].name == name &&
		    rs->opts[i].len >= sizeof(v))
			memcpy(&v, rs->opts[i].val, sizeof(v));
	return v;
}

static void pbind_of(const struct rt_sock *rs, const struct sockaddr *sa, struct pbind *b)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	memset(b, 0, sizeof(*b));
	if (sa->sa_family != AF_INET6) {
		b->fams = 1;
		b->any = s4->sin_addr.s_addr == htonl(INADDR_ANY);
		memcpy(b->a, mapped, sizeof(mapped));
		memcpy(b->a + 12, &s4->sin_addr, 4);
		b->port = ntohs(s4->sin_port);
		return;
	}
	memcpy(b->a, &s6->sin6_addr, 16);
	b->port = ntohs(s6->sin6_port);
	b->any = IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		b->fams = 1;
	else if (b->any && !opt_int(rs, IPPROTO_IPV6, IPV6_V6ONLY))
		b->fams = 3;	/* dual stack */
	else
		b->fams = 2;
}

int rt_pend_bind_check(int fd, struct rt_sock *rs, const struct sockaddr *sa, bool listening)
{
	struct pbind me, o;
	int n = rt_fd_end();

	pbind_of(rs, sa, &me);
	if (!me.port)
		return 0;	/* an ephemeral port: the stack picks a free one */
	for (int i = 0; i < n; i++) {
		struct rt_obj *ob = rt_fd_get(i);
		struct rt_sock *x = (struct rt_sock *)ob;

		if (i == fd || !ob || ob->kind != RT_SOCK || x == rs || x->state != RS_PENDING ||
		    !x->pend->alen)
			continue;
		pbind_of(x, (const struct sockaddr *)&x->pend->addr, &o);
		if (o.port != me.port || !(o.fams & me.fams) ||
		    (!o.any && !me.any && memcmp(o.a, me.a, 16)))
			continue;
		if (opt_int(rs, SOL_SOCKET, SO_REUSEADDR) && opt_int(x, SOL_SOCKET, SO_REUSEADDR) &&
		    x->pend->backlog < 0 && !listening)
			continue;
		return -EADDRINUSE;
	}
	return 0;
}
