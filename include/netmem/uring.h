/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_URING_H
#define NETMEM_URING_H

/*
 * nm_uring: io_uring-shaped submission/completion rings for netmem sockets,
 * with zero-copy receive (zcrx).  The entries are the kernel's (struct
 * io_uring_sqe, struct io_uring_cqe, <netmem/io_uring.h>) and the helpers
 * are liburing's, renamed io_uring_* -> nm_uring_*; zcrx code written with
 * liburing ports by renaming calls (and passing the stack to
 * nm_uring_queue_init(), as nm_socket() takes it).
 *
 * Threads.  The ring belongs to one application thread (the submitter,
 * IORING_SETUP_SINGLE_ISSUER) and its requests run on the stack's thread:
 * the application writes SQEs into shared memory and moves the SQ tail;
 * nm_uring_submit() wakes the stack, whose loop (nm_stack_poll()) takes
 * the SQEs, runs them against the sockets and posts CQEs, which the
 * application reads without any lock.  The application thread may be the
 * stack's own (the last thread to call nm_stack_poll()): waiting for a
 * CQE then runs the stack loop itself (IORING_SETUP_DEFER_TASKRUN's
 * meaning: work runs when the submitter waits).  Handing the stack to
 * another thread is the application's to order, as for every stack call:
 * once that thread has polled, this one's waits no longer run the loop;
 * until then they would, so let it poll once before waiting (the test
 * bed's t_stk_start() does).  Registration calls
 * (nm_uring_register_ifq(), nm_uring_register_zcrx_ctrl()) run on the
 * stack's thread too: from another thread they wait for the stack's
 * next pass, so a stack thread must be running (before any thread has
 * run the stack, they run on the caller's thread: set-up before the
 * stack's thread starts).
 *
 * Calling order: nm_uring_queue_init() after the stack exists and before
 * its thread starts or while it runs; register an ifq before RECV_ZC
 * names it; nm_uring_queue_exit() before nm_stack_destroy().
 *
 * Sockets named in SQEs are nm_* descriptors of the ring's stack.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/time_types.h>

#include <netmem/io_uring.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nm_stack;
struct nm_uring_ctx;

/* The application's view of the rings (liburing's struct io_uring_sq/cq). */
struct nm_uring_sq {
	unsigned *khead;
	unsigned *ktail;
	unsigned *kflags;
	unsigned *kdropped;
	unsigned *array;
	struct io_uring_sqe *sqes;
	unsigned sqe_head;		/* next SQE to publish */
	unsigned sqe_tail;		/* next SQE to hand out */
	unsigned ring_mask;
	unsigned ring_entries;
};

struct nm_uring_cq {
	unsigned *khead;
	unsigned *ktail;
	unsigned *koverflow;
	struct io_uring_cqe *cqes;	/* entries of 16 or 32 bytes (CQE32) */
	unsigned ring_mask;
	unsigned ring_entries;
};

struct nm_uring {
	struct nm_uring_sq sq;
	struct nm_uring_cq cq;
	unsigned flags;			/* IORING_SETUP_* */
	struct nm_uring_ctx *ctx;	/* the stack's side */
};

/* ---- Setup ------------------------------------------------------------------- */

/*
 * A ring of entries SQEs (a power of two is not required: it is rounded up,
 * as the kernel does; 1..32768, more is -EINVAL unless IORING_SETUP_CLAMP)
 * and twice as many CQEs, on stack st.  flags: IORING_SETUP_* of which
 * netmem implements SINGLE_ISSUER, DEFER_TASKRUN, CQE32, CLAMP,
 * SUBMIT_ALL, COOP_TASKRUN and TASKRUN_FLAG (the last three change
 * nothing here); any other is -EINVAL.  DEFER_TASKRUN without
 * SINGLE_ISSUER is -EINVAL (the kernel's rule).  zcrx needs DEFER_TASKRUN
 * and CQE32.
 */
int nm_uring_queue_init(struct nm_stack *st, unsigned entries, struct nm_uring *ring,
			unsigned flags);
/* Cancels what is in flight, unregisters every ifq (buffers the
 * application still holds are taken back: the area stays mapped in the
 * application, its pages are no longer the NIC's) and frees the rings. */
void nm_uring_queue_exit(struct nm_uring *ring);

/* ---- Submission ------------------------------------------------------------------ */

/* The next free SQE (zeroed by the caller's prep helper), NULL if the SQ is
 * full, or with an EINVAL message for a NULL or closed ring. */
struct io_uring_sqe *nm_uring_get_sqe(struct nm_uring *ring);
/* Publish the SQEs got so far and wake the stack.  Returns how many, or
 * -EEXIST when called from another thread than the first submitter
 * (SINGLE_ISSUER). */
int nm_uring_submit(struct nm_uring *ring);
/* Submit, then wait until at least wait_nr CQEs are ready (at most the CQ's
 * size: a full CQ ends the wait, as io_uring_enter's min_complete). */
