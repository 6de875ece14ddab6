/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_WIRE_H
#define NETMEM_WIRE_H

/*
 * Wires: the PHY under the virtual NIC.  A wire moves whole Ethernet frames
 * (no FCS) between two endpoints.  Implementations sit behind struct
 * nm_wire_ops, one per file (src/nic/wire_shm.c, src/nic/wire_tap.c); the
 * NIC never branches on which one it has: it receives through the rx op
 * alone, which lends a frame or copies it into buffers the NIC offers.
 *
 * Frames may carry offload metadata in the virtio-net header's terms
 * (struct nm_wire_meta): a transmitted frame larger than the MTU with a GSO
 * type is segmented by whoever can (the kernel behind a TAP), a received one
 * may be a GSO super-frame of up to 64 KiB (like LRO).
 *
 * Threading: one endpoint is driven by one thread (its stack's), except
 * that the two endpoints of an shm wire may live in different threads or
 * processes.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NM_WIRE_MAX_FRAME	65550	/* 64 KiB GSO frame + Ethernet/VLAN header */
#define NM_WIRE_MAX_IOV		64	/* most iovec entries one xmit/recv takes */

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

struct nm_wire_stats {
	uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes;
	uint64_t tx_dropped;		/* peer gone (a full ring is -EAGAIN, not a drop) */
	uint64_t rx_truncated;		/* frame longer than the buffers given */
	/* injected faults (shm) */
	uint64_t inj_lost, inj_dup, inj_reordered, inj_corrupted, inj_delayed, inj_rate_dropped;
	/* shm: indices or descriptors written by the peer that failed bounds
	 * checks; each was skipped (a buggy or hostile peer) */
	uint64_t rx_invalid;
};

struct nm_wire;

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
	int (*recv)(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		    struct nm_wire_meta *meta);
	/* An fd that polls readable when frames may be waiting (-1: poll
	 * by calling recv/peek). */
	int (*get_fd)(struct nm_wire *w);
	int (*get_stats)(struct nm_wire *w, struct nm_wire_stats *st);
	void (*destroy)(struct nm_wire *w);
	/* Optional: the caller is about to sleep on get_fd()'s fd.  Arm the
	 * wakeup for the next frame; > 0 if frames already wait (do not
	 * sleep), 0 if armed.  Once called, the wire may stop signalling the
	 * fd for sleeps not prepared this way (shm: an empty recv/peek no
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
};

/* Every wire starts with this. */
struct nm_wire {
	const struct nm_wire_ops *ops;
	char name[32];
	uint32_t mtu;			/* largest frame payload (L3) it carries */
	bool gso;			/* carries GSO super-frames both ways */
};

/* Dispatch helpers, validating arguments. */
int nm_wire_xmit(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		 const struct nm_wire_meta *meta);
int nm_wire_recv(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		 struct nm_wire_meta *meta);
int nm_wire_peek(struct nm_wire *w, const uint8_t **frame, uint32_t *len,
		 struct nm_wire_meta *meta);
/* The next frame for the NIC (nm_wire_ops.rx).  -EOPNOTSUPP on a wire
 * without rx. */
int nm_wire_rx(struct nm_wire *w, struct nm_wire_rxbufs *bufs, struct nm_wire_frame *f);
int nm_wire_consume(struct nm_wire *w);
int nm_wire_get_fd(struct nm_wire *w);
/* Before sleeping on nm_wire_get_fd()'s fd: > 0 if frames already wait,
 * 0 if the fd will poll readable for the next one.  After the first call
 * the fd is armed only by this call (a consumer that spins never pays for
 * wakeups); without it, get_fd arms the wire for good. */
int nm_wire_arm(struct nm_wire *w);
int nm_wire_get_stats(struct nm_wire *w, struct nm_wire_stats *st);
/* The largest frame payload (L3) the wire carries: its own MTU, or for the
 * connecting end of a cross-process shm wire the creator's.  0 on NULL. */
uint32_t nm_wire_mtu(const struct nm_wire *w);
void nm_wire_destroy(struct nm_wire *w);

/* Lending (shm): keep the peeked frame where it lies instead of consuming
 * it, and give it back later (see nm_wire_ops.hold and .release).
 * -EOPNOTSUPP on a wire that cannot lend.  Both return 1 under pressure
 * (give frames back, or the producer stalls), else 0. */
int nm_wire_hold(struct nm_wire *w);
int nm_wire_release(struct nm_wire *w, uint32_t n);
/* Whether w can lend frames (hold/release). */
bool nm_wire_can_lend(const struct nm_wire *w);

/* ---- shm: two endpoints over shared memory ----------------------------- */

/* Fault injection per direction, deterministic from seed.  Rates are
 * probabilities in [0, 1].  corrupt needs gso off (-EINVAL otherwise): GSO
 * frames carry checksums the receiver does not verify. */
struct nm_wire_faults {
	uint64_t seed;
	double loss, dup, reorder, corrupt;
	double delay;			/* probability a frame is held back ... */
	uint32_t delay_frames;		/* ... until this many later frames passed */
	uint64_t rate_bps;		/* BYTES per second (token bucket, 50 ms burst);
				 * 0: unlimited; else frames beyond it are dropped */
};

