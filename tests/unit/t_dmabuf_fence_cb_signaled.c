/* Adding a callback to a signaled fence fails with -ENOENT and never calls
 * it, whatever the signal's error. */
#include <netmem/fence.h>
#include "t_util.h"

static int called;

static void cb_func(struct nm_fence *f, struct nm_fence_cb *cb)
{
	(void)f;
	(void)cb;
	called++;
}

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(1);
	struct nm_fence *f, *g;
	struct nm_fence_cb cb;

	T_OK(nm_fence_create(ctx, 1, &f));
	T_OK(nm_fence_signal(f, 0));
	T_ERR(nm_fence_add_callback(f, &cb, cb_func), -ENOENT);
	T_EQ(called, 0);
	T_ASSERT(!nm_fence_remove_callback(f, &cb));
	T_EQ(called, 0);

	T_OK(nm_fence_create(ctx, 2, &g));
	T_OK(nm_fence_signal(g, -ECANCELED));
	T_ERR(nm_fence_add_callback(g, &cb, cb_func), -ENOENT);
	T_EQ(called, 0);

	/* The same cb is fine on an unsignaled fence afterwards. */
	struct nm_fence *h;

	T_OK(nm_fence_create(ctx, 3, &h));
	T_OK(nm_fence_add_callback(h, &cb, cb_func));
	T_ERR(nm_fence_add_callback(h, &cb, cb_func), -EBUSY);	/* double add */
	T_OK(nm_fence_signal(h, 0));
	T_EQ(called, 1);

	nm_fence_put(f);
	nm_fence_put(g);
	nm_fence_put(h);
	T_PASS();
}
