/* Threads add, signal, test, wait and copy out fences of one resv at once:
 * no lost or leaked reference (LSan), no busy fence reported idle. */
#include <pthread.h>

#include <netmem/resv.h>
#include "dmabuf/fence_internal.h"
#include "t_util.h"

#define THREADS 3
#define ITERS 3000

static struct nm_resv *resv;
static uint64_t ctx;

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg, i, n, j;
	uint64_t seed = (uint64_t)id * 977 + 1;
	struct nm_fence *f, *out[16];

	for (i = 0; i < ITERS; i++) {
		enum nm_resv_usage u = (enum nm_resv_usage)(t_rand(&seed) % 4);

		T_OK(nm_fence_create(ctx + (uint64_t)id, (uint64_t)i, &f));
		T_OK(nm_resv_add_fence(resv, f, u));
		/* Our fence is busy and in the set (nobody else's fence can
		 * replace it: other contexts). */
		T_EQ(nm_resv_test_signaled(resv, NM_RESV_USAGE_BOOKKEEP), 0);
		T_ASSERT(nm_resv_fence_usage(resv, f) <= (int)u);
		n = T_OK(nm_resv_get_fences(resv, NM_RESV_USAGE_BOOKKEEP, out, NULL, 16));
		for (j = 0; j < n && j < 16; j++)
			nm_fence_put(out[j]);
		T_OK(nm_fence_signal(f, 0));
		if (i % 64 == 0)
			T_OK(nm_resv_wait(resv, NM_RESV_USAGE_BOOKKEEP, -1));
		nm_fence_put(f);
	}
	return NULL;
}

int main(void)
{
	pthread_t th[THREADS];
	int i;

	ctx = nm_fence_context_alloc(THREADS);
	T_OK(nm_resv_create(&resv));
	for (i = 0; i < THREADS; i++)
		T_EQ(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i), 0);
	for (i = 0; i < THREADS; i++)
		T_EQ(pthread_join(th[i], NULL), 0);
	T_EQ(nm_resv_test_signaled(resv, NM_RESV_USAGE_BOOKKEEP), 1);
	T_OK(nm__resv_check(resv));
	/* At most one (signaled, unpruned) fence per thread is left. */
	T_ASSERT(nm_resv_get_fences(resv, NM_RESV_USAGE_BOOKKEEP, NULL, NULL, 0) <= THREADS);
	nm_resv_destroy(resv);
	T_PASS();
}
