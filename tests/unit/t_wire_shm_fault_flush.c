/* Held frames are never lost: a lone reordered or delayed frame arrives
 * once the sender flushes (the stack's timer), or with later traffic; a
 * flush on a full ring keeps them held (-EAGAIN) and a later one delivers. */
#include "t_wire.h"

static uint8_t buf[2048], in[2048];

static void t_lone(const struct nm_wire_faults *f)
{
	struct nm_wire_shm_params p = { .faults[0] = *f };
	struct nm_wire *a, *b;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	t_wfill(buf, 100, 1);
	T_OK(t_wire_send(a, buf, 100, NULL));
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), -EAGAIN);	/* held */
	T_OK(nm_wire_shm_flush(a));
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), 100);
	T_EQ(t_wbitdiff(in, 100, 1), 0);
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), -EAGAIN);
	T_OK(nm_wire_shm_flush(a));		/* nothing held: no-op */
	T_OK(nm_wire_shm_flush(b));		/* no faults that way */
	nm_wire_destroy(a);
	nm_wire_destroy(b);
}

/* Reorder 50%: two frames; the held one follows the next that goes out. */
static void t_next_releases(void)
{
	struct nm_wire_shm_params p = { .faults[0] = { .seed = 1, .reorder = 0.5 } };
	struct nm_wire *a, *b;
	struct nm_wire_stats st;
	uint64_t seq = 0, got = 0;
	int r;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	/* send until something was held and something passed after it */
	do {
		t_wfill(buf, 80, seq);
		T_OK(t_wire_send(a, buf, 80, NULL));
		seq++;
		T_OK(nm_wire_get_stats(a, &st, sizeof(st)));
	} while (seq < 64 && st.inj_reordered == 0);
	T_ASSERT(st.inj_reordered > 0);
	T_OK(nm_wire_shm_flush(a));
	while ((r = t_wire_recv(b, in, sizeof(in), NULL)) > 0)
		got++;
	T_EQ(got, seq);
	nm_wire_destroy(a);
	nm_wire_destroy(b);
}

/* Every frame held, ring of 4: flush publishes what fits, -EAGAIN for the
 * rest, and a later flush the rest. */
static void t_flush_full(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 4, .faults[0] = { .seed = 2, .reorder = 1 } };
	struct nm_wire *a, *b;
	uint64_t got = 0;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	for (uint64_t s = 0; s < 10; s++) {
		t_wfill(buf, 100, s);
		T_OK(t_wire_send(a, buf, 100, NULL));
	}
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), -EAGAIN);
	T_ERR(nm_wire_shm_flush(a), -EAGAIN);
	while (got < 10) {
		int r = t_wire_recv(b, in, sizeof(in), NULL);

		if (r == -EAGAIN) {
			r = nm_wire_shm_flush(a);
			T_ASSERT(r == 0 || r == -EAGAIN);
			continue;
		}
		T_EQ(r, 100);
		T_EQ(t_wseq(in), got);	/* held in order, released in order */
		got++;
	}
	T_OK(nm_wire_shm_flush(a));
	T_OK(nm__wire_shm_assert_ok(a));
	nm_wire_destroy(a);
	nm_wire_destroy(b);
}

int main(void)
{
	struct nm_wire_faults reorder = { .seed = 5, .reorder = 1.0 };
	struct nm_wire_faults delay = { .seed = 6, .delay = 1.0, .delay_frames = 100 };

	t_lone(&reorder);
	t_lone(&delay);
	t_next_releases();
	t_flush_full();

	/* destroying a wire with held frames frees them (ASan checks) */
	struct nm_wire_shm_params p = { .faults[0] = reorder };
	struct nm_wire *a, *b;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	T_OK(t_wire_send(a, buf, 100, NULL));
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	T_PASS();
}
