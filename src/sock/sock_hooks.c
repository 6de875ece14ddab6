/* SPDX-License-Identifier: MIT */
/*
 * What a runtime above the socket layer plugs in and asks (sock_internal.h):
 * the wait hook of blocked calls, the event hook, readiness, the socket
 * ioctls, and the connections a process must wait for before it exits.
 * src/rt/ (netmem run's preload library) is the one user; an nm_*
 * application never sets them, and its sockets then behave as before
 * (tcb->notify stays false: one predicted branch per segment).
 *
 * Workload: the event hook runs once per segment of a connection whose
 * socket has an owner; everything else per call.
 */
#include <linux/sockios.h>
#include <sys/ioctl.h>

#include "net/tcp.h"
#include "sock/sock_internal.h"
#include "util/err.h"

struct nm_sock_hooks nm_sock_hooks;

/* TCP's notify hook: the connection's socket hears of it. */
static void sock_tcp_event(struct nm_tcp_sock *tp)
{
	struct nm_socket *so = tp->sock;

	if (so && nm_sock_hooks.event)
		nm_sock_hooks.event(so);
}

void nm_sock_set_hooks(const struct nm_sock_hooks *h)
{
	if (h) {
		nm_sock_hooks = *h;
		nm_tcp_notify_hook = sock_tcp_event;
	} else {
		nm_sock_hooks = (struct nm_sock_hooks){ 0 };
		nm_tcp_notify_hook = NULL;
	}
}

void nm_sock_set_owner(struct nm_socket *so, void *owner)
{
	so->owner = owner;
	so->tcp->notify = owner != NULL;
}

short nm_sock_poll_events(struct nm_socket *so)
{
	return nm_tcp_poll_events(so->tcp);
}

int nm_sock_ioctl(struct nm_socket *so, unsigned long req, int *val)
{
	const struct nm_tcp_sock *tp = so->tcp;

	switch (req) {
	case SIOCINQ:
		if (tp->state == NM_TCP_LISTEN)
			return nm_err(EINVAL, "ioctl SIOCINQ: a listening socket");
		*val = tp->rcvq_bytes > INT32_MAX ? INT32_MAX : (int)tp->rcvq_bytes;
		return 0;
	case SIOCOUTQ:
	case SIOCOUTQNSD:
		if (tp->state == NM_TCP_LISTEN)
			return nm_err(EINVAL, "ioctl SIOCOUTQ: a listening socket");
		if (tp->state < NM_TCP_ESTABLISHED && tp->state != NM_TCP_SYN_RECEIVED) {
			*val = 0;
			return 0;
		}
		*val = (int)(tp->write_seq - (req == SIOCOUTQ ? tp->snd_una : tp->snd_nxt));
		return 0;
	case SIOCATMARK:
		*val = 0;
		return 0;
	default:
		return nm_err(ENOTTY, "request 0x%lx is not a socket ioctl netmem knows", req);
	}
}

void nm_sock_set_error(struct nm_socket *so, int err)
{
	so->tcp->err = err;
}

int nm_sock_stack_unacked(struct nm_stack *st)
{
	struct nm_tcp_list *h, *n;
	int count = 0;

	if (!st || !st->tcp)
		return 0;
	h = &st->tcp->all;
	for (n = h->next; n != h; n = n->next) {
		const struct nm_tcp_sock *tp = nm_container_of(n, struct nm_tcp_sock, all);

		if (!nm_tcp_can_send_state(tp))
			continue;
		/* the FIN, when queued, is one more sequence number */
		if (seq_lt(tp->snd_una, tp->write_seq + (tp->fin_queued ? 1u : 0u)))
			count++;
	}
	return count;
}
