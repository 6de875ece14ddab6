/* SPDX-License-Identifier: MIT */
#ifndef NM_NIC_WIRE_DRV_H
#define NM_NIC_WIRE_DRV_H

/*
 * The wire's driver side: the vtable every wire implements (struct
 * nm_wire_ops, one implementation per file: src/nic/wire_shm.c,
 * src/nic/wire_tap.c) and the dispatch helpers the NIC, the stack and the
 * tests call.  Not part of the public API: an application makes a wire
 * (include/netmem/wire.h), gives it to a netdev and reads its counters.
 *
 * The NIC never branches on which wire it has: it receives through the rx
 * op alone, which lends a frame or copies it into buffers the NIC offers.
 * Frames may carry offload metadata in the virtio-net header's terms
 * (struct nm_wire_meta): a transmitted frame larger than the MTU with a GSO
 * type is segmented by whoever can (the kernel behind a TAP), a received one
 * may be a GSO super-frame of up to 64 KiB (like LRO).
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <netmem/wire.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NM_WIRE_MAX_FRAME	65550	/* 64 KiB GSO frame + Ethernet/VLAN header */
#define NM_WIRE_MAX_IOV		64	/* most iovec entries one xmit/rx_copy takes */

/* Offload metadata, the virtio_net_hdr fields we use. */
#define NM_WIRE_F_NEEDS_CSUM	0x01	/* checksum at csum_start+csum_offset still to fill */
#define NM_WIRE_F_DATA_VALID	0x02	/* checksums already verified */

enum nm_wire_gso {
	NM_WIRE_GSO_NONE = 0,
	NM_WIRE_GSO_TCPV4 = 1,
	NM_WIRE_GSO_UDP = 3,		/* UFO, never produced by us */
	NM_WIRE_GSO_TCPV6 = 4,
	NM_WIRE_GSO_UDP_L4 = 5,		/* USO */
};

struct nm_wire_meta {
	uint8_t flags;			/* NM_WIRE_F_* */
	uint8_t gso_type;		/* enum nm_wire_gso */
	uint16_t hdr_len;		/* Ethernet + IP + L4 header bytes */
	uint16_t gso_size;		/* L4 payload bytes per segment */
	uint16_t csum_start;
	uint16_t csum_offset;
};

/*
 * Receiving for the NIC (nm_wire_ops.rx).  A wire delivers each frame one
 * of two ways, and says which: it lends the frame where it lies (shm: the
 * bytes stay in the wire's arena), or it copies the frame into buffers the
 * NIC offers (TAP: the kernel's read lands in the RX queue's own buffers).
 * The NIC offers its buffers through get(), which only a wire that copies
 * calls, so a lending wire costs the NIC no buffer planning.
 */
struct nm_wire_rxbufs {
	/* Fill iov (at most max entries) with room for one frame of up to
	 * NM_WIRE_MAX_FRAME bytes.  Returns the entries used (>= 1) or
	 * -errno, which the wire returns as its own.  At most once per rx. */
	int (*get)(struct nm_wire_rxbufs *bufs, struct iovec *iov, unsigned max);
	/* The NIC would copy a lent frame's payload anyway (the queue it
	 * predicts is device memory, or lending is off): a wire that can
	 * both lend and copy (TAP on io_uring) should copy into get()'s
	 * buffers, which saves that copy. */
	bool prefer_copy;
};

/*
 * A payload that a frame references where it already lies (the sender's
 * memory) instead of carrying it: a wire that agreed to references at
 * set-up (shm; docs/nic.md, "One copy on the shm wire") carries only the
 * frame's headers and this, and the receiving NIC copies the payload once,
 * straight into its RX buffer.  The sender keeps the memory unchanged and
 * mapped until release(arg) is called.
 */
#define NM_WIRE_REF_IOV		4	/* pieces of one referenced payload */
struct nm_wire_ref {
	struct iovec iov[NM_WIRE_REF_IOV];	/* the payload, in order */
	unsigned n;
	uint32_t len;			/* sum of iov[0..n) */
	/* Called exactly once, on the sender's thread (nm_wire_tx_complete(),
	 * nm_wire_ref_revoke()), once no frame referencing the payload can
	 * be read any more: the peer consumed every copy of it, the wire
	 * dropped it, or the peer or the sender's NIC is gone. */
	void (*release)(void *arg);
	void *arg;
	/* host memory: a receiver in the sender's address space may lend it
	 * to its CPU where it lies (nm_wire.lend_refs); else device memory,
	 * which the receiving NIC must copy */
	bool host;
};

/* What a receiving NIC asks its sender to reference (nm_wire_rx_want_ref),
 * bits: payloads in device memory (it would copy them anyway: a queue of
 * device memory, or lending off), payloads in host memory (it lends them
 * where they lie, nm_wire.lend_refs).  Each kind goes by reference only
 * where that saves the receiving thread work; otherwise the sender's NIC
 * copies it into the arena, off the receiving thread.  DEV is 1, so that a
 * bool true still says what it always did. */
enum nm_wire_want {
	NM_WIRE_WANT_NONE = 0,
	NM_WIRE_WANT_DEV = 1,
	NM_WIRE_WANT_HOST = 2,
};

