/* get_fences copies fences of usage <= the given one, signaled or not, each
 * with a reference and its usage, returns the total, writes at most max. */
#include <netmem/resv.h>
#include "dmabuf/fence_internal.h"
#include "t_util.h"

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(3);
	enum nm_resv_usage us[4], want[3] = { NM_RESV_USAGE_KERNEL, NM_RESV_USAGE_WRITE,
					      NM_RESV_USAGE_READ };
	struct nm_fence *f[3], *out[4];
	struct nm_resv *r;
	int i, j, n;

	T_OK(nm_resv_create(&r));
	for (i = 0; i < 3; i++) {
		T_OK(nm_fence_create(ctx + (uint64_t)i, 1, &f[i]));
		T_OK(nm_resv_add_fence(r, f[i], want[i]));
	}
	T_OK(nm_fence_signal(f[1], 0));	/* signaled ones are reported too */

	n = T_OK(nm_resv_get_fences(r, NM_RESV_USAGE_BOOKKEEP, out, us, 4));
	T_EQ(n, 3);
	for (i = 0; i < n; i++) {
		for (j = 0; j < 3 && f[j] != out[i]; j++)
			;
		T_ASSERT(j < 3);
		T_EQ(us[i], want[j]);
		T_EQ(nm__fence_refcount(out[i]), 3);	/* ours, resv's, the copy's */
		nm_fence_put(out[i]);
	}

	n = T_OK(nm_resv_get_fences(r, NM_RESV_USAGE_WRITE, out, us, 4));
	T_EQ(n, 2);
	for (i = 0; i < n; i++) {
		T_ASSERT(us[i] <= NM_RESV_USAGE_WRITE);
		nm_fence_put(out[i]);
	}

	/* max smaller than the total: the total, only max written. */
	out[1] = NULL;
	n = T_OK(nm_resv_get_fences(r, NM_RESV_USAGE_READ, out, NULL, 1));
	T_EQ(n, 3);
	T_ASSERT(out[0] != NULL && out[1] == NULL);
	nm_fence_put(out[0]);
	T_EQ(nm_resv_get_fences(r, NM_RESV_USAGE_KERNEL, NULL, NULL, 0), 1);

	nm_resv_destroy(r);
	for (i = 0; i < 3; i++) {
		T_EQ(nm__fence_refcount(f[i]), 1);
		nm_fence_put(f[i]);
	}
	T_PASS();
}
