/* SPDX-License-Identifier: MIT */
/*
 * fork, vfork and exec.
 *
 * fork: the child has a copy of the runtime but not the stack, which the
 * parent keeps running: its sockets' connections are the parent's.  So in
 * the child every netmem socket it inherited is an orphan: close() closes
 * the placeholder only (no FIN: the parent's connection goes on), and any
 * other call on it fails with EBADFD; poll reports POLLERR|POLLHUP.  The
 * child is no owner of the NIC: its own new netmem sockets are refused
 * (EBUSY), its wildcard binds go to the kernel.  pthread_atfork takes the
 * stack lock across the fork so the child's copy of everything is whole.
 *
 * vfork (posix_spawn, Python's subprocess): the child shares the parent's
 * memory until it execs, and the atfork handlers do not run.  The child's
 * close(), close_range() and dup2() of fds that set up the program it
 * starts must not touch the parent's fd table: those calls pass straight
 * to the kernel when getpid() is not the runtime's process (rt_foreign()).
 *
 * exec: LD_PRELOAD and the NETMEM_* environment stay, so the new program
 * runs under the same rules; its runtime claims the NIC only if no other
 * live process owns it (up.c).
 */
#include <unistd.h>

#include "rt/rt_internal.h"

bool rt_foreign(void)
{
	return rt.enabled && getpid() != rt.pid;
}

static void fork_prepare(void)
{
	if (rt.enabled && !rt_locked_here())
		rt_lock();
}

static void fork_parent(void)
{
	if (rt.enabled && rt_locked_here())
		rt_unlock();
}

/* Every epoll object's wake eventfd is the parent's too: the child lets go
 * of its copy and never signals it. */
static void child_epolls(void)
{
	int n = rt_fd_end();

	for (int fd = 0; fd < n; fd++) {
		struct rt_obj *o = rt_fd_get(fd);

		if (o && o->kind == RT_EPOLL)
			rt_epoll_forget_wake(o);
	}
}

static void fork_child(void)
{
	if (!rt.enabled)
		return;
	rt_lock_reset();
	rt_poller_forget();
	rt.pid = getpid();
	rt.orphan = true;
	rt.ctl_only = false;	/* a control-only NIC is the parent's too */
	rt.st = NULL;		/* the parent's: never polled here (it would steal its frames) */
	rt.stack_fd = -1;
	child_epolls();
}

void rt_fork_init(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}
