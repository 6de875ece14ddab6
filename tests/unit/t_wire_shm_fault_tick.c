/* SPDX-License-Identifier: MIT */
/*
 * The injector's tick bounds how long a frame stays held (reorder, delay)
 * when no later frame comes to release it: a tick releases what waited
 * NM_SHM_HOLD_MAX_US, nothing younger, and an idle tick (the endpoint's
 * stack is about to sleep) everything, in the order held.  A wire without
 * faults ignores it.  (Before, such a frame waited for the sender's next
 * one: for TCP, the retransmission after a timeout.)
 */
#include <stdbool.h>
#include <unistd.h>

#include "nic/wire_shm.h"
#include "t_util.h"
#include "t_wire.h"

static uint8_t buf[2048], in[2048];

int main(void)
{
	struct nm_wire_shm_params p = { .faults[0] = { .seed = 9, .reorder = 1 } };
	struct nm_wire *a, *b;
	struct nm_shm_wire *ea;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	ea = nm_shm_wire_of(a);

	/* a lone held frame: young, it stays; old enough, it goes.  "Young"
	 * is timed: a pass that was preempted for longer than the hold (a
	 * loaded machine, ctest -j) proves nothing, so it is flushed and run
	 * again, a bounded number of times */
	uint64_t seq = 0;
	bool young = false;

	for (int tries = 0; tries < 200 && !young; tries++) {
		uint64_t t0 = t_now_us();
		int r;

		t_wfill(buf, 100, ++seq);
		T_OK(t_wire_send(a, buf, 100, NULL));
		T_OK(nm__shm_inj_tick(ea, false));
		r = t_wire_recv(b, in, sizeof(in), NULL);
		if (t_now_us() - t0 < NM_SHM_HOLD_MAX_US) {
			T_EQ(r, -EAGAIN);	/* ticked younger than the hold */
			young = true;
			break;
		}
		T_OK(nm__shm_inj_tick(ea, true));
		while (t_wire_recv(b, in, sizeof(in), NULL) > 0)
			;
	}
	T_ASSERT(young);
	usleep(2 * NM_SHM_HOLD_MAX_US);
	T_OK(nm__shm_inj_tick(ea, false));
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), 100);
	T_EQ(t_wseq(in), seq);
	T_EQ(nm__shm_inj_held(ea->inj), 0);

	/* several held (every frame draws a hold here): an idle tick sends
	 * them all, oldest first */
	for (uint64_t s = seq + 1; s < seq + 4; s++) {
		t_wfill(buf, 80, s);
		T_OK(t_wire_send(a, buf, 80, NULL));
	}
	T_EQ(nm__shm_inj_held(ea->inj), 3);
	T_OK(nm__shm_inj_tick(ea, true));
	for (uint64_t s = seq + 1; s < seq + 4; s++) {
		T_EQ(t_wire_recv(b, in, sizeof(in), NULL), 80);
		T_EQ(t_wseq(in), s);
		T_EQ(t_wbitdiff(in, 80, s), 0);
	}
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), -EAGAIN);

	/* no faults that way: nothing to do */
	T_OK(nm__shm_inj_tick(nm_shm_wire_of(b), true));
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	T_PASS();
}
