/* SPDX-License-Identifier: MIT */
/*
 * A receiver process killed with frames referencing the sender's memory:
 * B (devmem RX over create/connect) stops reading 8 MiB into a 256 MiB
 * devmem stream from A, A keeps sending until frames naming its dma-buf
 * wait unread in the ring, and then B is SIGKILLed (its alive flag in the
 * region stays set: only the rendezvous connection tells).  A must get
 * every reference back by its own polling within bounds, see the peer
 * gone, and tear down with nothing held: its stack's holds on the binding
 * gone, the binding unbound, the topology destroyed.
 */
#include "t_xproc.h"

int main(void)
{
	struct t_xp_run r = { .total = 256u << 20, .kill_at = 8u << 20, .timeout_s = 60 };

	T_XP_NEED_REFS();
	t_xp_devmem(&r);
	printf("%d slots held references when B died; A sent %llu referenced frames\n",
	       r.refs_at_kill, (unsigned long long)r.wa.tx_refs);
	T_ASSERT(r.refs_at_kill > 0);
	T_ASSERT(r.wa.tx_refs > 0);
	T_PASS();
}
