/* SPDX-License-Identifier: MIT */
/*
 * The TAP wire's batched engine: frames in and out of the tun fd through
 * io_uring (Debian's liburing) instead of one readv per frame and one
 * writev per ACK.
 *
 * Receive.  Up to NM_TAPU_POST reads are posted ahead, each into one of
 * NM_TAPU_SLOTS buffers of the wire's own (a slot: the vnet header, then
 * room for the largest frame tun delivers), like a NIC's RX descriptors;
 * free slots are reused last-freed first, so a stream cycles through a
 * few cache-warm slots (all 64 posted, the kernel's copy wrote cold
 * memory and saved nothing).  The ring is set up with
 * DEFER_TASKRUN: a read whose frame has arrived completes only when the
 * owning thread enters the ring, so every read that found a frame
 * completes in one io_uring_enter, which also submits the reads posted
 * since and the queued writes.  Until then the frame stays in tun's queue,
 * so the tun fd still polls readable and the stack sleeps on it as on the
 * plain engine.  With nothing to submit, no completion waiting and no
 * deferred work flagged (IORING_SQ_TASKRUN), an empty poll costs no
 * system call at all.  Frames are handed to the NIC where they lie (peek,
 * then consume or hold, as the shm wire lends its arena): for a host-memory
 * queue the payload stays in the slot, the kernel's copy is its one copy.
 * Where the NIC would copy a lent payload anyway (device memory: the
 * receive call's prefer_copy), no reads stay posted and each frame is
 * read into the NIC's buffers with the plain engine's readv.
 *
 * Transmit.  Outside a batch (nm_wire_tx_batch) a frame goes out at once
 * with the plain engine's writev.  Inside one (the stack's loop pass) a
 * frame of at most NM_TAPU_TX_COPY bytes with its vnet header (ACKs,
 * window updates, SYNs) is copied into a write slot and queued; the
 * queue is submitted when the batch ends, when the next receive enters
 * the ring anyway, or when a larger frame must go (it then goes after
 * them, at once).  A queued write that fails is counted in tx_dropped,
 * as a NIC reports a completion error.
 *
 * Invariants:
 *  1. Every receive slot is in exactly one state: free (on the free
 *     stack), posted (a read in flight), ready (in the ready FIFO, in the
 *     order the reads completed, which is the order tun delivered the
 *     frames), or taken (in the taken FIFO: handed on, held or consumed).
 *  2. A taken slot goes back to free only once it and every slot taken
 *     before it are consumed or released (frames go back oldest first;
 *     the taken FIFO and its count of held slots: wire_tap_lend.h).
 *  3. The ring belongs to the first thread that does I/O on the wire
 *     (SINGLE_ISSUER, DEFER_TASKRUN: only it may enter the ring).  Another
 *     thread (the drop-in runtime lets whichever thread holds the stack
 *     run it) reads into a free slot and writes with plain system calls;
 *     frames still enter the ready FIFO in tun's order, since a posted
 *     read takes its frame only when the owner enters the ring.
 *
 * Workload: a stack thread polling a stream: per loop pass one enter that
 * completes a batch of reads and submits the pass's ACKs.  Set-up,
 * teardown and other threads' I/O are rare.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <liburing.h>

#include "nic/wire_tap.h"
#include "nic/wire_tap_lend.h"
#include "util/err.h"
#include "util/fd.h"

#define NM_TAPU_SLOTS		NM_TAP_SLOTS
#ifndef NM_TAPU_POST
#define NM_TAPU_POST		8	/* reads in flight at once */
#endif
#define NM_TAPU_SLOT_SZ		NM_TAP_SLOT_SZ
#define NM_TAPU_TXQ		32	/* queued writes per submission */
#define NM_TAPU_TX_COPY		256	/* vnet header + frame a queued write holds */
#define NM_TAPU_SQ		128	/* >= SLOTS + TXQ */
#define NM_TAPU_CQ		256	/* never overflows: at most SLOTS + TXQ in flight */
#define NM_TAPU_WRITE		(1ull << 32)	/* user_data: a write slot, else a read slot */
#define NM_TAPU_CANCEL		(1ull << 33)	/* user_data: the cancel at teardown */
#define NM_TAPU_IDLE_ENTER	64	/* empty kicks between enters that need none */
#define NM_TAPU_DRAIN_MS	1000	/* at most, for the posted reads to end */

