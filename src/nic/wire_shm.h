/* SPDX-License-Identifier: MIT */
#ifndef NM_NIC_WIRE_SHM_H
#define NM_NIC_WIRE_SHM_H

/*
 * Shared-memory wire, internal view: the layout of the shared region (one
 * memfd, the same in both processes), the private endpoint, and the calls
 * the three shm files make into each other:
 *
 *	wire_shm.c        the region, the rings, the endpoint and its ops
 *	wire_shm_fault.c  the per-direction fault injector (sender side)
 *	wire_shm_rdv.c    rendezvous: in-process pair, create/connect by name
 *	wire_shm_access.c who may attach: the connecting process's credentials
 *	wire_shm_xref.c   references across processes: shared memory objects
 *
 * Region layout (offsets are multiples of 4096, all computed from the
 * sizes in the header, so the header's offsets are checked, never used
 * blindly):
 *
 *	0                   struct nm_shm_hdr
 *	dir[d].ctrl_off     struct nm_shm_ctrl     (head, tail, wakeup flag)
 *	dir[d].desc_off     struct nm_shm_desc[ring_entries]
 *	dir[d].arena_off    arena_bytes of frame data (a byte ring)
 *	xref_off            (a creator that allows references across
 *	                    processes, past total_size so that peers that
 *	                    know nothing of it accept the region)
 *	                    struct nm_shm_refsync, then per direction
 *	                    struct nm_shm_xdesc[ring_entries]
 *
 * Direction 0 carries frames from endpoint A (side 0, the creator) to B,
 * direction 1 from B to A.  Each direction is single producer, single
 * consumer.
 *
 * Trust: everything in the region can be written by the peer at any time.
 * An endpoint copies the sizes out of the header once, when it attaches,
 * and afterwards reads from the region only indices and descriptors, each
 * loaded once and bounds-checked before use.
 */

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <netmem/wire.h>

#include "nic/wire_drv.h"

#define NM_SHM_MAGIC		0x4e4d5357u	/* "NMSW" */
#define NM_SHM_VERSION		1u
#define NM_SHM_CACHELINE	64
#define NM_SHM_PAGE		4096u
#define NM_SHM_FRAME_ALIGN	64u		/* frames start on a cache line */
#define NM_SHM_MIN_FRAME	14u		/* an Ethernet header */
#define NM_SHM_VLAN_OVERHEAD	18u		/* Ethernet header + one VLAN tag */
#define NM_SHM_RING_MIN		2u		/* a duplicated frame takes two slots */
#define NM_SHM_RING_MAX		(1u << 20)
#define NM_SHM_RING_DEFAULT	1024u
#define NM_SHM_ARENA_DEFAULT	(16u << 20)
#define NM_SHM_ARENA_MAX	(1u << 30)
#define NM_SHM_MTU_MIN		68u		/* IPv4's minimum */
#define NM_SHM_MTU_MAX		(65535u - 14u)
#define NM_SHM_DELAY_MAX	(1u << 20)	/* delay_frames bound */
#define NM_SHM_HOLD_MAX		64u		/* frames the injector holds back at once */

#define NM_SHM_F_GSO		0x1u
#define NM_SHM_HLEN_DONE	(1u << 31)
#define NM_SHM_HLEN_REF		(1u << 30)	/* lent with its reference claimed */

/* One frame in flight.  32 bytes: two per cache line.  ref_len != 0: the
 * arena holds only the frame's first len bytes (its headers) and the
 * payload, ref_len bytes, is referenced through the sender's slot in the
 * pair's reference table (struct nm_shm_refs), or across processes in the
 * slot's struct nm_shm_xdesc; only an endpoint that agreed to references
 * at set-up accepts such a descriptor. */
struct nm_shm_desc {
	uint32_t off;			/* into the direction's arena */
	uint32_t len;
	struct nm_wire_meta meta;
	uint32_t ref_len;
	uint32_t rsvd[2];
};