int nm_uring_submit_and_wait(struct nm_uring *ring, unsigned wait_nr);

/* ---- Completion ---------------------------------------------------------------- */

/* The next CQE without waiting: 0 and *cqe, or -EAGAIN. */
int nm_uring_peek_cqe(struct nm_uring *ring, struct io_uring_cqe **cqe);
/* Wait for a CQE (running the stack when called on its thread). */
int nm_uring_wait_cqe(struct nm_uring *ring, struct io_uring_cqe **cqe);
/* The same, for at most ts (NULL: no limit): -ETIME when it passed. */
int nm_uring_wait_cqe_timeout(struct nm_uring *ring, struct io_uring_cqe **cqe,
			      struct __kernel_timespec *ts);
/* Up to count ready CQEs into cqes; returns how many. */
unsigned nm_uring_peek_batch_cqe(struct nm_uring *ring, struct io_uring_cqe **cqes,
				 unsigned count);
/* Hand nr CQEs back to the ring (at most those ready). */
void nm_uring_cq_advance(struct nm_uring *ring, unsigned nr);
/* Hand one CQE back. */
void nm_uring_cqe_seen(struct nm_uring *ring, struct io_uring_cqe *cqe);
/* CQEs ready now. */
unsigned nm_uring_cq_ready(const struct nm_uring *ring);

/* ---- Prep helpers (liburing's) ---------------------------------------------------- */

static inline void nm_uring_prep_rw(int op, struct io_uring_sqe *sqe, int fd, const void *addr,
				    unsigned len, __u64 offset)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = (__u8)op;
	sqe->fd = fd;
	sqe->off = offset;
	sqe->addr = (unsigned long)addr;
	sqe->len = len;
}

static inline void nm_uring_prep_nop(struct io_uring_sqe *sqe)
{
	nm_uring_prep_rw(IORING_OP_NOP, sqe, -1, NULL, 0, 0);
}

static inline void nm_uring_prep_accept(struct io_uring_sqe *sqe, int fd, struct sockaddr *addr,
					socklen_t *addrlen, int flags)
{
	nm_uring_prep_rw(IORING_OP_ACCEPT, sqe, fd, addr, 0, (unsigned long)addrlen);
	sqe->accept_flags = (__u32)flags;
}

static inline void nm_uring_prep_multishot_accept(struct io_uring_sqe *sqe, int fd,
						  struct sockaddr *addr, socklen_t *addrlen,
						  int flags)
{
	nm_uring_prep_accept(sqe, fd, addr, addrlen, flags);
	sqe->ioprio |= IORING_ACCEPT_MULTISHOT;
}

static inline void nm_uring_prep_recv(struct io_uring_sqe *sqe, int sockfd, void *buf,
				      size_t len, int flags)
{
	nm_uring_prep_rw(IORING_OP_RECV, sqe, sockfd, buf, (unsigned)len, 0);
	sqe->msg_flags = (__u32)flags;
}

static inline void nm_uring_prep_send(struct io_uring_sqe *sqe, int sockfd, const void *buf,
				      size_t len, int flags)
{
	nm_uring_prep_rw(IORING_OP_SEND, sqe, sockfd, buf, (unsigned)len, 0);
	sqe->msg_flags = (__u32)flags;
}

static inline void nm_uring_prep_send_zc(struct io_uring_sqe *sqe, int sockfd, const void *buf,
					 size_t len, int flags, unsigned zc_flags)
{
	nm_uring_prep_rw(IORING_OP_SEND_ZC, sqe, sockfd, buf, (unsigned)len, 0);
	sqe->msg_flags = (__u32)flags;
	sqe->ioprio = (__u16)zc_flags;
}

static inline void nm_uring_prep_close(struct io_uring_sqe *sqe, int fd)
{
	nm_uring_prep_rw(IORING_OP_CLOSE, sqe, fd, NULL, 0, 0);
}

/* RECV_ZC is always multishot (the kernel requires IORING_RECV_MULTISHOT);
 * len 0: until EOF. */
static inline void nm_uring_prep_recv_zc(struct io_uring_sqe *sqe, int sockfd,
					    unsigned zcrx_id, unsigned len)
{
	nm_uring_prep_rw(IORING_OP_RECV_ZC, sqe, sockfd, NULL, len, 0);
	sqe->ioprio |= IORING_RECV_MULTISHOT;
	sqe->zcrx_ifq_idx = zcrx_id;
}

static inline void nm_uring_sqe_set_data64(struct io_uring_sqe *sqe, __u64 data)
{
	sqe->user_data = data;
}

static inline __u64 nm_uring_cqe_get_data64(const struct io_uring_cqe *cqe)
{
	return cqe->user_data;
}

/* ---- zcrx --------------------------------------------------------------------------- */

