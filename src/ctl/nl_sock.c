/* SPDX-License-Identifier: MIT */
/*
 * The emulated netlink socket (nl_sock.h): what the kernel's af_netlink.c
 * does around a family's handlers.  A sendmsg's bytes are cut into
 * messages as netlink_rcv_skb() cuts them (a header shorter than 16 bytes,
 * or a length past the end, ends the datagram silently; a message that is
 * not a request, or a control message, gets only its ack); each request
 * goes to its protocol's handler; an error, or NLM_F_ACK, gets the
 * NLMSG_ERROR ack netlink_ack() writes (the request echoed unless
 * NETLINK_CAP_ACK, the extack TLVs with NETLINK_EXT_ACK).  A dump's
 * messages are made at once and handed out one datagram per recv, sized as
 * the kernel sizes its dump skbs (the largest recv buffer seen, at least
 * NLMSG_GOODSIZE, at most 32 KiB); a dump requested while one runs is
 * -EBUSY, as netlink_dump_start() says.
 *
 * Invariants (nm_nl_sock_check()):
 *  1. The receive queue's own (nl_dgq.c).
 *  2. dumping <=> the dump buffer holds messages not handed out
 *     (dump_off < dump.len); those are whole messages, the last a
 *     NLMSG_DONE unless a kernel dump goes on (kdumping).
 *  3. Every open socket is on the registry list exactly once.
 *  4. kdumping (a kernel dump passed through, read into the dump buffer
 *     as it drains: nl_kernel.c) => the kernel channel is open.
 *
 * Workload: the control path (configuration at start-up, a few dumps).
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netmem/ctl.h>

#include "ctl/nl_internal.h"
#include "util/err.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The kernel's NLMSG_GOODSIZE on 4 KiB pages (SKB_WITH_OVERHEAD(4096)). */
#define NL_GOODSIZE	3776
#define NL_DUMP_MAX	32768
/* A sendmsg larger than the kernel's default socket send buffer allows. */
#define NL_SEND_MAX	(64u << 10)
/* The receive queue's bound: past it a datagram is dropped and the next
 * receive fails with ENOBUFS, as the kernel's full socket does (its
 * default buffer holds about 200 KiB; this is the same order, in bytes of
 * messages rather than of skbs). */
#define NL_RCVBUF	(1u << 20)

static struct nm_nl_sock *socks;

struct nm_nl_sock *nl_socks(void)
{
	return socks;
}

/* ---- buffers ------------------------------------------------------------------------- */

