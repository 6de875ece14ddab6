/* SPDX-License-Identifier: MIT */
/*
 * The one clock of the test bed (t_util.h): CLOCK_MONOTONIC for the
 * tests' own deadlines and rates, and the stack's clock, real or faked
 * (net/timer.c's nm_clock_fake()), for what the stack's timers see.
 */
#include <time.h>

#include "net/timer.h"
#include "t_util.h"

uint64_t t_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t t_now_us(void)
{
	return t_now_ns() / 1000u;
}

uint64_t t_now_ms(void)
{
	return t_now_ns() / 1000000u;
}

void t_clock_fake(uint64_t now_us)
{
	nm_clock_fake(now_us);
}

void t_clock_advance(uint64_t us)
{
	nm_clock_fake(nm_clock_read() + us);
}

uint64_t t_clock_now_us(void)
{
	return nm_clock_read();
}
