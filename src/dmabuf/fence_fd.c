/* SPDX-License-Identifier: MIT */
/*
 * Fence fds: an eventfd that polls readable once a fence signals, so an
 * event loop can wait for a fence next to its sockets.
 *
 * Invariants:
 *  1. The caller owns the fd it gets; we never touch that fd number after
 *     returning it.  The fence callback writes to its own dup (a second fd
 *     for the same eventfd), so the caller may close its fd at any time,
 *     even before the signal, and a reused fd number is never written.
 *  2. The callback holds no fence reference (that would be a cycle: an
 *     fd the caller closed can keep nothing alive).  It owns the dup and
 *     its own memory, and frees both exactly once: when it runs at signal
 *     time, or through nm__fence_fd_abandon() when the fence is freed
 *     unsignaled.
 *
 * Workload: one fd per event-loop wait; creation cost (two syscalls plus a
 * malloc) is irrelevant next to the work a fence guards.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dmabuf/fence_internal.h"
#include "util/err.h"

struct nm_fence_fd_cb {
	struct nm_fence_cb cb;	/* first: the fence hands us &cb */
	int efd;		/* our private dup of the caller's eventfd */
};

static void nm_fence_fd_kick(int efd)
{
	uint64_t one = 1;

	/* Fails only if the counter would overflow: then it is readable
	 * already, which is all we want. */
	if (write(efd, &one, sizeof(one)) < 0)
		return;
}

void nm__fence_fd_signaled(struct nm_fence *fence, struct nm_fence_cb *cb)
{
	struct nm_fence_fd_cb *fcb = (struct nm_fence_fd_cb *)cb;

	(void)fence;
	nm_fence_fd_kick(fcb->efd);
	close(fcb->efd);
	free(fcb);
}

void nm__fence_fd_abandon(struct nm_fence_cb *cb)
{
	struct nm_fence_fd_cb *fcb = (struct nm_fence_fd_cb *)cb;

	close(fcb->efd);
	free(fcb);
}

int nm_fence_get_fd(struct nm_fence *fence)
{
	NM_API_CALL();
	struct nm_fence_fd_cb *fcb;
	int fd, r;

	if (!fence)
		return nm_err(EINVAL, "NULL fence");
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0) {
		return nm_err_sys(errno, "eventfd");
	}
	if (nm_fence_is_signaled(fence))
		goto signaled;

	fcb = malloc(sizeof(*fcb));
	if (!fcb) {
		r = nm_err(ENOMEM, "out of memory");
		goto err_close_fd;
	}
	fcb->efd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (fcb->efd < 0) {
		r = nm_err_sys(errno, "fcntl F_DUPFD_CLOEXEC of the eventfd");
		goto err_free_cb;
	}
	r = nm_fence_add_callback(fence, &fcb->cb, nm__fence_fd_signaled);
	if (r == 0)
		return fd;

	/* Signaled between the check and the add (-ENOENT, the only way the
	 * add can fail here): the callback will never run, kick it now. */
	close(fcb->efd);
	free(fcb);
signaled:
	nm_fence_fd_kick(fd);
	return fd;

err_free_cb:
	free(fcb);
err_close_fd:
	close(fd);
	return r;
}