static int buf_reserve(struct nl_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	uint8_t *p;

	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int nl_buf_add(struct nl_buf *b, const void *p, size_t len)
{
	if (buf_reserve(b, len))
		return -ENOMEM;
	memcpy(b->p + b->len, p, len);
	b->len += len;
	return 0;
}

void nl_buf_free(struct nl_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- building replies -------------------------------------------------------------- */

struct nlmsghdr *nl_put(struct nl_req *r, uint16_t type, uint16_t flags, size_t room)
{
	struct nlmsghdr *nlh;

	if (buf_reserve(r->out, NLMSG_ALIGN(room)))
		return NULL;
	nlh = (struct nlmsghdr *)(r->out->p + r->out->len);
	memset(nlh, 0, NLMSG_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags | (r->multi ? NLM_F_MULTI : 0);
	nlh->nlmsg_seq = r->nlh ? r->nlh->nlmsg_seq : 0;
	nlh->nlmsg_pid = r->s ? r->s->portid : 0;
	return nlh;
}

void nl_end(struct nl_req *r, struct nlmsghdr *nlh)
{
	r->out->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

void nl_cancel(struct nl_req *r, struct nlmsghdr *nlh)
{
	(void)r;
	(void)nlh;		/* never counted: the next nl_put() overwrites it */
}

/* ---- the receive queue --------------------------------------------------------------- */

int nl_queue(struct nm_nl_sock *s, const void *p, size_t len)
{
	if (s->q.bytes + len > NL_RCVBUF || nm_nl_dgq_push(&s->q, p, len)) {
		s->overrun = true;
		return -ENOBUFS;
	}
	return 0;
}

/* The dump's next datagram: whole messages up to the kernel's size.  A
 * kernel dump's messages come in one kernel datagram at a time, as the
 * buffer runs out, and go out in datagrams of the program's size like
 * netmem's own (the kernel sizes its dump skbs by the program's receive
 * buffer; the channel's are always 32 KiB). */
static int dump_next(struct nm_nl_sock *s)
{
	size_t size = s->max_recvmsg_len > NL_GOODSIZE ? s->max_recvmsg_len : NL_GOODSIZE;
	size_t off, end;
	int r;

	if (!s->dumping && s->kdumping) {
		r = nl_kernel_dump_read(s, &s->dump);
		if (r < 0)
			return r;
		s->dump_off = 0;
		s->dumping = s->dump.len > 0;
		if (!s->dumping)
			return 0;
	}
	off = s->dump_off;
	end = off;

	if (size > NL_DUMP_MAX)
		size = NL_DUMP_MAX;
	while (end < s->dump.len) {
		const struct nlmsghdr *m = (const void *)(s->dump.p + end);
		size_t ml = NLMSG_ALIGN(m->nlmsg_len);

		if (end > off && end - off + ml > size)
			break;
		end += ml;
	}
	r = nl_queue(s, s->dump.p + off, end - off);
	if (r)
		return r;
	s->dump_off = end;
	if (end >= s->dump.len) {
		nl_buf_free(&s->dump);
		s->dump_off = 0;
		s->dumping = false;
	}
	return 0;
}

/* ---- the socket ------------------------------------------------------------------------ */

int nm_nl_sock_open(int protocol, struct nm_nl_sock **out)
{
	struct nm_nl_sock *s;

	if (!out)
		return nm_err(EINVAL, "NULL output");
	if (protocol != NETLINK_GENERIC && protocol != NETLINK_ROUTE)
		return nm_err(EPROTONOSUPPORT, "netlink protocol %d is not emulated", protocol);
	s = calloc(1, sizeof(*s));
	if (!s)
		return nm_err(ENOMEM, "out of memory");
	s->protocol = protocol;
	nm_nl_dgq_init(&s->q);
	s->kfd = -1;
	s->next = socks;
	socks = s;
	*out = s;
	return 0;
}

int nm_nl_sock_close(struct nm_nl_sock *s)
{
	if (!s)
		return 0;
	for (struct nm_nl_sock **p = &socks; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	/* the kernel's netdev_nl_sock_priv_destroy(): the bindings go */
	if (s->ctl) {
		struct nl_pp_snap *before = malloc(sizeof(*before));

		if (before)
			nl_pp_snapshot(before);
		nm_ctl_close(s->ctl);
		if (before)
			nl_pp_notify(before);
		free(before);
	}
	nm_nl_dgq_clear(&s->q);
	nl_buf_free(&s->dump);
	nl_kernel_close(s);
	free(s);
	return 0;
}

int nm_nl_sock_bind(struct nm_nl_sock *s, uint32_t portid, uint32_t groups)
{
	if (!s)
		return nm_err(EINVAL, "NULL socket");
	s->portid = portid;
	s->groups = groups;
	return 0;
}

uint32_t nm_nl_sock_portid(const struct nm_nl_sock *s)
{
	return s ? s->portid : 0;
}

bool nl_member(const struct nm_nl_sock *s, uint32_t group)
{
	if (group == 0 || group > 1024)
		return false;
	if (group <= 32 && (s->groups & (1u << (group - 1))))
		return true;
	return s->mcast[(group - 1) / 64] & (1ull << ((group - 1) % 64));
}

static int membership(struct nm_nl_sock *s, uint32_t group, bool on)
{
	if (!s)
		return nm_err(EINVAL, "NULL socket");
	if (group == 0 || group > 1024)
		return nm_err(EINVAL, "no multicast group %u", group);
	if (on)
		s->mcast[(group - 1) / 64] |= 1ull << ((group - 1) % 64);
	else
		s->mcast[(group - 1) / 64] &= ~(1ull << ((group - 1) % 64));
	return 0;
}

int nm_nl_sock_add_membership(struct nm_nl_sock *s, uint32_t group)
{
	return membership(s, group, true);
}

int nm_nl_sock_drop_membership(struct nm_nl_sock *s, uint32_t group)
{
	return membership(s, group, false);
}

static bool *flag_opt(struct nm_nl_sock *s, int opt)
{
	switch (opt) {
	case NETLINK_EXT_ACK:
		return &s->ext_ack;
	case NETLINK_CAP_ACK:
		return &s->cap_ack;
	case NETLINK_GET_STRICT_CHK:
		return &s->strict;
	case NETLINK_NO_ENOBUFS:
		return &s->no_enobufs;
	}
	return NULL;
}

int nm_nl_sock_setsockopt(struct nm_nl_sock *s, int opt, const void *val, size_t len)
{
	unsigned int v = 0;
	bool *f;

	if (!s)
		return nm_err(EINVAL, "NULL socket");
	if (len >= sizeof(int) && val)
		memcpy(&v, val, sizeof(v));
	else if (opt != NETLINK_PKTINFO)
		return nm_err(EINVAL, "option %d: %zu bytes", opt, len);
	if (opt == NETLINK_ADD_MEMBERSHIP)
		return nm_nl_sock_add_membership(s, v);
	if (opt == NETLINK_DROP_MEMBERSHIP)
		return nm_nl_sock_drop_membership(s, v);
	f = flag_opt(s, opt);
	if (!f)
		return -ENOPROTOOPT;
	*f = v != 0;
	return 0;
}

int nm_nl_sock_getsockopt(const struct nm_nl_sock *s, int opt, void *val, size_t *len)
{
	int v;
	bool *f;

	if (!s || !len)
		return nm_err(EINVAL, "NULL argument");
	f = flag_opt((struct nm_nl_sock *)s, opt);
	if (!f)
		return -ENOPROTOOPT;
	if (*len < sizeof(int))
		return nm_err(EINVAL, "option %d: %zu bytes", opt, *len);
	v = *f;
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

void nm_nl_sock_set_dmabuf_lookup(struct nm_nl_sock *s, nm_nl_dmabuf_fn fn, void *arg)
{
	if (s) {
		s->dmabuf_fn = fn;
		s->dmabuf_arg = arg;
	}
}

/* ---- the extack ----------------------------------------------------------------------- */

int nl_fail(struct nl_req *r, int err, const void *bad, const char *fmt, ...)
{
	if (fmt) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(r->msgbuf, sizeof(r->msgbuf), fmt, ap);
		va_end(ap);
		r->msg = r->msgbuf;
	}
	if (bad)
		r->bad = bad;
	return -err;
}

int nl_fail_lib(struct nl_req *r, int err, const void *bad)
{
	const char *m = nm_last_error();
	const char *colon = m ? strstr(m, ": ") : NULL;

	return nl_fail(r, -err, bad, "%s", colon ? colon + 2 : m ? m : "");
}

int nl_missing(struct nl_req *r, const void *nest, uint16_t type)
{
	r->miss_type = type;
	r->miss_nest = nest;
	return -EINVAL;
}

/* ---- acks (netlink_ack()) ---------------------------------------------------------- */

static uint32_t offset_in(const struct nlmsghdr *nlh, const void *p)
{
	const uint8_t *b = (const void *)nlh, *q = p;

	return q > b && q < b + nlh->nlmsg_len ? (uint32_t)(q - b) : 0;
}

static void ack(struct nl_req *r, int err)
{
	const struct nlmsghdr *req = r->nlh;
	struct nm_nl_sock *s = r->s;
	bool capped = !err || s->cap_ack;
	size_t echo = capped ? NLMSG_HDRLEN : req->nlmsg_len;
	size_t room = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int) + echo) + 256 + sizeof(r->msgbuf);
	uint16_t flags = capped ? NLM_F_CAPPED : 0;
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	uint8_t *buf = calloc(1, room);
	uint32_t off;

	if (!buf)
		return;		/* the kernel drops an ack it cannot allocate, too */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_pid = s->portid;
	e = mnl_nlmsg_put_extra_header(nlh, NLMSG_ALIGN(sizeof(int) + echo));
	e->error = err;
	memcpy(&e->msg, req, echo);
	if (s->ext_ack) {
		size_t before = nlh->nlmsg_len;

		if (r->msg && r->msg[0])
			mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, r->msg);
		if (err && (off = offset_in(req, r->bad)))
			mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, off);
		if (err && r->miss_type) {
			mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, r->miss_type);
			if ((off = offset_in(req, r->miss_nest)))
				mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_NEST, off);
		}
		if (nlh->nlmsg_len > before)
			flags |= NLM_F_ACK_TLVS;
	}
	nlh->nlmsg_flags = flags;
	nl_queue(s, buf, nlh->nlmsg_len);
	free(buf);
}

