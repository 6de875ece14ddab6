/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_WIRE_H
#define NETMEM_WIRE_H

/*
 * Wires: the PHY under the virtual NIC.  A wire moves whole Ethernet frames
 * (no FCS) between two endpoints: shared memory between two netmem stacks
 * (in one process or across processes), or a Linux TAP device whose other
 * side is the kernel's own network stack.  An application makes a wire,
 * gives it to a netdev (struct nm_netdev_params, struct nm_host_params)
 * and reads its counters; the NIC drives it from there.  GSO super-frames
 * of up to 64 KiB cross where both sides carry them (shm with gso, a TAP
 * with offloads).
 *
 * Threading: one endpoint is driven by one thread (its stack's), except
 * that the two endpoints of an shm wire may live in different threads or
 * processes.  A TAP on the reader-thread engine (nm_wire_tap_io) also has
 * a thread of its own, started by its first receive and stopped by
 * nm_wire_destroy(): it reads the device and writes the small frames its
 * stack queues, and takes no signals.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nm_wire_stats {
	uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes;
	uint64_t tx_dropped;		/* peer gone (a full ring is -EAGAIN, not a drop) */
	uint64_t rx_truncated;		/* frame longer than the buffers given */
	/* injected faults (shm) */
	uint64_t inj_lost, inj_dup, inj_reordered, inj_corrupted, inj_delayed, inj_rate_dropped;
	/* shm: indices or descriptors written by the peer that failed bounds
	 * checks; each was skipped (a buggy or hostile peer) */
	uint64_t rx_invalid;
	/* TAP on io_uring (docs/nic.md): ring entries that completed at least
	 * one read, and submissions that carried queued writes; 0 on the
	 * plain readv/writev engine (NM_TAP_IO=readv, or no io_uring) */
	uint64_t rx_batches, tx_batches;
	/* shm with references (docs/nic.md, "One copy on the shm wire"):
	 * frames sent with their payload referenced, frames received so,
	 * and referenced frames skipped because their sender took the
	 * reference back (its NIC went away first) */
	uint64_t tx_refs, rx_refs, ref_revoked;
	/* payload bytes sent by reference; across processes (shm
	 * create/connect) also frames offered by reference that went into the
	 * arena instead (their memory cannot be shared with the peer: not one
	 * memfd sealed against shrinking, or the table of shared objects is
	 * full), and memory objects shared with the peer (sender) or mapped
	 * from it (receiver) */
	uint64_t tx_ref_bytes, tx_ref_copied, ref_objs;
};

struct nm_wire;

/* The wire's counters (size: sizeof(*st), the convention of error.h). */
int nm_wire_get_stats(struct nm_wire *w, struct nm_wire_stats *st, size_t size);
/* The largest frame payload (L3) the wire carries: its own MTU, or for the
 * connecting end of a cross-process shm wire the creator's.  0 on NULL. */
uint32_t nm_wire_mtu(const struct nm_wire *w);
/* Destroy an endpoint.  A wire given to nm_host_create() is the host's:
 * nm_host_destroy() destroys it.  Destroy a netdev's wire only after the
 * netdev (nm_netdev_destroy()). */
void nm_wire_destroy(struct nm_wire *w);

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
	/* (Last, so the fields above keep their offsets.)  References: frames
	 * carry just their headers and reference the payload where the
	 * sender keeps it, so the receiving NIC copies each payload byte
	 * once, straight into its RX buffer (docs/nic.md, "One copy on the
	 * shm wire").  On unless no_refs is set or the environment says
	 * NM_SHM_REFS=0.  nm_wire_shm_pair: both ends are in this process, so
	 * they agree at once.  nm_wire_shm_create: offered to the peer in the
	 * hello, and used only if the connecting side takes them (its
	 * NM_SHM_REFS is not 0; a peer from before references never does);
	 * then payload in a memory object backed by memfds sealed against
	 * shrinking (a memfd dma-buf, a udmabuf, a udmabuf list) is
	 * referenced, its memfds passed to the peer once, and any other
	 * payload is copied into the shared arena as without references (so
	 * is an object the peer could not map: it refuses it). */
	bool no_refs;
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
/* A TAP another process opened (TUNSETIFF done, kernel side configured)
 * and handed down as fd, as `netmem run` does to the program it starts:
 * the wire sends and receives on fd and closes it when destroyed (on
 * failure it stays the caller's).  p->offloads must match how the TAP was
 * opened (with or without a vnet header), p->mtu be its MTU (0: 1500);
 * ifname, host_addr, host_addr6 and up are ignored: the device is as its
 * opener left it.  -EINVAL if fd is not an attached TAP of that kind. */
int nm_wire_tap_adopt(int fd, const struct nm_wire_tap_params *p, struct nm_wire **out);
/* The kernel's ifindex of the TAP device. */
int nm_wire_tap_ifindex(struct nm_wire *w);
/* The TAP's file descriptor, still the wire's (destroy closes it): for a
 * process that hands the TAP to another, which adopts a copy of it
 * (nm_wire_tap_adopt), as `netmem run` hands it to its program.  Reading
 * it yourself takes frames from the wire (on the reader-thread engine its
 * thread reads it from the first receive on). */
int nm_wire_tap_fd(struct nm_wire *w);

/* The engines that move a TAP's frames (docs/nic.md, "The TAP's I/O"). */
enum nm_wire_tap_io {
	NM_WIRE_TAP_IO_READV = 0,	/* one readv/writev per frame */
	NM_WIRE_TAP_IO_URING = 1,	/* batched through io_uring */
	NM_WIRE_TAP_IO_THREAD = 2,	/* a reader thread of the wire's */
};
/* Which engine moves the TAP's frames (enum nm_wire_tap_io), fixed when
 * the wire is opened or adopted: the environment's NM_TAP_IO (readv,
 * uring or thread; another value fails the open with -EINVAL) where set,
 * else the reader thread where the opening thread may run on 2 CPUs or
 * more, io_uring where it runs, readv/writev otherwise.  -EINVAL if w is
 * not a TAP wire. */
int nm_wire_tap_io(struct nm_wire *w);

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
