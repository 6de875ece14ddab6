/* SPDX-License-Identifier: MIT */
#ifndef NM_T_NL_H
#define NM_T_NL_H

/*
 * Netlink requests for the tests of the emulated families (nl_sock.h) and
 * of the kernel's, with one helper for both: a struct t_nl is either an
 * emulated socket (t_nl_open) or a real kernel netlink socket
 * (t_nl_open_kernel), so one test sends the same bytes to each and
 * compares the answers (the kernel as the oracle).
 *
 *	struct nlmsghdr *m = t_nl_genl(&n, family, CMD, NLM_F_REQUEST | NLM_F_ACK);
 *	mnl_attr_put_u32(m, ATTR, v);
 *	int err = t_nl_do(&n, m);	// 0, or the ack's -errno; n.msg, n.offs,
 *					// n.miss_type: the extack; n.reply: the answer
 *	int count = t_nl_dump(&n, m, fn, arg);
 */
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <stdbool.h>
#include <stdint.h>

struct nm_nl_sock;

struct t_nl {
	struct nm_nl_sock *s;		/* emulated, or NULL */
	int fd;				/* kernel socket, or -1 */
	uint32_t seq;
	uint8_t req[8192];
	uint8_t rx[65536];
	/* the last answer */
	const struct nlmsghdr *reply;	/* the last non-ack message, or NULL */
	uint8_t reply_buf[8192];
	char msg[256];			/* NLMSGERR_ATTR_MSG */
	uint32_t offs;			/* NLMSGERR_ATTR_OFFS (0: none) */
	uint32_t miss_type, miss_nest;
	uint16_t ack_flags;		/* the NLMSG_ERROR's nlmsg_flags */
	uint32_t ack_len;		/* its nlmsg_len */
};

void t_nl_open(struct t_nl *n, int protocol);	/* NETLINK_EXT_ACK on */
/* A kernel netlink socket (false when the kernel refuses one). */
bool t_nl_open_kernel(struct t_nl *n, int protocol);
void t_nl_close(struct t_nl *n);
/* Send len raw bytes. */
void t_nl_send(struct t_nl *n, const void *p, size_t len);
/* The next datagram (-EAGAIN: none within 2 s for a kernel socket). */
ssize_t t_nl_recv(struct t_nl *n, void *buf, size_t len);
/* A generic netlink request in n->req. */
struct nlmsghdr *t_nl_genl(struct t_nl *n, uint16_t family, uint8_t cmd, uint16_t flags);
/* A request of another protocol (its fixed header of hdrlen bytes zeroed). */
struct nlmsghdr *t_nl_msg(struct t_nl *n, uint16_t type, uint16_t flags, size_t hdrlen);
/* Send m, read until its ack (or, without NLM_F_ACK, its answer or error).
 * 0 or the ack's error. */
int t_nl_do(struct t_nl *n, struct nlmsghdr *m);
/* Send m (a dump), call fn on every message until NLMSG_DONE; returns the
 * count, or the error of an NLMSG_ERROR. */
int t_nl_dump(struct t_nl *n, struct nlmsghdr *m,
	      void (*fn)(const struct nlmsghdr *m, void *arg), void *arg);
/* The id of a generic netlink family through n (0: none). */
uint16_t t_nl_family(struct t_nl *n, const char *name);
/* ETHTOOL_A_FEATURES_WANTED naming one feature, on or off. */
void t_nl_put_feature(struct nlmsghdr *m, const char *name, bool on);
/* A bind-rx of RX queue q of ifindex to dma-buf fd, asking for an ack. */
struct nlmsghdr *t_nl_bind_rx(struct t_nl *n, uint16_t family, int ifindex, int fd, uint32_t q);
/* The id of a generic netlink family's multicast group (0: none). */
uint32_t t_nl_mcgrp(struct t_nl *n, const char *family, const char *group);
/* The u32 attribute type of m's attributes after hdrlen bytes (-1: absent). */
int64_t t_nl_attr_u32(const struct nlmsghdr *m, size_t hdrlen, uint16_t type);

/*
 * Bytes against emulated netlink sockets, for the fuzz harness
 * (fuzz/fuzz_nl.c) and the randomized test (t_ctl_nl_random): the input
 * is a configuration byte, then operations: send a run of bytes (one
 * sendmsg), receive (length, MSG_PEEK/MSG_TRUNC), drain, set an option,
 * close and reopen a socket (in the middle of a dump), switch sockets.
 * Oracles, after every operation: the socket's invariants
 * (nm_nl_sock_check()); every datagram is whole messages; every
 * NLMSG_ERROR an errno; and, at each drain, every message that asked for
 * an ack (or started a dump) was answered by an NLMSG_ERROR or
 * NLMSG_DONE.  The kernel channel is off (nothing reaches the kernel:
 * requests that are not netmem's are refused), the interface is shown
 * as T_NLF_IFINDEX, families "netdev" and "ethtool" are 1008 and 1009.
 */
#define T_NLF_IFINDEX	1000000
#define T_NLF_NETDEV	1008
#define T_NLF_ETHTOOL	1009
enum { T_NLF_SEND, T_NLF_RECV, T_NLF_DRAIN, T_NLF_OPT, T_NLF_REOPEN, T_NLF_SWITCH, T_NLF_MAX };
void t_nlf_run(const uint8_t *data, size_t size);
/* What the runs so far saw: datagrams, NLMSG_ERRORs with an errno,
 * NLMSG_DONEs, other messages (answers). */
struct t_nlf_stats {
	long dgrams, errors, dones, answers;
};
extern struct t_nlf_stats t_nlf_stats;
/* Seed-writing helpers: an operation of the format. */
struct t_nlf_out {
	size_t n;
	uint8_t b[16384];
};
void t_nlf_op_send(struct t_nlf_out *o, const void *msg, size_t len);
void t_nlf_op(struct t_nlf_out *o, uint8_t op, uint16_t a, uint8_t b);

#endif