struct nm_wire_frame {
	/* The frame, read-only where the wire lends it: valid until the NIC
	 * calls consume() (done with it) or hold() (keeps it on loan).  NULL:
	 * the wire copied it into the buffers get() gave, and it owes the
	 * wire nothing. */
	const uint8_t *data;
	uint32_t len;			/* the frame's length; more than get()'s
					 * buffers held when it was cut (counted) */
	struct nm_wire_meta meta;	/* offloads (the virtio-net header's) */
	/* A referenced frame (the NIC zeroes both before rx): data holds its
	 * first head_len bytes (the headers), ref the other len - head_len
	 * (the payload, in the sender's memory, read-only), valid until
	 * consume().  Never held.  ref NULL: data holds all len bytes. */
	const struct nm_wire_ref *ref;
	uint32_t head_len;
};

struct nm_wire_ops {
	const char *kind;
	/* Send one frame gathered from iov.  -EAGAIN if the wire cannot take
	 * it now (full), -EMSGSIZE if too large, -ENOTCONN without a peer. */
	int (*xmit)(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		    const struct nm_wire_meta *meta);
	/* Optional zero-copy receive: a read-only view of the next frame,
	 * valid until consume().  -EAGAIN if none.  Wires without it
	 * (TAP) leave it NULL.  (The NIC receives through rx, below.) */
	int (*peek)(struct nm_wire *w, const uint8_t **frame, uint32_t *len,
		    struct nm_wire_meta *meta);
	int (*consume)(struct nm_wire *w);
	/* Copy the next frame into iov (scatter), consuming it.  Returns the
	 * frame's length, which is more than the iov holds if it was
	 * truncated (counted); -EAGAIN if there is none. */
	int (*rx_copy)(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		    struct nm_wire_meta *meta);
	/* An fd that polls readable when frames may be waiting (-1: poll
	 * by calling rx_copy/peek). */
	int (*get_fd)(struct nm_wire *w);
	int (*get_stats)(struct nm_wire *w, struct nm_wire_stats *st);
	void (*destroy)(struct nm_wire *w);
	/* Optional: the caller is about to sleep on get_fd()'s fd.  Arm the
	 * wakeup for the next frame; > 0 if frames already wait (do not
	 * sleep), 0 if armed.  Once called, the wire may stop signalling the
	 * fd for sleeps not prepared this way (shm: an empty rx_copy/peek no
	 * longer arms it).  NULL: the fd needs no arming (TAP). */
	int (*arm)(struct nm_wire *w);
	/* Optional (shm), with peek: lend the peeked frame.  Its bytes stay
	 * where they lie, unchanged by the wire, until release(); the next
	 * peek shows the next frame.  consume() while frames are held frees
	 * that frame as soon as every frame held before it is released.
	 * Returns 1 under pressure: what the oldest held frame blocks (it and
	 * everything after it) is more than half of the wire's buffer or
	 * ring, so the producer will stall unless frames come back; else 0. */
	int (*hold)(struct nm_wire *w);
	/* Give back the n oldest held frames (0: none, just report).  1
	 * under pressure afterwards, else 0; -EINVAL past what is held. */
	int (*release)(struct nm_wire *w, uint32_t n);
	/* The NIC's one way in: the next frame, lent (f->data set; the NIC
	 * then calls consume or hold) or copied into buffers asked of bufs
	 * (f->data NULL).  0, or -EAGAIN if none waits; -errno on failure.
	 * Required of a wire a netdev runs on. */
	int (*rx)(struct nm_wire *w, struct nm_wire_rxbufs *bufs, struct nm_wire_frame *f);
	/* Optional (TAP on io_uring): on, the caller promises to call it
	 * again with off before it yields (the stack's loop pass), and the
	 * wire may queue what xmit is given until then, copying what it must
	 * keep; off sends what is queued.  Errors of queued frames are
	 * counted (tx_dropped), not returned.  NULL: xmit sends at once. */
	void (*tx_batch)(struct nm_wire *w, bool on);

	/* References (shm with refs agreed at set-up), all optional. */
	/* Whether xmit_ref may be used now for a payload in host memory
	 * (host) or device memory: agreed, the peer is there and its NIC
	 * asked for references to such payloads (rx_want_ref). */
	bool (*ref_ok)(struct nm_wire *w, bool host);
	/* Send a frame of the headers in hdr followed by ref's payload,
	 * which stays where it lies.  0: taken, ref->release will be called
	 * exactly once (maybe during the call: a dropped frame); -EAGAIN
	 * (full), -ENOTCONN, -EMSGSIZE: not taken, release is not called. */
	int (*xmit_ref)(struct nm_wire *w, const struct iovec *hdr, unsigned n,
			const struct nm_wire_ref *ref, const struct nm_wire_meta *meta);
	/* Sender's thread: release the references of frames the peer has
	 * consumed since the last call (all of them once the peer is gone). */
	void (*tx_complete)(struct nm_wire *w);
	/* Sender's thread, its NIC going away: no frame of this side may be
	 * read by reference any more; release every reference (waiting out
	 * a copy the peer is making).  Frames not yet read are dropped. */
	void (*ref_revoke)(struct nm_wire *w);
	/* Receiver's NIC: which references it wants (enum nm_wire_want).
	 * Cheap when unchanged. */
	void (*rx_want_ref)(struct nm_wire *w, int want);
	/* Sender's thread: its memory is needed back (a send ring full of
	 * referenced bytes): the peer is to give back every referenced frame
	 * it holds on loan, copying what its stack still keeps, and is woken
	 * to do so. */
	void (*ref_give_back)(struct nm_wire *w);
};

