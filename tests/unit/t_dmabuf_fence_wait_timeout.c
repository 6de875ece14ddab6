/* nm_fence_wait: 0 tests, > 0 times out with -ETIME after about that long,
 * < 0 waits forever; a signal from another thread ends a wait with 0. */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <netmem/fence.h>
#include "t_util.h"

static void *late_signal(void *arg)
{
	usleep(30 * 1000);
	T_OK(nm_fence_signal(arg, -EIO));
	return NULL;
}

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(1);
	struct nm_fence *f;
	pthread_t t;
	int64_t t0, dt;

	T_OK(nm_fence_create(ctx, 1, &f));
	t0 = t_now_ns();
	T_ERR(nm_fence_wait(f, 0), -ETIME);
	T_ERR(nm_fence_wait(f, 20 * 1000 * 1000), -ETIME);
	dt = t_now_ns() - t0;
	T_ASSERT(dt >= 20 * 1000 * 1000);
	T_ASSERT(dt < 2000LL * 1000 * 1000);

	/* Forever, signaled from another thread (with an error: wait still
	 * returns 0, the error is the fence's status). */
	T_EQ(pthread_create(&t, NULL, late_signal, f), 0);
	T_EQ(nm_fence_wait(f, -1), 0);
	T_EQ(nm_fence_status(f), -EIO);
	T_EQ(pthread_join(t, NULL), 0);
	T_EQ(nm_fence_wait(f, 0), 0);
	nm_fence_put(f);

	/* A long timeout ends early at the signal. */
	T_OK(nm_fence_create(ctx, 2, &f));
	T_EQ(pthread_create(&t, NULL, late_signal, f), 0);
	t0 = t_now_ns();
	T_EQ(nm_fence_wait(f, 60LL * 1000 * 1000 * 1000), 0);
	T_ASSERT(t_now_ns() - t0 < 10LL * 1000 * 1000 * 1000);
	T_EQ(pthread_join(t, NULL), 0);
	/* A huge timeout does not overflow the deadline. */
	T_EQ(nm_fence_wait(f, INT64_MAX), 0);
	nm_fence_put(f);
	T_PASS();
}
