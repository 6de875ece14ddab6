/* SPDX-License-Identifier: MIT */
/*
 * The held clock (timer.c): inside a hold nm_now_us() returns the held
 * time however long the pass takes, holds nest and restore, each thread
 * has its own, and with none held it follows CLOCK_MONOTONIC.  A stack's
 * loop pass holds the time only while it runs and gives back what was held
 * before it.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "t_tcp.h"
#include "net/timer.h"

static void *other(void *arg)
{
	uint64_t a = nm_now_us();

	(void)arg;
	usleep(2000);
	/* the main thread's hold is not ours: our clock moves */
	return nm_now_us() - a >= 1000 ? NULL : (void *)1;
}

int main(void)
{
	uint64_t t0, prev, inner;
	pthread_t th;
	void *res;

	/* none held: it moves */
	t0 = nm_now_us();
	usleep(2000);
	T_ASSERT(nm_now_us() - t0 >= 1000);
	T_ASSERT(nm_clock_read() >= t0);

	/* held: it stands still while real time passes */
	prev = nm_clock_hold(t0);
	T_EQ(prev, 0);
	usleep(2000);
	T_EQ(nm_now_us(), t0);
	T_ASSERT(nm_clock_read() - t0 >= 1000);	/* the raw read never holds */

	/* another thread is not affected */
	T_EQ(pthread_create(&th, NULL, other, NULL), 0);
	T_EQ(pthread_join(th, &res), 0);
	T_ASSERT(res == NULL);

	/* nesting: the inner hold, then the outer one back */
	inner = t0 + 500;
	T_EQ(nm_clock_hold(inner), t0);
	T_EQ(nm_now_us(), inner);
	T_EQ(nm_clock_hold(t0), inner);
	T_EQ(nm_now_us(), t0);

	/* released: moving again */
	T_EQ(nm_clock_hold(0), t0);
	T_ASSERT(nm_now_us() - t0 >= 2000);

	/* a stack pass restores what was held before it (here: nothing) */
	{
		struct t_net n;

		t_net_up(&n, NULL);
		t_pump(&n);
		t0 = nm_now_us();
		usleep(2000);
		T_ASSERT(nm_now_us() - t0 >= 1000);
		/* and a hold around a pass survives it */
		nm_clock_hold(t0);
		t_pump(&n);
		T_EQ(nm_now_us(), t0);
		nm_clock_hold(0);
		t_net_down(&n);
	}
	T_PASS();
}
