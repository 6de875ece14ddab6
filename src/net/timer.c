/* SPDX-License-Identifier: MIT */
/*
 * A hierarchical timer wheel (see timer.h): 4 levels of 256 slots, 1 ms
 * ticks, so level 0 spans 256 ms, level 1 65 s, level 2 4.6 h and level 3
 * 49 days (further expiries are parked at the far end and re-cascaded).
 *
 * Invariants:
 *  1. clk is the next tick to process; every pending timer in the wheel
 *     has tick e = ceil(expires / TICK) >= clk and sits in the slot of the
 *     lowest level whose span covers e - clk at the time it was (re)placed:
 *     level L slot (e >> 8L) & 255.
 *  2. A timer armed with expires <= now (the last now seen) sits on the
 *     due list and runs at the next nm_timer_run(), whatever its tick.
 *  3. bits[L] has bit s set iff slot s of level L is not empty.
 *  4. A timer never runs before its expiry: run(now) runs a wheel timer
 *     only when floor(now / TICK) >= e, i.e. now >= e * TICK >= expires.
 *
 * Processing a tick: cascade the higher level's slot when the lower
 * level's index wraps to 0 (like the kernel's classic wheel), detach the
 * level-0 slot, advance clk, then run the detached timers, so callbacks may
 * arm timers for "now" without being run twice in one call.  Empty stretches
 * are skipped with the slot bitmaps.
 *
 * Workload: TCP re-arms its retransmission timer on nearly every ACK, so
 * mod and del are the hot operations (O(1): unlink + link); run is cheap
 * per tick.  One wheel per stack thread, no locks.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/timer.h"
#include "util/err.h"

#define WHEEL_LEVELS	4
#define WHEEL_BITS	8
#define WHEEL_SLOTS	(1u << WHEEL_BITS)
#define WHEEL_MASK	(WHEEL_SLOTS - 1)
#define WHEEL_MAX_DELTA	((1ull << (WHEEL_LEVELS * WHEEL_BITS)) - 1)

struct nm_timer_wheel {
	uint64_t clk;			/* next tick to process */
	uint64_t now;			/* the last now_us seen */
	uint64_t bits[WHEEL_LEVELS][WHEEL_SLOTS / 64];
	struct nm_timer due;		/* list head: armed in the past */
	uint64_t armed_min;		/* earliest expiry armed since the last
					 * nm_timer_armed_take() (UINT64_MAX: none) */
	struct nm_timer slots[WHEEL_LEVELS][WHEEL_SLOTS];	/* list heads */
};

/*
 * The clock.  Reading CLOCK_MONOTONIC costs 50-100 ns in a VM (pvclock in
 * the vDSO), and TCP asks for the time several times per segment (RTT
 * samples, timestamps, cubic, last-receive stamps): about a tenth of a
 * stream's CPU in profiles.  So, like Linux's per-poll tcp_mstamp, a stack
 * holds the time it read at the top of a loop pass for the whole pass
 * (thread-local: one stack per thread), and nm_now_us() returns the held
 * value.  Outside a pass (socket calls, control paths) it reads the clock.
 */
static __thread uint64_t nm_clock_held;	/* 0: none held */
static uint64_t nm_clock_faked;		/* 0: the real clock (nm_clock_fake) */

void nm_clock_fake(uint64_t now_us)
{
	__atomic_store_n(&nm_clock_faked, now_us, __ATOMIC_RELAXED);
}

uint64_t nm_clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t nm_clock_read(void)
{
	uint64_t fake = __atomic_load_n(&nm_clock_faked, __ATOMIC_RELAXED);

	if (nm_unlikely(fake))
		return fake;
	return nm_clock_mono_us();
}

uint64_t nm_clock_hold(uint64_t now_us)
{
	uint64_t prev = nm_clock_held;

	nm_clock_held = now_us;
	return prev;
}

uint64_t nm_now_us(void)
{
	return nm_clock_held ? nm_clock_held : nm_clock_read();
}

static void list_init(struct nm_timer *h)
{
	h->next = h->prev = h;
}

static bool list_empty(const struct nm_timer *h)
{
	return h->next == h;
}

static void list_add_tail(struct nm_timer *h, struct nm_timer *t)
{
	t->prev = h->prev;
	t->next = h;
	h->prev->next = t;
	h->prev = t;
}

/* The slot index (level * 256 + slot) of a list head, or -1 for others. */
static long slot_index(const struct nm_timer_wheel *w, const struct nm_timer *h)
{
	const struct nm_timer *first = &w->slots[0][0];

	if (h < first || h >= first + WHEEL_LEVELS * WHEEL_SLOTS)
		return -1;
	return h - first;
}

static void slot_set(struct nm_timer_wheel *w, unsigned level, unsigned slot)
{
	w->bits[level][slot / 64] |= 1ull << (slot % 64);
}

