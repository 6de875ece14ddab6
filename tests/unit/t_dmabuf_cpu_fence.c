/* begin_cpu_access waits for the resv as Linux does: reading
 * (FROM_DEVICE) waits for WRITE fences only; writing (TO_DEVICE,
 * BIDIRECTIONAL) waits for READ fences too.  A fence signaled from another
 * thread releases the wait; one never signaled is -ETIME (the 10 s limit,
 * shortened here). */
#include <pthread.h>

#include "t_dmabuf.h"
#include "dmabuf/dmabuf_internal.h"

static void *signaler(void *arg)
{
	usleep(100 * 1000);
	T_OK(nm_fence_signal(arg, 0));
	return NULL;
}

int main(void)
{
	struct nm_fence *wf, *rf, *never;
	struct nm_dmabuf *b;
	uint64_t ctx = nm_fence_context_alloc(3);
	pthread_t th;
	int64_t t0;
	void *p;

	T_OK(nm_dmabuf_create_host(4 * NM_PAGE_SIZE, &b));
	T_EQ(nm_dmabuf_cpu_wait_ns, 10LL * 1000000000);

	/* a WRITE fence: the CPU reader waits until the writer signals */
	T_OK(nm_fence_create(ctx, 1, &wf));
	T_OK(nm_resv_add_fence(nm_dmabuf_resv(b), wf, NM_RESV_USAGE_WRITE));
	T_ASSERT(pthread_create(&th, NULL, signaler, wf) == 0);
	t0 = t_now_ns();
	T_OK(nm_dmabuf_begin_cpu_access(b, 0, 100, NM_DMA_FROM_DEVICE, &p));
	T_ASSERT(nm_fence_is_signaled(wf));
	T_ASSERT(t_now_ns() - t0 >= 50 * 1000000);
	T_OK(nm_dmabuf_end_cpu_access(b, 0, 100, NM_DMA_FROM_DEVICE));
	T_ASSERT(pthread_join(th, NULL) == 0);

	/* a READ fence does not hold a CPU reader back ... */
	T_OK(nm_fence_create(ctx + 1, 1, &rf));
	T_OK(nm_resv_add_fence(nm_dmabuf_resv(b), rf, NM_RESV_USAGE_READ));
	t0 = t_now_ns();
	T_OK(nm_dmabuf_begin_cpu_access(b, 0, 100, NM_DMA_FROM_DEVICE, &p));
	T_ASSERT(t_now_ns() - t0 < 1000000000);
	T_ASSERT(!nm_fence_is_signaled(rf));
	T_OK(nm_dmabuf_end_cpu_access(b, 0, 100, NM_DMA_FROM_DEVICE));
	/* ... but a CPU writer waits for it */
	T_ASSERT(pthread_create(&th, NULL, signaler, rf) == 0);
	T_OK(nm_dmabuf_begin_cpu_access(b, 0, 100, NM_DMA_TO_DEVICE, &p));
	T_ASSERT(nm_fence_is_signaled(rf));
	T_OK(nm_dmabuf_end_cpu_access(b, 0, 100, NM_DMA_TO_DEVICE));
	T_ASSERT(pthread_join(th, NULL) == 0);

	/* never signaled: -ETIME after the limit, and no window left open */
	nm_dmabuf_cpu_wait_ns = 50 * 1000000;
	T_OK(nm_fence_create(ctx + 2, 1, &never));
	T_OK(nm_resv_add_fence(nm_dmabuf_resv(b), never, NM_RESV_USAGE_READ));
	T_OK(nm_dmabuf_begin_cpu_access(b, 0, 100, NM_DMA_FROM_DEVICE, &p));	/* reader: fine */
	T_OK(nm_dmabuf_end_cpu_access(b, 0, 100, NM_DMA_FROM_DEVICE));
	t0 = t_now_ns();
	T_ERR(nm_dmabuf_begin_cpu_access(b, 0, 100, NM_DMA_BIDIRECTIONAL, &p), -ETIME);
	T_ASSERT(t_now_ns() - t0 >= 45 * 1000000);
	T_ERR(nm_dmabuf_end_cpu_access(b, 0, 100, NM_DMA_BIDIRECTIONAL), -EINVAL);
	T_OK(nm_fence_signal(never, 0));
	T_OK(nm_dmabuf_begin_cpu_access(b, 0, 100, NM_DMA_BIDIRECTIONAL, &p));
	T_OK(nm_dmabuf_end_cpu_access(b, 0, 100, NM_DMA_BIDIRECTIONAL));

	nm_fence_put(wf);
	nm_fence_put(rf);
	nm_fence_put(never);
	T_OK(nm_dmabuf_assert_ok(b));
	nm_dmabuf_put(b);
	T_PASS();
}
