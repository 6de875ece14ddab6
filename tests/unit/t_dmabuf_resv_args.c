/* Every resv function refuses bad arguments with -EINVAL and a message. */
#include <netmem/resv.h>
#include "t_util.h"

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(1);
	enum nm_resv_usage bad_hi = (enum nm_resv_usage)4, bad_lo = (enum nm_resv_usage)-1;
	struct nm_fence *f, *out[2];
	struct nm_resv *r;

	T_ERR(nm_resv_create(NULL), -EINVAL);
	T_OK(nm_resv_create(&r));
	T_OK(nm_fence_create(ctx, 1, &f));
	nm_resv_destroy(NULL);

	T_ERR(nm_resv_add_fence(NULL, f, NM_RESV_USAGE_READ), -EINVAL);
	T_ERR(nm_resv_add_fence(r, NULL, NM_RESV_USAGE_READ), -EINVAL);
	T_ERR(nm_resv_add_fence(r, f, bad_hi), -EINVAL);
	T_ERR(nm_resv_add_fence(r, f, bad_lo), -EINVAL);
	T_EQ(nm_resv_get_fences(r, NM_RESV_USAGE_BOOKKEEP, NULL, NULL, 0), 0);

	T_ERR(nm_resv_test_signaled(NULL, NM_RESV_USAGE_READ), -EINVAL);
	T_ERR(nm_resv_test_signaled(r, bad_hi), -EINVAL);
	T_ERR(nm_resv_test_signaled(r, bad_lo), -EINVAL);
	T_ERR(nm_resv_wait(NULL, NM_RESV_USAGE_READ, 0), -EINVAL);
	T_ERR(nm_resv_wait(r, bad_hi, 0), -EINVAL);
	T_ERR(nm_resv_wait(r, bad_lo, -1), -EINVAL);
	T_ERR(nm_resv_get_fences(NULL, NM_RESV_USAGE_READ, out, NULL, 2), -EINVAL);
	T_ERR(nm_resv_get_fences(r, bad_hi, out, NULL, 2), -EINVAL);
	T_ERR(nm_resv_get_fences(r, NM_RESV_USAGE_READ, NULL, NULL, 2), -EINVAL);
	T_ERR(nm_resv_fence_usage(NULL, f), -EINVAL);
	T_ERR(nm_resv_fence_usage(r, NULL), -EINVAL);
	T_ERR(nm_resv_fence_usage(r, f), -ENOENT);

	/* The refusals left the resv empty and usable. */
	T_OK(nm_resv_add_fence(r, f, NM_RESV_USAGE_READ));
	T_EQ(nm_resv_fence_usage(r, f), NM_RESV_USAGE_READ);
	nm_resv_destroy(r);
	nm_fence_put(f);
	T_PASS();
}
