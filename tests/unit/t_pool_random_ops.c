/* Random page-pool operations against a reference model.
 *
 * 10^7 operations (in both builds) on pools of four kinds (host 4 KiB,
 * host 64 KiB, dmabuf 4 KiB, dmabuf 64 KiB net_iovs): alloc, bulk alloc, alloc_frag of random sizes,
 * ref, put direct, put from another thread (through the ring), unref +
 * put_unrefed, and now and then destroy (with buffers still out) and
 * recreate.  The model knows which buffers and fragments are out and with
 * how many references; the pool must never hand out a buffer (or a
 * fragment range) that is still held, must say -ENOMEM only when its
 * provider is really exhausted, and at every sync point its inflight, its
 * counts and its checker must agree with the model.  At the end every
 * reference is returned: zero in flight, every pool freed, the providers'
 * counts back to full (bindings all free, no host mapping left).
 */
#include <sched.h>

#include "t_pool.h"
#include <netmem/mem.h>

/* ~2 s optimized, ~3 s under ASan+UBSan (mostly provider system calls),
 * so the sanitized build runs the full count too. */
#define OPS 10000000ull
#define SYNC_EVERY 20000
#define MAX_ITEMS 200
#define HASH_CAP 4096		/* > every buffer that can exist at once */
#define BATCH 32

enum kind { K_HOST4K, K_HOST64K, K_DMABUF4K, K_DMABUF64K, K_NR };

struct pstate {
	struct nm_page_pool *pool;
	enum kind kind;
	bool destroyed;
	uint32_t buf_size, cap;		/* cap: host provider's max_buffers */
	nm_netmem_t frag_nm;		/* the pool's current fragment buffer */
	long bufs_live;			/* buffers with model references */
};

struct item {
	nm_netmem_t nm;
	struct pstate *ps;
	uint32_t off, size;
	long refs;
	uint64_t tag;
};

struct rec {			/* one per buffer the model knows */
	nm_netmem_t nm;
	struct pstate *ps;
	long live;		/* references held by model items */
	uint32_t hw;		/* end of the last fragment carved */
};

static struct t_env env;
static struct nm_dmabuf_binding *bind4k, *bind64k;
static struct nm_mp_host_params hp4k = { .max_buffers = 300 }, hp64k = { .max_buffers = 80 };
static struct item items[MAX_ITEMS + 64];
static int nitems;
static struct rec recs[HASH_CAP];
static struct pstate *cur;
static struct pstate *all_ps[100000];
static int nps;
static uint64_t seed = 0x5eed1234abcdULL;
static uint64_t nenomem, ndestroy, nring;

/* ---- buffer records: open addressing, backward-shift deletion ---------- */

static uint32_t h_slot(nm_netmem_t nm)
{
	return (uint32_t)((nm * 0x9E3779B97F4A7C15ULL) >> 52) & (HASH_CAP - 1);
}

static struct rec *rec_find(nm_netmem_t nm)
{
	for (uint32_t i = h_slot(nm);; i = (i + 1) & (HASH_CAP - 1)) {
		if (recs[i].nm == nm)
			return &recs[i];
		if (!recs[i].nm)
			return NULL;
	}
}

static struct rec *rec_add(nm_netmem_t nm, struct pstate *ps)
{
	uint32_t i = h_slot(nm), n = 0;

	while (recs[i].nm) {
		i = (i + 1) & (HASH_CAP - 1);
		T_ASSERT(++n < HASH_CAP);
	}
	recs[i] = (struct rec){ .nm = nm, .ps = ps };
	return &recs[i];
}

static void rec_del(struct rec *r)
{
	uint32_t i = (uint32_t)(r - recs), j = i;

	recs[i].nm = 0;
	for (;;) {
		j = (j + 1) & (HASH_CAP - 1);
		if (!recs[j].nm)
			return;
		uint32_t k = h_slot(recs[j].nm);
		/* move j back to i if its home is not in (i, j] */
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			recs[i] = recs[j];
			recs[j].nm = 0;
			i = j;
		}
	}
}

static void rec_ref(struct rec *r, long n)
{
	if (r->live == 0)
		r->ps->bufs_live++;
	r->live += n;
}

