/* resv_wait waits for the fences of the asked classes only, within one
 * time budget for all of them (not a fresh timeout per fence). */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include <netmem/resv.h>
#include "t_util.h"

#define MS 1000000LL

static void sleep_until(int64_t t)
{
	int64_t d;

	while ((d = t - t_now_ns()) > 0)
		usleep((useconds_t)(d / 1000 + 1));
}

struct plan {
	struct nm_fence *f[2];
	int64_t at[2];		/* ns after t0 */
	_Atomic int64_t t0;	/* set by the waiter right before it waits */
};

static void *signaler(void *arg)
{
	struct plan *p = arg;
	int64_t t0;

	while (!(t0 = atomic_load(&p->t0)))
		usleep(100);
	for (int i = 0; i < 2; i++) {
		sleep_until(t0 + p->at[i]);
		T_OK(nm_fence_signal(p->f[i], 0));
	}
	return NULL;
}

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(2);
	struct plan p = { .at = { 150 * MS, 300 * MS } };
	struct nm_fence *w, *rd;
	struct nm_resv *r;
	pthread_t t;
	int64_t t0, dt;

	T_OK(nm_resv_create(&r));
	T_OK(nm_fence_create(ctx, 1, &w));
	T_OK(nm_fence_create(ctx + 1, 1, &rd));
	T_OK(nm_resv_add_fence(r, w, NM_RESV_USAGE_WRITE));
	T_OK(nm_resv_add_fence(r, rd, NM_RESV_USAGE_READ));

	T_EQ(nm_resv_wait(r, NM_RESV_USAGE_KERNEL, 0), 0);	/* no KERNEL fences */
	T_EQ(nm_resv_wait(r, NM_RESV_USAGE_KERNEL, -1), 0);
	T_ERR(nm_resv_wait(r, NM_RESV_USAGE_WRITE, 0), -ETIME);
	t0 = t_now_ns();
	T_ERR(nm_resv_wait(r, NM_RESV_USAGE_WRITE, 20 * MS), -ETIME);
	dt = t_now_ns() - t0;
	T_ASSERT(dt >= 20 * MS && dt < 2000 * MS);

	/* One budget: w signals at 150 ms, rd at 300 ms; a 200 ms budget
	 * must run out on rd (a fresh 200 ms per fence would reach it).  The
	 * 100 ms between deadline and rd's signal absorb scheduling delays. */
	p.f[0] = w;
	p.f[1] = rd;
	T_EQ(pthread_create(&t, NULL, signaler, &p), 0);
	t0 = t_now_ns();
	atomic_store(&p.t0, t0);
	T_ERR(nm_resv_wait(r, NM_RESV_USAGE_BOOKKEEP, 200 * MS), -ETIME);
	dt = t_now_ns() - t0;
	T_ASSERT(dt >= 200 * MS && dt < 2000 * MS);

	/* Forever: returns once both have signaled. */
	T_EQ(nm_resv_wait(r, NM_RESV_USAGE_READ, -1), 0);
	T_ASSERT(nm_fence_is_signaled(w) && nm_fence_is_signaled(rd));
	T_EQ(nm_resv_test_signaled(r, NM_RESV_USAGE_BOOKKEEP), 1);
	T_EQ(pthread_join(t, NULL), 0);
	T_EQ(nm_resv_wait(r, NM_RESV_USAGE_BOOKKEEP, 0), 0);

	nm_resv_destroy(r);
	nm_fence_put(w);
	nm_fence_put(rd);
	T_PASS();
}
