/* SPDX-License-Identifier: MIT */
/*
 * References across processes on the shm wire (docs/nic.md, "One copy on
 * the shm wire").  Two processes reach each other's memory only where they
 * share its memfds: a payload in a memory object backed by memfds sealed
 * against shrinking (a memfd dma-buf, a udmabuf, a udmabuf list of several
 * items) can be referenced; any other goes into the arena as before (the
 * sender's wire falls back to the copy, frame by frame).
 *
 * Sender.  A table of up to NM_SHM_XOBJ_MAX objects shared with the peer,
 * id = index + 1, each held (a memory-object reference) until the wire is
 * destroyed, so its engine mapping and its id stay valid for every frame
 * that may name it.  The first frame whose payload lies in an object not
 * in the table sends the object over the rendezvous connection, one
 * message per part (struct nm_shm_xobj_msg + SCM_RIGHTS with the part's
 * memfd), before that frame is published, so the receiver finds the
 * messages waiting when it meets the id.  The
 * payload's iovecs (the NIC engine's view) are translated to (id, offset)
 * pieces in the slot's shared descriptor (struct nm_shm_xdesc).
 *
 * Receiver.  A frame naming an id it does not know reads the messages
 * waiting on the connection (never blocking), reserves the object's
 * address range at its first part and maps each part's memfd into it,
 * read-only and shared, in order, and keeps id -> mapping until the wire
 * is destroyed; the
 * mapping holds the pages even after the sender dies.  The descriptor is
 * the peer's to write: each field is loaded once and checked (pieces, id,
 * range inside the mapping, the sum against the frame's ref_len); one that
 * does not check out drops the frame (rx_invalid), never a fault.  The
 * frame's payload is then handed to the NIC as iovecs over our mappings.
 *
 * An object the receiver cannot map (mmap fails, the message does not
 * check out, the connection broke and no more objects come) is refused
 * in the shared region (struct nm_shm_refsync.refused): the sender sees
 * its bit before the next frame and copies that payload into the arena,
 * so the connection goes on where frames naming it would be dropped for
 * ever (each retransmission referencing it again).
 *
 * Ownership as in process: the sender releases a reference once the
 * receiver's tail passed its slot; revoke turns unread slots DEAD in the
 * shared state word and waits out a copy in progress (bounded: a peer
 * process that died in the middle of one never answers).
 *
 * Workload: per referenced frame a lookup in a table of a few objects
 * (last hit first) on each side; messages and mappings once per object.
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mem/mem_internal.h"
#include "nic/wire_shm.h"
#include "util/err.h"

/* A peer that leaves a slot BUSY this long is not copying any more. */
#define NM_SHM_XKILL_WAIT_NS	(1000ull * 1000 * 1000)
/* Object messages one look at the connection reads at most (a peer that
 * floods it waits for the next look): an object's parts, several objects. */
#define NM_SHM_XMSG_BATCH	4096
/* Largest object a receiver maps: what mem/ allows one object to be. */
#define NM_SHM_XOBJ_SIZE_MAX	(1ull << 42)

struct nm_shm_xobj_tx {
	struct nm_memobj *obj;		/* our reference */
	uintptr_t base;			/* its engine mapping */
	uint64_t size;
};

struct nm_shm_xobj_rx {
	const uint8_t *map;		/* every part mapped (read-only, MAP_SHARED)
					 * into base; NULL: unknown id */
	uint8_t *base;			/* the object's address range, reserved at
					 * part 0, the parts mapped in as they come */
	uint64_t size, got_bytes;
	uint32_t nparts, got;
	bool failed;			/* refused: its parts are ignored */
};

/* Objects found but not shareable, remembered so that their frames go
 * to the arena copy without asking the engine index (a global lock) each
 * time; each held like a shared one, the oldest let go when full. */
#define NM_SHM_XREFUSED_MAX	8

