/* SPDX-License-Identifier: MIT */
#ifndef NM_URING_INTERNAL_H
#define NM_URING_INTERNAL_H

/*
 * What the uring/ files share.
 *   ring.c     the ring's memory, the application's side (get_sqe, submit,
 *              wait...), the stack-side hook and the calls handed to the
 *              stack's thread
 *   ops.c      SQEs on the stack's thread: checks, NOP, ACCEPT, RECV, SEND,
 *              SEND_ZC, CLOSE, pending requests
 *   zcrx.c     interface queues: registration, area, refill ring, teardown
 *   recv_zc.c  RECV_ZC
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <netmem/uring.h>

#include "net/stack_hook.h"

#define UR_MAX_ENTRIES		32768u	/* SQ entries (the kernel's IORING_MAX_ENTRIES) */
#define UR_MAX_IFQS		8u
#define UR_RQ_MAX_ENTRIES	32768u	/* the kernel's IO_RQ_MAX_ENTRIES */
#define UR_AREA_MAX_LEN		(1ull << 30)	/* the kernel's io_validate_user_buf_range() */

/* The shared header: indices on their own cache lines, like the kernel's
 * struct io_rings. */
struct ur_shared {
	_Alignas(64) unsigned sq_head;
	_Alignas(64) unsigned sq_tail;
	_Alignas(64) unsigned cq_head;
	_Alignas(64) unsigned cq_tail;
	unsigned cq_overflow;
	unsigned sq_flags, sq_dropped;
};

struct ur_ifq;

/* One request on the stack's side. */
struct ur_req {
	struct ur_req *next;
	uint64_t user_data;
	uint64_t addr, addr2;
	int fd;
	uint64_t serial;		/* of fd's socket when taken (0: none) */
	uint32_t len, msg_flags;
	uint16_t ioprio;
	uint8_t opcode;
	bool final_pending;		/* res is the final CQE, not yet posted (CQ full) */
	int32_t res;
	uint32_t cqe_flags;
	uint32_t done;			/* SEND: bytes sent so far */
	struct ur_ifq *ifq;		/* RECV_ZC */
	bool limited;			/* RECV_ZC: len bounds the bytes */
};

/* A call an application thread hands to the stack's thread. */
struct ur_call {
	struct ur_call *next;
	int (*fn)(struct nm_uring_ctx *ctx, void *arg);
	void *arg;
	int ret;
	bool done;
	char msg[256];
};

struct nm_uring_ctx {
	struct nm_stack_hook hook;	/* first: the stack calls it each pass */
	struct nm_stack *st;
	unsigned flags;
	/* shared memory */
	void *mem;
	size_t mem_len;
	struct ur_shared *sh;
	unsigned *sq_array;
	struct io_uring_sqe *sqes;
	uint8_t *cqes;
	unsigned cqe_size;
	unsigned sq_entries, cq_entries;
	/* wakeups: sq_efd application -> stack, cq_efd stack -> application */
	int sq_efd, cq_efd;
	atomic_int kicked;
	atomic_int cq_waiting;
	atomic_ulong submitter;		/* SINGLE_ISSUER: the first submitter */
	/* calls for the stack's thread */
	pthread_mutex_t mbox_lock;
	pthread_cond_t mbox_cond;
	struct ur_call *mbox;
	/* stack side: requests waiting for their socket */
	struct ur_req *pending;
	unsigned sq_head;		/* local copy */
	bool posted;			/* this pass posted CQEs */
	struct ur_ifq *ifqs[UR_MAX_IFQS];
	uint64_t reqs;			/* requests alive, for the checker */
};

/* ---- ring.c ---- */
/* Post a CQE (stack's thread); false when the CQ is full.  zoff: the zcrx
 * half of a CQE32 (ignored with 16-byte CQEs). */
bool nm__ur_post(struct nm_uring_ctx *ctx, uint64_t user_data, int32_t res, uint32_t flags,
		 uint64_t zoff);
/* Free CQ slots now. */
unsigned nm__ur_cq_space(const struct nm_uring_ctx *ctx);
/* Run fn on the stack's thread (directly when the caller runs the stack),
 * carrying its error message back. */
