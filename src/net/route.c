/* SPDX-License-Identifier: MIT */
/*
 * Routes and source address selection.
 *
 * The table is implicit: each interface's connected subnets (addr4/plen4,
 * addr6/plen6, fe80::/64 for its link-local address) and its default
 * gateways.  Lookup: the longest connected prefix that holds dst, else the
 * first interface with a default gateway of dst's family.  Link-local and
 * multicast IPv6 destinations have no scope id here: they go out of the
 * first interface (one-interface stacks, the usual case, are exact).
 * Source: the interface's IPv4 address; for IPv6 its global address
 * toward global destinations when it has one, else its link-local one.
 * Broadcast and multicast IPv4 destinations are not routed.
 * Workload: one lookup per packet sent without a cached route; a loop over
 * at most NM_STACK_MAX_IFACES interfaces.
 */
#include <string.h>

#include "net/ip.h"
#include "util/err.h"

bool nm_iface_has_addr(const struct nm_iface *ifc, const struct nm_addr *a)
{
	if (nm_addr_is_v4(a))
		return ifc->has4 && nm_addr_same(a, &ifc->addr4);
	return nm_addr_same(a, &ifc->ll6) || (ifc->has6 && nm_addr_same(a, &ifc->addr6));
}

int nm_iface_src_for(const struct nm_iface *ifc, const struct nm_addr *dst, struct nm_addr *src)
{
	if (nm_addr_is_v4(dst)) {
		if (!ifc->has4)
			return nm_err(EADDRNOTAVAIL, "interface %d has no IPv4 address",
				      ifc->idx);
		*src = ifc->addr4;
		return 0;
	}
	if (ifc->has6 && !nm_addr6_linklocal(dst) &&
	    !(nm_addr6_mcast(dst) && (dst->b[1] & 0x0f) <= 2))
		*src = ifc->addr6;
	else
		*src = ifc->ll6;
	return 0;
}

bool nm_addr_is_local(struct nm_stack *st, const struct nm_addr *a)
{
	if (!st || !a)
		return false;
	for (int i = 0; i < st->nr_ifaces; i++)
		if (nm_iface_has_addr(st->ifaces[i], a))
			return true;
	return false;
}

static int route_v4(struct nm_stack *st, const struct nm_addr *dst, struct nm_route *rt)
{
	struct nm_iface *best = NULL;
	int best_plen = -1;

	if (nm_addr4_mcast_or_bcast(dst->b + 12) || nm_addr_unspec(dst))
		goto unreach;
	for (int i = 0; i < st->nr_ifaces; i++) {
		struct nm_iface *ifc = st->ifaces[i];

		if (ifc->has4 && (int)ifc->plen4 > best_plen &&
		    nm_addr_prefix_match(dst, &ifc->addr4, 96u + ifc->plen4)) {
			best = ifc;
			best_plen = ifc->plen4;
		}
	}
	if (best) {
		rt->ifc = best;
		rt->nexthop = *dst;
		rt->src = best->addr4;
		return 0;
	}
	for (int i = 0; i < st->nr_ifaces; i++) {
		struct nm_iface *ifc = st->ifaces[i];

		if (ifc->has4 && ifc->has_gw4) {
			rt->ifc = ifc;
			rt->nexthop = ifc->gw4;
			rt->src = ifc->addr4;
			return 0;
		}
	}
unreach:
	st->stats.ip4_no_route++;
	return nm_err(ENETUNREACH, "no route to an IPv4 destination");
}

static int route_v6(struct nm_stack *st, const struct nm_addr *dst, struct nm_route *rt)
{
	struct nm_iface *best = NULL;
	int best_plen = -1;

	if (nm_addr_unspec(dst) || st->nr_ifaces == 0)
		goto unreach;
	if (nm_addr6_linklocal(dst) || nm_addr6_mcast(dst)) {
		rt->ifc = st->ifaces[0];
		rt->nexthop = *dst;
		return nm_iface_src_for(rt->ifc, dst, &rt->src);
	}
	for (int i = 0; i < st->nr_ifaces; i++) {
		struct nm_iface *ifc = st->ifaces[i];

		if (ifc->has6 && (int)ifc->plen6 > best_plen &&
		    nm_addr_prefix_match(dst, &ifc->addr6, ifc->plen6)) {
			best = ifc;
			best_plen = ifc->plen6;
		}
	}
	if (best) {
		rt->ifc = best;
		rt->nexthop = *dst;
		rt->src = best->addr6;
		return 0;
	}
	for (int i = 0; i < st->nr_ifaces; i++) {
		struct nm_iface *ifc = st->ifaces[i];

		if (ifc->has_gw6) {
			rt->ifc = ifc;
			rt->nexthop = ifc->gw6;
			return nm_iface_src_for(ifc, dst, &rt->src);
		}
	}
unreach:
	st->stats.ip6_no_route++;
	return nm_err(ENETUNREACH, "no route to an IPv6 destination");
}

int nm_route_lookup(struct nm_stack *st, const struct nm_addr *dst, struct nm_route *rt)
{
	if (!st || !dst || !rt)
		return nm_err(EINVAL, "NULL argument");
	if (nm_addr_is_v4(dst))
		return route_v4(st, dst, rt);
	return route_v6(st, dst, rt);
}

uint32_t nm_ip_route_mtu(struct nm_stack *st, const struct nm_addr *dst)
{
	struct nm_route rt;

	if (nm_route_lookup(st, dst, &rt) < 0)
		return 0;
	return rt.ifc->mtu;
}
