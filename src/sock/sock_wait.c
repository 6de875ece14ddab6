/* SPDX-License-Identifier: MIT */
/*
 * The one wait loop of every blocking socket call: send, recv, sendmsg and
 * recvmsg (copy, devmem and zerocopy), accept, connect, and close's
 * SO_LINGER wait.
 *
 * A call describes itself as a struct nm_sock_op: its socket, one
 * non-blocking attempt (try_once), its timeout and whether it may block.
 * The loop tries; while the attempt says -EAGAIN it runs the socket's
 * stack in slices of at most 10 ms, until the attempt finishes, the
 * timeout (SO_RCVTIMEO / SO_SNDTIMEO, SO_LINGER's) passes, or the stack
 * fails or is gone.  Every call thus treats a would-block, a timeout, a loop error
 * and the stack-gone case alike:
 *
 *	non-blocking, nothing done	-EAGAIN "<call>: would block"
 *	timeout passed, nothing done	-EAGAIN "<call>: timed out"
 *	stack gone			-ENOTCONN "socket: the stack is gone"
 *	stack loop failed		its -errno
 *	any of them after some bytes	the bytes (op->done)
 *
 * Both -EAGAIN messages are literals kept by pointer (err.c): a polling
 * application meets the first on every empty pass.
 *
 * Runs on the socket's stack thread, like the calls it serves.
 */
#include <netmem/stack.h>

#include "net/tcp.h"
#include "sock/sock_internal.h"
#include "util/err.h"

#define WAIT_SLICE_US	10000u	/* a blocked call rechecks its timeout this often */

/* Run the socket's stack once, for at most a slice (or let the runtime's
 * wait hook wait, sock_hooks.c): 0, -EAGAIN once the deadline (us, 0:
 * none) passed, -ENOTCONN when the stack is gone, or the loop's (the
 * hook's) -errno. */
static int sock_wait(struct nm_socket *so, uint64_t deadline)
{
	struct nm_tcp_sock *tp = so->tcp;
	uint64_t now = nm_now_us();
	int ms = WAIT_SLICE_US / 1000, r;

	if (!tp->st)
		return nm_err(ENOTCONN, "the stack is gone");
	if (deadline && now >= deadline)
		return -EAGAIN;
	if (nm_sock_hooks.wait)
		return nm_sock_hooks.wait(so, deadline);
	if (deadline && deadline - now < WAIT_SLICE_US)
		ms = (int)((deadline - now + 999) / 1000);
	r = nm_stack_poll(tp->st, ms);
	return r < 0 ? r : 0;
}

static uint64_t deadline_of(uint64_t timeo_us)
{
	return timeo_us ? nm_now_us() + timeo_us : 0;
}

/* The call stops on error r: the bytes it moved if any (no message), else
 * r with msg (NULL: the one r came with). */
static ssize_t stopped(const struct nm_sock_op *op, ssize_t r, const char *msg)
{
	if (op->done)
		return (ssize_t)op->done;
	return msg ? nm_err_lit((int)-r, msg) : r;
}

ssize_t nm_sock_block(struct nm_sock_op *op)
{
	struct nm_socket *so = op->so;
	uint64_t dl = deadline_of(op->timeo_us);

	for (;;) {
		ssize_t r = op->try_once(op);

		if (r != -EAGAIN)
			return r;
		if (op->nonblock)
			return stopped(op, -EAGAIN, op->call->would_block);
		r = sock_wait(so, dl);
		if (r == -EAGAIN)
			return stopped(op, r, op->call->timed_out);
		if (r)
			return stopped(op, r, NULL);
	}
}

void nm_sock_keep_err(struct nm_tcp_sock *tp, int pending, ssize_t r)
{
	if (pending && r == -pending && !tp->err)
		tp->err = pending;
}
