/* SPDX-License-Identifier: MIT */
/*
 * Zerocopy TCP sends: payload in a dma-buf bound for TX (devmem TX) and
 * MSG_ZEROCOPY completions, with the semantics of Linux's tcp_sendmsg and
 * msg_zerocopy (see tcp_zc.h for the model).
 *
 * Per-socket state (struct nm_tcp_zc, made on first use):
 *   maps     the bindings the socket sent from, one reference each, with
 *            their dma_vecs indexed by dma-buf offset (prefix sums)
 *   extents  FIFO of device byte ranges [seq, end) -> (map, dma-buf
 *            offset of seq), oldest first, popped once acknowledged
 *   records  FIFO of sendmsg calls awaiting completion: ids [lo, hi], the
 *            sequence numbers they cover
 *   notes    the error queue: completed id ranges
 *
 * Invariants (nm_tcp_zc_check()):
 *  1. Extents are non-empty, sorted and disjoint in sequence space, end at
 *     or before write_seq and past snd_una (acknowledged ones are popped);
 *     each names a map on the list, and a map's extent count is the number
 *     of extents naming it.
 *  2. Record ids are consecutive (hi + 1 of one is lo of the next, the last
 *     hi + 1 is next_id), their sequence ranges follow each other, and
 *     notes hold only ids below the first record's.
 *  3. inflight is the number of live skbs whose destructor is zc_skb_done()
 *     with this state as owner: segments that name device addresses.
 *  4. A map, and with it a binding reference, is freed only while inflight
 *     is 0, so no segment still held below TCP names an address of a
 *     binding that could be unmapped.
 *  5. A record completes only with all its bytes acknowledged (or the
 *     connection dead) and no segment in flight that may name them: every
 *     live segment starts at or after the record's end (the low mark of
 *     gens, below), so the device no longer needs the memory once the
 *     completion is seen.  A wire that references payload keeps segments
 *     until the peer consumed them (docs/nic.md, "One copy on the shm
 *     wire"), so in a stream inflight is seldom 0 and waiting for 0
 *     would starve completions.
 *  6. Once the tcb is gone (tp NULL) nothing is queued or completed any
 *     more; the state frees itself when inflight drops to 0.
 *  7. The generations (gens, struct nm_tcp_gens) count inflight segments;
 *     each one's low mark is at or below the start of every live segment
 *     it counts, and moves up about once per round of the wire.
 *
 * Workload: one extent per iovec of a sendmsg (adjacent ones merge), one
 * binary search per segment built, O(1) per completion.  Caller must own
 * the socket (its stack thread).
 */
#include <stdlib.h>
#include <string.h>

#include <netmem/dma.h>

#include "net/skb.h"
#include "net/tcp_zc.h"
#include "pool/memory_provider.h"
#include "util/err.h"

/* Bindings kept mapped with nothing queued before idle ones are dropped. */
#define ZC_MAPS_IDLE_MAX	8
/* Linux msg_zerocopy_realloc(): ids per merged record, bytes per record. */
#define ZC_REC_MAX_IDS		65534u
#define ZC_REC_MAX_BYTES	(512u << 10)

struct zc_map {
	struct zc_map *next;
	struct nm_dmabuf_binding *b;	/* one reference */
	const struct nm_dma_vec *vecs;
	uint64_t *start;		/* start[i]: dma-buf offset of vecs[i];
					 * start[nvecs]: bytes mapped */
	uint32_t nvecs;
	uint32_t extents;		/* extents naming this map */
};

struct zc_ext {
	uint32_t seq, end;		/* device bytes [seq, end) */
	uint64_t off;			/* dma-buf offset of seq */
	struct zc_map *map;
};

struct zc_rec {
	uint32_t lo, hi;		/* ids, inclusive */
	uint32_t start_seq, end_seq;	/* bytes of the calls */
	bool copied;
};

/* A FIFO of fixed-size elements in a power-of-two array. */
struct zc_fifo {
	uint8_t *v;
	uint32_t cap, head, n;
};

struct nm_tcp_zc {
	struct nm_tcp_sock *tp;		/* NULL once the tcb is gone */
	struct zc_fifo ext, rec, note;
	struct zc_map *maps;
	uint32_t nmaps;
	uint32_t inflight;
	/* segments in flight by generation (invariant 7) */
	struct nm_tcp_gens gens;
	bool trim_deferred;		/* maps_trim() waits for inflight 0 */
	uint32_t next_id;
	uint64_t dev_segs, dev_bytes;
};

