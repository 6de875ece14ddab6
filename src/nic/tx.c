/* SPDX-License-Identifier: MIT */
/*
 * The NIC's transmit path.  The stack hands a packet as host headers plus
 * payload pieces named by device address (host buffers mapped for the NIC,
 * or a dma-buf bound for TX).  The NIC reads the payload by DMA (engine
 * iovecs over its own mappings), fills the L4 checksum when asked
 * (NM_WIRE_F_NEEDS_CSUM, like CHECKSUM_PARTIAL), and cuts frames above the
 * MTU into MTU-sized segments (TSO) unless the wire carries GSO frames
 * whole (a TAP: the kernel segments them).
 *
 * The payload is never copied into host memory: each frame goes to the
 * wire as [headers][payload iovecs], and the wire's copy is the DMA.  On
 * a wire with references (shm pairs, docs/nic.md "One copy on the shm
 * wire") a packet whose owner can wait (pkt->done) goes as [headers] plus
 * a reference to its payload, and the receiving NIC's copy is the only
 * one; the owner hears done once every frame cut from it is consumed.
 *
 * Caller must own the netdev (its stack thread).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "mem/mem_internal.h"
#include "nic/csum.h"
#include "nic/netdev_drv.h"
#include "nic/nic_internal.h"
#include "nic/pkt.h"
#include "nic/tso.h"
#include "util/err.h"

#define NM_TX_MAX_IOV 64
#define NM_TX_MAX_HDR 512
/* Smaller payloads are copied into the wire: a reference costs a table
 * entry and a release on the sender, more than copying a few hundred
 * bytes, and keeps the owner's memory for the wire's round trip. */
#define NM_TX_REF_MIN 1024

/* A packet sent by reference: one count per frame the wire took, plus
 * the sender's own until nm_netdev_xmit() returns.  Sender's thread only. */
struct nm_tx_ref {
	uint32_t count;
	void (*done)(void *arg);
	void *arg;
	bool host;			/* nm_tx_pkt.host */
};

static void tx_ref_put(void *arg)
{
	struct nm_tx_ref *tr = arg;

	if (--tr->count)
		return;
	tr->done(tr->arg);
	free(tr);
}

/* The payload as engine iovecs (the NIC's DMA read). */
static int tx_gather(struct nm_netdev *nd, const struct nm_tx_pkt *pkt, struct iovec *iov,
		     uint32_t *len)
{
	uint64_t sum = pkt->hdr_len;
	unsigned n = 0;

	*len = 0;
	for (unsigned i = 0; i < pkt->nr_frags; i++) {
		int k;

		if (!pkt->frags[i].len)
			return nm_err(EINVAL, "frag %u is empty", i);
		/* add up in 64 bits before anything is mapped: a sum that
		 * wrapped 32 bits would pass every later check */
		sum += pkt->frags[i].len;
		if (sum > NM_WIRE_MAX_FRAME)
			return nm_err(EMSGSIZE, "more than %d bytes", NM_WIRE_MAX_FRAME);
		k = nm_dma_engine_iov(nd->dev, pkt->frags[i].dma_addr, pkt->frags[i].len, false,
				      iov + n, NM_TX_MAX_IOV - n);
		if (k < 0)
			return nm_err_wrap(k, "frag %u", i);
		n += (unsigned)k;
		*len += pkt->frags[i].len;
	}
	return (int)n;
}

/* Ones'-complement sum of [off, off + len) of the payload iovecs. */
static uint32_t iov_csum(const struct iovec *iov, unsigned n, uint32_t off, uint32_t len)
{
	uint32_t sum = 0, done = 0;

	for (unsigned i = 0; i < n && len; i++) {
		uint32_t k;

		if (off >= iov[i].iov_len) {
			off -= (uint32_t)iov[i].iov_len;
			continue;
		}
		k = (uint32_t)iov[i].iov_len - off;
		k = k < len ? k : len;
		sum = nm_csum_block_add(sum, nm_csum_partial((const uint8_t *)iov[i].iov_base + off,
							     k, 0), done);
		done += k;
		len -= k;
		off = 0;
	}
	return sum;
}

/* iovecs for [off, off + len) of the payload, after a header iovec. */
static unsigned iov_slice(const struct iovec *iov, unsigned n, uint32_t off, uint32_t len,
			  struct iovec *out)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n && len; i++) {
		uint32_t m;

		if (off >= iov[i].iov_len) {
			off -= (uint32_t)iov[i].iov_len;
			continue;
		}
		m = (uint32_t)iov[i].iov_len - off;
		m = m < len ? m : len;
		out[k].iov_base = (uint8_t *)iov[i].iov_base + off;
		out[k++].iov_len = m;
		len -= m;
		off = 0;
	}
	return k;
}

