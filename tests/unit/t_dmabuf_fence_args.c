/* Every fence function refuses bad arguments with -EINVAL and a message,
 * without crashing. */
#include <netmem/fence.h>
#include "t_util.h"

static void nop(struct nm_fence *f, struct nm_fence_cb *cb)
{
	(void)f;
	(void)cb;
}

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(1);
	struct nm_fence *f;
	struct nm_fence_cb cb;
	int64_t ts;

	T_ERR(nm_fence_context_alloc(0), 0);	/* 0: never a valid context */
	T_ERR(nm_fence_create(ctx, 1, NULL), -EINVAL);
	T_OK(nm_fence_create(ctx, 1, &f));

	T_ASSERT(nm_fence_get(NULL) == NULL);
	nm_fence_put(NULL);
	T_EQ(nm_fence_context(NULL), 0);
	T_EQ(nm_fence_seqno(NULL), 0);
	T_ASSERT(!nm_fence_is_signaled(NULL));
	T_ERR(nm_fence_signal(NULL, 0), -EINVAL);
	T_ERR(nm_fence_signal(f, 1), -EINVAL);
	T_ERR(nm_fence_status(NULL), -EINVAL);
	T_ERR(nm_fence_get_timestamp(NULL, &ts), -EINVAL);
	T_ERR(nm_fence_get_timestamp(f, NULL), -EINVAL);
	T_ERR(nm_fence_add_callback(NULL, &cb, nop), -EINVAL);
	T_ERR(nm_fence_add_callback(f, NULL, nop), -EINVAL);
	T_ERR(nm_fence_add_callback(f, &cb, NULL), -EINVAL);
	nm_clear_error();
	T_ASSERT(!nm_fence_remove_callback(NULL, &cb));
	T_ASSERT(nm_last_error()[0] != '\0');
	nm_clear_error();
	T_ASSERT(!nm_fence_remove_callback(f, NULL));
	T_ASSERT(nm_last_error()[0] != '\0');
	T_ERR(nm_fence_wait(NULL, 0), -EINVAL);
	T_ERR(nm_fence_wait(NULL, -1), -EINVAL);
	T_ERR(nm_fence_is_later(NULL, f), -EINVAL);
	T_ERR(nm_fence_is_later(f, NULL), -EINVAL);
	T_ERR(nm_fence_get_fd(NULL), -EINVAL);

	/* None of that touched the fence. */
	T_EQ(nm_fence_status(f), 0);
	T_OK(nm_fence_signal(f, 0));
	nm_fence_put(f);
	T_PASS();
}
