/* SPDX-License-Identifier: MIT */
/*
 * Shared-memory wire: two endpoints joined by one memfd-backed region that
 * holds, per direction, a single-producer single-consumer descriptor ring
 * and a frame arena (a byte ring).  This file holds the region (layout,
 * checks), the data path (xmit, peek/consume, rx_copy) and the endpoint's
 * lifetime; fault injection is in wire_shm_fault.c and rendezvous (pair,
 * create/connect by name) in wire_shm_rdv.c.  Layout: wire_shm.h.
 *
 * Data path.  xmit gathers the frame into the arena with one memcpy (that
 * copy is the wire), writes a descriptor {off, len, meta} into slot
 * head & mask and publishes head with a release store.  The consumer
 * acquires head, bounds-checks the descriptor and hands out a read-only
 * pointer into the arena (peek, zero copy) or copies it out (rx_copy); consume
 * publishes tail with a release store, which frees the slot and its arena
 * bytes.  Each side re-reads the other side's index only when its cached
 * copy says full (producer) or empty (consumer), so in a stream the only
 * shared lines that move are the descriptors and the frame data.
 *
 * References (docs/nic.md "One copy on the shm wire"): xmit_ref puts only
 * the headers into the arena and the payload's iovecs into the pair's
 * reference table (in process: wire_shm.h, struct nm_shm_refs), or across
 * processes (object id, offset) pieces into the slot's shared descriptor
 * (wire_shm_xref.c); the consumer hands the NIC both, and the producer
 * calls the reference's release once the consumer's tail passed every
 * slot that carried it.
 *
 * Arena.  Frames are contiguous (peek needs that) and start on a cache
 * line; one that does not fit before the end of the arena starts at 0 and
 * the bytes skipped are free again when that frame is.  Past the first
 * megabyte the producer also starts again at 0 whenever the consumer has
 * taken every frame, so a stream stays in cache-hot arena bytes.  The
 * producer keeps a private astart[slot] (arena position where the slot's
 * frame begins), so the arena bytes in use are computed from the tail
 * index alone and the consumer never writes arena positions the producer
 * would have to trust.
 *
 * Wakeups.  get_fd arms the consumer: before it reports "empty" it sets
 * want_signal, fences and looks again (once arm() was called, only arm()
 * does that, right before the consumer sleeps); the producer fences after
 * publishing and writes the direction's eventfd if want_signal was set
 * (a Dekker pair, so a frame is never left behind a sleeping consumer).
 * A consumer that never asked for the fd busy-polls and costs the producer
 * no syscall.  An armed consumer clears the eventfd (one non-blocking
 * read) each time it finds the ring empty, before re-arming: it is about
 * to sleep in poll() anyway, and a flag saying "the producer wrote it"
 * would lag the write and leave the consumer spinning through poll() in
 * that window (measured: 5 spurious wakeups per frame against < 0.1).
 *
 * An empty ring is a bare -EAGAIN from rx_copy/peek, without an
 * nm_last_error() message (like the TAP wire): it is the answer to most
 * polls, and formatting a message would cost ten times the poll itself.
 *
 * Backpressure.  A full ring or arena is -EAGAIN, not a drop: the frame was
 * not taken and the caller may retry (tx_dropped counts only frames
 * refused for good: -ENOTCONN).  Every 64th -EAGAIN in a row the producer
 * polls the connection to the peer process, so a crashed reader shows up
 * as -ENOTCONN instead of an endless -EAGAIN.
 *
 * Invariants (nm__wire_shm_assert_ok checks them):
 *  1. tx.head - tx.tail <= ring_entries, and tx.head == ctrl->head as last
 *     stored by us.
 *  2. tx.apos - tx.atail <= arena_bytes and tx.aoff == tx.apos % arena_bytes.
 *  3. rx.head - rx.tail <= ring_entries.
 *  4. A frame handed out lies inside the arena: off + len <= arena_bytes,
 *     NM_SHM_MIN_FRAME <= len <= frame_max.  A descriptor that fails this,
 *     or an index that moves backwards or past the other index, is counted
 *     in rx_invalid and skipped (descriptor) or ignored (index).
 *  5. Sizes are read from the shared header once, at attach, after which
 *     only the private copies are used.
 *
 * Threading: each endpoint is driven by one thread; the two endpoints may
 * be in different threads or processes.
 * Workload: millions of frames per second per direction; everything but
 * the per-frame path is cold.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nic/wire_drv.h"
#include "nic/wire_shm.h"
#include "util/err.h"
#include "util/fd.h"

static const struct nm_wire_ops nm_shm_ops;
static void nm_shm_ref_give_back(struct nm_wire *w);

#define NM_SHM_PEER_CHECK_EVERY	64u	/* -EAGAINs in a row between peer checks */
/* Arena bytes kept cache-hot while the consumer keeps up (nm_shm_tx_rewind):
 * 16 GSO super-frames, the L2 cache of a recent core. */
#define NM_SHM_HOT_BYTES	(1u << 20)
#define NM_SHM_HOT_STEP		(64u << 10)

static inline uint64_t nm_shm_round(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* ---- layout ----------------------------------------------------------- */

static int nm_shm_check_faults(const struct nm_wire_faults *f, int d, bool gso)
{
	const double rates[] = { f->loss, f->dup, f->reorder, f->corrupt, f->delay };
	static const char *const names[] = { "loss", "dup", "reorder", "corrupt", "delay" };

	for (size_t i = 0; i < NM_ARRAY_SIZE(rates); i++)
		if (!(rates[i] >= 0.0 && rates[i] <= 1.0))	/* also NaN */
			return nm_err(EINVAL, "faults[%d].%s = %g, not in [0, 1]", d,
				      names[i], rates[i]);
	if (f->delay_frames > NM_SHM_DELAY_MAX)
		return nm_err(EINVAL, "faults[%d].delay_frames %u > %u", d, f->delay_frames,
			      NM_SHM_DELAY_MAX);
	/* A GSO wire carries frames whose checksum is left to the receiver
	 * (NEEDS_CSUM, as virtio does), and the receiver trusts them: a
	 * flipped bit would reach the application unseen.  Corruption models
	 * a physical wire, whose frames carry complete checksums. */
	if (gso && f->corrupt > 0)
		return nm_err(EINVAL, "faults[%d].corrupt needs gso off: GSO frames carry "
			      "checksums nobody verifies, so corruption would go unseen", d);
	return 0;
}

static uint32_t nm_shm_frame_plain(uint32_t mtu)
{
	return mtu + NM_SHM_VLAN_OVERHEAD;
}

static uint32_t nm_shm_frame_max(uint32_t mtu, bool gso)
{
	uint32_t plain = nm_shm_frame_plain(mtu);

	return gso && plain < NM_WIRE_MAX_FRAME ? NM_WIRE_MAX_FRAME : plain;
}

int nm__shm_layout(const struct nm_wire_shm_params *p, struct nm_shm_hdr *h)
{
	uint32_t entries, mtu, arena, fmax;
	uint64_t off;

	if (!p || !h)
		return nm_err(EINVAL, "params or header is NULL");
	entries = p->ring_entries ? p->ring_entries : NM_SHM_RING_DEFAULT;
	if (entries < NM_SHM_RING_MIN || entries > NM_SHM_RING_MAX || (entries & (entries - 1)))
		return nm_err(EINVAL, "ring_entries %u is not a power of two in [%u, %u]",
			      entries, NM_SHM_RING_MIN, NM_SHM_RING_MAX);
	mtu = p->mtu ? p->mtu : 1500;
	if (mtu < NM_SHM_MTU_MIN || mtu > NM_SHM_MTU_MAX)
		return nm_err(EINVAL, "mtu %u not in [%u, %u]", mtu, NM_SHM_MTU_MIN,
			      NM_SHM_MTU_MAX);
	if (p->arena_bytes > NM_SHM_ARENA_MAX)
		return nm_err(EINVAL, "arena_bytes %u > %u", p->arena_bytes, NM_SHM_ARENA_MAX);
	arena = p->arena_bytes ? (uint32_t)nm_shm_round(p->arena_bytes, NM_SHM_PAGE)
			       : NM_SHM_ARENA_DEFAULT;
	fmax = nm_shm_frame_max(mtu, p->gso);
	if (nm_shm_round(fmax, NM_SHM_FRAME_ALIGN) > arena)
		return nm_err(EINVAL, "arena_bytes %u cannot hold one %u-byte frame", arena,
			      fmax);
	for (int d = 0; d < 2; d++) {
		int r = nm_shm_check_faults(&p->faults[d], d, p->gso);

		if (r)
			return r;
	}

	memset(h, 0, sizeof(*h));
	h->magic = NM_SHM_MAGIC;
	h->version = NM_SHM_VERSION;
	h->hdr_size = sizeof(*h);
	h->desc_size = sizeof(struct nm_shm_desc);
	h->ring_entries = entries;
	h->arena_bytes = arena;
	h->mtu = mtu;
	h->flags = p->gso ? NM_SHM_F_GSO : 0;
	off = nm_shm_round(sizeof(*h), NM_SHM_PAGE);
	for (int d = 0; d < 2; d++) {
		h->dir[d].ctrl_off = off;
		off += nm_shm_round(sizeof(struct nm_shm_ctrl), NM_SHM_PAGE);
		h->dir[d].desc_off = off;
		off += nm_shm_round((uint64_t)entries * sizeof(struct nm_shm_desc), NM_SHM_PAGE);
		h->dir[d].arena_off = off;
		off += arena;
		h->faults[d] = p->faults[d];
	}
	h->total_size = off;
	return 0;
}

void nm__shm_xref_layout(uint32_t ring_entries, uint64_t total_size, struct nm_shm_xlayout *x)
{
	uint64_t dir = nm_shm_round((uint64_t)ring_entries * sizeof(struct nm_shm_xdesc),
				    NM_SHM_PAGE);

	x->off = nm_shm_round(total_size, NM_SHM_PAGE);
	x->desc[0] = nm_shm_round(sizeof(struct nm_shm_refsync), NM_SHM_PAGE);
	x->desc[1] = x->desc[0] + dir;
	x->end = x->off + x->desc[1] + dir;
}

int nm__shm_region_create(const struct nm_wire_shm_params *p, bool xref, int *memfd)
{
	struct nm_shm_hdr h;
	struct nm_shm_xlayout x;
	uint64_t size;
	int fd, r;

	if (!memfd)
		return nm_err(EINVAL, "memfd pointer is NULL");
	r = nm__shm_layout(p, &h);
	if (r)
		return r;
	size = h.total_size;
	if (xref) {	/* past total_size: a peer that knows nothing of it is fine */
		nm__shm_xref_layout(h.ring_entries, h.total_size, &x);
		size = x.end;
	}
	fd = nm_fd_lift(memfd_create("netmem-shm-wire", MFD_CLOEXEC | MFD_ALLOW_SEALING));
	if (fd < 0)
		return nm_err_sys(errno, "memfd_create");
	if (ftruncate(fd, (off_t)size)) {
		r = nm_err_sys(errno, "ftruncate %llu", (unsigned long long)size);
		goto err_close;
	}
	if (pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		r = nm_err(EIO, "writing the region header failed");
		goto err_close;
	}
	/* A peer that shrank the file would make our loads fault (SIGBUS). */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		r = nm_err_sys(errno, "fcntl F_ADD_SEALS on the memfd");
		goto err_close;
	}
	*memfd = fd;
	return 0;

err_close:
	close(fd);
	return r;
}

