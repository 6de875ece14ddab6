/* SPDX-License-Identifier: MIT */
/*
 * Fault injection for the shm wire: loss, duplication, reordering,
 * corruption, delay and a rate limit, applied by the sender to its own
 * direction at xmit time, deterministic from the direction's seed.
 *
 * Per frame, in this order (a frame takes at most one of the holds):
 *  1. rate limit: a token bucket of rate_bps BYTES per second, refilled
 *     from CLOCK_MONOTONIC, starting full; a frame without tokens is
 *     dropped (inj_rate_dropped).  Burst: 50 ms of tokens (at least one
 *     largest frame), so a sender that was descheduled for less than that
 *     catches up instead of losing its share.
 *  2. loss (inj_lost): not delivered.
 *  3. corruption (inj_corrupted): one bit of one byte, both drawn, flipped
 *     in the wire's copy (never in the caller's buffer).
 *  4. duplication (inj_dup): delivered twice, back to back (two descriptors
 *     sharing one arena copy).
 *  5. reorder (inj_reordered): held back, released after the next frame
 *     that goes out; else delay (inj_delayed): held back until
 *     delay_frames (0 counts as 1) later frames went out.
 * Draws come from one xoshiro256** stream per direction seeded through
 * splitmix64, and only for the faults whose rate is non-zero; so the same
 * seed, parameters and accepted frames give the same delivered sequence
 * (the rate limit alone depends on time).
 *
 * Flush rule: held frames are released (in the order they were held) right
 * after the frame that makes them due, all at once by nm_wire_shm_flush(),
 * and by nm__shm_inj_tick(), which the endpoint's own polling calls: a
 * frame held NM_SHM_HOLD_MAX_US goes then, and every held frame goes when
 * its stack is about to sleep.  Without the tick a frame with nothing
 * behind it stayed held until the sender's next frame, however late: for
 * TCP the end of every flight, whose next frame is the retransmission
 * after a timeout.  Reordering is a small delay, never a wait for traffic.
 * A frame that cannot be released because the ring is full stays held and
 * is retried at the next xmit, tick or flush.
 * At most NM_SHM_HOLD_MAX frames are held; beyond that (or without memory
 * for the copy) a frame that drew a hold goes out at once and is not
 * counted as reordered/delayed.
 *
 * -EAGAIN is a transaction: the PRNG and the token bucket are restored, so
 * a retried frame draws exactly what it drew the first time.
 *
 * Workload: test and chaos runs; a wire without faults never calls in here.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nic/wire_drv.h"
#include "nic/wire_shm.h"
#include "util/err.h"

struct nm_shm_held {
	uint8_t *data;			/* private copy, corruption applied */
	uint32_t len;			/* bytes in data (the headers when ref) */
	bool has_ref;			/* the payload is ref, still the sender's */
	struct nm_wire_ref ref;
	uint32_t copies;		/* 2 when also duplicated */
	uint64_t release_at;		/* inj->passed value that makes it due */
	uint64_t held_ns;		/* when it was held (the tick's bound) */
	struct nm_wire_meta meta;
};

struct nm_shm_inj {
	struct nm_wire_faults f;
	uint64_t rng[4];
	double tokens, burst;		/* bytes */
	uint64_t last_ns;
	uint64_t passed;		/* frames that went out without being held */
	uint32_t frame_max;
	unsigned nheld;
	struct nm_shm_held held[NM_SHM_HOLD_MAX];
};

static uint64_t nm_inj_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t nm_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t nm_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
static uint64_t nm_inj_next(struct nm_shm_inj *inj)
{
	uint64_t *s = inj->rng;
	uint64_t result = nm_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = nm_rotl(s[3], 45);
	return result;
}

/* True with probability p; draws only when p > 0. */
static bool nm_inj_hit(struct nm_shm_inj *inj, double p)
{
	return p > 0 && (double)(nm_inj_next(inj) >> 11) * 0x1.0p-53 < p;
}

int nm__shm_inj_create(const struct nm_wire_faults *f, uint32_t frame_max,
		       struct nm_shm_inj **out)
{
	struct nm_shm_inj *inj;
	uint64_t seed;

	*out = NULL;
	if (!(f->loss > 0 || f->dup > 0 || f->reorder > 0 || f->corrupt > 0 || f->delay > 0 ||
	      f->rate_bps))
		return 0;
	inj = calloc(1, sizeof(*inj));
	if (!inj)
		return nm_err(ENOMEM, "no memory for the fault injector");
	inj->f = *f;
	inj->frame_max = frame_max;
	seed = f->seed;
	for (int i = 0; i < 4; i++)
		inj->rng[i] = nm_splitmix64(&seed);
	if (f->rate_bps) {
		inj->burst = (double)f->rate_bps / 20.0;	/* 50 ms */
		if (inj->burst < frame_max)
			inj->burst = frame_max;
		inj->tokens = inj->burst;
		inj->last_ns = nm_inj_now_ns();
	}
	*out = inj;
	return 0;
}

