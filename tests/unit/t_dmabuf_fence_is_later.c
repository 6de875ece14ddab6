/* Order within a context (wrap-safe), none across contexts; context
 * numbers are unique, consecutive per call and never 0. */
#include <netmem/fence.h>
#include "t_util.h"

int main(void)
{
	uint64_t c1 = nm_fence_context_alloc(3), c2 = nm_fence_context_alloc(1);
	struct nm_fence *a, *b, *x, *hi, *lo;

	T_ASSERT(c1 != 0 && c2 != 0);
	T_ASSERT(c2 >= c1 + 3);	/* the three of c1 are not handed out again */
	T_ERR(nm_fence_context_alloc(0), 0);

	T_OK(nm_fence_create(c1, 5, &a));
	T_OK(nm_fence_create(c1, 7, &b));
	T_OK(nm_fence_create(c1 + 1, 9, &x));
	T_EQ(nm_fence_context(a), c1);
	T_EQ(nm_fence_seqno(b), 7);
	T_EQ(nm_fence_is_later(b, a), 1);
	T_EQ(nm_fence_is_later(a, b), 0);
	T_EQ(nm_fence_is_later(a, a), 0);
	T_ERR(nm_fence_is_later(x, a), -EINVAL);
	T_ERR(nm_fence_is_later(a, x), -EINVAL);

	/* Wrap-around: seqno 2 after UINT64_MAX - 1 is later. */
	T_OK(nm_fence_create(c2, UINT64_MAX - 1, &hi));
	T_OK(nm_fence_create(c2, 2, &lo));
	T_EQ(nm_fence_is_later(lo, hi), 1);
	T_EQ(nm_fence_is_later(hi, lo), 0);

	nm_fence_put(a);
	nm_fence_put(b);
	nm_fence_put(x);
	nm_fence_put(hi);
	nm_fence_put(lo);
	T_PASS();
}