struct nm_tap_uring {
	struct io_uring ring;
	bool ring_up;
	bool no_ring;			/* set-up failed at first I/O: plain calls only */
	bool prefer_copy;		/* the NIC's last wish: no reads posted */
	uint32_t idle_calls;		/* kicks since the last enter */
	bool batching;			/* inside nm_wire_tx_batch(on) */
	bool peeked;			/* ready[rhead] was peeked */
	pthread_t owner;		/* the thread that made the ring (invariant 3) */
	uint32_t sq_pending;		/* SQEs prepared, not yet submitted */
	uint32_t tx_queued;		/* writes among them */
	int rx_err;			/* a failed read's -errno, for the next receive */

	/* receive slots (invariant 1) */
	uint8_t *rxmem;			/* NM_TAPU_SLOTS * NM_TAPU_SLOT_SZ */
	uint32_t len[NM_TAPU_SLOTS];	/* ready/taken: bytes read, vnet header included */
	uint8_t freeq[NM_TAPU_SLOTS];
	uint32_t nfree, nposted;
	uint8_t ready[NM_TAPU_SLOTS];
	uint32_t rhead, rtail;
	struct nm_tap_lend lend;		/* taken: handed on, held or consumed */

	/* write slots */
	uint8_t *txmem;			/* NM_TAPU_TXQ * NM_TAPU_TX_COPY */
	uint32_t txlen[NM_TAPU_TXQ];
	uint8_t txfree[NM_TAPU_TXQ];
	uint32_t ntxfree;
};

#define NM_TAPU_MASK		(NM_TAPU_SLOTS - 1)
_Static_assert((NM_TAPU_SLOTS & NM_TAPU_MASK) == 0, "slots: a power of two");
_Static_assert(NM_TAPU_SQ >= NM_TAPU_SLOTS + NM_TAPU_TXQ, "one SQE for every slot");

static inline uint8_t *slot_buf(const struct nm_tap_uring *u, uint32_t s)
{
	return u->rxmem + (size_t)s * NM_TAPU_SLOT_SZ;
}

/* ---- set-up: the slow path ------------------------------------------------- */

static int ring_make(struct io_uring *ring)
{
	struct io_uring_params p;
	int r;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		  IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_CQSIZE;
	p.cq_entries = NM_TAPU_CQ;
	r = io_uring_queue_init_params(NM_TAPU_SQ, ring, &p);
	if (r < 0)
		return r;
	/* the library's own fd, above the floor (util/fd.h); the rings are
	 * mapped already, only the number the enters use changes (no ring
	 * fd is registered, so both are the one fd) */
	ring->ring_fd = ring->enter_ring_fd = nm_fd_lift(ring->ring_fd);
	return 0;
}

bool nm_tap_uring_usable(void)
{
	struct io_uring ring;

	/* DEFER_TASKRUN needs Linux 6.1; a kernel without it, or with
	 * io_uring turned off (sysctl kernel.io_uring_disabled, seccomp),
	 * keeps the plain engine */
	if (ring_make(&ring) < 0)
		return false;
	io_uring_queue_exit(&ring);
	return true;
}

int nm_tap_uring_init(struct nm_wire_tap *t)
{
	struct nm_tap_uring *u = calloc(1, sizeof(*u));
	size_t rx = (size_t)NM_TAPU_SLOTS * NM_TAPU_SLOT_SZ;

	if (!u)
		return nm_err(ENOMEM, "no memory");
	u->rxmem = mmap(NULL, rx, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->rxmem == MAP_FAILED) {
		free(u);
		return nm_err_sys(errno, "tap %s: %zu bytes of receive slots", t->w.name, rx);
	}
	u->txmem = malloc((size_t)NM_TAPU_TXQ * NM_TAPU_TX_COPY);
	if (!u->txmem) {
		munmap(u->rxmem, rx);
		free(u);
		return nm_err(ENOMEM, "no memory for write slots");
	}
	for (uint32_t s = 0; s < NM_TAPU_SLOTS; s++)
		u->freeq[u->nfree++] = (uint8_t)(NM_TAPU_SLOTS - 1 - s);
	for (uint32_t s = 0; s < NM_TAPU_TXQ; s++)
		u->txfree[u->ntxfree++] = (uint8_t)s;
	t->u = u;
	return 0;
}