/* ---- FIFOs ------------------------------------------------------------------------ */

static void *fifo_at(const struct zc_fifo *f, uint32_t i, size_t esz)
{
	return f->v + (size_t)((f->head + i) & (f->cap - 1)) * esz;
}

/* Room for want elements in all: 0 or -ENOMEM. */
static int fifo_grow(struct zc_fifo *f, size_t esz, uint32_t want)
{
	uint32_t cap = f->cap ? f->cap : 16;
	uint8_t *v;

	if (want <= f->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	v = malloc((size_t)cap * esz);
	if (!v)
		return nm_err(ENOMEM, "out of memory for %u entries", cap);
	for (uint32_t i = 0; i < f->n; i++)
		memcpy(v + (size_t)i * esz, fifo_at(f, i, esz), esz);
	free(f->v);
	f->v = v;
	f->cap = cap;
	f->head = 0;
	return 0;
}

static int fifo_reserve(struct zc_fifo *f, size_t esz)
{
	return fifo_grow(f, esz, f->n + 1);
}

static void *fifo_push(struct zc_fifo *f, size_t esz)
{
	if (fifo_reserve(f, esz))
		return NULL;
	f->n++;
	return fifo_at(f, f->n - 1, esz);
}

static void fifo_pop(struct zc_fifo *f)
{
	f->head = (f->head + 1) & (f->cap - 1);
	f->n--;
}

static void fifo_free(struct zc_fifo *f)
{
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static struct zc_ext *ext_at(const struct nm_tcp_zc *zc, uint32_t i)
{
	return fifo_at(&zc->ext, i, sizeof(struct zc_ext));
}

static struct zc_rec *rec_at(const struct nm_tcp_zc *zc, uint32_t i)
{
	return fifo_at(&zc->rec, i, sizeof(struct zc_rec));
}

static struct nm_tcp_zc_note *note_at(const struct nm_tcp_zc *zc, uint32_t i)
{
	return fifo_at(&zc->note, i, sizeof(struct nm_tcp_zc_note));
}

/* ---- bindings: dma-buf offset -> device address ------------------------------------ */

static void map_free(struct zc_map *m)
{
	nm_dmabuf_binding_put(m->b);
	free(m->start);
	free(m);
}

/* Drop bindings no extent names any more: those unbound by the control
 * plane (no new send can name them), or all of them (all).  Only with
 * nothing in flight (invariant 4). */
static void maps_trim(struct nm_tcp_zc *zc, bool all)
{
	struct zc_map **pp = &zc->maps;

	if (zc->inflight) {
		zc->trim_deferred = true;
		return;
	}
	zc->trim_deferred = false;
	while (*pp) {
		struct zc_map *m = *pp;

		if (m->extents || (!all && !nm_dmabuf_binding_is_unbound(m->b))) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		zc->nmaps--;
		map_free(m);
	}
}

/* After extents went: a connection that sends no more keeps no binding. */
static void zc_trim(struct nm_tcp_zc *zc)
{
	const struct nm_tcp_sock *tp = zc->tp;

	maps_trim(zc, !tp || tp->state == NM_TCP_CLOSED || tp->wr_shut || tp->orphan);
}

static int map_get(struct nm_tcp_zc *zc, struct nm_dmabuf_binding *b, struct zc_map **out)
{
	struct nm_dma_mapping *mapping;
	struct zc_map *m = NULL;
	uint64_t at = 0;
	int ret;

	for (m = zc->maps; m; m = m->next)
		if (m->b == b) {
			*out = m;
			return 0;
		}
	if (zc->nmaps >= ZC_MAPS_IDLE_MAX)
		maps_trim(zc, true);
	mapping = nm_dmabuf_binding_mapping(b);
	if (!mapping)
		return nm_err(EINVAL, "binding has no mapping");
	m = calloc(1, sizeof(*m));
	if (!m)
		return nm_err(ENOMEM, "out of memory");
	m->vecs = nm_dma_mapping_vecs(mapping, &m->nvecs);
	m->start = malloc(((size_t)m->nvecs + 1) * sizeof(*m->start));
	if (!m->start) {
		ret = nm_err(ENOMEM, "out of memory for %u dma_vecs", m->nvecs);
		goto err_free_map;
	}
	for (uint32_t i = 0; i < m->nvecs; i++) {
		m->start[i] = at;
		at += m->vecs[i].len;
	}
	m->start[m->nvecs] = at;
	ret = nm_dmabuf_binding_get(b);
	if (ret)
		goto err_free_start;
	m->b = b;
	m->next = zc->maps;
	zc->maps = m;
	zc->nmaps++;
	*out = m;
	return 0;

err_free_start:
	free(m->start);
err_free_map:
	free(m);
	return ret;
}

/* The vec holding dma-buf offset off (off < start[nvecs]). */
static uint32_t map_vec(const struct zc_map *m, uint64_t off)
{
	uint32_t lo = 0, hi = m->nvecs;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (m->start[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* How many of len bytes at off fit in at most max frags (*used: frags). */
static uint32_t map_fit(const struct zc_map *m, uint64_t off, uint32_t len, uint32_t max,
			uint32_t *used)
{
	uint32_t i = map_vec(m, off), done = 0, n = 0;

	while (done < len && n < max && i < m->nvecs) {
		uint64_t avail = m->start[i + 1] - (off + done);
		uint32_t k = avail < len - done ? (uint32_t)avail : len - done;

		done += k;
		n++;
		i++;
	}
	*used = n;
	return done;
}

static int map_frags(const struct zc_map *m, struct nm_skb *skb, uint64_t off, uint32_t len)
{
	uint32_t i = map_vec(m, off);

	while (len) {
		uint64_t in, avail;
		uint32_t k;
		int ret;

		if (i >= m->nvecs)
			return nm_err(EFAULT, "offset %llu past the binding",
				      (unsigned long long)off);
		in = off - m->start[i];
		avail = m->start[i + 1] - off;
		k = avail < len ? (uint32_t)avail : len;
		ret = nm_skb_add_tx_frag(skb, m->vecs[i].addr + in, k);
		if (ret)
			return ret;
		off += k;
		len -= k;
		i++;
	}
	return 0;
}

/* ---- extents ------------------------------------------------------------------------ */

/* Index of the last extent starting at or before seq, -1 if none. */
static int64_t ext_floor(const struct nm_tcp_zc *zc, uint32_t seq)
{
	uint32_t lo = 0, hi = zc->ext.n, base;

	if (!hi)
		return -1;
	base = ext_at(zc, 0)->seq;
	if (seq_lt(seq, base))
		return -1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ext_at(zc, mid)->seq - base <= seq - base)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int64_t)lo - 1;
}

static int ext_append(struct nm_tcp_zc *zc, struct zc_map *m, uint32_t seq, uint64_t off,
		      uint32_t len)
{
	struct zc_ext *t = zc->ext.n ? ext_at(zc, zc->ext.n - 1) : NULL;

	/* the same buffer continued: one extent */
	if (t && t->map == m && t->end == seq && t->off + (t->end - t->seq) == off &&
	    t->end - t->seq <= (1u << 30)) {
		t->end += len;
		return 0;
	}
	t = fifo_push(&zc->ext, sizeof(*t));
	if (!t)
		return -ENOMEM;
	*t = (struct zc_ext){ .seq = seq, .end = seq + len, .off = off, .map = m };
	m->extents++;
	return 0;
}

static void ext_pop(struct nm_tcp_zc *zc)
{
	ext_at(zc, 0)->map->extents--;
	fifo_pop(&zc->ext);
}

/* ---- completions ---------------------------------------------------------------------- */

static bool conn_dead(const struct nm_tcp_sock *tp)
{
	return tp->state == NM_TCP_CLOSED;
}

/* Queue ids lo..hi; merge into the last note when they follow it (Linux's
 * skb_zerocopy_notify_extend(), but only with the same COPIED code, so the
 * code of every id is exact). */
static void note_add(struct nm_tcp_zc *zc, uint32_t lo, uint32_t hi, bool copied)
{
	struct nm_tcp_zc_note *t = zc->note.n ? note_at(zc, zc->note.n - 1) : NULL;

	if (t && t->copied == copied && t->hi + 1 == lo &&
	    (uint64_t)(t->hi - t->lo) + 1 + (uint64_t)(hi - lo) + 1 < (1ull << 32)) {
		t->hi = hi;
		return;
	}
	/* room was reserved before the record was made (nm_tcp_zc_may_send) */
	t = fifo_push(&zc->note, sizeof(*t));
	*t = (struct nm_tcp_zc_note){ .lo = lo, .hi = hi, .copied = copied };
}

/* Acknowledged extents go; so do bindings nothing will name again. */
static void zc_pop_extents(struct nm_tcp_zc *zc)
{
	struct nm_tcp_sock *tp = zc->tp;
	bool dead = conn_dead(tp), popped = false;

	while (zc->ext.n && (dead || seq_le(ext_at(zc, 0)->end, tp->snd_una))) {
		ext_pop(zc);
		popped = true;
	}
	if (popped || (zc->nmaps && (dead || tp->wr_shut || tp->orphan)))
		zc_trim(zc);
}

/* Whether a segment still in flight may name bytes below end. */
static bool zc_inflight_below(const struct nm_tcp_zc *zc, uint32_t end)
{
	uint32_t low;

	return nm_tcp_gens_low(&zc->gens, &low) && seq_lt(low, end);
}

/* Records whose bytes are all acknowledged, and named by no segment in
 * flight, become notes (invariant 5). */
static void zc_complete_records(struct nm_tcp_zc *zc)
{
	struct nm_tcp_sock *tp = zc->tp;
	bool dead = conn_dead(tp);

	while (zc->rec.n) {
		struct zc_rec *r = rec_at(zc, 0);

		if (!dead && !seq_le(r->end_seq, tp->snd_una))
			break;
		if (zc->inflight && zc_inflight_below(zc, r->end_seq))
			break;		/* zc_skb_done() comes back */
		note_add(zc, r->lo, r->hi, r->copied);
		fifo_pop(&zc->rec);
	}
}

static void zc_free(struct nm_tcp_zc *zc)
{
	while (zc->maps) {
		struct zc_map *m = zc->maps;

		zc->maps = m->next;
		map_free(m);
	}
	fifo_free(&zc->ext);
	fifo_free(&zc->rec);
	fifo_free(&zc->note);
	free(zc);
}

/* A segment's owner: the state, with the segment's generation in the low
 * bit (the state is malloc'ed, so that bit is free), which spares the skb
 * a field only this file reads. */
static void *zc_owner(struct nm_tcp_zc *zc, unsigned g)
{
	return (void *)((uintptr_t)zc | g);
}

/* The destructor of a device segment: the NIC is done with its frags. */
static void zc_skb_done(struct nm_skb *skb)
{
	uintptr_t o = (uintptr_t)skb->owner;
	struct nm_tcp_zc *zc = (struct nm_tcp_zc *)(o & ~(uintptr_t)1);

	skb->destructor = NULL;
	skb->owner = NULL;
	nm_tcp_gens_put(&zc->gens, (unsigned)(o & 1));
	if (--zc->inflight) {
		if (zc->tp && zc->rec.n)
			zc_complete_records(zc);
		return;
	}
	if (!zc->tp) {
		zc_free(zc);	/* invariant 6 */
		return;
	}
	zc_complete_records(zc);
	if (zc->trim_deferred)
		zc_trim(zc);
}

void nm_tcp_zc_acked(struct nm_tcp_sock *tp)
{
	struct nm_tcp_zc *zc = tp->zc;

	if (!zc)
		return;
	zc_pop_extents(zc);
	zc_complete_records(zc);
}

void nm_tcp_zc_release(struct nm_tcp_sock *tp)
{
	struct nm_tcp_zc *zc = tp->zc;

	if (!zc)
		return;
	tp->zc = NULL;
	while (zc->ext.n)
		ext_pop(zc);
	fifo_free(&zc->rec);
	fifo_free(&zc->note);
	zc->tp = NULL;
	if (!zc->inflight)
		zc_free(zc);
}

/* ---- the send side ------------------------------------------------------------------ */

static struct nm_tcp_zc *zc_get(struct nm_tcp_sock *tp)
{
	if (!tp->zc) {
		tp->zc = calloc(1, sizeof(*tp->zc));
		if (tp->zc)
			tp->zc->tp = tp;
	}
	return tp->zc;
}

ssize_t nm_tcp_zc_send(struct nm_tcp_sock *tp, struct nm_dmabuf_binding *b,
		       const struct iovec *iov, int iovcnt, bool more)
{
	struct nm_tcp_zc *zc;
	struct zc_map *m = NULL;
	uint64_t total = 0;
	uint32_t n, free_b, done = 0;
	int ret = nm_tcp_send_check(tp);

	if (ret)
		return ret;
	if (!b || iovcnt < 0 || (iovcnt && !iov))
		return nm_err(EINVAL, "NULL binding or iovec");
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (total == 0)
		return 0;
	zc = zc_get(tp);
	if (!zc)
		return nm_err(ENOMEM, "out of memory for zerocopy state");
	ret = map_get(zc, b, &m);
	if (ret)
		return ret;
	for (int i = 0; i < iovcnt; i++) {
		uint64_t off = (uintptr_t)iov[i].iov_base, len = iov[i].iov_len;

		if (len > m->start[m->nvecs] || off > m->start[m->nvecs] - len)
			return nm_err(EFAULT, "[%llu, +%llu) outside the %llu mapped bytes",
				      (unsigned long long)off, (unsigned long long)len,
				      (unsigned long long)m->start[m->nvecs]);
	}
	if (zc->ext.n + (uint32_t)iovcnt > NM_TCP_ZC_MAX_EXTENTS)
		return -EAGAIN;		/* acknowledgements pop extents */
	free_b = nm_tcp_sbuf_free(tp);
	if (free_b == 0) {
		nm_tcp_sbuf_wait(tp);
		return -EAGAIN;
	}
	n = total < free_b ? (uint32_t)total : free_b;
	/* ring space stands in for the device bytes: SO_SNDBUF bounds them
	 * and host bytes after them keep their ring offsets */
	ret = nm_tcp_sbuf_reserve(tp, n);
	if (ret)
		return ret;
	for (int i = 0; i < iovcnt && done < n; i++) {
		uint32_t left = n - done;
		uint32_t take = iov[i].iov_len < left ? (uint32_t)iov[i].iov_len : left;

		if (!take)
			continue;
		ret = ext_append(zc, m, tp->write_seq, (uintptr_t)iov[i].iov_base, take);
		if (ret) {
			if (!done)
				return nm_err(ENOMEM, "out of memory for device extents");
			break;
		}
		tp->write_seq += take;
		done += take;
	}
	if (!more || tp->write_seq - tp->snd_nxt >= tp->mss)
		nm_tcp_push(tp);
	return done;
}

static bool rec_mergeable(const struct nm_tcp_zc *zc, const struct nm_tcp_sock *tp, bool copied,
			  uint32_t end_seq)
{
	const struct zc_rec *t = zc->rec.n ? rec_at(zc, zc->rec.n - 1) : NULL;

	/* Linux extends the previous call's ubuf_info while its last skb is
	 * still unsent, within a few TSO frames and 64K ids */
	return t && t->copied == copied && seq_gt(t->end_seq, tp->snd_nxt) &&
	       t->hi - t->lo + 1 < ZC_REC_MAX_IDS && end_seq - t->start_seq <= ZC_REC_MAX_BYTES;
}

int nm_tcp_zc_may_send(struct nm_tcp_sock *tp, bool copied)
{
	struct nm_tcp_zc *zc = zc_get(tp);

	if (!zc)
		return nm_err(ENOMEM, "out of memory for zerocopy state");
	if (zc->rec.n + zc->note.n >= NM_TCP_ZC_MAX_PENDING &&
	    !rec_mergeable(zc, tp, copied, tp->write_seq))
		return nm_err(ENOBUFS, "%u zerocopy completions outstanding (read the "
				       "error queue)", zc->rec.n + zc->note.n);
	/* the record, and a note for every record, cannot fail to find room
	 * later (commit and completion do not fail) */
	if (fifo_reserve(&zc->rec, sizeof(struct zc_rec)) ||
	    fifo_grow(&zc->note, sizeof(struct nm_tcp_zc_note), zc->rec.n + zc->note.n + 1))
		return -ENOMEM;
	return 0;
}

int nm_tcp_zc_commit(struct nm_tcp_sock *tp, uint32_t bytes, bool copied, uint32_t *id)
{
	struct nm_tcp_zc *zc = zc_get(tp);
	uint32_t end = tp->write_seq;
	struct zc_rec *r;

	if (!zc)
		return nm_err(ENOMEM, "out of memory for zerocopy state");
	if (rec_mergeable(zc, tp, copied, end)) {
		r = rec_at(zc, zc->rec.n - 1);
		r->hi++;
		r->end_seq = end;
	} else {
		r = fifo_push(&zc->rec, sizeof(*r));
		if (!r)
			return -ENOMEM;
		*r = (struct zc_rec){ .lo = zc->next_id, .hi = zc->next_id,
				      .start_seq = end - bytes, .end_seq = end, .copied = copied };
	}
	if (id)
		*id = zc->next_id;
	zc->next_id++;
	zc_complete_records(zc);	/* acknowledged while the call waited */
	return 0;
}

/* ---- the error queue ------------------------------------------------------------------ */

bool nm_tcp_zc_errqueue_ready(struct nm_tcp_sock *tp)
{
	struct nm_tcp_zc *zc = tp->zc;

	if (!zc)
		return false;
	if (conn_dead(tp) && (zc->ext.n || zc->rec.n)) {
		zc_pop_extents(zc);
		zc_complete_records(zc);
	}
	return zc->note.n != 0;
}

int nm_tcp_zc_errqueue_pop(struct nm_tcp_sock *tp, struct nm_tcp_zc_note *out)
{
	if (!nm_tcp_zc_errqueue_ready(tp))
		return -EAGAIN;
	*out = *note_at(tp->zc, 0);
	fifo_pop(&tp->zc->note);
	return 0;
}

/* ---- segment building -------------------------------------------------------------- */

uint32_t nm__tcp_zc_seg_len(struct nm_tcp_sock *tp, uint32_t seq, uint32_t len)
{
	struct nm_tcp_zc *zc = tp->zc;
	uint32_t done = 0, frags = 0;
	int64_t i;

	if (!zc->ext.n)
		return len;
	i = ext_floor(zc, seq);
	if (i < 0 || !seq_lt(seq, ext_at(zc, (uint32_t)i)->end)) {
		/* host bytes, up to the next extent */
		uint32_t nx = (uint32_t)(i + 1);

		if (nx < zc->ext.n && seq_lt(ext_at(zc, nx)->seq, seq + len))
			return ext_at(zc, nx)->seq - seq;
		return len;
	}
	/* device bytes: adjacent extents, as many frags as an skb holds */
	for (; (uint32_t)i < zc->ext.n && done < len; i++) {
		const struct zc_ext *e = ext_at(zc, (uint32_t)i);
		uint32_t at = seq + done, want, got, used;

		if (done && e->seq != at)
			break;		/* host bytes in between */
		want = e->end - at < len - done ? e->end - at : len - done;
		got = map_fit(e->map, e->off + (at - e->seq), want, NM_SKB_MAX_FRAGS - frags,
			      &used);
		done += got;
		frags += used;
		if (got < want)
			break;
	}
	return done;
}

int nm_tcp_zc_frags(struct nm_tcp_sock *tp, struct nm_skb *skb, uint32_t seq, uint32_t len)
{
	struct nm_tcp_zc *zc = tp->zc;
	uint32_t done = 0;
	int64_t i;

	if (!zc || !zc->ext.n || !len)
		return 0;
	i = ext_floor(zc, seq);
	if (i < 0 || !seq_lt(seq, ext_at(zc, (uint32_t)i)->end)) {
		uint32_t nx = (uint32_t)(i + 1);

		if (nx < zc->ext.n && seq_lt(ext_at(zc, nx)->seq, seq + len))
			return nm_err(EINVAL, "segment [%u, +%u) mixes host and device bytes",
				      seq, len);
		return 0;
	}
	if (tp->sw_csum)
		return nm_err(EOPNOTSUPP, "device memory cannot be sent without TX checksum "
					  "offload");
	for (; done < len; i++) {
		const struct zc_ext *e;
		uint32_t at = seq + done, k;
		int ret;

		if ((uint32_t)i >= zc->ext.n || seq_lt(at, (e = ext_at(zc, (uint32_t)i))->seq))
			return nm_err(EINVAL, "segment [%u, +%u) mixes host and device bytes",
				      seq, len);
		k = e->end - at < len - done ? e->end - at : len - done;
		ret = map_frags(e->map, skb, e->off + (at - e->seq), k);
		if (ret)
			return ret;
		done += k;
	}
	skb->unreadable = true;
	skb->destructor = zc_skb_done;
	skb->owner = zc_owner(zc, nm_tcp_gens_add(&zc->gens, seq));
	zc->inflight++;
	zc->dev_segs++;
	zc->dev_bytes += len;
	return 1;
}

/* ---- tests ------------------------------------------------------------------------------ */

int nm_tcp_zc_get_stats(struct nm_tcp_sock *tp, struct nm_tcp_zc_stats *st)
{
	const struct nm_tcp_zc *zc;

	if (!tp || !st)
		return nm_err(EINVAL, "NULL argument");
	zc = tp->zc;
	if (!zc)
		return nm_err(ENOENT, "the socket never sent zerocopy");
	*st = (struct nm_tcp_zc_stats){
		.extents = zc->ext.n, .records = zc->rec.n, .notes = zc->note.n,
		.maps = zc->nmaps, .inflight = zc->inflight, .next_id = zc->next_id,
		.dev_segs = zc->dev_segs, .dev_bytes = zc->dev_bytes,
	};
	return 0;
}

int nm_tcp_zc_check(struct nm_tcp_sock *tp)
{
	const struct nm_tcp_zc *zc;
	uint32_t nmaps = 0;

	if (!tp)
		return nm_err(EINVAL, "NULL socket");
	zc = tp->zc;
	if (!zc)
		return 0;
	if (zc->tp != tp)
		return nm_err(EUCLEAN, "state points at another tcb");
	if (nm_tcp_gens_count(&zc->gens) != zc->inflight)
		return nm_err(EUCLEAN, "generations count %u segments, %u in flight",
			      nm_tcp_gens_count(&zc->gens), zc->inflight);
	for (const struct zc_map *m = zc->maps; m; m = m->next) {
		uint32_t cnt = 0;

		for (uint32_t i = 0; i < zc->ext.n; i++)
			cnt += ext_at(zc, i)->map == m;
		if (cnt != m->extents)
			return nm_err(EUCLEAN, "map counts %u extents, %u name it",
				      m->extents, cnt);
		nmaps++;
	}
	if (nmaps != zc->nmaps)
		return nm_err(EUCLEAN, "%u maps listed, %u counted", nmaps, zc->nmaps);
	for (uint32_t i = 0; i < zc->ext.n; i++) {
		const struct zc_ext *e = ext_at(zc, i);
		bool known = false;

		for (const struct zc_map *m = zc->maps; m; m = m->next)
			known |= m == e->map;
		if (!known || !seq_lt(e->seq, e->end) || seq_gt(e->end, tp->write_seq) ||
		    e->off + (e->end - e->seq) > e->map->start[e->map->nvecs])
			return nm_err(EUCLEAN, "extent %u [%u, %u) is bad", i, e->seq,
				      e->end);
		if (i && seq_lt(e->seq, ext_at(zc, i - 1)->end))
			return nm_err(EUCLEAN, "extent %u overlaps the one before", i);
		if (!conn_dead(tp) && seq_le(e->end, tp->snd_una) && !zc->inflight)
			return nm_err(EUCLEAN, "extent %u acknowledged but kept", i);
	}
	for (uint32_t i = 0; i < zc->rec.n; i++) {
		const struct zc_rec *r = rec_at(zc, i);
		uint32_t next_lo = i + 1 < zc->rec.n ? rec_at(zc, i + 1)->lo : zc->next_id;

		if (r->hi + 1 != next_lo || r->hi - r->lo >= ZC_REC_MAX_IDS ||
		    seq_gt(r->start_seq, r->end_seq) ||
		    (i + 1 < zc->rec.n && rec_at(zc, i + 1)->start_seq != r->end_seq &&
		     seq_gt(r->end_seq, rec_at(zc, i + 1)->start_seq)))
			return nm_err(EUCLEAN, "record %u ids [%u, %u] seq [%u, %u) "
					       "out of order", i, r->lo, r->hi, r->start_seq, r->end_seq);
	}
	if (zc->note.n && zc->rec.n &&
	    (int32_t)(note_at(zc, zc->note.n - 1)->hi - rec_at(zc, 0)->lo) >= 0)
		return nm_err(EUCLEAN, "a note is newer than a pending record");
	return 0;
}
