/* SPDX-License-Identifier: MIT */
/*
 * References across processes to an object of several parts (a udmabuf
 * list: ranges of two sealed memfds, one of them twice, back to back):
 * process A (creator) sends frames whose payload crosses from one part
 * into the next, lies inside one part, and spans three parts; the object
 * goes to process B once, one message per part; B maps the parts into
 * one address range in order and reads every frame byte-exact, by
 * reference.  Then an object of three parts whose second part's memfd
 * can shrink: A copies its frames (nothing sent), and B never sees it.
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

#define PG		4096u
#define HDR_LEN		64u
#define NFRAMES		4

/* the list: memfd 0 [0, 2 pages), memfd 1 [1 page, 4 pages), memfd 0
 * [3 pages, 4 pages): parts at object offsets 0, 2 and 5 pages */
static const struct {
	int fd;
	uint64_t off, size;
} t_parts[3] = { { 0, 0, 2 * PG }, { 1, PG, 3 * PG }, { 0, 3 * PG, PG } };

/* frames: [object offset, length) */
static const uint64_t t_frames[NFRAMES][2] = {
	{ 2 * PG - 700, 1500 },		/* part 0 into part 1 */
	{ 3 * PG + 10, 3000 },		/* inside part 1 */
	{ 5 * PG - 100, 2000 },		/* part 1 into part 2 */
	{ 2 * PG - 8, 3 * PG + 16 },	/* all three */
};

static uint8_t t_fbyte(int fd, uint64_t i)
{
	return (uint8_t)(fd * 101 + i * 7 + (i >> 9));
}

/* What the object holds at offset o. */
static uint8_t t_obj_byte(uint64_t o)
{
	uint64_t at = 0;

	for (int k = 0; k < 3; k++) {
		if (o < at + t_parts[k].size)
			return t_fbyte(t_parts[k].fd, t_parts[k].off + (o - at));
		at += t_parts[k].size;
	}
	T_FAIL("offset %llu past the object", (unsigned long long)o);
}

static int t_memfd(int tag, bool sealed)
{
	int fd = memfd_create("t_xref_parts", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	uint8_t b[4 * PG];

	T_ASSERT(fd >= 0);
	for (uint64_t i = 0; i < sizeof(b); i++)
		b[i] = t_fbyte(tag, i);
	T_EQ(pwrite(fd, b, sizeof(b), 0), (ssize_t)sizeof(b));
	if (sealed)
		T_ASSERT(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	return fd;
}

static struct nm_memobj *t_list(const int fds[2])
{
	struct nm_memfd_range r[3];
	struct nm_memobj *obj;

	for (int k = 0; k < 3; k++)
		r[k] = (struct nm_memfd_range){ fds[t_parts[k].fd], t_parts[k].off,
						t_parts[k].size };
	T_OK(nm_memobj_create_memfd_list(r, 3, 0, &obj));
	return obj;
}

/* B: every frame; its header names the frame. */
static int t_child(void *arg, int to_a, int from_a)
{
	static uint8_t got[HDR_LEN + 4 * PG];
	struct nm_wire *w = t_xp_connect(arg);
	struct nm_wire_stats st;

	nm_wire_rx_want_ref(w, true);
	T_EQ(write(to_a, "R", 1), 1);
	t_xp_expect(from_a, 'F');
	for (int k = 0; k < 2 * NFRAMES; k++) {
		const uint64_t *f = t_frames[k % NFRAMES];

		T_EQ(t_wire_recv(w, got, sizeof(got), NULL), (int)(HDR_LEN + f[1]));
		T_EQ(got[0], k);
		for (uint64_t i = 0; i < f[1]; i++)
			if (got[HDR_LEN + i] != t_obj_byte(f[0] + i))
				T_FAIL("frame %d byte %llu", k, (unsigned long long)i);
	}
	T_EQ(t_wire_recv(w, got, sizeof(got), NULL), -EAGAIN);
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	printf("B: %llu frames, %llu by reference, %llu objects mapped, %llu invalid\n",
	       (unsigned long long)st.rx_frames, (unsigned long long)st.rx_refs,
	       (unsigned long long)st.ref_objs, (unsigned long long)st.rx_invalid);
	T_EQ(st.rx_refs, NFRAMES);
	T_EQ(st.ref_objs, 1);
	T_EQ(st.rx_invalid, 0);
	T_EQ(write(to_a, "D", 1), 1);
	nm_wire_destroy(w);
	return 0;
}

int main(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 256, .arena_bytes = 1 << 20, .mtu = 16384 };
	int fds[2], bad[2], from_b, to_b, status, released = 0;
	struct nm_memobj *obj[2];
	struct nm_wire_stats st;
	struct nm_wire *w;
	char name[64];
	pid_t pid;

	T_XP_NEED_REFS();
	pid = t_xp_fork(t_child, name, &from_b, &to_b, name);
	fds[0] = t_memfd(0, true);
	fds[1] = t_memfd(1, true);
	bad[0] = fds[0];
	bad[1] = t_memfd(1, false);	/* its second part can shrink */
	obj[0] = t_list(fds);
	obj[1] = t_list(bad);
	T_OK(nm_wire_shm_create(name, &p, 10000, &w));
	t_xp_expect(from_b, 'R');
	for (int k = 0; k < 2 * NFRAMES; k++) {
		const uint64_t *f = t_frames[k % NFRAMES];
		uint8_t hdr[HDR_LEN] = { (uint8_t)k };
		struct iovec h = { hdr, HDR_LEN };
		uint8_t *src = nm_memobj_engine_addr(obj[k / NFRAMES], f[0]);
		struct nm_wire_ref ref = { .iov = { { src, f[1] / 3 }, { src + f[1] / 3,
									f[1] - f[1] / 3 } },
					   .n = 2, .len = (uint32_t)f[1], .release = t_xp_count,
					   .arg = &released };

		T_OK(nm_wire_xmit_ref(w, &h, 1, &ref, NULL));
	}
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.tx_refs, NFRAMES);
	T_EQ(st.tx_ref_copied, NFRAMES);	/* the list with an unsealed part */
	T_EQ(st.ref_objs, 1);
	T_OK(nm__wire_shm_assert_ok(w));
	T_EQ(write(to_b, "F", 1), 1);
	t_xp_expect(from_b, 'D');
	nm_wire_tx_complete(w);
	T_EQ(released, 2 * NFRAMES);
	T_EQ(nm__wire_shm_refs_out(w), 0);
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	nm_wire_destroy(w);
	nm_memobj_put(obj[0]);
	nm_memobj_put(obj[1]);
	close(fds[0]);
	close(fds[1]);
	close(bad[1]);
	close(from_b);
	close(to_b);
	T_PASS();
}
