/* Rate limit alone: sending 1500-byte frames as fast as possible through
 * a 20 MB/s limit delivers 20 MB/s within 10%, measured over half a second
 * after the first 0.1 s (which spends the initial 50 ms burst); the excess
 * is dropped and counted, never queued. */
#include <time.h>

#include "t_wire.h"

#define RATE 20000000ull	/* bytes per second */

int main(void)
{
	struct nm_wire_shm_params p = { .faults[0] = { .seed = 3, .rate_bps = RATE } };
	static uint8_t buf[1514], in[2048];
	struct nm_wire *a, *b;
	struct nm_wire_stats st;
	uint64_t t0, t1, tm = 0, bytes = 0, early = 0, seq = 0, next = 0;
	int r;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	t0 = t_now_ns();
	do {
		t_wfill(buf, sizeof(buf), seq++);
		T_OK(t_wire_send(a, buf, sizeof(buf), NULL));
		while ((r = t_wire_recv(b, in, sizeof(in), NULL)) > 0) {
			T_EQ(r, sizeof(buf));
			T_ASSERT(t_wseq(in) >= next);	/* drops, no reordering */
			next = t_wseq(in) + 1;
			if (tm)
				bytes += (uint64_t)r;
			else
				early++;
		}
		t1 = t_now_ns();
		if (!tm && t1 - t0 >= 100000000ull)
			tm = t1;	/* measure from here */
	} while (t1 - t0 < 600000000ull);

	double rate = (double)bytes / ((double)(t1 - tm) / 1e9);
	T_OK(nm_wire_get_stats(a, &st, sizeof(st)));
	printf("rate: %.0f bytes/s delivered (limit %llu), %llu of %llu frames dropped\n", rate,
	       (unsigned long long)RATE, (unsigned long long)st.inj_rate_dropped,
	       (unsigned long long)seq);
	T_ASSERT(rate > RATE * 0.9 && rate < RATE * 1.1);
	T_EQ(st.inj_rate_dropped + early + bytes / sizeof(buf), seq);
	T_ASSERT(st.inj_rate_dropped > 0);
	T_EQ(t_wstat_total_inj(&st), st.inj_rate_dropped);
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	T_PASS();
}