static void ring_drain(struct nm_wire_tap *t);

void nm_tap_uring_fini(struct nm_wire_tap *t)
{
	struct nm_tap_uring *u = t->u;

	if (!u)
		return;
	if (u->ring_up) {
		ring_drain(t);
		io_uring_queue_exit(&u->ring);
	}
	munmap(u->rxmem, (size_t)NM_TAPU_SLOTS * NM_TAPU_SLOT_SZ);
	free(u->txmem);
	free(u);
	t->u = NULL;
}

/* The first thread that does I/O makes the ring and owns it (invariant 3).
 * 1: the caller owns it; 0: another thread does, or no ring could be made
 * (open's probe passed, but memory or limits may differ now): the caller
 * reads and writes with plain system calls instead. */
static int ring_mine(struct nm_wire_tap *t)
{
	struct nm_tap_uring *u = t->u;

	if (nm_likely(u->ring_up))
		return pthread_equal(u->owner, pthread_self()) ? 1 : 0;
	if (u->no_ring || ring_make(&u->ring) < 0) {
		u->no_ring = true;
		return 0;
	}
	u->ring_up = true;
	u->owner = pthread_self();
	return 1;
}

/* ---- completions --------------------------------------------------------------- */

static void slot_free(struct nm_tap_uring *u, uint32_t s)
{
	u->freeq[u->nfree++] = (uint8_t)s;
}

/* Cold: a read that failed.  Cancelled or interrupted reads (a ring move)
 * just free the slot; anything else is kept, as the plain engine words it
 * (nm_tap_rx_error), for the next receive to return. */
static void read_failed(struct nm_wire_tap *t, int res)
{
	int e;

	if (res == -ECANCELED || res == -EINTR)
		return;
	e = nm_tap_rx_error(t, -res);
	if (e != -EAGAIN)
		t->u->rx_err = e;
}

/* A read into slot s (taken off the free stack) ended with res bytes or
 * -errno: its frame joins the ready FIFO (invariant 1), or, failed or
 * without a whole vnet header, the slot is free again. */
static void slot_read(struct nm_wire_tap *t, uint32_t s, ssize_t res)
{
	struct nm_tap_uring *u = t->u;

	if (nm_unlikely(res <= 0 || (size_t)res < t->vnet_sz)) {
		slot_free(u, s);
		if (res < 0)
			read_failed(t, (int)res);
		else
			t->st.rx_truncated++;	/* a frame without its header: dropped */
		return;
	}
	u->len[s] = (uint32_t)res;
	u->ready[u->rtail++ & NM_TAPU_MASK] = (uint8_t)s;
}

static void cqe_one(struct nm_wire_tap *t, const struct io_uring_cqe *cqe)
{
	struct nm_tap_uring *u = t->u;
	uint64_t ud = cqe->user_data;
	uint32_t s = (uint32_t)ud;

	if (nm_unlikely(ud & NM_TAPU_CANCEL))
		return;
	if (ud & NM_TAPU_WRITE) {
		if (nm_unlikely(cqe->res < 0 || (uint32_t)cqe->res != u->txlen[s]))
			t->st.tx_dropped++;
		u->txfree[u->ntxfree++] = (uint8_t)s;
		return;
	}
	u->nposted--;
	slot_read(t, s, cqe->res);
}

/* Take every completion there is; the number of reads among them. */
static uint32_t cq_reap(struct nm_wire_tap *t)
{
	struct nm_tap_uring *u = t->u;
	struct io_uring_cqe *cqe;
	uint32_t n = 0, r0 = u->rtail;
	unsigned head;

	io_uring_for_each_cqe(&u->ring, head, cqe) {
		cqe_one(t, cqe);
		n++;
	}
	if (n)
		io_uring_cq_advance(&u->ring, n);
	return u->rtail - r0;
}

