/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink client: links, addresses and neighbours of the kernel side of a
 * TAP wire (see rtnl.h for the calls).
 *
 * Invariants:
 *  1. One request is in flight per handle.  Each carries NLM_F_ACK and a
 *     fresh sequence number; the call returns after the kernel's ACK or
 *     error for that sequence number.  Messages with another sequence
 *     number (left over from a request that timed out) are skipped.
 *  2. A GET request's reply is parsed as it arrives (the ACK comes in a
 *     second datagram that reuses the receive buffer).
 *  3. The kernel's error is returned as is (-errno); the message names the
 *     operation and carries the kernel's extended-ACK text if it gave one.
 *
 * Workload: a handful of requests when a wire is opened, plus tests.
 * Nothing here is on a data path; clarity wins over speed.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "nic/rtnl.h"
#include "util/err.h"

#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED	0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS	0x200
#endif

#define NM_RTNL_TIMEOUT_S	5	/* the kernel answers at once; this is a safety net */
#define NM_RTNL_REQ_SIZE	512	/* our largest request is ~100 bytes */

struct nm_rtnl_req {
	union {
		struct nlmsghdr h;
		uint8_t b[NM_RTNL_REQ_SIZE];
	} u;
	bool overflow;
};

/* Called for every reply message of the wanted type. */
typedef int (*nm_rtnl_parse_fn)(const struct nlmsghdr *h, void *arg);

/* ---- pure helpers ---------------------------------------------------- */

int nm_rtnl_ifname_check(const char *name)
{
	size_t len, i;

	if (!name)
		return nm_err(EINVAL, "ifname is NULL");
	len = strnlen(name, IFNAMSIZ);
	if (len == 0)
		return nm_err(EINVAL, "ifname is empty");
	if (len >= IFNAMSIZ)
		return nm_err(EINVAL, "ifname '%.20s...' is longer than %d bytes", name,
			      IFNAMSIZ - 1);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return nm_err(EINVAL, "ifname '%s' is not allowed", name);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/' || c == ':' || isspace(c) || !isprint(c))
			return nm_err(EINVAL, "ifname '%s': character %zu (0x%02x) is not allowed",
				      name, i, c);
	}
	return 0;
}

int nm_rtnl_prefix_parse(const char *s, struct nm_rtnl_prefix *out)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash, *p;
	unsigned long plen = 0;
	size_t alen = 0;
	int maxlen;

	if (!s || !out)
		return nm_err(EINVAL, "prefix_parse: %s is NULL", !s ? "string" : "out");
	slash = strchr(s, '/');
	if (!slash)
		return nm_err(EINVAL, "address '%s' lacks a /prefix-length", s);
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(addr))
		return nm_err(EINVAL, "address '%s': bad address part", s);
	memcpy(addr, s, alen);
	addr[alen] = '\0';

	memset(out, 0, sizeof(*out));
	out->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(out->family, addr, out->addr) != 1)
		return nm_err(EINVAL, "address '%s': '%s' is not an IPv%c address", s, addr,
			      out->family == AF_INET ? '4' : '6');

	/* Digits only: strtoul would accept spaces, signs and hex. */
	p = slash + 1;
	if (*p == '\0' || strlen(p) > 3)
		return nm_err(EINVAL, "address '%s': bad prefix length", s);
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return nm_err(EINVAL, "address '%s': bad prefix length", s);
		plen = plen * 10 + (unsigned long)(*p - '0');
	}
	maxlen = out->family == AF_INET ? 32 : 128;
	if (plen > (unsigned long)maxlen)
		return nm_err(EINVAL, "address '%s': prefix length %lu > %d", s, plen, maxlen);
	out->plen = (uint8_t)plen;
	return 0;
}

/* ---- request building ------------------------------------------------ */

static void *nm_rtnl_req_init(struct nm_rtnl_req *r, uint16_t type, uint16_t flags,
			      size_t fixed)
{
	memset(r, 0, sizeof(*r));
	r->u.h.nlmsg_len = NLMSG_LENGTH(fixed);
	r->u.h.nlmsg_type = type;
	r->u.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return NLMSG_DATA(&r->u.h);
}

static void nm_rtnl_req_put(struct nm_rtnl_req *r, uint16_t type, const void *data,
			    size_t len)
{
	size_t off = NLMSG_ALIGN(r->u.h.nlmsg_len);
	struct rtattr *rta;

	if (off + RTA_SPACE(len) > sizeof(r->u.b)) {
		r->overflow = true;
		return;
	}
	rta = (struct rtattr *)(r->u.b + off);
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->u.h.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
}

