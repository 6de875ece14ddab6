/* SPDX-License-Identifier: MIT */
/*
 * Frames on loan: payload received by reference from a wire that can lend
 * (shm: nm_wire_ops.hold/release), instead of copied into the RX queue's
 * buffers.
 *
 * On a wire between two netmem stacks the frame already lies in memory the
 * receiver can read, as an skb handed over a veth pair does.  Copying its
 * payload into posted buffers was the receiver's largest cost (a third of a
 * receiving thread at 10 GB/s), so for a host-memory (readable) queue the
 * NIC copies only the headers and hands the payload up in place: one frag
 * whose netmem is a loan handle, a struct nm_page whose vaddr is the
 * frame's first byte in the wire.  Device-memory queues still get a copy:
 * their payload must land in the dma-buf.
 *
 * Handles come from a page pool of their own (descriptors, no memory), so
 * frags hold and drop references as for any buffer.  The NIC keeps one
 * reference on each lent frame's handle, in a FIFO in wire order; a frame
 * whose handle is down to that one reference has been consumed by the
 * stack and goes back to the wire (nm_rx_loan_reclaim(), every poll).
 *
 * Frames go back oldest first, so one frame an application never reads
 * would hold the whole wire once the producer wraps around to it.  The
 * wire says when what the oldest lent frame blocks is half of its buffer
 * or ring (pressure); the NIC then copies the oldest still-held frames out
 * (migrate: their handles point at a private copy from then on, freed when
 * the handle is next used) and gives them back.  In a stream whose reader
 * keeps up that never happens.  Destroying the netdev migrates every frame
 * still held, so a packet outlives the wire it came on.
 *
 * Invariants:
 *  1. FIFO entries are the wire's held frames, oldest at head: the wire
 *     holds exactly tail - head frames.
 *  2. Each entry's handle has pp_ref_count >= 1 (the NIC's) and vaddr
 *     inside the wire's receive buffer.
 *  3. A handle with a private copy (bounce) is not in the FIFO.
 *
 * Caller owns the netdev (its stack thread), as for the rest of rx.c.
 */
#include <stdlib.h>
#include <string.h>


#include "nic/nic_internal.h"
#include "nic/wire_drv.h"
#include "pool/memory_provider.h"
#include "util/bits.h"
#include "util/err.h"

/* Handles: no memory of their own.  buf_size only bounds frag offsets. */
#define NM_LOAN_BUF_SIZE	(128u << 10)	/* > the largest frame */

struct nm_loan_handle {
	struct nm_page pg;		/* first: the netmem */
	void *bounce;			/* private copy after a migration, or NULL */
};

struct nm_loan_ent {
	nm_netmem_t h;
	uint32_t len;			/* frame bytes from vaddr */
};

struct nm_rx_loan {
	struct nm_page_pool *pool;
	struct nm_loan_ent *fifo;
	uint32_t mask, head, tail;
};

static struct nm_loan_handle *handle_of(nm_netmem_t nm)
{
	return (struct nm_loan_handle *)nm_netmem_to_page(nm);
}

/* ---- the handles' memory provider ---------------------------------------- */

static int loan_mp_init(struct nm_page_pool *pool)
{
	return nm_page_pool_set_buf_size(pool, NM_LOAN_BUF_SIZE);
}

static void loan_mp_destroy(struct nm_page_pool *pool)
{
	(void)pool;
}

static int loan_mp_alloc(struct nm_page_pool *pool, nm_netmem_t *out, unsigned int n)
{
	unsigned int i;

	(void)pool;
	for (i = 0; i < n; i++) {
		struct nm_loan_handle *lh = calloc(1, sizeof(*lh));

		if (!lh)
			break;
		lh->pg.desc.magic = NM_NETMEM_MAGIC_PAGE;
		atomic_init(&lh->pg.desc.pp_ref_count, 0);
		out[i] = nm_page_to_netmem(&lh->pg);
	}
	return i ? (int)i : nm_err(ENOMEM, "no memory for frame handles");
}

static bool loan_mp_release(struct nm_page_pool *pool, nm_netmem_t nm)
{
	struct nm_loan_handle *lh = handle_of(nm);

	(void)pool;
	free(lh->bounce);
	free(lh);
	return true;
}

static const struct nm_memory_provider_ops nm_mp_loan_ops = {
	.name = "wire-loan",
	.init = loan_mp_init,
	.destroy = loan_mp_destroy,
	.alloc_netmems = loan_mp_alloc,
	.release_netmem = loan_mp_release,
	.unreadable = false,
};

/* ---- setup ----------------------------------------------------------------- */

