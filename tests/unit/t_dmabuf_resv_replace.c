/* A later (or same) fence of a context replaces older ones of the same or a
 * weaker usage, dropping their references; older or stronger ones stay,
 * other contexts stay; signaled fences are pruned on add. */
#include <netmem/resv.h>
#include "dmabuf/fence_internal.h"
#include "t_util.h"

static int count(struct nm_resv *r)
{
	return nm_resv_get_fences(r, NM_RESV_USAGE_BOOKKEEP, NULL, NULL, 0);
}

int main(void)
{
	uint64_t a = nm_fence_context_alloc(1), b = nm_fence_context_alloc(1);
	struct nm_fence *f1, *f2, *f3, *f4, *f0, *f4b, *g, *h, *w1, *w2;
	struct nm_resv *r;

	T_OK(nm_resv_create(&r));
	T_OK(nm_fence_create(a, 1, &f1));
	T_OK(nm_fence_create(a, 2, &f2));
	T_OK(nm_fence_create(a, 3, &f3));
	T_OK(nm_fence_create(a, 4, &f4));
	T_OK(nm_fence_create(a, 0, &f0));
	T_OK(nm_fence_create(a, 4, &f4b));	/* same seqno, other object */
	T_OK(nm_fence_create(b, 1, &g));

	T_OK(nm_resv_add_fence(r, g, NM_RESV_USAGE_READ));
	T_OK(nm_resv_add_fence(r, f1, NM_RESV_USAGE_READ));
	T_OK(nm_resv_add_fence(r, f2, NM_RESV_USAGE_READ));	/* replaces f1 */
	T_ERR(nm_resv_fence_usage(r, f1), -ENOENT);
	T_EQ(nm__fence_refcount(f1), 1);
	T_EQ(count(r), 2);

	T_OK(nm_resv_add_fence(r, f3, NM_RESV_USAGE_BOOKKEEP));	/* f2 is stronger: stays */
	T_EQ(nm_resv_fence_usage(r, f2), NM_RESV_USAGE_READ);
	T_EQ(count(r), 3);

	T_OK(nm_resv_add_fence(r, f4, NM_RESV_USAGE_WRITE));	/* replaces f2 and f3 */
	T_ERR(nm_resv_fence_usage(r, f2), -ENOENT);
	T_ERR(nm_resv_fence_usage(r, f3), -ENOENT);
	T_EQ(nm__fence_refcount(f2), 1);
	T_EQ(nm__fence_refcount(f3), 1);
	T_EQ(nm_resv_fence_usage(r, g), NM_RESV_USAGE_READ);	/* other context */
	T_EQ(count(r), 2);

	T_OK(nm_resv_add_fence(r, f0, NM_RESV_USAGE_WRITE));	/* older: kept beside f4 */
	T_EQ(nm_resv_fence_usage(r, f4), NM_RESV_USAGE_WRITE);
	T_EQ(nm_resv_fence_usage(r, f0), NM_RESV_USAGE_WRITE);
	T_EQ(count(r), 3);

	T_OK(nm_resv_add_fence(r, f4b, NM_RESV_USAGE_KERNEL));	/* same seqno: replaces both */
	T_ERR(nm_resv_fence_usage(r, f4), -ENOENT);
	T_ERR(nm_resv_fence_usage(r, f0), -ENOENT);
	T_EQ(nm_resv_fence_usage(r, f4b), NM_RESV_USAGE_KERNEL);
	T_EQ(count(r), 2);
	T_OK(nm__resv_check(r));

	/* Pruning: g signals; the next add (any context) drops it. */
	T_OK(nm_fence_signal(g, 0));
	T_EQ(nm_resv_fence_usage(r, g), NM_RESV_USAGE_READ);	/* until an add */
	T_OK(nm_fence_create(nm_fence_context_alloc(1), 1, &h));
	T_OK(nm_resv_add_fence(r, h, NM_RESV_USAGE_BOOKKEEP));
	T_ERR(nm_resv_fence_usage(r, g), -ENOENT);
	T_EQ(nm__fence_refcount(g), 1);
	T_EQ(count(r), 2);

	/* Wrap-around: seqno 1 after UINT64_MAX is later and replaces it. */
	uint64_t c = nm_fence_context_alloc(1);

	T_OK(nm_fence_create(c, UINT64_MAX, &w1));
	T_OK(nm_fence_create(c, 1, &w2));
	T_OK(nm_resv_add_fence(r, w1, NM_RESV_USAGE_READ));
	T_OK(nm_resv_add_fence(r, w2, NM_RESV_USAGE_READ));
	T_ERR(nm_resv_fence_usage(r, w1), -ENOENT);
	T_EQ(nm_resv_fence_usage(r, w2), NM_RESV_USAGE_READ);
	T_OK(nm__resv_check(r));

	nm_resv_destroy(r);
	struct nm_fence *all[] = { f0, f1, f2, f3, f4, f4b, g, h, w1, w2 };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		T_EQ(nm__fence_refcount(all[i]), 1);
		nm_fence_put(all[i]);
	}
	T_PASS();
}