/* iov[0] is the frame's headers, the rest its payload: referenced when tr
 * is given and the payload is worth it, else gathered by the wire. */
static int tx_wire(struct nm_netdev *nd, struct iovec *iov, unsigned n,
		   const struct nm_wire_meta *meta, uint32_t len, struct nm_tx_ref *tr)
{
	struct nm_wire_ref ref;
	int ret;

	if (!tr || n < 2 || n - 1 > NM_WIRE_REF_IOV || len - iov[0].iov_len < NM_TX_REF_MIN)
		return nm_wire_xmit(nd->wire, iov, n, meta);
	ref.n = n - 1;
	ref.len = len - (uint32_t)iov[0].iov_len;
	memcpy(ref.iov, iov + 1, ref.n * sizeof(*iov));
	ref.release = tx_ref_put;
	ref.arg = tr;
	ref.host = tr->host;
	tr->count++;
	ret = nm_wire_xmit_ref(nd->wire, iov, 1, &ref, meta);
	if (ret < 0)
		tr->count--;	/* not taken: release is never called */
	return ret;
}

static int tx_send(struct nm_netdev *nd, struct nm_txq *q, struct iovec *iov, unsigned n,
		   const struct nm_wire_meta *meta, uint32_t len, struct nm_tx_ref *tr)
{
	int ret = tx_wire(nd, iov, n, meta, len, tr);

	if (ret == -EAGAIN) {
		q->st.tx_busy++;
		return ret;
	}
	if (ret < 0) {
		q->st.tx_errors++;
		return ret;
	}
	q->st.tx_frames++;
	/* on the wire now: what a capture records (after TSO, as it crossed) */
	if (nm_unlikely(nd->cap))
		nm_capture_frame(nd->cap, iov, n, len);
	return 0;
}

/* Software TSO: each segment's headers are rewritten into scratch and sent
 * with a slice of the payload iovecs. */
static int tx_tso(struct nm_netdev *nd, struct nm_txq *q, const struct nm_tx_pkt *pkt,
		  const struct iovec *piov, unsigned np, uint32_t total, struct nm_tx_ref *tr)
{
	struct iovec iov[NM_TX_MAX_IOV + 1];
	struct nm_wire_meta meta = { 0 };
	struct nm_tso t;
	int ret;

	ret = nm_tso_prepare(&t, pkt->hdr, pkt->hdr_len, total, pkt->meta.gso_type,
			     pkt->meta.gso_size);
	if (ret)
		return nm_err_wrap(ret, "TSO");
	for (uint32_t i = 0; i < t.nr_segs; i++) {
		struct nm_tso_seg seg;
		uint32_t off, len, sum;

		nm_tso_seg_range(&t, i, &off, &len);
		/* off counts from the frame start; the payload iovecs from hdr_len */
		sum = iov_csum(piov, np, off - pkt->hdr_len, len);
		ret = nm_tso_segment(&t, i, sum, 0, nd->scratch, NM_TX_MAX_HDR, &seg);
		if (ret)
			return nm_err_wrap(ret, "TSO segment %u", i);
		iov[0].iov_base = nd->scratch;
		iov[0].iov_len = seg.hdr_len;
		unsigned k = iov_slice(piov, np, off - pkt->hdr_len, len, iov + 1);

		ret = tx_send(nd, q, iov, k + 1, &meta, seg.frame_len, tr);
		/* a full wire after the first segment loses the rest, like a
		 * congested link: TCP retransmits them */
		if (ret == -EAGAIN && i)
			return 0;
		if (ret)
			return ret;
	}
	return 0;
}

static int tx_pkt(struct nm_netdev *nd, uint32_t qi, const struct nm_tx_pkt *pkt,
		  struct nm_tx_ref *tr)
{
	struct iovec iov[NM_TX_MAX_IOV + 1];
	struct nm_pkt_info info;
	struct nm_wire_meta meta;
	struct nm_txq *q;
	uint32_t plen, total;
	int np, ret;

