/* SPDX-License-Identifier: MIT */
/*
 * The kernel channel: requests about the kernel's own interfaces, and other
 * families, go to the kernel unchanged, through a private kernel netlink
 * socket of the emulated socket's protocol (opened on first need, with the
 * emulated socket's ack options), and the kernel's answers are queued for
 * the program as the kernel would have queued them, the portid rewritten
 * to the program's socket's.  A request is answered by the kernel inside
 * its sendmsg (netlink_unicast_kernel() runs the family at once), so a do's
 * replies are all there when send returns; a dump goes on at each recv:
 * the program's receives pull it a kernel datagram at a time, into the
 * emulated socket's dump buffer (nl_sock.c cuts it to the program's size).
 *
 * Merged dumps: nl_kernel_dump() returns the kernel's messages without its
 * NLMSG_DONE, for netmem's to follow them in one dump.
 *
 * The kernel's family ids: "netdev" and "ethtool" are answered under the
 * kernel's ids (so that one request reaches either, by the interface it
 * names), read once per process (nl_kernel_family()).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/nl_internal.h"
#include "util/fd.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define KBUF	32768
/* The kernel's part of a merged dump is read whole, bounded in datagrams
 * (one that never ends must not hang the program's call). */
#define KDUMP_MAX_DGRAMS	4096

static bool kernel_on = true;

void nm_nl_set_kernel(bool on)
{
	kernel_on = on;
}

bool nl_kernel_on(void)
{
	return kernel_on;
}

static int set_opt(int fd, int opt, bool on)
{
	int v = on;

	return setsockopt(fd, SOL_NETLINK, opt, &v, sizeof(v));
}

static int kchan_open(int protocol)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return nm_fd_lift(fd);
}

/* The program's ack options on a channel, so that the kernel's acks read
 * as its own. */
static void kchan_opts(const struct nm_nl_sock *s, int fd)
{
	set_opt(fd, NETLINK_EXT_ACK, s->ext_ack);
	set_opt(fd, NETLINK_CAP_ACK, s->cap_ack);
	set_opt(fd, NETLINK_GET_STRICT_CHK, s->strict);
}

/* The channel for one request: the socket's own, or, while a kernel dump
 * still runs in it, one for this request alone (*temp), so that the
 * request's replies are not read as the dump's next datagram, nor the
 * dump's as its replies. */
static int kchan(struct nm_nl_sock *s, bool *temp)
{
	int fd;

	*temp = false;
	if (!kernel_on)
		return -ENOENT;
	if (s->kdumping) {
		fd = kchan_open(s->protocol);
		*temp = fd >= 0;
	} else {
		if (s->kfd < 0)
			s->kfd = kchan_open(s->protocol);
		fd = s->kfd;
	}
	if (fd >= 0)
		kchan_opts(s, fd);
	return fd;
}

void nl_kernel_close(struct nm_nl_sock *s)
{
	if (s->kfd >= 0)
		close(s->kfd);
	s->kfd = -1;
	s->kdumping = false;
}

/* Done with fd: a temporary channel goes; the socket's own, if it may
 * still hold datagrams of an unfinished answer, goes too (the next request
 * opens a fresh one rather than read them as its answer). */
static void kchan_done(struct nm_nl_sock *s, int fd, bool temp, bool unfinished)
{
	if (temp)
		close(fd);
	else if (unfinished)
		nl_kernel_close(s);
}

static void readdress(struct nm_nl_sock *s, uint8_t *p, size_t len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)p;
	int rem = (int)len;

	while (mnl_nlmsg_ok(nlh, rem)) {
		nlh->nlmsg_pid = s->portid;
		nlh = mnl_nlmsg_next(nlh, &rem);
	}
}