struct nm_shm_xref {
	struct nm_shm_xobj_tx tx[NM_SHM_XOBJ_MAX];
	uint32_t ntx;
	uint32_t last;			/* tx[] index of the last hit */
	struct nm_shm_xobj_tx refused[NM_SHM_XREFUSED_MAX];
	uint32_t nrefused;		/* filled entries; the next goes at nrefused % MAX */
	uint64_t lookups;		/* engine index asked (tests: once per object) */
	struct nm_shm_xobj_rx rx[NM_SHM_XOBJ_MAX];	/* [id - 1] */
	bool rx_broken;			/* the connection carried garbage */
	struct nm_wire_ref ref;		/* the claimed frame's payload */
};

bool nm__shm_refs_env(void)
{
	const char *env = getenv("NM_SHM_REFS");

	return !(env && !strcmp(env, "0"));
}

int nm__shm_xref_enable(struct nm_shm_wire *ep)
{
	uint8_t *x = (uint8_t *)ep->map + ep->xref_off;
	struct nm_shm_xdesc *xd[2];
	struct nm_shm_xlayout l;

	if (!ep->xref_off)
		return nm_err(EPROTO, "the region has no room for references");
	ep->xr = calloc(1, sizeof(*ep->xr));
	ep->tx.trefs = calloc(ep->ring_entries, sizeof(*ep->tx.trefs));
	if (!ep->xr || !ep->tx.trefs) {
		free(ep->xr);
		free(ep->tx.trefs);
		ep->xr = NULL;
		ep->tx.trefs = NULL;
		return nm_err(ENOMEM, "no memory for %u reference slots", ep->ring_entries);
	}
	nm__shm_xref_layout(ep->ring_entries, 0, &l);	/* desc[] is relative */
	xd[0] = (struct nm_shm_xdesc *)(x + l.desc[0]);
	xd[1] = (struct nm_shm_xdesc *)(x + l.desc[1]);
	ep->sync = (struct nm_shm_refsync *)x;
	ep->tx.xdescs = xd[ep->side];
	ep->rx.xdescs = xd[!ep->side];
	return 0;
}

void nm__shm_xref_destroy(struct nm_shm_wire *ep)
{
	struct nm_shm_xref *xr = ep->xr;

	if (!xr)
		return;
	for (uint32_t i = 0; i < xr->ntx; i++)
		if (xr->tx[i].obj)	/* else an id spent on a half-sent object */
			nm_memobj_put(xr->tx[i].obj);
	for (uint32_t i = 0; i < NM_SHM_XREFUSED_MAX && i < xr->nrefused; i++)
		nm_memobj_put(xr->refused[i].obj);
	for (uint32_t i = 0; i < NM_SHM_XOBJ_MAX; i++)
		if (xr->rx[i].base)
			munmap(xr->rx[i].base, xr->rx[i].size);
	free(ep->tx.trefs);
	ep->tx.trefs = NULL;
	free(xr);
	ep->xr = NULL;
}

int nm__shm_xref_assert_ok(const struct nm_shm_wire *ep)
{
	const struct nm_shm_xref *xr = ep->xr;

	if (!xr)
		return 0;
	if (!ep->tx.xdescs || !ep->rx.xdescs || !ep->tx.trefs || !ep->sync)
		return nm_err(EUCLEAN, "references across processes half set up");
	if (xr->ntx > NM_SHM_XOBJ_MAX || (xr->ntx && xr->last >= xr->ntx))
		return nm_err(EUCLEAN, "%u objects shared (last hit %u)", xr->ntx, xr->last);
	for (uint32_t i = 0; i < xr->ntx; i++) {
		const struct nm_shm_xobj_tx *o = &xr->tx[i];

		if (o->obj ? o->base != (uintptr_t)nm_memobj_engine_addr(o->obj, 0) ||
				     o->size != nm_memobj_size(o->obj)
			   : o->base || o->size)
			return nm_err(EUCLEAN, "shared object %u does not match its memory", i + 1);
	}
	return 0;
}