struct nm_wire_shm_params {
	uint32_t ring_entries;		/* per direction, power of two; 0: 1024 */
	uint32_t arena_bytes;		/* per direction; 0: 16 MiB */
	uint32_t mtu;			/* 0: 1500; up to 65535 - 14 with gso */
	bool gso;			/* allow 64 KiB super-frames */
	struct nm_wire_faults faults[2];	/* [0]: a->b, [1]: b->a */
	/* Who may plug into the wire (nm_wire_shm_create only; read during
	 * the call).  All zero: processes of the creator's effective uid, and
	 * root.  Also admitted: the uids in allow_uids[0..nr_allow_uids), or
	 * every uid with allow_any_uid.  See nm_wire_shm_create(). */
	const uid_t *allow_uids;
	uint32_t nr_allow_uids;		/* at most NM_WIRE_SHM_ALLOW_MAX */
	bool allow_any_uid;
	/* Optional: called (on the creator's thread, during the call) for
	 * each process the rendezvous refused, with its SO_PEERCRED
	 * credentials, before the creator goes on waiting. */
	void (*on_refused)(void *arg, pid_t pid, uid_t uid, gid_t gid);
	void *on_refused_arg;
};
#define NM_WIRE_SHM_ALLOW_MAX	1024

/* Both endpoints in this process. */
int nm_wire_shm_pair(const struct nm_wire_shm_params *p, struct nm_wire **a,
		     struct nm_wire **b);
/* Across processes: the creator listens under name (an abstract unix
 * socket "netmem-shm-<name>"), the other side connects and receives the
 * memfd.  -EADDRINUSE if the name is taken, -ECONNREFUSED if no creator
 * (connect), -ETIMEDOUT after timeout_ms waiting for the peer (create).
 * Any process of the network namespace can reach the name, so the creator
 * checks each connecting process's credentials (SO_PEERCRED) before it
 * hands over anything of the wire: one of its own effective uid, root, or
 * a uid p allows (allow_uids, allow_any_uid) is admitted; any other is
 * told it was refused and closed, p->on_refused hears of it, and create
 * goes on waiting (timeout_ms still counts).  The refused side's connect
 * returns -EACCES, its message naming its uid and the creator's.
 * -EINVAL: nr_allow_uids above NM_WIRE_SHM_ALLOW_MAX, or allow_uids NULL
 * with nr_allow_uids > 0. */
int nm_wire_shm_create(const char *name, const struct nm_wire_shm_params *p,
		       int timeout_ms, struct nm_wire **out);
int nm_wire_shm_connect(const char *name, int timeout_ms, struct nm_wire **out);
/* Publish every frame the fault injector holds back (reorder, delay) on
 * this endpoint's direction now.  Held frames are otherwise released only
 * by later xmits; the stack's timer calls this so none waits forever.
 * 0 when none is left held, -EAGAIN if the ring filled first. */
int nm_wire_shm_flush(struct nm_wire *w);
/* Whether the other endpoint is still there: 1 while it is attached, 0
 * once it destroyed its endpoint or (across processes) its process ended,
 * SIGKILL included.  The data path sees a dead peer only when its ring
 * fills; a side that sends little (a receiver that only ACKs) asks this
 * when idle, then may destroy the wire and create the name again for a
 * new peer.  Caller owns the endpoint; one poll() per call, not for the
 * per-frame path.  -EINVAL if w is not an shm wire. */
int nm_wire_shm_peer_alive(struct nm_wire *w);

/* ---- tap: a Linux TAP device ------------------------------------------- */

struct nm_wire_tap_params {
	const char *ifname;		/* create, or attach if it exists */
	uint32_t mtu;			/* 0: 1500 */
	bool offloads;			/* vnet header + csum/TSO4/TSO6 (+USO) */
	/* kernel side configuration (rtnetlink), optional */
	const char *host_addr;		/* "198.18.0.1/24" or "2001:2::1/64"; NULL: none */
	const char *host_addr6;
	bool up;			/* set the link up */
};

/* Needs root or CAP_NET_ADMIN: -EPERM without (-ENODEV without
 * /dev/net/tun).  With up and host addresses, returns once the kernel
 * accepts packets for them (IPv6 without DAD).  Destroy removes a TAP the
 * wire created; a persistent one it attached to stays. */
int nm_wire_tap_open(const struct nm_wire_tap_params *p, struct nm_wire **out);
/* The kernel's ifindex of the TAP device. */
int nm_wire_tap_ifindex(struct nm_wire *w);

/* The offloads the kernel accepted (TUNSETOFFLOAD) for a TAP opened with
 * offloads, as NM_WIRE_TAP_OFF_* bits; 0 when opened without.  USO needs
 * Linux 6.2; older kernels report CSUM|TSO4|TSO6.  -EINVAL if w is not a
 * TAP wire. */
#define NM_WIRE_TAP_OFF_CSUM	0x01
#define NM_WIRE_TAP_OFF_TSO4	0x02
#define NM_WIRE_TAP_OFF_TSO6	0x04
#define NM_WIRE_TAP_OFF_USO4	0x08
#define NM_WIRE_TAP_OFF_USO6	0x10
int nm_wire_tap_offloads(struct nm_wire *w);

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_WIRE_H */
