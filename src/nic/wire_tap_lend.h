/* SPDX-License-Identifier: MIT */
#ifndef NM_NIC_WIRE_TAP_LEND_H
#define NM_NIC_WIRE_TAP_LEND_H

/*
 * Frames lent from a TAP engine's slots (the io_uring engine's and the
 * reader thread's, wire_tap_uring.c and wire_tap_reader.c): what both
 * keep of the frames they handed on, and the view of a slot the NIC gets.
 * A frame handed on is consumed or held; a slot goes back to its engine
 * only once it and every slot handed on before it are consumed or
 * released (frames go back oldest first, as a NIC's RX ring moves on).
 *
 * Invariants: the taken FIFO holds, in the order they were handed on, the
 * slots not yet given back; nheld counts the held ones among them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "nic/wire_tap.h"
#include "util/err.h"

#define NM_TAP_SLOTS		64	/* 4.3 MiB, a 64 KiB GSO frame each */
#define NM_TAP_SLOT_MASK	(NM_TAP_SLOTS - 1)
#define NM_TAP_SLOT_SZ		((NM_TAP_VNET_SZ + NM_TAP_RX_ROOM + 4095) & ~4095)
_Static_assert((NM_TAP_SLOTS & NM_TAP_SLOT_MASK) == 0, "slots: a power of two");

struct nm_tap_lend {
	uint8_t taken[NM_TAP_SLOTS];
	uint8_t held[NM_TAP_SLOTS];
	uint32_t thead, ttail, nheld;
};

/* Slot s (len bytes read, vnet header included) as the NIC sees it: the
 * frame after the vnet header and its offloads. */
static inline void nm_tap_slot_view(const struct nm_wire_tap *t, const uint8_t *b, uint32_t len,
				    const uint8_t **frame, uint32_t *flen,
				    struct nm_wire_meta *meta)
{
	*frame = b + t->vnet_sz;
	*flen = len - t->vnet_sz;
	if (!meta)
		return;
	if (t->vnet_sz)
		nm_tap_meta_from_vnet((const struct nm_tap_vnet_hdr *)b, meta);
	else
		memset(meta, 0, sizeof(*meta));
}

/* Slot s was handed on and is now consumed (hold false) or held.  true:
 * nothing taken before it and not held, so the caller gives it back now. */
static inline bool nm_tap_lend_take(struct nm_tap_lend *l, uint32_t s, bool hold)
{
	if (!hold && l->thead == l->ttail)
		return true;
	l->held[s] = hold;
	l->nheld += hold;
	l->taken[l->ttail++ & NM_TAP_SLOT_MASK] = (uint8_t)s;
	return false;
}

/* More than half of the slots out of the engine's reach behind a held
 * frame: the NIC should give frames back. */
static inline int nm_tap_lend_pressure(const struct nm_tap_lend *l)
{
	return l->nheld && l->ttail - l->thead > NM_TAP_SLOTS / 2;
}

/* Give back the n oldest held frames and the consumed ones between and
 * behind them, up to the next frame still held: their slots in out[]
 * (room for NM_TAP_SLOTS), how many; -EINVAL if fewer than n are held. */
static inline int nm_tap_lend_release(struct nm_tap_lend *l, uint32_t n, uint8_t *out)
{
	int k = 0;

	if (n > l->nheld)
		return nm_err(EINVAL, "release of %u frames, %u held", n, l->nheld);
	while (l->thead != l->ttail) {
		uint8_t s = l->taken[l->thead & NM_TAP_SLOT_MASK];

		if (l->held[s]) {
			if (!n)
				break;
			n--;
			l->nheld--;
		}
		l->thead++;
		out[k++] = s;
	}
	return k;
}

#endif /* NM_NIC_WIRE_TAP_LEND_H */