/*
 * References (in-process pairs that agreed at set-up): per direction, one
 * entry per ring slot, written by the sender before it publishes the slot
 * and read by the receiver after it acquired head.  state arbitrates the
 * one race, a sender revoking (its NIC is going) while the receiver copies:
 *
 *	FREE --commit--> LIVE --rx peek--> BUSY --rx consume--> LIVE
 *	LIVE --revoke--> DEAD  (the receiver skips it; revoke waits out BUSY)
 *	BUSY --revoke--> ORPHAN --rx consume--> DEAD  (below)
 *
 * Releases run on the sender's thread for slots the consumer's tail passed
 * (its copy is over before it stores tail), oldest first; a duplicated
 * frame's reference is released by its last slot (owner).
 *
 * A revoke that finds a slot BUSY waits for the other thread's copy to end,
 * unless the claim is its own thread's (a caller that peeked or received
 * a frame, then revoked or destroyed the sending end before consuming it):
 * that wait would never end.  It then hands the slot over (ORPHAN), and
 * the consume, on that same thread, releases the reference.
 */
enum { NM_SHM_REF_FREE, NM_SHM_REF_LIVE, NM_SHM_REF_BUSY, NM_SHM_REF_DEAD, NM_SHM_REF_ORPHAN };
struct nm_shm_tref {
	struct nm_wire_ref ref;
	_Atomic uint32_t state;
	bool owner;			/* releasing this slot releases ref */
	_Atomic unsigned long claimer;	/* pthread_self() of the last claim */
};
/* The flags both ends of a wire with references read and write: in the
 * pair's heap table in process, in the shared region across processes. */
struct nm_shm_refsync {
	_Atomic uint32_t want[2];	/* [d]: direction d's receiver asks for refs */
	/* [d]: direction d's sender sleeps with references out: its
	 * receiver wakes it after the next referenced frame it consumes,
	 * so the releases (and zerocopy completions) do not wait for
	 * unrelated traffic */
	_Atomic uint32_t ref_wake[2];
	/* [s]: side s's shared objects its peer cannot use (bit id - 1; all
	 * bits once the connection that carries them broke): side s copies
	 * payloads in them into the arena, as for memory it cannot share,
	 * instead of referencing them in frames its peer would drop
	 * (across processes; wire_shm_xref.c) */
	_Atomic uint64_t refused[2];
};
struct nm_shm_refs {
	_Atomic int users;		/* endpoints attached; the last frees it */
	struct nm_shm_tref *dir[2];	/* [d]: direction d's slots */
	struct nm_shm_refsync sync;
	/* [d]: direction d's sender wants every reference its receiver
	 * holds on loan back (ref_give_back); the receiver clears it once it
	 * holds none */
	_Atomic uint32_t give_back[2];
};

/*
 * References across processes (wire_shm_xref.c): the payload lies in a
 * memory object whose memfd the sender passed over the rendezvous
 * connection (struct nm_shm_xobj_msg + SCM_RIGHTS) before the first frame
 * naming it; the slot's descriptor names it by id.  Written by the sender
 * before it publishes the slot, read by the receiver after its acquire of
 * head; state arbitrates as in struct nm_shm_tref (the receiver claims
 * LIVE -> BUSY, the sender revokes LIVE -> DEAD).  Everything in it is the
 * peer's to write: each field is loaded once and checked.
 */
#define NM_SHM_XOBJ_MAX		64	/* objects one endpoint shares */
#define NM_SHM_XOBJ_MAGIC	0x4e4d584fu	/* "NMXO" */
struct nm_shm_xpiece {
	uint64_t off;			/* in the object */
	uint32_t id;			/* 1 .. NM_SHM_XOBJ_MAX */
	uint32_t len;
};
struct nm_shm_xdesc {
	_Atomic uint32_t state;
	uint32_t n;			/* pieces, at most NM_WIRE_REF_IOV */
	struct nm_shm_xpiece p[NM_WIRE_REF_IOV];
};
/* Sent once per part of an object (one for a memfd, one per item for a
 * udmabuf list), in order, each with its part's memfd: [fd_off, fd_off +
 * len) of the fd holds [off, off + len) of the object of size bytes, the
 * parts back to back from 0, each but the last a whole number of pages. */
struct nm_shm_xobj_msg {
	uint32_t magic;
	uint32_t id;
	uint64_t size;
	uint64_t fd_off;
	uint64_t off, len;
	uint32_t part, nparts;
};
struct nm_shm_xref;

