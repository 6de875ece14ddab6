/* SPDX-License-Identifier: MIT */
/*
 * The one way out of net/: nm_dev_queue_xmit() hands a finished frame to
 * its interface's NIC, as the kernel's dev_queue_xmit() does.  Everything
 * that transmits (ARP, ND, IPv4, IPv6 and so TCP and ICMP) ends in
 * nm_eth_output(), which pushes the Ethernet header and calls this; nothing
 * in net/ calls the NIC's transmit otherwise, so the NIC (and the pcap
 * capture behind nm_netdev_xmit(), nic/capture.c) sees every frame.
 *
 * The skb becomes a struct nm_tx_pkt: the linear part goes to the NIC as
 * the header buffer (up to its 512-byte header limit); linear bytes beyond
 * it (large ICMP echoes) and readable RX frags are copied into the
 * interface's bounce buffer, mapped TO_DEVICE for the NIC, and sent as
 * payload frags; TX frags (the send ring, a dma-buf bound for TX) go as
 * they are.  Device-memory RX frags cannot be sent (the stack never reads
 * them).  The NIC reads the payload during nm_netdev_xmit(), so one bounce
 * buffer per interface suffices.
 *
 * Offloads travel in the packet's meta: csum_partial becomes NEEDS_CSUM at
 * csum_start/csum_offset, gso_size a TCPv4/TCPv6 GSO type (TSO).
 *
 * Threads: the interface's stack thread.
 */
#include <stdlib.h>
#include <string.h>

#include <netmem/dma.h>
#include <netmem/mem.h>

#include "net/ip.h"
#include "nic/netdev_drv.h"
#include "nic/pkt.h"
#include "util/err.h"

#define TX_MAX_HDR	512		/* the NIC's header buffer limit */
#define BOUNCE_SIZE	(128u << 10)	/* a 64 KiB frame, twice */

struct nm_dev_tx {
	struct nm_memobj *bounce;
	struct nm_dma_mapping *bounce_map;
	uint8_t *bounce_va;
};

/* ---- set-up ---------------------------------------------------------------- */

void nm_dev_fini(struct nm_iface *ifc)
{
	struct nm_dev_tx *tx = ifc->tx;

	if (!tx)
		return;
	if (tx->bounce_map)
		nm_dma_unmap(tx->bounce_map);
	if (tx->bounce)
		nm_memobj_put(tx->bounce);
	free(tx);
	ifc->tx = NULL;
}

int nm_dev_tx_buf(struct nm_device *dev, uint32_t size, struct nm_memobj **obj,
		  struct nm_dma_mapping **map)
{
	struct nm_phyr phyrs[64];
	int n, r;

	r = nm_memobj_create_anon(size, 0, obj);
	if (r < 0)
		return r;
	n = nm_memobj_get_phyrs(*obj, 0, size, phyrs, NM_ARRAY_SIZE(phyrs));
	if (n <= 0 || n > (int)NM_ARRAY_SIZE(phyrs))
		r = nm_err(ENOMEM, "%u bytes of host memory in %d pieces", size, n);
	else
		r = nm_dma_map(dev, phyrs, (size_t)n, NM_DMA_TO_DEVICE, 0, map);
	if (r < 0) {
		nm_memobj_put(*obj);
		*obj = NULL;
		*map = NULL;
		return r;
	}
	return 0;
}

int nm_dev_init(struct nm_iface *ifc)
{
	struct nm_dev_tx *tx;
	int r;

	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return nm_err(ENOMEM, "out of memory");
	ifc->tx = tx;
	r = nm_dev_tx_buf(nm_netdev_device(ifc->nd), BOUNCE_SIZE, &tx->bounce, &tx->bounce_map);
	if (r < 0)
		return nm_err_wrap(r, "the bounce buffer");
	tx->bounce_va = nm_memobj_host_addr(tx->bounce);
	return tx->bounce_va ? 0 : nm_err(EINVAL, "bounce buffer not CPU-mapped");
}

/* ---- transmit ---------------------------------------------------------------- */

/* Copy len bytes into the bounce buffer at *boff and describe them as
 * payload frags of pkt. */
