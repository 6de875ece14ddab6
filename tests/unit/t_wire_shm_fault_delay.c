/* Delay alone: about 1% of 100000 frames are held back until 5 later
 * frames went out; none is lost or doubled. */
#include "t_wire.h"

#define N 100000

int main(void)
{
	struct nm_wire_faults f = { .seed = 14, .delay = 0.01, .delay_frames = 5 };
	struct t_wrun run;

	t_wfault_run(&f, N, &run);
	T_EQ(t_wcheck_holds(&run, N, 5), run.tx.inj_delayed);
	T_EQ(t_wstat_total_inj(&run.tx), run.tx.inj_delayed);
	t_wrate_ok("delay", run.tx.inj_delayed, N, 0.01, 0.0015);
	free(run.got);
	T_PASS();
}
