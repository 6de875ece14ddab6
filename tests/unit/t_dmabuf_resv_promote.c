/* Adding a present fence again promotes its usage (READ -> WRITE), never
 * demotes it (WRITE -> BOOKKEEP), and takes no second reference. */
#include <netmem/resv.h>
#include "dmabuf/fence_internal.h"
#include "t_util.h"

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(1);
	struct nm_fence *f;
	struct nm_resv *r;

	T_OK(nm_resv_create(&r));
	T_OK(nm_fence_create(ctx, 1, &f));

	T_OK(nm_resv_add_fence(r, f, NM_RESV_USAGE_READ));
	T_EQ(nm_resv_fence_usage(r, f), NM_RESV_USAGE_READ);
	T_EQ(nm_resv_test_signaled(r, NM_RESV_USAGE_WRITE), 1);
	T_EQ(nm__fence_refcount(f), 2);

	T_OK(nm_resv_add_fence(r, f, NM_RESV_USAGE_WRITE));	/* promote */
	T_EQ(nm_resv_fence_usage(r, f), NM_RESV_USAGE_WRITE);
	T_EQ(nm_resv_test_signaled(r, NM_RESV_USAGE_WRITE), 0);
	T_EQ(nm_resv_get_fences(r, NM_RESV_USAGE_BOOKKEEP, NULL, NULL, 0), 1);
	T_EQ(nm__fence_refcount(f), 2);

	T_OK(nm_resv_add_fence(r, f, NM_RESV_USAGE_BOOKKEEP));	/* no demotion */
	T_EQ(nm_resv_fence_usage(r, f), NM_RESV_USAGE_WRITE);
	T_OK(nm_resv_add_fence(r, f, NM_RESV_USAGE_READ));
	T_EQ(nm_resv_fence_usage(r, f), NM_RESV_USAGE_WRITE);
	T_EQ(nm_resv_test_signaled(r, NM_RESV_USAGE_WRITE), 0);
	T_EQ(nm_resv_get_fences(r, NM_RESV_USAGE_BOOKKEEP, NULL, NULL, 0), 1);
	T_EQ(nm__fence_refcount(f), 2);

	T_OK(nm_resv_add_fence(r, f, NM_RESV_USAGE_KERNEL));
	T_EQ(nm_resv_fence_usage(r, f), NM_RESV_USAGE_KERNEL);
	T_EQ(nm_resv_test_signaled(r, NM_RESV_USAGE_KERNEL), 0);
	T_OK(nm__resv_check(r));

	nm_resv_destroy(r);
	T_EQ(nm__fence_refcount(f), 1);
	nm_fence_put(f);
	T_PASS();
}
