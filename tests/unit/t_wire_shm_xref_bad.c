/* SPDX-License-Identifier: MIT */
/*
 * References across processes, the receiver's checks: process A (creator)
 * sends frames whose payload it references in a sealed memfd object it
 * shares with process B (connector), and rewrites some descriptors in the
 * shared region after publishing them, as a hostile or broken sender
 * could: an id never shared, id 0, a range past the object's end, no
 * pieces, more pieces than a reference has, pieces that do not add up to
 * the frame's ref_len, an object sent with an fd that is not a sealed
 * memfd, an object's part 1 with no part 0, and a part 1 that overlaps
 * part 0; and a state word scribbled over while B reads the frame (B
 * reads it byte-exact and acts on nothing it finds there).  B drops each
 * bad frame and counts it (rx_invalid), never
 * faults, and every good frame between them arrives byte-exact from the
 * shared object.  The objects that did not check out, and only they, are
 * refused back to A in the shared region.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mem/mem_internal.h"
#include "nic/wire_shm.h"
#include "t_wire.h"
#include "t_xproc.h"

#define OBJ_SIZE	(256u << 10)
#define HDR_LEN		64u
#define PAY_LEN		3000u

enum bad { GOOD, BAD_STATE, BAD_ID, BAD_ID0, BAD_RANGE, BAD_N0, BAD_N5, BAD_SUM, BAD_OBJ,
	   BAD_PART, BAD_OVERLAP, NCASES };
#define N_BAD_MSGS	3	/* object messages that do not check out */

static uint8_t t_byte(uint32_t tag, uint64_t i)
{
	(void)tag;
	return (uint8_t)(i * 13 + (i >> 8));
}

static uint64_t t_off(int k)
{
	return (uint64_t)k * 5000 + 7;
}

/* The shm wire lends every frame: it never asks for buffers. */
static int t_no_bufs(struct nm_wire_rxbufs *bufs, struct iovec *iov, unsigned max)
{
	(void)bufs;
	(void)iov;
	(void)max;
	return -ENOBUFS;
}

/* B: frame k (good) must be headers k, payload t_byte from t_off(k). */
static int t_child(void *arg, int to_a, int from_a)
{
	const char *name = arg;
	static uint8_t got[HDR_LEN + PAY_LEN];
	struct nm_wire_stats st;
	struct nm_wire *w = t_xp_connect(name);
	int r, good = 0;

	nm_wire_rx_want_ref(w, true);
	T_EQ(write(to_a, "R", 1), 1);
	for (int k = 0; k < 2 * NCASES; k++) {
		struct nm_wire_frame f = { 0 };
		struct nm_wire_rxbufs bufs = { .get = t_no_bufs };
		bool bad = k % 2 == 1 && k / 2 != GOOD && k / 2 != BAD_STATE;

		t_xp_expect(from_a, 'F');
		r = nm_wire_rx(w, &bufs, &f);
		if (bad) {
			T_EQ(r, -EAGAIN);	/* dropped: nothing else waits */
		} else {
			uint32_t n = HDR_LEN;

			T_OK(r);
			if (k % 2 == 1 && k / 2 == BAD_STATE) {
				/* A scribbles on the state word while we read */
				T_EQ(write(to_a, "C", 1), 1);
				t_xp_expect(from_a, 'G');
			}
			T_ASSERT(f.ref && f.head_len == HDR_LEN && f.len == HDR_LEN + PAY_LEN);
			memcpy(got, f.data, HDR_LEN);
			for (unsigned i = 0; i < f.ref->n; i++) {
				memcpy(got + n, f.ref->iov[i].iov_base, f.ref->iov[i].iov_len);
				n += (uint32_t)f.ref->iov[i].iov_len;
			}
			T_EQ(n, HDR_LEN + PAY_LEN);
			T_EQ(got[0], (uint8_t)k);
			for (uint32_t i = 0; i < PAY_LEN; i++)
				if (got[HDR_LEN + i] != t_byte(0, t_off(k) + i))
					T_FAIL("frame %d byte %u", k, i);
			T_OK(nm_wire_consume(w));
			good++;
		}
		T_EQ(write(to_a, "D", 1), 1);
	}
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	printf("B: %d good frames, %llu referenced, %llu invalid, %llu objects\n", good,
	       (unsigned long long)st.rx_refs, (unsigned long long)st.rx_invalid,
	       (unsigned long long)st.ref_objs);
	T_EQ(st.rx_refs, (uint64_t)good);
	T_EQ(good, NCASES + 2);		/* the even ones, GOOD, BAD_STATE */
	/* each bad frame, and the object messages that did not check out */
	T_EQ(st.rx_invalid, (uint64_t)(NCASES - 2) + N_BAD_MSGS);
	T_EQ(st.ref_objs, 1);
	T_OK(nm__wire_shm_assert_ok(w));
	nm_wire_destroy(w);
	return 0;
}

/* Send object message m with fd. */
static void t_send_msg(struct nm_shm_wire *ep, const struct nm_shm_xobj_msg *mp, int fd)
{
	struct nm_shm_xobj_msg m = *mp;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = { 0 };
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	T_ASSERT(fd >= 0);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	T_EQ(sendmsg(ep->sock, &msg, MSG_NOSIGNAL), (ssize_t)sizeof(m));
}

