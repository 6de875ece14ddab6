/* SPDX-License-Identifier: MIT */
/*
 * Netlink sockets of a helper process, forwarded to the process that owns
 * the NIC (the control endpoint, endpoint.c).
 *
 * A helper (the ethtool command a program runs, a child) cannot answer
 * netlink for netmem's interface: the NIC, its bindings and dma-bufs live
 * in the owner.  So each of its netlink sockets that addresses the
 * emulated families gets a connection of its own to the owner, where an
 * emulated socket (nm_nl_sock) serves it; closing the helper's socket
 * closes that socket, undoing its bindings as the kernel does, before the
 * close returns (the helper dying: when the owner sees the connection go).
 *
 * One send: the socket's state read from the helper's kernel socket (the
 * portid, the ack options, the joined groups) and the bytes go over; the
 * owner answers with every datagram its socket then holds (a dump in full,
 * each as the kernel would cut it) and the send's return.  The helper
 * keeps them in a queue that its receives read, with MSG_PEEK and
 * MSG_TRUNC as the kernel's recvmsg.  A dma-buf fd named by a forwarded
 * bind-rx/bind-tx is the helper's number: the owner takes a copy of that
 * fd from the helper (pidfd_getfd) and looks it up as its own.
 *
 * Workload: control path: ethtool's few requests.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl/nl_sock.h"
#include "rt/rt_internal.h"

struct rt_nlfwd {
	int fd;				/* the connection to the owner */
	struct nm_nl_dgq q;		/* the owner's answers, not yet received */
};

int rt_nlfwd_open(int protocol, struct rt_nlfwd **out)
{
	struct rt_nlfwd *f = calloc(1, sizeof(*f));
	struct rt_ep_nl_open o = { .protocol = protocol };
	int r;

	if (!f)
		return -ENOMEM;
	r = rt_endpoint_open(RT_EP_NL_OPEN, &o, sizeof(o), &f->fd);
	if (r < 0) {
		free(f);
		return r;
	}
	nm_nl_dgq_init(&f->q);
	*out = f;
	return 0;
}

void rt_nlfwd_close(struct rt_nlfwd *f)
{
	nm_nl_dgq_clear(&f->q);
	rt_endpoint_nl_close(f->fd);	/* synchronous, as the kernel's close */
	REAL(close)(f->fd);
	free(f);
}

static int queue_cb(void *f, const void *buf, size_t len)
{
	return nm_nl_dgq_push(&((struct rt_nlfwd *)f)->q, buf, len);
}

ssize_t rt_nlfwd_send(struct rt_nlfwd *f, const struct rt_ep_nl_state *st, const void *buf,
		      size_t len)
{
	return rt_endpoint_nl_send(f->fd, st, buf, len, queue_cb, f);
}

bool rt_nlfwd_readable(const struct rt_nlfwd *f)
{
	return f->q.head != NULL;
}

ssize_t rt_nlfwd_recv(struct rt_nlfwd *f, void *buf, size_t len, int flags, bool *trunc)
{
	/* as nm_nl_sock_recv() answers: the kernel's netlink_recvmsg() */
	return nm_nl_dgq_pop(&f->q, buf, len, flags, trunc);
}