/* Check a header copied out of shared memory: everything in it must be
 * exactly what our own layout computes from its sizes. */
static int nm_shm_check_hdr(const struct nm_shm_hdr *h, uint64_t file_size)
{
	struct nm_wire_shm_params p = { 0 };
	struct nm_shm_hdr exp;
	int r;

	if (h->magic != NM_SHM_MAGIC)
		return nm_err(EPROTO, "bad magic %#x", h->magic);
	if (h->version != NM_SHM_VERSION)
		return nm_err(EPROTO, "version %u, we speak %u", h->version,
			      NM_SHM_VERSION);
	if (h->hdr_size != sizeof(*h) || h->desc_size != sizeof(struct nm_shm_desc))
		return nm_err(EPROTO, "header/descriptor size %u/%u, want %zu/%zu",
			      h->hdr_size, h->desc_size, sizeof(*h), sizeof(struct nm_shm_desc));
	if (h->flags & ~NM_SHM_F_GSO)
		return nm_err(EPROTO, "unknown flags %#x", h->flags);
	if (!h->ring_entries || !h->arena_bytes || !h->mtu)	/* 0 is no default here */
		return nm_err(EPROTO, "zero size in header (ring %u, arena %u, mtu %u)",
			      h->ring_entries, h->arena_bytes, h->mtu);
	p.ring_entries = h->ring_entries;
	p.arena_bytes = h->arena_bytes;
	p.mtu = h->mtu;
	p.gso = h->flags & NM_SHM_F_GSO;
	p.faults[0] = h->faults[0];
	p.faults[1] = h->faults[1];
	r = nm__shm_layout(&p, &exp);
	if (r)
		return nm_err_wrap(-EPROTO, "bad region header");
	if (exp.arena_bytes != h->arena_bytes || exp.total_size != h->total_size ||
	    memcmp(exp.dir, h->dir, sizeof(exp.dir)))
		return nm_err(EPROTO, "header offsets/sizes do not match its layout");
	if (h->total_size > file_size)
		return nm_err(EPROTO, "region of %llu bytes in a %llu-byte memfd",
			      (unsigned long long)h->total_size, (unsigned long long)file_size);
	return 0;
}

/* ---- references (the sender's side) ------------------------------------- */

static void nm_shm_ref_drop(struct nm_shm_tref *tr)
{
	if (tr->owner)
		tr->ref.release(tr->ref.arg);
	tr->owner = false;
}

/* The consumer's tail passed slots [ref_tail, t): it is done reading them
 * (it stores tail after its copy), so their references go back.  A slot
 * reused before this ran is impossible: the producer reuses a slot only
 * after reading a tail past it, which runs this first. */
static void nm_shm_ref_release_upto(struct nm_shm_wire *ep, uint64_t t)
{
	struct nm_shm_tx *tx = &ep->tx;

	for (; tx->ref_tail != t; tx->ref_tail++) {
		struct nm_shm_tref *tr = &tx->trefs[tx->ref_tail & tx->mask];

		uint32_t st = atomic_load_explicit(&tr->state, memory_order_relaxed);

		if (st == NM_SHM_REF_FREE || st == NM_SHM_REF_DEAD)
			continue;	/* no reference, or revoked already */
		atomic_store_explicit(&tr->state, NM_SHM_REF_FREE, memory_order_relaxed);
		tx->refs_out--;
		nm_shm_ref_drop(tr);
	}
}

/* Slot tr is BUSY: if this thread claimed it, hand its release to the
 * consume that will follow on this thread (ORPHAN).  false: another
 * thread copies it (wait), or the claim ended meanwhile (look again). */
static bool nm_shm_ref_orphan(struct nm_shm_wire *ep, struct nm_shm_tref *tr)
{
	uint32_t st = NM_SHM_REF_BUSY;

	if (atomic_load_explicit(&tr->claimer, memory_order_relaxed) !=
	    (unsigned long)pthread_self())
		return false;
	if (!atomic_compare_exchange_strong_explicit(&tr->state, &st, NM_SHM_REF_ORPHAN,
						     memory_order_acq_rel, memory_order_acquire))
		return false;
	ep->tx.refs_out--;
	return true;
}

/* Every reference of this side goes back now; slots not read yet turn
 * DEAD (the consumer skips them), one being copied is waited out (or
 * orphaned, when this thread is its reader). */
static void nm_shm_ref_revoke_all(struct nm_shm_wire *ep)
{
	struct nm_shm_tx *tx = &ep->tx;

	if (!tx->trefs)
		return;
	tx->revoked = true;
	nm__shm_inj_drop_refs(ep);
	for (; tx->ref_tail != tx->head; tx->ref_tail++) {
		struct nm_shm_tref *tr = &tx->trefs[tx->ref_tail & tx->mask];
		for (;;) {
			uint32_t st = NM_SHM_REF_LIVE;

			if (atomic_compare_exchange_strong_explicit(&tr->state, &st,
								    NM_SHM_REF_DEAD,
								    memory_order_acq_rel,
								    memory_order_acquire)) {
				if (tx->xdescs)	/* the peer's claim is in its copy */
					nm__shm_xref_kill(ep, (uint32_t)tx->ref_tail & tx->mask);
				tx->refs_out--;
				nm_shm_ref_drop(tr);
				break;
			}
			if (st != NM_SHM_REF_BUSY)	/* FREE: no reference */
				break;
			if (!tx->xdescs && nm_shm_ref_orphan(ep, tr))
				break;
			/* the consumer is copying it, or holds it on loan:
			 * ask for it back (once; the flag wakes it) */
			nm_shm_ref_give_back(&ep->wire);
			sched_yield();
		}
	}
}

