/* SPDX-License-Identifier: MIT */
/*
 * The kernel channel: requests about the kernel's own interfaces, and other
 * families, go to the kernel unchanged, through a private kernel netlink
 * socket of the emulated socket's protocol (opened on first need, with the
 * emulated socket's ack options), and the kernel's answers are queued for
 * the program as the kernel would have queued them, the portid rewritten
 * to the program's socket's.  A request is answered by the kernel inside
 * its sendmsg (netlink_unicast_kernel() runs the family at once), so a do's
 * replies are all there when send returns; a dump goes on at each recv,
 * read here until its NLMSG_DONE.
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
/* A kernel dump is bounded in datagrams read (a runaway kernel dump, or
 * one that never ends, must not hang the program's call). */
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

static int kchan(struct nm_nl_sock *s)
{
	if (!kernel_on)
		return -ENOENT;
	if (s->kfd < 0) {
		int fd = kchan_open(s->protocol);

		if (fd < 0)
			return fd;
		s->kfd = fd;
	}
	/* the program's ack options, so that the kernel's acks read as its own */
	set_opt(s->kfd, NETLINK_EXT_ACK, s->ext_ack);
	set_opt(s->kfd, NETLINK_CAP_ACK, s->cap_ack);
	set_opt(s->kfd, NETLINK_GET_STRICT_CHK, s->strict);
	return s->kfd;
}

void nl_kernel_close(struct nm_nl_sock *s)
{
	if (s->kfd >= 0)
		close(s->kfd);
	s->kfd = -1;
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

/* Send nlh to the kernel: the channel's fd and a receive buffer (*buf,
 * freed by the caller), or -errno. */
static int kernel_send(struct nm_nl_sock *s, const struct nlmsghdr *nlh, uint8_t **buf)
{
	int fd = kchan(s);

	if (fd < 0)
		return fd;
	if (send(fd, nlh, nlh->nlmsg_len, 0) < 0)
		return -errno;
	*buf = malloc(KBUF);
	return *buf ? fd : -ENOMEM;
}

int nl_kernel_pass(struct nm_nl_sock *s, const struct nlmsghdr *nlh)
{
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	uint8_t *buf = NULL;
	int fd = kernel_send(s, nlh, &buf), r = 0;

	if (fd < 0)
		return fd;
	for (int i = 0; i < KDUMP_MAX_DGRAMS; i++) {
		ssize_t n = krecv(fd, buf, dump);

		if (n == -EAGAIN || n == -ETIMEDOUT || n == 0)
			break;
		if (n < 0) {
			r = (int)n;
			break;
		}
		readdress(s, buf, (size_t)n);
		nl_queue(s, buf, (size_t)n);
		if (dump && ends(buf, (size_t)n))
			break;
	}
	free(buf);
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

int nl_kernel_dump(struct nm_nl_sock *s, const struct nlmsghdr *nlh, struct nl_buf *out,
		   int *done_err)
{
	uint8_t *buf = NULL;
	int fd = kernel_send(s, nlh, &buf), r = 0;

	*done_err = 0;
	if (fd < 0)
		return fd;
	for (int i = 0; i < KDUMP_MAX_DGRAMS && r == 0; i++) {
		ssize_t n = krecv(fd, buf, true);

		if (n <= 0) {
			r = n < 0 ? (int)n : -EIO;
			break;
		}
		r = take(s, buf, (size_t)n, out, done_err);
	}
	free(buf);
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