static void slot_clear(struct nm_timer_wheel *w, long idx)
{
	unsigned level = (unsigned)idx / WHEEL_SLOTS, slot = (unsigned)idx % WHEEL_SLOTS;

	w->bits[level][slot / 64] &= ~(1ull << (slot % 64));
}

static void timer_unlink(struct nm_timer_wheel *w, struct nm_timer *t)
{
	struct nm_timer *n = t->next, *p = t->prev;

	p->next = n;
	n->prev = p;
	if (n == p) {	/* the list is now only its head */
		long idx = slot_index(w, n);

		if (idx >= 0)
			slot_clear(w, idx);
	}
	t->next = t->prev = NULL;
}

static uint64_t expires_tick(uint64_t expires_us)
{
	return expires_us / NM_TIMER_TICK_US + (expires_us % NM_TIMER_TICK_US != 0);
}

/* Place a pending timer by its expiry (invariant 1). */
static void timer_place(struct nm_timer_wheel *w, struct nm_timer *t)
{
	uint64_t e = expires_tick(t->expires), delta;
	unsigned level;

	if (e < w->clk)
		e = w->clk;
	delta = e - w->clk;
	if (delta > WHEEL_MAX_DELTA) {
		delta = WHEEL_MAX_DELTA;	/* parked; re-placed when cascaded */
		e = w->clk + delta;
	}
	for (level = 0; level < WHEEL_LEVELS - 1; level++)
		if (delta < (1ull << (WHEEL_BITS * (level + 1))))
			break;
	unsigned slot = (unsigned)(e >> (WHEEL_BITS * level)) & WHEEL_MASK;

	list_add_tail(&w->slots[level][slot], t);
	slot_set(w, level, slot);
}

int nm_timer_wheel_create(uint64_t now_us, struct nm_timer_wheel **out)
{
	struct nm_timer_wheel *w;

	if (!out)
		return nm_err(EINVAL, "NULL out");
	w = calloc(1, sizeof(*w));
	if (!w)
		return nm_err(ENOMEM, "out of memory");
	w->now = now_us;
	w->armed_min = UINT64_MAX;
	w->clk = now_us / NM_TIMER_TICK_US + 1;	/* ticks <= now are done */
	list_init(&w->due);
	for (unsigned l = 0; l < WHEEL_LEVELS; l++)
		for (unsigned s = 0; s < WHEEL_SLOTS; s++)
			list_init(&w->slots[l][s]);
	*out = w;
	return 0;
}

static void list_drop_all(struct nm_timer *h)
{
	while (!list_empty(h)) {
		struct nm_timer *t = h->next;

		h->next = t->next;
		t->next = t->prev = NULL;
		t->pending = false;
	}
	list_init(h);
}

void nm_timer_wheel_destroy(struct nm_timer_wheel *w)
{
	if (!w)
		return;
	list_drop_all(&w->due);
	for (unsigned l = 0; l < WHEEL_LEVELS; l++)
		for (unsigned s = 0; s < WHEEL_SLOTS; s++)
			list_drop_all(&w->slots[l][s]);
	free(w);
}

void nm_timer_init(struct nm_timer *t, nm_timer_fn fn)
{
	if (!t)
		return;
	memset(t, 0, sizeof(*t));
	t->fn = fn;
}

void nm_timer_mod(struct nm_timer_wheel *w, struct nm_timer *t, uint64_t expires_us)
{
	if (!w || !t)
		return;
	if (t->pending)
		timer_unlink(w, t);
	t->expires = expires_us;
	t->pending = true;
	if (expires_us < w->armed_min)
		w->armed_min = expires_us;
	if (expires_us <= w->now)
		list_add_tail(&w->due, t);
	else
		timer_place(w, t);
}

bool nm_timer_del(struct nm_timer_wheel *w, struct nm_timer *t)
{
	if (!w || !t || !t->pending)
		return false;
	timer_unlink(w, t);
	t->pending = false;
	return true;
}

/* Move every timer of a higher-level slot down (re-place by expiry). */
static void cascade(struct nm_timer_wheel *w, unsigned level, unsigned slot)
{
	struct nm_timer *h = &w->slots[level][slot], tmp;

	if (list_empty(h))
		return;
	/* detach the whole list first: re-placing may target the same slot
	 * (a parked far timer) */
	tmp.next = h->next;
	tmp.prev = h->prev;
	tmp.next->prev = &tmp;
	tmp.prev->next = &tmp;
	list_init(h);
	slot_clear(w, (long)(level * WHEEL_SLOTS + slot));
	while (!list_empty(&tmp)) {
		struct nm_timer *t = tmp.next;

		timer_unlink(w, t);
		timer_place(w, t);
	}
}

/* Run every timer on list h (detached from the wheel); returns how many. */
static int run_list(struct nm_timer_wheel *w, struct nm_timer *h)
{
	int n = 0;

	while (!list_empty(h)) {
		struct nm_timer *t = h->next;

		timer_unlink(w, t);
		t->pending = false;
		n++;
		if (t->fn)
			t->fn(t);	/* may re-arm t or touch any other timer */
	}
	return n;
}