/* ---- producer (tx) ---------------------------------------------------- */

/* Read the consumer's tail; accept it only if it moved forward and not
 * past our head.  Frees the slots and arena bytes the consumer is done with. */
static void nm_shm_tx_reclaim(struct nm_shm_wire *ep)
{
	struct nm_shm_tx *tx = &ep->tx;
	uint64_t t = atomic_load_explicit(&tx->ctrl->tail, memory_order_acquire);

	if (t == tx->tail)
		return;
	if (nm_unlikely(t - tx->tail > tx->head - tx->tail)) {
		ep->st.rx_invalid++;	/* moved backwards or past head: ignore it */
		return;
	}
	tx->tail = t;
	tx->atail = t == tx->head ? tx->apos : tx->astart[t & tx->mask];
	if (tx->trefs)
		nm_shm_ref_release_upto(ep, t);
}

static inline bool nm_shm_tx_room(const struct nm_shm_wire *ep, uint32_t asz, uint32_t nslots)
{
	const struct nm_shm_tx *tx = &ep->tx;
	uint64_t used = tx->apos - tx->atail;

	if (tx->head - tx->tail + nslots > ep->ring_entries)
		return false;
	if (tx->aoff + asz <= tx->arena_bytes)
		return used + asz <= tx->arena_bytes;
	/* wraps to offset 0: the bytes up to the end are skipped */
	return used == 0 || used + (tx->arena_bytes - tx->aoff) + asz <= tx->arena_bytes;
}

/* Past NM_SHM_HOT_BYTES into the arena: if the consumer has taken every
 * frame, start again at offset 0 (the bytes skipped are free at once), so
 * a consumer that keeps up sees frames in the same cache-hot megabyte
 * instead of the whole arena streaming through the caches.  Otherwise look
 * again NM_SHM_HOT_STEP bytes later: one read of the consumer's index per
 * step, not per frame. */
static __attribute__((noinline)) void nm_shm_tx_rewind(struct nm_shm_wire *ep)
{
	struct nm_shm_tx *tx = &ep->tx;

	nm_shm_tx_reclaim(ep);
	if (tx->apos != tx->atail) {
		tx->rewind_at = tx->aoff + NM_SHM_HOT_STEP;
		return;
	}
	tx->apos += tx->arena_bytes - tx->aoff;
	tx->atail = tx->apos;
	tx->aoff = 0;
	tx->rewind_at = NM_SHM_HOT_BYTES;
}

/* Caller owns the tx side.  Nothing is visible to the consumer until commit. */
uint8_t *nm__shm_tx_reserve(struct nm_shm_wire *ep, uint32_t len, uint32_t nslots)
{
	struct nm_shm_tx *tx = &ep->tx;
	uint32_t asz = (uint32_t)nm_shm_round(len, NM_SHM_FRAME_ALIGN);

	if (nm_unlikely(tx->aoff >= tx->rewind_at))
		nm_shm_tx_rewind(ep);
	if (!nm_shm_tx_room(ep, asz, nslots)) {
		nm_shm_tx_reclaim(ep);
		if (!nm_shm_tx_room(ep, asz, nslots))
			return NULL;
	}
	if (tx->aoff + asz > tx->arena_bytes) {
		bool idle = tx->apos == tx->atail;

		tx->apos += tx->arena_bytes - tx->aoff;
		if (idle)	/* nothing in use: the skipped bytes are free at once */
			tx->atail = tx->apos;
		tx->aoff = 0;
		tx->rewind_at = NM_SHM_HOT_BYTES;
	}
	return tx->arena + tx->aoff;
}

static __attribute__((noinline, cold)) void nm_shm_tx_signal(struct nm_shm_tx *tx)
{
	uint64_t one = 1;

	/* EAGAIN: the counter is saturated, the consumer is awake anyway. */
	if (write(tx->efd, &one, sizeof(one)) < 0) {
		/* nothing to do: a wakeup is a hint */
	}
}

void nm__shm_tx_commit(struct nm_shm_wire *ep, uint32_t len, const struct nm_wire_meta *meta,
		       uint32_t nslots)
{
	nm__shm_tx_commit_ref(ep, len, meta, nslots, NULL);
}

/* A slot's reference, before the slot is published. */
static void nm_shm_tref_set(struct nm_shm_tref *tr, const struct nm_wire_ref *ref, bool owner)
{
	tr->ref = *ref;
	tr->owner = owner;
	atomic_store_explicit(&tr->state, NM_SHM_REF_LIVE, memory_order_relaxed);
}

void nm__shm_tx_commit_ref(struct nm_shm_wire *ep, uint32_t len, const struct nm_wire_meta *meta,
			   uint32_t nslots, const struct nm_wire_ref *ref)
{
	static const struct nm_wire_meta none;
	struct nm_shm_tx *tx = &ep->tx;
	uint32_t asz = (uint32_t)nm_shm_round(len, NM_SHM_FRAME_ALIGN);

	if (!meta)
		meta = &none;
	for (uint32_t i = 0; i < nslots; i++) {
		uint32_t slot = (uint32_t)(tx->head + i) & tx->mask;
		struct nm_shm_desc *d = &tx->descs[slot];

		d->off = tx->aoff;
		d->len = len;
		d->meta = *meta;
		d->ref_len = ref ? ref->len : 0;
		if (ref) {	/* published by the head store below */
			nm_shm_tref_set(&tx->trefs[slot], ref, i + 1 == nslots);
			if (nm_unlikely(tx->xdescs != NULL))
				nm__shm_xref_write(ep, slot, ref);
			tx->refs_out++;
		} else if (nm_unlikely(tx->trefs != NULL)) {
			/* a slot revoked once (DEAD) carries no reference now */
			atomic_store_explicit(&tx->trefs[slot].state, NM_SHM_REF_FREE,
					      memory_order_relaxed);
		}
		tx->astart[slot] = tx->apos;
	}
	tx->apos += asz;
	tx->aoff += asz;
	if (tx->aoff == tx->arena_bytes) {
		tx->aoff = 0;
		tx->rewind_at = NM_SHM_HOT_BYTES;
	}
	tx->head += nslots;
	atomic_store_explicit(&tx->ctrl->head, tx->head, memory_order_release);

	/* Dekker with nm_shm_rx_refill: our head store is ordered before the
	 * want_signal load, its want_signal store before its head load. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&tx->ctrl->want_signal, memory_order_relaxed) &&
	    atomic_exchange_explicit(&tx->ctrl->want_signal, 0, memory_order_relaxed))
		nm_shm_tx_signal(tx);
}

bool nm__shm_peer_hung_up(const struct nm_shm_wire *ep)
{
	struct pollfd pfd = { .fd = ep->sock, .events = POLLRDHUP };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

static __attribute__((cold)) int nm_shm_tx_notconn(struct nm_shm_wire *ep)
{
	ep->peer_dead = true;
	ep->st.tx_dropped++;
	return nm_err(ENOTCONN, "%s: the peer endpoint is gone", ep->wire.name);
}

int nm__shm_tx_full(struct nm_shm_wire *ep)
{
	if (ep->sock >= 0 && ++ep->tx.eagain_streak % NM_SHM_PEER_CHECK_EVERY == 0 &&
	    nm__shm_peer_hung_up(ep))
		return nm_shm_tx_notconn(ep);
	return nm_err(EAGAIN, "ring or arena full (backpressure: retry later)");
}

static __attribute__((cold)) int nm_shm_xmit_bad_len(const struct nm_shm_wire *ep, uint64_t len,
						     const struct nm_wire_meta *meta)
{
	if (len < NM_SHM_MIN_FRAME)
		return nm_err(EINVAL, "%llu-byte frame is shorter than an Ethernet header",
			      (unsigned long long)len);
	if (len <= ep->frame_max)
		return nm_err(EMSGSIZE, "%llu-byte frame exceeds mtu %u + %u without a "
			      "GSO type (meta %s)", (unsigned long long)len, ep->wire.mtu,
			      NM_SHM_VLAN_OVERHEAD, meta ? "gso_type NONE" : "NULL");
	return nm_err(EMSGSIZE, "%llu-byte frame exceeds the wire's %u-byte maximum%s",
		      (unsigned long long)len, ep->frame_max,
		      ep->wire.gso ? "" : " (gso is off)");
}

/* The frame's length and the peer: 0 if it may go.  Caller owns the tx side. */
static int nm_shm_xmit_check(struct nm_shm_wire *ep, uint64_t len, const struct nm_wire_meta *meta)
{
	/* Longer than mtu + 18 only as a GSO super-frame on a gso wire. */
	if (nm_unlikely(len < NM_SHM_MIN_FRAME || len > ep->frame_plain) &&
	    (len < NM_SHM_MIN_FRAME || len > ep->frame_max || !meta ||
	     meta->gso_type == NM_WIRE_GSO_NONE))
		return nm_shm_xmit_bad_len(ep, len, meta);
	if (nm_unlikely(ep->peer_dead ||
			!atomic_load_explicit(ep->peer_alive, memory_order_relaxed)))
		return nm_shm_tx_notconn(ep);
	return 0;
}

/* Send a frame of len bytes: the hlen bytes of iov go into the arena, and
 * with ref (len - hlen bytes) the payload stays where it lies.  Caller
 * owns the tx side. */
static int nm_shm_send(struct nm_shm_wire *ep, const struct iovec *iov, unsigned iovcnt,
		       uint64_t hlen, uint64_t len, const struct nm_wire_meta *meta,
		       const struct nm_wire_ref *ref)
{
	uint8_t *dst;
	int r = nm_shm_xmit_check(ep, len, meta);

	if (r)
		return r;
	if (nm_unlikely(ep->inj != NULL)) {
		r = nm__shm_inj_xmit(ep, iov, iovcnt, (uint32_t)len, meta, ref);
		if (r)
			return r;
	} else {
		dst = nm__shm_tx_reserve(ep, (uint32_t)hlen, 1);
		if (nm_unlikely(!dst))
			return nm__shm_tx_full(ep);
		nm_wire_gather(dst, iov, iovcnt, 0, SIZE_MAX);
		nm__shm_tx_commit_ref(ep, (uint32_t)hlen, meta, 1, ref);
	}
	ep->tx.eagain_streak = 0;
	ep->st.tx_frames++;
	ep->st.tx_bytes += len;
	return 0;
}

/* Caller owns this endpoint (its thread).  The dispatcher checked iov. */
static int nm_shm_xmit(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		       const struct nm_wire_meta *meta)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);
	uint64_t len = 0;

	for (unsigned i = 0; i < iovcnt; i++) {
		if (nm_unlikely(iov[i].iov_len > NM_WIRE_MAX_FRAME))
			return nm_shm_xmit_bad_len(ep, iov[i].iov_len, meta);
		len += iov[i].iov_len;
	}
	return nm_shm_send(ep, iov, iovcnt, len, len, meta, NULL);
}