/* The dump's end: NLMSG_DONE with the dump's status. */
static int put_done(struct nl_req *r, int status)
{
	struct nlmsghdr *nlh;

	r->multi = false;
	nlh = nl_put(r, NLMSG_DONE, NLM_F_MULTI, NLMSG_HDRLEN + sizeof(int));

	if (!nlh)
		return -ENOMEM;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(int)), &status, sizeof(int));
	nl_end(r, nlh);
	return 0;
}

/* ---- one request ------------------------------------------------------------------------ */

static int dispatch(struct nl_req *r)
{
	return r->s->protocol == NETLINK_GENERIC ? nl_genl_rcv(r) : nl_route_rcv(r);
}

/* A do's answer: its message(s) as one datagram. */
static void finish_do(struct nl_req *r, struct nl_buf *out, int err)
{
	if (err >= 0 && out->len)
		nl_queue(r->s, out->p, out->len);
	if (err < 0 || (r->nlh->nlmsg_flags & NLM_F_ACK))
		ack(r, err < 0 ? err : 0);
}

static int start_dump(struct nl_req *r, struct nl_buf *out)
{
	struct nm_nl_sock *s = r->s;

	if (put_done(r, 0))
		return -ENOMEM;
	s->dump = *out;
	memset(out, 0, sizeof(*out));
	s->dump_off = 0;
	s->dumping = true;
	return dump_next(s);
}

