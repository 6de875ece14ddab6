/* SPDX-License-Identifier: MIT */
/*
 * The TAP wire's reader-thread engine: a thread of the wire's own reads
 * the tun fd, so the kernel's copy of each frame out of its skb runs on
 * that thread's core instead of the stack's.  It is what a NIC's DMA
 * engine is to a driver: frames arrive in the wire's slots while the
 * stack thread runs TCP and serves recv.  (The kernel's veth receiver is
 * cheap for the same reason: its receive path runs in the sender's
 * softirq, on the sender's core.)  Chosen where the machine has cores to
 * spare (wire_tap.c); on two cores the thread would take the core the
 * peer's sender needs.
 *
 * The reader fills free slots (a vnet header, then room for the largest
 * frame tun delivers) with one read() each and publishes them in the
 * ready ring; the stack lends them to the NIC where they lie (peek, then
 * consume or hold, as the io_uring engine and the shm wire do) and gives
 * each slot back through the free ring once it and every slot taken
 * before it are done.  Two single-producer rings, so neither side locks:
 *
 *   ready:  reader -> stack, slot numbers in tun's order (rtail: reader)
 *   freed:  stack -> reader, slots to read into again     (ftail: stack)
 *
 * Sleep and wake-up.  The stack sleeps on rx_efd (the wire's get_fd); the
 * reader on the tun fd and ctl_efd.  Each side writes the other's eventfd
 * only when that side said it is about to sleep (stack_idle, reader_idle),
 * so a busy stream costs no system call beyond the reads: the sleeper
 * stores its flag, fences, and looks at the ring once more; the producer
 * stores the ring's index, fences, and looks at the flag (one of the two
 * always sees the other's store).
 *
 * Transmit.  What a write to the tun fd costs is mostly the kernel's
 * receive path for the frame, run in the writer's context: for an ACK,
 * the peer's whole ACK processing (freeing the acknowledged skbs
 * included).  So inside a batch (the stack's loop pass) small frames
 * (ACKs, window updates, SYNs) are queued for the reader thread while it
 * is up, and it writes them between its reads, on its own core; at the
 * end of the batch the stack wakes it only if it fell asleep meanwhile.
 * Larger frames, frames outside a batch, and frames while the reader
 * sleeps go at once from the stack thread with the plain engine's writev,
 * after whatever is queued.
 *
 * Invariants:
 *  1. Every slot is in exactly one place: the reader's own free stack
 *     (mine), the freed ring, the ready ring, or the stack's taken FIFO
 *     (lent: consumed or held, not yet given back).  So neither ring can
 *     overflow: each holds at most NM_TAPR_SLOTS.
 *  2. A taken slot is given back only once it and every slot taken before
 *     it are consumed or released (frames go back oldest first).
 *  3. Only the reader thread reads the tun fd; only the thread that owns
 *     the stack (the caller of the ops) touches the stack's side.
 *  4. After stop is set and ctl_efd written, the reader ends without
 *     touching the slots again; destroy joins it before anything is
 *     freed or the fd closed.
 *  5. The thread starts with the first receive-side call (peek, rx,
 *     rx_copy, arm, get_fd), not at open: a process that only holds the
 *     TAP open (netmem run, for the program it starts, which adopts the
 *     fd) must not read the program's frames.
 *  6. Queued writes reach the fd in the order they were queued and before
 *     any frame the stack writes itself: whoever writes them holds
 *     tx_lock, and the stack writes a frame of its own only once the
 *     queue is empty.
 *  7. While the NIC prefers copies, rx_pause is set; the reader
 *     acknowledges it (rx_paused) at the top of its loop, where no read
 *     is in flight, and reads no more.  The stack reads tun itself only
 *     after it has seen the acknowledgement and then found the ready ring
 *     empty, so frames keep tun's order.
 *
 * Workload: a stream of GSO frames (up to 64 KiB) from the kernel; one
 * read() per frame and one write() per ACK on the reader's core, one slot
 * handed on and one ACK queued per frame or pass on the stack's.  Start
 * and stop are rare.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nic/wire_tap.h"
#include "nic/wire_tap_lend.h"
#include "util/err.h"
#include "util/fd.h"

#define NM_TAPR_SLOTS		NM_TAP_SLOTS
#define NM_TAPR_MASK		NM_TAP_SLOT_MASK
#define NM_TAPR_SLOT_SZ		NM_TAP_SLOT_SZ
#define NM_TAPR_ERR_MS		10	/* between reads after a read failed */
#define NM_TAPR_TXQ		32	/* queued writes */
#define NM_TAPR_TXQ_MASK	(NM_TAPR_TXQ - 1)
#define NM_TAPR_TX_COPY		256	/* vnet header + frame a queued write holds */
#define NM_TAPR_FLIPS		8	/* receive calls in a row that change the mode */