/* n model references on r's buffer are gone. */
static void rec_unref(struct rec *r, long n)
{
	T_ASSERT(r->live >= n);
	r->live -= n;
	if (r->live)
		return;
	r->ps->bufs_live--;
	if (r->ps->frag_nm != r->nm || r->ps->destroyed)
		rec_del(r);
}

/* ---- the returner thread ----------------------------------------------- */

struct ret { struct nm_page_pool *pool; nm_netmem_t nm; };
static struct ret pend[BATCH];
static int npend;
static struct ret queue[BATCH * 64];
static int qn;
static bool busy, quit;
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcond = PTHREAD_COND_INITIALIZER, qidle = PTHREAD_COND_INITIALIZER;

static void *returner(void *arg)
{
	struct ret local[BATCH * 64];
	int n;

	(void)arg;
	pthread_mutex_lock(&qlock);
	for (;;) {
		while (!qn && !quit)
			pthread_cond_wait(&qcond, &qlock);
		if (!qn && quit)
			break;
		n = qn;
		memcpy(local, queue, sizeof(local[0]) * (size_t)n);
		qn = 0;
		busy = true;
		pthread_mutex_unlock(&qlock);
		for (int i = 0; i < n; i++)
			if (nm_page_pool_put_netmem(local[i].pool, local[i].nm, false) != 0) {
				fprintf(stderr, "returner: %s\n", nm_last_error());
				abort();
			}
		pthread_mutex_lock(&qlock);
		busy = false;
		pthread_cond_broadcast(&qidle);
	}
	pthread_mutex_unlock(&qlock);
	return NULL;
}

static void flush_pending(void)
{
	if (!npend)
		return;
	pthread_mutex_lock(&qlock);
	while (qn + npend > (int)(sizeof(queue) / sizeof(queue[0])))
		pthread_cond_wait(&qidle, &qlock);
	memcpy(queue + qn, pend, sizeof(pend[0]) * (size_t)npend);
	qn += npend;
	npend = 0;
	pthread_cond_signal(&qcond);
	pthread_mutex_unlock(&qlock);
}

static void sync_returner(void)
{
	flush_pending();
	pthread_mutex_lock(&qlock);
	while (qn || busy)
		pthread_cond_wait(&qidle, &qlock);
	pthread_mutex_unlock(&qlock);
}

/* ---- pools ----------------------------------------------------------------- */

static void new_pool(void)
{
	static const uint32_t sizes[] = { 64, 128, 1024 };
	struct pstate *ps = calloc(1, sizeof(*ps));
	struct nm_page_pool_params p = {
		.dev = env.nic, .dir = NM_DMA_FROM_DEVICE,
		.pool_size = sizes[t_rand(&seed) % 3],
	};

	ps->kind = (enum kind)(t_rand(&seed) % K_NR);
	switch (ps->kind) {
	case K_HOST4K: p.mp_priv = &hp4k; ps->cap = hp4k.max_buffers; break;
	case K_HOST64K: p.order = 4; p.mp_priv = &hp64k; ps->cap = hp64k.max_buffers; break;
	case K_DMABUF4K: T_OK(nm_page_pool_params_set_dmabuf(&p, bind4k)); break;
	default: T_OK(nm_page_pool_params_set_dmabuf(&p, bind64k)); p.order = 4; break;
	}
	T_OK(nm_page_pool_create(&p, &ps->pool));
	ps->buf_size = nm_page_pool_buf_size(ps->pool);
	T_EQ(ps->buf_size, ps->kind == K_HOST4K || ps->kind == K_DMABUF4K ? 4096 : 65536);
	T_ASSERT(nps < (int)(sizeof(all_ps) / sizeof(all_ps[0])));
	all_ps[nps++] = ps;
	cur = ps;
}

/* -ENOMEM is only allowed when the provider is out of buffers. */
static void check_enomem(struct pstate *ps)
{
	nenomem++;
	if (ps->kind == K_HOST4K || ps->kind == K_HOST64K) {
		struct nm_mp_host_stats hs;

		T_OK(nm_mp_host_get_stats(ps->pool, &hs));
		T_EQ(hs.out, ps->cap);
	} else {
		T_EQ(nm_dmabuf_binding_avail(ps->kind == K_DMABUF4K ? bind4k : bind64k), 0);
	}
}

