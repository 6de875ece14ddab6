/* Fragments: 1448-byte payloads pack 2 per 4 KiB buffer and 45 per 64 KiB
 * (host pages and 64 KiB net_iovs); offsets never overlap; a buffer
 * recycles only after its last fragment is put, whatever the order. */
#include "t_pool.h"

#define FRAG 1448

struct frag {
	nm_netmem_t nm;
	uint32_t off;
};

static void check_pool(struct nm_page_pool *pool, uint32_t per_buf)
{
	uint32_t bs = nm_page_pool_buf_size(pool), nbuf = 6, n = per_buf * nbuf, i, j;
	struct frag *f = calloc(n, sizeof(*f));
	struct nm_page_pool_stats st0, st;

	T_OK(nm_page_pool_get_stats(pool, &st0));
	for (i = 0; i < n; i++) {
		T_OK(nm_page_pool_alloc_frag(pool, FRAG, &f[i].nm, &f[i].off));
		T_ASSERT(f[i].off + FRAG <= bs);
		/* the k-th fragment of a buffer starts at k * FRAG */
		T_EQ(f[i].off, (i % per_buf) * FRAG);
		if (i % per_buf)
			T_ASSERT(f[i].nm == f[i - 1].nm);
		else if (i)
			T_ASSERT(f[i].nm != f[i - 1].nm);
		if (nm_netmem_is_readable(f[i].nm))
			memset((char *)nm_netmem_address(f[i].nm) + f[i].off, (int)(i & 0xff), FRAG);
	}
	/* distinct buffers, and no two fragments overlap */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (f[i].nm == f[j].nm)
				T_ASSERT(f[i].off + FRAG <= f[j].off || f[j].off + FRAG <= f[i].off);
	for (i = 0; i < n; i++)
		if (nm_netmem_is_readable(f[i].nm)) {
			const unsigned char *p = (const unsigned char *)nm_netmem_address(f[i].nm) + f[i].off;

			T_EQ(p[0], i & 0xff);
			T_EQ(p[FRAG - 1], i & 0xff);
		}
	T_OK(nm_page_pool_get_stats(pool, &st));
	T_EQ(st.alloc_frag - st0.alloc_frag, n);
	/* nbuf buffers out: the last one is still carved, the rest are full */
	T_EQ(nm_page_pool_inflight(pool), nbuf);

	/* put the first buffer's fragments from last to first: it must not be
	 * recycled until the very last one */
	for (j = per_buf; j-- > 1;) {
		T_OK(nm_page_pool_put_netmem(pool, f[j].nm, true));
		T_EQ(nm_netmem_ref_count(f[0].nm), j);
		T_EQ(nm_page_pool_inflight(pool), nbuf);
	}
	T_OK(nm_page_pool_get_stats(pool, &st0));
	T_OK(nm_page_pool_put_netmem(pool, f[0].nm, true));
	T_EQ(nm_netmem_ref_count(f[0].nm), 0);
	T_EQ(nm_page_pool_inflight(pool), nbuf - 1);
	T_OK(nm_page_pool_get_stats(pool, &st));
	T_EQ(st.recycle_cached, st0.recycle_cached + 1);
	T_OK(nm_page_pool_check(pool));

	/* a recycled buffer is handed out again whole and untouched count */
	nm_netmem_t w;
	T_OK(nm_page_pool_alloc_netmem(pool, &w));
	T_ASSERT(w == f[0].nm);		/* LIFO cache */
	T_EQ(nm_netmem_ref_count(w), 1);
	T_OK(nm_page_pool_put_netmem(pool, w, true));

	/* the rest, interleaved across buffers; the current buffer, all of
	 * its fragments back, is no longer in flight though the pool still
	 * holds it for carving */
	for (i = per_buf; i < n; i++)
		T_OK(nm_page_pool_put_netmem(pool, f[i].nm, (i & 1) != 0));
	T_EQ(nm_page_pool_inflight(pool), 0);
	T_OK(nm_page_pool_check(pool));
	/* the next fragment continues the current buffer: it has room for no
	 * more, so a new buffer starts and the old one recycles */
	struct frag g;
	T_OK(nm_page_pool_alloc_frag(pool, FRAG, &g.nm, &g.off));
	T_EQ(g.off, 0);
	T_EQ(nm_page_pool_inflight(pool), 1);
	T_OK(nm_page_pool_put_netmem(pool, g.nm, true));
	/* a whole-buffer-sized fragment takes a buffer by itself */
	T_OK(nm_page_pool_alloc_frag(pool, bs, &g.nm, &g.off));
	T_EQ(g.off, 0);
	T_OK(nm_page_pool_alloc_frag(pool, 1, &w, &i));
	T_ASSERT(w != g.nm);
	T_EQ(i, 0);
	T_OK(nm_page_pool_put_netmem(pool, g.nm, true));
	T_OK(nm_page_pool_put_netmem(pool, w, true));
	T_EQ(nm_page_pool_inflight(pool), 0);
	T_OK(nm_page_pool_check(pool));
	free(f);
}

int main(void)
{
	struct t_env e;
	struct nm_page_pool *p4k, *p64k, *pd;
	struct nm_dmabuf_binding *b;

	T_EQ(4096 / FRAG, 2);
	T_EQ(65536 / FRAG, 45);
	t_env_init(&e);
	p4k = t_host_pool(e.nic, 0, 0, NULL);
	p64k = t_host_pool(e.nic, 4, 0, NULL);
	b = t_gpu_binding(&e, 1 << 20, 65536);
	pd = t_dmabuf_pool(b, 0);
	T_EQ(nm_page_pool_buf_size(pd), 65536);

	check_pool(p4k, 2);
	check_pool(p64k, 45);
	check_pool(pd, 45);

	T_EQ(nm_page_pool_destroy(p4k), 0);
	T_EQ(nm_page_pool_destroy(p64k), 0);
	T_EQ(nm_page_pool_destroy(pd), 0);
	T_EQ(nm_dmabuf_binding_avail(b), nm_dmabuf_binding_num_niovs(b));
	T_OK(nm_dmabuf_binding_unbind(b));
	t_env_fini(&e);
	T_PASS();
}
