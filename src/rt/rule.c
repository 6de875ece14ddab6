/* SPDX-License-Identifier: MIT */
/*
 * The interception rule: which TCP sockets are netmem's (docs/run.md has
 * the table).  A socket() of AF_INET/AF_INET6 SOCK_STREAM is made a kernel
 * socket and a candidate; the first of these decides, once:
 *
 *	bind(A)		A is netmem's address (or its v4-mapped form on an
 *			AF_INET6 socket): netmem.  A wildcard (0.0.0.0, ::,
 *			::ffff:0.0.0.0): netmem, unless NETMEM_WILDCARD=kernel
 *			or another process owns the NIC.  Any other: kernel.
 *	connect(P)	P on netmem's subnet and not netmem's own address:
 *			netmem.  Any other (loopback, the internet, netmem's
 *			own address, which the kernel reaches over a TAP):
 *			kernel.
 *	listen()	never bound: Linux binds a wildcard; as bind(wildcard).
 *	SO_BINDTODEVICE	naming netmem's interface (NETMEM_IFNAME): netmem at
 *			the bind/connect that follows, whatever the address.
 *
 * Pure functions of the configuration; no lock.
 */
#include <arpa/inet.h>
#include <string.h>

#include "rt/rt_internal.h"

/* The IPv4 address of sa (AF_INET, or AF_INET6 v4-mapped), into a4. */
static bool v4_of(const struct sockaddr *sa, socklen_t len, uint8_t a4[4])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		memcpy(a4, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;

		if (!memcmp(b, mapped, 12)) {
			memcpy(a4, b + 12, 4);
			return true;
		}
	}
	return false;
}

/* The 16 bytes of a native IPv6 address (not v4-mapped). */
static const uint8_t *v6_of(const struct sockaddr *sa, socklen_t len)
{
	uint8_t a4[4];

	if (sa->sa_family != AF_INET6 || len < (socklen_t)sizeof(struct sockaddr_in6) ||
	    v4_of(sa, len, a4))
		return NULL;
	return ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
}

static bool all_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool in_prefix(const uint8_t *a, const uint8_t *p, unsigned plen)
{
	for (unsigned i = 0; i < plen; i++)
		if ((a[i / 8] ^ p[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* Where an address of sa stands to netmem: 1 its own, 2 a wildcard, 3 on
 * its subnet, 0 elsewhere. */
enum { A_OTHER = 0, A_OWN, A_WILD, A_SUBNET };

static int classify(const struct sockaddr *sa, socklen_t len)
{
	uint8_t a4[4];
	const uint8_t *a6;
	size_t n = rt_cfg.family == AF_INET ? 4 : 16;

	if (!sa)
		return A_OTHER;
	if (v4_of(sa, len, a4)) {
		if (all_zero(a4, 4))
			return A_WILD;
		if (rt_cfg.family != AF_INET)
			return A_OTHER;
		if (!memcmp(a4, rt_cfg.ip, 4))
			return A_OWN;
		return in_prefix(a4, rt_cfg.ip, rt_cfg.plen) ? A_SUBNET : A_OTHER;
	}
	a6 = v6_of(sa, len);
	if (!a6)
		return A_OTHER;
	if (all_zero(a6, 16))
		return A_WILD;
	if (rt_cfg.family != AF_INET6)
		return A_OTHER;
	if (!memcmp(a6, rt_cfg.ip, n))
		return A_OWN;
	return in_prefix(a6, rt_cfg.ip, rt_cfg.plen) ? A_SUBNET : A_OTHER;
}

enum rt_side rt_rule_bind(const struct sockaddr *sa, socklen_t len, bool dev, bool wild_ok)
{
	int c;

	if (dev)
		return RT_SIDE_NETMEM;
	c = classify(sa, len);
	if (c == A_OWN)
		return RT_SIDE_NETMEM;
	if (c == A_WILD)
		return rt_rule_listen(false, wild_ok);
	return RT_SIDE_KERNEL;
}

enum rt_side rt_rule_connect(const struct sockaddr *sa, socklen_t len, bool dev)
{
	if (dev)
		return RT_SIDE_NETMEM;
	return classify(sa, len) == A_SUBNET ? RT_SIDE_NETMEM : RT_SIDE_KERNEL;
}

enum rt_side rt_rule_listen(bool dev, bool wild_ok)
{
	if (dev)
		return RT_SIDE_NETMEM;
	return wild_ok && !rt_cfg.wildcard_kernel ? RT_SIDE_NETMEM : RT_SIDE_KERNEL;
}