/* ---- payload tags (readable buffers only) ----------------------------------- */

/* Head and tail copies must not overlap (a 1-byte range has one byte). */
static uint32_t tag_len(uint32_t size)
{
	return size < 2 ? size : size / 2 < 8 ? size / 2 : 8;
}

static void tag_write(const struct item *it)
{
	uint8_t *p;
	uint32_t n = tag_len(it->size);

	if (!nm_netmem_is_readable(it->nm))
		return;
	p = (uint8_t *)nm_netmem_address(it->nm) + it->off;
	memcpy(p, &it->tag, n);
	memcpy(p + it->size - n, &it->tag, n);
}

static void tag_check(const struct item *it)
{
	const uint8_t *p;
	uint32_t n = tag_len(it->size);

	if (!nm_netmem_is_readable(it->nm))
		return;
	p = (const uint8_t *)nm_netmem_address(it->nm) + it->off;
	if (memcmp(p, &it->tag, n) || memcmp(p + it->size - n, &it->tag, n))
		T_FAIL("buffer %#lx [%u, +%u) was overwritten while held",
		       (unsigned long)it->nm, it->off, it->size);
}

/* ---- operations ---------------------------------------------------------------- */

static void add_whole(nm_netmem_t nm)
{
	struct rec *r = rec_find(nm);
	struct item *it;

	T_ASSERT(nm != 0);
	T_ASSERT(nm_netmem_pool(nm) == cur->pool);
	T_EQ(nm_netmem_ref_count(nm), 1);
	T_ASSERT(nm != cur->frag_nm);
	/* a buffer the model still holds must not come back */
	if (r)
		T_FAIL("alloc returned %#lx, still held (%ld refs)", (unsigned long)nm, r->live);
	r = rec_add(nm, cur);
	rec_ref(r, 1);
	it = &items[nitems++];
	*it = (struct item){ .nm = nm, .ps = cur, .off = 0, .size = cur->buf_size,
			     .refs = 1, .tag = t_rand(&seed) };
	tag_write(it);
}

/* One whole buffer after an -ENOMEM (or a short bulk alloc): let returns in
 * flight land first; if the pool is still empty, its provider must be. */
static void alloc_after_enomem(void)
{
	nm_netmem_t nm;
	int r;

	sync_returner();
	r = nm_page_pool_alloc_netmem(cur->pool, &nm);
	if (r == -ENOMEM)
		return check_enomem(cur);
	T_OK(r);
	add_whole(nm);
}

static void op_alloc(void)
{
	nm_netmem_t nm;
	int r = nm_page_pool_alloc_netmem(cur->pool, &nm);

	if (r == -ENOMEM)
		return alloc_after_enomem();
	T_OK(r);
	add_whole(nm);
}

static void op_alloc_bulk(void)
{
	nm_netmem_t nm[8];
	unsigned int want = 1 + (unsigned int)(t_rand(&seed) % 8);
	int r;

	if (nitems + (int)want > MAX_ITEMS)
		return;
	r = nm_page_pool_alloc_netmems(cur->pool, nm, want);
	if (r == -ENOMEM)
		return alloc_after_enomem();
	T_OK(r);
	T_ASSERT(r >= 1 && r <= (int)want);
	for (int i = 0; i < r; i++)
		add_whole(nm[i]);
	if (r < (int)want)
		alloc_after_enomem();
}

static uint32_t frag_size(uint32_t bs)
{
	switch (t_rand(&seed) % 4) {
	case 0: return 1448;
	case 1: return 1 + (uint32_t)(t_rand(&seed) % 200);
	case 2: return 1 + (uint32_t)(t_rand(&seed) % bs);
	default: return 1 + (uint32_t)(t_rand(&seed) % 4000);
	}
}