/* Post a read into every free slot (SQEs only: submitted with the rest). */
static void post_free(struct nm_wire_tap *t)
{
	struct nm_tap_uring *u = t->u;

	while (u->nfree && u->nposted < NM_TAPU_POST && !u->prefer_copy) {
		uint32_t s = u->freeq[u->nfree - 1];
		struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

		if (nm_unlikely(!sqe))
			break;
		io_uring_prep_read(sqe, t->fd, slot_buf(u, s), NM_TAP_VNET_SZ + NM_TAP_RX_ROOM, 0);
		io_uring_sqe_set_data64(sqe, s);
		u->nposted++;
		u->nfree--;
		u->sq_pending++;
	}
}

/* Cold: a thread other than the ring's receives (invariant 3): one read
 * into a free slot, now, as the plain engine does.  Its frame follows
 * every frame read before it, ring or not: the ring's reads take theirs
 * only when its owner enters it. */
static int read_now(struct nm_wire_tap *t)
{
	struct nm_tap_uring *u = t->u;
	uint32_t s;
	ssize_t r;

	if (!u->nfree)
		return 0;
	s = u->freeq[--u->nfree];
	r = read(t->fd, slot_buf(u, s), NM_TAP_VNET_SZ + NM_TAP_RX_ROOM);
	slot_read(t, s, r < 0 ? -errno : r);
	return 0;
}

/*
 * Submit what waits and complete what can be: one io_uring_enter, and
 * none when there is nothing to submit and the kernel flags no deferred
 * work (IORING_SQ_TASKRUN).  Not trusting the flag alone (a kernel that
 * did not set it for deferred work would leave frames unread for good),
 * every NM_TAPU_IDLE_ENTER-th empty call and every call before a sleep
 * (force) enters all the same.
 */
static int ring_kick(struct nm_wire_tap *t, bool force)
{
	struct nm_tap_uring *u = t->u;
	int r = ring_mine(t);

	if (nm_unlikely(r <= 0))
		return r < 0 ? r : read_now(t);
	post_free(t);
	if (u->sq_pending || (IO_URING_READ_ONCE(*u->ring.sq.kflags) & IORING_SQ_TASKRUN) ||
	    force || ++u->idle_calls >= NM_TAPU_IDLE_ENTER) {
		u->idle_calls = 0;
		r = io_uring_submit_and_get_events(&u->ring);
		if (nm_unlikely(r < 0 && r != -EAGAIN && r != -EINTR && r != -EBUSY))
			return nm_err_sys(-r, "tap %s: io_uring_enter", t->w.name);
		if (u->tx_queued)
			t->st.tx_batches++;
		u->sq_pending = 0;
		u->tx_queued = 0;
	}
	if (cq_reap(t))
		t->st.rx_batches++;
	return 0;
}

/*
 * Teardown: the posted reads hold the tun file, so the device would stay
 * attached after close until the kernel has torn the ring down (it does
 * that in a worker, a little later): a TAP opened again at once would
 * find it busy.  So cancel them and see them end first.  The owner cancels
 * through the ring and waits for the completions; another thread asks the
 * kernel to cancel synchronously (accepted where the kernel lets a thread
 * other than the ring's do it).
 */
static void ring_drain(struct nm_wire_tap *t)
{
	struct nm_tap_uring *u = t->u;
	struct __kernel_timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;

	if (!pthread_equal(u->owner, pthread_self())) {
		struct io_uring_sync_cancel_reg reg = {
			.fd = t->fd,
			.flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL,
			.timeout = { .tv_sec = 1 },
		};

		io_uring_register_sync_cancel(&u->ring, &reg);
		return;
	}
	sqe = io_uring_get_sqe(&u->ring);
	if (!sqe) {
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
	}
	if (sqe) {
		io_uring_prep_cancel_fd(sqe, t->fd, IORING_ASYNC_CANCEL_ALL);
		io_uring_sqe_set_data64(sqe, NM_TAPU_CANCEL);
	}
	io_uring_submit(&u->ring);
	for (int i = 0; i < NM_TAPU_DRAIN_MS / 10 && (u->nposted || u->ntxfree < NM_TAPU_TXQ); i++) {
		io_uring_wait_cqe_timeout(&u->ring, &cqe, &ts);
		cq_reap(t);
	}
}

