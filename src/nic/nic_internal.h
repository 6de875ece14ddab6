/* SPDX-License-Identifier: MIT */
#ifndef NM_NIC_INTERNAL_H
#define NM_NIC_INTERNAL_H

/*
 * Internals of the virtual NIC shared by netdev.c (configuration),
 * rxq.c (queue memory and restart), rx.c (the receive path) and tx.c.
 */

#include <stdint.h>

#include <netmem/netdev.h>

#include "nic/netdev_drv.h"
#include "nic/rss.h"
#include "pool/page_pool.h"

/* Payload chunks start on this boundary inside a buffer: a DMA-friendly
 * alignment that wastes at most 63 bytes a packet (1.04 at MTU 1500). */
#define NM_RX_PAYLOAD_ALIGN	64
/* Room kept before a payload a wire copies into the queue's buffers, so
 * header-length guesses that were too long can be fixed without moving
 * the payload (see rx.c). */
#define NM_RX_TAP_HEADROOM	64
/* Header buffers: host pages of this order; a header never exceeds one. */
#define NM_RX_HDR_ORDER		0
#define NM_RX_HDR_ALIGN		64

/* A ring of posted buffers.  The NIC consumes slot[head] from offset
 * used onwards; the ring holds one reference on every posted buffer. */
struct nm_rx_ring {
	nm_netmem_t *slot;
	uint32_t mask;			/* size - 1 */
	uint32_t head, tail;		/* consume at head, post at tail */
	uint32_t used;			/* bytes taken from slot[head] */
	uint32_t buf_size;
};

static inline uint32_t nm_rx_ring_count(const struct nm_rx_ring *r)
{
	return r->tail - r->head;
}

/* Everything a running RX queue owns; swapped whole by a restart. */
struct nm_rxq_mem {
	struct nm_page_pool *hdr_pool;	/* host pages */
	struct nm_page_pool *pp;	/* payload: the queue's provider */
	struct nm_rx_ring hdr_ring, pay_ring;
	/* completed packets waiting for nm_netdev_rx_poll() */
	struct nm_rx_pkt *cq;
	uint32_t cq_mask, cq_head, cq_tail;
	bool unreadable;		/* payload pool is device memory */
};

struct nm_rxq {
	struct nm_netdev *nd;
	uint32_t idx;
	struct nm_rxq_mem *mem;		/* NULL while stopped */
	const struct nm_memory_provider_ops *mp_ops;	/* NULL: host pages */
	void *mp_priv;
	uint32_t hdr_guess;		/* header length offered a copying wire (rx.c) */
	struct nm_queue_stats st;
};

struct nm_txq {
	uint32_t idx;
	struct nm_queue_stats st;
};

struct nm_netdev {
	char name[16];
	int ifindex;
	uint8_t mac[6];
	uint32_t mtu;
	struct nm_device *dev;
	struct nm_wire *wire;
	uint32_t nrx, ntx;
	uint32_t rx_ring, tx_ring;
	enum nm_tcp_data_split split;
	uint32_t hds_thresh;
	uint32_t features;		/* active: fix(wanted) */
	uint32_t wanted;		/* what the user asked for (ethtool's WANTED) */
	struct nm_ntuple_table *ntuple;
	struct nm_rss rss;		/* key (precomputed table) and indirection */
	bool rss_user;			/* the table was set (the kernel's
					 * IFF_RXFH_CONFIGURED): it no longer
					 * follows the RX queue count */
	struct nm_rxq rxq[NM_NETDEV_MAX_QUEUES];
	struct nm_txq txq[NM_NETDEV_MAX_QUEUES];
	struct nm_queue_stats dev_st;	/* drops before a queue was chosen */
	uint64_t parse_drops[32];	/* malformed frames by enum nm_pkt_reason */
	uint32_t tap_predict;		/* queue whose buffers a copying wire gets */
	struct nm_rx_loan *loan;	/* the wire lends frames, else NULL */
	uint8_t *scratch;		/* one frame: TX segmentation, RX fallback */
	struct nm_capture *cap;		/* pcap capture running, else NULL */
};

/* rxq.c: the queue-management ops (netdev_queue_mgmt_ops) and refill. */
int nm_rxq_mem_alloc(struct nm_rxq *q, struct nm_rxq_mem **out);
void nm_rxq_mem_free(struct nm_rxq *q, struct nm_rxq_mem *mem);
int nm_rxq_start(struct nm_rxq *q, struct nm_rxq_mem *mem);
struct nm_rxq_mem *nm_rxq_stop(struct nm_rxq *q);
/* Post buffers until the rings are full or the pools are dry. */
void nm_rxq_refill(struct nm_rxq *q);
/* The restart transaction with a new provider configuration. */
int nm_rxq_restart(struct nm_rxq *q, const struct nm_memory_provider_ops *ops, void *priv);

/* rx.c */
/* One frame from the wire's rx op through steering and placement: 1
 * taken (dropped ones too), 0 none, <0 error. */
int nm_nic_rx_frame(struct nm_netdev *nd);

/* rx_loan.c: payload lent by the wire instead of copied (see there). */
#define NM_RX_LOAN_FRAMES	4096	/* frames lent at once, at most */
#define NM_RX_LOAN_MIN		512	/* smaller payloads are copied */
int nm_rx_loan_init(struct nm_netdev *nd, uint32_t max_frames);
/* Copy out every frame still lent, give all back, free the handles.
 * Returns how many could not be copied (no memory). */
uint32_t nm_rx_loan_fini(struct nm_netdev *nd);
/* Another frame can be lent. */
bool nm_rx_loan_room(const struct nm_netdev *nd);
/* A handle (two references: the caller's packet and the NIC's) whose
 * address is frame, queued as the newest lent frame; 0 when none.  The
 * caller then holds the frame on the wire (nm_wire_hold()). */
nm_netmem_t nm_rx_loan_take(struct nm_netdev *nd, const uint8_t *frame, uint32_t len);
/* Give back the frames the stack is done with, oldest first; while the
 * wire reports pressure, copy out the oldest still in use and give them
 * back too.  Every poll, before taking frames. */
void nm_rx_loan_reclaim(struct nm_netdev *nd);

/* capture.c: record one frame of len bytes lying in iov[0, n) (the wire's
 * view of it: what crossed, or was taken from, the wire).  Only with
 * nd->cap set; the netdev's thread. */
struct nm_capture;
struct iovec;
void nm_capture_frame(struct nm_capture *c, const struct iovec *iov, unsigned n, uint32_t len);

#endif
