/* SPDX-License-Identifier: MIT */
/*
 * References across processes need both sides: a creator with no_refs set,
 * and then a connecting side under NM_SHM_REFS=0, each still move the
 * devmem stream from process A to process B byte-exact, on the arena copy
 * (no frame referenced, no object shared, no frame copied as a fallback).
 * Runs under NM_SHM_REFS=0 too (both sides off).
 */
#include "t_xproc.h"

static void t_round(bool creator_off, bool connector_off)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32 << 20,
					 .mtu = 9000, .no_refs = creator_off };
	struct t_xp_run r = { .total = 32u << 20, .wp = &wp, .b_no_refs = connector_off };

	t_xp_devmem(&r);
	printf("creator %s, connector %s: %llu frames, %llu referenced\n",
	       creator_off ? "off" : "on", connector_off ? "off" : "on",
	       (unsigned long long)r.wa.tx_frames, (unsigned long long)r.wa.tx_refs);
	T_ASSERT(r.wa.tx_frames > 3000);
	T_EQ(r.wa.tx_refs + r.wb.tx_refs + r.wa.rx_refs + r.wb.rx_refs, 0);
	T_EQ(r.wa.tx_ref_copied + r.wa.ref_objs + r.wb.ref_objs, 0);
	T_ASSERT(r.wa.tx_bytes >= r.total);	/* the payload crossed in the arena */
}

int main(void)
{
	t_round(true, false);
	t_round(false, true);
	T_PASS();
}
