/* SPDX-License-Identifier: MIT */
#ifndef NM_NIC_WIRE_TAP_H
#define NM_NIC_WIRE_TAP_H

/*
 * The TAP wire's state, shared by its two I/O engines: the plain one
 * (readv/writev per frame, wire_tap.c) and the batched one (io_uring,
 * wire_tap_uring.c).  Which one a wire uses is fixed at open by its ops
 * table (wire_tap.c picks it); nothing outside these two files sees this.
 */

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "nic/wire_drv.h"

#define NM_TAP_VNET_SZ		12
/* > 64 KiB of IP + Ethernet + VLAN: the largest frame tun delivers. */
#define NM_TAP_RX_ROOM		(NM_WIRE_MAX_FRAME + 64)

#define NM_VNET_F_MASK		(NM_WIRE_F_NEEDS_CSUM | NM_WIRE_F_DATA_VALID)
#define NM_VNET_GSO_ECN		0x80

/* struct virtio_net_hdr_v1, little-endian.  The flag bits and GSO types
 * of struct nm_wire_meta have the virtio values on purpose. */
struct nm_tap_vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
_Static_assert(sizeof(struct nm_tap_vnet_hdr) == NM_TAP_VNET_SZ, "virtio_net_hdr_v1 layout");

struct nm_tap_uring;
struct nm_tap_reader;

struct nm_wire_tap {
	struct nm_wire w;		/* first: the NIC sees only this */

	/* hot: touched for every frame */
	int fd;
	uint32_t vnet_sz;		/* 0 or NM_TAP_VNET_SZ (invariant 1) */
	uint32_t max_plain;		/* largest frame without GSO */
	uint8_t *spill;			/* NM_TAP_RX_ROOM: rx tail, tx csum bounce */
	struct nm_tap_uring *u;		/* the batched engine's state, or NULL */
	struct nm_tap_reader *rd;	/* the reader thread's, or NULL */
	struct nm_wire_stats st;

	/* cold */
	int ifindex;
	int offloads;			/* NM_WIRE_TAP_OFF_* the kernel accepted */
};

static inline struct nm_wire_tap *nm_tap_of(struct nm_wire *w)
{
	return (struct nm_wire_tap *)w;
}

static inline void nm_tap_meta_from_vnet(const struct nm_tap_vnet_hdr *h,
					 struct nm_wire_meta *m)
{
	m->flags = h->flags & NM_VNET_F_MASK;
	m->gso_type = h->gso_type & (uint8_t)~NM_VNET_GSO_ECN;
	m->hdr_len = le16toh(h->hdr_len);
	m->gso_size = le16toh(h->gso_size);
	m->csum_start = le16toh(h->csum_start);
	m->csum_offset = le16toh(h->csum_offset);
}

/* The plain engine's send (wire_tap.c): one writev, now.  The batched
 * engine sends large frames through it. */
/* Check a len-byte frame with meta for a TAP with offloads and fill its
 * vnet header; 0 or -errno (with a message). */
int nm_tap_xmit_vnet(struct nm_wire_tap *t, size_t len, const struct nm_wire_meta *meta,
		     struct nm_tap_vnet_hdr *vh);
int nm_tap_xmit(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		const struct nm_wire_meta *meta);

/* The plain engine's receive for the NIC: one readv into the buffers the
 * NIC offers.  The batched engine uses it where the NIC prefers a copy. */
int nm_tap_rx(struct nm_wire *w, struct nm_wire_rxbufs *bufs, struct nm_wire_frame *f);
/* Its read into iov (the reader-thread engine's, while its reads pause). */
int nm_tap_rx_copy(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		   struct nm_wire_meta *meta);
/* Cold: a failed read's errno e as -errno with a message (-EAGAIN bare,
 * EBADFD: the device is gone); both engines word their errors alike. */
int nm_tap_rx_error(struct nm_wire_tap *t, int e);

/* ---- the batched engine (wire_tap_uring.c) ------------------------------- */

/* Whether the batched engine can run: io_uring with the set-up it needs
 * exists.  Cold: open only. */
bool nm_tap_uring_usable(void);
/* Its state for t (buffers; the ring itself is made by the first thread
 * that does I/O).  0 or -errno. */
int nm_tap_uring_init(struct nm_wire_tap *t);
void nm_tap_uring_fini(struct nm_wire_tap *t);

/* The ops of a TAP wire on the batched engine (wire_tap.c's table). */
int nm_tap_uring_xmit(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		      const struct nm_wire_meta *meta);
int nm_tap_uring_peek(struct nm_wire *w, const uint8_t **frame, uint32_t *len,
		      struct nm_wire_meta *meta);
int nm_tap_uring_consume(struct nm_wire *w);
int nm_tap_uring_rx_copy(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
			 struct nm_wire_meta *meta);
int nm_tap_uring_rx(struct nm_wire *w, struct nm_wire_rxbufs *bufs, struct nm_wire_frame *f);
int nm_tap_uring_arm(struct nm_wire *w);
int nm_tap_uring_hold(struct nm_wire *w);
int nm_tap_uring_release(struct nm_wire *w, uint32_t n);
void nm_tap_uring_tx_batch(struct nm_wire *w, bool on);

/* ---- the reader-thread engine (wire_tap_reader.c) ------------------------ */

/* Its state (slots, eventfds): at open, before the fd.  0 or -errno.
 * The thread starts with the first receive (or get_fd): a process that
 * only holds the TAP (netmem run, for the program it starts) reads
 * nothing. */
int nm_tap_reader_init(struct nm_wire_tap *t);
/* Stops and joins the thread (before the fd closes), frees the state. */
void nm_tap_reader_fini(struct nm_wire_tap *t);
/* Adds what the reader thread counted to st. */
void nm_tap_reader_stats(struct nm_wire_tap *t, struct nm_wire_stats *st);

int nm_tap_reader_peek(struct nm_wire *w, const uint8_t **frame, uint32_t *len,
		       struct nm_wire_meta *meta);
int nm_tap_reader_consume(struct nm_wire *w);
int nm_tap_reader_rx_copy(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
			  struct nm_wire_meta *meta);
int nm_tap_reader_rx(struct nm_wire *w, struct nm_wire_rxbufs *bufs, struct nm_wire_frame *f);
int nm_tap_reader_arm(struct nm_wire *w);
int nm_tap_reader_hold(struct nm_wire *w);
int nm_tap_reader_release(struct nm_wire *w, uint32_t n);
int nm_tap_reader_get_fd(struct nm_wire *w);
int nm_tap_reader_xmit(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		       const struct nm_wire_meta *meta);
void nm_tap_reader_tx_batch(struct nm_wire *w, bool on);

#endif /* NM_NIC_WIRE_TAP_H */
