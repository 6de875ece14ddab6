/* SPDX-License-Identifier: MIT */
/*
 * The NIC's receive path: wire -> steering -> checksum -> header split ->
 * DMA into posted buffers -> a completed nm_rx_pkt in the queue.
 *
 * One way in (nm_nic_rx_frame()): the wire's rx op delivers the next frame,
 * and the NIC never asks which wire it has.  The wire either lends the
 * frame where it lies (shm) or copies it into buffers the NIC offers when
 * asked (TAP: the kernel's read), and the frame then takes one path:
 *  - parsed, steered and checked where it lies, then the DMA engine writes
 *    headers into a host buffer and payload into payload buffers, each
 *    exactly once (rx_place_buf()).  A lent frame may keep a host-memory
 *    queue's payload where it lies: only the headers are copied
 *    (place_lent(), rx_loan.c); the NIC then holds it on the wire, or
 *    consumes it.
 *  - a frame copied into the offered buffers is already in a queue's
 *    buffers: the NIC offered those of the queue it predicted (the last
 *    split frame's), with the header length it predicted (the queue's
 *    last), headers in a host buffer and payload after a small headroom.
 *    When the guess was right it stays where it landed (rx_landed()); a
 *    header length off by a little is fixed with DMA copies, anything else
 *    is placed from a copy as above.  The common case is one copy, the
 *    kernel's.
 *
 * Payload chunks are packed one after another in the posted buffers
 * (NM_RX_PAYLOAD_ALIGN) and span buffers when they do not fit: small MTUs
 * share buffers and no byte of device memory is wasted beyond alignment.
 * Every chunk handed to a packet takes a page-pool reference; the ring
 * drops its own reference on a buffer once it has moved past it.
 *
 * The stack never touches payload here: only the DMA engine (and, on the
 * TAP path, the kernel's copy, which is this NIC's DMA) writes it, and
 * checksums of TAP frames are computed by the NIC over its own DMA view.
 *
 * Caller must own the netdev (its stack thread).
 */
#include <string.h>
#include <sys/uio.h>

#include "mem/mem_internal.h"
#include "nic/csum.h"
#include "nic/netdev_drv.h"
#include "nic/nic_internal.h"
#include "nic/ntuple.h"
#include "nic/pkt.h"
#include "util/err.h"

/* Headers a frame may have and still be split. */
#define NM_RX_MAX_HDR 256
/* Engine pieces of one referenced payload's destination (64 KiB over
 * at most NM_RX_MAX_FRAGS buffers, each a few pieces at most). */
#define NM_RX_REF_DST_IOV 64

struct chunk {
	nm_netmem_t nm;
	uint32_t off, len;
};

