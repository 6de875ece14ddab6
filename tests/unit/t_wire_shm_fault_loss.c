/* Loss alone: about 1% of 100000 frames vanish, exactly the ones counted
 * in inj_lost; the rest arrive intact and in order. */
#include "t_wire.h"

#define N 100000

int main(void)
{
	struct nm_wire_faults f = { .seed = 11, .loss = 0.01 };
	struct t_wrun run;
	uint64_t prev = 0;

	t_wfault_run(&f, N, &run);
	for (size_t k = 0; k < run.ngot; k++) {
		T_EQ(run.got[k].bitdiff, 0);
		T_ASSERT(k == 0 || run.got[k].seq > prev);
		prev = run.got[k].seq;
	}
	T_EQ(N - run.ngot, run.tx.inj_lost);
	T_EQ(t_wstat_total_inj(&run.tx), run.tx.inj_lost);
	t_wrate_ok("loss", run.tx.inj_lost, N, 0.01, 0.0015);
	free(run.got);
	T_PASS();
}