	if (!nd || !pkt || !pkt->hdr)
		return nm_err(EINVAL, "NULL argument");
	if (qi >= nd->ntx)
		return nm_err(ERANGE, "tx queue %u out of range", qi);
	if (pkt->hdr_len < NM_ETH_HLEN || pkt->hdr_len > NM_TX_MAX_HDR)
		return nm_err(EINVAL, "header length %u outside [%d, %d]",
			      pkt->hdr_len, NM_ETH_HLEN, NM_TX_MAX_HDR);
	if (pkt->nr_frags > NM_TX_MAX_FRAGS)
		return nm_err(EINVAL, "%u frags, at most %d", pkt->nr_frags,
			      NM_TX_MAX_FRAGS);
	q = &nd->txq[qi];
	np = tx_gather(nd, pkt, iov + 1, &plen);
	if (np < 0) {
		q->st.tx_errors++;
		return np;
	}
	total = pkt->hdr_len + plen;
	if (total > NM_WIRE_MAX_FRAME) {
		q->st.tx_errors++;
		return nm_err(EMSGSIZE, "%u bytes exceed %d", total, NM_WIRE_MAX_FRAME);
	}
	if (nm_pkt_parse_hdr(pkt->hdr, pkt->hdr_len, total, &info)) {
		q->st.tx_errors++;
		return nm_err_wrap(-EINVAL, "headers");
	}
	meta = pkt->meta;
	if (total > nd->mtu + info.l2_len) {
		bool v6 = info.l3_proto == 6;

		if (meta.gso_type != (v6 ? NM_WIRE_GSO_TCPV6 : NM_WIRE_GSO_TCPV4) ||
		    !meta.gso_size || !(nd->features & (v6 ? NM_NETIF_F_TSO6 : NM_NETIF_F_TSO))) {
			q->st.tx_errors++;
			return nm_err(EMSGSIZE, "%u bytes above the MTU without TSO",
				      total);
		}
		if (!nd->wire->gso) {
			ret = tx_tso(nd, q, pkt, iov + 1, (unsigned)np, total, tr);
			goto out;
		}
		/* the wire takes it whole; the peer segments it */
		meta.hdr_len = (uint16_t)info.payload_off;
	} else {
		meta.gso_type = NM_WIRE_GSO_NONE;
		meta.gso_size = 0;
	}
	iov[0].iov_base = (void *)pkt->hdr;
	iov[0].iov_len = pkt->hdr_len;
	if ((meta.flags & NM_WIRE_F_NEEDS_CSUM) && !nd->wire->gso) {
		/* fill it here: the wire has no one to do it */
		if (!(nd->features & NM_NETIF_F_HW_CSUM) ||
		    meta.csum_start + meta.csum_offset + 2u > pkt->hdr_len) {
			q->st.tx_errors++;
			return nm_err(EINVAL, "checksum offload at %u+%u not possible",
				      meta.csum_start, meta.csum_offset);
		}
		memcpy(nd->scratch, pkt->hdr, pkt->hdr_len);
		ret = nm_csum_partial_complete_split(nd->scratch, pkt->hdr_len, meta.csum_start,
						     meta.csum_offset,
						     iov_csum(iov + 1, (unsigned)np, 0, plen));
		if (ret) {
			q->st.tx_errors++;
			return nm_err_wrap(ret, "checksum");
		}
		iov[0].iov_base = nd->scratch;
		meta.flags = (uint8_t)(meta.flags & ~NM_WIRE_F_NEEDS_CSUM);
	}
	ret = tx_send(nd, q, iov, (unsigned)np + 1, &meta, total, tr);
out:
	if (!ret) {
		q->st.tx_packets++;
		q->st.tx_bytes += total;
	}
	return ret;
}

int nm_netdev_xmit(struct nm_netdev *nd, uint32_t qi, const struct nm_tx_pkt *pkt)
{
	struct nm_tx_ref *tr;
	int ret;

	if (!pkt || !pkt->done)
		return tx_pkt(nd, qi, pkt, NULL);
	/* done is owed exactly once, whatever happens below */
	tr = nd && nm_wire_ref_ok(nd->wire, pkt->host) ? malloc(sizeof(*tr)) : NULL;
	if (!tr) {
		ret = tx_pkt(nd, qi, pkt, NULL);
		pkt->done(pkt->done_arg);
		return ret;
	}
	*tr = (struct nm_tx_ref){ .count = 1, .done = pkt->done, .arg = pkt->done_arg,
				  .host = pkt->host };
	ret = tx_pkt(nd, qi, pkt, tr);
	tx_ref_put(tr);		/* the frames the wire took hold it from here */
	return ret;
}

void nm_netdev_tx_batch(struct nm_netdev *nd, bool on)
{
	nm_wire_tx_batch(nd->wire, on);
}

void nm_netdev_tx_reclaim(struct nm_netdev *nd)
{
	nm_wire_ref_give_back(nd->wire);
}
