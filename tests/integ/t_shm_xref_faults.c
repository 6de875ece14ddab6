/* SPDX-License-Identifier: MIT */
/*
 * References across processes under faults: the transfer of
 * t_shm_xref_devmem (devmem TX in process A -> devmem RX in process B over
 * create/connect, payload referenced in A's shared dma-buf) with 1 % loss,
 * 1 % reordering and 0.5 % duplication both ways, NM_SHM_XREF_MB MiB
 * (default 256), byte-exact at B; referenced frames were lost, held back
 * and duplicated, and every reference came back to A by the end.
 */
#include "t_xproc.h"

int main(void)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32 << 20,
					 .mtu = 9000 };
	const char *env = getenv("NM_SHM_XREF_MB");
	struct t_xp_run r = { .total = (env ? strtoull(env, NULL, 10) : 256) << 20, .wp = &wp,
			      .timeout_s = 240 };

	T_XP_NEED_REFS();
	t_wfaults_lossy(&wp, 1818);
	t_xp_devmem(&r);
	printf("%llu MiB in %.2f s; A: %llu referenced, %llu copied, lost %llu dup %llu "
	       "reordered %llu; B: %llu referenced read\n",
	       (unsigned long long)(r.total >> 20), (double)r.us / 1e6,
	       (unsigned long long)r.wa.tx_refs, (unsigned long long)r.wa.tx_ref_copied,
	       (unsigned long long)r.wa.inj_lost, (unsigned long long)r.wa.inj_dup,
	       (unsigned long long)r.wa.inj_reordered, (unsigned long long)r.wb.rx_refs);
	T_ASSERT(r.wa.tx_refs > 1000 && r.wb.rx_refs > 1000);
	T_EQ(r.wa.tx_ref_copied, 0);
	T_ASSERT(r.wa.inj_lost > 0 && r.wa.inj_dup > 0 && r.wa.inj_reordered > 0);
	T_ASSERT(r.wb.inj_lost > 0);	/* B's ACKs were lost too */
	T_EQ(r.wb.rx_invalid, 0);
	T_PASS();
}
