/* SPDX-License-Identifier: MIT */
/*
 * SQEs on the stack's thread (uring_internal.h): take what the application
 * published, check each the way the kernel's prep functions do, run it
 * against the nm_* socket, and keep what would block on a pending list
 * retried every pass (the kernel's poll-driven retry).
 *
 * Opcodes: NOP, ACCEPT (multishot too), RECV, SEND, SEND_ZC (+ its
 * notification), CLOSE, RECV_ZC (recv_zc.c).  Any other opcode, and an
 * opcode past IORING_OP_LAST, completes with -EINVAL.  SQE flags: none
 * but IOSQE_ASYNC (which changes nothing here); others are -EINVAL.
 *
 * A final CQE that finds the CQ full stays on the request (final_pending)
 * and is posted by a later pass: no completion is lost, and a multishot
 * request takes no data it cannot report.
 * Workload: one pass per stack loop iteration; O(pending) per pass.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <netmem/socket.h>

#include "sock/sock_internal.h"
#include "uring/uring_internal.h"
#include "util/err.h"

#define UR_SQE_FLAGS_OK		IOSQE_ASYNC
#define UR_PROCESS_BUDGET	256	/* SQEs per pass, then the frames again */

struct ur_opdef {
	int (*prep)(struct nm_uring_ctx *ctx, struct ur_req *req, const struct io_uring_sqe *sqe);
	int (*issue)(struct nm_uring_ctx *ctx, struct ur_req *req);
};

struct nm_socket *nm__ur_sock(const struct ur_req *req)
{
	struct nm_socket *so = nm_sock_lookup(req->fd);

	if (!so || (req->serial && so->serial != req->serial))
		return NULL;
	return so;
}

int nm__ur_finish(struct nm_uring_ctx *ctx, struct ur_req *req, int32_t res, uint32_t flags)
{
	req->res = res;
	req->cqe_flags = flags;
	req->final_pending = true;
	if (!nm__ur_post(ctx, req->user_data, res, flags, 0))
		return UR_PENDING;
	req->final_pending = false;
	return UR_DONE;
}

/* ---- NOP -------------------------------------------------------------------------- */

static int nop_prep(struct nm_uring_ctx *ctx, struct ur_req *req, const struct io_uring_sqe *sqe)
{
	(void)ctx;
	if (sqe->nop_flags & ~IORING_NOP_INJECT_RESULT)
		return -EINVAL;
	req->res = (sqe->nop_flags & IORING_NOP_INJECT_RESULT) ? (int32_t)sqe->len : 0;
	return 0;
}

static int nop_issue(struct nm_uring_ctx *ctx, struct ur_req *req)
{
	return nm__ur_finish(ctx, req, req->res, 0);
}

/* ---- ACCEPT ------------------------------------------------------------------------- */