_Static_assert((NM_TAPR_TXQ & NM_TAPR_TXQ_MASK) == 0, "write queue: a power of two");

struct nm_tap_reader {
	/* written by the reader, read by the stack */
	alignas(64) _Atomic uint32_t rtail;	/* frames published */
	_Atomic int rx_err;			/* a failed read's errno (0: none) */
	_Atomic bool gone;			/* EBADFD: the device is gone for good */
	_Atomic bool rx_paused;			/* rx_pause seen: no read in flight */
	_Atomic uint64_t truncated;		/* reads without a whole vnet header */
	uint32_t len[NM_TAPR_SLOTS];		/* ready: bytes read, vnet header too */
	uint8_t ready[NM_TAPR_SLOTS];

	/* written by the stack, read by the reader */
	alignas(64) _Atomic uint32_t ftail;	/* slots given back */
	_Atomic uint32_t txtail;		/* writes queued */
	_Atomic bool stop;
	_Atomic bool rx_pause;			/* the NIC prefers copies: do not read */
	uint8_t freed[NM_TAPR_SLOTS];
	uint32_t txlen[NM_TAPR_TXQ];

	/* the write queue's consumer side: whoever holds tx_lock */
	alignas(64) pthread_mutex_t tx_lock;
	_Atomic uint32_t txhead;		/* writes done */
	_Atomic uint64_t tx_dropped, tx_batches;

	/* each written by the side that sleeps, cleared by the one that wakes it */
	alignas(64) _Atomic bool stack_idle;
	alignas(64) _Atomic bool reader_idle;

	/* the stack's own (invariants 2, 3) */
	alignas(64) uint32_t rhead;
	bool peeked;			/* ready[rhead] was peeked */
	bool armed;			/* we set stack_idle for a sleep */
	bool batching;			/* inside nm_wire_tx_batch(on) */
	bool prefer_copy;		/* reads paused for the NIC's copies */
	uint32_t flips;			/* calls in a row that wished otherwise */
	struct nm_tap_lend lend;	/* taken: handed on, held or consumed */

	/* the reader's own */
	alignas(64) uint32_t fhead;
	uint8_t mine[NM_TAPR_SLOTS];	/* free slots, last freed on top */
	uint32_t nmine;

	/* cold */
	uint8_t *rxmem;			/* NM_TAPR_SLOTS * NM_TAPR_SLOT_SZ */
	uint8_t *txmem;			/* NM_TAPR_TXQ * NM_TAPR_TX_COPY */
	int rx_efd, ctl_efd;
	int epfd;			/* the stack's fd: rx_efd, and the tun fd while paused */
	pthread_t thr;
	pid_t pid;			/* the process that started the thread */
	bool started;
};

static inline uint8_t *slot_buf(const struct nm_tap_reader *r, uint32_t s)
{
	return r->rxmem + (size_t)s * NM_TAPR_SLOT_SZ;
}

/* One eventfd signal; an eventfd write fails only when its count would
 * overflow, which cannot happen to a flag-guarded one. */
static void efd_signal(int fd)
{
	uint64_t one = 1;
	ssize_t r;

	do
		r = write(fd, &one, sizeof(one));
	while (r < 0 && errno == EINTR);
}

