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

static uint8_t t_byte(uint64_t i)
{
	return (uint8_t)(i * 11 + (i >> 9));
}

/* B: publish NFRAMES referenced frames, then die without a word. */
static int t_child(void *arg, int to_a, int from_a)
{
	const char *name = arg;
	struct nm_wire *w = t_xp_connect(name);
	int fd = memfd_create("t_xref_gone", MFD_CLOEXEC | MFD_ALLOW_SEALING), released = 0;
	struct nm_memobj *obj;
	uint8_t *va;

	(void)from_a;
	T_ASSERT(fd >= 0 && ftruncate(fd, OBJ_SIZE) == 0);
	T_ASSERT(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	va = mmap(NULL, OBJ_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	T_ASSERT(va != MAP_FAILED);
	for (uint64_t i = 0; i < OBJ_SIZE; i++)
		va[i] = t_byte(i);
	munmap(va, OBJ_SIZE);
	T_OK(nm_memobj_create_memfd(fd, 0, OBJ_SIZE, 0, &obj));
	close(fd);
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

	if (!nm__shm_refs_env()) {
		printf("SKIP: NM_SHM_REFS=0 turns references off\n");
		return 77;
	}
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
			if (got[HDR_LEN + i] != t_byte((uint64_t)k * 5000 + i))
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
