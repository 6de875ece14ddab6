/* SPDX-License-Identifier: MIT */
#ifndef NM_NET_STACK_HOOK_H
#define NM_NET_STACK_HOOK_H

/*
 * Hooks: work the stack's loop runs in every pass, for layers above it
 * that other threads feed through rings (uring/: nm_uring SQ/CQ rings and
 * zcrx refill rings).  A hook may add an fd to the loop's epoll set (an
 * eventfd its producers write), so that a sleeping loop wakes for it.
 *
 * Threads: add and del from any thread (they take the stack's hook lock,
 * which the loop holds while hooks run, so after del returns the hook is
 * never called again).  The hook runs on the stack's thread inside a pass
 * and must not block; a socket call it makes that would run the loop
 * again does not re-enter the hooks.  A pass with no hooks costs one
 * atomic load.
 */

#include <stdbool.h>

struct nm_stack;

struct nm_stack_hook {
	struct nm_stack_hook *next;	/* the stack's list */
	/* Returns the work done (> 0 keeps the loop from sleeping). */
	int (*run)(struct nm_stack_hook *h);
	int wake_fd;			/* in the loop's epoll set, -1: none */
};

int nm_stack_hook_add(struct nm_stack *st, struct nm_stack_hook *h);
void nm_stack_hook_del(struct nm_stack *st, struct nm_stack_hook *h);
/* Does the calling thread run st's loop (the last to call nm_stack_poll())? */
bool nm_stack_is_poller(const struct nm_stack *st);
/* The thread that last ran st's loop has one (0: none yet). */
bool nm_stack_has_poller(const struct nm_stack *st);

#endif
