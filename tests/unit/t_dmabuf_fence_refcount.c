/* get/put count references; the last put frees the fence; a fence freed
 * unsignaled drops its pending callbacks without calling them. */
#include <stdlib.h>
#include <unistd.h>

#include <netmem/fence.h>
#include "dmabuf/fence_internal.h"
#include "t_util.h"

static int called;

static void must_not_run(struct nm_fence *f, struct nm_fence_cb *cb)
{
	(void)f;
	(void)cb;
	called++;
}

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(1);
	struct nm_fence_cb *cbs;
	struct nm_fence *f;
	int i, fd;

	T_OK(nm_fence_create(ctx, 1, &f));
	T_EQ(nm__fence_refcount(f), 1);
	T_ASSERT(nm_fence_get(f) == f);
	T_ASSERT(nm_fence_get(f) == f);
	T_EQ(nm__fence_refcount(f), 3);
	nm_fence_put(f);
	nm_fence_put(f);
	T_EQ(nm__fence_refcount(f), 1);
	/* Failed signal keeps the count. */
	T_ERR(nm_fence_signal(f, 3), -EINVAL);
	T_EQ(nm__fence_refcount(f), 1);
	T_OK(nm_fence_signal(f, 0));
	T_EQ(nm__fence_refcount(f), 1);
	T_ERR(nm_fence_signal(f, 0), -EINVAL);
	T_EQ(nm__fence_refcount(f), 1);
	nm_fence_put(f);

	/* Unsignaled with callbacks: freed, callbacks never called; the cb
	 * memory stays the caller's (freed after the fence). */
	cbs = calloc(5, sizeof(*cbs));
	T_ASSERT(cbs);
	T_OK(nm_fence_create(ctx, 2, &f));
	for (i = 0; i < 5; i++)
		T_OK(nm_fence_add_callback(f, &cbs[i], must_not_run));
	fd = T_OK(nm_fence_get_fd(f));	/* an fd callback too */
	nm_fence_put(f);
	close(fd);
	free(cbs);
	T_EQ(called, 0);
	T_PASS();
}
