/* The range allocator against a bitmap model under random alloc/free. */
#include "t_util.h"
#include "util/range.h"

#define SPACE 4096	/* units */

int main(void)
{
	static unsigned char model[SPACE];
	struct nm_range_alloc ra;
	struct { uint64_t s, l; } live[512];
	int nlive = 0;
	uint64_t seed = 42, used = 0;

	T_EQ(nm_range_init(&ra, 1000, SPACE), 0);
	T_EQ(nm_range_init(&(struct nm_range_alloc){0}, 0, 0), -EINVAL);
	for (int it = 0; it < 200000; it++) {
		if (nlive < 512 && (t_rand(&seed) & 1)) {
			uint64_t len = 1 + t_rand(&seed) % 64, align = 1ull << (t_rand(&seed) % 4), s;
			int r = nm_range_alloc(&ra, len, align, &s);

			if (r == -ENOSPC)
				continue;
			T_EQ(r, 0);
			T_ASSERT(s >= 1000 && s + len <= 1000 + SPACE && s % align == 0);
			for (uint64_t u = s - 1000; u < s - 1000 + len; u++) {
				T_ASSERT(!model[u]);
				model[u] = 1;
			}
			live[nlive].s = s;
			live[nlive++].l = len;
			used += len;
		} else if (nlive) {
			int k = (int)(t_rand(&seed) % (uint64_t)nlive);

			T_EQ(nm_range_free(&ra, live[k].s, live[k].l), 0);
			/* double free is refused */
			T_EQ(nm_range_free(&ra, live[k].s, live[k].l), -EINVAL);
			for (uint64_t u = live[k].s - 1000; u < live[k].s - 1000 + live[k].l; u++)
				model[u] = 0;
			used -= live[k].l;
			live[k] = live[--nlive];
		}
		T_EQ(ra.used, used);
		for (uint32_t i = 1; i < ra.nr; i++)	/* sorted, merged */
			T_ASSERT(ra.free[i - 1].start + ra.free[i - 1].len < ra.free[i].start);
	}
	while (nlive) {
		nlive--;
		T_EQ(nm_range_free(&ra, live[nlive].s, live[nlive].l), 0);
	}
	T_EQ(ra.nr, 1);
	T_EQ(ra.free[0].len, SPACE);
	T_EQ(nm_range_free(&ra, 10, 5), -EINVAL);	/* outside */
	uint64_t s;
	T_EQ(nm_range_alloc(&ra, 0, 1, &s), -EINVAL);
	T_EQ(nm_range_alloc(&ra, 1, 3, &s), -EINVAL);
	T_EQ(nm_range_alloc(&ra, SPACE + 1, 1, &s), -ENOSPC);
	nm_range_fini(&ra);
	T_PASS();
}