static void rcv_msg_one(struct nm_nl_sock *s, const struct nlmsghdr *nlh);

/* A request that restarts queues (bind-rx, rings-set, channels-set) makes
 * page pools go and come: the "page-pool" group hears of it. */
static void rcv_msg(struct nm_nl_sock *s, const struct nlmsghdr *nlh)
{
	struct nl_pp_snap *before = malloc(sizeof(*before));

	if (before)
		nl_pp_snapshot(before);
	rcv_msg_one(s, nlh);
	if (before)
		nl_pp_notify(before);
	free(before);
}

static void rcv_msg_one(struct nm_nl_sock *s, const struct nlmsghdr *nlh)
{
	struct nl_buf out = { 0 };
	struct nl_req r = { .s = s, .nlh = nlh, .out = &out };
	int err = 0;

	if (!(nlh->nlmsg_flags & NLM_F_REQUEST) || nlh->nlmsg_type < NLMSG_MIN_TYPE) {
		if (nlh->nlmsg_flags & NLM_F_ACK)
			ack(&r, 0);
		return;
	}
	r.dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	r.multi = r.dump;
	if (r.dump && (s->dumping || s->kdumping)) {
		ack(&r, -EBUSY);	/* netlink_dump_start(): one dump at a time */
		return;
	}
	err = dispatch(&r);
	if (err == 1) {
		/* not netmem's: the kernel answers, as it would have */
		nl_buf_free(&out);
		if (nl_kernel_pass(s, nlh) < 0) {
			r.msg = NULL;
			ack(&r, -ENOENT);
		} else if (s->kdumping) {
			err = dump_next(s);	/* its first datagram, as start_dump */
			if (err < 0)
				ack(&r, err);
		}
		return;
	}
	if (r.dump && err >= 0) {
		err = start_dump(&r, &out);
		nl_buf_free(&out);
		if (err < 0)
			ack(&r, err);
		return;
	}
	finish_do(&r, &out, err);
	nl_buf_free(&out);
}

bool nm_nl_sock_binds(const struct nm_nl_sock *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint16_t netdev;

	if (!s || !buf || s->protocol != NETLINK_GENERIC)
		return false;
	netdev = nl_families()->netdev;
	while (len >= NLMSG_HDRLEN + GENL_HDRLEN) {
		struct nlmsghdr h;
		struct genlmsghdr g;

		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
			break;
		memcpy(&g, p + NLMSG_HDRLEN, sizeof(g));
		if (h.nlmsg_type == netdev && h.nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN &&
		    (g.cmd == NETDEV_CMD_BIND_RX || g.cmd == NETDEV_CMD_BIND_TX))
			return true;
		if (NLMSG_ALIGN(h.nlmsg_len) >= len)
			break;
		p += NLMSG_ALIGN(h.nlmsg_len);
		len -= NLMSG_ALIGN(h.nlmsg_len);
	}
	return false;
}