/* Whether the datagram ends a dump (NLMSG_DONE or an NLMSG_ERROR). */
static bool ends(const uint8_t *p, size_t len)
{
	const struct nlmsghdr *nlh = (const void *)p;
	int rem = (int)len;

	while (mnl_nlmsg_ok(nlh, rem)) {
		if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR)
			return true;
		nlh = mnl_nlmsg_next(nlh, &rem);
	}
	return false;
}

static ssize_t krecv(int fd, uint8_t *buf, bool wait)
{
	ssize_t n;

	if (wait) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		/* the kernel dumps inside recv; bounded all the same */
		if (poll(&p, 1, 5000) <= 0)
			return -ETIMEDOUT;
	}
	n = recv(fd, buf, KBUF, MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

int nl_kernel_dump_read(struct nm_nl_sock *s, struct nl_buf *into)
{
	uint8_t *buf = malloc(KBUF);
	ssize_t n;
	int r;

	if (!buf) {
		nl_kernel_close(s);	/* the dump is lost, and what it held */
		return -ENOMEM;
	}
	n = krecv(s->kfd, buf, true);
	if (n <= 0) {
		free(buf);
		nl_kernel_close(s);
		return n < 0 ? (int)n : -EIO;
	}
	readdress(s, buf, (size_t)n);
	r = ends(buf, (size_t)n);
	if (nl_buf_add(into, buf, (size_t)n)) {
		nl_kernel_close(s);
		r = -ENOMEM;
	}
	if (r == 1)
		s->kdumping = false;
	free(buf);
	return r;
}

/*
 * A do's replies are all there when send returns, and are queued as they
 * came.  A dump is only started here (s->kdumping): its datagrams are read
 * one at a time as the program's queue drains (nl_kernel_dump_read), as
 * the kernel itself runs a dump at each recv, so a dump of any length
 * passes without filling the queue.
 */
int nl_kernel_pass(struct nm_nl_sock *s, const struct nlmsghdr *nlh)
{
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP, temp;
	uint8_t *buf;
	int fd = kchan(s, &temp), r = 0;

	if (fd < 0)
		return fd;
	if (send(fd, nlh, nlh->nlmsg_len, 0) < 0) {
		r = -errno;
		kchan_done(s, fd, temp, false);
		return r;
	}
	if (dump) {			/* never temp: a second dump is EBUSY */
		s->kdumping = true;
		return 0;
	}
	buf = malloc(KBUF);
	if (!buf) {
		kchan_done(s, fd, temp, true);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = krecv(fd, buf, false);

		if (n == -EAGAIN || n == 0)
			break;
		if (n < 0) {
			r = (int)n;
			break;
		}
		readdress(s, buf, (size_t)n);
		nl_queue(s, buf, (size_t)n);
	}
	free(buf);
	kchan_done(s, fd, temp, r < 0);
	return r;
}

/* Append the messages of one datagram to out, up to a NLMSG_DONE (whose
 * status goes to *done_err) or an NLMSG_ERROR (its error).  1 when the
 * dump ended. */
static int take(struct nm_nl_sock *s, const uint8_t *p, size_t len, struct nl_buf *out,
		int *done_err)
{
	const struct nlmsghdr *nlh = (const void *)p;
	int rem = (int)len;

	while (mnl_nlmsg_ok(nlh, rem)) {
		if (nlh->nlmsg_type == NLMSG_DONE) {
			int st = 0;

			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
				memcpy(&st, mnl_nlmsg_get_payload(nlh), sizeof(int));
			*done_err = st;
			return 1;
		}
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			*done_err = mnl_nlmsg_get_payload_len(nlh) >= sizeof(*e) ? e->error : -EIO;
			return 1;
		}
		if (nl_buf_add(out, nlh, NLMSG_ALIGN(nlh->nlmsg_len)))
			return -ENOMEM;
		((struct nlmsghdr *)(out->p + out->len - NLMSG_ALIGN(nlh->nlmsg_len)))->nlmsg_pid =
			s->portid;
		nlh = mnl_nlmsg_next(nlh, &rem);
	}
	return 0;
}