/* Per direction.  Producer and consumer fields on separate lines. */
struct nm_shm_ctrl {
	alignas(NM_SHM_CACHELINE) _Atomic uint64_t head;	/* producer: next slot to fill */
	alignas(NM_SHM_CACHELINE) _Atomic uint64_t tail;	/* consumer: next slot to read */
	/* consumer sets it before it may sleep on the eventfd; the producer
	 * takes it (exchange to 0) and writes the eventfd */
	alignas(NM_SHM_CACHELINE) _Atomic uint32_t want_signal;
};

struct nm_shm_dir_layout {
	uint64_t ctrl_off, desc_off, arena_off;
};

struct nm_shm_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t hdr_size;		/* sizeof(struct nm_shm_hdr) */
	uint32_t desc_size;		/* sizeof(struct nm_shm_desc) */
	uint32_t ring_entries;		/* per direction, power of two */
	uint32_t arena_bytes;		/* per direction, multiple of 4096 */
	uint32_t mtu;
	uint32_t flags;			/* NM_SHM_F_* */
	uint64_t total_size;
	struct nm_shm_dir_layout dir[2];
	struct nm_wire_faults faults[2];	/* [d]: applied by direction d's sender */
	_Atomic uint32_t alive[2];	/* side attached and not destroyed */
};

/* ---- private endpoint ------------------------------------------------- */

/* Producer state of the outgoing direction.  Hot: touched every xmit. */
struct nm_shm_tx {
	struct nm_shm_ctrl *ctrl;
	struct nm_shm_desc *descs;
	uint8_t *arena;
	uint64_t head;			/* next slot; == ctrl->head */
	uint64_t tail;			/* last tail read and accepted */
	uint64_t apos;			/* arena bytes ever allocated (monotonic) */
	uint64_t atail;			/* arena bytes ever freed */
	uint32_t aoff;			/* apos mod arena_bytes */
	uint32_t mask;
	uint32_t arena_bytes;
	uint32_t eagain_streak;		/* consecutive -EAGAINs, to pace peer checks */
	uint32_t rewind_at;		/* aoff at which to look for an idle ring */
	uint64_t *astart;		/* [slot]: arena position where its frame begins */
	int efd;			/* signalled empty -> non-empty */
	/* references (NULL without): our direction's slots, and the oldest
	 * slot whose reference is not released yet (<= tail) */
	struct nm_shm_tref *trefs;
	uint64_t ref_tail;
	uint32_t refs_out;		/* slots in [ref_tail, head) holding a reference */
	bool revoked;			/* ref_revoke ran: no more references */
	struct nm_shm_xdesc *xdescs;	/* across processes: our direction's, shared */
	uint32_t stalls;		/* tx_complete calls in a row that released
					 * nothing, to pace peer checks */
};

/* Consumer state of the incoming direction.  Hot: touched every rx_copy.
 * Slots [rtail, tail) are lent out (hold) or consumed behind a lent one;
 * ctrl->tail is rtail, so the producer reuses none of their bytes. */
struct nm_shm_rx {
	struct nm_shm_ctrl *ctrl;
	struct nm_shm_desc *descs;
	uint8_t *arena;
	uint64_t tail;			/* next slot to read */
	uint64_t rtail;			/* oldest slot not given back; == ctrl->tail */
	uint64_t blocked_bytes;		/* arena bytes of slots [rtail, tail) */
	uint32_t nheld;			/* frames lent and not released */
	uint32_t nheld_refs;		/* of them, referenced ones (claimed: BUSY) */
	uint32_t *hlen;			/* [slot]: arena bytes of a frame in
					 * [rtail, tail), | NM_SHM_HLEN_DONE if it
					 * was consumed behind a lent one,
					 * | NM_SHM_HLEN_REF if lent referenced */
	uint64_t head;			/* last head read and accepted */
	uint32_t mask;
	uint32_t arena_bytes;
	uint32_t peek_len;		/* length of the peeked frame */
	bool peeked;			/* slot tail is handed out by peek */
	bool armed;			/* get_fd was called: ask for wakeups */
	bool lazy;			/* arm() was called: only it asks for them */
	int efd;
	struct nm_shm_tref *rrefs;	/* the peer's slots (NULL: no references) */
	struct nm_shm_xdesc *xdescs;	/* across processes: the peer's, shared */
	/* the peeked frame's reference, and its state word (BUSY now) */
	const struct nm_wire_ref *peek_ref;
	_Atomic uint32_t *peek_state;
	uint32_t peek_off;		/* its arena offset */
	uint8_t *bounce;		/* peek/rx_copy of a referenced frame */
	bool peek_flat;			/* the peeked frame is in bounce */
	int want_ref;			/* what we last told the sender (nm_wire_want) */
	bool ref_seen;			/* consumed a referenced frame since the
					 * last wake check (nm_shm_ref_wake) */
};