int nm_rx_loan_init(struct nm_netdev *nd, uint32_t max_frames)
{
	struct nm_page_pool_params pp = { .dev = nd->dev, .dir = NM_DMA_FROM_DEVICE,
					  .mp_ops = &nm_mp_loan_ops };
	struct nm_rx_loan *l;
	uint32_t size = nm_roundup_pow2(max_frames);
	int r;

	l = calloc(1, sizeof(*l));
	if (!l)
		return nm_err(ENOMEM, "no memory");
	l->fifo = calloc(size, sizeof(*l->fifo));
	if (!l->fifo) {
		free(l);
		return nm_err(ENOMEM, "no memory for %u entries", size);
	}
	l->mask = size - 1;
	r = nm_page_pool_create(&pp, &l->pool);
	if (r < 0) {
		free(l->fifo);
		free(l);
		return nm_err_wrap(r, "the RX loan's handle pool");
	}
	nd->loan = l;
	return 0;
}

/* Give frame e back now: copy what the handle shows into a private buffer
 * first if the stack still holds it.  false: no memory for the copy (the
 * frame stays lent). */
static bool loan_migrate(struct nm_rx_loan *l, const struct nm_loan_ent *e)
{
	struct nm_loan_handle *lh = handle_of(e->h);
	void *copy;

	if (nm_netmem_ref_count(e->h) > 1) {
		copy = malloc(e->len);
		if (!copy)
			return false;
		memcpy(copy, lh->pg.vaddr, e->len);
		lh->pg.vaddr = copy;
		lh->bounce = copy;
	}
	nm_page_pool_put_netmem(l->pool, e->h, true);
	return true;
}

uint32_t nm_rx_loan_fini(struct nm_netdev *nd)
{
	struct nm_rx_loan *l = nd->loan;
	uint32_t n = 0, lost = 0;

	if (!l)
		return 0;
	while (l->head != l->tail) {
		const struct nm_loan_ent *e = &l->fifo[l->head & l->mask];

		/* no memory to copy: the packet still points into the wire;
		 * drop our reference all the same so that releasing it frees
		 * the handle (and, with the last one, the pool) */
		if (!loan_migrate(l, e)) {
			nm_page_pool_put_netmem(l->pool, e->h, true);
			lost++;
		}
		l->head++;
		n++;
	}
	if (n)
		nm_wire_release(nd->wire, n);
	nm_page_pool_destroy(l->pool);
	free(l->fifo);
	free(l);
	nd->loan = NULL;
	return lost;
}

/* ---- data path ------------------------------------------------------------- */

bool nm_rx_loan_room(const struct nm_netdev *nd)
{
	const struct nm_rx_loan *l = nd->loan;

	return l && l->tail - l->head <= l->mask;
}

nm_netmem_t nm_rx_loan_take(struct nm_netdev *nd, const uint8_t *frame, uint32_t len)
{
	struct nm_rx_loan *l = nd->loan;
	struct nm_loan_handle *lh;
	nm_netmem_t h;

	if (nm_page_pool_alloc_netmem(l->pool, &h))
		return 0;
	lh = handle_of(h);
	if (nm_unlikely(lh->bounce != NULL)) {	/* migrated last time */
		free(lh->bounce);
		lh->bounce = NULL;
	}
	lh->pg.vaddr = (void *)frame;
	l->fifo[l->tail++ & l->mask] = (struct nm_loan_ent){ h, len };
	nm_page_pool_ref_netmem(h);		/* the packet's; the FIFO keeps the first */
	return h;
}

void nm_rx_loan_reclaim(struct nm_netdev *nd)
{
	struct nm_rx_loan *l = nd->loan;
	uint32_t n = 0;
	int r;

	if (l->head == l->tail)
		return;
	/* the frames the stack is done with, oldest first */
	while (l->head != l->tail) {
		nm_netmem_t h = l->fifo[l->head & l->mask].h;

		if (nm_netmem_ref_count(h) != 1)
			break;
		nm_page_pool_put_netmem(l->pool, h, true);
		l->head++;
		n++;
	}
	r = nm_wire_release(nd->wire, n);
	/* under pressure, copy out the oldest half of what is still lent
	 * until the wire is out of it */
	while (r > 0 && l->head != l->tail) {
		uint32_t k = (l->tail - l->head + 1) / 2, m = 0;

		while (m < k && loan_migrate(l, &l->fifo[l->head & l->mask])) {
			l->head++;
			m++;
		}
		if (!m)
			break;	/* no memory: the frames stay lent */
		nd->dev_st.loan_migrated += m;
		r = nm_wire_release(nd->wire, m);
	}
}