/* ---- references: one copy on the wire ----------------------------------- */

static bool nm_shm_ref_ok(struct nm_wire *w, bool host)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);
	uint32_t want;

	if (!ep->tx.trefs || ep->tx.revoked)
		return false;
	want = atomic_load_explicit(&ep->sync->want[ep->side], memory_order_relaxed);
	/* a peer process's word: only its DEV bit means anything (host
	 * payloads are lent only in process) */
	return host ? ep->wire.lend_refs && (want & NM_WIRE_WANT_HOST) : want & NM_WIRE_WANT_DEV;
}

/* Across processes, a payload the peer cannot map (not in a shareable
 * memory object, or the table of shared objects is full) goes into the
 * arena with its headers, and its reference goes back at once. */
static __attribute__((noinline)) int nm_shm_xmit_copy(struct nm_shm_wire *ep,
						       const struct iovec *hdr, unsigned n,
						       uint64_t hlen, const struct nm_wire_ref *ref,
						       const struct nm_wire_meta *meta)
{
	struct iovec iov[NM_WIRE_MAX_IOV];
	int r;

	if (n + ref->n > NM_WIRE_MAX_IOV)
		return nm_err(EMSGSIZE, "%u header and %u payload pieces", n, ref->n);
	memcpy(iov, hdr, n * sizeof(*iov));
	memcpy(iov + n, ref->iov, ref->n * sizeof(*iov));
	r = nm_shm_send(ep, iov, n + ref->n, hlen + ref->len, hlen + ref->len, meta, NULL);
	if (r)
		return r;	/* not taken: release is not ours to call */
	ep->st.tx_ref_copied++;
	ref->release(ref->arg);
	return 0;
}

/* Only the headers go into the arena; the payload stays in the sender's
 * memory until the consumer's tail passes the slot (or the frame is
 * dropped: released at once). */
static int nm_shm_xmit_ref(struct nm_wire *w, const struct iovec *hdr, unsigned n,
			   const struct nm_wire_ref *ref, const struct nm_wire_meta *meta)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);
	uint64_t hlen = 0;
	int r;

	if (nm_unlikely(!ep->tx.trefs || ep->tx.revoked))
		return nm_err(EOPNOTSUPP, "%s: references were %s", w->name,
			      ep->tx.trefs ? "revoked" : "not agreed at set-up");
	for (unsigned i = 0; i < n; i++)
		hlen += hdr[i].iov_len;
	if (nm_unlikely(hlen < NM_SHM_MIN_FRAME || hlen > NM_WIRE_MAX_FRAME))
		return nm_shm_xmit_bad_len(ep, hlen, meta);
	if (nm_unlikely(ep->xr != NULL) && nm__shm_xref_prepare(ep, ref))
		return nm_shm_xmit_copy(ep, hdr, n, hlen, ref, meta);
	r = nm_shm_send(ep, hdr, n, hlen, hlen + ref->len, meta, ref);
	if (!r) {
		ep->st.tx_refs++;
		ep->st.tx_ref_bytes += ref->len;
	}
	return r;
}

static void nm_shm_tx_complete(struct nm_wire *w)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);
	uint64_t before;

	if (!ep->tx.refs_out && nm_likely(!nm__shm_inj_held(ep->inj)))
		return;		/* nothing referenced is out (the injector may hold some) */
	/* a consumer that is gone reads nothing more */
	if (nm_unlikely(ep->peer_dead ||
			!atomic_load_explicit(ep->peer_alive, memory_order_acquire))) {
		nm_shm_ref_revoke_all(ep);
		return;
	}
	before = ep->tx.ref_tail;
	nm_shm_tx_reclaim(ep);
	if (nm_likely(ep->tx.ref_tail != before || ep->tx.ref_tail == ep->tx.head ||
		      ep->sock < 0)) {
		ep->tx.stalls = 0;
		return;
	}
	/* A peer process killed outright leaves its alive flag set: every so
	 * often while our references stay out and none comes back, ask its
	 * connection. */
	if (++ep->tx.stalls % NM_SHM_PEER_CHECK_EVERY == 0 && nm__shm_peer_hung_up(ep)) {
		ep->peer_dead = true;
		nm_shm_ref_revoke_all(ep);
	}
}

static void nm_shm_ref_revoke(struct nm_wire *w)
{
	nm_shm_ref_revoke_all(nm_shm_wire_of(w));
}

/* In process only: across processes a frame is never lent by reference. */
static void nm_shm_ref_give_back(struct nm_wire *w)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);

	if (!ep->refs || !ep->tx.refs_out ||
	    atomic_exchange_explicit(&ep->refs->give_back[ep->side], 1, memory_order_relaxed))
		return;		/* nothing out, or asked already */
	nm_shm_tx_signal(&ep->tx);	/* the receiver may sleep on it */
}

static void nm_shm_rx_want_ref(struct nm_wire *w, int want)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);

	if (nm_likely(want == ep->rx.want_ref) || !ep->sync)
		return;
	ep->rx.want_ref = want;
	atomic_store_explicit(&ep->sync->want[!ep->side], want, memory_order_relaxed);
}

/* ---- consumer (rx) ---------------------------------------------------- */