static void op_alloc_frag(void)
{
	uint32_t size = frag_size(cur->buf_size), off;
	nm_netmem_t nm, prev = cur->frag_nm;
	struct rec *r;
	struct item *it;
	int e = nm_page_pool_alloc_frag(cur->pool, size, &nm, &off);

	if (e == -ENOMEM) {
		sync_returner();	/* returns in flight may refill it */
		e = nm_page_pool_alloc_frag(cur->pool, size, &nm, &off);
	}
	if (e == -ENOMEM) {
		/* the old fragment buffer was given up */
		cur->frag_nm = 0;
		if (prev && (r = rec_find(prev)) && !r->live)
			rec_del(r);
		return check_enomem(cur);
	}
	T_OK(e);
	T_ASSERT(nm_netmem_pool(nm) == cur->pool);
	T_ASSERT(off + size <= cur->buf_size);
	/* the pool moved on from prev: forget it unless fragments are held */
	cur->frag_nm = nm;
	if (prev && prev != nm && (r = rec_find(prev)) && !r->live)
		rec_del(r);
	r = rec_find(nm);
	if (!r) {
		T_EQ(off, 0);
		r = rec_add(nm, cur);
	} else if (nm != prev) {
		T_FAIL("fragment buffer %#lx is still held (%ld refs)", (unsigned long)nm, r->live);
	} else if (off == 0) {
		/* the same buffer recycled and restarted: only if no fragment of
		 * it was still held */
		if (r->live)
			T_FAIL("fragment buffer %#lx restarted with %ld refs held",
			       (unsigned long)nm, r->live);
	} else if (off < r->hw) {
		T_FAIL("fragment [%u, +%u) overlaps one ending at %u", off, size, r->hw);
	}
	r->hw = off + size;
	rec_ref(r, 1);
	it = &items[nitems++];
	*it = (struct item){ .nm = nm, .ps = cur, .off = off, .size = size, .refs = 1,
			     .tag = t_rand(&seed) };
	tag_write(it);
}

static void op_ref(void)
{
	struct item *it = &items[t_rand(&seed) % (uint64_t)nitems];
	long c = nm_page_pool_ref_netmem(it->nm);

	T_ASSERT(c >= 2);
	it->refs++;
	rec_ref(rec_find(it->nm), 1);
}

static void drop_item(int i)
{
	items[i] = items[--nitems];
}

/* Give up one reference of a random item: direct, via the returner, or
 * with unref + put_unrefed. */
static void op_put(int how)
{
	int i = (int)(t_rand(&seed) % (uint64_t)nitems);
	struct item *it = &items[i];
	struct pstate *ps = it->ps;
	nm_netmem_t nm = it->nm;
	struct rec *r = rec_find(nm);

	T_ASSERT(r != NULL);
	tag_check(it);
	if (--it->refs == 0)
		drop_item(i);
	rec_unref(r, 1);
	switch (how) {
	case 0:
		T_OK(nm_page_pool_put_netmem(ps->pool, nm, true));
		break;
	case 1:
		nring++;
		pend[npend++] = (struct ret){ ps->pool, nm };
		if (npend == BATCH)
			flush_pending();
		break;
	default: {
		long left = nm_page_pool_unref_netmem(nm, 1);

		T_ASSERT(left >= 0);
		if (left == 0)
			T_OK(nm_page_pool_put_unrefed_netmem(ps->pool, nm, t_rand(&seed) & 1));
		break;
	}
	}
}

static void check_all(void)
{
	sync_returner();
	/* every buffer the model knows: its count is the model's, except the
	 * current fragment buffers, which carry the pool's bias */
	for (int i = 0; i < HASH_CAP; i++) {
		struct rec *r = &recs[i];

		if (!r->nm || (r->nm == r->ps->frag_nm && !r->ps->destroyed))
			continue;
		/* a record without references is only kept for a fragment
		 * buffer its pool still carves */
		if (!r->live)
			T_FAIL("stale record for %#lx", (unsigned long)r->nm);
		if (nm_netmem_ref_count(r->nm) != r->live)
			T_FAIL("buffer %#lx: count %ld, model %ld", (unsigned long)r->nm,
			       nm_netmem_ref_count(r->nm), r->live);
	}
	T_EQ(nm_page_pool_inflight(cur->pool), cur->bufs_live);
	T_OK(nm_page_pool_check(cur->pool));
	T_OK(nm_dmabuf_binding_check(bind4k));
	T_OK(nm_dmabuf_binding_check(bind64k));
}