/* ---- sender --------------------------------------------------------------- */

/* The table index of the shared object holding [p, p + len), or -1. */
static bool xobj_in(const struct nm_shm_xobj_tx *o, uintptr_t a, size_t len)
{
	return a - o->base < o->size && len <= o->size - (a - o->base);
}

static int xobj_find(struct nm_shm_xref *xr, const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;
	const struct nm_shm_xobj_tx *o = &xr->tx[xr->last];

	if (xr->ntx && xobj_in(o, a, len))
		return (int)xr->last;
	for (uint32_t i = 0; i < xr->ntx; i++) {
		o = &xr->tx[i];
		if (xobj_in(o, a, len)) {
			xr->last = i;
			return (int)i;
		}
	}
	return -1;
}

/* Hand the peer part k of n of the object under id: one message, the
 * part's fd. */
static int xobj_send(struct nm_shm_wire *ep, uint32_t id, uint64_t size,
		     const struct nm_memobj_part *pt, uint32_t k, uint32_t n)
{
	struct nm_shm_xobj_msg m = { .magic = NM_SHM_XOBJ_MAGIC, .id = id, .size = size,
				     .fd_off = pt->fd_off, .off = pt->off, .len = pt->len,
				     .part = k, .nparts = n };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &pt->fd, sizeof(pt->fd));
	if (sendmsg(ep->sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)sizeof(m))
		return nm_err_sys(errno ? errno : EIO, "%s: sending part %u of %u of a memory object",
				  ep->wire.name, k, n);
	return 0;
}

/* Every part of obj can be mapped by the peer: memfds that cannot shrink
 * under its mapping (a read past the end would fault).  Its part count,
 * or -EOPNOTSUPP. */
static int xobj_shareable(const struct nm_memobj *obj)
{
	struct nm_memobj_part pt;
	int n = nm_memobj_kind(obj) == NM_MEM_MEMFD ? nm_memobj_backing(obj, 0, &pt) : -1;

	if (n < 1)
		return -EOPNOTSUPP;
	for (uint32_t k = 0; k < (uint32_t)n; k++) {
		int seals;

		nm_memobj_backing(obj, k, &pt);
		seals = fcntl(pt.fd, F_GET_SEALS);
		if (seals < 0 || !(seals & F_SEAL_SHRINK))
			return -EOPNOTSUPP;
	}
	return n;
}

/* Remember obj (our reference) as not shared: the oldest one's goes. */
static void xobj_remember_refused(struct nm_shm_xref *xr, struct nm_memobj *obj)
{
	struct nm_shm_xobj_tx *o = &xr->refused[xr->nrefused++ % NM_SHM_XREFUSED_MAX];

	if (xr->nrefused > NM_SHM_XREFUSED_MAX)
		nm_memobj_put(o->obj);
	*o = (struct nm_shm_xobj_tx){ .obj = obj, .base = (uintptr_t)nm_memobj_engine_addr(obj, 0),
				      .size = nm_memobj_size(obj) };
}

/* Share the object holding [p, p + len) with the peer, if it can be. */
static __attribute__((noinline)) int xobj_share(struct nm_shm_wire *ep, const void *p,
						size_t len)
{
	struct nm_shm_xref *xr = ep->xr;
	struct nm_memobj_part pt;
	struct nm_memobj *obj;
	uint32_t id = xr->ntx + 1;
	uint64_t off;
	int n, r = 0;

	if (xr->ntx == NM_SHM_XOBJ_MAX)
		return -ENOSPC;
	for (uint32_t i = 0; i < NM_SHM_XREFUSED_MAX && i < xr->nrefused; i++)
		if (xobj_in(&xr->refused[i], (uintptr_t)p, len))
			return -EOPNOTSUPP;
	xr->lookups++;
	r = nm_memobj_find_engine(p, len, &obj, &off);
	if (r)
		return r;
	n = xobj_shareable(obj);
	if (n < 0) {
		xobj_remember_refused(xr, obj);
		return n;
	}
	for (uint32_t k = 0; k < (uint32_t)n && !r; k++) {
		nm_memobj_backing(obj, k, &pt);
		r = xobj_send(ep, id, nm_memobj_size(obj), &pt, k, (uint32_t)n);
		if (r && k) {
			/* the peer holds part of it under id: the id is
			 * spent (an empty entry), the object stays copied */
			xr->tx[xr->ntx++] = (struct nm_shm_xobj_tx){ 0 };
			xobj_remember_refused(xr, obj);
			return r;
		}
	}
	if (r) {
		nm_memobj_put(obj);
		return r;
	}
	xr->tx[xr->ntx] = (struct nm_shm_xobj_tx){
		.obj = obj, .base = (uintptr_t)nm_memobj_engine_addr(obj, 0),
		.size = nm_memobj_size(obj) };
	xr->last = xr->ntx++;
	ep->st.ref_objs++;
	return 0;
}

