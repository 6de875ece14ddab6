/* The debug checkers catch broken invariants: nm_page_pool_check() on a
 * cached buffer with references, a buffer cached twice, a foreign buffer in
 * the ring, counters that disagree, a broken fragment buffer; and
 * nm_dmabuf_binding_check() on a free list that disagrees with its marks.
 * Each corruption is undone afterwards and the checkers pass again. */
#include "t_pool.h"
#include "pool/dmabuf_binding.h"
#include "pool/pool_internal.h"

static void expect_unclean(const struct nm_page_pool *pool, const char *what)
{
	nm_clear_error();
	if (nm_page_pool_check(pool) != -EUCLEAN)
		T_FAIL("checker missed: %s", what);
	T_ASSERT(nm_last_error()[0] != '\0');
}

int main(void)
{
	struct t_env e;
	struct nm_page_pool *pool, *other;
	struct nm_dmabuf_binding *b;
	nm_netmem_t nm[4], x, f;
	uint32_t off;

	t_env_init(&e);
	pool = t_host_pool(e.nic, 0, 64, NULL);
	other = t_host_pool(e.nic, 0, 64, NULL);
	T_EQ(nm_page_pool_alloc_netmems(pool, nm, 4), 4);
	T_OK(nm_page_pool_put_netmem(pool, nm[0], true));	/* cache */
	T_OK(nm_page_pool_put_netmem(pool, nm[1], false));	/* ring */
	T_OK(nm_page_pool_check(pool));

	/* a cached buffer that still has a reference */
	atomic_store(&nm_netmem_to_desc(nm[0])->pp_ref_count, 1);
	expect_unclean(pool, "cached buffer with a reference");
	atomic_store(&nm_netmem_to_desc(nm[0])->pp_ref_count, 0);
	T_OK(nm_page_pool_check(pool));

	/* the same buffer cached twice */
	pool->cache[pool->cache_count++] = nm[1];
	expect_unclean(pool, "buffer both in the cache and the ring");
	pool->cache_count--;

	/* a ring entry of another pool */
	T_OK(nm_page_pool_alloc_netmem(other, &x));
	struct nm_pp_cell *c = &pool->ring[pool->ring_head & pool->ring_mask];
	nm_netmem_t saved = c->nm;
	c->nm = x;
	atomic_store(&nm_netmem_to_desc(x)->pp_ref_count, 0);
	expect_unclean(pool, "foreign buffer in the ring");
	c->nm = saved;
	atomic_store(&nm_netmem_to_desc(x)->pp_ref_count, 1);
	T_OK(nm_page_pool_put_netmem(other, x, true));

	/* counters: one more buffer held than references */
	nm_pp_stat_add(&pool->hold_cnt, 1);
	expect_unclean(pool, "hold count without a reference");
	atomic_store(&pool->hold_cnt, atomic_load(&pool->hold_cnt) - 1);
	T_OK(nm_page_pool_check(pool));

	/* a fragment buffer whose offset ran past the end */
	T_OK(nm_page_pool_alloc_frag(pool, 100, &f, &off));
	pool->frag_offset = 5000;
	expect_unclean(pool, "fragment offset past the buffer");
	pool->frag_offset = 100;
	T_OK(nm_page_pool_check(pool));
	T_OK(nm_page_pool_put_netmem(pool, f, true));

	for (int i = 2; i < 4; i++)
		T_OK(nm_page_pool_put_netmem(pool, nm[i], true));
	T_OK(nm_page_pool_check(pool));
	T_EQ(nm_page_pool_destroy(pool), 0);
	T_EQ(nm_page_pool_destroy(other), 0);

	/* binding: a chunk marked free that is not on the stack */
	b = t_gpu_binding(&e, 64 * 4096, 4096);
	T_OK(nm_dmabuf_binding_check(b));
	struct nm_net_iov *niov;
	T_EQ(nm_dmabuf_binding_alloc_niovs(b, &niov, 1), 1);
	b->is_free[0] = 1;	/* the first chunk handed out is at offset 0 */
	T_EQ(nm_net_iov_offset(niov), 0);
	T_ERR(nm_dmabuf_binding_check(b), -EUCLEAN);
	b->is_free[0] = 0;
	T_OK(nm_dmabuf_binding_check(b));
	/* a free chunk that still names a pool */
	T_OK(nm_dmabuf_binding_free_niov(b, niov));
	niov->desc.pp = (struct nm_page_pool *)b;
	T_ERR(nm_dmabuf_binding_check(b), -EUCLEAN);
	niov->desc.pp = NULL;
	T_OK(nm_dmabuf_binding_check(b));
	T_OK(nm_dmabuf_binding_unbind(b));
	t_env_fini(&e);
	T_PASS();
}
