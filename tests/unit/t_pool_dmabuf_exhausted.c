/* An exhausted binding: once every net_iov is out, an alloc counts
 * alloc_empty and alloc_fail and returns -ENOMEM with a message, a fragment
 * alloc too; one put makes the next alloc succeed from the cache, without
 * the provider.  Two pools share one binding's allocator. */
#include "t_pool.h"

#define NIOVS 40

int main(void)
{
	struct t_env e;
	struct nm_dmabuf_binding *b;
	struct nm_page_pool *p1, *p2;
	struct nm_page_pool_stats st0, st;
	struct nm_mp_info mi;
	nm_netmem_t nm[NIOVS], x;
	uint32_t off;
	int n1;

	t_env_init(&e);
	b = t_gpu_binding(&e, NIOVS * 4096, 4096);
	p1 = t_dmabuf_pool(b, 0);
	p2 = t_dmabuf_pool(b, 0);

	/* p1 takes a refill's worth (all 40), p2 finds the binding empty */
	T_OK(nm_page_pool_alloc_netmem(p1, &nm[0]));
	T_EQ(nm_dmabuf_binding_avail(b), 0);
	T_OK(nm_page_pool_get_stats(p2, &st0));
	T_ERR(nm_page_pool_alloc_netmem(p2, &x), -ENOMEM);
	T_ASSERT(strstr(nm_last_error(), "out of buffers") != NULL);
	T_OK(nm_page_pool_get_stats(p2, &st));
	T_EQ(st.alloc_empty, st0.alloc_empty + 1);
	T_EQ(st.alloc_fail, st0.alloc_fail + 1);
	T_EQ(st.hold_cnt, 0);
	T_ERR(nm_page_pool_alloc_frag(p2, 1448, &x, &off), -ENOMEM);

	/* p1 hands out everything it holds, then it is empty too */
	n1 = nm_page_pool_alloc_netmems(p1, nm + 1, NIOVS);
	T_EQ(n1, NIOVS - 1);
	T_EQ(nm_page_pool_inflight(p1), NIOVS);
	T_OK(nm_page_pool_get_stats(p1, &st0));
	T_ERR(nm_page_pool_alloc_netmem(p1, &x), -ENOMEM);
	T_ERR(nm_page_pool_alloc_netmems(p1, &x, 1), -ENOMEM);
	T_OK(nm_page_pool_get_stats(p1, &st));
	T_EQ(st.alloc_empty, st0.alloc_empty + 2);
	T_EQ(st.alloc_fail, st0.alloc_fail + 2);
	T_OK(nm_page_pool_mp_info(p1, &mi));
	T_EQ(mi.total, NIOVS);
	T_EQ(mi.available, 0);

	/* one back (direct) and the next alloc is a cache hit */
	T_OK(nm_page_pool_put_netmem(p1, nm[7], true));
	T_OK(nm_page_pool_get_stats(p1, &st0));
	T_OK(nm_page_pool_alloc_netmem(p1, &x));
	T_ASSERT(x == nm[7]);
	T_OK(nm_page_pool_get_stats(p1, &st));
	T_EQ(st.alloc_fast, st0.alloc_fast + 1);
	T_EQ(st.alloc_empty, st0.alloc_empty);

	/* one back through the ring: the next alloc refills from it */
	T_OK(nm_page_pool_put_netmem(p1, x, false));
	T_OK(nm_page_pool_alloc_netmem(p1, &x));
	T_ASSERT(x == nm[7]);
	T_OK(nm_page_pool_get_stats(p1, &st));
	T_EQ(st.alloc_refill, st0.alloc_refill + 1);

	/* p1 destroyed with everything out; as they return they go back to
	 * the binding and p2 can have them */
	T_EQ(nm_page_pool_destroy(p1), 1);
	for (int i = 0; i < NIOVS; i++)
		T_OK(nm_page_pool_put_netmem(p1, nm[i], false));
	T_EQ(nm_dmabuf_binding_avail(b), NIOVS);
	T_EQ(nm_page_pool_alloc_netmems(p2, nm, NIOVS), NIOVS);
	for (int i = 0; i < NIOVS; i++)
		T_OK(nm_page_pool_put_netmem(p2, nm[i], true));
	T_OK(nm_page_pool_check(p2));
	T_EQ(nm_page_pool_destroy(p2), 0);
	T_EQ(nm_dmabuf_binding_avail(b), NIOVS);
	T_OK(nm_dmabuf_binding_check(b));
	T_OK(nm_dmabuf_binding_unbind(b));
	t_env_fini(&e);
	T_PASS();
}
