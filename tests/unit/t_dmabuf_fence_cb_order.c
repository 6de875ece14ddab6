/* Callbacks run once each, in the order they were added, on the signaling
 * thread, and may use the fence (status, remove, add, put) while running. */
#include <pthread.h>
#include <stddef.h>

#include <netmem/fence.h>
#include "dmabuf/fence_internal.h"
#include "t_util.h"

#define N 8

struct rec {
	struct nm_fence_cb cb;
	int id;
};

static int order[2 * N], nrun;
static int status_seen[2 * N];
static pthread_t ran_on[2 * N];
static struct rec recs[N];
static struct rec *victim;	/* removed by recs[1]'s callback */
static int readd_result;

static void record(struct nm_fence *f, struct nm_fence_cb *cb)
{
	struct rec *r = (struct rec *)((char *)cb - offsetof(struct rec, cb));

	order[nrun] = r->id;
	status_seen[nrun] = nm_fence_status(f);
	ran_on[nrun] = pthread_self();
	nrun++;
	if (r->id == 1)
		T_ASSERT(nm_fence_remove_callback(f, &victim->cb));
	if (r->id == 2)	/* no adding while signaled, not even from a callback */
		readd_result = nm_fence_add_callback(f, cb, record);
}

static int dropped_status;

static void drop_ref(struct nm_fence *f, struct nm_fence_cb *cb)
{
	(void)cb;
	nm_fence_put(f);	/* the last reference but nm_fence_signal()'s own */
}

static void after_drop(struct nm_fence *f, struct nm_fence_cb *cb)
{
	(void)cb;
	dropped_status = nm_fence_status(f);	/* still alive: ASan checks */
}

int main(void)
{
	struct nm_fence *f;
	uint64_t ctx = nm_fence_context_alloc(1);
	int i;

	T_OK(nm_fence_create(ctx, 1, &f));
	for (i = 0; i < N; i++) {
		recs[i].id = i;
		T_OK(nm_fence_add_callback(f, &recs[i].cb, record));
	}
	victim = &recs[5];
	T_EQ(nrun, 0);
	T_OK(nm__fence_check(f));

	T_OK(nm_fence_signal(f, -EIO));
	/* 0..7 in order, without 5 (removed by 1 before its turn). */
	T_EQ(nrun, N - 1);
	for (i = 0; i < nrun; i++) {
		T_EQ(order[i], i < 5 ? i : i + 1);
		T_EQ(status_seen[i], -EIO);
		T_ASSERT(pthread_equal(ran_on[i], pthread_self()));
	}
	T_EQ(readd_result, -ENOENT);
	T_OK(nm__fence_check(f));
	T_ASSERT(!nm_fence_remove_callback(f, &recs[0].cb));
	nm_fence_put(f);

	/* The only reference belongs to a callback that drops it (a job
	 * releasing its fence at completion): the signal keeps the fence
	 * alive until its own end, so later callbacks still see a live fence
	 * (ASan would catch a use after free), and it is freed after. */
	struct nm_fence_cb c1, c2;

	T_OK(nm_fence_create(ctx, 2, &f));
	T_OK(nm_fence_add_callback(f, &c1, drop_ref));
	T_OK(nm_fence_add_callback(f, &c2, after_drop));
	T_OK(nm_fence_signal(f, 0));	/* f is gone now (LSan: not leaked) */
	T_EQ(dropped_status, 1);
	T_PASS();
}