struct nm_shm_inj;

struct nm_shm_wire {
	struct nm_wire wire;		/* first: the NIC sees only this */
	uint32_t magic;			/* NM_SHM_MAGIC while alive */
	int side;			/* 0: A (creator), 1: B */
	uint32_t frame_max;		/* largest frame: NM_WIRE_MAX_FRAME with gso */
	uint32_t frame_plain;		/* largest frame without a GSO type: mtu + 18 */
	struct nm_shm_tx tx;
	struct nm_shm_rx rx;
	struct nm_wire_stats st;
	struct nm_shm_inj *inj;		/* NULL: this side injects no faults */
	_Atomic uint32_t *peer_alive;
	_Atomic uint32_t *self_alive;
	bool peer_dead;			/* latched once seen */
	void *map;
	size_t map_size;
	uint32_t ring_entries;
	struct nm_shm_refs *refs;	/* in-process references, or NULL */
	struct nm_shm_refsync *sync;	/* references agreed (either kind), or NULL */
	struct nm_shm_xref *xr;		/* references across processes, or NULL */
	size_t xref_off;		/* where the region's xref area starts; 0: none */
	int sock;			/* connection to the peer process, -1 in-process */
	int lsock;			/* creator: the listener that keeps the name, else -1 */
};

static inline struct nm_shm_wire *nm_shm_wire_of(struct nm_wire *w)
{
	return (struct nm_shm_wire *)((char *)w - offsetof(struct nm_shm_wire, wire));
}


/* ---- wire_shm.c ------------------------------------------------------- */

/* Check params (0 fields take defaults) and fill a header for them. */
int nm__shm_layout(const struct nm_wire_shm_params *p, struct nm_shm_hdr *h);
/* A sealed memfd holding an initialized region for params p, with the
 * xref area (references across processes) when xref. */
int nm__shm_region_create(const struct nm_wire_shm_params *p, bool xref, int *memfd);
/* The xref area of a region of total_size bytes and ring_entries slots:
 * it starts at off and ends at end (from the region's start); the flags
 * (struct nm_shm_refsync) open it, direction d's descriptors start desc[d]
 * bytes into it.  Creator, attach and enable all place it from here. */
struct nm_shm_xlayout {
	uint64_t off, desc[2], end;
};
void nm__shm_xref_layout(uint32_t ring_entries, uint64_t total_size, struct nm_shm_xlayout *x);
/* Map the region in memfd and become side `side` of it.  On success the
 * endpoint owns efd_tx, efd_rx, sock and lsock (the caller keeps memfd);
 * on failure the caller still owns all of them.  -EPROTO for a region
 * whose header is wrong. */
int nm__shm_attach(int memfd, int side, int efd_tx, int efd_rx, int sock, int lsock,
		   const char *name, struct nm_wire **out);

/* Producer primitives, for the injector.  Caller owns the tx side.
 * reserve: room for a frame of len bytes in nslots slots, or NULL (full);
 * nothing changes until commit publishes the frame nslots times. */
uint8_t *nm__shm_tx_reserve(struct nm_shm_wire *ep, uint32_t len, uint32_t nslots);
void nm__shm_tx_commit(struct nm_shm_wire *ep, uint32_t len, const struct nm_wire_meta *meta,
		       uint32_t nslots);
/* Same for a frame of len bytes of headers in the arena followed by ref
 * (NULL: none), which the slots take over. */
void nm__shm_tx_commit_ref(struct nm_shm_wire *ep, uint32_t len, const struct nm_wire_meta *meta,
			   uint32_t nslots, const struct nm_wire_ref *ref);
/* In-process pair: share one reference table between a and b. */
int nm__shm_refs_link(struct nm_wire *a, struct nm_wire *b);
/* The peer process closed the rendezvous connection (one poll()). */
bool nm__shm_peer_hung_up(const struct nm_shm_wire *ep);
/* The -EAGAIN slow path: sets the message, and every so often checks
 * whether the peer process is gone (-ENOTCONN). */
int nm__shm_tx_full(struct nm_shm_wire *ep);

