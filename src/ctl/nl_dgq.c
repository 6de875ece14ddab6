/* SPDX-License-Identifier: MIT */
/*
 * A queue of netlink datagrams, handed out as the kernel's
 * netlink_recvmsg() hands out a socket's: one datagram per receive, cut to
 * the buffer (the rest of it gone, *trunc), left queued with MSG_PEEK, its
 * whole length returned with MSG_TRUNC.  The emulated socket's receive
 * queue (nl_sock.c) and a helper's forwarded socket (src/rt/nl_fwd.c) are
 * both one.
 *
 * Invariant (nm_nl_dgq_check()): bytes is the sum of the datagrams'
 * lengths; tail points at the last one's next, or at head when empty.
 *
 * Workload: control path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ctl/nl_sock.h"
#include "util/err.h"

struct nm_nl_dgram {
	struct nm_nl_dgram *next;
	size_t len;
	uint8_t data[];
};

void nm_nl_dgq_init(struct nm_nl_dgq *q)
{
	q->head = NULL;
	q->tail = &q->head;
	q->bytes = 0;
}

int nm_nl_dgq_push(struct nm_nl_dgq *q, const void *p, size_t len)
{
	struct nm_nl_dgram *d = malloc(sizeof(*d) + len);

	if (!d)
		return -ENOMEM;
	d->next = NULL;
	d->len = len;
	memcpy(d->data, p, len);
	*q->tail = d;
	q->tail = &d->next;
	q->bytes += len;
	return 0;
}

static void drop_head(struct nm_nl_dgq *q)
{
	struct nm_nl_dgram *d = q->head;

	q->head = d->next;
	if (!q->head)
		q->tail = &q->head;
	q->bytes -= d->len;
	free(d);
}

ssize_t nm_nl_dgq_pop(struct nm_nl_dgq *q, void *buf, size_t len, int flags, bool *trunc)
{
	struct nm_nl_dgram *d = q->head;
	size_t n, real;

	if (!d)
		return -EAGAIN;
	real = d->len;
	n = real < len ? real : len;
	if (n && buf)
		memcpy(buf, d->data, n);
	if (trunc)
		*trunc = n < real;
	if (!(flags & MSG_PEEK))
		drop_head(q);
	return (ssize_t)((flags & MSG_TRUNC) ? real : n);
}

void nm_nl_dgq_clear(struct nm_nl_dgq *q)
{
	while (q->head)
		drop_head(q);
}

int nm_nl_dgq_check(const struct nm_nl_dgq *q)
{
	struct nm_nl_dgram *const *tail = &q->head;
	size_t sum = 0;

	for (const struct nm_nl_dgram *d = q->head; d; d = d->next) {
		sum += d->len;
		tail = &d->next;
	}
	if (sum != q->bytes)
		return nm_err(EFAULT, "queued %zu bytes, the datagrams hold %zu", q->bytes, sum);
	if (tail != q->tail)
		return nm_err(EFAULT, "the queue's tail is stale");
	return 0;
}
