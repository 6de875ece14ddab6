/* SPDX-License-Identifier: MIT */
#ifndef NM_NIC_RTNL_H
#define NM_NIC_RTNL_H

/*
 * A tiny rtnetlink (NETLINK_ROUTE) client: just enough to configure the
 * kernel side of a TAP wire and to look at it from tests.
 *
 * One request at a time: every request asks for an ACK, and the call
 * returns only when that ACK (or the error that replaces it) arrived.  A
 * kernel refusal comes back as -errno with a message that carries the
 * kernel's extended-ACK text where it gave one.
 *
 * Usage:
 *	struct nm_rtnl nl;
 *	nm_rtnl_open(&nl);
 *	int ifindex = nm_rtnl_link_index(&nl, "nmtap0");
 *	nm_rtnl_link_set_mtu(&nl, ifindex, 9000);
 *	nm_rtnl_close(&nl);
 *
 * A handle is used by one thread at a time.  All calls act in the network
 * namespace of the thread that opened the handle.
 */

#include <stdbool.h>
#include <stdint.h>

#define NM_RTNL_BUF_SIZE	32768	/* replies: a link dump entry is ~2 KiB */

struct nm_rtnl {
	int fd;
	uint32_t portid;		/* ours, assigned by the kernel */
	uint32_t seq;
	uint8_t *buf;			/* NM_RTNL_BUF_SIZE bytes for replies */
};

/* What RTM_GETLINK tells about one link. */
struct nm_rtnl_link {
	int ifindex;
	uint32_t flags;			/* IFF_* (IFF_UP, IFF_RUNNING, ...) */
	uint32_t mtu;
	uint8_t mac[6];
	bool has_mac;
	char name[16];
};

/* An address with its prefix length, parsed from "ADDR/PLEN". */
struct nm_rtnl_prefix {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];		/* network byte order, 4 or 16 bytes used */
	uint8_t plen;
};

int nm_rtnl_open(struct nm_rtnl *nl);
/* Safe on a handle that failed to open or was closed already. */
void nm_rtnl_close(struct nm_rtnl *nl);

/* 0 if name is a valid interface name in the kernel's rules (1..15 bytes,
 * no '/', ':' or whitespace, not "." or ".."), else -EINVAL with a
 * message.  Pure: touches no socket. */
int nm_rtnl_ifname_check(const char *name);

/* Parse "198.18.0.1/24" or "2001:2::1/64".  Pure.  -EINVAL on anything
 * else (missing or out-of-range prefix length, junk, spaces). */
int nm_rtnl_prefix_parse(const char *s, struct nm_rtnl_prefix *out);

/* ifindex (> 0) of the link called name; -ENODEV if there is none. */
int nm_rtnl_link_index(struct nm_rtnl *nl, const char *name);
int nm_rtnl_link_get(struct nm_rtnl *nl, int ifindex, struct nm_rtnl_link *out);
int nm_rtnl_link_set_mtu(struct nm_rtnl *nl, int ifindex, uint32_t mtu);
int nm_rtnl_link_set_up(struct nm_rtnl *nl, int ifindex, bool up);
int nm_rtnl_link_set_mac(struct nm_rtnl *nl, int ifindex, const uint8_t mac[6]);

/* Add (or replace) an address on a link.  ifa_flags: IFA_F_* such as
 * IFA_F_NODAD (skip IPv6 duplicate address detection). */
int nm_rtnl_addr_add(struct nm_rtnl *nl, int ifindex,
		     const struct nm_rtnl_prefix *p, uint32_t ifa_flags);

/* The type (RTN_UNICAST, RTN_LOCAL, ...) of the route the kernel would
 * use to reach addr (family AF_INET/AF_INET6, 4 or 16 bytes).  RTN_LOCAL
 * means the kernel accepts packets for addr.  -ENETUNREACH or similar if
 * there is no route. */
int nm_rtnl_route_type(struct nm_rtnl *nl, int family, const void *addr);

/* Neighbour entries (ARP / NDP cache).  family: AF_INET or AF_INET6, addr
 * 4 or 16 bytes in network order.  add installs a permanent entry, so the
 * kernel sends to addr without resolving it.  get returns -ENOENT if the
 * kernel has no entry; mac is left alone when the entry has no link-layer
 * address yet (state NUD_INCOMPLETE); state is NUD_*. */
int nm_rtnl_neigh_add(struct nm_rtnl *nl, int ifindex, int family,
		      const void *addr, const uint8_t mac[6]);
int nm_rtnl_neigh_get(struct nm_rtnl *nl, int ifindex, int family,
		      const void *addr, uint8_t mac[6], uint16_t *state);

#endif /* NM_NIC_RTNL_H */
