/* SPDX-License-Identifier: MIT */
/*
 * The send ring's memory and the segments that keep it (tcp_sring.h).
 *
 * Why generations and not a list of ranges: a segment comes back when the
 * peer is done with every frame cut from it, mostly in the order sent, but
 * a retransmission, a frame the wire holds back or a payload the peer's
 * application keeps longer comes back late.  Two counters with a low mark
 * each tell the tcb how far it may write at O(1) per segment; the price is
 * that a generation's low mark stays until the whole generation is back
 * (new segments go into the other one once it drained), so the tcb may see
 * some bytes held that are not.
 */
#include <stdlib.h>

#include <netmem/dma.h>
#include <netmem/mem.h>

#include "net/skb.h"
#include "net/tcp.h"
#include "net/tcp_sring.h"
#include "util/bits.h"
#include "util/err.h"

static void sring_free(struct nm_tcp_sring *r)
{
	if (r->map)
		nm_dma_unmap(r->map);
	if (r->obj)
		nm_memobj_put(r->obj);
	free(r);
}

static void sring_put(struct nm_tcp_sring *r)
{
	if (!--r->refs)
		sring_free(r);
}

int nm_tcp_sring_new(struct nm_device *dev, uint32_t size, struct nm_tcp_sring **out)
{
	struct nm_phyr phyrs[64];
	struct nm_tcp_sring *r;
	int n, ret;

	r = calloc(1, sizeof(*r));
	if (!r)
		return nm_err(ENOMEM, "no memory for a send ring");
	r->refs = 1;
	ret = nm_memobj_create_anon(size, 0, &r->obj);
	if (ret)
		goto fail;
	n = nm_memobj_get_phyrs(r->obj, 0, size, NULL, 0);
	if (n <= 0 || n > (int)NM_ARRAY_SIZE(phyrs)) {
		ret = nm_err(ENOMEM, "send buffer of %u bytes in %d pieces", size, n);
		goto fail;
	}
	nm_memobj_get_phyrs(r->obj, 0, size, phyrs, (size_t)n);
	ret = nm_dma_map(dev, phyrs, (size_t)n, NM_DMA_TO_DEVICE, 0, &r->map);
	if (ret < 0) {
		r->map = NULL;
		goto fail;
	}
	*out = r;
	return 0;
fail:
	sring_free(r);
	return ret;
}

void nm_tcp_sring_drop(struct nm_tcp_sring *r)
{
	r->tp = NULL;
	sring_put(r);
}

/* The destructor of a segment carrying ring bytes: the NIC (and any wire
 * that referenced them) is done.  A tcb that waited for held bytes hears
 * it once the last segment of a generation came back. */
static void sring_skb_done(struct nm_skb *skb)
{
	uintptr_t o = (uintptr_t)skb->owner;
	struct nm_tcp_sring *r = (struct nm_tcp_sring *)(o & ~(uintptr_t)1);

	skb->destructor = NULL;
	skb->owner = NULL;
	if (!--r->gen[o & 1].n && r->blocked && r->tp) {
		r->blocked = false;
		nm_tcp_notify(r->tp);
	}
	sring_put(r);
}

void nm_tcp_sring_hold(struct nm_tcp_sring *r, struct nm_skb *skb, uint32_t seq)
{
	unsigned g;

	if (!r->gen[!r->cur].n && r->gen[r->cur].n)
		r->cur = (uint8_t)!r->cur;	/* the other one drained */
	g = r->cur;
	if (!r->gen[g].n || seq_lt(seq, r->gen[g].low))
		r->gen[g].low = seq;
	r->gen[g].n++;
	r->refs++;
	skb->destructor = sring_skb_done;
	skb->owner = (void *)((uintptr_t)r | g);
}

bool nm_tcp_sring_held_low(const struct nm_tcp_sring *r, uint32_t *seq)
{
	bool any = false;

	for (unsigned g = 0; g < 2; g++) {
		if (!r->gen[g].n)
			continue;
		if (!any || seq_lt(r->gen[g].low, *seq))
			*seq = r->gen[g].low;
		any = true;
	}
	return any;
}

int nm_tcp_sring_check(const struct nm_tcp_sring *r)
{
	if (r->refs != (r->tp != NULL) + r->gen[0].n + r->gen[1].n)
		return nm_err(EUCLEAN, "send ring counted %u times: tcb %d, segments %u + %u",
			      r->refs, r->tp != NULL, r->gen[0].n, r->gen[1].n);
	return 0;
}