static void efd_drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
}

/* ---- the write queue ------------------------------------------------------------ */

static inline uint8_t *tx_slot(const struct nm_tap_reader *r, uint32_t i)
{
	return r->txmem + (size_t)(i & NM_TAPR_TXQ_MASK) * NM_TAPR_TX_COPY;
}

static bool tx_pending(struct nm_tap_reader *r)
{
	return atomic_load_explicit(&r->txhead, memory_order_relaxed) !=
	       atomic_load_explicit(&r->txtail, memory_order_acquire);
}

/* Write every queued frame, in order (invariant 6).  The head moves only
 * after its write returned, so an empty queue has none in flight either.
 * A write that fails is counted in tx_dropped, as a NIC reports a
 * failed completion. */
static void tx_flush_locked(struct nm_wire_tap *t)
{
	struct nm_tap_reader *r = t->rd;
	uint32_t h = atomic_load_explicit(&r->txhead, memory_order_relaxed);
	uint32_t tl = atomic_load_explicit(&r->txtail, memory_order_acquire);

	if (h == tl)
		return;
	for (; h != tl; h++) {
		uint32_t len = r->txlen[h & NM_TAPR_TXQ_MASK];
		ssize_t n;

		do
			n = write(t->fd, tx_slot(r, h), len);
		while (n < 0 && errno == EINTR);
		if (nm_unlikely(n != (ssize_t)len))
			atomic_fetch_add_explicit(&r->tx_dropped, 1, memory_order_relaxed);
		atomic_store_explicit(&r->txhead, h + 1, memory_order_release);
	}
	atomic_fetch_add_explicit(&r->tx_batches, 1, memory_order_relaxed);
}

/* The stack: the queued writes done before a frame that goes now. */
static void tx_flush(struct nm_wire_tap *t)
{
	struct nm_tap_reader *r = t->rd;

	if (!tx_pending(r))
		return;
	pthread_mutex_lock(&r->tx_lock);
	tx_flush_locked(t);
	pthread_mutex_unlock(&r->tx_lock);
}

/* The reader: the queued writes, unless the stack is writing them. */
static void reader_tx(struct nm_wire_tap *t)
{
	struct nm_tap_reader *r = t->rd;

	if (pthread_mutex_trylock(&r->tx_lock) == 0) {
		tx_flush_locked(t);
		pthread_mutex_unlock(&r->tx_lock);
	}
}

/* ---- the reader thread ------------------------------------------------------- */

/* Take back what the stack gave; the last given ends on top of mine, so
 * the slots a stream cycles through stay warm. */
static void mine_refill(struct nm_tap_reader *r)
{
	uint32_t ft = atomic_load_explicit(&r->ftail, memory_order_acquire);

	while (r->fhead != ft)
		r->mine[r->nmine++] = r->freed[r->fhead++ & NM_TAPR_MASK];
}

/* Wake the stack only if it said it sleeps (after a store it must see). */
static void wake_stack(struct nm_tap_reader *r)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&r->stack_idle, memory_order_relaxed) &&
	    atomic_exchange(&r->stack_idle, false))
		efd_signal(r->rx_efd);
}

/* Announce a frame. */
static void publish(struct nm_tap_reader *r, uint32_t s, uint32_t len)
{
	uint32_t rt = atomic_load_explicit(&r->rtail, memory_order_relaxed);

	r->len[s] = len;
	r->ready[rt & NM_TAPR_MASK] = (uint8_t)s;
	atomic_store_explicit(&r->rtail, rt + 1, memory_order_release);
	wake_stack(r);
}

/* Sleep on ctl_efd (and fd, when given) for at most ms; a signal that
 * woke us is consumed, so the next sleep is not cut short by it. */
static void reader_sleep(struct nm_tap_reader *r, struct pollfd *pf, int n, int ms)
{
	if (poll(pf, (nfds_t)n, ms) > 0 && pf[0].revents)
		efd_drain(r->ctl_efd);
}

