/* Signal sets the status (1 or the error) and a timestamp once; a second
 * signal and bad errors are refused with -EINVAL. */
#include <time.h>

#include <netmem/fence.h>
#include "t_util.h"

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(1);
	struct nm_fence *ok, *bad;
	int64_t before, ts, ts2;

	T_OK(nm_fence_create(ctx, 1, &ok));
	T_OK(nm_fence_create(ctx, 2, &bad));
	T_EQ(nm_fence_status(ok), 0);
	T_ASSERT(!nm_fence_is_signaled(ok));
	T_ERR(nm_fence_get_timestamp(ok, &ts), -EBUSY);

	/* Bad errors are refused and leave the fence unsignaled. */
	T_ERR(nm_fence_signal(bad, 5), -EINVAL);
	T_ERR(nm_fence_signal(bad, -4096), -EINVAL);
	T_ERR(nm_fence_signal(bad, -2147483647 - 1), -EINVAL);
	T_ASSERT(!nm_fence_is_signaled(bad));
	T_EQ(nm_fence_status(bad), 0);

	before = (int64_t)t_now_ns();
	T_OK(nm_fence_signal(ok, 0));
	T_ASSERT(nm_fence_is_signaled(ok));
	T_EQ(nm_fence_status(ok), 1);
	T_OK(nm_fence_get_timestamp(ok, &ts));
	T_ASSERT(ts >= before && ts <= (int64_t)t_now_ns());

	T_OK(nm_fence_signal(bad, -4095));	/* the largest errno is fine */
	T_EQ(nm_fence_status(bad), -4095);
	nm_fence_put(bad);
	T_OK(nm_fence_create(ctx, 3, &bad));
	T_OK(nm_fence_signal(bad, -EIO));
	T_EQ(nm_fence_status(bad), -EIO);

	/* Double signal: refused, the first status and timestamp stay. */
	T_ERR(nm_fence_signal(ok, -EIO), -EINVAL);
	T_ERR(nm_fence_signal(bad, 0), -EINVAL);
	T_EQ(nm_fence_status(ok), 1);
	T_EQ(nm_fence_status(bad), -EIO);
	T_OK(nm_fence_get_timestamp(ok, &ts2));
	T_EQ(ts2, ts);

	nm_fence_put(ok);
	nm_fence_put(bad);
	T_PASS();
}
