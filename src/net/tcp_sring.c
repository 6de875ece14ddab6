/* SPDX-License-Identifier: MIT */
/*
 * The send ring's memory and the segments that keep it (tcp_sring.h).
 *
 * Why generations (struct nm_tcp_gens) and not a list of ranges: a segment
 * comes back when the peer is done with every frame cut from it, mostly in
 * the order sent, but a retransmission, a frame the wire holds back or a
 * payload the peer's application keeps longer comes back late.  Two
 * counters with a low mark each tell the tcb how far it may write at O(1)
 * per segment; the price is that a generation's low mark stays until the
 * whole generation is back, so the tcb may see some bytes held that are
 * not.
 */
#include <stdlib.h>

#include <netmem/dma.h>
#include <netmem/mem.h>

#include "net/net_internal.h"
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
	struct nm_tcp_sring *r;
	int ret;

	r = calloc(1, sizeof(*r));
	if (!r)
		return nm_err(ENOMEM, "no memory for a send ring");
	r->refs = 1;
	ret = nm_dev_tx_buf(dev, size, &r->obj, &r->map);
	if (ret) {
		free(r);
		return nm_err_wrap(ret, "a send ring of %u bytes", size);
	}
	*out = r;
	return 0;
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
	if (nm_tcp_gens_put(&r->held, (unsigned)(o & 1)) && r->blocked && r->tp) {
		r->blocked = false;
		nm_tcp_notify(r->tp);
	}
	sring_put(r);
}

void nm_tcp_sring_hold(struct nm_tcp_sring *r, struct nm_skb *skb, uint32_t seq)
{
	unsigned g = nm_tcp_gens_add(&r->held, seq);

	r->refs++;
	skb->destructor = sring_skb_done;
	skb->owner = (void *)((uintptr_t)r | g);
}

bool nm_tcp_sring_held_low(const struct nm_tcp_sring *r, uint32_t *seq)
{
	return nm_tcp_gens_low(&r->held, seq);
}

int nm_tcp_sring_check(const struct nm_tcp_sring *r)
{
	if (r->refs != (r->tp != NULL) + nm_tcp_gens_count(&r->held))
		return nm_err(EUCLEAN, "send ring counted %u times: tcb %d, segments %u",
			      r->refs, r->tp != NULL, nm_tcp_gens_count(&r->held));
	return 0;
}