void nm__shm_inj_destroy(struct nm_shm_inj *inj)
{
	if (!inj)
		return;
	for (unsigned i = 0; i < inj->nheld; i++)
		free(inj->held[i].data);
	free(inj);
}

unsigned nm__shm_inj_held(const struct nm_shm_inj *inj)
{
	return inj ? inj->nheld : 0;
}

static bool nm_inj_take_tokens(struct nm_shm_inj *inj, uint32_t len)
{
	uint64_t now = nm_inj_now_ns();

	inj->tokens += (double)(now - inj->last_ns) * (double)inj->f.rate_bps / 1e9;
	if (inj->tokens > inj->burst)
		inj->tokens = inj->burst;
	inj->last_ns = now;
	if (inj->tokens < len)
		return false;
	inj->tokens -= len;
	return true;
}

/* Release held frames that are due (all of them when `all`; also those
 * held since before `old_ns` when it is not 0), in the order they were
 * held.  -EAGAIN if the ring filled; the rest stay held. */
static int nm_inj_release(struct nm_shm_wire *ep, bool all, uint64_t old_ns)
{
	struct nm_shm_inj *inj = ep->inj;
	unsigned keep = 0;
	int r = 0;

	for (unsigned i = 0; i < inj->nheld; i++) {
		struct nm_shm_held *h = &inj->held[i];

		if (r == 0 && (all || h->release_at <= inj->passed || h->held_ns < old_ns)) {
			uint8_t *dst = nm__shm_tx_reserve(ep, h->len, h->copies);

			if (dst) {
				memcpy(dst, h->data, h->len);
				nm__shm_tx_commit_ref(ep, h->len, &h->meta, h->copies,
						      h->has_ref ? &h->ref : NULL);
				free(h->data);
				continue;
			}
			r = -EAGAIN;
		}
		if (keep != i)
			inj->held[keep] = *h;
		keep++;
	}
	inj->nheld = keep;
	return r;
}

/* Copy the frame aside (only its headers when its payload is referenced:
 * the reference is held with it); false without memory (the caller sends
 * it now). */
static bool nm_inj_hold(struct nm_shm_inj *inj, const struct iovec *iov, unsigned iovcnt,
			uint32_t len, const struct nm_wire_meta *meta, uint32_t copies,
			uint64_t after, int64_t flip, const struct nm_wire_ref *ref)
{
	struct nm_shm_held *h = &inj->held[inj->nheld];
	uint8_t *data = malloc(len);

	if (!data)
		return false;
	nm_wire_gather(data, iov, iovcnt, 0, SIZE_MAX);
	if (flip >= 0)
		data[flip >> 3] ^= (uint8_t)(1u << (flip & 7));
	*h = (struct nm_shm_held){ .data = data, .len = len, .copies = copies,
				   .release_at = inj->passed + after, .held_ns = nm_inj_now_ns(),
				   .meta = *meta, .has_ref = ref != NULL };
	if (ref)
		h->ref = *ref;
	inj->nheld++;
	return true;
}

/* A referenced frame that draws a corruption is sent as a copy (the bit
 * flips in the wire's copy, never in the sender's memory): gather headers
 * and payload into the arena, and the reference goes back at once. */
static int nm_inj_flatten(struct nm_shm_wire *ep, const struct iovec *iov, unsigned iovcnt,
			  uint32_t len, const struct nm_wire_meta *m, uint32_t copies,
			  int64_t flip, const struct nm_wire_ref *ref)
{
	uint8_t *dst = nm__shm_tx_reserve(ep, len, copies);

	if (!dst)
		return -EAGAIN;
	nm_wire_gather(dst, iov, iovcnt, 0, SIZE_MAX);
	nm_wire_gather(dst + (len - ref->len), ref->iov, ref->n, 0, SIZE_MAX);
	dst[flip >> 3] ^= (uint8_t)(1u << (flip & 7));
	nm__shm_tx_commit(ep, len, m, copies);
	ref->release(ref->arg);
	return 0;
}

/* Caller owns the tx side; the frame is already checked (length, peer).
 * With ref, iov holds the headers and len counts the payload too; a frame
 * dropped here releases ref at once. */
