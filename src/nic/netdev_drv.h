/* SPDX-License-Identifier: MIT */
#ifndef NM_NIC_NETDEV_DRV_H
#define NM_NIC_NETDEV_DRV_H

/*
 * The virtual NIC's driver side: what the stack (net/), the control plane
 * (ctl/) and the tests use to move packets through a netdev and to give
 * its RX queues memory, not part of the public API (include/netmem/netdev.h
 * is the netdev an application configures).
 *
 * RX.  nm_netdev_poll() pulls frames from the wire through steering and
 * header split into the RX queues; nm_netdev_rx_poll() takes the received
 * packets (struct nm_rx_pkt, with netmem references) out of one queue.
 * TX.  nm_netdev_xmit() sends one packet (struct nm_tx_pkt) on a TX queue.
 * Queues.  An RX queue's payload memory provider is installed and removed
 * with nm_netdev_rxq_set_provider() (bind-rx does it through
 * nm_netdev_rxq_bind_dmabuf()), each a queue restart.
 *
 * Threads: the netdev's thread (its stack's) calls every function here.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netmem/netdev.h>

#include "nic/wire_drv.h"
#include "pool/memory_provider.h"
#include "pool/netmem_ref.h"


#ifdef __cplusplus
extern "C" {
#endif

struct nm_page_pool;
struct nm_dmabuf_binding;

#define NM_RX_MAX_FRAGS		18	/* 64 KiB + headroom in 4 KiB buffers */

/* ---- Queues ----------------------------------------------------------------- */

/*
 * Install (ops != NULL) or remove (ops == NULL) the payload memory provider
 * of RX queue q, restarting the queue: new memory is allocated, the queue
 * stopped, the new memory started and the old freed; on failure the old
 * memory is restarted and nothing changes.  Packets not yet polled keep
 * their buffers; nothing is lost.  -EEXIST if the queue already has a
 * provider and ops is not NULL.
 */
int nm_netdev_rxq_set_provider(struct nm_netdev *nd, uint32_t q,
			       const struct nm_memory_provider_ops *ops, void *priv);
/* Install the dmabuf provider over binding b on RX queue q (bind-rx's step
 * for one queue): nm_netdev_rxq_set_provider() with that provider, whose
 * ops table only pool/ names.  The queue's provider argument is then b
 * (nm_netdev_rxq_provider()'s priv).  -EINVAL for a NULL binding. */
int nm_netdev_rxq_bind_dmabuf(struct nm_netdev *nd, uint32_t q, struct nm_dmabuf_binding *b);
/* Restart RX queue q with its current configuration (the restart
 * transaction above). */
int nm_netdev_rxq_restart(struct nm_netdev *nd, uint32_t q);
/* The queue's pools (for page-pool-get), NULL if q is out of range. */
struct nm_page_pool *nm_netdev_rxq_payload_pool(const struct nm_netdev *nd, uint32_t q);
struct nm_page_pool *nm_netdev_rxq_header_pool(const struct nm_netdev *nd, uint32_t q);
const struct nm_memory_provider_ops *nm_netdev_rxq_provider(const struct nm_netdev *nd,
							    uint32_t q, void **priv);
/* Payload bytes the queue's posted buffers can still take before it needs
 * more from its pool (0 if q is out of range or stopped).  Owner thread. */
uint64_t nm_netdev_rxq_payload_room(const struct nm_netdev *nd, uint32_t q);
/* Receive memory RX queue q has left for the flows steered to it, in
 * bytes: the posted buffers' room (above), the buffers idle in its payload
 * pool and what the pool's provider can still give it (a dma-buf
 * binding's free net_iovs, which queues sharing the binding all count).
 * UINT64_MAX when the provider sets no limit (host pages); 0 if q is out
 * of range or stopped.  Owner thread, O(1). */
uint64_t nm_netdev_rxq_mem_avail(const struct nm_netdev *nd, uint32_t q);
/* ---- Data path ------------------------------------------------------------ */

#define NM_RX_F_SPLIT		(1u << 0)	/* headers and payload apart */
#define NM_RX_F_CSUM_OK		(1u << 1)	/* L4 checksum verified (or trusted) */
#define NM_RX_F_UNREADABLE	(1u << 2)	/* payload frags are device memory */
#define NM_RX_F_HASH		(1u << 3)	/* rss_hash valid */
#define NM_RX_F_GSO		(1u << 4)	/* a coalesced super-frame (gso_size) */
#define NM_RX_F_PARSED		(1u << 5)	/* parse holds the NIC's parse */

/* TCP options the NIC saw (nm_rx_parse.tcp_opts). */
#define NM_RX_TCPOPT_MSS	0x01
#define NM_RX_TCPOPT_WS		0x02
#define NM_RX_TCPOPT_SACK_PERM	0x04
#define NM_RX_TCPOPT_SACK	0x08
#define NM_RX_TCPOPT_TS		0x10

/*
 * What the NIC's parser learned about a received frame (NM_RX_F_PARSED),
 * so that the stack does not parse the same headers again: offsets from
 * the frame's first byte, and the TCP options as flags and values (host
 * order).  Every header up to payload_off lies in the packet's header
 * buffer.  The NIC drops a frame its parser finds malformed (bad lengths,
 * a TCP data offset past the IP payload, a malformed TCP option), so what
 * is here was checked; what the NIC does not check (checksums when RX
 * checksumming is off, addresses, IPv6 option policy) the stack still does.
 */
