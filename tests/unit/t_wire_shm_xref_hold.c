/* SPDX-License-Identifier: MIT */
/*
 * Lending across processes (docs/nic.md, "Two copies from send to recv":
 * only an in-process pair lends referenced frames): process B receives a
 * frame whose payload A references, consumes it while more frames wait,
 * then lends an ordinary arena frame and gives it back (the give-back
 * path used to reach for the in-process reference table, which a
 * cross-process wire does not have: a NULL dereference); a second
 * referenced frame cannot be lent (-EINVAL) and is consumed.  A gets every
 * reference back.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "mem/mem_internal.h"
#include "nic/wire_drv.h"
#include "nic/wire_shm.h"
#include "t_wire.h"
#include "t_xproc.h"

#define OBJ_SIZE	(8u << 10)
#define HDR_LEN		64u
#define PAY_LEN		2000u

static uint8_t t_byte(uint32_t obj, uint64_t i)
{
	return (uint8_t)(obj * 31 + i * 7 + (i >> 8));
}

/* The next frame as the NIC sees it; whether it is referenced. */
static bool rx(struct nm_wire *w)
{
	struct nm_wire_frame f;

	t_wire_rx(w, &f);
	return f.ref != NULL;
}

static int t_child(void *arg, int to_a, int from_a)
{
	const char *name = arg;
	struct nm_wire *w = t_xp_connect(name);

	nm_wire_rx_want_ref(w, true);
	T_EQ(write(to_a, "R", 1), 1);
	t_xp_expect(from_a, 'F');
	T_ASSERT(rx(w));			/* referenced, consumed: more wait */
	T_OK(nm_wire_consume(w));
	T_ASSERT(!rx(w));			/* an arena frame, lent and back */
	T_EQ(nm_wire_hold(w), 0);
	T_EQ(nm_wire_release(w, 1), 0);
	T_ASSERT(rx(w));			/* referenced: not lent here */
	T_ERR(nm_wire_hold(w), -EINVAL);
	T_OK(nm_wire_consume(w));
	T_OK(nm__wire_shm_assert_ok(w));
	T_EQ(write(to_a, "D", 1), 1);
	nm_wire_destroy(w);
	return 0;
}

int main(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 256, .arena_bytes = 1 << 20, .mtu = 9000 };
	uint8_t hdr[HDR_LEN] = { 0 }, frame[HDR_LEN + PAY_LEN] = { 0 };
	int from_b, to_b, status, released = 0;
	struct iovec h = { hdr, HDR_LEN }, whole = { frame, sizeof(frame) };
	struct nm_memobj *obj;
	struct nm_wire *w;
	uint8_t *src;
	char name[64];
	pid_t pid;

	T_XP_NEED_REFS();
	pid = t_xp_fork(t_child, name, &from_b, &to_b, name);
	obj = t_xp_memfd_obj(OBJ_SIZE, true, t_byte, 1);
	src = nm_memobj_engine_addr(obj, 0);
	T_OK(nm_wire_shm_create(name, &p, 10000, &w));
	t_xp_expect(from_b, 'R');
	for (int k = 0; k < 3; k++) {
		struct nm_wire_ref ref = { .iov = { { src, PAY_LEN } }, .n = 1, .len = PAY_LEN,
					   .release = t_xp_count, .arg = &released,
					   .host = true };

		if (k == 1)
			T_OK(nm_wire_xmit(w, &whole, 1, NULL));
		else
			T_OK(nm_wire_xmit_ref(w, &h, 1, &ref, NULL));
	}
	T_EQ(write(to_b, "F", 1), 1);
	t_xp_expect(from_b, 'D');
	nm_wire_tx_complete(w);
	T_EQ(released, 2);
	T_EQ(nm__wire_shm_refs_out(w), 0);
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	nm_wire_destroy(w);
	nm_memobj_put(obj);
	close(from_b);
	close(to_b);
	T_PASS();
}