/* Cold: a failed read.  Kept for the stack's next receive; a gone device
 * stays gone (every receive says so, as on the plain engine, and the fd
 * stays readable; the thread reads no more), anything else is retried a
 * little later. */
static void read_failed(struct nm_tap_reader *r, int e, struct pollfd *pf)
{
	if (e == EBADFD)
		atomic_store(&r->gone, true);
	else
		atomic_store(&r->rx_err, e);
	/* the fd polls readable until the error is taken (arm drains it
	 * only once nothing is pending), whether the stack sleeps or not */
	atomic_store(&r->stack_idle, false);
	efd_signal(r->rx_efd);
	if (e != EBADFD)
		reader_sleep(r, pf, 1, NM_TAPR_ERR_MS);
}

enum reader_want {
	WANT_SLOT,	/* no free slot: until the stack gives one back */
	WANT_FRAME,	/* tun is empty: the fd too */
	WANT_CALL,	/* not reading (paused, or the device gone): writes, a resume */
};

/* Nothing to do: sleep until what we want comes, or writes are queued
 * (the stack wakes us at the end of its batch only if we said we sleep),
 * or a stop or a resume. */
static void reader_wait(struct nm_wire_tap *t, struct pollfd *pf, enum reader_want want)
{
	struct nm_tap_reader *r = t->rd;
	bool sleep;

	atomic_store_explicit(&r->reader_idle, true, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	if (want == WANT_SLOT)
		mine_refill(r);
	sleep = !atomic_load(&r->stop) && !tx_pending(r);
	if (want == WANT_SLOT)
		sleep = sleep && !r->nmine;
	else if (want == WANT_CALL)
		sleep = sleep && (atomic_load(&r->rx_pause) || atomic_load(&r->gone));
	if (sleep)
		reader_sleep(r, pf, want == WANT_FRAME ? 2 : 1, -1);
	atomic_store_explicit(&r->reader_idle, false, memory_order_relaxed);
}

static void *reader_main(void *arg)
{
	struct nm_wire_tap *t = arg;
	struct nm_tap_reader *r = t->rd;
	struct pollfd pf[2] = {
		{ .fd = r->ctl_efd, .events = POLLIN },
		{ .fd = t->fd, .events = POLLIN },
	};

	while (!atomic_load_explicit(&r->stop, memory_order_acquire)) {
		uint32_t s;
		ssize_t n;

		if (tx_pending(r))
			reader_tx(t);
		/* invariant 7: the ack comes from here, where no read is in flight */
		if (nm_unlikely(atomic_load_explicit(&r->rx_pause, memory_order_acquire) !=
				atomic_load_explicit(&r->rx_paused, memory_order_relaxed)))
			atomic_store_explicit(&r->rx_paused, atomic_load(&r->rx_pause),
					      memory_order_release);
		if (nm_unlikely(atomic_load_explicit(&r->rx_paused, memory_order_relaxed) ||
				atomic_load_explicit(&r->gone, memory_order_relaxed))) {
			reader_wait(t, pf, WANT_CALL);
			continue;
		}
		if (!r->nmine)
			mine_refill(r);
		if (!r->nmine) {
			reader_wait(t, pf, WANT_SLOT);
			continue;
		}
		s = r->mine[r->nmine - 1];
		n = read(t->fd, slot_buf(r, s), NM_TAP_VNET_SZ + NM_TAP_RX_ROOM);
		if (nm_likely(n >= (ssize_t)t->vnet_sz && n > 0)) {
			r->nmine--;
			publish(r, s, (uint32_t)n);
		} else if (n >= 0) {
			atomic_fetch_add_explicit(&r->truncated, 1, memory_order_relaxed);
		} else if (errno == EAGAIN) {
			reader_wait(t, pf, WANT_FRAME);
		} else if (errno != EINTR) {
			read_failed(r, errno, pf);
		}
	}
	return NULL;
}

/* ---- set-up and teardown: the slow path ---------------------------------------- */

int nm_tap_reader_init(struct nm_wire_tap *t)
{
	struct nm_tap_reader *r;
	size_t rx = (size_t)NM_TAPR_SLOTS * NM_TAPR_SLOT_SZ;

	r = aligned_alloc(64, (sizeof(*r) + 63) & ~(size_t)63);
	if (!r)
		return nm_err(ENOMEM, "no memory");
	memset(r, 0, sizeof(*r));
	r->rx_efd = r->ctl_efd = r->epfd = -1;
	r->rxmem = mmap(NULL, rx, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->rxmem == MAP_FAILED) {
		free(r);
		return nm_err_sys(errno, "%zu bytes of receive slots for the TAP's reader", rx);
	}
	pthread_mutex_init(&r->tx_lock, NULL);
	r->txmem = malloc((size_t)NM_TAPR_TXQ * NM_TAPR_TX_COPY);
	/* the library's own fds: above the floor (util/fd.h) */
	r->rx_efd = nm_fd_lift(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	r->ctl_efd = nm_fd_lift(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	r->epfd = nm_fd_lift(epoll_create1(EPOLL_CLOEXEC));
	if (!r->txmem || r->rx_efd < 0 || r->ctl_efd < 0 || r->epfd < 0 ||
	    epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->rx_efd,
		      &(struct epoll_event){ .events = EPOLLIN }) < 0) {
		int e = r->txmem ? errno : ENOMEM;

		t->rd = r;
		nm_tap_reader_fini(t);
		return nm_err_sys(e, "no write queue, eventfd or epoll for the TAP's reader");
	}
	for (uint32_t s = 0; s < NM_TAPR_SLOTS; s++)
		r->mine[r->nmine++] = (uint8_t)(NM_TAPR_SLOTS - 1 - s);
	t->rd = r;
	return 0;
}

/* Cold: the first receive-side call starts the thread (invariant 5).  It
 * takes no signal: those are the application's. */
static int reader_start(struct nm_wire_tap *t)
{
	struct nm_tap_reader *r = t->rd;
	sigset_t all, old;
	int e;

	if (r->started)
		return 0;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&r->thr, NULL, reader_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e)
		return nm_err_sys(e, "tap %s: reader thread", t->w.name);
	pthread_setname_np(r->thr, "nm-tap-rx");
	r->started = true;
	r->pid = getpid();
	return 0;
}

/* Invariant 4.  A forked child has the memory but not the thread: it
 * only lets go of its copy. */
void nm_tap_reader_fini(struct nm_wire_tap *t)
{
	struct nm_tap_reader *r = t->rd;

	if (!r)
		return;
	if (r->started && r->pid == getpid()) {
		tx_flush(t);		/* nothing queued is lost */
		atomic_store_explicit(&r->stop, true, memory_order_release);
		efd_signal(r->ctl_efd);
		pthread_join(r->thr, NULL);
	}
	if (r->rx_efd >= 0)
		close(r->rx_efd);
	if (r->ctl_efd >= 0)
		close(r->ctl_efd);
	if (r->epfd >= 0)
		close(r->epfd);
	munmap(r->rxmem, (size_t)NM_TAPR_SLOTS * NM_TAPR_SLOT_SZ);
	free(r->txmem);
	pthread_mutex_destroy(&r->tx_lock);
	free(r);
	t->rd = NULL;
}

/* ---- the stack's side ------------------------------------------------------------ */

/* A slot goes back to the reader (the caller wakes it: wake_reader). */
static void slot_give(struct nm_tap_reader *r, uint32_t s)
{
	uint32_t ft = atomic_load_explicit(&r->ftail, memory_order_relaxed);

	r->freed[ft & NM_TAPR_MASK] = (uint8_t)s;
	atomic_store_explicit(&r->ftail, ft + 1, memory_order_release);
}

/* Wake the reader only if it said it sleeps (after a store it must see:
 * slots given back, writes queued). */
static void wake_reader(struct nm_tap_reader *r)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&r->reader_idle, memory_order_relaxed) &&
	    atomic_exchange(&r->reader_idle, false))
		efd_signal(r->ctl_efd);
}