static void nm_rtnl_req_put_u32(struct nm_rtnl_req *r, uint16_t type, uint32_t v)
{
	nm_rtnl_req_put(r, type, &v, sizeof(v));
}

/* ---- the exchange ---------------------------------------------------- */

/* The kernel's extended-ACK message in an NLMSG_ERROR, or NULL. */
static const char *nm_rtnl_extack_msg(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = NLMSG_LENGTH(sizeof(*e));
	const struct rtattr *rta;
	int left;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	/* Without NLM_F_CAPPED the request follows the error header. */
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - sizeof(struct nlmsghdr);
	if (off >= h->nlmsg_len)
		return NULL;
	rta = (const struct rtattr *)((const uint8_t *)h + off);
	left = (int)(h->nlmsg_len - off);
	for (; RTA_OK(rta, left); rta = RTA_NEXT(rta, left)) {
		if (rta->rta_type == NLMSGERR_ATTR_MSG && RTA_PAYLOAD(rta) > 0) {
			const char *msg = RTA_DATA(rta);

			/* Must be NUL-terminated inside the attribute. */
			if (memchr(msg, '\0', RTA_PAYLOAD(rta)))
				return msg;
		}
	}
	return NULL;
}

/* Send r, hand every reply of type want to parse, wait for the ACK. */
static int nm_rtnl_transact(struct nm_rtnl *nl, struct nm_rtnl_req *r, uint16_t want,
			    nm_rtnl_parse_fn parse, void *arg, const char *what)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	bool got_reply = false;
	ssize_t n;

	if (r->overflow)
		return nm_err(EMSGSIZE, "rtnl: %s: request too large", what);
	r->u.h.nlmsg_seq = ++nl->seq;
	r->u.h.nlmsg_pid = 0;
	do {
		n = sendto(nl->fd, r->u.b, r->u.h.nlmsg_len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return nm_err_sys(errno, "rtnl: %s: sendto", what);

	for (;;) {
		struct nlmsghdr *h;
		int left;

		n = recv(nl->fd, nl->buf, NM_RTNL_BUF_SIZE, MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return nm_err(ETIMEDOUT, "rtnl: %s: no answer in %d s", what,
					      NM_RTNL_TIMEOUT_S);
			return nm_err_sys(errno, "rtnl: %s: recv", what);
		}
		if (n > NM_RTNL_BUF_SIZE)
			return nm_err(EMSGSIZE, "rtnl: %s: reply of %zd bytes truncated", what, n);

		left = (int)n;
		for (h = (struct nlmsghdr *)nl->buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != nl->seq || h->nlmsg_pid != nl->portid)
				continue;	/* a stale answer (invariant 1) */
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				const char *ext;

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return nm_err(EPROTO, "rtnl: %s: short error message", what);
				if (e->error == 0) {
					if (want && !got_reply)
						return nm_err(EPROTO, "rtnl: %s: ACK without reply",
							      what);
					return 0;
				}
				ext = nm_rtnl_extack_msg(h);
				/* the kernel's errno, with its extack text if any */
				return ext ? nm_err_sys(-e->error, "rtnl: %s: %s", what, ext)
					   : nm_err_sys(-e->error, "rtnl: %s", what);
			}
			if (want && h->nlmsg_type == want && !got_reply) {
				int err = parse(h, arg);

				if (err < 0)
					return err;
				got_reply = true;
			}
		}
	}
}

/* ---- handle ------------------------------------------------------------ */

int nm_rtnl_open(struct nm_rtnl *nl)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NM_RTNL_TIMEOUT_S };
	socklen_t alen = sizeof(local);
	int one = 1, err;

	if (!nl)
		return nm_err(EINVAL, "rtnl_open: handle is NULL");
	memset(nl, 0, sizeof(*nl));
	nl->fd = -1;
	nl->buf = malloc(NM_RTNL_BUF_SIZE);
	if (!nl->buf)
		return nm_err(ENOMEM, "rtnl_open: no memory for the receive buffer");

	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0) {
		err = nm_err_sys(errno, "rtnl: socket(NETLINK_ROUTE)");
		goto err_free_buf;
	}
	/* Best effort: older kernels lack them and still work. */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		err = nm_err_sys(errno, "rtnl: setsockopt SO_RCVTIMEO");
		goto err_close_fd;
	}
	if (bind(nl->fd, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    getsockname(nl->fd, (struct sockaddr *)&local, &alen) < 0) {
		err = nm_err_sys(errno, "rtnl: bind");
		goto err_close_fd;
	}
	nl->portid = local.nl_pid;
	return 0;

err_close_fd:
	close(nl->fd);
	nl->fd = -1;
err_free_buf:
	free(nl->buf);
	nl->buf = NULL;
	return err;
}