static void op_destroy(void)
{
	struct pstate *ps = cur;
	bool synced = t_rand(&seed) & 1;
	int r;

	if (synced)
		sync_returner();
	/* the fragment buffer goes with the pool; its record stays while
	 * fragments of it are held */
	ps->destroyed = true;
	if (ps->frag_nm) {
		struct rec *f = rec_find(ps->frag_nm);

		if (f && !f->live)
			rec_del(f);
	}
	r = nm_page_pool_destroy(ps->pool);
	ndestroy++;
	if (synced)
		T_EQ(r, ps->bufs_live > 0 ? 1 : 0);
	else
		T_ASSERT(r == 0 || r == 1);
	new_pool();
}

int main(void)
{
	struct nm_physmap_stats pm0, pm;
	uint64_t maps0;
	pthread_t th;

	t_env_init(&env);
	T_OK(nm_physmap_get_stats(&pm0, sizeof(pm0)));
	maps0 = t_live_mappings(env.nic);
	bind4k = t_gpu_binding(&env, 256 * 4096, 4096);
	bind64k = t_gpu_binding(&env, 64 * 65536, 65536);
	T_OK(pthread_create(&th, NULL, returner, NULL));
	new_pool();

	for (uint64_t op = 0; op < OPS; op++) {
		uint64_t x = t_rand(&seed) % 1000;

		/* hold between ~0 and MAX_ITEMS items: allocate more when few */
		bool grow = nitems < 8 || (nitems < MAX_ITEMS - 8 &&
					   t_rand(&seed) % MAX_ITEMS > (uint64_t)nitems / 2 + 100);

		if (x == 0 && t_rand(&seed) % 50 == 0) {
			op_destroy();
		} else if (grow) {
			if (x < 450)
				op_alloc();
			else if (x < 900)
				op_alloc_frag();
			else
				op_alloc_bulk();
		} else if (x < 80) {
			op_ref();
		} else if (x < 450) {
			op_put(0);
		} else if (x < 850) {
			op_put(1);
		} else {
			op_put(2);
		}
		if (op % SYNC_EVERY == SYNC_EVERY - 1)
			check_all();
	}
	check_all();

	/* give everything back, half of it from the other thread */
	while (nitems)
		op_put(t_rand(&seed) % 3);
	sync_returner();
	T_EQ(cur->bufs_live, 0);
	T_EQ(nm_page_pool_inflight(cur->pool), 0);
	T_OK(nm_page_pool_check(cur->pool));
	cur->destroyed = true;
	T_EQ(nm_page_pool_destroy(cur->pool), 0);

	pthread_mutex_lock(&qlock);
	quit = true;
	pthread_cond_signal(&qcond);
	pthread_mutex_unlock(&qlock);
	T_OK(pthread_join(th, NULL));

	/* every pool is freed: the bindings are all free and referenced only by
	 * their creator, no host buffer is mapped, no block is left */
	T_EQ(nm_dmabuf_binding_avail(bind4k), nm_dmabuf_binding_num_niovs(bind4k));
	T_EQ(nm_dmabuf_binding_avail(bind64k), nm_dmabuf_binding_num_niovs(bind64k));
	T_EQ(nm_dmabuf_binding_refs(bind4k), 1);
	T_EQ(nm_dmabuf_binding_refs(bind64k), 1);
	T_EQ(t_live_mappings(env.nic), maps0 + 2);
	T_OK(nm_dmabuf_binding_unbind(bind4k));
	T_OK(nm_dmabuf_binding_unbind(bind64k));
	T_EQ(t_live_mappings(env.nic), maps0);
	T_OK(nm_physmap_get_stats(&pm, sizeof(pm)));
	T_EQ(pm.objects, pm0.objects);
	T_EQ(pm.ram_used, pm0.ram_used);
	for (int i = 0; i < HASH_CAP; i++)
		T_ASSERT(!recs[i].nm || !recs[i].live);
	for (int i = 0; i < nps; i++)
		free(all_ps[i]);
	printf("%llu ops, %d pools, %llu destroys, %llu ring puts, %llu -ENOMEM\n",
	       (unsigned long long)OPS, nps, (unsigned long long)ndestroy,
	       (unsigned long long)nring, (unsigned long long)nenomem);
	t_env_fini(&env);
	T_PASS();
}