static int accept_prep(struct nm_uring_ctx *ctx, struct ur_req *req,
		       const struct io_uring_sqe *sqe)
{
	(void)ctx;
	if (sqe->len || sqe->buf_index || sqe->file_index)
		return -EINVAL;
	if (sqe->ioprio & ~(IORING_ACCEPT_MULTISHOT | IORING_ACCEPT_DONTWAIT |
			    IORING_ACCEPT_POLL_FIRST))
		return -EINVAL;
	if (sqe->accept_flags & ~(unsigned)(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	req->msg_flags = sqe->accept_flags;
	return 0;
}

static int accept_issue(struct nm_uring_ctx *ctx, struct ur_req *req)
{
	struct nm_socket *so = nm__ur_sock(req);
	bool multi = req->ioprio & IORING_ACCEPT_MULTISHOT;
	int sd;

	if (!so)
		return nm__ur_finish(ctx, req, -EBADF, 0);
	while (nm__ur_cq_space(ctx) >= 1) {
		if (!(nm_sock_poll_events(so) & (POLLIN | POLLERR | POLLHUP))) {
			if (req->ioprio & IORING_ACCEPT_DONTWAIT)
				return nm__ur_finish(ctx, req, -EAGAIN, 0);
			return UR_PENDING;
		}
		sd = nm_accept4(req->fd, (struct sockaddr *)(uintptr_t)req->addr,
				(socklen_t *)(uintptr_t)req->addr2, (int)req->msg_flags);
		if (sd == -EAGAIN)
			return UR_PENDING;
		if (sd < 0 || !multi)
			return nm__ur_finish(ctx, req, sd, 0);
		nm__ur_post(ctx, req->user_data, sd, IORING_CQE_F_MORE, 0);
	}
	return UR_PENDING;
}

/* ---- RECV, SEND, SEND_ZC -------------------------------------------------------------- */

static int recv_prep(struct nm_uring_ctx *ctx, struct ur_req *req, const struct io_uring_sqe *sqe)
{
	(void)ctx;
	(void)req;
	if (sqe->file_index || sqe->addr2 || sqe->buf_index)
		return -EINVAL;
	if (sqe->ioprio & ~(IORING_RECVSEND_POLL_FIRST | IORING_RECV_MULTISHOT))
		return -EINVAL;
	/* multishot recv needs provided buffers (IOSQE_BUFFER_SELECT): none here */
	if (sqe->ioprio & IORING_RECV_MULTISHOT)
		return -EINVAL;
	return 0;
}

static int recv_issue(struct nm_uring_ctx *ctx, struct ur_req *req)
{
	struct nm_socket *so = nm__ur_sock(req);
	ssize_t r;

	if (!so)
		return nm__ur_finish(ctx, req, -EBADF, 0);
	if (!(nm_sock_poll_events(so) & (POLLIN | POLLERR | POLLHUP | POLLRDHUP)))
		return UR_PENDING;
	r = nm_recv(req->fd, (void *)(uintptr_t)req->addr, req->len,
		    (int)req->msg_flags | MSG_DONTWAIT);
	if (r == -EAGAIN)
		return UR_PENDING;
	return nm__ur_finish(ctx, req, (int32_t)r, 0);
}

static int send_prep(struct nm_uring_ctx *ctx, struct ur_req *req, const struct io_uring_sqe *sqe)
{
	(void)ctx;
	(void)req;
	if (sqe->file_index || sqe->addr2 || sqe->buf_index || sqe->addr3)
		return -EINVAL;
	if (sqe->ioprio & ~IORING_RECVSEND_POLL_FIRST)
		return -EINVAL;
	return 0;
}

static int send_zc_prep(struct nm_uring_ctx *ctx, struct ur_req *req,
			const struct io_uring_sqe *sqe)
{
	(void)ctx;
	(void)req;
	if (sqe->file_index || sqe->addr2 || sqe->buf_index || sqe->addr3 || sqe->__pad2[0])
		return -EINVAL;
	if (sqe->ioprio & ~(IORING_RECVSEND_POLL_FIRST | IORING_SEND_ZC_REPORT_USAGE))
		return -EINVAL;
	return 0;
}

/* Send what the socket takes now: 1 when this attempt is over (req->res
 * holds bytes or -errno), 0 to wait for room. */
static int send_some(struct nm_uring_ctx *ctx, struct ur_req *req)
{
	struct nm_socket *so = nm__ur_sock(req);
	ssize_t r;

	(void)ctx;
	if (!so) {
		req->res = -EBADF;
		return 1;
	}
	for (;;) {
		/* NULL stays NULL (nm_send's EFAULT, or 0 bytes): no offset
		 * added to it, which C leaves undefined even when it is 0 */
		const char *at = req->addr ? (const char *)(uintptr_t)req->addr + req->done : NULL;

		if (!(nm_sock_poll_events(so) & (POLLOUT | POLLERR | POLLHUP)))
			return 0;
		r = nm_send(req->fd, at, req->len - req->done,
			    (int)(req->msg_flags & ~(unsigned)MSG_WAITALL) | MSG_DONTWAIT |
			    MSG_NOSIGNAL);
		if (r == -EAGAIN)
			return 0;
		if (r < 0) {
			req->res = req->done ? (int32_t)req->done : (int32_t)r;
			return 1;
		}
		req->done += (uint32_t)r;
		/* a stream socket sends the rest with MSG_WAITALL (io_net_retry) */
		if (req->done == req->len || !(req->msg_flags & MSG_WAITALL)) {
			req->res = (int32_t)req->done;
			return 1;
		}
	}
}

static int send_issue(struct nm_uring_ctx *ctx, struct ur_req *req)
{
	if (!send_some(ctx, req))
		return UR_PENDING;
	return nm__ur_finish(ctx, req, req->res, 0);
}

/*
 * SEND_ZC: the result CQE carries IORING_CQE_F_MORE and a notification CQE
 * (IORING_CQE_F_NOTIF, same user_data) follows when the buffer is free
 * again.  From host memory netmem copies into the send ring (the memory is
 * free as soon as the call returns), so the notification follows at once;
 * with IORING_SEND_ZC_REPORT_USAGE its res says IORING_NOTIF_USAGE_ZC_COPIED.
 */
static int send_zc_issue(struct nm_uring_ctx *ctx, struct ur_req *req)
{
	uint32_t usage = (req->ioprio & IORING_SEND_ZC_REPORT_USAGE) ?
			 IORING_NOTIF_USAGE_ZC_COPIED : 0;

	if (!req->final_pending) {
		if (!send_some(ctx, req))
			return UR_PENDING;
		if (nm__ur_cq_space(ctx) < 2) {
			req->final_pending = true;	/* both CQEs later */
			return UR_PENDING;
		}
	} else if (nm__ur_cq_space(ctx) < 2) {
		return UR_PENDING;
	}
	req->final_pending = false;
	nm__ur_post(ctx, req->user_data, req->res, IORING_CQE_F_MORE, 0);
	nm__ur_post(ctx, req->user_data, (int32_t)usage, IORING_CQE_F_NOTIF, 0);
	return UR_DONE;
}

/* ---- CLOSE ----------------------------------------------------------------------------- */

static int close_prep(struct nm_uring_ctx *ctx, struct ur_req *req, const struct io_uring_sqe *sqe)
{
	(void)ctx;
	(void)req;
	if (sqe->off || sqe->addr || sqe->len || sqe->rw_flags || sqe->buf_index)
		return -EINVAL;
	if (sqe->file_index)
		return -EINVAL;	/* no fixed files */
	return 0;
}

static int close_issue(struct nm_uring_ctx *ctx, struct ur_req *req)
{
	int r;

	if (!nm_sock_lookup(req->fd))
		return nm__ur_finish(ctx, req, -EBADF, 0);
	/* requests on the descriptor end first: the number may be reused */
	nm__ur_cancel(ctx, req->fd, NULL);
	r = nm_close(req->fd);
	return nm__ur_finish(ctx, req, r, 0);
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static const struct ur_opdef ur_ops[IORING_OP_LAST] = {
	[IORING_OP_NOP]		= { nop_prep, nop_issue },
	[IORING_OP_ACCEPT]	= { accept_prep, accept_issue },
	[IORING_OP_RECV]	= { recv_prep, recv_issue },
	[IORING_OP_SEND]	= { send_prep, send_issue },
	[IORING_OP_SEND_ZC]	= { send_zc_prep, send_zc_issue },
	[IORING_OP_CLOSE]	= { close_prep, close_issue },
	[IORING_OP_RECV_ZC]	= { nm__ur_recv_zc_prep, nm__ur_recv_zc_issue },
};

static void req_free(struct nm_uring_ctx *ctx, struct ur_req *req)
{
	ctx->reqs--;
	free(req);
}

/* Checks every opcode shares (io_init_req()). */
static int check_common(const struct io_uring_sqe *sqe)
{
	if (sqe->opcode >= IORING_OP_LAST || !ur_ops[sqe->opcode].prep)
		return -EINVAL;
	if (sqe->flags & ~UR_SQE_FLAGS_OK)
		return -EINVAL;
	if (sqe->personality)
		return -EINVAL;
	return 0;
}

static void take_sqe(struct nm_uring_ctx *ctx, const struct io_uring_sqe *sqe_shared)
{
	struct io_uring_sqe sqe;
	struct ur_req *req;
	int r;

	/* one read of the shared entry: the application may scribble on it */
	memcpy(&sqe, sqe_shared, sizeof(sqe));
	req = calloc(1, sizeof(*req));
	if (!req) {
		/* no memory for the request: its CQE says so if there is room */
		nm__ur_post(ctx, sqe.user_data, -ENOMEM, 0, 0);
		return;
	}
	ctx->reqs++;
	req->user_data = sqe.user_data;
	req->opcode = sqe.opcode;
	req->fd = sqe.fd;
	req->addr = sqe.addr;
	req->addr2 = sqe.addr2;
	req->len = sqe.len;
	req->msg_flags = sqe.msg_flags;
	req->ioprio = sqe.ioprio;
	{
		struct nm_socket *so = nm_sock_lookup(sqe.fd);

		req->serial = so ? so->serial : 0;
	}
	r = check_common(&sqe);
	if (!r)
		r = ur_ops[sqe.opcode].prep(ctx, req, &sqe);
	if (r) {
		if (nm__ur_finish(ctx, req, r, 0) == UR_DONE)
			req_free(ctx, req);
		else {
			req->opcode = IORING_OP_NOP;	/* only the CQE is left */
			req->next = ctx->pending;
			ctx->pending = req;
		}
		return;
	}
	if (ur_ops[req->opcode].issue(ctx, req) == UR_DONE) {
		req_free(ctx, req);
		return;
	}
	req->next = ctx->pending;
	ctx->pending = req;
}

/* Run pending requests once; those done leave the list. */
static int run_pending(struct nm_uring_ctx *ctx)
{
	struct ur_req **p = &ctx->pending;
	int work = 0;

	while (*p) {
		struct ur_req *req = *p;
		int r;

		if (req->final_pending && req->opcode != IORING_OP_SEND_ZC)
			r = nm__ur_finish(ctx, req, req->res, req->cqe_flags);
		else
			r = ur_ops[req->opcode].issue(ctx, req);
		if (r == UR_DONE) {
			*p = req->next;
			req_free(ctx, req);
			work++;
		} else {
			p = &req->next;
		}
	}
	return work;
}

int nm__ur_process(struct nm_uring_ctx *ctx)
{
	unsigned tail = __atomic_load_n(&ctx->sh->sq_tail, __ATOMIC_ACQUIRE);
	unsigned n = tail - ctx->sq_head;
	int work;

	/* a tail more than a ring ahead is the application's garbage: take
	 * one ring's worth, as the kernel does (min(entries, sq_entries)) */
	if (n > ctx->sq_entries)
		n = ctx->sq_entries;
	if (n > UR_PROCESS_BUDGET)
		n = UR_PROCESS_BUDGET;
	work = run_pending(ctx);
	for (unsigned i = 0; i < n; i++) {
		unsigned idx = __atomic_load_n(&ctx->sq_array[(ctx->sq_head + i) &
							      (ctx->sq_entries - 1)],
					       __ATOMIC_RELAXED);

		if (idx >= ctx->sq_entries) {
			ctx->sh->sq_dropped++;
			continue;
		}
		take_sqe(ctx, &ctx->sqes[idx]);
	}
	if (n) {
		ctx->sq_head += n;
		__atomic_store_n(&ctx->sh->sq_head, ctx->sq_head, __ATOMIC_RELEASE);
	}
	return work + (int)n;
}

void nm__ur_cancel(struct nm_uring_ctx *ctx, int fd, const struct ur_ifq *ifq)
{
	struct ur_req **p = &ctx->pending;

	while (*p) {
		struct ur_req *req = *p;
		bool match = (fd >= 0 && req->fd == fd && !req->final_pending) ||
			     (ifq && req->ifq == ifq && !req->final_pending);

		if (match && nm__ur_finish(ctx, req, -ECANCELED, 0) == UR_DONE) {
			*p = req->next;
			req_free(ctx, req);
			continue;
		}
		if (match)
			req->opcode = IORING_OP_NOP;	/* its CQE is all that is left */
		p = &req->next;
	}
}

void nm__ur_cancel_all(struct nm_uring_ctx *ctx)
{
	while (ctx->pending) {
		struct ur_req *req = ctx->pending;

		/* the ring goes: a CQE without room is dropped, as at the
		 * kernel's ring exit */
		if (!req->final_pending)
			nm__ur_finish(ctx, req, -ECANCELED, 0);
		ctx->pending = req->next;
		req_free(ctx, req);
	}
}
