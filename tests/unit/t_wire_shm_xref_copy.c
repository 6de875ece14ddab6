/* SPDX-License-Identifier: MIT */
/*
 * References across processes fall back to the arena copy where the peer
 * cannot map the payload's memory: process A (creator) sends frames whose
 * payload lies in anonymous host memory, in a memfd not sealed against
 * shrinking, in 64 sealed memfds (the table of shared objects fills), in a
 * 65th sealed memfd (table full) and again in the first sealed one.  The
 * first two and the 65th go into the arena (tx_ref_copied, their
 * references released at once), the others by reference, each object's
 * memfd sent once; the unsealed memfd's frame is sent EXTRA times more,
 * copied without asking the engine index again (a refused object is
 * remembered);
 * process B receives every frame byte-exact, and A gets every reference
 * back.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mem/mem_internal.h"
#include "nic/wire_shm.h"
#include "t_wire.h"
#include "t_xproc.h"

#define OBJ_SIZE	(8u << 10)
#define HDR_LEN		64u
#define PAY_LEN		2000u
#define PAY_OFF		100u
#define NSEALED		(NM_SHM_XOBJ_MAX + 1)
#define NOBJ		(2 + NSEALED)		/* anon, unsealed, sealed ones */
#define NFRAMES		(NOBJ + 1)		/* and the first sealed one again */
#define EXTRA		3			/* then the unsealed one again */

static uint8_t t_byte(uint32_t obj, uint64_t i)
{
	return (uint8_t)(obj * 31 + i * 7 + (i >> 8));
}

/* B: every frame, headers naming the object its payload came from. */
static int t_child(void *arg, int to_a, int from_a)
{
	static uint8_t got[HDR_LEN + PAY_LEN + 64];
	const char *name = arg;
	struct nm_wire_stats st;
	struct nm_wire *w = t_xp_connect(name);

	nm_wire_rx_want_ref(w, true);
	T_EQ(write(to_a, "R", 1), 1);
	t_xp_expect(from_a, 'F');
	for (int k = 0; k < NFRAMES + EXTRA; k++) {
		uint32_t obj;

		T_EQ(t_wire_recv(w, got, sizeof(got), NULL), (int)(HDR_LEN + PAY_LEN));
		memcpy(&obj, got, sizeof(obj));
		T_ASSERT(obj < NOBJ);
		for (uint32_t i = 0; i < PAY_LEN; i++)
			if (got[HDR_LEN + i] != t_byte(obj, PAY_OFF + i))
				T_FAIL("frame %d (object %u) byte %u", k, obj, i);
	}
	T_EQ(t_wire_recv(w, got, sizeof(got), NULL), -EAGAIN);
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	printf("B: %llu frames, %llu by reference, %llu objects mapped\n",
	       (unsigned long long)st.rx_frames, (unsigned long long)st.rx_refs,
	       (unsigned long long)st.ref_objs);
	T_EQ(st.rx_refs, NFRAMES - 3);
	T_EQ(st.ref_objs, NM_SHM_XOBJ_MAX);
	T_EQ(st.rx_invalid, 0);
	T_EQ(write(to_a, "D", 1), 1);
	nm_wire_destroy(w);
	return 0;
}

int main(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 256, .arena_bytes = 1 << 20, .mtu = 9000 };
	static struct nm_memobj *objs[NOBJ];
	struct nm_wire_stats st;
	int from_b, to_b, status, released = 0;
	uint64_t lookups = 0;
	struct nm_wire *w;
	char name[64];
	pid_t pid;

	T_XP_NEED_REFS();
	pid = t_xp_fork(t_child, name, &from_b, &to_b, name);
	T_OK(nm_memobj_create_anon(OBJ_SIZE, 0, &objs[0]));
	for (uint64_t i = 0; i < OBJ_SIZE; i++)	/* through the engine: no CPU view */
		nm_memobj_engine_addr(objs[0], 0)[i] = t_byte(0, i);
	objs[1] = t_xp_memfd_obj(OBJ_SIZE, false, t_byte, 1);
	for (uint32_t j = 2; j < NOBJ; j++)
		objs[j] = t_xp_memfd_obj(OBJ_SIZE, true, t_byte, j);
	T_OK(nm_wire_shm_create(name, &p, 10000, &w));
	t_xp_expect(from_b, 'R');
	for (int k = 0; k < NFRAMES + EXTRA; k++) {
		/* anon, unsealed, unsealed EXTRA times, the sealed ones, the
		 * first sealed one again */
		uint32_t j = k < 2 ? (uint32_t)k : k < 2 + EXTRA ? 1
			   : k < NOBJ + EXTRA ? (uint32_t)(k - EXTRA) : 2;
		uint8_t hdr[HDR_LEN] = { 0 };
		struct iovec h = { hdr, HDR_LEN };
		uint8_t *src = nm_memobj_engine_addr(objs[j], PAY_OFF);
		struct nm_wire_ref ref = { .iov = { { src, 700 }, { src + 700, PAY_LEN - 700 } },
					   .n = 2, .len = PAY_LEN, .release = t_xp_count,
					   .arg = &released };

		memcpy(hdr, &j, sizeof(j));
		T_OK(nm_wire_xmit_ref(w, &h, 1, &ref, NULL));
		if (k == 1)
			lookups = nm__shm_xref_lookups(nm_shm_wire_of(w));
		if (k == 1 + EXTRA)	/* the unsealed one's later frames: not looked up */
			T_EQ(nm__shm_xref_lookups(nm_shm_wire_of(w)), lookups);
	}
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	/* anon, unsealed (1 + EXTRA), the 65th sealed: copied, released at once */
	T_EQ(st.tx_ref_copied, 3 + EXTRA);
	T_EQ(released, 3 + EXTRA);
	T_EQ(st.tx_refs, NFRAMES - 3);
	T_EQ(st.ref_objs, NM_SHM_XOBJ_MAX);
	T_OK(nm__wire_shm_assert_ok(w));	/* the full table included */
	T_EQ(write(to_b, "F", 1), 1);
	t_xp_expect(from_b, 'D');
	nm_wire_tx_complete(w);
	T_EQ(released, NFRAMES + EXTRA);
	T_EQ(nm__wire_shm_refs_out(w), 0);
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	nm_wire_destroy(w);	/* puts the shared objects */
	for (uint32_t j = 0; j < NOBJ; j++)
		nm_memobj_put(objs[j]);
	close(from_b);
	close(to_b);
	T_PASS();
}
