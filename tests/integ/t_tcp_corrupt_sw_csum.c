/* SPDX-License-Identifier: MIT */
/*
 * A TCP stream through a wire that corrupts frames, with RX checksum
 * offload off on both NICs: the stack's own checks (the IPv4 header
 * checksum, TCP's checksum over the host-memory segment) are all that
 * stands between the wire and the application.  The shm wire's corrupt
 * fault flips one bit of one byte in 2% of the frames each way (GSO off,
 * so frames carry complete checksums).
 *  - the whole stream arrives and every byte read is the byte sent;
 *  - each direction's corrupted frames are the receiver's drops: IPv4 bad
 *    headers and TCP bad checksums in the stack, frames the NIC could not
 *    parse, and frames whose Ethernet header took the flip.  Only a flip
 *    in the source MAC, which nothing checks, leaves a frame unaccounted:
 *    at most 1 in 9 flips for the shortest frame; anything above that
 *    bound got through;
 *  - the NIC, told not to, verified nothing.
 */
#include "t_tcp.h"

#define TOTAL (16ull << 20)

/* The frames `from` corrupted, against what `to` dropped for it. */
static void account(const char *dir, const struct t_end_stats *from, const struct t_end_stats *to)
{
	uint64_t corrupted = from->wire.inj_corrupted;
	uint64_t nic = to->nic.drops[NM_RX_DROP_MALFORMED] + to->nic.drops[NM_RX_DROP_TOO_LONG];
	uint64_t eth = t_eth_drops(&to->st);
	uint64_t sw = to->st.ip4_bad_header + to->st.tcp_bad_csum;
	uint64_t unchecked = t_corrupt_unchecked_bound(corrupted);

	printf("%s: %llu frames corrupted; dropped: TCP bad checksum %llu, IPv4 bad header %llu, "
	       "NIC malformed %llu, Ethernet %llu; unaccounted %lld (bound %llu)\n", dir,
	       (unsigned long long)corrupted, (unsigned long long)to->st.tcp_bad_csum,
	       (unsigned long long)to->st.ip4_bad_header, (unsigned long long)nic,
	       (unsigned long long)eth, (long long)(corrupted - nic - eth - sw),
	       (unsigned long long)unchecked);
	T_ASSERT(corrupted >= 20);
	T_ASSERT(to->st.tcp_bad_csum > 0);
	T_EQ(to->nic.csum_ok + to->nic.csum_bad, 0);
	/* no drop without a corrupted frame behind it ... */
	T_ASSERT(nic + eth + sw <= corrupted);
	/* ... and no corrupted frame past the receiver but those nothing checks */
	T_ASSERT(corrupted - nic - eth - sw <= unchecked);
}

int main(void)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32u << 20 };
	struct t_net n;
	struct t_end_stats a, b;
	uint64_t us;
	int lsd, csd, ssd;

	wp.faults[0] = (struct nm_wire_faults){ .seed = 1305, .corrupt = 0.02 };
	wp.faults[1] = (struct nm_wire_faults){ .seed = 1306, .corrupt = 0.02 };
	t_net_up(&n, &wp);
	T_OK(nm_netdev_set_features(n.nda, NM_NETIF_F_RXCSUM, 0));
	T_OK(nm_netdev_set_features(n.ndb, NM_NETIF_F_RXCSUM, 0));
	lsd = t_listen(n.sb, AF_INET, 7006, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7006, &ssd);
	/* fails on any byte that is not the one sent */
	us = t_stream(&n, csd, ssd, TOTAL, 120000);
	printf("stream through a corrupting wire, software checksums: %llu bytes in %.1f s\n",
	       (unsigned long long)TOTAL, (double)us / 1e6);

	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_pump_for(&n, 50);
	t_end_stats_get(&a, n.wa, n.nda, n.sa);
	t_end_stats_get(&b, n.wb, n.ndb, n.sb);
	account("A->B (data)", &a, &b);
	account("B->A (ACKs)", &b, &a);
	t_net_down(&n);
	T_PASS();
}
