/* SPDX-License-Identifier: MIT */
/*
 * Wire dispatch: the nm_wire_* entry points every wire shares.  They
 * validate what can be checked without knowing the implementation (the
 * wire, its ops table, iovec shape, output pointers) and then call through
 * w->ops, so each implementation's fast path sees only well-formed
 * arguments and never branches on which wire it is.
 *
 * Rules enforced here, the same for every wire:
 *  - iovcnt is at most NM_WIRE_MAX_IOV (64, from wire.h): a frame is a
 *    handful of pieces (headers + a few payload fragments), 64 leaves room
 *    for a 64 KiB GSO frame in 1 KiB chunks and keeps validation bounded.
 *  - iov may be NULL only when iovcnt is 0; an entry with a NULL base must
 *    have length 0.
 *  - meta is optional everywhere (NULL: no offload on xmit, not wanted on
 *    rx_copy/peek).
 *  - peek/consume on a wire without zero-copy receive: -EOPNOTSUPP, and
 *    rx (the NIC's way in) on a wire without it.
 *  - get_fd on a wire without an fd returns -1 (poll by calling rx_copy), as
 *    wire.h documents; a NULL wire is -EINVAL.
 *
 * Workload: called once per frame; the checks are a few compares and a
 * loop over (usually one to three) iovec entries.
 */
#include <stddef.h>
#include <string.h>

#include <netmem/wire.h>

#include "nic/wire_drv.h"
#include "util/err.h"
#include "util/stats.h"

static int nm_wire_check(const struct nm_wire *w)
{
	if (nm_unlikely(!w))
		return nm_err(EINVAL, "wire is NULL");
	if (nm_unlikely(!w->ops))
		return nm_err(EINVAL, "wire %p has no ops (destroyed?)", (const void *)w);
	return 0;
}

static int nm_wire_check_iov(const struct iovec *iov, unsigned iovcnt)
{
	if (nm_unlikely(iovcnt > NM_WIRE_MAX_IOV))
		return nm_err(EINVAL, "iovcnt %u > %u", iovcnt, NM_WIRE_MAX_IOV);
	if (nm_unlikely(!iov && iovcnt))
		return nm_err(EINVAL, "iov is NULL with iovcnt %u", iovcnt);
	for (unsigned i = 0; i < iovcnt; i++)
		if (nm_unlikely(!iov[i].iov_base && iov[i].iov_len))
			return nm_err(EINVAL, "iov[%u] has a NULL base and length %zu", i,
				      iov[i].iov_len);
	return 0;
}

/* A reference's pieces must hold exactly its len bytes: the receiver sizes
 * its buffers by len (a frame of at most the wire's maximum) and copies the
 * pieces, so a longer sum would overrun them. */
static int nm_wire_check_ref(const struct nm_wire_ref *ref)
{
	uint64_t sum = 0;
	int r = nm_wire_check_iov(ref->iov, ref->n);

	if (r)
		return r;
	for (unsigned i = 0; i < ref->n; i++)
		sum += ref->iov[i].iov_len;
	if (nm_unlikely(sum != ref->len))
		return nm_err(EINVAL, "reference of %u bytes in pieces of %llu", ref->len,
			      (unsigned long long)sum);
	return 0;
}

int nm_wire_xmit(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		 const struct nm_wire_meta *meta)
{
	int r = nm_wire_check(w);

	if (r)
		return r;
	r = nm_wire_check_iov(iov, iovcnt);
	if (r)
		return r;
	if (nm_unlikely(!w->ops->xmit))
		return nm_err(EOPNOTSUPP, "%s wire cannot transmit", w->ops->kind);
	return w->ops->xmit(w, iov, iovcnt, meta);
}

int nm_wire_rx_copy(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		 struct nm_wire_meta *meta)
{
	int r = nm_wire_check(w);

	if (r)
		return r;
	r = nm_wire_check_iov(iov, iovcnt);
	if (r)
		return r;
	if (nm_unlikely(!w->ops->rx_copy))
		return nm_err(EOPNOTSUPP, "%s wire cannot receive", w->ops->kind);
	return w->ops->rx_copy(w, iov, iovcnt, meta);
}

uint32_t nm_wire_copy_out(const struct iovec *iov, unsigned iovcnt, const uint8_t *src,
			  uint32_t len)
{
	uint32_t done = 0;

	for (unsigned i = 0; i < iovcnt && done < len; i++) {
		size_t n = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;

		memcpy(iov[i].iov_base, src + done, n);
		done += (uint32_t)n;
	}
	return done;
}

int nm_wire_peek(struct nm_wire *w, const uint8_t **frame, uint32_t *len,
		 struct nm_wire_meta *meta)
{
	int r = nm_wire_check(w);

	if (r)
		return r;
	if (nm_unlikely(!frame || !len))
		return nm_err(EINVAL, "frame or len pointer is NULL");
	if (!w->ops->peek)
		return nm_err(EOPNOTSUPP, "%s wire has no zero-copy receive; use rx_copy",
			      w->ops->kind);
	return w->ops->peek(w, frame, len, meta);
}

