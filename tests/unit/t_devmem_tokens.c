/* The per-socket devmem token table and SO_DEVMEM_DONTNEED semantics:
 * tokens from 1, reuse, unknown tokens skipped, optlen rules, the 1024-frag
 * cap per call, a random model run, and zero in flight at the end. */
#include "t_util.h"
#include "pool/page_pool.h"
#include "sock/devmem_tokens.h"
#include <netmem/pci.h>

#define N 4096

static nm_netmem_t grab(struct nm_page_pool *pp)
{
	nm_netmem_t nm;

	T_OK(nm_page_pool_alloc_netmem(pp, &nm));
	return nm;
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_page_pool *pp;
	struct nm_page_pool_params pr = { .pool_size = 1024, .dir = NM_DMA_FROM_DEVICE };
	struct nm_token_table t;
	uint32_t tok, toks[N];

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	pr.dev = nic;
	T_OK(nm_page_pool_create(&pr, &pp));
	nm_tokens_init(&t);

	/* tokens count from 1 and are reused once returned */
	T_OK(nm_tokens_add(&t, grab(pp), &tok));
	T_EQ(tok, 1);
	T_OK(nm_tokens_add(&t, grab(pp), &tok));
	T_EQ(tok, 2);
	T_OK(nm_tokens_put(&t, 1));
	T_ERR(nm_tokens_put(&t, 1), -ENOENT);
	T_ERR(nm_tokens_put(&t, 0), -ENOENT);
	T_ERR(nm_tokens_put(&t, 99), -ENOENT);
	T_OK(nm_tokens_add(&t, grab(pp), &tok));
	T_EQ(tok, 1);
	T_EQ(nm_page_pool_inflight(pp), 2);

	/* optlen rules */
	struct dmabuf_token d[130];
	T_ERR(nm_tokens_dontneed(&t, d, 7), -EINVAL);
	T_ERR(nm_tokens_dontneed(&t, d, 129 * sizeof(d[0])), -EINVAL);
	T_ERR(nm_tokens_dontneed(&t, NULL, 8), -EFAULT);
	T_EQ(nm_tokens_dontneed(&t, d, 0), 0);
	/* a run covering both plus unknown ones: 2 freed */
	d[0] = (struct dmabuf_token){ 1, 5 };
	T_EQ(nm_tokens_dontneed(&t, d, sizeof(d[0])), 2);
	T_EQ(nm_page_pool_inflight(pp), 0);
	T_EQ(t.used, 0);

	/* at most 1024 frags per call, the rest stay outstanding */
	for (int i = 0; i < 2000; i++)
		T_OK(nm_tokens_add(&t, grab(pp), &toks[i]));
	d[0] = (struct dmabuf_token){ toks[0], 0 };
	uint32_t lo = toks[0], hi = toks[0];
	for (int i = 0; i < 2000; i++) {
		lo = toks[i] < lo ? toks[i] : lo;
		hi = toks[i] > hi ? toks[i] : hi;
	}
	T_EQ(hi - lo + 1, 2000);	/* fresh tokens are consecutive */
	d[0] = (struct dmabuf_token){ lo, 2000 };
	T_EQ(nm_tokens_dontneed(&t, d, sizeof(d[0])), 1024);
	T_EQ(t.used, 2000 - 1024);
	/* 128 single-token entries */
	for (int i = 0; i < 128; i++)
		d[i] = (struct dmabuf_token){ lo + 1024 + (uint32_t)i, 1 };
	T_EQ(nm_tokens_dontneed(&t, d, 128 * sizeof(d[0])), 128);
	T_EQ(t.used, 2000 - 1024 - 128);

	/* random model: a bitmap of outstanding tokens */
	static uint8_t out[1 << 16];
	uint64_t seed = 11;
	memset(out, 0, sizeof(out));
	for (uint32_t i = lo + 1024 + 128; i <= hi; i++)
		out[i] = 1;
	for (int it = 0; it < 300000; it++) {
		uint32_t r = (uint32_t)(t_rand(&seed) % 4);

		if (r < 2 && t.used < N) {
			T_OK(nm_tokens_add(&t, grab(pp), &tok));
			T_ASSERT(tok < sizeof(out) && !out[tok]);
			out[tok] = 1;
		} else if (r == 2) {
			uint32_t k = 1 + (uint32_t)(t_rand(&seed) % (t.hwm + 2));
			int ret = nm_tokens_put(&t, k);
			T_EQ(ret, out[k] ? 0 : -ENOENT);
			out[k] = 0;
		} else {
			struct dmabuf_token e = { 1 + (uint32_t)(t_rand(&seed) % (t.hwm + 2)),
						  (uint32_t)(t_rand(&seed) % 8) };
			int want = 0;
			for (uint32_t j = 0; j < e.token_count; j++)
				if (e.token_start + j < sizeof(out) && out[e.token_start + j]) {
					out[e.token_start + j] = 0;
					want++;
				}
			T_EQ(nm_tokens_dontneed(&t, &e, sizeof(e)), want);
		}
	}
	uint32_t model_used = 0;
	for (size_t i = 0; i < sizeof(out); i++)
		model_used += out[i];
	T_EQ(t.used, model_used);
	T_EQ(nm_page_pool_inflight(pp), model_used);
	/* close returns every outstanding token */
	nm_tokens_fini(&t);
	T_EQ(nm_page_pool_inflight(pp), 0);
	T_OK(nm_page_pool_check(pp));
	T_EQ(nm_page_pool_destroy(pp), 0);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
