/* The per-thread cache of received-frame skbs (skb.c invariant 5): skbs
 * from nm_skb_from_rx() freed on a thread are reused by that thread (the
 * cache hands back the most recently freed block), the cache is bounded
 * (freeing 20000 at once leaves at most 256 blocks held), threads that exit
 * free what they cached (200 threads caching 256 each leave nothing
 * behind), and every page-pool reference is still dropped on free.  The
 * sanitizer build caches nothing (ASan must see a use after free), so only
 * the reference and leak checks apply there. */
#include <malloc.h>
#include <pthread.h>

#include "t_pool.h"
#include "net/skb.h"
#include "nic/netdev_drv.h"

#define MANY 20000
#define THREADS 200

static struct nm_page_pool *pool;
static nm_netmem_t hdrs[256];

static struct nm_skb *rx_skb(nm_netmem_t hdr)
{
	struct nm_rx_pkt pkt;
	struct nm_skb *s;

	memset(&pkt, 0, sizeof(pkt));
	nm_page_pool_ref_netmem(hdr);	/* the skb takes this one over */
	pkt.hdr = hdr;
	pkt.hdr_off = 64;
	pkt.hdr_len = 54;
	pkt.len = 54;
	s = nm_skb_from_rx(NULL, &pkt);
	T_ASSERT(s);
	T_ASSERT(s->cached);
	T_EQ(s->linear, 54);
	return s;
}

static size_t in_use(void)
{
	return mallinfo2().uordblks;
}

static struct nm_skb *many[MANY];

static void *fill_and_exit(void *arg)
{
	(void)arg;
	for (int i = 0; i < 256; i++)
		many[i] = rx_skb(hdrs[0]);
	for (int i = 0; i < 256; i++)
		nm_skb_free(many[i]);
	return NULL;
}

int main(void)
{
	struct t_env e;
	struct nm_skb *a, *b;
	size_t before, after;
#if defined(__SANITIZE_ADDRESS__)
	const bool caching = false;
#else
	const bool caching = true;
#endif

	t_env_init(&e);
	pool = t_host_pool(e.nic, 0, 256, NULL);
	for (int i = 0; i < 4; i++)
		T_OK(nm_page_pool_alloc_netmem(pool, &hdrs[i]));

	/* reuse: the block just freed comes back first, even after blocks
	 * of the same size went through malloc in between */
	a = rx_skb(hdrs[0]);
	nm_skb_free(a);
	for (int i = 0; i < 32; i++)
		many[i] = malloc(sizeof(struct nm_skb));
	for (int i = 0; i < 32; i++)
		free(many[i]);
	b = rx_skb(hdrs[1]);
	if (caching)
		T_ASSERT(a == b);
	nm_skb_free(b);
	T_EQ(nm_page_pool_inflight(pool), 4);	/* only ours: every ref dropped */

	/* bounded: 20000 freed at once, at most 256 kept */
	for (int i = 0; i < MANY; i++)
		many[i] = rx_skb(hdrs[i & 3]);
	before = in_use();
	for (int i = 0; i < MANY; i++)
		nm_skb_free(many[i]);
	after = in_use();
	printf("freeing %d skbs: %zu -> %zu bytes in use\n", MANY, before, after);
	if (caching)	/* ASan's allocator does not report to mallinfo2 */
		T_ASSERT(after + (size_t)(MANY - 256) * sizeof(struct nm_skb) <= before);
	T_EQ(nm_page_pool_inflight(pool), 4);

	/* threads that exit free their cache */
	before = in_use();
	for (int i = 0; i < THREADS; i++) {
		pthread_t th;

		T_OK(pthread_create(&th, NULL, fill_and_exit, NULL));
		T_OK(pthread_join(th, NULL));
	}
	after = in_use();
	printf("%d threads: %zu -> %zu bytes in use\n", THREADS, before, after);
	if (caching)
		T_ASSERT(after < before + (1u << 20));	/* leaked, it would be 30 MB */
	T_EQ(nm_page_pool_inflight(pool), 4);

	for (int i = 0; i < 4; i++)
		nm_page_pool_put_netmem(pool, hdrs[i], false);
	T_EQ(nm_page_pool_inflight(pool), 0);
	T_OK(nm_page_pool_destroy(pool));
	t_env_fini(&e);
	T_PASS();
}
