/* Random adds, re-adds and in-order signals against a naive model: with
 * every timeline signaling in order (as real ones do), test_signaled(u) is
 * 1 exactly when every fence ever added with a usage <= u (its strongest
 * one) has signaled; pruning and replacement never lose a busy fence. */
#include <netmem/resv.h>
#include "dmabuf/fence_internal.h"
#include "util/err.h"
#include "t_util.h"

#define CTXS 4
#define PER_CTX 64
#define STEPS 20000

struct mfence {
	struct nm_fence *f;
	int added;	/* ever added */
	int usage;	/* strongest usage it was added with */
};

static struct mfence m[CTXS][PER_CTX];
static int created[CTXS], signaled[CTXS];	/* [0, signaled) are signaled */

static int model_test(int u)
{
	for (int c = 0; c < CTXS; c++)
		for (int s = signaled[c]; s < created[c]; s++)
			if (m[c][s].added && m[c][s].usage <= u)
				return 0;
	return 1;
}

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(CTXS), seed = 7;
	struct nm_resv *r;
	struct nm_fence *out[CTXS * PER_CTX], *added;
	int step, c, s, u, live, i;

	T_OK(nm_resv_create(&r));
	for (step = 0; step < STEPS; step++) {
		uint64_t x = t_rand(&seed);

		added = NULL;
		c = (int)(x % CTXS);
		u = (int)((x >> 8) % 4);
		switch ((x >> 16) % 3) {
		case 0:	/* add a new fence at the head of timeline c */
			if (created[c] == PER_CTX)
				break;
			s = created[c]++;
			T_OK(nm_fence_create(ctx + (uint64_t)c, (uint64_t)s, &m[c][s].f));
			__attribute__((fallthrough));	/* and add it */
		case 1:	/* (re-)add a random existing fence of timeline c */
			if (!created[c])
				break;
			if ((x >> 16) % 3 == 1)
				s = (int)((x >> 24) % (uint64_t)created[c]);
			else
				s = created[c] - 1;
			T_OK(nm_resv_add_fence(r, m[c][s].f, (enum nm_resv_usage)u));
			if (!m[c][s].added || u < m[c][s].usage)
				m[c][s].usage = u;
			m[c][s].added = 1;
			added = m[c][s].f;
			break;
		case 2:	/* signal the oldest busy fence of timeline c */
			if (signaled[c] < created[c])
				T_OK(nm_fence_signal(m[c][signaled[c]++].f, 0));
			break;
		}
		for (u = 0; u < 4; u++)
			T_EQ(nm_resv_test_signaled(r, (enum nm_resv_usage)u), model_test(u));
		T_OK(nm__resv_check(r));
		/* Adding prunes: right after an add, the only signaled entry
		 * can be the fence just added (re-added after its signal). */
		if (added) {
			live = T_OK(nm_resv_get_fences(r, NM_RESV_USAGE_BOOKKEEP, out, NULL,
						       NM_ARRAY_SIZE(out)));
			for (i = 0; i < live; i++) {
				T_ASSERT(!nm_fence_is_signaled(out[i]) || out[i] == added);
				nm_fence_put(out[i]);
			}
		}
		if (created[0] == PER_CTX && created[1] == PER_CTX &&
		    created[2] == PER_CTX && created[3] == PER_CTX)
			break;
	}
	nm_resv_destroy(r);
	for (c = 0; c < CTXS; c++) {
		for (s = 0; s < created[c]; s++) {
			T_EQ(nm__fence_refcount(m[c][s].f), 1);
			nm_fence_put(m[c][s].f);
		}
	}
	T_PASS();
}