/* Debug: check the endpoint's invariants (0 or -EUCLEAN with a message). */
int nm__wire_shm_assert_ok(struct nm_wire *w);
/* Debug: the shared region as mapped by this endpoint (tests scribble it). */
int nm__wire_shm_region(struct nm_wire *w, void **base, size_t *size);
/* Debug: slots of this endpoint's direction still holding a reference. */
int nm__wire_shm_refs_out(struct nm_wire *w);

/* ---- wire_shm_xref.c -------------------------------------------------- */

/* Whether NM_SHM_REFS (the environment) leaves references on. */
bool nm__shm_refs_env(void);
/* Both sides agreed (after the hello/ack): references across processes
 * from now on.  The region must have the xref area. */
int nm__shm_xref_enable(struct nm_shm_wire *ep);
void nm__shm_xref_destroy(struct nm_shm_wire *ep);
/* Debug: the table of shared objects is sane (0 or -EUCLEAN). */
int nm__shm_xref_assert_ok(const struct nm_shm_wire *ep);
/* Sender: 0 if every piece of ref lies in a memory object shared with the
 * peer (sharing it now, its fd sent before this returns), else -errno
 * (send a copy).  Caller owns the tx side. */
int nm__shm_xref_prepare(struct nm_shm_wire *ep, const struct nm_wire_ref *ref);
/* Sender: slot's descriptor for ref, prepared before (state LIVE). */
void nm__shm_xref_write(struct nm_shm_wire *ep, uint32_t slot, const struct nm_wire_ref *ref);
/* Sender: slot's frame may no longer be read (revoke): 0 once it is DEAD
 * or the peer is done with it (waits out a copy, within bounds). */
void nm__shm_xref_kill(struct nm_shm_wire *ep, uint32_t slot);
/* Receiver: claim the referenced frame at slot, of rlen payload bytes:
 * 1 (BUSY; rx->peek_ref and peek_state set), 0 its sender revoked it,
 * -1 it does not check out (unknown object, range, pieces). */
int nm__shm_xref_claim(struct nm_shm_wire *ep, uint32_t slot, uint32_t rlen);
/* Sender: how often a payload's memory object was looked up in the engine
 * index (at most once per object, shared or refused; tests). */
uint64_t nm__shm_xref_lookups(const struct nm_shm_wire *ep);

/* ---- wire_shm_fault.c ------------------------------------------------- */

/* NULL *out when f injects nothing. */
int nm__shm_inj_create(const struct nm_wire_faults *f, uint32_t frame_max,
		       struct nm_shm_inj **out);
void nm__shm_inj_destroy(struct nm_shm_inj *inj);
/* xmit through the injector: 0 accepted (maybe dropped, held, duplicated),
 * -EAGAIN full (the injector's state is as before the call). */
int nm__shm_inj_xmit(struct nm_shm_wire *ep, const struct iovec *iov, unsigned iovcnt,
		     uint32_t len, const struct nm_wire_meta *meta,
		     const struct nm_wire_ref *ref);
/* Drop every held frame that references memory, releasing it (revoke). */
void nm__shm_inj_drop_refs(struct nm_shm_wire *ep);
int nm__shm_inj_flush(struct nm_shm_wire *ep);
unsigned nm__shm_inj_held(const struct nm_shm_inj *inj);
/* The endpoint's owner polls it (idle: it is about to sleep): release the
 * held frames that waited NM_SHM_HOLD_MAX_US, or all of them when idle, so
 * reordering and delay stay bounded without later traffic.  0, or -EAGAIN
 * when the ring filled first (the rest stay held).  No-op without faults. */
#define NM_SHM_HOLD_MAX_US	100u
int nm__shm_inj_tick(struct nm_shm_wire *ep, bool idle);

/* ---- wire_shm_access.c ---- */
/* The access fields of p are sane (-EINVAL otherwise). */
int nm__shm_access_check_params(const struct nm_wire_shm_params *p);
/* The credentials of the process at the other end of unix socket sock. */
int nm__shm_peer_cred(int sock, struct ucred *cred);
/* 1: the peer on sock may attach under p, 0: it may not (cred says who
 * it is, for the refusal), -errno: its credentials could not be read. */
int nm__shm_access_admit(const struct nm_wire_shm_params *p, int sock, struct ucred *cred);

#endif /* NM_NIC_WIRE_SHM_H */
