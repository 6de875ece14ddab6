/* A third provider fits the interface unchanged: a user memory region with
 * a refill ring, io_uring zcrx style.  The region (host memory the "user"
 * reads directly) is mapped once for the NIC and described by a net_iov
 * area of type NM_NET_IOV_USER.  The stack thread allocates a buffer, the
 * device writes a payload into it, and the buffer goes to the user with its
 * pool reference; a user thread checks the payload in its own mapping and
 * hands the buffer back through the refill ring; the provider's
 * alloc_netmems pulls refilled buffers (dropping the user's reference)
 * before its free list.  release_netmem keeps buffers parked (returns
 * false).  Counts: every buffer is taken from the free list once, refills
 * are not counted twice, and destroy leaves nothing behind. */
#include <sched.h>
#include <stdatomic.h>

#include "t_pool.h"
#include <netmem/mem.h>

#define NIOV 64
#define RQ 128			/* refill ring, power of two */
#ifdef __SANITIZE_ADDRESS__
#define PACKETS 50000
#else
#define PACKETS 500000
#endif

struct region {
	struct nm_memobj *obj;
	uint8_t *user_va;		/* the user's view of the region */
	struct nm_dma_mapping *map;
	struct nm_net_iov_area area;
	pthread_mutex_t lock;		/* free and parked lists: any thread */
	uint32_t freel[NIOV], nfree;
	uint32_t parked[NIOV], nparked;
	uint64_t rq[RQ];		/* refill ring: user -> stack (offsets) */
	atomic_ulong rq_head, rq_tail;
	uint64_t refilled, from_free, from_parked, released;
};

/* ---- the provider -------------------------------------------------------- */

static int up_init(struct nm_page_pool *pool)
{
	struct region *r = nm_page_pool_mp_priv(pool);

	if (!r)
		return -EINVAL;
	return nm_page_pool_set_mp_state(pool, r);
}

static void up_destroy(struct nm_page_pool *pool)
{
	(void)pool;	/* the region outlives its pools */
}

static nm_netmem_t niov_nm(struct region *r, uint32_t i)
{
	return nm_net_iov_to_netmem(&r->area.niovs[i]);
}

static int up_alloc(struct nm_page_pool *pool, nm_netmem_t *out, unsigned int n)
{
	struct region *r = nm_page_pool_mp_state(pool);
	unsigned int got = 0;
	unsigned long h = atomic_load_explicit(&r->rq_head, memory_order_relaxed);
	unsigned long t = atomic_load_explicit(&r->rq_tail, memory_order_acquire);

	/* 1: what the user handed back: drop the user's pool reference */
	for (; got < n && h != t; h++) {
		nm_netmem_t nm = niov_nm(r, (uint32_t)(r->rq[h % RQ] >> 12));

		if (nm_page_pool_unref_netmem(nm, 1) != 0)
			return -EUCLEAN;
		out[got++] = nm;
		r->refilled++;
	}
	atomic_store_explicit(&r->rq_head, h, memory_order_release);
	/* 2: parked, then never used */
	pthread_mutex_lock(&r->lock);
	for (; got < n && r->nparked; r->from_parked++)
		out[got++] = niov_nm(r, r->parked[--r->nparked]);
	for (; got < n && r->nfree; r->from_free++)
		out[got++] = niov_nm(r, r->freel[--r->nfree]);
	pthread_mutex_unlock(&r->lock);
	return (int)got;
}

static bool up_release(struct nm_page_pool *pool, nm_netmem_t nm)
{
	struct region *r = nm_page_pool_mp_state(pool);

	pthread_mutex_lock(&r->lock);
	r->parked[r->nparked++] = nm_net_iov_idx(nm_netmem_to_net_iov(nm));
	r->released++;
	pthread_mutex_unlock(&r->lock);
	return false;	/* kept parked in the region, not freed */
}

static int up_fill_info(struct nm_page_pool *pool, struct nm_mp_info *info)
{
	(void)pool;
	info->io_uring = true;
	info->total = NIOV;
	return 0;
}

static const struct nm_memory_provider_ops up_ops = {
	.name = "user-region", .init = up_init, .destroy = up_destroy,
	.alloc_netmems = up_alloc, .release_netmem = up_release,
	.fill_info = up_fill_info, .unreadable = true,
};

/* ---- the user ---------------------------------------------------------------- */

struct cqe { uint64_t off; uint32_t len; uint32_t seq; };
static struct cqe cq[RQ];
static atomic_ulong cq_head, cq_tail;	/* stack -> user */
static struct region reg;
static atomic_bool stop;

static void *user(void *arg)
{
	unsigned long h = 0;

	(void)arg;
	for (;;) {
		unsigned long t = atomic_load_explicit(&cq_tail, memory_order_acquire);

		if (h == t) {
			if (atomic_load(&stop) && h == atomic_load(&cq_tail))
				return NULL;
			sched_yield();
			continue;
		}
		for (; h != t; h++) {
			struct cqe c = cq[h % RQ];
			const uint8_t *p = reg.user_va + c.off;

			for (uint32_t k = 0; k < c.len; k += 512)
				if (p[k] != (uint8_t)(c.seq + k))
					abort();
			/* hand the buffer back through the refill ring */
			unsigned long rt = atomic_load_explicit(&reg.rq_tail, memory_order_relaxed);
			while (rt - atomic_load_explicit(&reg.rq_head, memory_order_acquire) >= RQ)
				sched_yield();
			reg.rq[rt % RQ] = c.off;
			atomic_store_explicit(&reg.rq_tail, rt + 1, memory_order_release);
		}
		atomic_store_explicit(&cq_head, h, memory_order_release);
	}
}