/* ---- receive ------------------------------------------------------------------- */

/* The next frame's slot, or -EAGAIN / -errno.  Caller owns the wire. */
static int next_ready(struct nm_wire_tap *t)
{
	struct nm_tap_uring *u = t->u;
	int r;

	if (nm_likely(u->rhead != u->rtail))
		return u->ready[u->rhead & NM_TAPU_MASK];
	r = ring_kick(t, false);
	if (r < 0)
		return r;
	if (u->rhead != u->rtail)
		return u->ready[u->rhead & NM_TAPU_MASK];
	if (nm_unlikely(u->rx_err)) {
		r = u->rx_err;
		u->rx_err = 0;
		return r;
	}
	return -EAGAIN;
}

int nm_tap_uring_peek(struct nm_wire *w, const uint8_t **frame, uint32_t *len,
		      struct nm_wire_meta *meta)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	struct nm_tap_uring *u = t->u;
	int s = next_ready(t);

	if (s < 0)
		return s;
	nm_tap_slot_view(t, slot_buf(u, (uint32_t)s), u->len[s], frame, len, meta);
	u->peeked = true;
	return (int)*len;
}

/* The peeked frame leaves the ready FIFO for the taken one (or, when
 * nothing is taken before it and it is not held, straight back to free). */
static int take(struct nm_wire_tap *t, bool hold)
{
	struct nm_tap_uring *u = t->u;
	uint32_t s;

	if (nm_unlikely(!u->peeked))
		return nm_err(EINVAL, "no frame is peeked");
	u->peeked = false;
	s = u->ready[u->rhead++ & NM_TAPU_MASK];
	t->st.rx_frames++;
	t->st.rx_bytes += u->len[s] - t->vnet_sz;
	if (nm_tap_lend_take(&u->lend, s, hold))
		slot_free(u, s);
	return 0;
}

int nm_tap_uring_consume(struct nm_wire *w)
{
	return take(nm_tap_of(w), false);
}

int nm_tap_uring_hold(struct nm_wire *w)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	int r = take(t, true);

	return r < 0 ? r : nm_tap_lend_pressure(&t->u->lend);
}

int nm_tap_uring_release(struct nm_wire *w, uint32_t n)
{
	struct nm_tap_uring *u = nm_tap_of(w)->u;
	uint8_t back[NM_TAP_SLOTS];
	int k = nm_tap_lend_release(&u->lend, n, back);	/* invariant 2 */

	for (int i = 0; i < k; i++)
		slot_free(u, back[i]);
	return k < 0 ? k : nm_tap_lend_pressure(&u->lend);
}

int nm_tap_uring_rx_copy(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
			 struct nm_wire_meta *meta)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	const uint8_t *f;
	uint32_t len;
	int r = nm_tap_uring_peek(w, &f, &len, meta);

	if (r < 0)
		return r;
	if (nm_wire_copy_out(iov, iovcnt, f, len) < len)
		t->st.rx_truncated++;
	take(t, false);
	return (int)len;
}

/* Cold: the NIC's wish changed.  Wanting copies, the posted reads are
 * cancelled (submitted with the next enter): a read the ring completes
 * would land in a slot and be copied once more. */
static void prefer_set(struct nm_wire_tap *t, bool copy)
{
	struct nm_tap_uring *u = t->u;
	struct io_uring_sqe *sqe;

	u->prefer_copy = copy;
	if (!copy || !u->nposted || ring_mine(t) != 1)
		return;
	sqe = io_uring_get_sqe(&u->ring);
	if (!sqe)
		return;
	io_uring_prep_cancel_fd(sqe, t->fd, IORING_ASYNC_CANCEL_ALL);
	io_uring_sqe_set_data64(sqe, NM_TAPU_CANCEL);
	u->sq_pending++;
}

