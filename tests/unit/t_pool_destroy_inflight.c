/* Destroying a pool with buffers in flight: destroy returns 1 and gives the
 * idle buffers back at once; the held ones stay valid; they come back later
 * from another thread (and one from the owner with allow_direct), each goes
 * straight to the provider, and the last one frees the pool (ASan: no leak,
 * no use after free).  Repeated with a thread returning concurrently with
 * destroy, to race the ring's closing. */
#include <sched.h>
#include <stdatomic.h>

#include "t_pool.h"

#define N 200

static uint64_t race_seed = 12345;

struct ret_args {
	struct nm_page_pool *pool;
	nm_netmem_t *nms;
	int n;
	atomic_int *go;
};

static void *returner(void *arg)
{
	struct ret_args *a = arg;

	while (a->go && !atomic_load(a->go))
		sched_yield();
	for (int i = 0; i < a->n; i++) {
		/* the buffer is still valid memory while we hold it */
		if (nm_netmem_is_readable(a->nms[i]))
			*(volatile char *)nm_netmem_address(a->nms[i]) = 'x';
		if (nm_page_pool_put_netmem(a->pool, a->nms[i], false) != 0)
			abort();
	}
	return NULL;
}

static void later_from_thread(struct t_env *e, struct nm_page_pool *pool, bool host)
{
	nm_netmem_t nms[N];
	struct ret_args a = { .pool = pool, .nms = nms + 1, .n = N - 1 };
	pthread_t th;
	uint64_t maps0 = t_live_mappings(e->nic);

	T_EQ(nm_page_pool_alloc_netmems(pool, nms, N), N);
	/* some idle buffers in the cache and the ring too */
	nm_netmem_t idle[10];
	T_EQ(nm_page_pool_alloc_netmems(pool, idle, 10), 10);
	for (int i = 0; i < 5; i++)
		T_OK(nm_page_pool_put_netmem(pool, idle[i], true));
	for (int i = 5; i < 10; i++)
		T_OK(nm_page_pool_put_netmem(pool, idle[i], false));
	T_EQ(nm_page_pool_inflight(pool), N);
	if (host) {
		struct nm_mp_host_stats hs;
		struct nm_page_pool_stats st;

		T_OK(nm_mp_host_get_stats(pool, &hs));
		T_OK(nm_page_pool_get_stats(pool, &st));
		T_ASSERT(hs.out >= N + 10);
		T_EQ(hs.out, st.hold_cnt);
		T_ASSERT(hs.blocks >= 1 && hs.blocks < hs.out);
		T_EQ(t_live_mappings(e->nic), maps0 + hs.blocks);	/* one per block */
	}
	T_EQ(nm_page_pool_destroy(pool), 1);	/* still in flight */
	if (host) {
		/* idle buffers went back to the provider at once, and a block
		 * whose buffers are all back is unmapped and freed; the held
		 * ones keep theirs */
		struct nm_mp_host_stats hs;

		T_OK(nm_mp_host_get_stats(pool, &hs));
		T_EQ(hs.out, N);
		T_ASSERT(hs.blocks >= 1);
		T_EQ(t_live_mappings(e->nic), maps0 + hs.blocks);
	}
	/* a put with a wrong pool is still refused */
	T_ERR(nm_page_pool_put_netmem((struct nm_page_pool *)&a, nms[0], false), -EINVAL);
	/* the owner returns one directly: it must not land in a cache */
	T_OK(nm_page_pool_put_netmem(pool, nms[0], true));
	T_OK(pthread_create(&th, NULL, returner, &a));
	T_OK(pthread_join(th, NULL));
	/* the pool is gone now (ASan would flag a leak or a late access) */
}

/* Destroy while another thread is returning: whichever order, nothing is
 * stranded in the ring and the pool is freed exactly once. */
static void racing(struct t_env *e, struct nm_page_pool *pool)
{
	nm_netmem_t nms[N];
	atomic_int go = 0;
	struct ret_args a = { .pool = pool, .nms = nms, .n = N, .go = &go };
	pthread_t th;

	T_EQ(nm_page_pool_alloc_netmems(pool, nms, N), N);
	T_OK(pthread_create(&th, NULL, returner, &a));
	atomic_store(&go, 1);
	/* let the returner get a random distance ahead */
	for (volatile uint64_t spin = t_rand(&race_seed) % 4000; spin; spin--)
		;
	T_ASSERT(nm_page_pool_destroy(pool) >= 0);
	T_OK(pthread_join(th, NULL));
	(void)e;
}

int main(void)
{
	struct t_env e;
	struct nm_dmabuf_binding *b;
	uint64_t maps0;

	t_env_init(&e);
	maps0 = t_live_mappings(e.nic);
	later_from_thread(&e, t_host_pool(e.nic, 0, 64, NULL), true);
	T_EQ(t_live_mappings(e.nic), maps0);	/* every host buffer unmapped */

	b = t_gpu_binding(&e, 4 << 20, 4096);
	later_from_thread(&e, t_dmabuf_pool(b, 64), false);
	T_EQ(nm_dmabuf_binding_avail(b), nm_dmabuf_binding_num_niovs(b));
	T_EQ(nm_dmabuf_binding_refs(b), 1);	/* the pool's reference is gone */

	for (int i = 0; i < 200; i++) {
		racing(&e, t_host_pool(e.nic, 0, 64, NULL));
		racing(&e, t_dmabuf_pool(b, 64));
	}
	T_EQ(t_live_mappings(e.nic), maps0 + 1);	/* just the binding's */
	T_EQ(nm_dmabuf_binding_avail(b), nm_dmabuf_binding_num_niovs(b));
	T_EQ(nm_dmabuf_binding_refs(b), 1);
	T_OK(nm_dmabuf_binding_check(b));
	T_OK(nm_dmabuf_binding_unbind(b));
	T_EQ(t_live_mappings(e.nic), maps0);
	t_env_fini(&e);
	T_PASS();
}