uint64_t nm__shm_xref_lookups(const struct nm_shm_wire *ep)
{
	return ep->xr ? ep->xr->lookups : 0;
}

int nm__shm_xref_prepare(struct nm_shm_wire *ep, const struct nm_wire_ref *ref)
{
	uint64_t refused = atomic_load_explicit(&ep->sync->refused[ep->side],
						memory_order_relaxed);

	for (unsigned i = 0; i < ref->n; i++) {
		const struct iovec *v = &ref->iov[i];
		int k = xobj_find(ep->xr, v->iov_base, v->iov_len);

		if (k < 0) {
			int r = xobj_share(ep, v->iov_base, v->iov_len);

			if (r)
				return r;
			k = (int)ep->xr->last;
		}
		if (nm_unlikely(refused & (1ull << k)))
			return -EOPNOTSUPP;	/* the peer could not map it */
	}
	return 0;
}

void nm__shm_xref_write(struct nm_shm_wire *ep, uint32_t slot, const struct nm_wire_ref *ref)
{
	struct nm_shm_xdesc *xd = &ep->tx.xdescs[slot];

	for (unsigned i = 0; i < ref->n; i++) {
		const struct iovec *v = &ref->iov[i];
		int k = xobj_find(ep->xr, v->iov_base, v->iov_len);	/* prepared: there */
		const struct nm_shm_xobj_tx *o = &ep->xr->tx[k];

		xd->p[i] = (struct nm_shm_xpiece){ .off = (uintptr_t)v->iov_base - o->base,
						   .id = (uint32_t)k + 1,
						   .len = (uint32_t)v->iov_len };
	}
	xd->n = ref->n;
	atomic_store_explicit(&xd->state, NM_SHM_REF_LIVE, memory_order_relaxed);
}

static uint64_t xref_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void nm__shm_xref_kill(struct nm_shm_wire *ep, uint32_t slot)
{
	_Atomic uint32_t *state = &ep->tx.xdescs[slot].state;
	uint64_t until = 0;

	for (;;) {
		uint32_t st = NM_SHM_REF_LIVE;

		if (atomic_compare_exchange_strong_explicit(state, &st, NM_SHM_REF_DEAD,
							    memory_order_acq_rel,
							    memory_order_acquire) ||
		    st != NM_SHM_REF_BUSY || ep->peer_dead)
			return;
		/* the peer is copying it: wait, but not for a dead peer */
		if (!until)
			until = xref_now_ns() + NM_SHM_XKILL_WAIT_NS;
		else if (xref_now_ns() > until || nm__shm_peer_hung_up(ep))
			return;
		sched_yield();
	}
}

/* ---- receiver ------------------------------------------------------------- */

/* Tell the sender not to name object id (0: any) in frames any more. */
static __attribute__((cold)) void xobj_refuse(struct nm_shm_wire *ep, uint32_t id)
{
	uint64_t bits = id >= 1 && id <= NM_SHM_XOBJ_MAX ? 1ull << (id - 1) : ~0ull;

	atomic_fetch_or_explicit(&ep->sync->refused[!ep->side], bits, memory_order_relaxed);
}