int nm_wire_rx(struct nm_wire *w, struct nm_wire_rxbufs *bufs, struct nm_wire_frame *f)
{
	int r = nm_wire_check(w);

	if (r)
		return r;
	if (nm_unlikely(!bufs || !bufs->get || !f))
		return nm_err(EINVAL, "buffers, their get or the frame pointer is NULL");
	if (nm_unlikely(!w->ops->rx))
		return nm_err(EOPNOTSUPP, "%s wire cannot receive for a NIC",
			      w->ops->kind);
	return w->ops->rx(w, bufs, f);
}

int nm_wire_consume(struct nm_wire *w)
{
	int r = nm_wire_check(w);

	if (r)
		return r;
	if (!w->ops->consume)
		return nm_err(EOPNOTSUPP, "%s wire has no zero-copy receive",
			      w->ops->kind);
	return w->ops->consume(w);
}

int nm_wire_hold(struct nm_wire *w)
{
	int r = nm_wire_check(w);

	if (r)
		return r;
	if (!w->ops->hold)
		return nm_err(EOPNOTSUPP, "%s wire cannot lend frames", w->ops->kind);
	return w->ops->hold(w);
}

int nm_wire_release(struct nm_wire *w, uint32_t n)
{
	int r = nm_wire_check(w);

	if (r)
		return r;
	if (!w->ops->release)
		return nm_err(EOPNOTSUPP, "%s wire cannot lend frames",
			      w->ops->kind);
	return w->ops->release(w, n);
}

bool nm_wire_can_lend(const struct nm_wire *w)
{
	return w && w->ops && w->ops->peek && w->ops->hold && w->ops->release;
}

bool nm_wire_ref_ok(struct nm_wire *w, bool host)
{
	return w && w->ops && w->ops->ref_ok && w->ops->ref_ok(w, host);
}

int nm_wire_xmit_ref(struct nm_wire *w, const struct iovec *hdr, unsigned n,
		     const struct nm_wire_ref *ref, const struct nm_wire_meta *meta)
{
	int r = nm_wire_check(w);

	if (r)
		return r;
	r = nm_wire_check_iov(hdr, n);
	if (r)
		return r;
	if (nm_unlikely(!ref || !ref->n || ref->n > NM_WIRE_REF_IOV || !ref->release))
		return nm_err(EINVAL, "reference NULL, without pieces or release");
	r = nm_wire_check_ref(ref);
	if (r)
		return r;
	if (nm_unlikely(!w->ops->xmit_ref))
		return nm_err(EOPNOTSUPP, "%s wire takes no references", w->ops->kind);
	return w->ops->xmit_ref(w, hdr, n, ref, meta);
}

void nm_wire_tx_complete(struct nm_wire *w)
{
	if (w && w->ops && w->ops->tx_complete)
		w->ops->tx_complete(w);
}

void nm_wire_ref_revoke(struct nm_wire *w)
{
	if (w && w->ops && w->ops->ref_revoke)
		w->ops->ref_revoke(w);
}

void nm_wire_rx_want_ref(struct nm_wire *w, int want)
{
	if (w && w->ops && w->ops->rx_want_ref)
		w->ops->rx_want_ref(w, want);
}

void nm_wire_ref_give_back(struct nm_wire *w)
{
	if (w && w->ops && w->ops->ref_give_back)
		w->ops->ref_give_back(w);
}

int nm_wire_get_fd(struct nm_wire *w)
{
	int r = nm_wire_check(w);

	if (r)
		return r;
	if (!w->ops->get_fd)
		return -1;	/* wire_drv.h: no fd, poll by calling rx_copy/peek */
	return w->ops->get_fd(w);
}

int nm_wire_arm(struct nm_wire *w)
{
	int r = nm_wire_check(w);

	if (r)
		return r;
	return w->ops->arm ? w->ops->arm(w) : 0;
}

void nm_wire_tx_batch(struct nm_wire *w, bool on)
{
	if (w && w->ops && w->ops->tx_batch)
		w->ops->tx_batch(w, on);
}

int nm_wire_get_stats(struct nm_wire *w, struct nm_wire_stats *st, size_t size)
{
	NM_API_CALL();
	struct nm_wire_stats mine;
	int r = nm_wire_check(w);

	if (r)
		return r;
	if (!st)
		return nm_err(EINVAL, "stats pointer is NULL");
	if (!w->ops->get_stats)
		return nm_err(EOPNOTSUPP, "%s wire keeps no stats", w->ops->kind);
	r = w->ops->get_stats(w, &mine);
	if (r < 0)
		return r;
	return nm_stats_copy(st, size, &mine, sizeof(mine));
}

uint32_t nm_wire_mtu(const struct nm_wire *w)
{
	return w ? w->mtu : 0;
}

/* NULL is a no-op, like free(). */
void nm_wire_destroy(struct nm_wire *w)
{
	if (!w || !w->ops || !w->ops->destroy)
		return;
	w->ops->destroy(w);
}