static void list_move(struct nm_timer *from, struct nm_timer *to)
{
	list_init(to);
	if (list_empty(from))
		return;
	to->next = from->next;
	to->prev = from->prev;
	to->next->prev = to;
	to->prev->next = to;
	list_init(from);
}

/*
 * The first tick t >= from at which the wheel has work: a level-0 slot
 * holding timers of that lap, or the cascade of a non-empty higher slot.
 * UINT64_MAX if the wheel is empty.  Level-0 timers expire in
 * [from, from + 256) (the caller processed every tick before from).
 */
/* Distance from slot start to the first non-empty slot of a level, going
 * round (start itself is distance 0); WHEEL_SLOTS if the level is empty. */
static unsigned first_busy(const uint64_t *bits, unsigned start)
{
	for (unsigned k = 0; k <= WHEEL_SLOTS / 64; k++) {
		unsigned i = (start / 64 + k) % (WHEEL_SLOTS / 64);
		uint64_t m = bits[i];

		if (k == 0)
			m &= ~0ull << (start % 64);	/* slots before start: last */
		else if (k == WHEEL_SLOTS / 64)
			m &= (start % 64) ? ~(~0ull << (start % 64)) : 0;
		if (m) {
			unsigned s = i * 64 + (unsigned)__builtin_ctzll(m);

			return (s - start) & WHEEL_MASK;
		}
	}
	return WHEEL_SLOTS;
}

/*
 * The first tick t >= from at which the wheel has work: a level-0 slot
 * holding timers of that lap, or the cascade of a non-empty higher slot.
 * UINT64_MAX if the wheel is empty.  Level-0 timers expire in
 * [from, from + 256) (the caller processed every tick before from).
 */
static uint64_t next_event(const struct nm_timer_wheel *w, uint64_t from)
{
	uint64_t best = UINT64_MAX;
	unsigned d = first_busy(w->bits[0], (unsigned)(from & WHEEL_MASK));

	if (d < WHEEL_SLOTS)
		best = from + d;
	for (unsigned l = 1; l < WHEEL_LEVELS; l++) {
		unsigned shift = WHEEL_BITS * l;
		uint64_t c0 = (from + (1ull << shift) - 1) >> shift;	/* first boundary >= from */

		d = first_busy(w->bits[l], (unsigned)(c0 & WHEEL_MASK));
		if (d < WHEEL_SLOTS && ((c0 + d) << shift) < best)
			best = (c0 + d) << shift;
	}
	return best;
}

int nm_timer_run(struct nm_timer_wheel *w, uint64_t now_us)
{
	struct nm_timer due, expired;
	uint64_t now_tick;
	int n = 0;

	if (!w)
		return nm_err(EINVAL, "NULL wheel");
	if (now_us < w->now)
		now_us = w->now;	/* time never goes back */
	w->now = now_us;
	list_move(&w->due, &due);
	now_tick = now_us / NM_TIMER_TICK_US;
	while (w->clk <= now_tick) {
		unsigned idx = (unsigned)(w->clk & WHEEL_MASK);

		if (idx == 0) {
			/* cascade level 1, and level L+1 when level L wrapped too
			 * (a timer from level L+1 never lands back in a slot
			 * cascaded in this pass: its delta is below 256^L) */
			for (unsigned l = 1; l < WHEEL_LEVELS; l++) {
				unsigned s = (unsigned)(w->clk >> (WHEEL_BITS * l)) & WHEEL_MASK;

				cascade(w, l, s);
				if (s != 0)
					break;
			}
		}
		if (!list_empty(&w->slots[0][idx])) {
			list_move(&w->slots[0][idx], &expired);
			slot_clear(w, (long)idx);
			w->clk++;
			n += run_list(w, &expired);
			continue;
		}
		/* skip to the next tick with work (or past now) */
		uint64_t target = next_event(w, w->clk + 1);

		w->clk = target > now_tick + 1 ? now_tick + 1 : target;
	}
	n += run_list(w, &due);
	return n;
}

uint64_t nm_timer_armed_take(struct nm_timer_wheel *w)
{
	uint64_t m;

	if (!w)
		return UINT64_MAX;
	m = w->armed_min;
	w->armed_min = UINT64_MAX;
	return m;
}

uint64_t nm_timer_next(const struct nm_timer_wheel *w, uint64_t now_us)
{
	uint64_t best, t_us;

	if (!w)
		return UINT64_MAX;
	if (!list_empty(&w->due))
		return 0;
	/* exact for level 0; a cascade point for higher levels (early,
	 * never late) */
	best = next_event(w, w->clk);
	if (best == UINT64_MAX)
		return UINT64_MAX;
	if (best > UINT64_MAX / NM_TIMER_TICK_US)
		return UINT64_MAX - 1;
	t_us = best * NM_TIMER_TICK_US;
	return t_us > now_us ? t_us - now_us : 0;
}