/*
 * IORING_REGISTER_ZCRX_IFQ: bind RX queue reg->if_rxq of netdev
 * reg->if_idx to an area (reg->area_ptr: struct io_uring_zcrx_area_reg)
 * with a refill ring in reg->region_ptr (struct io_uring_region_desc,
 * IORING_MEM_REGION_TYPE_USER).  The area's user memory becomes a dma-buf
 * (a sealed memfd now backs those pages at the same address, the udmabuf
 * rules) bound to the queue through the dmabuf memory provider; an area
 * with IORING_ZCRX_AREA_DMABUF names a dma-buf fd instead.  Out:
 * reg->rq_entries (rounded), reg->offsets, reg->zcrx_id,
 * area->rq_area_token.  Refusals and their errno: docs/zcrx.md.
 */
int nm_uring_register_ifq(struct nm_uring *ring, struct io_uring_zcrx_ifq_reg *reg);
/* IORING_REGISTER_ZCRX_CTRL: ZCRX_CTRL_FLUSH_RQ takes the refill ring's
 * entries back now.  Others: -EOPNOTSUPP (EXPORT) or -EINVAL. */
int nm_uring_register_zcrx_ctrl(struct nm_uring *ring, struct zcrx_ctrl *ctrl);
/* netmem's own: take ifq zcrx_id off its queue now (the queue restarts on
 * host pages).  Buffers the application holds stay valid and readable
 * until it returns them or the ring closes. */
int nm_uring_unregister_ifq(struct nm_uring *ring, uint32_t zcrx_id);

/* What an ifq counted (netmem's; size: sizeof(*s), the error.h
 * convention). */
struct nm_uring_zcrx_stats {
	uint64_t cqes;			/* RECV_ZC data CQEs */
	uint64_t bytes;			/* bytes they reported */
	uint64_t copy_cqes, copy_bytes;	/* of those, the COPY fallback: bytes
					 * that did not land in the area,
					 * copied into area buffers */
	uint64_t alloc_fail;		/* the area had no buffer for a copy,
					 * or the queue none for the NIC */
	uint64_t rqe_returned;		/* refill entries taken */
	uint64_t rqe_bad;		/* refill entries dropped: outside the
					 * area, wrong token, not held (double
					 * return), pad set */
	uint64_t held;			/* buffers the application holds now */
};
int nm_uring_zcrx_get_stats(struct nm_uring *ring, uint32_t zcrx_id,
			    struct nm_uring_zcrx_stats *s, size_t size);

/* The refill ring as an application sees it (liburing's examples keep
 * the same fields). */
struct nm_uring_zcrx_rq {
	__u32 *khead;
	__u32 *ktail;
	__u32 rq_tail;
	unsigned ring_entries;
	struct io_uring_zcrx_rqe *rqes;
	void *ring_ptr;
};

/* Point rq at the refill ring that reg (after nm_uring_register_ifq())
 * placed in region memory ring_mem. */
static inline void nm_uring_zcrx_rq_init(struct nm_uring_zcrx_rq *rq, void *ring_mem,
					 const struct io_uring_zcrx_ifq_reg *reg)
{
	rq->ring_ptr = ring_mem;
	rq->khead = (__u32 *)((char *)ring_mem + reg->offsets.head);
	rq->ktail = (__u32 *)((char *)ring_mem + reg->offsets.tail);
	rq->rqes = (struct io_uring_zcrx_rqe *)((char *)ring_mem + reg->offsets.rqes);
	rq->rq_tail = __atomic_load_n(rq->ktail, __ATOMIC_RELAXED);
	rq->ring_entries = reg->rq_entries;
}

/* Free refill slots now. */
static inline unsigned nm_uring_zcrx_rq_space(const struct nm_uring_zcrx_rq *rq)
{
	return rq->ring_entries - (rq->rq_tail - __atomic_load_n(rq->khead, __ATOMIC_ACQUIRE));
}

/* Hand back the buffer of a RECV_ZC CQE (its off and res); false when the
 * ring is full (publish with nm_uring_zcrx_rq_commit() and retry). */
static inline bool nm_uring_zcrx_rq_put(struct nm_uring_zcrx_rq *rq, __u64 off, __u32 len)
{
	struct io_uring_zcrx_rqe *e;

	if (!nm_uring_zcrx_rq_space(rq))
		return false;
	e = &rq->rqes[rq->rq_tail & (rq->ring_entries - 1)];
	e->off = off;
	e->len = len;
	e->__pad = 0;
	rq->rq_tail++;
	return true;
}

/* Publish the entries put so far. */
static inline void nm_uring_zcrx_rq_commit(struct nm_uring_zcrx_rq *rq)
{
	__atomic_store_n(rq->ktail, rq->rq_tail, __ATOMIC_RELEASE);
}

/* The zcrx half of a CQE32. */
static inline const struct io_uring_zcrx_cqe *nm_uring_zcrx_cqe(const struct io_uring_cqe *cqe)
{
	return (const struct io_uring_zcrx_cqe *)(cqe + 1);
}

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_URING_H */
