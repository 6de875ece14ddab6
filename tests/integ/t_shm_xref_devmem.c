/* SPDX-License-Identifier: MIT */
/*
 * One copy across processes: devmem TX from a memfd dma-buf in process A
 * to devmem RX in process B over an shm wire made by nm_wire_shm_create /
 * nm_wire_shm_connect (docs/nic.md, "One copy on the shm wire").  Both
 * sides agree to references in the hello, so A shares its dma-buf's memfd
 * with B once and every device frame carries only its headers in the
 * arena (but payloads under 1 KiB, copied by design): NM_SHM_XREF_MB MiB (default 256), every byte checked by B, every
 * completion in order, and A's counters show the payload went by
 * reference (tx_ref_bytes covers it all, nothing fell back to the arena,
 * one object shared), B's that it mapped that one object and read every
 * referenced frame from it.
 */
#include "t_xproc.h"

int main(void)
{
	const char *env = getenv("NM_SHM_XREF_MB");
	struct t_xp_run r = { .total = (env ? strtoull(env, NULL, 10) : 256) << 20 };

	T_XP_NEED_REFS();
	t_xp_devmem(&r);
	printf("%llu MiB in %.2f s (%.0f MB/s); A: %llu frames, %llu referenced (%llu bytes), "
	       "%llu copied, %llu objects; B: %llu referenced frames read, %llu objects\n",
	       (unsigned long long)(r.total >> 20), (double)r.us / 1e6,
	       (double)r.total / (double)r.us, (unsigned long long)r.wa.tx_frames,
	       (unsigned long long)r.wa.tx_refs, (unsigned long long)r.wa.tx_ref_bytes,
	       (unsigned long long)r.wa.tx_ref_copied, (unsigned long long)r.wa.ref_objs,
	       (unsigned long long)r.wb.rx_refs, (unsigned long long)r.wb.ref_objs);
	T_ASSERT(r.wa.tx_refs > 0);
	T_EQ(r.wa.tx_ref_copied, 0);
	/* Every payload went by reference but those under 1 KiB, which the
	 * NIC copies by design (NM_TX_REF_MIN): so the arena carried headers
	 * (at most 128 bytes a frame: Ethernet, IPv4, TCP with options) and
	 * less than 1 KiB for each frame not referenced. */
	uint64_t unref = r.wa.tx_frames - r.wa.tx_refs;

	T_ASSERT(r.wa.tx_ref_bytes + unref * 1024 >= r.total);
	T_ASSERT(r.wa.tx_bytes - r.wa.tx_ref_bytes <= r.wa.tx_frames * 128 + unref * 1024);
	T_ASSERT(unref * 100 < r.wa.tx_frames);
	T_EQ(r.wa.ref_objs, 1);
	T_EQ(r.wb.ref_objs, 1);
	T_ASSERT(r.wb.rx_refs > 0 && r.wb.rx_refs <= r.wa.tx_refs);
	T_EQ(r.wb.rx_invalid, 0);
	T_EQ(r.wb.ref_revoked, 0);
	T_PASS();
}
