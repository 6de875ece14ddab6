/* SPDX-License-Identifier: MIT */
/*
 * Lending frames on the shm wire (nm_wire_hold/nm_wire_release): a held
 * frame's bytes stay intact while the producer keeps sending, however far
 * it goes; its room comes back only when it is released; frames consumed
 * behind a held one are freed with it; releases go oldest first; the
 * wire says when what a held frame blocks is half of its arena or of its
 * ring (pressure); bad calls are refused with a
 * message and change nothing.  The invariants hold after every step.
 */
#include "t_util.h"
#include "t_wire.h"
#include "nic/wire_drv.h"
#include "nic/wire_shm.h"

#define FRAME	3000u
#define ARENA	(64u << 10)	/* 21 frames of 3008 arena bytes */

static uint8_t buf[FRAME];

/* Send frames seq, seq + 1, ... until the wire is full; how many went. */
static uint32_t fill(struct nm_wire *a, uint64_t *seq)
{
	uint32_t n = 0;
	int r;

	for (;;) {
		t_wfill(buf, FRAME, *seq);
		r = t_wire_send(a, buf, FRAME, NULL);
		if (r == -EAGAIN)
			return n;
		T_OK(r);
		(*seq)++;
		n++;
	}
}

/* Peek the next frame: it must be seq, intact. */
static const uint8_t *peek(struct nm_wire *b, uint64_t seq)
{
	const uint8_t *f;
	uint32_t len;

	T_EQ(nm_wire_peek(b, &f, &len, NULL), (int)FRAME);
	T_EQ(t_wseq(f), seq);
	T_EQ(t_wbitdiff(f, len, seq), 0);
	return f;
}

int main(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 64, .arena_bytes = ARENA, .mtu = 9000 };
	const uint8_t *held0, *held2;
	struct nm_wire *a, *b;
	struct nm_wire_stats st;
	uint64_t seq = 0, next = 0;
	uint32_t first, n;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	T_ASSERT(nm_wire_can_lend(b));
	T_ASSERT(!nm_wire_can_lend(NULL));

	/* nothing peeked, nothing held */
	T_ERR(nm_wire_hold(b), -EINVAL);
	T_OK(nm_wire_release(b, 0));
	T_ERR(nm_wire_release(b, 1), -EINVAL);
	T_ERR(nm_wire_hold(NULL), -EINVAL);

	first = fill(a, &seq);
	T_ASSERT(first >= 20);

	/* hold 0, consume 1 behind it, hold 2 */
	held0 = peek(b, next++);
	T_EQ(nm_wire_hold(b), 0);
	peek(b, next++);
	T_OK(nm_wire_consume(b));
	held2 = peek(b, next++);
	T_EQ(nm_wire_hold(b), 0);
	T_OK(nm__wire_shm_assert_ok(b));
	T_ERR(nm_wire_release(b, 3), -EINVAL);	/* two are held */
	T_OK(nm__wire_shm_assert_ok(b));

	/* consume everything else: the producer still gets no room, the
	 * oldest frame is lent */
	while (next < seq) {
		peek(b, next++);
		T_OK(nm_wire_consume(b));
	}
	T_EQ(fill(a, &seq), 0);
	T_EQ(t_wbitdiff(held0, FRAME, 0), 0);
	T_EQ(t_wbitdiff(held2, FRAME, 2), 0);

	/* releasing the oldest frees it and frame 1 behind it (two frames'
	 * room), not frame 2's */
	T_OK(nm_wire_release(b, 1));
	T_OK(nm__wire_shm_assert_ok(b));
	n = fill(a, &seq);
	T_ASSERT(n >= 1 && n <= 2);
	T_EQ(t_wbitdiff(held2, FRAME, 2), 0);	/* not overwritten */
	/* the rest comes back with frame 2 */
	while (next < seq) {
		peek(b, next++);
		T_OK(nm_wire_consume(b));
	}
	T_OK(nm_wire_release(b, 1));
	T_OK(nm__wire_shm_assert_ok(b));
	n = fill(a, &seq);
	T_ASSERT(n + 1 >= first);

	/* lending more than half the arena says so */
	{
		int r = 0;
		uint32_t lent = 0;

		while (next < seq && r == 0) {
			peek(b, next++);
			r = nm_wire_hold(b);
			T_ASSERT(r >= 0);
			lent++;
		}
		T_EQ(r, 1);
		T_EQ(lent, ARENA / 2 / 3008 + 1);
		T_OK(nm_wire_release(b, lent));
	}
	while (next < seq) {
		peek(b, next++);
		T_OK(nm_wire_consume(b));
	}
	T_OK(nm__wire_shm_assert_ok(b));

	/* one lent frame, then small frames consumed behind it: they count
	 * too (half the ring's slots blocked is pressure), or a producer of
	 * small frames would stall on a full ring with no pressure seen */
	{
		const uint8_t *f;
		uint32_t len;
		int i;

		t_wfill(buf, FRAME, seq);
		T_OK(t_wire_send(a, buf, FRAME, NULL));
		peek(b, seq++);
		next++;
		T_EQ(nm_wire_hold(b), 0);
		for (i = 0; i < 40; i++) {
			t_wfill(buf, 100, seq + (uint64_t)i);
			T_OK(t_wire_send(a, buf, 100, NULL));
			T_EQ(nm_wire_peek(b, &f, &len, NULL), 100);
			T_OK(nm_wire_consume(b));
			if (i == 30)
				T_EQ(nm_wire_release(b, 0), 0);	/* 32 of 64 */
		}
		seq += (uint64_t)i;
		next += (uint64_t)i;
		T_EQ(nm_wire_release(b, 0), 1);	/* 41 of 64 slots */
		T_OK(nm__wire_shm_assert_ok(b));
		T_EQ(nm_wire_release(b, 1), 0);	/* all of them back */
		T_ASSERT(fill(a, &seq) + 1 >= first);
		while (next < seq) {
			peek(b, next++);
			T_OK(nm_wire_consume(b));
		}
	}
	T_OK(nm__wire_shm_assert_ok(b));
	T_OK(nm_wire_get_stats(b, &st, sizeof(st)));
	T_EQ(st.rx_frames, seq);
	T_EQ(st.rx_invalid, 0);
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	T_PASS();
}