void nm_rtnl_close(struct nm_rtnl *nl)
{
	if (!nl)
		return;
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
	free(nl->buf);
	nl->buf = NULL;
}

static int nm_rtnl_check(const struct nm_rtnl *nl, int ifindex, const char *fn)
{
	if (!nl || !nl->buf || nl->fd < 0)
		return nm_err(EINVAL, "%s: rtnl handle is %s", fn, !nl ? "NULL" : "not open");
	if (ifindex <= 0)
		return nm_err(EINVAL, "%s: ifindex %d is not valid", fn, ifindex);
	return 0;
}

/* ---- links --------------------------------------------------------------- */

static int nm_rtnl_parse_link(const struct nlmsghdr *h, void *arg)
{
	struct nm_rtnl_link *l = arg;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	const struct rtattr *rta;
	int left;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return nm_err(EPROTO, "rtnl: short link message");
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	left = (int)IFLA_PAYLOAD(h);
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, left); rta = RTA_NEXT(rta, left)) {
		size_t plen = RTA_PAYLOAD(rta);

		switch (rta->rta_type) {
		case IFLA_MTU:
			if (plen >= sizeof(uint32_t))
				memcpy(&l->mtu, RTA_DATA(rta), sizeof(uint32_t));
			break;
		case IFLA_ADDRESS:
			if (plen == sizeof(l->mac)) {
				memcpy(l->mac, RTA_DATA(rta), sizeof(l->mac));
				l->has_mac = true;
			}
			break;
		case IFLA_IFNAME:
			memcpy(l->name, RTA_DATA(rta), plen < sizeof(l->name) ? plen : sizeof(l->name) - 1);
			break;
		}
	}
	return 0;
}

