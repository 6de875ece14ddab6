/* SPDX-License-Identifier: MIT */
#ifndef NM_CTL_NL_INTERNAL_H
#define NM_CTL_NL_INTERNAL_H

/*
 * Inside the emulated netlink sockets (nl_sock.h): one request being
 * answered (struct nl_req), its extack, the replies it builds, and the
 * families' handlers.  Files:
 *
 *	nl_sock.c	the socket: sending (splitting into messages, acks,
 *			errors), the receive queue, dumps, options, close
 *	nl_view.c	which netdevs the program sees, under which ifindex
 *	nl_attr.c	attribute policies (the kernel's validation, its
 *			messages), building replies
 *	nl_kernel.c	the kernel channel: passthrough, merged dumps, the
 *			kernel's family ids
 *	nl_genl.c	NETLINK_GENERIC: nlctrl, dispatch by family
 *	nl_netdev.c	the netdev family
 *	nl_ethtool.c	the ethtool family
 *	nl_route.c	NETLINK_ROUTE: RTM_GETLINK, RTM_GETADDR
 *	nl_notify.c	multicast notifications to member sockets
 */

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "ctl/nl_sock.h"
#include "ctl/nl_uapi.h"

struct nm_ctl;
struct nm_netdev;

/* A growing run of whole netlink messages (a dump's, or a reply's). */
struct nl_buf {
	uint8_t *p;
	size_t len, cap;
};

struct nm_nl_sock {
	int protocol;
	uint32_t portid;
	uint32_t groups;		/* bind()'s legacy mask */
	uint64_t mcast[16];		/* member groups (ids < 1024) */
	bool ext_ack, cap_ack, strict, no_enobufs;
	bool overrun;			/* a datagram dropped: -ENOBUFS once */
	struct nm_nl_dgq q;		/* the receive queue */
	struct nl_buf dump;		/* a dump's messages not yet received */
	size_t dump_off;		/* ... from here */
	bool dumping;
	size_t max_recvmsg_len;		/* the kernel sizes dump datagrams by it */
	bool recv_size_set;		/* ... set by the program's helper only */
	struct nm_ctl *ctl;		/* the bindings it made (first bind) */
	nm_nl_dmabuf_fn dmabuf_fn;
	void *dmabuf_arg;
	int kfd;			/* the kernel channel, -1 until needed */
	bool kdumping;			/* a kernel dump goes on in kfd: its
					 * datagrams feed dump as it drains */
	struct nm_nl_sock *next;	/* every open socket (notifications) */
};

/* One request being answered. */
struct nl_req {
	struct nm_nl_sock *s;
	const struct nlmsghdr *nlh;	/* the request, whole and checked */
	bool dump;			/* NLM_F_DUMP */
	bool multi;			/* a dump's messages say NLM_F_MULTI (the
					 * netdev family's, made by genlmsg_iput(),
					 * do not) */
	/* the extack of the error ack */
	const char *msg;
	char msgbuf[160];
	const void *bad;		/* the attribute (inside nlh) at fault */
	uint32_t miss_type;		/* a required attribute missing (0: none) */
	const void *miss_nest;
	/* a do's reply (one message), or a dump's messages */
	struct nl_buf *out;
};

/* ---- nl_sock.c -------------------------------------------------------------------- */

/* Start a reply message in r's output (type, flags; NLM_F_MULTI added for
 * a dump), of at most room bytes.  NULL on -ENOMEM. */
struct nlmsghdr *nl_put(struct nl_req *r, uint16_t type, uint16_t flags, size_t room);
/* The message nl_put() started is complete (or dropped: nl_cancel). */
void nl_end(struct nl_req *r, struct nlmsghdr *nlh);
void nl_cancel(struct nl_req *r, struct nlmsghdr *nlh);
/* Append raw whole messages (the kernel's part of a merged dump). */
int nl_buf_add(struct nl_buf *b, const void *p, size_t len);
void nl_buf_free(struct nl_buf *b);
/* Queue a datagram for s as is (its messages already addressed). */
int nl_queue(struct nm_nl_sock *s, const void *p, size_t len);
/* Every open socket, for notifications. */
struct nm_nl_sock *nl_socks(void);
bool nl_member(const struct nm_nl_sock *s, uint32_t group);

