/* Duplication alone: about 1% of 100000 frames arrive twice, back to back,
 * exactly inj_dup of them; every frame arrives, intact and in order. */
#include "t_wire.h"

#define N 100000

int main(void)
{
	struct nm_wire_faults f = { .seed = 12, .dup = 0.01 };
	struct t_wrun run;
	uint64_t next = 0, twice = 0;

	t_wfault_run(&f, N, &run);
	for (size_t k = 0; k < run.ngot; k++) {
		T_EQ(run.got[k].bitdiff, 0);
		if (k > 0 && run.got[k].seq == run.got[k - 1].seq) {
			T_ASSERT(k < 2 || run.got[k - 2].seq != run.got[k].seq);	/* not thrice */
			twice++;
			continue;
		}
		T_EQ(run.got[k].seq, next);
		next++;
	}
	T_EQ(next, N);
	T_EQ(twice, run.tx.inj_dup);
	T_EQ(run.ngot, N + run.tx.inj_dup);
	T_EQ(t_wstat_total_inj(&run.tx), run.tx.inj_dup);
	t_wrate_ok("dup", run.tx.inj_dup, N, 0.01, 0.0015);
	free(run.got);
	T_PASS();
}