static int bounce_add(struct nm_dev_tx *tx, struct nm_tx_pkt *pkt, uint32_t *boff,
		      const void *src, uint32_t len)
{
	const struct nm_dma_vec *v;
	uint32_t nv, off;

	if (*boff + len > BOUNCE_SIZE)
		return nm_err(EMSGSIZE, "%u linear bytes exceed the bounce buffer",
			      *boff + len);
	memcpy(tx->bounce_va + *boff, src, len);
	v = nm_dma_mapping_vecs(tx->bounce_map, &nv);
	off = *boff;
	*boff += len;
	for (uint32_t i = 0; i < nv && len; i++) {
		uint32_t k;

		if (off >= v[i].len) {
			off -= v[i].len;
			continue;
		}
		if (pkt->nr_frags >= NM_TX_MAX_FRAGS)
			return nm_err(ENOSPC, "too many frags");
		k = v[i].len - off < len ? v[i].len - off : len;
		pkt->frags[pkt->nr_frags++] = (struct nm_tx_frag){ v[i].addr + off, k };
		len -= k;
		off = 0;
	}
	return 0;
}

static int xmit_build(struct nm_dev_tx *tx, struct nm_skb *skb, struct nm_tx_pkt *pkt)
{
	uint32_t hdr = skb->linear < TX_MAX_HDR ? skb->linear : TX_MAX_HDR, boff = 0;
	int r;

	pkt->hdr = skb->data;
	pkt->hdr_len = hdr;
	pkt->nr_frags = 0;
	if (skb->linear > hdr) {
		r = bounce_add(tx, pkt, &boff, skb->data + hdr, skb->linear - hdr);
		if (r < 0)
			return r;
	}
	for (uint16_t i = 0; i < skb->nr_frags; i++) {
		const struct nm_skb_frag *f = &skb->frags[i];

		if (skb->tx) {
			if (pkt->nr_frags >= NM_TX_MAX_FRAGS)
				return nm_err(ENOSPC, "too many frags");
			pkt->frags[pkt->nr_frags++] = (struct nm_tx_frag){ f->dma_addr, f->len };
			continue;
		}
		if (skb->unreadable || !nm_netmem_is_readable(f->netmem))
			return nm_err(EINVAL, "RX device-memory frags cannot be sent");
		r = bounce_add(tx, pkt, &boff,
			       (const uint8_t *)nm_netmem_address(f->netmem) + f->off, f->len);
		if (r < 0)
			return r;
	}
	memset(&pkt->meta, 0, sizeof(pkt->meta));
	if (skb->csum_partial) {
		uint32_t start = skb->csum_start - (uint32_t)(skb->data - skb->head);

		pkt->meta.flags = NM_WIRE_F_NEEDS_CSUM;
		pkt->meta.csum_start = (uint16_t)start;
		pkt->meta.csum_offset = skb->csum_offset;
	}
	if (skb->gso_size) {
		bool v6 = hdr >= NM_ETH_HLEN && nm_get16(skb->data + 12) == NM_ETH_P_IPV6;

		pkt->meta.gso_type = v6 ? NM_WIRE_GSO_TCPV6 : NM_WIRE_GSO_TCPV4;
		pkt->meta.gso_size = skb->gso_size;
	}
	return 0;
}

static void xmit_skb_done(void *arg)
{
	nm_skb_free(arg);
}

/* A segment whose owner keeps its payload until told may stay referenced
 * on the wire after the call: device segments (devmem TX: the segment's
 * hold on its binding and its zerocopy completion, tcp_zc.c) and the send
 * ring's (tcp_sring.c: the ring does not write over them).  The skb, and
 * with it that hold (its destructor), lives until the NIC says done.  The
 * bounce buffer is rewritten by the next call: never referenced. */
static bool xmit_may_ref(const struct nm_skb *skb)
{
	return skb->tx && skb->destructor && skb->linear <= TX_MAX_HDR;
}

int nm_dev_queue_xmit(struct nm_iface *ifc, struct nm_skb *skb)
{
	struct nm_tx_pkt pkt;
	bool owned = false;
	int r;

	if (!ifc || !skb || !ifc->tx) {
		nm_skb_free(skb);
		return nm_err(EINVAL, "NULL argument");
	}
	r = xmit_build(ifc->tx, skb, &pkt);
	if (r == 0) {
		owned = xmit_may_ref(skb);
		pkt.done = owned ? xmit_skb_done : NULL;
		pkt.done_arg = skb;
		pkt.host = !skb->unreadable;
		r = nm_netdev_xmit(ifc->nd, 0, &pkt);
	}
	if (r == 0)
		ifc->st->stats.tx_frames++;
	else
		ifc->st->stats.tx_errors++;
	if (!owned)	/* else the NIC frees it through done */
		nm_skb_free(skb);
	return r;
}