static __attribute__((noinline)) void nm_shm_rx_clear_fd(struct nm_shm_rx *rx)
{
	uint64_t v;

	if (read(rx->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: already clear */
	}
}

/* Ask the producer to signal the next frame; the head seen after. */
static uint64_t nm_shm_rx_arm(struct nm_shm_rx *rx)
{
	/* Clear before arming: a signal for a frame published after our
	 * last look must survive until poll() sees it. */
	nm_shm_rx_clear_fd(rx);
	atomic_store_explicit(&rx->ctrl->want_signal, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	return atomic_load_explicit(&rx->ctrl->head, memory_order_acquire);
}

/* Look for new frames.  false: none (and, when armed, the producer will
 * signal the eventfd for the next one). */
static bool nm_shm_rx_refill(struct nm_shm_wire *ep)
{
	struct nm_shm_rx *rx = &ep->rx;
	uint64_t h = atomic_load_explicit(&rx->ctrl->head, memory_order_acquire);

	if (h == rx->tail) {
		if (!rx->armed || rx->lazy)
			return false;
		h = nm_shm_rx_arm(rx);
		if (h == rx->tail)
			return false;
	}
	if (nm_unlikely(h - rx->tail > ep->ring_entries)) {
		ep->st.rx_invalid++;	/* head behind tail or too far ahead */
		return false;
	}
	rx->head = h;
	return true;
}

/* The frame at tail (len bytes) is done with.  With nothing lent it is
 * freed at once; behind a lent frame it waits for that one's release. */
static inline void nm_shm_rx_done(struct nm_shm_rx *rx, uint32_t len)
{
	uint32_t asz;

	if (nm_likely(rx->rtail == rx->tail)) {
		rx->rtail = ++rx->tail;
		atomic_store_explicit(&rx->ctrl->tail, rx->tail, memory_order_release);
		return;
	}
	asz = (uint32_t)nm_shm_round(len, NM_SHM_FRAME_ALIGN);
	rx->hlen[rx->tail++ & rx->mask] = asz | NM_SHM_HLEN_DONE;
	rx->blocked_bytes += asz;
}

/* The frame at tail is passed over: one that breaks the protocol counts
 * as invalid, one its sender took back (revoked) does not. */
static __attribute__((cold)) void nm_shm_rx_skip(struct nm_shm_wire *ep, bool bad)
{
	struct nm_shm_rx *rx = &ep->rx;

	if (bad)
		ep->st.rx_invalid++;
	else
		ep->st.ref_revoked++;
	rx->peeked = false;
	nm_shm_rx_done(rx, 0);
}

/* nm_shm_rx_claim(): the reference is ours (BUSY), its sender took it
 * back, or the frame breaks the protocol. */
enum { NM_SHM_CLAIM_OK, NM_SHM_CLAIM_REVOKED, NM_SHM_CLAIM_BAD };

/* A referenced frame at slot tail: claim its reference (LIVE -> BUSY). */
static __attribute__((noinline)) int nm_shm_rx_claim(struct nm_shm_wire *ep, uint32_t o,
						      uint32_t l, uint32_t rlen)
{
	struct nm_shm_rx *rx = &ep->rx;
	struct nm_shm_tref *tr;
	uint32_t st = NM_SHM_REF_LIVE;

	if ((uint64_t)l + rlen > ep->frame_max)
		return NM_SHM_CLAIM_BAD;
	if (rx->xdescs) {
		int r = nm__shm_xref_claim(ep, (uint32_t)rx->tail & rx->mask, rlen);

		if (r == 1)
			rx->peek_off = o;
		return r == 1 ? NM_SHM_CLAIM_OK : r == 0 ? NM_SHM_CLAIM_REVOKED : NM_SHM_CLAIM_BAD;
	}
	if (!rx->rrefs)
		return NM_SHM_CLAIM_BAD;	/* not agreed: a peer that breaks the protocol */
	tr = &rx->rrefs[rx->tail & rx->mask];
	/* who claims it: a revoke on this same thread must not wait for us
	 * (published by the CAS's release) */
	atomic_store_explicit(&tr->claimer, (unsigned long)pthread_self(), memory_order_relaxed);
	if (!atomic_compare_exchange_strong_explicit(&tr->state, &st, NM_SHM_REF_BUSY,
						     memory_order_acq_rel, memory_order_relaxed))
		return NM_SHM_CLAIM_REVOKED;
	if (tr->ref.len != rlen) {
		atomic_store_explicit(&tr->state, NM_SHM_REF_LIVE, memory_order_release);
		return NM_SHM_CLAIM_BAD;
	}
	rx->peek_ref = &tr->ref;
	rx->peek_state = &tr->state;
	rx->peek_off = o;
	return NM_SHM_CLAIM_OK;
}

/* The next valid frame: its descriptor is loaded once, checked, and only
 * the checked copy is used.  false: none.  *len is the bytes in the arena;
 * a referenced frame has rx->peek_ref set (BUSY) for its payload. */
static inline bool nm_shm_rx_next(struct nm_shm_wire *ep, uint32_t *off, uint32_t *len,
				  struct nm_wire_meta *meta)
{
	struct nm_shm_rx *rx = &ep->rx;

	for (uint32_t skipped = 0; skipped <= ep->ring_entries; skipped++) {
		const struct nm_shm_desc *d;
		uint32_t o, l, rl;
		int c = NM_SHM_CLAIM_BAD;

		if (rx->tail == rx->head && !nm_shm_rx_refill(ep))
			return false;
		d = &rx->descs[rx->tail & rx->mask];
		o = __atomic_load_n(&d->off, __ATOMIC_RELAXED);
		l = __atomic_load_n(&d->len, __ATOMIC_RELAXED);
		rl = __atomic_load_n(&d->ref_len, __ATOMIC_RELAXED);
		if (nm_likely(l >= NM_SHM_MIN_FRAME && l <= ep->frame_max &&
			      o <= rx->arena_bytes - l) &&
		    (nm_likely(!rl) || (c = nm_shm_rx_claim(ep, o, l, rl)) == NM_SHM_CLAIM_OK)) {
			if (meta)
				memcpy(meta, &d->meta, sizeof(*meta));
			*off = o;
			*len = l;
			return true;
		}
		nm_shm_rx_skip(ep, c == NM_SHM_CLAIM_BAD);
	}
	return false;	/* a whole ring of garbage: give the caller back control */
}

/* We consumed a frame, and referenced ones since the last check: a sender
 * sleeping with references out wants to hear it once we have taken every
 * frame it published (Dekker
 * with nm_shm_arm: our tail store is ordered before the flag's load, its
 * flag store before its tail load).  Not before: while frames keep coming
 * the sender is awake, or woken by its peer's ACKs, and a wakeup per
 * frame cost a two-thread stream more than the copy it saved; once we
 * drained the ring, nothing else would wake it for its releases. */
static void nm_shm_ref_wake_sender(struct nm_shm_wire *ep)
{
	_Atomic uint32_t *f = &ep->sync->ref_wake[!ep->side];

	ep->rx.ref_seen = false;
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(f, memory_order_relaxed) &&
	    atomic_exchange_explicit(f, 0, memory_order_relaxed))
		nm_shm_tx_signal(&ep->tx);	/* the peer sleeps on this eventfd */
}

static void nm_shm_ref_wake(struct nm_shm_wire *ep)
{
	if (ep->rx.tail == ep->rx.head)	/* else the last one wakes it */
		nm_shm_ref_wake_sender(ep);
}

/* The sender revoked a frame this thread was reading (ORPHAN): the
 * reference is ours to release, now that the reading is over. */
static __attribute__((cold)) void nm_shm_rx_orphan_done(_Atomic uint32_t *state)
{
	struct nm_shm_tref *tr =
		(struct nm_shm_tref *)((char *)state - offsetof(struct nm_shm_tref, state));

	nm_shm_ref_drop(tr);
	atomic_store_explicit(state, NM_SHM_REF_DEAD, memory_order_relaxed);
}

/* The receiver's reading of a claimed frame's payload is over.  While we
 * hold the claim only our own thread can change the state (a revoke on
 * another thread waits for BUSY to end; one on ours orphans it), so a
 * load tells ORPHAN apart without a locked instruction per frame.  Across
 * processes the word lies in the region the peer writes too: it is only
 * stored there (a sender there never orphans, and nothing the peer wrote
 * may lead us to call a release). */
static inline void nm_shm_rx_unclaim_state(const struct nm_shm_wire *ep,
					   _Atomic uint32_t *state)
{
	if (nm_unlikely(!ep->rx.xdescs &&
			atomic_load_explicit(state, memory_order_relaxed) == NM_SHM_REF_ORPHAN))
		nm_shm_rx_orphan_done(state);
	else
		atomic_store_explicit(state, NM_SHM_REF_LIVE, memory_order_release);
}

static inline void nm_shm_rx_unclaim(const struct nm_shm_wire *ep)
{
	nm_shm_rx_unclaim_state(ep, ep->rx.peek_state);
}

static inline void nm_shm_rx_advance(struct nm_shm_wire *ep, uint32_t len)
{
	struct nm_shm_rx *rx = &ep->rx;
	uint32_t total = len;

	rx->peeked = false;
	if (nm_unlikely(rx->peek_ref != NULL)) {
		/* our copy is over; the sender takes the reference back once
		 * tail (stored after this) passes the slot */
		nm_shm_rx_unclaim(ep);
		total += rx->peek_ref->len;
		rx->peek_ref = NULL;
		rx->ref_seen = true;
		ep->st.rx_refs++;
	}
	nm_shm_rx_done(rx, len);	/* arena bytes: the headers only */
	/* not for every drained ring: that fence cost a stream without
	 * references about 10 % (netmem demo --tx copy --rx devmem) */
	if (nm_unlikely(rx->ref_seen))
		nm_shm_ref_wake(ep);
	ep->st.rx_frames++;
	ep->st.rx_bytes += total;
}

/* A referenced frame, headers and payload, gathered into one buffer of
 * ours: for callers that want it contiguous (peek, rx_copy), not the NIC. */
static __attribute__((cold)) int nm_shm_rx_flatten(struct nm_shm_wire *ep, uint32_t off,
						   uint32_t l, const uint8_t **frame,
						   uint32_t *len)
{
	struct nm_shm_rx *rx = &ep->rx;
	const struct nm_wire_ref *ref = rx->peek_ref;

	if (!rx->bounce && !(rx->bounce = malloc(ep->frame_max))) {
		nm_shm_rx_advance(ep, l);	/* lost, like a frame without a buffer */
		return nm_err(ENOMEM, "no memory to gather a referenced frame");
	}
	memcpy(rx->bounce, rx->arena + off, l);
	nm_wire_gather(rx->bounce + l, ref->iov, ref->n, 0, SIZE_MAX);
	rx->peek_flat = true;
	*frame = rx->bounce;
	*len = l + ref->len;
	return (int)*len;
}

/* The next valid frame, peeked (consume, hold or release it next): its
 * arena offset and arena bytes.  false: none. */
static inline bool nm_shm_rx_peek_next(struct nm_shm_wire *ep, uint32_t *off, uint32_t *len,
				       struct nm_wire_meta *meta)
{
	if (!nm_shm_rx_next(ep, off, len, meta)) {
		if (nm_unlikely(ep->inj != NULL))
			nm__shm_inj_tick(ep, false);
		return false;
	}
	ep->rx.peeked = true;
	ep->rx.peek_flat = false;
	ep->rx.peek_len = *len;
	return true;
}

/* Caller owns this endpoint.  Returns the frame's length. */
static int nm_shm_peek(struct nm_wire *w, const uint8_t **frame, uint32_t *len,
		       struct nm_wire_meta *meta)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);
	uint32_t off, l;

	if (!nm_shm_rx_peek_next(ep, &off, &l, meta))
		return -EAGAIN;
	*frame = ep->rx.arena + off;
	*len = l;
	if (nm_unlikely(ep->rx.peek_ref != NULL))
		return nm_shm_rx_flatten(ep, off, l, frame, len);
	return (int)l;
}