int nm__ur_call(struct nm_uring_ctx *ctx, int (*fn)(struct nm_uring_ctx *, void *), void *arg);

/* ---- ops.c ---- */
enum { UR_PENDING = 0, UR_DONE = 1 };	/* what an issue returns */
/* A request's final CQE: posted (UR_DONE), or kept on the request for a
 * later pass when the CQ is full (final_pending, UR_PENDING). */
int nm__ur_finish(struct nm_uring_ctx *ctx, struct ur_req *req, int32_t res, uint32_t flags);
struct nm_socket;
/* The socket req names: NULL when fd has none, or a later socket than
 * the one the request was taken for (its socket was closed). */
struct nm_socket *nm__ur_sock(const struct ur_req *req);
/* Take the SQEs published so far; run and retry pending requests.
 * Returns the work done. */
int nm__ur_process(struct nm_uring_ctx *ctx);
/* Complete every pending request with -ECANCELED (ring exit). */
void nm__ur_cancel_all(struct nm_uring_ctx *ctx);
/* Complete pending requests that match (fd >= 0: on fd; ifq: on it). */
void nm__ur_cancel(struct nm_uring_ctx *ctx, int fd, const struct ur_ifq *ifq);

/* ---- zcrx.c ---- */
struct ur_ifq *nm__ur_ifq(struct nm_uring_ctx *ctx, uint32_t id);
/* Take the refill rings' entries; returns buffers returned. */
int nm__ur_zcrx_refill(struct nm_uring_ctx *ctx);
/* Free every ifq (ring exit): buffers held come back. */
void nm__ur_zcrx_free_all(struct nm_uring_ctx *ctx);

/* ---- recv_zc.c ---- */
int nm__ur_recv_zc_prep(struct nm_uring_ctx *ctx, struct ur_req *req,
			const struct io_uring_sqe *sqe);
/* UR_DONE (final CQE posted) or UR_PENDING. */
int nm__ur_recv_zc_issue(struct nm_uring_ctx *ctx, struct ur_req *req);
/* What the refill needs from an ifq's receive side: sockets to tell when
 * buffers came back. */
void nm__ur_recv_zc_space(struct nm_uring_ctx *ctx, const struct ur_ifq *ifq);

/* The ifq, as recv_zc.c uses it (zcrx.c owns it). */
struct nm_dmabuf_binding;
struct nm_net_iov;
struct ur_ifq {
	uint32_t id;
	struct nm_netdev *nd;
	uint32_t rxq;
	bool bound;			/* the queue's provider is ours */
	struct nm_dmabuf_binding *b;	/* our reference */
	uint32_t niov_shift;
	uint64_t nr_slots;		/* area bytes >> niov_shift */
	uint32_t *user_refs;		/* per slot: buffers the application holds */
	uint8_t *copy_buf;		/* per slot: 1 = a copy buffer (not a pool's) */
	struct nm_net_iov **slot_niov;	/* per slot */
	/* the binding's areas (an array): slot of net_iov k of area i is
	 * first_slot[i] + k, O(1) for every CQE and refill entry */
	struct nm_net_iov_area *area0;
	uint64_t *first_slot;
	uint32_t nr_areas;
	/* the copy fallback's current buffer */
	struct nm_net_iov *copy_niov;
	uint32_t copy_off;
	/* refill ring (application memory) */
	uint32_t *rq_head, *rq_tail;
	struct io_uring_zcrx_rqe *rqes;
	uint32_t rq_entries;
	uint64_t alloc_fail_base;	/* the queue's alloc_fail at registration */
	struct nm_uring_zcrx_stats stats;
};
/* Slot of a net_iov of the ifq's binding, -1 if none. */
int64_t nm__ur_ifq_slot(const struct ur_ifq *ifq, const struct nm_net_iov *niov);
/* Give one user reference of slot back (refill, teardown). */
void nm__ur_ifq_put_slot(struct ur_ifq *ifq, uint64_t slot);

#endif