static void xref_close_fds(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/* Part 0 of object o: its address range, reserved (nothing readable in
 * it until the parts are mapped there). */
static int xobj_begin(struct nm_shm_wire *ep, struct nm_shm_xobj_rx *o,
		      const struct nm_shm_xobj_msg *m)
{
	void *base;

	if (o->base || o->map)
		return nm_err(EPROTO, "%s: object %u sent twice", ep->wire.name, m->id);
	if (!m->size || m->size > NM_SHM_XOBJ_SIZE_MAX || !m->nparts ||
	    m->nparts > NM_MEMOBJ_MAX_PARTS)
		return nm_err(EPROTO, "%s: object %u of %llu bytes in %u parts", ep->wire.name,
			      m->id, (unsigned long long)m->size, m->nparts);
	base = mmap(NULL, m->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return nm_err_sys(errno, "%s: address range for object %u", ep->wire.name, m->id);
	*o = (struct nm_shm_xobj_rx){ .base = base, .size = m->size, .nparts = m->nparts };
	return 0;
}

/* The next part of o from fd: it must follow the last one, lie in a memfd
 * that cannot shrink and is long enough (no read of ours can fault), and
 * start on a page; the object is complete with its last part. */
static int xobj_part(struct nm_shm_wire *ep, struct nm_shm_xobj_rx *o,
		     const struct nm_shm_xobj_msg *m, int fd)
{
	struct stat sb;
	int seals;

	if (m->part != o->got || m->nparts != o->nparts || m->size != o->size ||
	    m->off != o->got_bytes || !m->len || m->len > o->size - m->off ||
	    (m->part + 1 == o->nparts) != (m->off + m->len == o->size) ||
	    ((m->off | m->fd_off) & (NM_SHM_PAGE - 1)))
		return nm_err(EPROTO, "%s: object %u part %u of %u: [%llu, +%llu) at fd offset %llu",
			      ep->wire.name, m->id, m->part, m->nparts,
			      (unsigned long long)m->off, (unsigned long long)m->len,
			      (unsigned long long)m->fd_off);
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK) || fstat(fd, &sb) || !S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size < m->fd_off || (uint64_t)sb.st_size - m->fd_off < m->len)
		return nm_err(EPROTO, "%s: object %u part %u is not a sealed memfd of %llu bytes",
			      ep->wire.name, m->id, m->part, (unsigned long long)m->len);
	/* not populated: the peer's object may be large and sparse, and only
	 * what its frames name is ever read */
	if (mmap(o->base + m->off, m->len, PROT_READ, MAP_SHARED | MAP_FIXED, fd,
		 (off_t)m->fd_off) == MAP_FAILED)
		return nm_err_sys(errno, "%s: mmap of object %u part %u", ep->wire.name, m->id,
				  m->part);
	o->got++;
	o->got_bytes += m->len;
	if (o->got == o->nparts) {
		o->map = o->base;
		ep->st.ref_objs++;
	}
	return 0;
}

/* A part of the object the peer sent as id, from fd (ours to close): 0,
 * or -errno if it does not check out (the object is then given up). */
static int xobj_map(struct nm_shm_wire *ep, const struct nm_shm_xobj_msg *m, int fd)
{
	struct nm_shm_xobj_rx *o;
	int r;

	if (m->magic != NM_SHM_XOBJ_MAGIC || m->id < 1 || m->id > NM_SHM_XOBJ_MAX)
		return nm_err(EPROTO, "%s: bad memory object message (id %u)", ep->wire.name,
			      m->id);
	o = &ep->xr->rx[m->id - 1];
	if (o->failed)
		return nm_err(EPROTO, "%s: object %u was given up", ep->wire.name, m->id);
	r = m->part == 0 ? xobj_begin(ep, o, m) : 0;
	if (!r)
		r = o->base ? xobj_part(ep, o, m, fd)
			    : nm_err(EPROTO, "%s: object %u part %u before part 0", ep->wire.name,
				     m->id, m->part);
	if (r && !o->map) {	/* "sent twice" leaves a complete one alone */
		if (o->base)
			munmap(o->base, o->size);
		*o = (struct nm_shm_xobj_rx){ .failed = true };
	}
	return r;
}

