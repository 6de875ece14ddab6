/* SPDX-License-Identifier: MIT */
/*
 * RECV_ZC (multishot): one CQE32 per fragment, res = its length, the zcrx
 * half's off = area token | offset of the bytes in the area, flags
 * IORING_CQE_F_MORE; the final CQE (no F_MORE) says why it ended: 0 at
 * end of stream or when len bytes were received, -errno on an error, as
 * the kernel's io_recvzc().
 *
 * Device frags of this ifq's area are reported where they lie (one more
 * page-pool reference and one user reference each).  Anything else the
 * socket holds is copied into area buffers from the binding's allocator
 * (the copy fallback, counted as COPY: linear bytes, packets of a flow that
 * arrived on another queue): host bytes with memcpy through the DMA engine
 * (the stack never writes the area itself).  Frags of another dma-buf are
 * refused with -EFAULT, as the kernel refuses net_iovs it cannot copy.
 *
 * When the CQ is full or no area buffer is free for a copy, the walk stops
 * there: the rest stays in the socket (nm_sock_recv_zc()'s invariant) and
 * the request waits; nothing is dropped.  An area with no free buffer
 * also closes the window: the queue's memory is what TCP advertises.
 * Runs on the stack's thread.
 */
#include <errno.h>

#include <netmem/dma.h>

#include "pool/memory_provider.h"
#include "pool/page_pool.h"
#include "sock/sock_internal.h"
#include "sock/zc_rx.h"
#include "uring/uring_internal.h"
#include "util/err.h"

struct zc_ctx {
	struct nm_uring_ctx *ctx;
	struct ur_req *req;
	struct ur_ifq *ifq;
};

int nm__ur_recv_zc_prep(struct nm_uring_ctx *ctx, struct ur_req *req,
			const struct io_uring_sqe *sqe)
{
	if (sqe->addr2 || sqe->addr || sqe->addr3)
		return -EINVAL;
	req->ifq = nm__ur_ifq(ctx, sqe->zcrx_ifq_idx);
	if (!req->ifq)
		return -EINVAL;
	if (sqe->msg_flags)
		return -EINVAL;
	if (sqe->ioprio & ~(IORING_RECVSEND_POLL_FIRST | IORING_RECV_MULTISHOT))
		return -EINVAL;
	/* multishot required: all data completions are auxiliary CQEs */
	if (!(sqe->ioprio & IORING_RECV_MULTISHOT))
		return -EINVAL;
	req->limited = sqe->len != 0;
	return 0;
}

static bool post_data(struct zc_ctx *z, uint64_t off, uint32_t len)
{
	return nm__ur_post(z->ctx, z->req->user_data, (int32_t)len, IORING_CQE_F_MORE, off);
}

static ssize_t zc_frag(void *arg, nm_netmem_t nm, uint32_t off, uint32_t len)
{
	struct zc_ctx *z = arg;
	struct nm_net_iov *niov = nm_netmem_to_net_iov(nm);
	const struct nm_net_iov_area *a = nm_netmem_owner(nm);
	int64_t s;

	if (!niov || !a || a->type != NM_NET_IOV_DMABUF || a->owner != z->ifq->b)
		return nm_err(EFAULT, "a device frag of another dma-buf cannot be copied");
	if (!nm__ur_cq_space(z->ctx))
		return 0;
	s = nm__ur_ifq_slot(z->ifq, niov);
	if (s < 0 || nm_page_pool_ref_netmem(nm) < 0)
		return nm_err(EFAULT, "frag holds no reference");
	post_data(z, nm_net_iov_offset(niov) + off, len);
	z->ifq->user_refs[s]++;
	z->ifq->stats.held++;
	z->ifq->stats.cqes++;
	z->ifq->stats.bytes += len;
	return len;
}

/* The copy fallback's buffer with room, NULL when the area has none. */
static struct nm_net_iov *copy_target(struct ur_ifq *ifq)
{
	uint32_t size = 1u << ifq->niov_shift;
	struct nm_net_iov *niov = ifq->copy_niov;
	int64_t s;

	if (niov && ifq->copy_off < size)
		return niov;
	if (niov) {
		/* full: it belongs to its user references now */
		ifq->copy_niov = NULL;
		s = nm__ur_ifq_slot(ifq, niov);
		if (s >= 0 && !ifq->user_refs[s]) {
			ifq->copy_buf[s] = 0;
			nm_dmabuf_binding_free_niov(ifq->b, niov);
		}
	}
	if (nm_dmabuf_binding_alloc_niovs(ifq->b, &niov, 1) != 1) {
		ifq->stats.alloc_fail++;
		return NULL;
	}
	s = nm__ur_ifq_slot(ifq, niov);
	if (s < 0) {
		nm_dmabuf_binding_free_niov(ifq->b, niov);
		return NULL;
	}
	ifq->copy_buf[s] = 1;
	ifq->copy_niov = niov;
	ifq->copy_off = 0;
	return niov;
}

static ssize_t zc_copy(void *arg, const void *src, uint32_t len)
{
	struct zc_ctx *z = arg;
	struct ur_ifq *ifq = z->ifq;
	uint32_t size = 1u << ifq->niov_shift, done = 0;

	while (done < len && nm__ur_cq_space(z->ctx)) {
		struct nm_net_iov *niov = copy_target(ifq);
		uint32_t n;
		int64_t s;
		int r;

		if (!niov)
			break;
		n = size - ifq->copy_off;
		n = n < len - done ? n : len - done;
		r = nm_dma_write(nm_dmabuf_binding_device(ifq->b),
				 nm_net_iov_dma_addr(niov) + ifq->copy_off,
				 (const uint8_t *)src + done, n);
		if (r)
			return done ? (ssize_t)done : r;
		s = nm__ur_ifq_slot(ifq, niov);
		post_data(z, nm_net_iov_offset(niov) + ifq->copy_off, n);
		ifq->user_refs[s]++;
		ifq->stats.held++;
		ifq->stats.cqes++;
		ifq->stats.bytes += n;
		ifq->stats.copy_cqes++;
		ifq->stats.copy_bytes += n;
		ifq->copy_off += n;
		done += n;
	}
	return done;
}

static const struct nm_sock_zc_ops zc_ops = { .frag = zc_frag, .copy = zc_copy };

int nm__ur_recv_zc_issue(struct nm_uring_ctx *ctx, struct ur_req *req)
{
	struct zc_ctx z = { ctx, req, req->ifq };
	struct nm_socket *so = nm__ur_sock(req);
	ssize_t r;

	if (!so)
		return nm__ur_finish(ctx, req, -EBADF, 0);
	for (;;) {
		/* keep one CQE for the end */
		if (nm__ur_cq_space(ctx) < 2)
			return UR_PENDING;
		r = nm_sock_recv_zc(so, &zc_ops, &z, req->limited ? req->len : 0);
		if (r == -EAGAIN)
			return UR_PENDING;
		if (r > 0) {
			if (!req->limited)
				continue;
			req->len -= (uint32_t)r;
			if (req->len)
				continue;
			r = 0;		/* len reached: complete with 0 */
		}
		return nm__ur_finish(ctx, req, (int32_t)r, 0);
	}
}

void nm__ur_recv_zc_space(struct nm_uring_ctx *ctx, const struct ur_ifq *ifq)
{
	for (struct ur_req *req = ctx->pending; req; req = req->next) {
		struct nm_socket *so;

		if (req->opcode != IORING_OP_RECV_ZC || req->ifq != ifq)
			continue;
		so = nm__ur_sock(req);
		if (so)
			nm_sock_rcv_space_changed(so);
	}
}