/* Every wire starts with this. */
struct nm_wire {
	const struct nm_wire_ops *ops;
	char name[32];
	uint32_t mtu;			/* largest frame payload (L3) it carries */
	bool gso;			/* carries GSO super-frames both ways */
	/* hold/release take referenced frames too (their payload stays the
	 * sender's until released: a pair in one process) */
	bool lend_refs;
};

/* Dispatch helpers, validating arguments. */
int nm_wire_xmit(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		 const struct nm_wire_meta *meta);
int nm_wire_rx_copy(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		 struct nm_wire_meta *meta);
int nm_wire_peek(struct nm_wire *w, const uint8_t **frame, uint32_t *len,
		 struct nm_wire_meta *meta);
/* The next frame for the NIC (nm_wire_ops.rx).  -EOPNOTSUPP on a wire
 * without rx. */
int nm_wire_rx(struct nm_wire *w, struct nm_wire_rxbufs *bufs, struct nm_wire_frame *f);
int nm_wire_consume(struct nm_wire *w);
/* Gather: len bytes from offset off of the iovec list into dst (SIZE_MAX:
 * to the list's end); the bytes copied.  The one copy of scattered bytes
 * into a frame, a bounce buffer or an arena slot (every frame on the shm
 * wire's path: inline). */
static inline size_t nm_wire_gather(uint8_t *dst, const struct iovec *iov, unsigned iovcnt,
				    size_t off, size_t len)
{
	size_t done = 0;

	for (unsigned i = 0; i < iovcnt && done < len; i++) {
		size_t k;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		k = iov[i].iov_len - off;
		k = k < len - done ? k : len - done;
		memcpy(dst + done, (const uint8_t *)iov[i].iov_base + off, k);
		done += k;
		off = 0;
	}
	return done;
}

/* For a wire's rx_copy: a frame of len bytes at src copied into iov (what
 * does not fit is cut off); the bytes copied. */
uint32_t nm_wire_copy_out(const struct iovec *iov, unsigned iovcnt, const uint8_t *src,
			  uint32_t len);
int nm_wire_get_fd(struct nm_wire *w);
/* Before sleeping on nm_wire_get_fd()'s fd: > 0 if frames already wait,
 * 0 if the fd will poll readable for the next one.  After the first call
 * the fd is armed only by this call (a consumer that spins never pays for
 * wakeups); without it, get_fd arms the wire for good. */
int nm_wire_arm(struct nm_wire *w);

/* Bracket a run of transmits (the stack's loop pass): between on and off
 * the wire may queue frames and send them together at off.  No-op on a
 * wire that sends each frame at once. */
void nm_wire_tx_batch(struct nm_wire *w, bool on);

/* Lending (shm, TAP on io_uring): keep the peeked frame where it lies instead of consuming
 * it, and give it back later (see nm_wire_ops.hold and .release).
 * -EOPNOTSUPP on a wire that cannot lend.  Both return 1 under pressure
 * (give frames back, or the producer stalls), else 0. */
int nm_wire_hold(struct nm_wire *w);
int nm_wire_release(struct nm_wire *w, uint32_t n);
/* Whether w can lend frames (hold/release). */
bool nm_wire_can_lend(const struct nm_wire *w);

/* References (nm_wire_ops.ref_ok .. rx_want_ref); each is false or a
 * no-op on a wire without them, so the NIC never asks which wire it has. */
bool nm_wire_ref_ok(struct nm_wire *w, bool host);
int nm_wire_xmit_ref(struct nm_wire *w, const struct iovec *hdr, unsigned n,
		     const struct nm_wire_ref *ref, const struct nm_wire_meta *meta);
void nm_wire_tx_complete(struct nm_wire *w);
void nm_wire_ref_revoke(struct nm_wire *w);
void nm_wire_rx_want_ref(struct nm_wire *w, int want);
void nm_wire_ref_give_back(struct nm_wire *w);

/* ---- shm ----------------------------------------------------------------- */

/* Publish every frame the fault injector holds back (reorder, delay) on
 * this endpoint's direction now.  Held frames are otherwise released by
 * later xmits and by the endpoint's own polling (a receive that finds
 * nothing, a sleep), so none waits forever; a test that drives a wire by
 * hand calls this to see them at once.  0 when none is left held, -EAGAIN
 * if the ring filled first, -EINVAL if w is not an shm wire. */
int nm_wire_shm_flush(struct nm_wire *w);

#ifdef __cplusplus
}
#endif
#endif /* NM_NIC_WIRE_DRV_H */
