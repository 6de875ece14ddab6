/* Cross-thread returns through the return ring: the owner thread allocates
 * and hands buffers to a second thread, which puts them (not direct); the
 * owner's allocations refill from the ring.  No buffer is lost or handed
 * out twice, and the counters add up exactly. */
#include <sched.h>
#include <stdatomic.h>

#include "t_pool.h"

#ifdef __SANITIZE_ADDRESS__
#define ROUNDS 200000
#else
#define ROUNDS 1000000
#endif
#define CH 256		/* handoff channel (SPSC), power of two */
#define LIVE 96		/* buffers out at once */

static nm_netmem_t chan[CH];
static atomic_ulong chan_head, chan_tail;
static atomic_bool done;
static struct nm_page_pool *pool;

static void *returner(void *arg)
{
	unsigned long h = 0;

	(void)arg;
	for (;;) {
		unsigned long t = atomic_load_explicit(&chan_tail, memory_order_acquire);

		if (h == t) {
			if (atomic_load_explicit(&done, memory_order_acquire) &&
			    h == atomic_load_explicit(&chan_tail, memory_order_acquire))
				break;
			sched_yield();	/* 2-core machines: let the owner run */
			continue;
		}
		for (; h != t; h++) {
			nm_netmem_t nm = chan[h % CH];

			*(volatile uint64_t *)nm_netmem_address(nm) = 0;	/* "free" */
			if (nm_page_pool_put_netmem(pool, nm, false) != 0)
				abort();
		}
		atomic_store_explicit(&chan_head, h, memory_order_release);
	}
	return NULL;
}

int main(void)
{
	struct t_env e;
	struct nm_page_pool_stats st, st2;
	struct nm_mp_host_stats hs;
	pthread_t th;
	unsigned long t = 0;

	t_env_init(&e);
	/* a 256-entry ring never overflows: the pool never holds more than
	 * LIVE + one refill (see below) */
	pool = t_host_pool(e.nic, 0, 256, NULL);
	T_OK(pthread_create(&th, NULL, returner, NULL));

	for (unsigned long i = 0; i < ROUNDS; i++) {
		nm_netmem_t nm;
		volatile uint64_t *w;

		while (t - atomic_load_explicit(&chan_head, memory_order_acquire) >= LIVE)
			sched_yield();
		T_OK(nm_page_pool_alloc_netmem(pool, &nm));
		T_EQ(nm_netmem_ref_count(nm), 1);
		/* the first word of each payload is 1 while someone holds it */
		w = nm_netmem_address(nm);
		if (*w != 0)
			T_FAIL("round %lu: buffer %#lx handed out while still held", i,
			       (unsigned long)nm);
		*w = 1;
		chan[t % CH] = nm;
		t++;
		atomic_store_explicit(&chan_tail, t, memory_order_release);
	}
	atomic_store_explicit(&done, true, memory_order_release);
	T_OK(pthread_join(th, NULL));

	T_OK(nm_page_pool_get_stats(pool, &st));
	/* every buffer came back through the ring; none overflowed it */
	T_EQ(st.recycle_ring, ROUNDS);
	T_EQ(st.recycle_ring_full, 0);
	T_EQ(st.recycle_cached, 0);
	T_EQ(st.release_cnt, 0);
	/* each allocation was either fast or slow */
	T_EQ(st.alloc_fast + st.alloc_slow, ROUNDS);
	/* the provider is asked only when every held buffer is out, so the
	 * pool holds at most LIVE plus one refill */
	T_ASSERT(st.hold_cnt <= LIVE + 64);
	T_OK(nm_mp_host_get_stats(pool, &hs));
	T_EQ(hs.out, st.hold_cnt);
	T_EQ(nm_page_pool_inflight(pool), 0);
	T_OK(nm_page_pool_check(pool));

	/* no loss: every held buffer can be allocated again without asking
	 * the provider, and they are all distinct */
	nm_netmem_t all[LIVE + 64];
	int n = nm_page_pool_alloc_netmems(pool, all, (unsigned int)st.hold_cnt);
	T_EQ(n, (int)st.hold_cnt);
	T_OK(nm_page_pool_get_stats(pool, &st2));
	T_EQ(st2.alloc_empty, st.alloc_empty);
	T_EQ(st2.hold_cnt, st.hold_cnt);
	for (int i = 0; i < n; i++) {
		T_EQ(*(uint64_t *)nm_netmem_address(all[i]), 0);
		for (int j = i + 1; j < n; j++)
			T_ASSERT(all[i] != all[j]);
	}
	T_EQ(nm_page_pool_inflight(pool), n);
	for (int i = 0; i < n; i++)
		T_OK(nm_page_pool_put_netmem(pool, all[i], i & 1));
	T_EQ(nm_page_pool_inflight(pool), 0);
	T_OK(nm_page_pool_check(pool));
	T_EQ(nm_page_pool_destroy(pool), 0);
	t_env_fini(&e);
	T_PASS();
}