/* Object id's message with an fd that is no sealed memfd. */
static void t_send_bad_obj(struct nm_shm_wire *ep, uint32_t id)
{
	struct nm_shm_xobj_msg m = { .magic = NM_SHM_XOBJ_MAGIC, .id = id, .size = OBJ_SIZE,
				     .len = OBJ_SIZE, .nparts = 1 };
	int fd = eventfd(0, EFD_CLOEXEC);

	t_send_msg(ep, &m, fd);
	close(fd);
}

/* Parts of object id in a sealed memfd: part 1 of 2 with no part 0
 * (overlap false), or part 0 and then a part 1 over it (overlap true). */
static void t_send_bad_parts(struct nm_shm_wire *ep, uint32_t id, bool overlap)
{
	struct nm_shm_xobj_msg m = { .magic = NM_SHM_XOBJ_MAGIC, .id = id, .size = 2 * OBJ_SIZE,
				     .len = OBJ_SIZE, .nparts = 2 };
	struct nm_memobj *o = t_xp_memfd_obj(OBJ_SIZE, true, t_byte, 0);
	struct nm_memobj_part pt;

	T_EQ(nm_memobj_backing(o, 0, &pt), 1);
	if (overlap) {
		t_send_msg(ep, &m, pt.fd);	/* part 0: fine */
		m.off = OBJ_SIZE / 2;		/* part 1 over half of it */
	} else {
		m.off = OBJ_SIZE;
	}
	m.part = 1;
	t_send_msg(ep, &m, pt.fd);
	nm_memobj_put(o);
}

static void t_tamper(struct nm_shm_wire *ep, enum bad b)
{
	struct nm_shm_xdesc *xd = &ep->tx.xdescs[(ep->tx.head - 1) & ep->tx.mask];

	switch (b) {
	case BAD_ID: xd->p[0].id = 9; break;
	case BAD_ID0: xd->p[1].id = 0; break;
	case BAD_RANGE: xd->p[1].off = OBJ_SIZE - 10; break;
	case BAD_N0: xd->n = 0; break;
	case BAD_N5: xd->n = NM_WIRE_REF_IOV + 1; break;
	case BAD_SUM: xd->p[0].len += 1; break;
	case BAD_OBJ:
		t_send_bad_obj(ep, 5);
		xd->p[0].id = 5;
		break;
	case BAD_PART:
		t_send_bad_parts(ep, 6, false);
		xd->p[0].id = 6;
		break;
	case BAD_OVERLAP:
		t_send_bad_parts(ep, 7, true);
		xd->p[0].id = 7;
		break;
	default: break;
	}
}

int main(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 64, .arena_bytes = 1 << 20, .mtu = 9000 };
	int from_b, to_b, status, released = 0;
	struct nm_memobj *obj;
	struct nm_wire *w;
	struct nm_shm_wire *ep;
	char name[64];
	pid_t pid;

	T_XP_NEED_REFS();
	pid = t_xp_fork(t_child, name, &from_b, &to_b, name);
	obj = t_xp_memfd_obj(OBJ_SIZE, true, t_byte, 0);
	T_OK(nm_wire_shm_create(name, &p, 10000, &w));
	ep = nm_shm_wire_of(w);
	T_ASSERT(ep->xr != NULL);	/* both sides agreed */
	t_xp_expect(from_b, 'R');

	/* even frames good, odd ones tampered with as case k / 2 */
	for (int k = 0; k < 2 * NCASES; k++) {
		uint8_t hdr[HDR_LEN];
		struct iovec h = { hdr, HDR_LEN };
		uint8_t *src = nm_memobj_engine_addr(obj, t_off(k));
		struct nm_wire_ref ref = { .iov = { { src, 1000 }, { src + 1000, PAY_LEN - 1000 } },
					   .n = 2, .len = PAY_LEN, .release = t_xp_count,
					   .arg = &released };

		memset(hdr, 0, sizeof(hdr));
		hdr[0] = (uint8_t)k;
		T_OK(nm_wire_xmit_ref(w, &h, 1, &ref, NULL));
		if (k % 2)
			t_tamper(ep, (enum bad)(k / 2));
		T_EQ(write(to_b, "F", 1), 1);
		if (k % 2 == 1 && k / 2 == BAD_STATE) {
			/* B claimed it: the word is ours to write too (it
			 * lies in the region); B must neither trust nor act
			 * on what it finds there when it is done */
			struct nm_shm_xdesc *xd = &ep->tx.xdescs[(ep->tx.head - 1) & ep->tx.mask];

			t_xp_expect(from_b, 'C');
			atomic_store(&xd->state, 0x5a5a5a5au);
			T_EQ(write(to_b, "G", 1), 1);
		}
		t_xp_expect(from_b, 'D');
		nm_wire_tx_complete(w);
	}
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* the object that did not check out is refused, and only it: frames
	 * naming it would be dropped, so ours go to the arena */
	T_EQ(atomic_load(&ep->sync->refused[ep->side]),
	     (1ull << (5 - 1)) | (1ull << (6 - 1)) | (1ull << (7 - 1)));
	T_EQ(atomic_load(&ep->sync->refused[!ep->side]), 0);
	nm_wire_tx_complete(w);
	/* every reference went back: read, dropped or skipped alike */
	T_EQ(released, 2 * NCASES);
	T_EQ(nm__wire_shm_refs_out(w), 0);
	nm_wire_destroy(w);
	nm_memobj_put(obj);
	close(from_b);
	close(to_b);
	T_PASS();
}
