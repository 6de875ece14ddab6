/* remove_callback: true and never called if still pending; false once it
 * ran; a removed cb may be added again; removing a callback that is running
 * on another thread waits until it returns. */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include <netmem/fence.h>
#include "dmabuf/fence_internal.h"
#include "t_util.h"

static int calls_a, calls_b;

static void count_a(struct nm_fence *f, struct nm_fence_cb *cb)
{
	(void)f;
	(void)cb;
	calls_a++;
}

static void count_b(struct nm_fence *f, struct nm_fence_cb *cb)
{
	(void)f;
	(void)cb;
	calls_b++;
}

static atomic_int started, finished;

static void slow(struct nm_fence *f, struct nm_fence_cb *cb)
{
	(void)f;
	(void)cb;
	atomic_store(&started, 1);
	usleep(50 * 1000);
	atomic_store(&finished, 1);
}

static void *signaler(void *arg)
{
	T_OK(nm_fence_signal(arg, 0));
	return NULL;
}

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(1);
	struct nm_fence_cb a, b, c;
	struct nm_fence *f;
	pthread_t t;

	T_OK(nm_fence_create(ctx, 1, &f));
	T_OK(nm_fence_add_callback(f, &a, count_a));
	T_OK(nm_fence_add_callback(f, &b, count_b));
	T_OK(nm_fence_add_callback(f, &c, count_a));
	/* Remove from the middle, the head and the tail keeps a sound list. */
	T_ASSERT(nm_fence_remove_callback(f, &b));
	T_ASSERT(!nm_fence_remove_callback(f, &b));	/* no longer pending */
	T_OK(nm__fence_check(f));
	T_ASSERT(nm_fence_remove_callback(f, &c));
	T_ASSERT(nm_fence_remove_callback(f, &a));
	T_OK(nm__fence_check(f));
	/* Re-added after removal: runs once. */
	T_OK(nm_fence_add_callback(f, &b, count_b));
	T_OK(nm_fence_add_callback(f, &a, count_a));
	T_OK(nm__fence_check(f));
	T_OK(nm_fence_signal(f, 0));
	T_EQ(calls_a, 1);
	T_EQ(calls_b, 1);
	T_ASSERT(!nm_fence_remove_callback(f, &a));	/* ran: not pending */
	nm_fence_put(f);

	/* Removing a running callback from another thread returns false only
	 * after the callback returned: the caller may free it then. */
	T_OK(nm_fence_create(ctx, 2, &f));
	T_OK(nm_fence_add_callback(f, &a, slow));
	T_EQ(pthread_create(&t, NULL, signaler, f), 0);
	while (!atomic_load(&started))
		usleep(100);
	T_ASSERT(!nm_fence_remove_callback(f, &a));
	T_EQ(atomic_load(&finished), 1);
	T_EQ(pthread_join(t, NULL), 0);
	nm_fence_put(f);
	T_PASS();
}