static int nm_shm_consume(struct nm_wire *w)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);

	if (!ep->rx.peeked)
		return nm_err(EINVAL, "no frame is peeked");
	nm_shm_rx_advance(ep, ep->rx.peek_len);
	return 0;
}

/*
 * Lending (hold/release): the consumer keeps a peeked frame's bytes in the
 * arena and moves on; the NIC hands them up by reference instead of
 * copying them into its own buffers.  The producer sees only rtail, so it
 * never reuses a lent frame's bytes; frames are given back oldest first,
 * and frames consumed behind a lent one are freed with it.
 *
 * Everything from the oldest lent frame on is blocked for the producer.
 * Once that is more than half of the arena or of the ring, hold and
 * release say so (1): the producer will stall long before the lent frames
 * come back unless the holder gives them back (it copies them out).
 * Because the consumer reads every frame the producer has published before
 * the producer can stall, it always sees the pressure first.
 */
/* The sender asked for its referenced payloads back, and we hold some. */
static inline bool nm_shm_give_back_asked(const struct nm_shm_wire *ep)
{
	return nm_unlikely(ep->rx.nheld_refs != 0) &&
	       atomic_load_explicit(&ep->refs->give_back[!ep->side], memory_order_relaxed);
}

static int nm_shm_rx_pressure(const struct nm_shm_wire *ep)
{
	const struct nm_shm_rx *rx = &ep->rx;

	return rx->nheld && (rx->blocked_bytes > rx->arena_bytes / 2 ||
			     rx->tail - rx->rtail > ep->ring_entries / 2 ||
			     nm_shm_give_back_asked(ep));
}

static int nm_shm_hold(struct nm_wire *w)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);
	struct nm_shm_rx *rx = &ep->rx;
	uint32_t asz;

	if (!rx->peeked)
		return nm_err(EINVAL, "no frame is peeked");
	asz = (uint32_t)nm_shm_round(rx->peek_len, NM_SHM_FRAME_ALIGN);
	if (nm_unlikely(rx->peek_ref != NULL)) {
		/* its payload is the sender's: lent only in process, where
		 * the claim (BUSY) can stay until the release, and only where
		 * it lies (a peek gathered it into a buffer of ours) */
		if (!ep->wire.lend_refs)
			return nm_err(EINVAL, "a frame that references its payload "
					      "cannot be lent across processes");
		if (rx->peek_flat)
			return nm_err(EINVAL, "a referenced frame peeked (gathered) "
					      "cannot be lent");
		ep->st.rx_bytes += rx->peek_ref->len;
		ep->st.rx_refs++;
		rx->peek_ref = NULL;
		rx->nheld_refs++;
		asz |= NM_SHM_HLEN_REF;
	}
	rx->hlen[rx->tail & rx->mask] = asz;
	rx->blocked_bytes += asz & ~NM_SHM_HLEN_REF;
	rx->nheld++;
	rx->tail++;
	rx->peeked = false;
	ep->st.rx_frames++;
	ep->st.rx_bytes += rx->peek_len;
	return nm_shm_rx_pressure(ep);
}

/* A lent referenced frame (slot t) is given back: its claim ends. */
static void nm_shm_rx_unlend_ref(struct nm_shm_wire *ep, uint64_t t)
{
	nm_shm_rx_unclaim_state(ep, &ep->rx.rrefs[t & ep->rx.mask].state);
	ep->rx.nheld_refs--;
	ep->rx.ref_seen = true;
}

/* Lent referenced frames went back (tail stored): the sender hears it if
 * it sleeps with references out or asked for them back. */
static void nm_shm_ref_given_back(struct nm_shm_wire *ep)
{
	if (ep->refs && !ep->rx.nheld_refs)	/* NULL across processes */
		atomic_store_explicit(&ep->refs->give_back[!ep->side], 0, memory_order_relaxed);
	nm_shm_ref_wake_sender(ep);
}

static int nm_shm_release(struct nm_wire *w, uint32_t n)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);
	struct nm_shm_rx *rx = &ep->rx;

	if (n > rx->nheld)
		return nm_err(EINVAL, "%u frames, %u are held", n, rx->nheld);
	if (!n)
		return nm_shm_rx_pressure(ep);
	while (rx->rtail != rx->tail) {
		uint32_t h = rx->hlen[rx->rtail & rx->mask];

		if (!(h & NM_SHM_HLEN_DONE)) {
			if (!n)
				break;	/* the oldest frame still lent */
			n--;
			rx->nheld--;
		}
		if (nm_unlikely(h & NM_SHM_HLEN_REF))
			nm_shm_rx_unlend_ref(ep, rx->rtail);
		rx->blocked_bytes -= h & ~(NM_SHM_HLEN_DONE | NM_SHM_HLEN_REF);
		rx->rtail++;
	}
	atomic_store_explicit(&rx->ctrl->tail, rx->rtail, memory_order_release);
	if (nm_unlikely(rx->ref_seen))
		nm_shm_ref_given_back(ep);
	return nm_shm_rx_pressure(ep);
}

