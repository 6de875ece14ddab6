/* SPDX-License-Identifier: MIT */
/*
 * Harness: what a peer process sends a receiver of references across
 * processes (nic/wire_shm_xref.c): object messages on the rendezvous
 * connection (struct nm_shm_xobj_msg, with a memfd sealed or not, of any
 * size, an eventfd, no fd, or a short message) and the descriptors of
 * referenced frames in the shared region (pieces: ids, offsets, lengths).
 * Both ends live in this process (a create/connect pair; the connect runs
 * on a thread), A playing the hostile peer beside its own real sends.
 *
 * Input: up to 24 operations, each one byte of kind and its fields:
 *	0: an object message from the input (id, size, fd_off, off, len,
 *	   part, nparts) with a memfd of the input's size (filled, sealed
 *	   against shrinking or not), an eventfd, or no fd; or 2 bytes only
 *	1: A sends a real referenced frame from its own sealed memfd object
 *	   (offset and length from the input), whose descriptor the input may
 *	   then rewrite (pieces, ids, offsets, lengths); B receives it
 * Oracles: no fault (ASan, UBSan); B's receive is a frame or -EAGAIN;
 * a delivered frame's pieces add up to its length and are readable (the
 * harness reads every byte); a frame A sent untouched, while no message
 * named A's own object's id, is delivered and byte-exact (referenced, or
 * copied once B refused); every fd the input made is closed at the end
 * (none leaks into B's tables); both ends pass their checkers; every
 * reference A made comes back.
 */
#include <dirent.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "mem/mem_internal.h"
#include "nic/wire_shm.h"
#include "t_xproc.h"

#define OBJ_SIZE	(64u << 10)
#define HDR_LEN		64u
#define MAX_OPS		24
#define MAX_FD_BYTES	(64u << 10)

static char name[64];
static int released;
static bool poisoned;		/* a message named id 1, A's own object's */

static uint8_t obj_byte(uint32_t tag, uint64_t i)
{
	return (uint8_t)(tag * 59 + i * 13 + (i >> 10));
}

