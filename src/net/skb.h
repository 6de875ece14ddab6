/* SPDX-License-Identifier: MIT */
#ifndef NM_NET_SKB_H
#define NM_NET_SKB_H

/*
 * nm_skb: one packet inside the stack.
 *
 * A linear part in host memory (headers, and small payloads) plus frags.
 * RX frags are netmem references taken over from the NIC's nm_rx_pkt:
 * payload is kept by reference, never copied inside the stack, and may be
 * unreadable (device memory; invariant 2: an skb never mixes readable and
 * unreadable frags).  TX frags name payload by device address (the TCP
 * send buffer mapped for the NIC, or a dma-buf bound for TX) and are handed
 * to the NIC as they are (dev.c).
 *
 * Lifetime: nm_skb_free() drops every reference the skb holds.  Skbs are
 * owned by one stack thread; nothing here is thread-safe.
 */

#include <stdbool.h>
#include <stdint.h>

#include <netmem/netdev.h>

#include "nic/netdev_drv.h"
#include "pool/netmem_ref.h"

#define NM_SKB_MAX_FRAGS	NM_RX_MAX_FRAGS
#define NM_SKB_HEADROOM		128	/* room to push Ethernet + IPv6 + TCP headers */
#define NM_SKB_CB_SIZE		64

struct nm_iface;

struct nm_skb_frag {
	nm_netmem_t netmem;		/* RX: holds one page-pool reference; 0 for TX */
	uint64_t dma_addr;		/* TX: device address (netmem's if RX) */
	uint32_t off, len;		/* RX: offset in the netmem */
};

struct nm_skb {
	struct nm_skb *next, *prev;	/* queue links */
	/* linear part: [head, head + size), bytes [data, data + linear) */
	uint8_t *head;
	uint8_t *data;
	uint32_t size;
	uint32_t linear;
	uint32_t len;			/* linear + frag bytes */
	/* where head came from: malloc'ed (hdr == 0) or a NIC header netmem */
	nm_netmem_t hdr;
	uint16_t nr_frags;
	bool unreadable;		/* frags are device memory */
	bool tx;			/* frags are TX device addresses */
	bool cached;			/* a bare struct block: freed into the skb cache */
	struct nm_skb_frag frags[NM_SKB_MAX_FRAGS];
	/* metadata */
	struct nm_iface *iface;
	uint32_t rx_flags;		/* NM_RX_F_* of the packet */
	uint32_t rss_hash;
	uint16_t queue;
	uint16_t gso_size;		/* RX: coalesced; TX: TSO segment size */
	uint8_t gso_type;
	uint16_t l3_off, l4_off;	/* offsets from data at receive */
	uint16_t csum_start, csum_offset;	/* TX: NEEDS_CSUM */
	bool csum_partial;
	bool csum_ok;			/* RX: verified by the NIC */
	struct nm_rx_parse parse;	/* RX: the NIC's parse (rx_flags NM_RX_F_PARSED) */
	/* per-layer scratch (TCP's control block) */
	_Alignas(8) uint8_t cb[NM_SKB_CB_SIZE];
	/* TX completion: called when the NIC is done with the frags */
	void (*destructor)(struct nm_skb *skb);
	void *owner;
};

/* A new skb with a malloc'ed linear part of size bytes (headroom
 * NM_SKB_HEADROOM reserved).  NULL on allocation failure. */
struct nm_skb *nm_skb_alloc(uint32_t size);
/* Take over a received packet's references (the packet must not be
 * released afterwards).  The linear part is the header buffer; the NIC's
 * parse comes along (skb->parse). */
struct nm_skb *nm_skb_from_rx(struct nm_iface *iface, struct nm_rx_pkt *pkt);

/*
 * Parse once: the NIC's parse of a received frame, when it saw the frame
 * as the stack sees it now: IP version l3 with its header at skb->l3_off
 * (set by eth), and for nm_skb_parse_l4() also an L4 header of protocol l4
 * at skb->l4_off (set by IP).  NULL: an skb the NIC did not parse (made
 * by a test, or the parse did not get that far): parse in software.
 */
static inline const struct nm_rx_parse *nm_skb_parse_l3(const struct nm_skb *skb, uint8_t l3)
{
	const struct nm_rx_parse *p = &skb->parse;

	return (skb->rx_flags & NM_RX_F_PARSED) && p->l3_proto == l3 && p->l3_off == skb->l3_off
		       ? p : NULL;
}

static inline const struct nm_rx_parse *nm_skb_parse_l4(const struct nm_skb *skb, uint8_t l4)
{
	const struct nm_rx_parse *p = &skb->parse;

	return (skb->rx_flags & NM_RX_F_PARSED) && p->l4_proto == l4 && p->l4_off == skb->l4_off
		       ? p : NULL;
}
void nm_skb_free(struct nm_skb *skb);

/* Linear part editing. */
uint8_t *nm_skb_push(struct nm_skb *skb, uint32_t n);	/* prepend; NULL if no room */
uint8_t *nm_skb_pull(struct nm_skb *skb, uint32_t n);	/* drop from front; NULL if short */
uint8_t *nm_skb_put(struct nm_skb *skb, uint32_t n);	/* append to linear; NULL if no room */
/* Drop bytes from the end (linear or frags): trims trailing padding. */
int nm_skb_trim(struct nm_skb *skb, uint32_t len);

/* Append a frag; refuses (-EINVAL) mixing readable and unreadable, or RX
 * and TX frags, and -ENOSPC past NM_SKB_MAX_FRAGS.  RX frags: the caller
 * gives its reference to the skb. */
int nm_skb_add_rx_frag(struct nm_skb *skb, nm_netmem_t nm, uint32_t off, uint32_t len);
int nm_skb_add_tx_frag(struct nm_skb *skb, uint64_t dma_addr, uint32_t len);

/* Copy [off, off + len) of the packet into dst.  -EFAULT if it touches
 * unreadable frags (the stack never reads device memory). */
int nm_skb_copy_bits(const struct nm_skb *skb, uint32_t off, void *dst, uint32_t len);

/* Can b's bytes be appended to a (no mixing of readable and unreadable,
 * room for the frags)?  Then move them: b's frag references go to a, b is
 * freed.  Used by TCP to coalesce in-order segments. */
bool nm_skb_can_coalesce(const struct nm_skb *a, const struct nm_skb *b);
int nm_skb_coalesce(struct nm_skb *a, struct nm_skb *b);

/* A doubly linked queue of skbs. */
struct nm_skb_queue {
	struct nm_skb *head, *tail;
	uint32_t qlen;
	uint64_t bytes;
};
void nm_skb_queue_init(struct nm_skb_queue *q);
void nm_skb_queue_tail(struct nm_skb_queue *q, struct nm_skb *skb);
void nm_skb_queue_head(struct nm_skb_queue *q, struct nm_skb *skb);
void nm_skb_insert_after(struct nm_skb_queue *q, struct nm_skb *pos, struct nm_skb *skb);
struct nm_skb *nm_skb_dequeue(struct nm_skb_queue *q);
void nm_skb_unlink(struct nm_skb_queue *q, struct nm_skb *skb);
void nm_skb_queue_purge(struct nm_skb_queue *q);

#endif
