/* Corruption alone: about 1% of 100000 frames arrive with exactly one bit
 * flipped (inj_corrupted of them), all others intact; all in order. */
#include "t_wire.h"

#define N 100000

int main(void)
{
	struct nm_wire_faults f = { .seed = 15, .corrupt = 0.01 };
	struct t_wrun run;
	uint64_t bad = 0, in_seq = 0;

	t_wfault_run(&f, N, &run);
	T_EQ(run.ngot, N);
	for (size_t k = 0; k < run.ngot; k++) {
		uint32_t d = run.got[k].bitdiff_pos;	/* against frame number k */

		T_EQ(run.got[k].len, t_wlen(k));
		if (d != 0)
			T_EQ(d, 1);
		bad += d;
		in_seq += run.got[k].seq != k;	/* the flip hit the number itself */
	}
	T_EQ(bad, run.tx.inj_corrupted);
	T_ASSERT(in_seq < bad);
	T_EQ(t_wstat_total_inj(&run.tx), run.tx.inj_corrupted);
	t_wrate_ok("corrupt", run.tx.inj_corrupted, N, 0.01, 0.0015);
	free(run.got);
	T_PASS();
}