int nm_rtnl_link_get(struct nm_rtnl *nl, int ifindex, struct nm_rtnl_link *out)
{
	struct nm_rtnl_req r;
	struct ifinfomsg *ifi;
	int err;

	err = nm_rtnl_check(nl, ifindex, "rtnl_link_get");
	if (err)
		return err;
	if (!out)
		return nm_err(EINVAL, "rtnl_link_get: out is NULL");
	ifi = nm_rtnl_req_init(&r, RTM_GETLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	nm_rtnl_req_put_u32(&r, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nm_rtnl_transact(nl, &r, RTM_NEWLINK, nm_rtnl_parse_link, out, "get link");
}

int nm_rtnl_link_index(struct nm_rtnl *nl, const char *name)
{
	struct nm_rtnl_link l;
	struct nm_rtnl_req r;
	struct ifinfomsg *ifi;
	char what[48];
	int err;

	err = nm_rtnl_check(nl, 1, "rtnl_link_index");
	if (err)
		return err;
	err = nm_rtnl_ifname_check(name);
	if (err)
		return err;
	ifi = nm_rtnl_req_init(&r, RTM_GETLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	nm_rtnl_req_put(&r, IFLA_IFNAME, name, strlen(name) + 1);
	nm_rtnl_req_put_u32(&r, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	snprintf(what, sizeof(what), "link '%s'", name);
	err = nm_rtnl_transact(nl, &r, RTM_NEWLINK, nm_rtnl_parse_link, &l, what);
	if (err)
		return err;
	if (l.ifindex <= 0)
		return nm_err(EPROTO, "rtnl: %s: kernel returned ifindex %d", what, l.ifindex);
	return l.ifindex;
}

/* RTM_SETLINK on ifindex with flags/change and at most one attribute. */
static int nm_rtnl_link_set(struct nm_rtnl *nl, int ifindex, unsigned flags, unsigned change,
			    uint16_t attr, const void *data, size_t len, const char *what)
{
	struct nm_rtnl_req r;
	struct ifinfomsg *ifi;

	ifi = nm_rtnl_req_init(&r, RTM_SETLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	if (data)
		nm_rtnl_req_put(&r, attr, data, len);
	return nm_rtnl_transact(nl, &r, 0, NULL, NULL, what);
}

int nm_rtnl_link_set_mtu(struct nm_rtnl *nl, int ifindex, uint32_t mtu)
{
	char what[48];
	int err;

	err = nm_rtnl_check(nl, ifindex, "rtnl_link_set_mtu");
	if (err)
		return err;
	if (mtu == 0)
		return nm_err(EINVAL, "rtnl_link_set_mtu: mtu 0");
	snprintf(what, sizeof(what), "set mtu %u on ifindex %d", mtu, ifindex);
	return nm_rtnl_link_set(nl, ifindex, 0, 0, IFLA_MTU, &mtu, sizeof(mtu), what);
}

int nm_rtnl_link_set_up(struct nm_rtnl *nl, int ifindex, bool up)
{
	char what[48];
	int err;

	err = nm_rtnl_check(nl, ifindex, "rtnl_link_set_up");
	if (err)
		return err;
	snprintf(what, sizeof(what), "set ifindex %d %s", ifindex, up ? "up" : "down");
	return nm_rtnl_link_set(nl, ifindex, up ? IFF_UP : 0, IFF_UP, 0, NULL, 0, what);
}

int nm_rtnl_link_set_mac(struct nm_rtnl *nl, int ifindex, const uint8_t mac[6])
{
	char what[48];
	int err;

	err = nm_rtnl_check(nl, ifindex, "rtnl_link_set_mac");
	if (err)
		return err;
	if (!mac)
		return nm_err(EINVAL, "rtnl_link_set_mac: mac is NULL");
	if (mac[0] & 1)
		return nm_err(EINVAL, "rtnl_link_set_mac: %02x:..: is a multicast address", mac[0]);
	snprintf(what, sizeof(what), "set mac on ifindex %d", ifindex);
	return nm_rtnl_link_set(nl, ifindex, 0, 0, IFLA_ADDRESS, mac, 6, what);
}

/* ---- addresses ----------------------------------------------------------- */

int nm_rtnl_addr_add(struct nm_rtnl *nl, int ifindex, const struct nm_rtnl_prefix *p,
		     uint32_t ifa_flags)
{
	struct nm_rtnl_req r;
	struct ifaddrmsg *ifa;
	char what[80], str[INET6_ADDRSTRLEN];
	size_t alen = 0;
	int err;

	err = nm_rtnl_check(nl, ifindex, "rtnl_addr_add");
	if (err)
		return err;
	if (!p)
		return nm_err(EINVAL, "rtnl_addr_add: prefix is NULL");
	if (p->family != AF_INET && p->family != AF_INET6)
		return nm_err(EINVAL, "rtnl_addr_add: family %d is not AF_INET/AF_INET6", p->family);
	alen = p->family == AF_INET ? 4 : 16;
	if (p->plen > alen * 8)
		return nm_err(EINVAL, "rtnl_addr_add: prefix length %u > %zu", p->plen, alen * 8);

	ifa = nm_rtnl_req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)p->family;
	ifa->ifa_prefixlen = p->plen;
	ifa->ifa_flags = (uint8_t)ifa_flags;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	nm_rtnl_req_put(&r, IFA_LOCAL, p->addr, alen);
	nm_rtnl_req_put(&r, IFA_ADDRESS, p->addr, alen);
	if (p->family == AF_INET && p->plen < 31) {
		/* Like `ip addr add ... brd +`: host bits all ones. */
		uint32_t a, mask = p->plen ? htonl(~0u << (32 - p->plen)) : 0;

		memcpy(&a, p->addr, 4);
		a |= ~mask;
		nm_rtnl_req_put(&r, IFA_BROADCAST, &a, 4);
	}
	if (ifa_flags)
		nm_rtnl_req_put_u32(&r, IFA_FLAGS, ifa_flags);

	inet_ntop(p->family, p->addr, str, sizeof(str));
	snprintf(what, sizeof(what), "add address %s/%u to ifindex %d", str, p->plen, ifindex);
	return nm_rtnl_transact(nl, &r, 0, NULL, NULL, what);
}

/* ---- routes -------------------------------------------------------------- */

static int nm_rtnl_parse_route(const struct nlmsghdr *h, void *arg)
{
	const struct rtmsg *rtm = NLMSG_DATA(h);

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return nm_err(EPROTO, "rtnl: short route message");
	*(int *)arg = rtm->rtm_type;
	return 0;
}

int nm_rtnl_route_type(struct nm_rtnl *nl, int family, const void *addr)
{
	struct nm_rtnl_req r;
	struct rtmsg *rtm;
	char what[80], str[INET6_ADDRSTRLEN];
	size_t alen;
	int err, type = -1;

	err = nm_rtnl_check(nl, 1, "rtnl_route_type");
	if (err)
		return err;
	if (family != AF_INET && family != AF_INET6)
		return nm_err(EINVAL, "rtnl_route_type: family %d is not AF_INET/AF_INET6", family);
	if (!addr)
		return nm_err(EINVAL, "rtnl_route_type: addr is NULL");
	alen = family == AF_INET ? 4 : 16;
	rtm = nm_rtnl_req_init(&r, RTM_GETROUTE, 0, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)(alen * 8);
	nm_rtnl_req_put(&r, RTA_DST, addr, alen);
	inet_ntop(family, addr, str, sizeof(str));
	snprintf(what, sizeof(what), "route to %s", str);
	err = nm_rtnl_transact(nl, &r, RTM_NEWROUTE, nm_rtnl_parse_route, &type, what);
	return err ? err : type;
}

/* ---- neighbours ---------------------------------------------------------- */

static int nm_rtnl_neigh_args(struct nm_rtnl *nl, int ifindex, int family, const void *addr,
			      const char *fn, size_t *alen)
{
	int err = nm_rtnl_check(nl, ifindex, fn);

	if (err)
		return err;
	if (family != AF_INET && family != AF_INET6)
		return nm_err(EINVAL, "%s: family %d is not AF_INET/AF_INET6", fn, family);
	if (!addr)
		return nm_err(EINVAL, "%s: addr is NULL", fn);
	*alen = family == AF_INET ? 4 : 16;
	return 0;
}

int nm_rtnl_neigh_add(struct nm_rtnl *nl, int ifindex, int family, const void *addr,
		      const uint8_t mac[6])
{
	struct nm_rtnl_req r;
	struct ndmsg *nd;
	char what[80], str[INET6_ADDRSTRLEN];
	size_t alen = 0;
	int err;

	err = nm_rtnl_neigh_args(nl, ifindex, family, addr, "rtnl_neigh_add", &alen);
	if (err)
		return err;
	if (!mac)
		return nm_err(EINVAL, "rtnl_neigh_add: mac is NULL");
	nd = nm_rtnl_req_init(&r, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*nd));
	nd->ndm_family = (uint8_t)family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_PERMANENT;
	nm_rtnl_req_put(&r, NDA_DST, addr, alen);
	nm_rtnl_req_put(&r, NDA_LLADDR, mac, 6);
	inet_ntop(family, addr, str, sizeof(str));
	snprintf(what, sizeof(what), "add neighbour %s on ifindex %d", str, ifindex);
	return nm_rtnl_transact(nl, &r, 0, NULL, NULL, what);
}

struct nm_rtnl_neigh_out {
	uint8_t *mac;
	uint16_t *state;
};

static int nm_rtnl_parse_neigh(const struct nlmsghdr *h, void *arg)
{
	struct nm_rtnl_neigh_out *o = arg;
	const struct ndmsg *nd = NLMSG_DATA(h);
	const struct rtattr *rta;
	int left;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*nd)))
		return nm_err(EPROTO, "rtnl: short neighbour message");
	if (o->state)
		*o->state = nd->ndm_state;
	left = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
	for (rta = (const struct rtattr *)((const uint8_t *)nd + NLMSG_ALIGN(sizeof(*nd)));
	     RTA_OK(rta, left); rta = RTA_NEXT(rta, left)) {
		if (rta->rta_type == NDA_LLADDR && RTA_PAYLOAD(rta) == 6 && o->mac)
			memcpy(o->mac, RTA_DATA(rta), 6);
	}
	return 0;
}

int nm_rtnl_neigh_get(struct nm_rtnl *nl, int ifindex, int family, const void *addr,
		      uint8_t mac[6], uint16_t *state)
{
	struct nm_rtnl_neigh_out o = { .mac = mac, .state = state };
	struct nm_rtnl_req r;
	struct ndmsg *nd;
	char what[80], str[INET6_ADDRSTRLEN];
	size_t alen = 0;
	int err;

	err = nm_rtnl_neigh_args(nl, ifindex, family, addr, "rtnl_neigh_get", &alen);
	if (err)
		return err;
	nd = nm_rtnl_req_init(&r, RTM_GETNEIGH, 0, sizeof(*nd));
	nd->ndm_family = (uint8_t)family;
	nd->ndm_ifindex = ifindex;
	nm_rtnl_req_put(&r, NDA_DST, addr, alen);
	inet_ntop(family, addr, str, sizeof(str));
	snprintf(what, sizeof(what), "get neighbour %s on ifindex %d", str, ifindex);
	return nm_rtnl_transact(nl, &r, RTM_NEWNEIGH, nm_rtnl_parse_neigh, &o, what);
}