/* Back from a sleep we announced: the reader need not wake us now. */
static void disarm(struct nm_tap_reader *r)
{
	r->armed = false;
	atomic_store_explicit(&r->stack_idle, false, memory_order_relaxed);
}

static bool have_ready(struct nm_tap_reader *r)
{
	return r->rhead != atomic_load_explicit(&r->rtail, memory_order_acquire);
}

/* A frame or an error for the next receive. */
static bool pending(struct nm_tap_reader *r)
{
	return have_ready(r) || atomic_load(&r->gone) || atomic_load(&r->rx_err);
}

/* The next frame's slot, or -EAGAIN / -errno. */
static int next_ready(struct nm_wire_tap *t)
{
	struct nm_tap_reader *r = t->rd;
	int e;

	if (nm_unlikely(!r->started) && (e = reader_start(t)) < 0)
		return e;
	if (nm_unlikely(r->armed))
		disarm(r);
	if (nm_likely(have_ready(r)))
		return r->ready[r->rhead & NM_TAPR_MASK];
	if (nm_unlikely(atomic_load(&r->gone)))
		return nm_tap_rx_error(t, EBADFD);
	e = atomic_exchange(&r->rx_err, 0);
	return nm_unlikely(e) ? nm_tap_rx_error(t, e) : -EAGAIN;
}