int main(void)
{
	struct t_env e;
	struct nm_page_pool *pool;
	struct nm_page_pool_stats st;
	struct nm_page_pool_info info;
	struct nm_phyr ph;
	const struct nm_dma_vec *v;
	uint32_t nv;
	pthread_t th;
	uint8_t payload[4096];

	t_env_init(&e);
	/* the user's memory, mapped once for the NIC */
	T_OK(nm_memobj_create_anon(NIOV * 4096, 0, &reg.obj));
	reg.user_va = nm_memobj_host_addr(reg.obj);
	T_EQ(nm_memobj_get_phyrs(reg.obj, 0, NIOV * 4096, &ph, 1), 1);
	T_OK(nm_dma_map(e.nic, &ph, 1, NM_DMA_FROM_DEVICE, 0, &reg.map));
	v = nm_dma_mapping_vecs(reg.map, &nv);
	T_EQ(nv, 1);
	reg.area = (struct nm_net_iov_area){
		.niovs = calloc(NIOV, sizeof(struct nm_net_iov)), .num_niovs = NIOV,
		.niov_shift = 12, .base_virtual = 0, .base_dma = v[0].addr, .map = reg.map,
		.type = NM_NET_IOV_USER, .owner = &reg,
	};
	for (uint32_t i = 0; i < NIOV; i++) {
		reg.area.niovs[i].desc.magic = NM_NETMEM_MAGIC_NIOV;
		reg.area.niovs[i].desc.dma_addr = v[0].addr + i * 4096ull;
		reg.area.niovs[i].owner = &reg.area;
		reg.freel[reg.nfree++] = NIOV - 1 - i;
	}
	pthread_mutex_init(&reg.lock, NULL);

	struct nm_page_pool_params pp = {
		.dev = e.nic, .dir = NM_DMA_FROM_DEVICE, .pool_size = 256,
		.mp_ops = &up_ops, .mp_priv = &reg,
	};
	T_OK(nm_page_pool_create(&pp, &pool));
	T_OK(nm_page_pool_get_info(pool, &info));
	T_ASSERT(info.io_uring && info.unreadable);
	T_ASSERT(!strcmp(info.mp_name, "user-region"));
	T_OK(pthread_create(&th, NULL, user, NULL));

	unsigned long t = 0;
	for (uint32_t seq = 0; seq < PACKETS; seq++) {
		nm_netmem_t nm;
		int r;

		/* the stack thread: a buffer for the next packet; when the
		 * user holds them all, wait for refills */
		while ((r = nm_page_pool_alloc_netmem(pool, &nm)) == -ENOMEM)
			sched_yield();
		T_OK(r);
		struct nm_net_iov *niov = nm_netmem_to_net_iov(nm);
		T_ASSERT(niov && niov->owner == &reg.area);
		uint32_t len = 512 + seq % 3584;
		for (uint32_t k = 0; k < len; k += 512)
			payload[k] = (uint8_t)(seq + k);
		T_OK(nm_dma_write(e.nic, nm_netmem_dma_addr(nm), payload, len));
		/* deliver to the user, who keeps the pool reference */
		while (t - atomic_load_explicit(&cq_head, memory_order_acquire) >= RQ)
			sched_yield();
		cq[t % RQ] = (struct cqe){ nm_net_iov_offset(niov), len, seq };
		t++;
		atomic_store_explicit(&cq_tail, t, memory_order_release);
	}
	atomic_store(&stop, true);
	T_OK(pthread_join(th, NULL));

	/* everything the user returned is still in the refill ring or back in
	 * the pool; pull the ring dry */
	T_EQ(nm_page_pool_inflight(pool),
	     (int64_t)(atomic_load(&reg.rq_tail) - atomic_load(&reg.rq_head)));
	nm_netmem_t all[NIOV];
	T_EQ(nm_page_pool_alloc_netmems(pool, all, NIOV), NIOV);
	T_EQ(atomic_load(&reg.rq_tail), atomic_load(&reg.rq_head));
	for (int i = 0; i < NIOV; i++)
		T_OK(nm_page_pool_put_netmem(pool, all[i], true));
	T_EQ(nm_page_pool_inflight(pool), 0);
	T_OK(nm_page_pool_check(pool));
	T_OK(nm_page_pool_get_stats(pool, &st));
	/* each buffer came from the free list once; refills were not counted
	 * again */
	T_EQ(reg.from_free, NIOV);
	T_EQ(st.hold_cnt, NIOV);
	T_ASSERT(reg.refilled > 0);
	T_EQ(st.release_cnt, 0);

	/* destroy: every buffer goes back and stays parked in the region */
	T_EQ(nm_page_pool_destroy(pool), 0);
	T_EQ(reg.released, NIOV);
	T_EQ(reg.nparked, NIOV);
	for (int i = 0; i < NIOV; i++)
		T_ASSERT(reg.area.niovs[i].desc.pp == NULL);

	/* a new pool reuses the parked buffers first */
	T_OK(nm_page_pool_create(&pp, &pool));
	T_OK(nm_page_pool_alloc_netmem(pool, &all[0]));
	T_EQ(reg.from_parked, NIOV);	/* one refill took all of them */
	T_OK(nm_page_pool_put_netmem(pool, all[0], false));
	T_OK(nm_page_pool_get_stats(pool, &st));
	T_EQ(nm_page_pool_destroy(pool), 0);

	printf("%d packets, %llu refilled through the ring, %llu from the free list\n",
	       PACKETS, (unsigned long long)reg.refilled, (unsigned long long)reg.from_free);
	T_OK(nm_dma_unmap(reg.map));
	nm_memobj_put(reg.obj);
	free(reg.area.niovs);
	pthread_mutex_destroy(&reg.lock);
	t_env_fini(&e);
	T_PASS();
}