static int nm_shm_rx_copy(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		       struct nm_wire_meta *meta)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);
	uint32_t off, len;

	if (!nm_shm_rx_next(ep, &off, &len, meta)) {
		if (nm_unlikely(ep->inj != NULL))
			nm__shm_inj_tick(ep, false);
		return -EAGAIN;		/* flow control, no message: polled constantly */
	}
	if (nm_unlikely(ep->rx.peek_ref != NULL)) {
		const uint8_t *frame;
		uint32_t total;
		int r = nm_shm_rx_flatten(ep, off, len, &frame, &total);

		if (r < 0)
			return r;
		if (nm_wire_copy_out(iov, iovcnt, frame, total) < total)
			ep->st.rx_truncated++;
		nm_shm_rx_advance(ep, len);
		return (int)total;
	}
	if (nm_wire_copy_out(iov, iovcnt, ep->rx.arena + off, len) < len)
		ep->st.rx_truncated++;
	nm_shm_rx_advance(ep, len);
	return (int)len;
}

/* ---- endpoint --------------------------------------------------------- */

static int nm_shm_get_fd(struct nm_wire *w)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);

	ep->rx.armed = true;	/* from now on ask the producer for wakeups */
	return ep->rx.efd;
}

/* The consumer is about to sleep.  From the first call on, only this arms
 * the wakeup: a consumer that finds the ring empty while it keeps polling
 * (busy loops, a stack with work elsewhere) costs neither side a syscall;
 * the eventfd read and the producer's write happen once per sleep. */
static int nm_shm_arm(struct nm_wire *w)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);
	struct nm_shm_rx *rx = &ep->rx;
	uint64_t h;

	rx->lazy = true;
	if (nm_unlikely(ep->inj != NULL))
		nm__shm_inj_tick(ep, true);	/* nothing stays held across a sleep */
	if (rx->tail != rx->head || nm_shm_give_back_asked(ep))
		return 1;	/* frames wait, or lent ones are to go back */
	if (nm_unlikely(ep->tx.refs_out != 0)) {
		/* references out: be woken when the peer consumes one, or
		 * do not sleep if it already did (releases are due) */
		atomic_store_explicit(&ep->sync->ref_wake[ep->side], 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&ep->tx.ctrl->tail, memory_order_acquire) !=
		    ep->tx.ref_tail)
			return 1;
		/* a peer process killed outright wakes nobody: look before a
		 * sleep that only its releases would end */
		if (ep->xr && !ep->peer_dead && nm__shm_peer_hung_up(ep)) {
			ep->peer_dead = true;
			return 1;	/* tx_complete takes the references back */
		}
	}
	h = nm_shm_rx_arm(rx);
	/* an index the peer broke is refill's to count, not a reason to spin */
	return h != rx->tail && h - rx->tail <= ep->ring_entries;
}

static int nm_shm_get_stats(struct nm_wire *w, struct nm_wire_stats *st)
{
	*st = nm_shm_wire_of(w)->st;
	return 0;
}

static void nm_shm_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

static void nm_shm_refs_put(struct nm_shm_refs *refs)
{
	if (!refs || atomic_fetch_sub(&refs->users, 1) != 1)
		return;
	free(refs->dir[0]);
	free(refs->dir[1]);
	free(refs);
}

static void nm_shm_destroy(struct nm_wire *w)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);

	/* Held frames die with the endpoint, like frames on a cut cable; a
	 * frame read by reference stays readable until its sender revokes
	 * it (its NIC did so already when it went first). */
	nm_shm_ref_revoke_all(ep);
	atomic_store_explicit(ep->self_alive, 0, memory_order_release);
	if (ep->rx.peek_ref)
		nm_shm_rx_unclaim(ep);
	for (uint64_t t = ep->rx.rtail; ep->rx.nheld_refs && t != ep->rx.tail; t++)
		if (ep->rx.hlen[t & ep->rx.mask] & NM_SHM_HLEN_REF)
			nm_shm_rx_unlend_ref(ep, t);
	nm__shm_inj_destroy(ep->inj);
	nm__shm_xref_destroy(ep);
	munmap(ep->map, ep->map_size);
	nm_shm_close(ep->tx.efd);
	nm_shm_close(ep->rx.efd);
	nm_shm_close(ep->sock);
	nm_shm_close(ep->lsock);
	free(ep->tx.astart);
	free(ep->rx.hlen);
	free(ep->rx.bounce);
	nm_shm_refs_put(ep->refs);
	ep->magic = 0;
	ep->wire.ops = NULL;
	free(ep);
}

/* The NIC's way in: every frame is lent where it lies in the arena (a
 * peek); the NIC then consumes or holds it.  The NIC's buffers are never
 * asked for. */
static int nm_shm_rx(struct nm_wire *w, struct nm_wire_rxbufs *bufs, struct nm_wire_frame *f)
{
	struct nm_shm_wire *ep = nm_shm_wire_of(w);
	uint32_t off, l;

	(void)bufs;
	if (!nm_shm_rx_peek_next(ep, &off, &l, &f->meta))
		return -EAGAIN;
	f->data = ep->rx.arena + off;
	f->head_len = l;
	f->len = l;
	if (nm_unlikely(ep->rx.peek_ref != NULL)) {
		f->ref = ep->rx.peek_ref;
		f->len += f->ref->len;
	}
	return 0;
}

static const struct nm_wire_ops nm_shm_ops = {
	.kind = "shm",
	.xmit = nm_shm_xmit,
	.peek = nm_shm_peek,
	.consume = nm_shm_consume,
	.rx_copy = nm_shm_rx_copy,
	.get_fd = nm_shm_get_fd,
	.get_stats = nm_shm_get_stats,
	.destroy = nm_shm_destroy,
	.arm = nm_shm_arm,
	.hold = nm_shm_hold,
	.release = nm_shm_release,
	.rx = nm_shm_rx,
	.ref_ok = nm_shm_ref_ok,
	.xmit_ref = nm_shm_xmit_ref,
	.tx_complete = nm_shm_tx_complete,
	.ref_revoke = nm_shm_ref_revoke,
	.rx_want_ref = nm_shm_rx_want_ref,
	.ref_give_back = nm_shm_ref_give_back,
};

static struct nm_shm_wire *nm_shm_cast(struct nm_wire *w, int *r)
{
	struct nm_shm_wire *ep;

	if (!w) {
		*r = nm_err(EINVAL, "wire is NULL");
		return NULL;
	}
	if (w->ops != &nm_shm_ops) {
		*r = nm_err(EINVAL, "%s is not an shm wire",
			    w->ops ? w->ops->kind : "(destroyed)");
		return NULL;
	}
	ep = nm_shm_wire_of(w);
	if (ep->magic != NM_SHM_MAGIC) {
		*r = nm_err(EINVAL, "shm wire %p is corrupt", (void *)w);
		return NULL;
	}
	return ep;
}

int nm__shm_refs_link(struct nm_wire *a, struct nm_wire *b)
{
	struct nm_shm_wire *ea = nm_shm_wire_of(a), *eb = nm_shm_wire_of(b);
	struct nm_shm_refs *refs = calloc(1, sizeof(*refs));

	if (!refs)
		return nm_err(ENOMEM, "no memory for the reference table");
	for (int d = 0; d < 2; d++) {
		refs->dir[d] = calloc(ea->ring_entries, sizeof(*refs->dir[d]));
		if (!refs->dir[d]) {
			free(refs->dir[0]);
			free(refs);
			return nm_err(ENOMEM, "no memory for %u reference slots",
				      ea->ring_entries);
		}
	}
	atomic_store(&refs->users, 2);
	ea->refs = eb->refs = refs;
	/* one address space: a claim may last as long as a loan */
	ea->wire.lend_refs = eb->wire.lend_refs = true;
	ea->sync = eb->sync = &refs->sync;
	ea->tx.trefs = eb->rx.rrefs = refs->dir[0];	/* direction 0: a -> b */
	eb->tx.trefs = ea->rx.rrefs = refs->dir[1];
	return 0;
}