ssize_t nm_nl_sock_send(struct nm_nl_sock *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t left = len;

	if (!s)
		return nm_err(EINVAL, "NULL socket");
	if (len > NL_SEND_MAX)
		return nm_err(EMSGSIZE, "%zu bytes: more than the socket's send buffer", len);
	if (!buf && len)
		return nm_err(EFAULT, "NULL buffer");
	/* netlink_rcv_skb(): whole messages while they fit; the rest is dropped */
	while (left >= NLMSG_HDRLEN) {
		struct nlmsghdr h;
		size_t ml;

		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > left)
			break;
		if (((uintptr_t)p & 3) == 0) {
			rcv_msg(s, (const struct nlmsghdr *)p);
		} else {
			/* a message at an odd address: handlers read it aligned */
			void *copy = malloc(h.nlmsg_len);

			if (!copy)
				return nm_err(ENOMEM, "out of memory");
			memcpy(copy, p, h.nlmsg_len);
			rcv_msg(s, copy);
			free(copy);
		}
		ml = NLMSG_ALIGN(h.nlmsg_len);
		if (ml > left)
			ml = left;
		p += ml;
		left -= ml;
	}
	return (ssize_t)len;
}

/* netlink_recvmsg(): the largest receive so far, at most 32 KiB */
static void recv_size_seen(struct nm_nl_sock *s, size_t len)
{
	s->max_recvmsg_len = s->max_recvmsg_len > len ? s->max_recvmsg_len : len;
	if (s->max_recvmsg_len > NL_DUMP_MAX)
		s->max_recvmsg_len = NL_DUMP_MAX;
}

void nm_nl_sock_set_recv_size(struct nm_nl_sock *s, size_t len)
{
	if (!s)
		return;
	s->recv_size_set = true;
	recv_size_seen(s, len);
}

ssize_t nm_nl_sock_recv(struct nm_nl_sock *s, void *buf, size_t len, int flags, bool *trunc)
{
	ssize_t n;

	if (!s)
		return nm_err(EINVAL, "NULL socket");
	if (trunc)
		*trunc = false;
	if (!s->recv_size_set)
		recv_size_seen(s, len);
	if (s->overrun) {
		s->overrun = false;
		if (!s->no_enobufs)
			return nm_err(ENOBUFS, "replies were dropped: the receive queue was full");
	}
	if (!s->q.head && (s->dumping || s->kdumping)) {
		int r = dump_next(s);

		if (r < 0)
			return nm_err(-r, "the dump ended early: %s", strerror(-r));
	}
	n = nm_nl_dgq_pop(&s->q, buf, len, flags, trunc);
	/* the kernel runs the dump's next step as the queue drains */
	if (n >= 0 && !(flags & MSG_PEEK) && !s->q.head && s->dumping && dump_next(s))
		return nm_err(ENOMEM, "out of memory");
	return n;
}

bool nm_nl_sock_readable(const struct nm_nl_sock *s)
{
	return s && (s->q.head || s->dumping || s->kdumping || (s->overrun && !s->no_enobufs));
}

int nm_nl_sock_check(const struct nm_nl_sock *s)
{
	int on = 0, r;

	if (!s)
		return nm_err(EINVAL, "NULL socket");
	r = nm_nl_dgq_check(&s->q);
	if (r)
		return r;
	if (s->dumping != (s->dump_off < s->dump.len))
		return nm_err(EFAULT, "dumping %d with %zu of %zu bytes handed out", s->dumping,
			      s->dump_off, s->dump.len);
	if (s->kdumping && s->kfd < 0)
		return nm_err(EFAULT, "a kernel dump without its channel");
	for (const struct nm_nl_sock *o = socks; o; o = o->next)
		on += o == s;
	if (on != 1)
		return nm_err(EFAULT, "on the socket list %d times", on);
	return 0;
}
