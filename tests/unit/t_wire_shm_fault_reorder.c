/* Reordering alone: about 1% of 100000 frames are held back and arrive
 * after the next frame that goes out; none is lost or doubled. */
#include "t_wire.h"

#define N 100000

int main(void)
{
	struct nm_wire_faults f = { .seed = 13, .reorder = 0.01 };
	struct t_wrun run;

	t_wfault_run(&f, N, &run);
	T_EQ(t_wcheck_holds(&run, N, 1), run.tx.inj_reordered);
	T_EQ(t_wstat_total_inj(&run.tx), run.tx.inj_reordered);
	t_wrate_ok("reorder", run.tx.inj_reordered, N, 0.01, 0.0015);
	free(run.got);
	T_PASS();
}
