/* The same seed gives the same delivered sequence, bit for bit, with every
 * (time-independent) fault on at once; another seed gives another. */
#include "t_wire.h"

#define N 30000

static bool t_same(const struct t_wrun *x, const struct t_wrun *y)
{
	if (x->ngot != y->ngot)
		return false;
	for (size_t k = 0; k < x->ngot; k++)
		if (x->got[k].seq != y->got[k].seq || x->got[k].len != y->got[k].len ||
		    x->got[k].bitdiff != y->got[k].bitdiff)
			return false;
	return true;
}

int main(void)
{
	struct nm_wire_faults f = { .seed = 0x5eed, .loss = 0.02, .dup = 0.02, .reorder = 0.02,
				    .corrupt = 0.02, .delay = 0.02, .delay_frames = 3 };
	struct t_wrun r1, r2, r3;

	t_wfault_run(&f, N, &r1);
	t_wfault_run(&f, N, &r2);
	f.seed++;
	t_wfault_run(&f, N, &r3);

	/* every kind fired */
	T_ASSERT(r1.tx.inj_lost && r1.tx.inj_dup && r1.tx.inj_reordered &&
		 r1.tx.inj_corrupted && r1.tx.inj_delayed);
	T_ASSERT(t_same(&r1, &r2));
	T_ASSERT(memcmp(&r1.tx, &r2.tx, sizeof(r1.tx)) == 0);
	T_ASSERT(!t_same(&r1, &r3));
	/* what went in came out, give or take what the stats explain */
	T_EQ(r1.ngot, N - r1.tx.inj_lost + r1.tx.inj_dup);
	free(r1.got);
	free(r2.got);
	free(r3.got);
	T_PASS();
}
