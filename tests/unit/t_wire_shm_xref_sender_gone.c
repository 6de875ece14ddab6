/* SPDX-License-Identifier: MIT */
/*
 * A sender that dies leaves its referenced frames readable: process B
 * (connector) publishes frames whose payload it references in a sealed
 * memfd object, closes every fd of its own to that memfd and is SIGKILLed
 * before process A (creator) reads anything.  A then reads every frame
 * byte-exact by reference: its mapping of the memfd keeps the pages.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mem/mem_internal.h"
#include "nic/wire_shm.h"
#include "t_wire.h"
#include "t_xproc.h"

#define OBJ_SIZE	(64u << 10)
#define HDR_LEN		64u
#define PAY_LEN		4000u
#define NFRAMES		10

static uint8_t t_byte(uint32_t tag, uint64_t i)
{
	(void)tag;
	return (uint8_t)(i * 11 + (i >> 9));
}

/* B: publish NFRAMES referenced frames, then die without a word. */
static int t_child(void *arg, int to_a, int from_a)
{
	const char *name = arg;
	struct nm_wire *w = t_xp_connect(name);
	/* its fds are the object's alone: they die with us */
	struct nm_memobj *obj = t_xp_memfd_obj(OBJ_SIZE, true, t_byte, 0);
	int released = 0;

	(void)from_a;
	for (int k = 0; k < NFRAMES; k++) {
		uint8_t hdr[HDR_LEN] = { (uint8_t)k };
		struct iovec h = { hdr, HDR_LEN };
		uint8_t *src = nm_memobj_engine_addr(obj, (uint64_t)k * 5000);
		struct nm_wire_ref ref = { .iov = { { src, PAY_LEN } }, .n = 1, .len = PAY_LEN,
					   .release = t_xp_count, .arg = &released };

		T_OK(nm_wire_xmit_ref(w, &h, 1, &ref, NULL));
	}
	T_EQ(write(to_a, "S", 1), 1);
	raise(SIGKILL);
	return 1;
}

int main(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 64, .arena_bytes = 1 << 20, .mtu = 9000 };
	static uint8_t got[HDR_LEN + PAY_LEN];
	struct nm_wire_stats st;
	int from_b, to_b, status;
	struct nm_wire *w;
	char name[64];
	pid_t pid;

	T_XP_NEED_REFS();
	pid = t_xp_fork(t_child, name, &from_b, &to_b, name);
	T_OK(nm_wire_shm_create(name, &p, 10000, &w));
	T_ASSERT(nm_shm_wire_of(w)->xr != NULL);	/* both sides agreed */
	nm_wire_rx_want_ref(w, true);
	t_xp_expect(from_b, 'S');
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	T_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	T_EQ(nm_wire_shm_peer_alive(w), 0);
	for (int k = 0; k < NFRAMES; k++) {
		T_EQ(t_wire_recv(w, got, sizeof(got), NULL), (int)(HDR_LEN + PAY_LEN));
		T_EQ(got[0], (uint8_t)k);
		for (uint32_t i = 0; i < PAY_LEN; i++)
			if (got[HDR_LEN + i] != t_byte(0, (uint64_t)k * 5000 + i))
				T_FAIL("frame %d byte %u", k, i);
	}
	T_EQ(t_wire_recv(w, got, sizeof(got), NULL), -EAGAIN);
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.rx_refs, NFRAMES);
	T_EQ(st.ref_objs, 1);
	T_EQ(st.rx_invalid, 0);
	nm_wire_destroy(w);
	close(from_b);
	close(to_b);
	T_PASS();
}