int nm__shm_attach(int memfd, int side, int efd_tx, int efd_rx, int sock, int lsock,
		   const char *name, struct nm_wire **out)
{
	struct nm_shm_wire *ep;
	struct nm_shm_hdr h;
	struct stat sb;
	uint8_t *map;
	struct nm_shm_xlayout x;
	uint64_t size;
	int r, seals;
	uint32_t expect = 0;

	if (!out || (side != 0 && side != 1) || memfd < 0 || efd_tx < 0 || efd_rx < 0)
		return nm_err(EINVAL, "bad arguments");
	if (fstat(memfd, &sb))
		return nm_err_sys(errno, "fstat");
	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size < sizeof(h))
		return nm_err(EPROTO, "the region fd is not a memfd of a region");
	seals = fcntl(memfd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return nm_err(EPROTO, "the region memfd is not sealed against shrinking");
	if (pread(memfd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return nm_err(EPROTO, "cannot read the region header");
	r = nm_shm_check_hdr(&h, (uint64_t)sb.st_size);
	if (r)
		return r;
	/* The creator made room for references across processes (they are
	 * agreed later, in the hello/ack). */
	nm__shm_xref_layout(h.ring_entries, h.total_size, &x);
	size = (uint64_t)sb.st_size >= x.end ? x.end : h.total_size;

	/* Populate now: a page fault in the data path costs more than the
	 * frame (like a NIC's pinned DMA memory, the wire is resident). */
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, memfd, 0);
	if (map == MAP_FAILED)
		return nm_err_sys(errno, "mmap %llu bytes", (unsigned long long)size);
	ep = calloc(1, sizeof(*ep));
	if (!ep) {
		r = nm_err(ENOMEM, "no memory for the endpoint");
		goto err_unmap;
	}
	ep->tx.astart = calloc(h.ring_entries, sizeof(*ep->tx.astart));
	ep->rx.hlen = calloc(h.ring_entries, sizeof(*ep->rx.hlen));
	if (!ep->tx.astart || !ep->rx.hlen) {
		r = nm_err(ENOMEM, "no memory for %u ring slots", h.ring_entries);
		goto err_free_ep;
	}
	ep->frame_plain = nm_shm_frame_plain(h.mtu);
	ep->frame_max = nm_shm_frame_max(h.mtu, h.flags & NM_SHM_F_GSO);
	r = nm__shm_inj_create(&h.faults[side], ep->frame_max, &ep->inj);
	if (r)
		goto err_free_slots;

	ep->self_alive = &((struct nm_shm_hdr *)map)->alive[side];
	ep->peer_alive = &((struct nm_shm_hdr *)map)->alive[!side];
	if (!atomic_compare_exchange_strong(ep->self_alive, &expect, 1)) {
		r = nm_err(EBUSY, "side %c of the region is already attached",
			   side ? 'B' : 'A');
		goto err_free_inj;
	}

	ep->wire.ops = &nm_shm_ops;
	snprintf(ep->wire.name, sizeof(ep->wire.name), "shm:%s:%c", name ? name : "pair",
		 side ? 'b' : 'a');
	ep->wire.mtu = h.mtu;
	ep->wire.gso = h.flags & NM_SHM_F_GSO;
	ep->magic = NM_SHM_MAGIC;
	ep->side = side;
	ep->ring_entries = h.ring_entries;
	ep->map = map;
	ep->map_size = size;
	ep->xref_off = size == x.end ? x.off : 0;
	ep->sock = sock;
	ep->lsock = lsock;

	ep->tx.ctrl = (struct nm_shm_ctrl *)(map + h.dir[side].ctrl_off);
	ep->tx.descs = (struct nm_shm_desc *)(map + h.dir[side].desc_off);
	ep->tx.arena = map + h.dir[side].arena_off;
	ep->tx.mask = h.ring_entries - 1;
	ep->tx.arena_bytes = h.arena_bytes;
	ep->tx.rewind_at = NM_SHM_HOT_BYTES;
	ep->tx.efd = efd_tx;

	ep->rx.ctrl = (struct nm_shm_ctrl *)(map + h.dir[!side].ctrl_off);
	ep->rx.descs = (struct nm_shm_desc *)(map + h.dir[!side].desc_off);
	ep->rx.arena = map + h.dir[!side].arena_off;
	ep->rx.mask = h.ring_entries - 1;
	ep->rx.arena_bytes = h.arena_bytes;
	ep->rx.efd = efd_rx;

	*out = &ep->wire;
	return 0;

err_free_inj:
	nm__shm_inj_destroy(ep->inj);
err_free_slots:
	free(ep->tx.astart);
	free(ep->rx.hlen);
err_free_ep:
	free(ep);
err_unmap:
	munmap(map, size);
	return r;
}

int nm_wire_shm_flush(struct nm_wire *w)
{
	int r = 0;
	struct nm_shm_wire *ep = nm_shm_cast(w, &r);

	if (!ep)
		return r;
	if (!ep->inj)
		return 0;
	if (ep->peer_dead || !atomic_load_explicit(ep->peer_alive, memory_order_relaxed))
		return nm_shm_tx_notconn(ep);
	return nm__shm_inj_flush(ep);
}

/* ---- debug ------------------------------------------------------------ */

int nm__wire_shm_region(struct nm_wire *w, void **base, size_t *size)
{
	int r = 0;
	struct nm_shm_wire *ep = nm_shm_cast(w, &r);

	if (!ep)
		return r;
	if (!base || !size)
		return nm_err(EINVAL, "NULL out pointer");
	*base = ep->map;
	*size = ep->map_size;
	return 0;
}

int nm__wire_shm_refs_out(struct nm_wire *w)
{
	int r = 0;
	struct nm_shm_wire *ep = nm_shm_cast(w, &r);

	return ep ? (int)ep->tx.refs_out : r;
}

int nm__wire_shm_assert_ok(struct nm_wire *w)
{
	int r = 0;
	struct nm_shm_wire *ep = nm_shm_cast(w, &r);
	const struct nm_shm_tx *tx;
	const struct nm_shm_rx *rx;

	if (!ep)
		return r;
	tx = &ep->tx;
	rx = &ep->rx;
	if (tx->head - tx->tail > ep->ring_entries)
		return nm_err(EUCLEAN, "tx head %llu tail %llu", (unsigned long long)tx->head,
			      (unsigned long long)tx->tail);
	if (tx->atail > tx->apos || tx->apos - tx->atail > tx->arena_bytes ||
	    tx->aoff != tx->apos % tx->arena_bytes)
		return nm_err(EUCLEAN, "arena apos %llu atail %llu aoff %u",
			      (unsigned long long)tx->apos, (unsigned long long)tx->atail, tx->aoff);
	if (rx->head - rx->tail > ep->ring_entries)
		return nm_err(EUCLEAN, "rx head %llu tail %llu", (unsigned long long)rx->head,
			      (unsigned long long)rx->tail);
	if (rx->tail - rx->rtail > ep->ring_entries || rx->tail - rx->rtail < rx->nheld ||
	    (rx->nheld == 0) != (rx->rtail == rx->tail) || (!rx->nheld && rx->blocked_bytes) ||
	    rx->blocked_bytes > rx->arena_bytes)
		return nm_err(EUCLEAN, "rx tail %llu rtail %llu with %u lent (%llu bytes)",
			      (unsigned long long)rx->tail, (unsigned long long)rx->rtail,
			      rx->nheld, (unsigned long long)rx->blocked_bytes);
	if (rx->nheld_refs) {
		uint32_t n = 0;

		for (uint64_t t = rx->rtail; t != rx->tail; t++)
			n += !!(rx->hlen[t & rx->mask] & NM_SHM_HLEN_REF);
		if (n != rx->nheld_refs || n > rx->nheld || !ep->wire.lend_refs)
			return nm_err(EUCLEAN, "%u referenced frames lent, %u marked, %u lent in all",
				      rx->nheld_refs, n, rx->nheld);
	}
	if (tx->trefs && ((!tx->revoked && tx->ref_tail > tx->tail) ||
			  tx->refs_out > tx->head - tx->ref_tail))
		return nm_err(EUCLEAN, "%u references out in slots [%llu, %llu) (tail %llu)",
			      tx->refs_out, (unsigned long long)tx->ref_tail,
			      (unsigned long long)tx->head, (unsigned long long)tx->tail);
	if (ep->inj && nm__shm_inj_held(ep->inj) > NM_SHM_HOLD_MAX)
		return nm_err(EUCLEAN, "%u frames held", nm__shm_inj_held(ep->inj));
	return nm__shm_xref_assert_ok(ep);
}