static int peek_ready(struct nm_wire *w, const uint8_t **frame, uint32_t *len,
		      struct nm_wire_meta *meta)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	struct nm_tap_reader *r = t->rd;
	int s = next_ready(t);

	if (s < 0)
		return s;
	nm_tap_slot_view(t, slot_buf(r, (uint32_t)s), r->len[s], frame, len, meta);
	r->peeked = true;
	return (int)*len;
}

/*
 * Cold: the mode changes (invariant 7).  Copies (the NIC's queue is device
 * memory: a lent frame would be copied once more): the reader is asked to
 * stop reading, and the tun fd joins the stack's epoll at once (a frame
 * the reader no longer reads must wake a sleeping stack).  Nothing waits
 * for the reader: until it says it stopped, frames still come lent from
 * its slots.  Lending: the reader reads again.  Either way it still
 * writes the queued frames.
 */
static void prefer_set(struct nm_wire_tap *t, bool copy)
{
	struct nm_tap_reader *r = t->rd;

	r->prefer_copy = copy;
	r->flips = 0;
	atomic_store(&r->rx_pause, copy);
	efd_signal(r->ctl_efd);
	if (copy)
		epoll_ctl(r->epfd, EPOLL_CTL_ADD, t->fd, &(struct epoll_event){ .events = EPOLLIN });
	else
		epoll_ctl(r->epfd, EPOLL_CTL_DEL, t->fd, NULL);
}

/* Whether the stack reads tun itself now: copies wanted, the reader has
 * stopped, and every frame it read is handed on (invariant 7: the
 * acknowledgement first, so the frames read before it are seen). */
static bool read_here(struct nm_tap_reader *r)
{
	return r->prefer_copy && atomic_load_explicit(&r->rx_paused, memory_order_acquire) &&
	       !have_ready(r);
}

/* Lending asked for: reads resume if they were paused. */
int nm_tap_reader_peek(struct nm_wire *w, const uint8_t **frame, uint32_t *len,
		       struct nm_wire_meta *meta)
{
	struct nm_wire_tap *t = nm_tap_of(w);

	if (nm_unlikely(t->rd->prefer_copy))
		prefer_set(t, false);
	return peek_ready(w, frame, len, meta);
}

/* The peeked frame leaves the ready ring for the taken FIFO (or, when
 * nothing is taken before it and it is not held, straight back). */