int nm__shm_inj_xmit(struct nm_shm_wire *ep, const struct iovec *iov, unsigned iovcnt,
		     uint32_t len, const struct nm_wire_meta *meta,
		     const struct nm_wire_ref *ref)
{
	struct nm_shm_inj *inj = ep->inj;
	struct nm_wire_stats *st = &ep->st;
	const struct nm_wire_faults *f = &inj->f;
	struct nm_wire_meta m = meta ? *meta : (struct nm_wire_meta){ 0 };
	uint64_t saved_rng[4], saved_last = inj->last_ns, after = 0;
	double saved_tokens = inj->tokens;
	uint32_t copies = 1;
	int64_t flip = -1;		/* bit index into the frame, -1: none */
	bool reorder = false;
	uint8_t *dst;

	memcpy(saved_rng, inj->rng, sizeof(saved_rng));
	uint32_t hlen = ref ? len - ref->len : len;	/* bytes that go into the arena */

	if (f->rate_bps && !nm_inj_take_tokens(inj, len)) {
		st->inj_rate_dropped++;
		goto dropped;
	}
	if (nm_inj_hit(inj, f->loss)) {
		st->inj_lost++;
		goto dropped;
	}
	if (nm_inj_hit(inj, f->corrupt)) {
		uint64_t x = nm_inj_next(inj);

		flip = (int64_t)((x >> 3) % len) * 8 + (int64_t)(x & 7);
	}
	if (nm_inj_hit(inj, f->dup))
		copies = 2;
	if (nm_inj_hit(inj, f->reorder)) {
		reorder = true;
		after = 1;
	} else if (nm_inj_hit(inj, f->delay)) {
		after = f->delay_frames ? f->delay_frames : 1;
	}

	if (nm_unlikely(ref && flip >= 0)) {
		if (nm_inj_flatten(ep, iov, iovcnt, len, &m, copies, flip, ref))
			goto full;
		inj->passed++;
		goto count;
	}
	if (after && inj->nheld < NM_SHM_HOLD_MAX &&
	    nm_inj_hold(inj, iov, iovcnt, hlen, &m, copies, after, flip, ref)) {
		if (reorder)
			st->inj_reordered++;
		else
			st->inj_delayed++;
		goto count;
	}

	dst = nm__shm_tx_reserve(ep, hlen, copies);
	if (!dst)
		goto full;
	nm_wire_gather(dst, iov, iovcnt, 0, SIZE_MAX);
	if (flip >= 0)
		dst[flip >> 3] ^= (uint8_t)(1u << (flip & 7));
	nm__shm_tx_commit_ref(ep, hlen, &m, copies, ref);
	inj->passed++;
	if (inj->nheld)
		nm_inj_release(ep, false, 0);	/* -EAGAIN: retried next time */
count:
	if (flip >= 0)
		st->inj_corrupted++;
	if (copies == 2)
		st->inj_dup++;
	return 0;

dropped:
	if (ref)
		ref->release(ref->arg);
	return 0;
full:
	memcpy(inj->rng, saved_rng, sizeof(saved_rng));
	inj->tokens = saved_tokens;
	inj->last_ns = saved_last;
	return nm__shm_tx_full(ep);
}

void nm__shm_inj_drop_refs(struct nm_shm_wire *ep)
{
	struct nm_shm_inj *inj = ep->inj;
	unsigned keep = 0;

	if (!inj)
		return;
	for (unsigned i = 0; i < inj->nheld; i++) {
		struct nm_shm_held *h = &inj->held[i];

		if (h->has_ref) {
			h->ref.release(h->ref.arg);
			free(h->data);
			continue;
		}
		if (keep != i)
			inj->held[keep] = *h;
		keep++;
	}
	inj->nheld = keep;
}

int nm__shm_inj_tick(struct nm_shm_wire *ep, bool idle)
{
	struct nm_shm_inj *inj = ep->inj;
	uint64_t now;

	if (!inj || !inj->nheld)
		return 0;
	now = nm_inj_now_ns();
	if (!idle && now - inj->held[0].held_ns < NM_SHM_HOLD_MAX_US * 1000ull)
		return 0;	/* held[0] is the oldest */
	return nm_inj_release(ep, idle, now - NM_SHM_HOLD_MAX_US * 1000ull);
}

int nm__shm_inj_flush(struct nm_shm_wire *ep)
{
	if (!ep->inj->nheld)
		return 0;
	if (nm_inj_release(ep, true, 0))
		return nm_err(EAGAIN, "ring full, %u frames still held",
			      ep->inj->nheld);
	return 0;
}