/*
 * The NIC's way in: the frame lent where it lies (the NIC then consumes
 * or holds it).  Where the NIC would copy a lent frame anyway (device
 * memory), the frames already read go first, then one readv lands each
 * next frame in the NIC's own buffers, as on the plain engine: no reads
 * stay posted then, and tun's order holds, since a posted read takes a
 * frame only when it runs.
 */
int nm_tap_uring_rx(struct nm_wire *w, struct nm_wire_rxbufs *bufs, struct nm_wire_frame *f)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	struct nm_tap_uring *u = t->u;
	int r;

	if (nm_unlikely(bufs->prefer_copy != u->prefer_copy))
		prefer_set(t, bufs->prefer_copy);
	if (u->prefer_copy && u->rhead == u->rtail)
		return nm_tap_rx(w, bufs, f);
	r = nm_tap_uring_peek(w, &f->data, &f->len, &f->meta);
	return r < 0 ? r : 0;
}

/* Before the stack sleeps on the tun fd: what is queued goes out, and a
 * frame already read (or whose read waits to complete) says do not sleep.
 * Posted reads leave their frames in tun's queue until the ring is
 * entered, so the fd polls readable for them. */
int nm_tap_uring_arm(struct nm_wire *w)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	struct nm_tap_uring *u = t->u;
	int r = ring_kick(t, true);

	if (r < 0)
		return r;
	return u->rhead != u->rtail || u->rx_err;
}

/* ---- transmit ---------------------------------------------------------------- */

/* Queue a small frame: its vnet header and bytes copied into a write
 * slot.  false: no slot (the caller sends it now). */
static bool tx_queue(struct nm_wire_tap *t, const struct iovec *iov, unsigned iovcnt,
		     size_t len, const struct nm_tap_vnet_hdr *vh)
{
	struct nm_tap_uring *u = t->u;
	struct io_uring_sqe *sqe;
	uint8_t *p;
	uint32_t s;

	if (!u->ntxfree && (ring_kick(t, false) < 0 || !u->ntxfree))
		return false;
	if (ring_mine(t) <= 0)
		return false;
	sqe = io_uring_get_sqe(&u->ring);
	if (!sqe)
		return false;
	s = u->txfree[--u->ntxfree];
	p = u->txmem + (size_t)s * NM_TAPU_TX_COPY;
	memcpy(p, vh, t->vnet_sz);
	u->txlen[s] = t->vnet_sz;
	u->txlen[s] += (uint32_t)nm_wire_gather(p + u->txlen[s], iov, iovcnt, 0, SIZE_MAX);
	io_uring_prep_write(sqe, t->fd, p, u->txlen[s], 0);
	io_uring_sqe_set_data64(sqe, NM_TAPU_WRITE | s);
	u->sq_pending++;
	u->tx_queued++;
	t->st.tx_frames++;
	t->st.tx_bytes += len;
	return true;
}

int nm_tap_uring_xmit(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		      const struct nm_wire_meta *meta)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	struct nm_tap_uring *u = t->u;
	struct nm_tap_vnet_hdr vh;
	size_t len = 0;
	int r;

	/* only well-formed frames with offloads are queued: the plain send
	 * checks and says what is wrong with anything else */
	if (u->batching && t->vnet_sz && iovcnt <= NM_WIRE_MAX_IOV) {
		for (unsigned i = 0; i < iovcnt; i++)
			len += iov[i].iov_len;
		if (len + t->vnet_sz <= NM_TAPU_TX_COPY &&
		    nm_tap_xmit_vnet(t, len, meta, &vh) == 0 &&
		    tx_queue(t, iov, iovcnt, len, &vh))
			return 0;
	}
	/* now, after whatever is queued */
	if (u->sq_pending && ring_mine(t) == 1 && (r = ring_kick(t, false)) < 0)
		return r;
	return nm_tap_xmit(w, iov, iovcnt, meta);
}

void nm_tap_uring_tx_batch(struct nm_wire *w, bool on)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	struct nm_tap_uring *u = t->u;

	u->batching = on;
	if (!on && u->sq_pending && ring_mine(t) == 1)
		ring_kick(t, false);	/* a failure here is the next receive's to report */
}
