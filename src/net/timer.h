/* SPDX-License-Identifier: MIT */
#ifndef NM_NET_TIMER_H
#define NM_NET_TIMER_H

/*
 * A hierarchical timer wheel, one per stack (thread-local by ownership, no
 * locks).  Time is in microseconds of CLOCK_MONOTONIC; the wheel's tick is
 * NM_TIMER_TICK_US.  Arming, re-arming and cancelling are O(1); expiry
 * cascades like the kernel's timer wheel.  TCP keeps its retransmission,
 * delayed-ACK, persist, keepalive and TIME_WAIT timers here, ARP and ND
 * their retries and ageing.
 */

#include <stdbool.h>
#include <stdint.h>

#define NM_TIMER_TICK_US	1000	/* 1 ms */

struct nm_timer;
typedef void (*nm_timer_fn)(struct nm_timer *t);

struct nm_timer {
	struct nm_timer *next, *prev;	/* wheel slot list */
	uint64_t expires;		/* absolute, microseconds */
	nm_timer_fn fn;
	bool pending;
};

struct nm_timer_wheel;

int nm_timer_wheel_create(uint64_t now_us, struct nm_timer_wheel **out);
void nm_timer_wheel_destroy(struct nm_timer_wheel *w);	/* pending timers are dropped */

void nm_timer_init(struct nm_timer *t, nm_timer_fn fn);
/* (Re)arm t to fire at expires_us (absolute); in the past fires at the
 * next run. */
void nm_timer_mod(struct nm_timer_wheel *w, struct nm_timer *t, uint64_t expires_us);
/* Cancel; returns whether it was pending. */
bool nm_timer_del(struct nm_timer_wheel *w, struct nm_timer *t);
static inline bool nm_timer_pending(const struct nm_timer *t)
{
	return t->pending;
}

/* Run every timer due at now_us (callbacks may arm and cancel timers).
 * Returns how many ran. */
int nm_timer_run(struct nm_timer_wheel *w, uint64_t now_us);
/* The earliest expiry (absolute) armed by nm_timer_mod() since the last
 * call, UINT64_MAX if none; starts over.  O(1): whoever sleeps on a
 * timerfd learns whether a call armed a timer before the one it waits
 * for (stack.c's nm_stack_timer_sync()). */
uint64_t nm_timer_armed_take(struct nm_timer_wheel *w);
/* Microseconds until the earliest pending timer (UINT64_MAX if none);
 * may be early (a tick bound), never late. */
uint64_t nm_timer_next(const struct nm_timer_wheel *w, uint64_t now_us);

/* Microseconds of CLOCK_MONOTONIC; within a stack's loop pass, the time
 * read at its top (see nm_clock_hold). */
uint64_t nm_now_us(void);
/* Read the clock, never the held value. */
uint64_t nm_clock_read(void);
/* The machine's CLOCK_MONOTONIC in microseconds, never faked or held: for
 * what must end in real time whatever a test did to the stack's clock. */
uint64_t nm_clock_mono_us(void);
/* Make this thread's nm_now_us() return now_us (0: read the clock again)
 * until the next call; returns the value held before, to restore. */
uint64_t nm_clock_hold(uint64_t now_us);
/* Tests and fuzzers: make nm_clock_read() return now_us in every thread
 * from now on, so time moves only when the caller moves it and a run
 * repeats exactly (0: the real clock again).  Stacks that may sleep
 * (blocking mode with a timeout) still sleep on real time: use it with
 * polls of timeout 0 or busy-poll stacks. */
void nm_clock_fake(uint64_t now_us);

#endif