static void *connect_thread(void *arg)
{
	*(struct nm_wire **)arg = t_xp_connect(name);
	return NULL;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	FZ_ASSERT(d, "opendir /proc/self/fd");
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int no_bufs(struct nm_wire_rxbufs *bufs, struct iovec *iov, unsigned max)
{
	(void)bufs;
	(void)iov;
	(void)max;
	return -ENOBUFS;
}

/* Op 0: one object message as the input says, on A's connection. */
static void send_msg(struct nm_shm_wire *ea, struct fz *in)
{
	struct nm_shm_xobj_msg m = { .magic = fz_bool(in) ? NM_SHM_XOBJ_MAGIC : fz_u32(in) };
	uint8_t kind = fz_u8(in);
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fd = -1;

	/* ids: 2 and up (A's own object is 1), 0 and past the table too */
	m.id = 2 + fz_below(in, 70) - (kind & 0x40 ? 2 : 0);
	poisoned |= m.id == 1;
	/* sizes: pages, anything below 64 MiB, or past what a receiver maps
	 * (not more: ASan's bookkeeping of a huge reserved range takes
	 * seconds per input, and the receiver only compares it) */
	switch (fz_below(in, 3)) {
	case 0: m.size = (uint64_t)fz_below(in, 32) << 12; break;
	case 1: m.size = fz_u32(in) & ((64u << 20) - 1); break;
	default: m.size = (1ull << 42) + fz_u32(in); break;
	}
	m.fd_off = fz_bool(in) ? fz_u64(in) : (uint64_t)fz_below(in, 8) << 12;
	m.off = fz_bool(in) ? fz_u64(in) : (uint64_t)fz_below(in, 16) << 12;
	m.len = fz_bool(in) ? fz_u64(in) : (uint64_t)fz_below(in, 16) << 12;
	m.part = fz_below(in, 4);
	m.nparts = fz_bool(in) ? fz_u32(in) : fz_below(in, 5);
	if ((kind & 3) == 1 || (kind & 3) == 2) {	/* a memfd */
		uint32_t size = fz_below(in, MAX_FD_BYTES / 4096 + 1) * 4096 + fz_below(in, 3);

		fd = memfd_create("fz_xref", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		FZ_ASSERT(fd >= 0 && ftruncate(fd, size) == 0, "memfd");
		if ((kind & 3) == 2)
			FZ_ASSERT(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0, "seal");
	} else if ((kind & 3) == 3) {
		fd = eventfd(0, EFD_CLOEXEC);
	}
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(u.buf, 0, sizeof(u.buf));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	}
	if (kind & 0x80)
		iov.iov_len = 2;	/* a short message */
	(void)sendmsg(ea->sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (fd >= 0)
		close(fd);
}

/* The frame's payload, wherever B found it, against A's object from off. */
static bool payload_is(const struct nm_wire_frame *f, uint32_t off, uint32_t len)
{
	uint64_t at = 0;

	if (!f->ref) {
		if (f->len != HDR_LEN + len)
			return false;
		for (uint32_t i = 0; i < len; i++)
			if (f->data[HDR_LEN + i] != obj_byte(0, off + i))
				return false;
		return true;
	}
	for (unsigned i = 0; i < f->ref->n; i++)
		for (size_t k = 0; k < f->ref->iov[i].iov_len; k++, at++)
			if (((const uint8_t *)f->ref->iov[i].iov_base)[k] != obj_byte(0, off + at))
				return false;
	return at == len;
}

/* Op 1: a real referenced frame, perhaps rewritten, and B's receive. */
static void frame(struct nm_wire *a, struct nm_wire *b, struct nm_memobj *obj, struct fz *in)
{
	struct nm_shm_wire *ea = nm_shm_wire_of(a);
	uint32_t off = fz_below(in, OBJ_SIZE / 2), len = 1 + fz_below(in, 4000), cut = len / 2;
	uint8_t hdr[HDR_LEN] = { 0 }, *src = nm_memobj_engine_addr(obj, off);
	struct iovec h = { hdr, HDR_LEN };
	struct nm_wire_ref ref = { .iov = { { src, cut }, { src + cut, len - cut } },
				   .n = cut ? 2 : 1, .len = len, .release = t_xp_count,
				   .arg = &released };
	struct nm_wire_rxbufs bufs = { .get = no_bufs };
	struct nm_wire_frame f = { 0 };
	struct nm_wire_stats st0, st1;
	bool tampered = fz_bool(in);
	int r;

	if (!cut)
		ref.iov[0].iov_len = len;
	FZ_ASSERT(nm_wire_get_stats(a, &st0, sizeof(st0)) == 0, "stats");
	r = nm_wire_xmit_ref(a, &h, 1, &ref, NULL);
	FZ_ERRNO_OK(r, "nm_wire_xmit_ref");
	if (r)
		return;
	FZ_ASSERT(nm_wire_get_stats(a, &st1, sizeof(st1)) == 0, "stats");
	tampered &= st1.tx_refs > st0.tx_refs;	/* a copy has no descriptor */
	if (tampered) {
		struct nm_shm_xdesc *xd = &ea->tx.xdescs[(ea->tx.head - 1) & ea->tx.mask];

		xd->n = fz_below(in, NM_WIRE_REF_IOV + 2);
		for (unsigned i = 0; i < NM_WIRE_REF_IOV; i++) {
			if (!fz_bool(in))
				continue;
			xd->p[i].id = fz_below(in, 70);
			xd->p[i].off = fz_bool(in) ? fz_u64(in) : fz_below(in, 1u << 17);
			xd->p[i].len = fz_bool(in) ? fz_u32(in) : fz_below(in, 5000);
		}
	}
	r = nm_wire_rx(b, &bufs, &f);
	FZ_ASSERT(r >= 0 || r == -EAGAIN, "nm_wire_rx = %d", r);
	if (r < 0) {
		/* dropped: rewritten, its id taken by a message, or B gave up
		 * A's object (its message came after one that broke B's
		 * reading: the id is refused, and A copies from then on) */
		FZ_ASSERT(tampered || poisoned ||
				  (atomic_load(&ea->sync->refused[ea->side]) & 1),
			  "A's own frame was dropped");
		goto done;
	}
	if (f.ref) {
		uint64_t sum = 0;
		volatile uint8_t x = 0;

		for (unsigned i = 0; i < f.ref->n; i++) {
			const uint8_t *p = f.ref->iov[i].iov_base;

			for (size_t k = 0; k < f.ref->iov[i].iov_len; k++)
				x ^= p[k];	/* every byte readable */
			sum += f.ref->iov[i].iov_len;
		}
		(void)x;
		FZ_ASSERT(sum == f.ref->len && f.len == f.head_len + sum, "pieces %llu of %u",
			  (unsigned long long)sum, f.ref->len);
	}
	if (!tampered && !poisoned)
		FZ_ASSERT(payload_is(&f, off, len), "frame of %u bytes from %u not byte-exact", len,
			  off);
	FZ_ERRNO_OK(nm_wire_consume(b), "nm_wire_consume");
done:
	nm_wire_tx_complete(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nm_wire_shm_params p = { .ring_entries = 64, .arena_bytes = 1 << 20, .mtu = 9000 };
	static unsigned seq;
	struct fz in = fz_init(data, size);
	struct nm_wire *a = NULL, *b = NULL;
	struct nm_memobj *obj;
	pthread_t th;
	int fds0;

	fz_begin();
	unsetenv("NM_SHM_REFS");
	snprintf(name, sizeof(name), "fz_xref.%d.%u", (int)getpid(), seq++);
	fds0 = count_fds();
	released = 0;
	poisoned = false;
	obj = t_xp_memfd_obj(OBJ_SIZE, true, obj_byte, 0);
	FZ_ASSERT(pthread_create(&th, NULL, connect_thread, &b) == 0, "thread");
	FZ_ASSERT(nm_wire_shm_create(name, &p, 10000, &a) == 0, "create: %s", nm_last_error());
	pthread_join(th, NULL);
	FZ_ASSERT(b, "connect");
	FZ_ASSERT(nm_shm_wire_of(a)->xr && nm_shm_wire_of(b)->xr, "references agreed");
	nm_wire_rx_want_ref(b, true);
	for (int i = 0; i < MAX_OPS && fz_left(&in); i++) {
		if (fz_u8(&in) & 1)
			frame(a, b, obj, &in);
		else
			send_msg(nm_shm_wire_of(a), &in);
	}
	FZ_ASSERT(nm__wire_shm_assert_ok(a) == 0, "A: %s", nm_last_error());
	FZ_ASSERT(nm__wire_shm_assert_ok(b) == 0, "B: %s", nm_last_error());
	nm_wire_tx_complete(a);
	FZ_ASSERT(nm__wire_shm_refs_out(a) == 0, "%d references out", nm__wire_shm_refs_out(a));
	if (fz_verbose()) {
		struct nm_wire_stats sa, sb;

		nm_wire_get_stats(a, &sa, sizeof(sa));
		nm_wire_get_stats(b, &sb, sizeof(sb));
		printf("A: %llu referenced, %llu copied; B: %llu by reference, %llu invalid, "
		       "%llu objects mapped\n",
		       (unsigned long long)sa.tx_refs, (unsigned long long)sa.tx_ref_copied,
		       (unsigned long long)sb.rx_refs, (unsigned long long)sb.rx_invalid,
		       (unsigned long long)sb.ref_objs);
	}
	nm_wire_destroy(b);
	nm_wire_destroy(a);
	nm_memobj_put(obj);
	FZ_ASSERT(count_fds() == fds0, "fds %d before, %d after", fds0, count_fds());
	return 0;
}

/* ---- seeds ------------------------------------------------------------- */

static void w_frame(struct fz_out *o, uint32_t off, uint32_t len)
{
	fz_w8(o, 1);
	fz_w16(o, (uint16_t)off);	/* fz_below(OBJ_SIZE / 2): two bytes */
	fz_w16(o, (uint16_t)(len - 1));
	fz_w8(o, 0);			/* not tampered */
}

/* A frame of len bytes from off whose descriptor is rewritten to n pieces,
 * the first naming id at poff, plen long; the others stay as A wrote them. */
static void w_rewritten(struct fz_out *o, uint32_t off, uint32_t len, uint8_t n, uint8_t id,
			uint32_t poff, uint16_t plen)
{
	fz_w8(o, 1);
	fz_w16(o, (uint16_t)off);
	fz_w16(o, (uint16_t)(len - 1));
	fz_w8(o, 1);		/* tampered */
	fz_w8(o, n);
	fz_w8(o, 1);		/* piece 0 set */
	fz_w8(o, id);
	fz_w8(o, 0);
	fz_w32(o, poff);
	fz_w8(o, 0);
	fz_w16(o, plen);
	for (int i = 1; i < NM_WIRE_REF_IOV; i++)
		fz_w8(o, 0);	/* pieces 1.. as A wrote them */
}

/* An object message with small fields: kind, then the fields in order. */
static void w_msg(struct fz_out *o, uint8_t kind, uint8_t id, uint8_t size_pg, uint8_t off_pg,
		  uint8_t len_pg, uint8_t part, uint8_t nparts, uint8_t fd_pg, bool good_magic)
{
	fz_w8(o, 0);
	fz_w8(o, good_magic);
	if (!good_magic)
		fz_w32(o, 0x12345678);
	fz_w8(o, kind);
	fz_w8(o, id);		/* id 2 + id (or id with 0x40) */
	fz_w8(o, 0);		/* size in pages */
	fz_w8(o, size_pg);
	fz_w8(o, 0);
	fz_w8(o, 0);		/* fd_off 0 */
	fz_w8(o, 0);
	fz_w8(o, off_pg);
	fz_w8(o, 0);
	fz_w8(o, len_pg);
	fz_w8(o, part);
	fz_w8(o, 0);
	fz_w8(o, nparts);
	if ((kind & 3) == 1 || (kind & 3) == 2) {
		fz_w8(o, fd_pg);
		fz_w8(o, 0);
	}
}

void fz_write_seeds(struct fz_seeds *s)
{
	struct fz_out *o = calloc(1, sizeof(*o));

	FZ_ASSERT(o, "out of memory");
	/* frames only: A's object shared, frames byte-exact */
	w_frame(o, 100, 3000);
	w_frame(o, 20000, 1);
	w_frame(o, 7, 4000);
	fz_seed(s, "frames", o);
	/* a two-part object for id 2, well formed, then a frame */
	o->n = 0;
	w_msg(o, 2, 0, 4, 0, 2, 0, 2, 2, true);
	w_msg(o, 2, 0, 4, 2, 2, 1, 2, 2, true);
	w_frame(o, 100, 3000);
	/* and a frame rewritten to read 3000 bytes of it across its parts */
	w_rewritten(o, 100, 3000, 1, 2, 8192 - 1000, 3000);
	fz_seed(s, "two_parts", o);
	/* an unsealed memfd, an eventfd, no fd, a short message, bad magic */
	o->n = 0;
	w_msg(o, 1, 1, 2, 0, 2, 0, 1, 2, true);
	w_frame(o, 100, 2000);
	w_msg(o, 3, 2, 2, 0, 2, 0, 1, 0, true);
	w_msg(o, 0, 3, 2, 0, 2, 0, 1, 0, true);
	w_msg(o, 0x82, 4, 2, 0, 2, 0, 1, 2, true);
	w_msg(o, 2, 5, 2, 0, 2, 0, 1, 2, false);
	w_frame(o, 300, 1000);
	/* a frame naming id 7: B reads the waiting messages */
	w_rewritten(o, 300, 1000, 1, 7, 0, 1000);
	w_frame(o, 500, 1000);
	fz_seed(s, "bad_messages", o);
	/* a frame whose descriptor is rewritten */
	o->n = 0;
	w_frame(o, 100, 3000);
	fz_w8(o, 1);
	fz_w16(o, 100);
	fz_w16(o, 2999);
	fz_w8(o, 1);		/* tampered */
	fz_w8(o, 2);		/* two pieces */
	for (int i = 0; i < NM_WIRE_REF_IOV; i++) {
		fz_w8(o, 1);
		fz_w8(o, (uint8_t)(i ? 9 : 1));	/* id */
		fz_w8(o, 0);
		fz_w32(o, 500);
		fz_w8(o, 0);
		fz_w16(o, 1500);
	}
	fz_seed(s, "rewritten", o);
	free(o);
}