/* Read every object message waiting on the connection, never blocking. */
static __attribute__((noinline)) void xobj_recv_all(struct nm_shm_wire *ep)
{
	for (int i = 0; i < NM_SHM_XMSG_BATCH && !ep->xr->rx_broken; i++) {
		struct nm_shm_xobj_msg m;
		union {
			char buf[CMSG_SPACE(sizeof(int) * 4)];	/* room to see extra fds */
			struct cmsghdr align;
		} u;
		struct iovec iov = { &m, sizeof(m) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
				      .msg_controllen = sizeof(u.buf) };
		int fds[4], nfd = 0;
		ssize_t n = recvmsg(ep->sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (n <= 0)
			return;		/* nothing waiting, or the peer is gone */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			for (size_t k = 0; k < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) && nfd < 4;
			     k++)
				memcpy(&fds[nfd++], CMSG_DATA(c) + k * sizeof(int), sizeof(int));
		}
		if (n != (ssize_t)sizeof(m) || nfd != 1 || (msg.msg_flags & MSG_CTRUNC)) {
			/* out of step with the peer (or its fd did not fit
			 * our table): no more objects from it */
			ep->xr->rx_broken = true;
			ep->st.rx_invalid++;
			xobj_refuse(ep, 0);
			xref_close_fds(fds, nfd);
			return;
		}
		if (xobj_map(ep, &m, fds[0])) {
			ep->st.rx_invalid++;
			xobj_refuse(ep, m.id);
		}
		close(fds[0]);
	}
}

static const struct nm_shm_xobj_rx *xobj_get(struct nm_shm_wire *ep, uint32_t id)
{
	const struct nm_shm_xobj_rx *o;

	if (id < 1 || id > NM_SHM_XOBJ_MAX)
		return NULL;
	o = &ep->xr->rx[id - 1];
	if (nm_unlikely(!o->map))
		xobj_recv_all(ep);	/* sent before the frame was published */
	return o->map ? o : NULL;
}

int nm__shm_xref_claim(struct nm_shm_wire *ep, uint32_t slot, uint32_t rlen)
{
	struct nm_shm_xdesc *xd = &ep->rx.xdescs[slot];
	struct nm_wire_ref *ref = &ep->xr->ref;
	uint32_t n = __atomic_load_n(&xd->n, __ATOMIC_RELAXED), st = NM_SHM_REF_LIVE;
	uint64_t sum = 0;

	if (n == 0 || n > NM_WIRE_REF_IOV)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t off = __atomic_load_n(&xd->p[i].off, __ATOMIC_RELAXED);
		uint32_t id = __atomic_load_n(&xd->p[i].id, __ATOMIC_RELAXED);
		uint32_t len = __atomic_load_n(&xd->p[i].len, __ATOMIC_RELAXED);
		const struct nm_shm_xobj_rx *o = xobj_get(ep, id);

		if (!o || !len || off > o->size || len > o->size - off)
			return -1;
		ref->iov[i].iov_base = (void *)(o->map + off);
		ref->iov[i].iov_len = len;
		sum += len;
	}
	if (sum != rlen)
		return -1;
	if (!atomic_compare_exchange_strong_explicit(&xd->state, &st, NM_SHM_REF_BUSY,
						     memory_order_acquire, memory_order_relaxed))
		return st == NM_SHM_REF_DEAD ? 0 : -1;
	ref->n = n;
	ref->len = rlen;
	ep->rx.peek_ref = ref;
	ep->rx.peek_state = &xd->state;
	return 1;
}
