/* SPDX-License-Identifier: MIT */
/*
 * The descriptor table: int descriptor -> struct nm_socket *, process-wide,
 * lowest free descriptor first (like kernel fds).
 *
 * A socket is one object (struct nm_socket, sock_internal.h) that owns
 * everything the descriptor stands for: the TCP control block, the
 * per-descriptor settings (O_NONBLOCK, SO_RCVTIMEO, SO_SNDTIMEO,
 * SO_ZEROCOPY) and the devmem tokens the application holds.  A caller,
 * the coming fd table of `netmem run` or another thread's call, holds that
 * one pointer.
 *
 * Invariants:
 *  1. sock_tab[so->sd] == so for every socket in the table, and
 *     so->tcp->sock == so while the socket holds its tcb.
 *  2. sock_lowest <= every free descriptor.
 *
 * Allocation and release take a mutex (sockets of different stacks live on
 * different threads); lookups read one pointer.  Everything a socket owns
 * is used on its stack's thread only (invariant 6).
 */
#include <pthread.h>
#include <stdlib.h>

#include "net/tcp.h"
#include "sock/sock_internal.h"
#include "util/err.h"

static struct nm_socket *sock_tab[NM_SOCK_MAX];
static int sock_lowest;
static pthread_mutex_t sock_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t sock_serial;		/* under sock_lock */

int nm_sock_alloc(struct nm_tcp_sock *tp, bool nonblock)
{
	struct nm_socket *so = calloc(1, sizeof(*so));
	int sd = -1;

	if (!so)
		return nm_err(ENOMEM, "out of memory for a socket");
	so->tcp = tp;
	so->nonblock = nonblock;
	nm_tokens_init(&so->tokens);
	pthread_mutex_lock(&sock_lock);
	for (int i = sock_lowest; i < NM_SOCK_MAX; i++)
		if (!sock_tab[i]) {
			sd = i;
			break;
		}
	if (sd >= 0) {
		so->sd = sd;
		so->serial = ++sock_serial;
		tp->sock = so;
		__atomic_store_n(&sock_tab[sd], so, __ATOMIC_RELEASE);
		sock_lowest = sd + 1;
	}
	pthread_mutex_unlock(&sock_lock);
	if (sd < 0) {
		free(so);
		return nm_err(EMFILE, "all %d descriptors in use", NM_SOCK_MAX);
	}
	return sd;
}

void nm_sock_free(struct nm_socket *so)
{
	so->tcp->notify = false;	/* no socket to hear of it any more */
	pthread_mutex_lock(&sock_lock);
	sock_tab[so->sd] = NULL;
	if (so->sd < sock_lowest)
		sock_lowest = so->sd;
	pthread_mutex_unlock(&sock_lock);
	nm_tokens_fini(&so->tokens);
	free(so);
}

struct nm_socket *nm_sock_lookup(int sd)
{
	if (sd < 0 || sd >= NM_SOCK_MAX)
		return NULL;
	return __atomic_load_n(&sock_tab[sd], __ATOMIC_ACQUIRE);
}

struct nm_socket *nm_sock_get(int sd, int *ret)
{
	struct nm_socket *so = nm_sock_lookup(sd);

	if (!so)
		*ret = nm_err(EBADF, "bad socket descriptor %d", sd);
	return so;
}

struct nm_tcp_sock *nm_sock_tcb(int sd)
{
	struct nm_socket *so = nm_sock_lookup(sd);

	return so ? so->tcp : NULL;
}