static int take(struct nm_wire_tap *t, bool hold)
{
	struct nm_tap_reader *r = t->rd;
	uint32_t s;

	if (nm_unlikely(!r->peeked))
		return nm_err(EINVAL, "no frame is peeked");
	r->peeked = false;
	s = r->ready[r->rhead++ & NM_TAPR_MASK];
	t->st.rx_frames++;
	t->st.rx_bytes += r->len[s] - t->vnet_sz;
	if (nm_tap_lend_take(&r->lend, s, hold)) {
		slot_give(r, s);
		wake_reader(r);
	}
	return 0;
}

int nm_tap_reader_consume(struct nm_wire *w)
{
	return take(nm_tap_of(w), false);
}

int nm_tap_reader_hold(struct nm_wire *w)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	int e = take(t, true);

	return e < 0 ? e : nm_tap_lend_pressure(&t->rd->lend);
}

int nm_tap_reader_release(struct nm_wire *w, uint32_t n)
{
	struct nm_tap_reader *r = nm_tap_of(w)->rd;
	uint8_t back[NM_TAP_SLOTS];
	int k = nm_tap_lend_release(&r->lend, n, back);	/* invariant 2 */

	for (int i = 0; i < k; i++)
		slot_give(r, back[i]);
	if (k > 0)
		wake_reader(r);
	return k < 0 ? k : nm_tap_lend_pressure(&r->lend);
}

int nm_tap_reader_rx_copy(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
			  struct nm_wire_meta *meta)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	const uint8_t *f;
	uint32_t len;
	int e;

	if (nm_unlikely(t->rd->prefer_copy) && read_here(t->rd))
		return nm_tap_rx_copy(w, iov, iovcnt, meta);	/* paused: read it now */
	e = peek_ready(w, &f, &len, meta);
	if (e < 0)
		return e;
	if (nm_wire_copy_out(iov, iovcnt, f, len) < len)
		t->st.rx_truncated++;
	take(t, false);
	return (int)len;
}

/* The NIC's way in: lent from its slot; where the NIC prefers a copy,
 * the frames read already, then one readv into the NIC's buffers, as on
 * the plain engine. */
int nm_tap_reader_rx(struct nm_wire *w, struct nm_wire_rxbufs *bufs, struct nm_wire_frame *f)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	struct nm_tap_reader *r = t->rd;
	int e;

	if (nm_unlikely(!r->started) && (e = reader_start(t)) < 0)
		return e;
	/* a wish held for NM_TAPR_FLIPS calls in a row: a NIC whose queues
	 * differ (RSS over device and host memory) may alternate per frame,
	 * and either mode serves either wish, only with a copy more or less */
	if (nm_unlikely(bufs->prefer_copy != r->prefer_copy) && ++r->flips >= NM_TAPR_FLIPS)
		prefer_set(t, bufs->prefer_copy);
	else if (nm_likely(bufs->prefer_copy == r->prefer_copy))
		r->flips = 0;
	if (r->prefer_copy && read_here(r))
		return nm_tap_rx(w, bufs, f);
	e = peek_ready(w, &f->data, &f->len, &f->meta);
	return e < 0 ? e : 0;
}

/* Before the stack sleeps on rx_efd: 1 if a frame (or an error) waits
 * already, else the reader is told to wake us.  A wake-up signal left
 * over from an earlier sleep (the reader took the flag after we were up
 * again) is consumed first, so it cannot cut this sleep short. */
int nm_tap_reader_arm(struct nm_wire *w)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	struct nm_tap_reader *r = t->rd;
	int e;

	if (nm_unlikely(!r->started) && (e = reader_start(t)) < 0)
		return e;
	if (pending(r))
		return 1;
	efd_drain(r->rx_efd);
	/* paused, the tun fd in epfd wakes us too; the flag still covers a
	 * frame the reader read before it saw the pause */
	atomic_store_explicit(&r->stack_idle, true, memory_order_relaxed);
	r->armed = true;
	atomic_thread_fence(memory_order_seq_cst);
	if (pending(r)) {
		disarm(r);
		return 1;
	}
	return 0;
}