/* The kernel's part of a merged dump, read whole (it is netmem's families'
 * and interfaces' dumps: a few datagrams), bounded all the same; one that
 * does not end within the bound is -ENOBUFS and leaves nothing behind. */
int nl_kernel_dump(struct nm_nl_sock *s, const struct nlmsghdr *nlh, struct nl_buf *out,
		   int *done_err)
{
	uint8_t *buf = NULL;
	bool temp;
	int fd = kchan(s, &temp), r = 0;

	*done_err = 0;
	if (fd < 0)
		return fd;
	if (send(fd, nlh, nlh->nlmsg_len, 0) < 0)
		r = -errno;
	else if (!(buf = malloc(KBUF)))
		r = -ENOMEM;
	for (int i = 0; buf && i < KDUMP_MAX_DGRAMS && r == 0; i++) {
		ssize_t n = krecv(fd, buf, true);

		if (n <= 0) {
			r = n < 0 ? (int)n : -EIO;
			break;
		}
		r = take(s, buf, (size_t)n, out, done_err);
	}
	if (r == 0)
		r = -ENOBUFS;		/* no end within the bound */
	free(buf);
	kchan_done(s, fd, temp, r < 0);
	return r < 0 ? r : 0;
}

/* ---- the kernel's family ids ------------------------------------------------------ */

struct fam_q {
	uint16_t id;
	uint32_t *ids;
	const char *const *names;
	int n;
};

static int grp_cb(const struct nlattr *a, void *arg)
{
	struct fam_q *q = arg;
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { 0 };
	const struct nlattr *x;

	mnl_attr_for_each_nested(x, a) {
		if (mnl_attr_type_valid(x, CTRL_ATTR_MCAST_GRP_MAX) > 0)
			tb[mnl_attr_get_type(x)] = x;
	}
	if (!tb[CTRL_ATTR_MCAST_GRP_NAME] || !tb[CTRL_ATTR_MCAST_GRP_ID] ||
	    mnl_attr_validate(tb[CTRL_ATTR_MCAST_GRP_NAME], MNL_TYPE_NUL_STRING) < 0 ||
	    mnl_attr_validate(tb[CTRL_ATTR_MCAST_GRP_ID], MNL_TYPE_U32) < 0)
		return MNL_CB_OK;
	for (int i = 0; i < q->n; i++)
		if (!strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]), q->names[i]))
			q->ids[i] = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	return MNL_CB_OK;
}

static int fam_cb(const struct nlattr *a, void *arg)
{
	struct fam_q *q = arg;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(a, MNL_TYPE_U16) >= 0)
		q->id = mnl_attr_get_u16(a);
	if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS) {
		const struct nlattr *g;

		mnl_attr_for_each_nested(g, a)
			grp_cb(g, q);
	}
	return MNL_CB_OK;
}

uint16_t nl_kernel_family(const char *name, uint32_t *mcgrp_ids, const char *const *mcgrps,
			  int n_mcgrps)
{
	uint8_t req[256], *buf;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct genlmsghdr *g;
	struct fam_q q = { .ids = mcgrp_ids, .names = mcgrps, .n = n_mcgrps };
	int fd = kernel_on ? kchan_open(NETLINK_GENERIC) : -ENOENT;
	ssize_t n;

	if (fd < 0)
		return 0;
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	buf = malloc(KBUF);
	if (buf && send(fd, req, nlh->nlmsg_len, 0) >= 0 &&
	    (n = recv(fd, buf, KBUF, MSG_DONTWAIT)) > 0) {
		const struct nlmsghdr *r = (const void *)buf;

		if (mnl_nlmsg_ok(r, (int)n) && r->nlmsg_type == GENL_ID_CTRL)
			mnl_attr_parse(r, sizeof(struct genlmsghdr), fam_cb, &q);
	}
	free(buf);
	close(fd);
	return q.id;
}
