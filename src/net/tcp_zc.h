/* SPDX-License-Identifier: MIT */
#ifndef NM_NET_TCP_ZC_H
#define NM_NET_TCP_ZC_H

/*
 * Zerocopy TCP sends (tcp_zc.c): payload that names a dma-buf bound for TX
 * (devmem TX, SCM_DEVMEM_DMABUF) and MSG_ZEROCOPY completions.
 *
 * Device bytes take sequence space and send-ring space like copied bytes
 * (so SO_SNDBUF bounds them), but the ring bytes stay untouched: a FIFO of
 * extents says which sequence ranges live in which binding at which dma-buf
 * offset, and tcp_output.c asks it for the frags of every segment.  A
 * segment is all host bytes or all device bytes, never both.
 *
 * Completions follow Linux's msg_zerocopy: each sendmsg() that queued bytes
 * takes the next 32-bit id; once every byte up to its end is acknowledged
 * and no segment naming device memory is still held by the NIC, the id is
 * queued as a [lo, hi] range on the socket's error queue, merged with the
 * previous range when contiguous.
 *
 * Everything here runs on the socket's stack thread.  tcp.h declares the
 * two hooks the rest of TCP calls: nm_tcp_zc_acked(), nm_tcp_zc_release().
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "net/tcp.h"

struct nm_skb;
struct nm_dmabuf_binding;

/* Outstanding completion records plus queued notifications per socket
 * before sendmsg(MSG_ZEROCOPY) fails with -ENOBUFS (Linux bounds the same
 * thing by optmem). */
#define NM_TCP_ZC_MAX_PENDING	4096
/* Device extents per socket before a send waits for acknowledgements (a
 * sendmsg adds at most IOV_MAX). */
#define NM_TCP_ZC_MAX_EXTENTS	65536

/* One error-queue notification: ids lo..hi (inclusive, modulo 2^32). */
struct nm_tcp_zc_note {
	uint32_t lo, hi;
	bool copied;			/* SO_EE_CODE_ZEROCOPY_COPIED */
};

/* ---- the send side (sock/devmem_tx.c) ---- */

/*
 * Queue device bytes: iov[i].iov_base is an offset into b's dma-buf, the
 * ranges already checked against its size.  Takes what the send buffer
 * has room for.  Returns bytes queued, -EAGAIN when there is no room (or
 * the connection is still opening), -errno (EPIPE, a pending SO_ERROR...).
 * Does not block.  b stays referenced while any of its bytes is queued.
 */
ssize_t nm_tcp_zc_send(struct nm_tcp_sock *tp, struct nm_dmabuf_binding *b,
		       const struct iovec *iov, int iovcnt, bool more);

/* May a zerocopy sendmsg start (or would its completion record exceed
 * NM_TCP_ZC_MAX_PENDING)?  0 or -ENOBUFS with a message. */
int nm_tcp_zc_may_send(struct nm_tcp_sock *tp, bool copied);

/* A zerocopy sendmsg queued its last bytes bytes, ending at write_seq:
 * give it the next id (written to *id when id is not NULL).  Must follow a
 * successful nm_tcp_zc_may_send().  0 or -ENOMEM. */
int nm_tcp_zc_commit(struct nm_tcp_sock *tp, uint32_t bytes, bool copied, uint32_t *id);

/* ---- the error queue ---- */

/* Is a notification waiting?  (POLLERR.)  A connection that died completes
 * everything it still held first, like Linux purging its write queue. */
bool nm_tcp_zc_errqueue_ready(struct nm_tcp_sock *tp);
/* Take the oldest notification: 0, or -EAGAIN (no message) when none. */
int nm_tcp_zc_errqueue_pop(struct nm_tcp_sock *tp, struct nm_tcp_zc_note *out);

/* ---- segment building (tcp_output.c) ---- */

uint32_t nm__tcp_zc_seg_len(struct nm_tcp_sock *tp, uint32_t seq, uint32_t len);

/* How much of [seq, seq + len) one segment may carry: cut where host bytes
 * meet device bytes, and where the device frags would exceed an skb's. */
static inline uint32_t nm_tcp_zc_seg_len(struct nm_tcp_sock *tp, uint32_t seq, uint32_t len)
{
	return tp->zc && len ? nm__tcp_zc_seg_len(tp, seq, len) : len;
}

/*
 * Frags for segment [seq, seq + len) (already cut by nm_tcp_zc_seg_len()):
 * 0 when the bytes are host bytes (the caller adds ring frags), 1 when
 * device frags were added (the skb then holds the socket's zerocopy state
 * until freed), -errno otherwise.
 */
int nm_tcp_zc_frags(struct nm_tcp_sock *tp, struct nm_skb *skb, uint32_t seq, uint32_t len);

/* ---- tests ---- */

struct nm_tcp_zc_stats {
	uint32_t extents;		/* device extents queued */
	uint32_t records;		/* sendmsg calls not completed yet */
	uint32_t notes;			/* notifications waiting */
	uint32_t maps;			/* bindings referenced */
	uint32_t inflight;		/* device segments the NIC still holds */
	uint32_t next_id;
	uint64_t dev_segs, dev_bytes;	/* device segments built (incl. retransmits) */
};
/* 0 and *st, or -ENOENT when the socket never sent zerocopy. */
int nm_tcp_zc_get_stats(struct nm_tcp_sock *tp, struct nm_tcp_zc_stats *st);
/* Debug checker of the invariants in tcp_zc.c: 0 or -EUCLEAN. */
int nm_tcp_zc_check(struct nm_tcp_sock *tp);

#endif
