/* SPDX-License-Identifier: MIT */
/*
 * nm_err()/nm_err_wrap() messages: a literal is kept by pointer (whether
 * the nm_err() macro or the function saw it), a format
 * is copied; whichever was set last is what nm_last_error() says; a wrap
 * keeps the inner message of either kind; clear forgets both; each thread
 * has its own.
 */
#include <pthread.h>
#include <string.h>

#include "t_util.h"
#include "util/err.h"

static void *other_thread(void *arg)
{
	(void)arg;
	if (nm_last_error()[0] != '\0')
		return (void *)1;	/* saw the main thread's message */
	nm_err(EIO, "thread %d", 7);
	if (strcmp(nm_last_error(), "thread 7"))
		return (void *)2;
	nm_err(EIO, "thread literal");
	return strcmp(nm_last_error(), "thread literal") ? (void *)3 : NULL;
}

int main(void)
{
	static const char lit[] = "recv: would block";
	pthread_t th;
	void *res;

	nm_clear_error();
	T_EQ(nm_last_error()[0], '\0');

	/* a literal: the same pointer comes back, nothing copied */
	T_EQ(nm_err(EAGAIN, lit), -EAGAIN);
	T_ASSERT(nm_last_error() == lit);

	/* the function itself (what an unoptimized build calls) does the same
	 * at run time; the macro picks nm_err_lit() at compile time */
	nm_clear_error();
	T_EQ((nm_err)(EAGAIN, lit), -EAGAIN);
	T_ASSERT(nm_last_error() == lit);
	nm_clear_error();
	T_EQ(nm_err_lit(EAGAIN, lit), -EAGAIN);
	T_ASSERT(nm_last_error() == lit);

	/* a format after a literal wins */
	T_EQ(nm_err(EINVAL, "bad %s %d", "len", 42), -EINVAL);
	T_ASSERT(!strcmp(nm_last_error(), "bad len 42"));

	/* a literal after a format wins */
	T_EQ(nm_err(ENOSPC, "ring full"), -ENOSPC);
	T_ASSERT(!strcmp(nm_last_error(), "ring full"));

	/* "%%" is a conversion: formatted, not kept raw */
	nm_err(EINVAL, "100%% used");
	T_ASSERT(!strcmp(nm_last_error(), "100% used"));

	/* a wrap keeps a literal inner message ... */
	nm_err(ENOMEM, "pool empty");
	T_EQ(nm_err_wrap(-ENOMEM, "rx queue %u", 3u), -ENOMEM);
	T_ASSERT(!strcmp(nm_last_error(), "rx queue 3: pool empty"));
	/* ... and a formatted one, and wraps again */
	T_EQ(nm_err_wrap(ENOMEM, "netdev"), -ENOMEM);
	T_ASSERT(!strcmp(nm_last_error(), "netdev: rx queue 3: pool empty"));

	/* a wrap with no inner message says strerror */
	nm_clear_error();
	nm_err_wrap(-EPIPE, "send");
	T_ASSERT(!strcmp(nm_last_error(), "send: Broken pipe"));

	/* a literal, then clear: empty, not the stale literal */
	nm_err(EAGAIN, lit);
	nm_clear_error();
	T_EQ(nm_last_error()[0], '\0');

	/* positive and negative errnos both come back negative */
	T_EQ(nm_err(-EBUSY, "busy"), -EBUSY);

	/* per thread */
	nm_err(EAGAIN, lit);
	T_EQ(pthread_create(&th, NULL, other_thread, NULL), 0);
	T_EQ(pthread_join(th, &res), 0);
	T_ASSERT(res == NULL);
	T_ASSERT(nm_last_error() == lit);	/* the thread's messages stayed its own */
	T_PASS();
}