/* Asked for by a stack about to poll: the thread starts (a failure to
 * start it is the next receive's to report).  The fd is an epoll of the
 * wire's own: rx_efd, and while reads are paused the tun fd itself. */
int nm_tap_reader_get_fd(struct nm_wire *w)
{
	struct nm_wire_tap *t = nm_tap_of(w);

	reader_start(t);
	return t->rd->epfd;
}

void nm_tap_reader_stats(struct nm_wire_tap *t, struct nm_wire_stats *st)
{
	struct nm_tap_reader *r = t->rd;

	st->rx_truncated += atomic_load_explicit(&r->truncated, memory_order_relaxed);
	st->tx_dropped += atomic_load_explicit(&r->tx_dropped, memory_order_relaxed);
	st->tx_batches += atomic_load_explicit(&r->tx_batches, memory_order_relaxed);
}

/* ---- transmit ---------------------------------------------------------------------- */

/* Queue a small frame (its vnet header and bytes copied into the next
 * write slot) for the reader to write; a full queue is written here
 * first. */
static void tx_queue(struct nm_wire_tap *t, const struct iovec *iov, unsigned iovcnt,
		     size_t len, const struct nm_tap_vnet_hdr *vh)
{
	struct nm_tap_reader *r = t->rd;
	uint32_t tl = atomic_load_explicit(&r->txtail, memory_order_relaxed);
	uint8_t *p;

	if (tl - atomic_load_explicit(&r->txhead, memory_order_acquire) == NM_TAPR_TXQ)
		tx_flush(t);
	p = tx_slot(r, tl);
	memcpy(p, vh, t->vnet_sz);
	r->txlen[tl & NM_TAPR_TXQ_MASK] =
		t->vnet_sz + (uint32_t)nm_wire_gather(p + t->vnet_sz, iov, iovcnt, 0, SIZE_MAX);
	atomic_store_explicit(&r->txtail, tl + 1, memory_order_release);
	t->st.tx_frames++;
	t->st.tx_bytes += len;
}

/*
 * Inside a batch (the stack's loop pass), while the reader thread is up,
 * a frame of at most NM_TAPR_TX_COPY bytes with its vnet header (ACKs,
 * window updates, SYNs) is queued for it, and it writes it on its own
 * core: what a write costs is mostly the kernel's receive path for the
 * frame (for an ACK, the peer's whole ACK processing), run in the
 * writer's context.  A reader asleep (nothing to read, or reads paused)
 * would cost a wake-up per batch, a system call and an IPI on this
 * thread: then the frame goes now, as anything else does, with one
 * writev after the frames queued before it (invariant 6).  (A reader
 * that falls asleep after the test finds the queue before it sleeps.)
 */
int nm_tap_reader_xmit(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		       const struct nm_wire_meta *meta)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	struct nm_tap_reader *r = t->rd;
	struct nm_tap_vnet_hdr vh;
	size_t len = 0;

	/* only well-formed frames with offloads are queued: the plain send
	 * checks and says what is wrong with anything else */
	if (r->batching && r->started && t->vnet_sz && iovcnt <= NM_WIRE_MAX_IOV &&
	    !atomic_load_explicit(&r->reader_idle, memory_order_relaxed)) {
		for (unsigned i = 0; i < iovcnt; i++)
			len += iov[i].iov_len;
		if (len + t->vnet_sz <= NM_TAPR_TX_COPY && nm_tap_xmit_vnet(t, len, meta, &vh) == 0) {
			tx_queue(t, iov, iovcnt, len, &vh);
			return 0;
		}
	}
	tx_flush(t);
	return nm_tap_xmit(w, iov, iovcnt, meta);
}

/* The end of a batch: the reader writes what was queued (woken if it
 * sleeps). */
void nm_tap_reader_tx_batch(struct nm_wire *w, bool on)
{
	struct nm_tap_reader *r = nm_tap_of(w)->rd;

	r->batching = on;
	if (!on && tx_pending(r))
		wake_reader(r);
}