struct nm_rx_parse {
	uint32_t l3_end;		/* end of the IP packet (Ethernet padding after) */
	uint16_t l3_off;		/* IP header */
	uint16_t l4_off;		/* L4 header */
	uint16_t payload_off;		/* after the L4 header (the split point) */
	uint8_t l3_proto;		/* 4, 6; 0: not IP */
	uint8_t l4_proto;		/* IPPROTO_* when its header was parsed, else 0
					 * (a fragment, an unknown protocol) */
	uint16_t tcp_mss;		/* with NM_RX_TCPOPT_MSS */
	uint8_t tcp_opts;		/* NM_RX_TCPOPT_* */
	uint8_t tcp_wscale;		/* with NM_RX_TCPOPT_WS, as sent */
	uint8_t tcp_sack_off;		/* the first SACK option, from l4_off (0: none) */
	uint8_t tcp_sack_blocks;	/* blocks in all SACK options together */
	uint32_t tcp_tsval, tcp_tsecr;	/* with NM_RX_TCPOPT_TS */
};

struct nm_rx_frag {
	nm_netmem_t netmem;		/* holds one page-pool reference */
	uint32_t off, len;
};

/*
 * A received packet.  hdr holds the first hdr_len bytes of the frame (all
 * of it when not split) in host memory at hdr_off; frags hold the rest, in
 * order.  Every netmem holds one reference, which the receiver drops with
 * nm_page_pool_put_netmem(nm_netmem_pool(n), n, ...) when done.
 */
struct nm_rx_pkt {
	uint32_t len;			/* bytes held: hdr_len + the frags' lengths (the
					 * frame's length; a split one without the
					 * Ethernet padding after the IP packet) */
	uint32_t flags;			/* NM_RX_F_* */
	uint32_t rss_hash;
	uint16_t queue;
	uint16_t nr_frags;
	uint16_t gso_size;		/* with NM_RX_F_GSO */
	uint8_t gso_type;
	nm_netmem_t hdr;
	uint32_t hdr_off, hdr_len;
	struct nm_rx_parse parse;	/* with NM_RX_F_PARSED */
	struct nm_rx_frag frags[NM_RX_MAX_FRAGS];
};

/* Pull up to budget frames from the wire through steering and header split
 * into the RX queues.  Returns frames taken (dropped ones included). */
int nm_netdev_poll(struct nm_netdev *nd, uint32_t budget);
/* Take up to n received packets of queue q (the caller then owns their
 * references).  Returns how many. */
int nm_netdev_rx_poll(struct nm_netdev *nd, uint32_t q, struct nm_rx_pkt *out, uint32_t n);
/* Return every reference of pkt (for callers that drop a packet). */
void nm_rx_pkt_release(struct nm_rx_pkt *pkt);
/* On a wire that lends frames (NM_NETIF_F_RX_LOAN): give back now the
 * frames whose packets were released.  nm_netdev_poll() does it first
 * thing; the stack also calls it after a recv, so the sender reuses the
 * wire's buffer while it is still in the cache.  The netdev's thread
 * only.  0, or -EINVAL for a NULL netdev. */
int nm_netdev_rx_reclaim(struct nm_netdev *nd);

/* Bracket the transmits of one loop pass (on at its start, off at its
 * end): the wire may queue frames in between and send them together at
 * off (nm_wire_tx_batch).  The netdev's thread only. */
void nm_netdev_tx_batch(struct nm_netdev *nd, bool on);

/* The stack needs the payload memory it sent by reference back (a send
 * ring full of bytes the peer holds on loan): ask the peer to give back
 * what it holds (nm_wire_ref_give_back).  The releases then come through
 * the packets' done as ever.  The netdev's thread only. */
void nm_netdev_tx_reclaim(struct nm_netdev *nd);

/* A TX payload piece: device addresses in the netdev device's view (a host
 * buffer mapped for it, or a dma-buf bound for TX). */
struct nm_tx_frag {
	uint64_t dma_addr;
	uint32_t len;
};
#define NM_TX_MAX_FRAGS		18
struct nm_tx_pkt {
	const void *hdr;		/* Ethernet + IP + L4 headers, host memory */
	uint32_t hdr_len;
	uint16_t nr_frags;
	struct nm_tx_frag frags[NM_TX_MAX_FRAGS];
	/* offloads: csum_start/offset as in NM_WIRE_F_NEEDS_CSUM; gso for
	 * frames above the MTU (TSO) */
	struct nm_wire_meta meta;
	/* Optional: the payload may stay referenced after the call (a wire
	 * with references, docs/nic.md "One copy on the shm wire"), and the
	 * NIC calls done(done_arg) exactly once, on this thread, when
	 * nothing refers to it any more: at the end of the call, or later
	 * from nm_netdev_poll() / nm_netdev_destroy().  The frags' memory
	 * must stay mapped and unchanged until then.  NULL: the payload is
	 * read during the call, as always. */
	void (*done)(void *arg);
	void *done_arg;
	/* with done: the payload is host memory (the send ring), which a
	 * receiver in this address space may hand its CPU where it lies;
	 * else device memory, which only a NIC's DMA may read */
	bool host;
};
/* Send one packet on TX queue q: the NIC gathers the headers and reads the
 * payload by DMA, fills the checksum, segments TSO frames (or hands them
 * whole to a wire that carries GSO).  -EAGAIN when the wire is full. */
int nm_netdev_xmit(struct nm_netdev *nd, uint32_t q, const struct nm_tx_pkt *pkt);

#ifdef __cplusplus
}
#endif
#endif /* NM_NIC_NETDEV_DRV_H */