static inline uint32_t align_up(uint32_t x, uint32_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* ---- ring placement: plan, then commit ---------------------------------- */

struct plan {
	struct chunk c[NM_RX_MAX_FRAGS];
	int n;
	uint32_t end_slot;		/* ring index of the last buffer used */
	uint32_t end_used;		/* bytes used in it afterwards */
};

/*
 * Plan len bytes in r from its current position, skipping lead bytes before
 * the data in the first buffer used.  With contig the bytes must lie in one
 * buffer (the rest of the current one is skipped if they do not fit).
 * Fails when the ring lacks buffers or the data would need more than
 * NM_RX_MAX_FRAGS chunks.
 */
static bool ring_plan_ex(const struct nm_rx_ring *r, uint32_t len, uint32_t align, uint32_t lead,
			 bool contig, struct plan *p)
{
	uint32_t slot = r->head, off = align_up(r->used, align) + lead;

	p->n = 0;
	if (off >= r->buf_size || (contig && len > r->buf_size - off)) {
		slot++;
		off = lead;
	}
	for (;;) {
		uint32_t room, k;

		if (slot - r->head >= nm_rx_ring_count(r) || p->n == NM_RX_MAX_FRAGS)
			return false;
		room = r->buf_size - off;
		k = len < room ? len : room;
		p->c[p->n++] = (struct chunk){ r->slot[slot & r->mask], off, k };
		len -= k;
		if (!len) {
			p->end_slot = slot;
			p->end_used = off + k;
			return true;
		}
		slot++;
		off = 0;
	}
}

static bool ring_plan(const struct nm_rx_ring *r, uint32_t len, uint32_t align, uint32_t lead,
		      struct plan *p)
{
	return ring_plan_ex(r, len, align, lead, false, p);
}

/* Take a reference per chunk and move the ring past what was used,
 * dropping the ring's reference on every buffer it leaves. */
static void ring_commit(struct nm_rx_ring *r, const struct plan *p)
{
	for (int i = 0; i < p->n; i++)
		nm_page_pool_ref_netmem(p->c[i].nm);
	while (r->head != p->end_slot) {
		nm_netmem_t nm = r->slot[r->head++ & r->mask];

		nm_page_pool_put_netmem(nm_netmem_pool(nm), nm, true);
	}
	r->used = p->end_used;
	if (r->used >= r->buf_size) {
		nm_netmem_t nm = r->slot[r->head++ & r->mask];

		nm_page_pool_put_netmem(nm_netmem_pool(nm), nm, true);
		r->used = 0;
	}
}

/* ---- decisions on a parsed frame --------------------------------------- */

static void drop_dev(struct nm_netdev *nd, enum nm_rx_drop why)
{
	nd->dev_st.drops[why]++;
}

static void drop_q(struct nm_rxq *q, enum nm_rx_drop why)
{
	q->st.drops[why]++;
}

struct rx_frame {
	struct nm_pkt_info info;
	struct nm_wire_meta meta;
	uint32_t len;
	bool parsed;			/* parse returned 0 */
	bool l4;			/* TCP or UDP parsed */
	uint32_t hash;
	bool hashed;
	uint32_t queue;
};

/* Parse and size-check; false: dropped (counted on the device). */
static bool rx_classify(struct nm_netdev *nd, const uint8_t *hdr, uint32_t avail,
			struct rx_frame *f)
{
	int ret = avail < f->len ? nm_pkt_parse_hdr(hdr, avail, f->len, &f->info)
				 : nm_pkt_parse(hdr, f->len, &f->info);

	if (ret) {
		drop_dev(nd, NM_RX_DROP_MALFORMED);
		if (f->info.drop_reason < NM_PKT_REASON_MAX)
			nd->parse_drops[f->info.drop_reason]++;
		return false;
	}
	f->parsed = true;
	f->l4 = !f->info.is_fragment &&
		(f->info.l4_proto == NM_IPPROTO_TCP || f->info.l4_proto == NM_IPPROTO_UDP) &&
		f->info.l4_hdr_len;
	/* longer than the MTU allows is a drop, unless the wire coalesced it */
	if (f->meta.gso_type == NM_WIRE_GSO_NONE && f->len > nd->mtu + f->info.l2_len) {
		drop_dev(nd, NM_RX_DROP_TOO_LONG);
		return false;
	}
	return true;
}

/* ntuple rule, else RSS.  false: a drop rule matched. */
static bool rx_steer(struct nm_netdev *nd, struct rx_frame *f)
{
	int32_t action;
	uint16_t q;

	nm_rss_hash_pkt(&nd->rss, &f->info, &f->hash, &q);
	f->hashed = f->info.l3_proto != 0;
	f->queue = q;
	if ((nd->features & NM_NETIF_F_NTUPLE) &&
	    nm_ntuple_lookup(nd->ntuple, &f->info, &action, NULL) == 1) {
		if (action == NM_NTUPLE_DROP) {
			drop_dev(nd, NM_RX_DROP_NTUPLE);
			return false;
		}
		f->queue = (uint32_t)action;
	}
	if (f->queue >= nd->nrx)	/* cannot happen: tables follow nrx */
		f->queue = 0;
	return true;
}

/* A TCP/UDP payload that header split would take, but the threshold
 * keeps with the headers (counted as hds_small where it is placed). */
static bool rx_small(const struct nm_netdev *nd, const struct rx_frame *f)
{
	return nd->split == NM_TCP_DATA_SPLIT_ENABLED && f->l4 && f->info.payload_len &&
	       f->info.payload_len <= nd->hds_thresh;
}

/* Split when on, for TCP/UDP payloads above the threshold.  A question
 * only: the TAP path asks it before placing and placing asks again. */
static bool rx_want_split(const struct nm_netdev *nd, const struct rx_frame *f)
{
	return nd->split == NM_TCP_DATA_SPLIT_ENABLED && f->l4 &&
	       f->info.payload_len > nd->hds_thresh;
}

static struct nm_rx_pkt *cq_slot(struct nm_rxq_mem *m)
{
	if (m->cq_tail - m->cq_head > m->cq_mask)
		return NULL;
	return &m->cq[m->cq_tail & m->cq_mask];
}

_Static_assert(NM_RX_TCPOPT_MSS == NM_TCPOPT_F_MSS && NM_RX_TCPOPT_WS == NM_TCPOPT_F_WS &&
	       NM_RX_TCPOPT_SACK_PERM == NM_TCPOPT_F_SACK_PERM &&
	       NM_RX_TCPOPT_SACK == NM_TCPOPT_F_SACK && NM_RX_TCPOPT_TS == NM_TCPOPT_F_TS,
	       "the packet's option bits are the parser's");

/* What the parser learned travels with the packet, so the stack parses
 * nothing twice.  false: an offset does not fit (headers beyond 64 KiB
 * of a GSO frame); the stack then parses for itself. */
static bool rx_parse_fill(struct nm_rx_parse *p, const struct nm_pkt_info *in)
{
	if (in->payload_off > UINT16_MAX)
		return false;
	p->l3_end = in->l3_end;
	p->l3_off = (uint16_t)in->l3_off;
	p->l4_off = (uint16_t)in->l4_off;
	p->payload_off = (uint16_t)in->payload_off;
	p->l3_proto = in->l3_proto;
	p->l4_proto = in->l4_hdr_len ? in->l4_proto : 0;
	p->tcp_mss = in->tcp_mss;
	p->tcp_opts = in->tcp_opts;
	p->tcp_wscale = in->tcp_wscale;
	p->tcp_sack_off = in->tcp_sack_off;
	p->tcp_sack_blocks = in->tcp_sack_blocks;
	p->tcp_tsval = in->tcp_tsval;
	p->tcp_tsecr = in->tcp_tsecr;
	return true;
}

static void rx_complete(struct nm_rxq *q, struct nm_rx_pkt *pkt, const struct rx_frame *f,
			uint32_t flags)
{
	/* what the packet holds: a split one leaves Ethernet padding behind
	 * (headers and payload are placed, the bytes after the IP packet are
	 * not), a whole one keeps it */
	pkt->len = flags & NM_RX_F_SPLIT ? f->info.payload_off + f->info.payload_len : f->len;
	pkt->flags = flags | (f->hashed && (q->nd->features & NM_NETIF_F_RXHASH) ? NM_RX_F_HASH : 0);
	pkt->rss_hash = f->hash;
	pkt->queue = (uint16_t)q->idx;
	pkt->gso_type = f->meta.gso_type;
	pkt->gso_size = f->meta.gso_size;
	if (f->meta.gso_type != NM_WIRE_GSO_NONE)
		pkt->flags |= NM_RX_F_GSO;
	if (f->parsed && rx_parse_fill(&pkt->parse, &f->info))
		pkt->flags |= NM_RX_F_PARSED;
	q->mem->cq_tail++;
	q->st.packets++;
	q->st.bytes += f->len;
	if (flags & NM_RX_F_SPLIT)
		q->st.hds_packets++;
}

/* Fill pkt's header and frags from a header plan and a payload plan. */
static void pkt_fill(struct nm_rx_pkt *pkt, const struct plan *hp, const struct plan *pp)
{
	pkt->hdr = hp->c[0].nm;
	pkt->hdr_off = hp->c[0].off;
	pkt->hdr_len = hp->c[0].len;
	pkt->nr_frags = 0;
	for (int i = 1; i < hp->n; i++)
		pkt->frags[pkt->nr_frags++] = (struct nm_rx_frag){ hp->c[i].nm, hp->c[i].off,
								   hp->c[i].len };
	for (int i = 0; pp && i < pp->n; i++)
		pkt->frags[pkt->nr_frags++] = (struct nm_rx_frag){ pp->c[i].nm, pp->c[i].off,
								   pp->c[i].len };
}

/* Chunks i.. that lie back to back in the device's address space (buffers
 * of one provider block are often mapped at consecutive IOVAs): one DMA
 * transfer covers them all.  Returns the index after the run; *addr and
 * *len describe it. */
static int plan_run(const struct plan *p, int i, uint64_t *addr, uint32_t *len)
{
	*addr = nm_netmem_dma_addr(p->c[i].nm) + p->c[i].off;
	*len = p->c[i].len;
	for (i++; i < p->n && nm_netmem_dma_addr(p->c[i].nm) + p->c[i].off == *addr + *len; i++)
		*len += p->c[i].len;
	return i;
}

/* DMA-write src into the planned chunks: contiguous chunks merged into
 * runs, all runs in one engine call (checked whole before a byte moves). */
static int plan_write(struct nm_netdev *nd, const struct plan *p, const uint8_t *src)
{
	struct nm_dma_run runs[NM_RX_MAX_FRAGS];
	unsigned nr = 0;

	for (int i = 0; i < p->n; nr++) {
		uint32_t len;

		i = plan_run(p, i, &runs[nr].addr, &len);
		runs[nr].len = len;
	}
	return nm_dma_write_runs(nd->dev, runs, nr, src);
}

/* ---- checksums on the wire side ------------------------------------------ */

#define RX_CSUM_VERIFY	2	/* rx_csum_head(): the L4 sum is still to check */

/* What the headers alone decide (they start at hdr): 1 ok / trusted, 0 not
 * applicable, -1 bad, RX_CSUM_VERIFY: the L4 checksum needs the payload. */
static int rx_csum_head(const struct nm_netdev *nd, const uint8_t *hdr, const struct rx_frame *f)
{
	if (!(nd->features & NM_NETIF_F_RXCSUM) || !f->parsed)
		return 0;
	if (f->info.l3_proto == 4 && nm_csum_ipv4_verify(hdr, f->len, &f->info) < 0)
		return -1;
	if (!f->l4)
		return 0;
	if (f->meta.flags & (NM_WIRE_F_DATA_VALID | NM_WIRE_F_NEEDS_CSUM))
		return 1;
	return RX_CSUM_VERIFY;
}

/* 1 ok / trusted, 0 not applicable, -1 bad: the whole frame at frame. */
static int rx_csum_buf(const struct nm_netdev *nd, const uint8_t *frame, const struct rx_frame *f)
{
	int c = rx_csum_head(nd, frame, f);

	if (c != RX_CSUM_VERIFY)
		return c;
	return nm_csum_l4_verify(frame, f->len, &f->info) < 0 ? -1 : 1;
}

/* ---- placing a readable frame (lent, or a copy) --------------------------- */

/*
 * Slow path: the posted buffers ran out in the middle of a poll (a burst of
 * large frames since the refill at the top of nm_netdev_poll()).  Post more
 * now, as a driver refilling inside its NAPI poll would, instead of dropping
 * a frame while the pool still has memory: this is what lets a ring stay
 * short (its buffers cache-warm when the NIC writes them) without drops.
 * False when nothing could be posted (the pool is dry).
 */
static bool refill_mid_poll(struct nm_rxq *q)
{
	uint32_t hdr = nm_rx_ring_count(&q->mem->hdr_ring);
	uint32_t pay = nm_rx_ring_count(&q->mem->pay_ring);

	nm_rxq_refill(q);
	return nm_rx_ring_count(&q->mem->hdr_ring) != hdr ||
	       nm_rx_ring_count(&q->mem->pay_ring) != pay;
}

/* len bytes of headers (whole frame when not split) in the header ring,
 * refilling once if it lacks buffers. */
static bool plan_hdr(struct nm_rxq *q, uint32_t len, bool contig, struct plan *hp)
{
	struct nm_rx_ring *r = &q->mem->hdr_ring;

	return ring_plan_ex(r, len, NM_RX_HDR_ALIGN, 0, contig, hp) ||
	       (refill_mid_poll(q) && ring_plan_ex(r, len, NM_RX_HDR_ALIGN, 0, contig, hp));
}

/* hlen bytes of headers (in one buffer) and plen of payload after lead
 * bytes, refilling once if the rings lack buffers. */
static bool plan_split(struct nm_rxq *q, uint32_t hlen, uint32_t plen, uint32_t lead,
		       struct plan *hp, struct plan *pp)
{
	struct nm_rxq_mem *m = q->mem;

	for (int pass = 0;; pass++) {
		if (ring_plan_ex(&m->hdr_ring, hlen, NM_RX_HDR_ALIGN, 0, true, hp) &&
		    ring_plan(&m->pay_ring, plen, NM_RX_PAYLOAD_ALIGN, lead, pp))
			return true;
		if (pass || !refill_mid_poll(q))
			return false;
	}
}

/* A split frame's payload may stay where it lies on a lending wire
 * (rx_loan.c): host-memory queues only (device memory must get the DMA)
 * and payloads worth a handle. */
static bool lend_ok(const struct nm_netdev *nd, const struct nm_rxq_mem *m,
		    const struct rx_frame *f)
{
	return nd->loan && (nd->features & NM_NETIF_F_RX_LOAN) && !m->unreadable &&
	       f->info.payload_len >= NM_RX_LOAN_MIN && nm_rx_loan_room(nd);
}

/*
 * Headers of a split frame (at buf) into a header buffer, its payload left
 * where it lies and handed up as one frag on a loan handle over the loan_len
 * bytes at loan (the frame, payload at pay_off; or a referenced payload
 * alone, at 0).  1: lent; 0: no handle,
 * the caller copies the payload instead; -1: dropped (counted here).
 */
static int place_lent(struct nm_netdev *nd, struct nm_rxq *q, const uint8_t *buf,
		      const uint8_t *loan, uint32_t loan_len, uint32_t pay_off,
		      const struct rx_frame *f, struct nm_rx_pkt *pkt)
{
	struct nm_rxq_mem *m = q->mem;
	struct plan hp;
	nm_netmem_t h;

	if (!plan_hdr(q, f->info.hdr_len, true, &hp)) {
		drop_q(q, NM_RX_DROP_NO_BUFFER);
		return -1;
	}
	if (plan_write(nd, &hp, buf)) {
		drop_q(q, NM_RX_DROP_DMA);
		return -1;
	}
	h = nm_rx_loan_take(nd, loan, loan_len);
	if (!h)
		return 0;
	ring_commit(&m->hdr_ring, &hp);
	pkt_fill(pkt, &hp, NULL);
	pkt->frags[pkt->nr_frags++] = (struct nm_rx_frag){ h, pay_off, f->info.payload_len };
	q->st.rx_loaned++;
	return 1;
}

/*
 * The frame lies readable in buf (the wire's arena, or the scratch buffer
 * of a fallback): place it in queue f->queue.  With lend (buf is a frame a
 * lending wire can hold) a host queue's payload may stay in buf; returns
 * true when it did, and the caller must then hold the frame, not consume it.
 */
/* A split frame's header and payload buffers are taken (written already):
 * the packet's flags for it. */
static uint32_t split_commit(struct nm_rxq_mem *m, struct nm_rx_pkt *pkt, const struct plan *hp,
			     const struct plan *pp)
{
	ring_commit(&m->hdr_ring, hp);
	ring_commit(&m->pay_ring, pp);
	pkt_fill(pkt, hp, pp);
	return NM_RX_F_SPLIT | (m->unreadable ? NM_RX_F_UNREADABLE : 0);
}

static bool rx_place_buf(struct nm_netdev *nd, const uint8_t *buf, struct rx_frame *f, int csum,
			 bool lend)
{
	struct nm_rxq *q = &nd->rxq[f->queue];
	struct nm_rxq_mem *m = q->mem;
	struct plan hp, pp;
	struct nm_rx_pkt *pkt;
	uint32_t flags = 0;
	bool split;

	if (csum < 0) {
		q->st.csum_bad++;
		drop_q(q, NM_RX_DROP_BAD_CSUM);
		return false;
	}
	if (csum > 0) {
		q->st.csum_ok++;
		flags |= NM_RX_F_CSUM_OK;
	}
	pkt = cq_slot(m);
	if (!pkt) {
		drop_q(q, NM_RX_DROP_QUEUE_FULL);
		return false;
	}
	/* headers stay in one host buffer (the stack needs them linear and a
	 * packet never mixes host and device payload frags) */
	if (rx_small(nd, f))
		q->st.hds_small++;
	split = rx_want_split(nd, f) && f->info.hdr_len <= NM_RX_MAX_HDR;
	if (split && lend && lend_ok(nd, m, f)) {
		int lent = place_lent(nd, q, buf, buf, f->len, f->info.payload_off, f, pkt);

		if (lent > 0)
			rx_complete(q, pkt, f, flags | NM_RX_F_SPLIT);
		if (lent)
			return lent > 0;
		/* no handle: the payload is copied as below */
	}
	if (split) {
		if (!plan_split(q, f->info.hdr_len, f->info.payload_len, 0, &hp, &pp)) {
			drop_q(q, NM_RX_DROP_NO_BUFFER);
			return false;
		}
		if (plan_write(nd, &hp, buf) || plan_write(nd, &pp, buf + f->info.payload_off)) {
			drop_q(q, NM_RX_DROP_DMA);
			return false;
		}
		flags |= split_commit(m, pkt, &hp, &pp);
	} else {
		/* whole frame into host memory */
		if (!plan_hdr(q, f->len, false, &hp)) {
			drop_q(q, NM_RX_DROP_NO_BUFFER);
			return false;
		}
		if (plan_write(nd, &hp, buf)) {
			drop_q(q, NM_RX_DROP_DMA);
			return false;
		}
		ring_commit(&m->hdr_ring, &hp);
		pkt_fill(pkt, &hp, NULL);
	}
	rx_complete(q, pkt, f, flags);
	return false;
}

/* ---- plans as the device sees them ----------------------------------------- */

/* Engine iovecs (the NIC's DMA view) over planned chunks. */
static int plan_iov(struct nm_netdev *nd, const struct plan *p, struct iovec *iov, unsigned max)
{
	unsigned n = 0;

	for (int i = 0; i < p->n;) {
		uint64_t addr;
		uint32_t len;
		int k;

		i = plan_run(p, i, &addr, &len);
		k = nm_dma_engine_iov(nd->dev, addr, len, true, iov + n, max - n);
		if (k < 0)
			return k;
		n += (unsigned)k;
	}
	return (int)n;
}


/* Trim a plan to its first len bytes starting skip bytes in. */
static void plan_slice(const struct plan *in, uint32_t skip, uint32_t len, struct plan *out)
{
	out->n = 0;
	for (int i = 0; i < in->n && len; i++) {
		struct chunk c = in->c[i];

		if (skip >= c.len) {
			skip -= c.len;
			continue;
		}
		c.off += skip;
		c.len -= skip;
		skip = 0;
		if (c.len > len)
			c.len = len;
		len -= c.len;
		out->c[out->n++] = c;
		out->end_used = c.off + c.len;
	}
	/* the ring resumes after the last byte used */
	out->end_slot = 0;
}

/* Ring index of the buffer holding chunk c of plan p (planned from r). */
static void plan_fix_end(const struct nm_rx_ring *r, struct plan *p)
{
	uint32_t slot = r->head;

	for (int i = 0; i < p->n; i++)
		while (r->slot[slot & r->mask] != p->c[i].nm)
			slot++;
	p->end_slot = slot;
}

/* ---- a frame that references its payload (shm with references) ------------ */

/*
 * The wire carried only the headers (wf->data, head_len bytes); the payload
 * lies in the sender's memory (wf->ref).  The common case, a split frame
 * whose headers are exactly what was carried, costs one copy per payload
 * byte: the engine writes the payload straight from the sender's memory
 * into the queue's payload buffers (host pages or device memory), and the
 * L4 checksum is summed in the same pass (nm_csum_copy_iov).  A bad sum
 * drops the frame before anything is committed.  Never lent: the payload
 * is the sender's, and it wants it back once this copy is done.
 */
static void place_ref(struct nm_netdev *nd, const struct nm_wire_frame *wf, struct rx_frame *f,
		      int csum)
{
	struct nm_rxq *q = &nd->rxq[f->queue];
	struct nm_rxq_mem *m = q->mem;
	struct iovec dst[NM_RX_REF_DST_IOV];
	const struct nm_wire_ref *ref = wf->ref;
	uint32_t flags = 0, sum;
	struct nm_rx_pkt *pkt;
	struct plan hp, pp;
	bool verify = csum == RX_CSUM_VERIFY;
	int n;

	if (csum < 0)
		goto bad_csum;
	pkt = cq_slot(m);
	if (!pkt) {
		drop_q(q, NM_RX_DROP_QUEUE_FULL);
		return;
	}
	if (!plan_split(q, f->info.hdr_len, f->info.payload_len, 0, &hp, &pp)) {
		drop_q(q, NM_RX_DROP_NO_BUFFER);
		return;
	}
	n = plan_iov(nd, &pp, dst, NM_RX_REF_DST_IOV);
	if (n < 0 || plan_write(nd, &hp, wf->data)) {
		drop_q(q, NM_RX_DROP_DMA);
		return;
	}
	sum = nm_csum_copy_iov(dst, (unsigned)n, ref->iov, ref->n, ref->len, verify);
	if (verify)
		csum = nm_csum_l4_verify_split(wf->data, wf->head_len, &f->info, sum) < 0 ? -1 : 1;
	if (csum < 0)
		goto bad_csum;	/* nothing committed: the buffers are used again */
	if (csum > 0) {
		q->st.csum_ok++;
		flags |= NM_RX_F_CSUM_OK;
	}
	rx_complete(q, pkt, f, flags | split_commit(m, pkt, &hp, &pp));
	return;

bad_csum:
	q->st.csum_bad++;
	drop_q(q, NM_RX_DROP_BAD_CSUM);
}

/* Headers and payload of a referenced frame, one after the other in the
 * scratch buffer: for what place_ref() does not take (no split, headers
 * longer than carried, padding), as any frame a wire delivered. */
static __attribute__((cold)) void rx_ref_gathered(struct nm_netdev *nd,
						  const struct nm_wire_frame *wf,
						  struct rx_frame *f)
{
	memcpy(nd->scratch, wf->data, wf->head_len);
	nm_wire_gather(nd->scratch + wf->head_len, wf->ref->iov, wf->ref->n, 0, wf->ref->len);
	if (rx_classify(nd, nd->scratch, f->len, f) && rx_steer(nd, f))
		rx_place_buf(nd, nd->scratch, f, rx_csum_buf(nd, nd->scratch, f), false);
}

/*
 * A referenced payload lent where it lies in the sender's memory (a wire
 * that can lend references: nm_wire.lend_refs), as a lent arena frame: the
 * headers into a header buffer, the payload one frag on a loan handle.  No
 * copy at all on this side; recv's copy out of the sender's send ring is
 * the second and last of a plain TCP byte.  Only where a lent frame would
 * do (a host queue, lending on, one piece of host memory: device memory
 * only a NIC may read).  1: lent; 0: not, place_ref() copies it (and
 * drops a frame whose checksum is bad); -1: dropped (counted).
 */
static int place_ref_lent(struct nm_netdev *nd, const struct nm_wire_frame *wf,
			  struct rx_frame *f, int csum)
{
	struct nm_rxq *q = &nd->rxq[f->queue];
	const struct nm_wire_ref *ref = wf->ref;
	struct nm_rx_pkt *pkt;
	int lent;

	if (!ref->host || ref->n != 1 || csum < 0 || !lend_ok(nd, q->mem, f))
		return 0;
	pkt = cq_slot(q->mem);
	if (!pkt)
		return 0;
	/* a pass that reads the payload, as for a lent arena frame */
	if (csum == RX_CSUM_VERIFY)
		csum = nm_csum_l4_verify_split(wf->data, wf->head_len, &f->info,
					       nm_csum_partial(ref->iov[0].iov_base, ref->len,
							       0)) < 0 ? -1 : 1;
	if (csum < 0)
		return 0;	/* place_ref() counts and drops it */
	lent = place_lent(nd, q, wf->data, ref->iov[0].iov_base, ref->len, 0, f, pkt);
	if (lent <= 0)
		return lent;	/* dropped (counted), or no handle: copied */
	if (csum > 0)
		q->st.csum_ok++;
	rx_complete(q, pkt, f, NM_RX_F_SPLIT | (csum > 0 ? NM_RX_F_CSUM_OK : 0));
	return 1;
}

/* true: the payload was lent (the caller holds the frame on the wire). */
static bool rx_ref_frame(struct nm_netdev *nd, const struct nm_wire_frame *wf, struct rx_frame *f)
{
	if (f->len > NM_WIRE_MAX_FRAME) {
		drop_dev(nd, NM_RX_DROP_TOO_LONG);
		return false;
	}
	if (!rx_classify(nd, wf->data, wf->head_len, f) || !rx_steer(nd, f))
		return false;
	if (rx_want_split(nd, f) && f->info.hdr_len <= NM_RX_MAX_HDR &&
	    f->info.payload_off == wf->head_len && f->info.payload_len == wf->ref->len) {
		/* the headers' checksums once, whichever places the frame */
		int csum = rx_csum_head(nd, wf->data, f);
		int lent = nd->wire->lend_refs ? place_ref_lent(nd, wf, f, csum) : 0;

		if (lent)
			return lent > 0;
		place_ref(nd, wf, f, csum);
	} else {
		rx_ref_gathered(nd, wf, f);
	}
	return false;
}

/* ---- the NIC's buffers, offered to a wire that copies frames in ------------ */

/*
 * A wire that cannot lend (TAP) copies each frame into buffers the NIC
 * offers (nm_wire_rxbufs.get, asked only by such a wire).  The NIC
 * predicts the queue (the last split frame's) and the header length (the
 * queue's last) and offers that queue's posted buffers: the header length
 * into a header buffer, the rest after a small headroom into payload
 * buffers.  Nothing is committed yet: a right guess is kept where it
 * landed (rx_split_in_place()); anything else is placed from a copy.  When
 * the rings lack buffers the scratch buffer is offered instead.
 */
struct rx_offer {
	struct nm_wire_rxbufs bufs;	/* first: what the wire sees */
	struct nm_netdev *nd;
	bool asked;			/* get() ran */
	bool in_queue;			/* iov is queue pq's posted buffers, else scratch */
	uint32_t pq, H;			/* the queue and header length predicted */
	struct plan hp, pp;		/* what iov covers, planned from pq's rings */
	struct iovec iov[2 * NM_RX_MAX_FRAGS + 2];
	unsigned n;
};

static int offer_get(struct nm_wire_rxbufs *b, struct iovec *iov, unsigned max)
{
	struct rx_offer *o = (struct rx_offer *)b;
	struct nm_netdev *nd = o->nd;
	struct nm_rxq *q;
	int nh, np;

	o->asked = true;
	o->pq = nd->tap_predict < nd->nrx ? nd->tap_predict : 0;
	q = &nd->rxq[o->pq];
	o->H = q->hdr_guess;
	/* the header buffer gets room for the longest header we split */
	if (max >= NM_ARRAY_SIZE(o->iov) &&
	    plan_split(q, NM_RX_MAX_HDR, NM_WIRE_MAX_FRAME - o->H, NM_RX_TAP_HEADROOM, &o->hp,
		       &o->pp)) {
		nh = plan_iov(nd, &o->hp, o->iov, 2);
		if (nh < 0)
			return nh;
		o->iov[0].iov_len = o->H;
		np = plan_iov(nd, &o->pp, o->iov + 1, NM_ARRAY_SIZE(o->iov) - 1);
		if (np < 0)
			return np;
		o->n = (unsigned)np + 1;
		o->in_queue = true;
	} else {
		/* no room to read in place: the scratch buffer, placed from
		 * there (two copies; only when the rings are short) */
		o->iov[0] = (struct iovec){ nd->scratch, NM_WIRE_MAX_FRAME };
		o->n = 1;
		o->in_queue = false;
	}
	memcpy(iov, o->iov, o->n * sizeof(*iov));
	return (int)o->n;
}

/*
 * The frame landed as predicted, in queue o->pq's buffers, and goes there
 * split with a trusted checksum: keep it where it lies.  Headers [0, h)
 * and payload [h, len); the header length guess H was off by h - H,
 * which is fixed with small copies.  head holds the frame's first bytes.
 */
static void rx_split_in_place(struct nm_netdev *nd, struct rx_offer *o, struct rx_frame *f,
			      const uint8_t *head)
{
	struct nm_rxq *q = &nd->rxq[o->pq];
	struct nm_rxq_mem *m = q->mem;
	uint32_t H = o->H, h = f->info.hdr_len, plen = f->info.payload_len, skip;
	struct nm_rx_pkt *pkt = cq_slot(m);
	struct plan hdr_used, pay_used;

	if (!pkt) {
		drop_q(q, NM_RX_DROP_QUEUE_FULL);
		return;
	}
	if (h < H) {
		/* payload bytes [h, H) sit in the header buffer: write them
		 * into the headroom right before the rest */
		if (H - h > NM_RX_TAP_HEADROOM) {
			nm_wire_gather(nd->scratch, o->iov, o->n, 0, f->len);
			rx_place_buf(nd, nd->scratch, f, 1, false);
			q->hdr_guess = h;
			return;
		}
		struct plan pre;

		plan_slice(&o->pp, 0, o->pp.c[0].len, &pre);
		pre.c[0].off -= H - h;
		pre.c[0].len = H - h;
		if (plan_write(nd, &pre, (const uint8_t *)o->iov[0].iov_base + h)) {
			drop_q(q, NM_RX_DROP_DMA);
			return;
		}
		o->pp.c[0].off -= H - h;
		o->pp.c[0].len += H - h;
		skip = 0;
	} else {
		/* header bytes [H, h) landed in front of the payload: copy
		 * them after the first H in the header buffer and skip them */
		if (h > H)
			memcpy((uint8_t *)o->iov[0].iov_base + H, head + H, h - H);
		skip = h - H;
	}
	plan_slice(&o->hp, 0, h, &hdr_used);
	plan_fix_end(&m->hdr_ring, &hdr_used);
	hdr_used.end_used = hdr_used.c[0].off + h;
	plan_slice(&o->pp, skip, plen, &pay_used);
	plan_fix_end(&m->pay_ring, &pay_used);
	ring_commit(&m->hdr_ring, &hdr_used);
	ring_commit(&m->pay_ring, &pay_used);
	pkt_fill(pkt, &hdr_used, &pay_used);
	q->st.csum_ok++;
	q->hdr_guess = h;
	rx_complete(q, pkt, f, NM_RX_F_SPLIT | NM_RX_F_CSUM_OK |
			       (m->unreadable ? NM_RX_F_UNREADABLE : 0));
}

/* The frame landed in the buffers offered from queue o->pq. */
static void rx_landed(struct nm_netdev *nd, struct rx_offer *o, struct rx_frame *f)
{
	uint32_t avail = f->len < NM_RX_MAX_HDR ? f->len : NM_RX_MAX_HDR;
	uint8_t head[NM_RX_MAX_HDR];
	bool split;

	/* the NIC reads its own DMA'd headers to parse them */
	nm_wire_gather(head, o->iov, o->n, 0, avail);
	if (!rx_classify(nd, head, avail, f) || !rx_steer(nd, f))
		return;
	split = f->queue == o->pq && rx_want_split(nd, f) && f->info.hdr_len <= NM_RX_MAX_HDR;
	if (split && (f->meta.flags & (NM_WIRE_F_DATA_VALID | NM_WIRE_F_NEEDS_CSUM))) {
		rx_split_in_place(nd, o, f, head);
		return;
	}
	/* not split here, another queue, or a checksum to verify: take the
	 * frame out once (the NIC's DMA read) and place it */
	nm_wire_gather(nd->scratch, o->iov, o->n, 0, f->len);
	if (f->queue != o->pq && f->l4 && f->info.payload_len > nd->hds_thresh)
		nd->tap_predict = f->queue;
	rx_place_buf(nd, nd->scratch, f, rx_csum_buf(nd, nd->scratch, f), false);
}

/* ---- one frame from the wire: the one way in -------------------------------- */

/* What a capture records: the frame as the wire delivered it. */
static void rx_capture(struct nm_netdev *nd, const struct nm_wire_frame *wf,
		       const struct rx_offer *o)
{
	struct iovec v[1 + NM_WIRE_REF_IOV] = { { (void *)wf->data, wf->len } };

	if (wf->ref) {
		v[0].iov_len = wf->head_len;
		memcpy(v + 1, wf->ref->iov, wf->ref->n * sizeof(*v));
		nm_capture_frame(nd->cap, v, 1 + wf->ref->n, wf->len);
	} else if (wf->data)
		nm_capture_frame(nd->cap, v, 1, wf->len);
	else
		nm_capture_frame(nd->cap, o->iov, o->n, wf->len);
}

/* Would a lent frame be copied anyway?  The queue a wire that copies would
 * fill (the predicted one, offer_get) is device memory, or lending is off. */
static bool rx_prefer_copy(const struct nm_netdev *nd)
{
	const struct nm_rxq_mem *m = nd->rxq[nd->tap_predict < nd->nrx ? nd->tap_predict : 0].mem;

	return !(nd->features & NM_NETIF_F_RX_LOAN) || (m && m->unreadable);
}

int nm_nic_rx_frame(struct nm_netdev *nd)
{
	struct rx_frame f = { 0 };
	struct nm_wire_frame wf;
	struct rx_offer o;		/* 1.3 KiB: only what every frame needs is set */
	const uint8_t *buf;
	bool lent = false;
	int ret;

	o.bufs.get = offer_get;
	o.bufs.prefer_copy = rx_prefer_copy(nd);
	o.nd = nd;
	o.asked = false;
	o.in_queue = false;
	wf.ref = NULL;
	ret = nm_wire_rx(nd->wire, &o.bufs, &wf);
	if (ret == -EAGAIN)
		return 0;
	if (ret < 0)
		return ret;
	if (nm_unlikely(!wf.data && !o.asked))
		return nm_err(EIO, "%s: wire %s delivered a frame into no buffers", nd->name,
			      nd->wire->name);
	if (nm_unlikely(nd->cap))
		rx_capture(nd, &wf, &o);
	f.len = wf.len;
	f.meta = wf.meta;
	if (nm_unlikely(wf.ref != NULL)) {
		if (rx_ref_frame(nd, &wf, &f))
			nm_wire_hold(nd->wire);		/* lent, as below */
		else
			nm_wire_consume(nd->wire);	/* the sender may have it back */
		return 1;
	}
	/* where it lies: lent by the wire, in the scratch buffer, or (NULL)
	 * in the queue buffers offered */
	buf = wf.data ? wf.data : o.in_queue ? NULL : nd->scratch;
	if (f.len > NM_WIRE_MAX_FRAME)
		drop_dev(nd, NM_RX_DROP_TOO_LONG);
	else if (!buf)
		rx_landed(nd, &o, &f);
	else if (rx_classify(nd, buf, f.len, &f) && rx_steer(nd, &f))
		lent = rx_place_buf(nd, buf, &f, rx_csum_buf(nd, buf, &f), wf.data != NULL);
	if (wf.data) {
		/* kept on loan (pressure is acted on by the next poll's
		 * reclaim: a producer that fills the rest of the wire waits
		 * until then), or done with */
		if (lent)
			nm_wire_hold(nd->wire);
		else
			nm_wire_consume(nd->wire);
	}
	return 1;
}

/* ---- API ------------------------------------------------------------------ */

/* Payload referenced in the sender's memory is copied once into our
 * buffers; a lent arena frame is not copied at all.  So ask for device
 * payloads where we would copy anyway: a queue of device memory, or
 * lending off (host queues beside a device one then copy too: still one
 * copy, but not the zero of a loan).  Ask for host payloads (the sender's
 * send ring) only where we lend them, on a wire that can: a host queue
 * with lending on and no device queue.  Where we would copy them, the
 * arena copy measured faster (bench_devmem_rx: send -> devmem RX fell by
 * about 10 % with the ring referenced: the receiving thread, the
 * bottleneck, then reads the sender's ring instead of the arena's
 * cache-warm first MiB); and a device payload we cannot lend is better
 * copied into the arena by the sender's NIC than twice by our thread
 * (netmem bench's devmem TX -> copy receiver fell from 35 to 24 Gbit/s). */
static int rx_want_ref(const struct nm_netdev *nd)
{
	if (!(nd->features & NM_NETIF_F_RX_LOAN))
		return NM_WIRE_WANT_DEV;
	for (uint32_t i = 0; i < nd->nrx; i++)
		if (nd->rxq[i].mem && nd->rxq[i].mem->unreadable)
			return NM_WIRE_WANT_DEV;
	return nd->wire->lend_refs ? NM_WIRE_WANT_HOST : NM_WIRE_WANT_NONE;
}

int nm_netdev_poll(struct nm_netdev *nd, uint32_t budget)
{
	uint32_t n = 0;
	int ret = 0;

	if (!nd)
		return nm_err(EINVAL, "NULL netdev");
	/* Refill before taking frames, not after: buffers come back between
	 * polls (a devmem application returning tokens), and posting them
	 * first keeps frames from meeting an empty ring.  One refill per
	 * poll covers what the previous poll consumed as well. */
	for (uint32_t i = 0; i < nd->nrx; i++)
		nm_rxq_refill(&nd->rxq[i]);
	/* frames the stack finished with since the last poll go back to
	 * the wire first: the producer may be waiting for their room */
	nm_netdev_rx_reclaim(nd);
	/* our own frames the peer consumed give their payload back; and the
	 * peer hears whether we want payloads referenced */
	nm_wire_tx_complete(nd->wire);
	nm_wire_rx_want_ref(nd->wire, rx_want_ref(nd));
	while (n < budget) {
		ret = nm_nic_rx_frame(nd);
		if (ret <= 0)
			break;
		n++;
	}
	return n ? (int)n : ret;
}

int nm_netdev_rx_poll(struct nm_netdev *nd, uint32_t qi, struct nm_rx_pkt *out, uint32_t n)
{
	struct nm_rxq_mem *m;
	uint32_t k = 0;

	if (!nd || (!out && n))
		return nm_err(EINVAL, "NULL argument");
	if (qi >= nd->nrx)
		return nm_err(ERANGE, "rx queue %u out of range", qi);
	m = nd->rxq[qi].mem;
	while (m && k < n && m->cq_head != m->cq_tail)
		out[k++] = m->cq[m->cq_head++ & m->cq_mask];
	return (int)k;
}

int nm_netdev_rx_reclaim(struct nm_netdev *nd)
{
	if (!nd)
		return nm_err(EINVAL, "NULL netdev");
	if (nd->loan)
		nm_rx_loan_reclaim(nd);
	return 0;
}

void nm_rx_pkt_release(struct nm_rx_pkt *pkt)
{
	if (!pkt)
		return;
	if (pkt->hdr)
		nm_page_pool_put_netmem(nm_netmem_pool(pkt->hdr), pkt->hdr, false);
	for (uint32_t i = 0; i < pkt->nr_frags && i < NM_RX_MAX_FRAGS; i++)
		nm_page_pool_put_netmem(nm_netmem_pool(pkt->frags[i].netmem),
					pkt->frags[i].netmem, false);
	pkt->hdr = 0;
	pkt->nr_frags = 0;
}
