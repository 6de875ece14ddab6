/* Usage classes nest: asking about a class covers it and every stronger
 * (lower) one, never a weaker one. */
#include <netmem/resv.h>
#include "dmabuf/fence_internal.h"
#include "t_util.h"

static void expect(struct nm_resv *r, int k, int w, int rd, int b)
{
	T_EQ(nm_resv_test_signaled(r, NM_RESV_USAGE_KERNEL), k);
	T_EQ(nm_resv_test_signaled(r, NM_RESV_USAGE_WRITE), w);
	T_EQ(nm_resv_test_signaled(r, NM_RESV_USAGE_READ), rd);
	T_EQ(nm_resv_test_signaled(r, NM_RESV_USAGE_BOOKKEEP), b);
	/* wait(0) agrees with test */
	T_EQ(nm_resv_wait(r, NM_RESV_USAGE_KERNEL, 0), k ? 0 : -ETIME);
	T_EQ(nm_resv_wait(r, NM_RESV_USAGE_BOOKKEEP, 0), b ? 0 : -ETIME);
	T_OK(nm__resv_check(r));
}

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(4);
	struct nm_fence *k, *w, *rd, *b;
	struct nm_resv *r;

	T_OK(nm_resv_create(&r));
	expect(r, 1, 1, 1, 1);	/* empty: everything idle */

	T_OK(nm_fence_create(ctx + 1, 1, &w));
	T_OK(nm_resv_add_fence(r, w, NM_RESV_USAGE_WRITE));
	expect(r, 1, 0, 0, 0);
	T_EQ(nm_resv_fence_usage(r, w), NM_RESV_USAGE_WRITE);

	T_OK(nm_fence_create(ctx + 3, 1, &b));
	T_OK(nm_resv_add_fence(r, b, NM_RESV_USAGE_BOOKKEEP));
	T_OK(nm_fence_create(ctx + 2, 1, &rd));
	T_OK(nm_resv_add_fence(r, rd, NM_RESV_USAGE_READ));
	expect(r, 1, 0, 0, 0);
	T_OK(nm_fence_signal(w, 0));
	expect(r, 1, 1, 0, 0);
	T_OK(nm_fence_signal(rd, -EIO));	/* an error still counts as signaled */
	expect(r, 1, 1, 1, 0);

	T_OK(nm_fence_create(ctx, 1, &k));
	T_OK(nm_resv_add_fence(r, k, NM_RESV_USAGE_KERNEL));
	expect(r, 0, 0, 0, 0);
	T_OK(nm_fence_signal(k, 0));
	expect(r, 1, 1, 1, 0);
	T_OK(nm_fence_signal(b, 0));
	expect(r, 1, 1, 1, 1);

	nm_resv_destroy(r);
	/* destroy dropped every reference the resv held */
	T_EQ(nm__fence_refcount(k), 1);
	T_EQ(nm__fence_refcount(w), 1);
	T_EQ(nm__fence_refcount(rd), 1);
	T_EQ(nm__fence_refcount(b), 1);
	nm_fence_put(k);
	nm_fence_put(w);
	nm_fence_put(rd);
	nm_fence_put(b);
	T_PASS();
}