/* The extack: a message (printf-style: copied), the attribute at fault. */
int nl_fail(struct nl_req *r, int err, const void *bad, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A refusal of the library below: its message (nm_last_error(), without
 * the public call's name in front) as the extack. */
int nl_fail_lib(struct nl_req *r, int err, const void *bad);
/* A required attribute missing (NLMSGERR_ATTR_MISS_TYPE/_NEST): -EINVAL. */
int nl_missing(struct nl_req *r, const void *nest, uint16_t type);

/* ---- nl_attr.c: policies ---------------------------------------------------------- */

enum nl_kind { NLK_NONE = 0, NLK_U8, NLK_U16, NLK_U32, NLK_U64, NLK_UINT, NLK_S32,
	       NLK_STR, NLK_NEST, NLK_FLAG, NLK_BINARY, NLK_BITFIELD32, NLK_NUL_STR };
/* NLK_STR is the kernel's NLA_STRING: its NUL may be missing, so read it
 * with nl_strscpy(), never as a C string.  NLK_NUL_STR (NLA_NUL_STRING)
 * holds a NUL within max + 1 bytes: mnl_attr_get_str() is safe on it. */
struct nl_pol {
	uint8_t kind;
	uint32_t min, max;		/* NLK_U32 range (max 0: none); STR max length */
};
/* Parse the attributes at p (len bytes) into tb[0..maxtype] by pol: the
 * kernel's strict validation, its extack messages, -EINVAL.  Unknown types
 * are refused when strict (new families) and skipped otherwise. */
int nl_parse(struct nl_req *r, const void *p, size_t len, const struct nl_pol *pol,
	     uint16_t maxtype, bool strict, const struct nlattr **tb);
int nl_parse_nested(struct nl_req *r, const struct nlattr *nest, const struct nl_pol *pol,
		    uint16_t maxtype, bool strict, const struct nlattr **tb);
/* A string attribute into dst (size bytes, always terminated), up to its
 * first NUL or its end, as nla_strscpy(): -E2BIG when cut. */
int nl_strscpy(char *dst, const struct nlattr *a, size_t size);
/* The attributes of a generic netlink request (after its genlmsghdr). */
static inline const void *nl_genl_attrs(const struct nlmsghdr *nlh, size_t *len)
{
	size_t hl = NLMSG_HDRLEN + NLMSG_ALIGN(GENL_HDRLEN);

	*len = nlh->nlmsg_len > hl ? nlh->nlmsg_len - hl : 0;
	return (const uint8_t *)nlh + hl;
}

/* ---- nl_kernel.c: the kernel channel ---------------------------------------------- */

/* Send the request to the kernel and queue its replies for s (portid
 * rewritten), as if the kernel had answered s itself: a do's at once; a
 * dump is started (s->kdumping) and read by nl_kernel_dump_read().  0 or
 * -errno (no channel: the caller answers with an error). */
int nl_kernel_pass(struct nm_nl_sock *s, const struct nlmsghdr *nlh);
/* The running kernel dump's next datagram's messages (portid rewritten)
 * appended to into: 1 when they end the dump, 0 when more follow, or
 * -errno when the dump is lost (the channel is closed with what it held;
 * kdumping is false after 1 or an error). */
int nl_kernel_dump_read(struct nm_nl_sock *s, struct nl_buf *into);
/* A dump: the kernel's messages (without its NLMSG_DONE) into out, its
 * final error in *done_err.  0 or -errno. */
int nl_kernel_dump(struct nm_nl_sock *s, const struct nlmsghdr *nlh, struct nl_buf *out,
		   int *done_err);
void nl_kernel_close(struct nm_nl_sock *s);
/* The kernel channel is on (nm_nl_set_kernel()). */
bool nl_kernel_on(void);
/* The kernel's id of a generic netlink family (0: the kernel has none). */
uint16_t nl_kernel_family(const char *name, uint32_t *mcgrp_ids, const char *const *mcgrps,
			  int n_mcgrps);

/* ---- families ----------------------------------------------------------------------- */

/* Each answers r (a do or a dump) and returns 0 (replies built), 1 (not
 * netmem's: pass to the kernel), or -errno (the extack in r). */
int nl_genl_rcv(struct nl_req *r);
int nl_route_rcv(struct nl_req *r);
int nl_netdev_rcv(struct nl_req *r, uint8_t cmd);
int nl_ethtool_rcv(struct nl_req *r, uint8_t cmd);

/* The ids this process answers the two families under (the kernel's where
 * it has them, so requests about its devices reach it). */
struct nl_families {
	uint16_t netdev, ethtool;
	uint32_t netdev_mgmt, netdev_pp;	/* multicast group ids */
	uint32_t ethtool_monitor;
};
const struct nl_families *nl_families(void);

/* Start a generic netlink reply (genlmsghdr cmd, version). */
struct nlmsghdr *nl_genl_put(struct nl_req *r, uint16_t family, uint8_t cmd, uint8_t version,
			     size_t room);

/* ---- nl_notify.c ----------------------------------------------------------------------- */

/* A notification being built: an nl_req without a request or a socket
 * (portid 0, sequence 0, as the kernel's multicasts). */
void nl_ntf_init(struct nl_req *r, struct nl_buf *out);
/* Each message of msgs, as its own datagram, to every NETLINK_GENERIC
 * socket that is a member of group. */
void nl_notify(uint32_t group, const struct nl_buf *msgs);

/* The page pools of the view's netdevs, to tell what a queue restart
 * changed (page-pool-add/del-ntf to the "page-pool" group). */
#define NL_PP_SNAP_MAX	(8 * 2 * 64)
struct nl_pp_snap {
	int n;
	struct { uint32_t id, napi; int user; } pp[NL_PP_SNAP_MAX];
};
void nl_pp_snapshot(struct nl_pp_snap *snap);
/* Notify the pools gone since before and the pools new. */
void nl_pp_notify(const struct nl_pp_snap *before);
/* dev-add-ntf / dev-del-ntf to the "mgmt" group. */
void nl_dev_notify(const struct nm_netdev *nd, int user, uint8_t cmd);

#endif
