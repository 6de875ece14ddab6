/* SPDX-License-Identifier: MIT */
/*
 * A devmem stream through a wire that corrupts frames: the shm wire's
 * corrupt fault flips one bit of one byte in 2% of the frames each way
 * (GSO off, so every frame carries complete checksums).  Payload split
 * into device memory is unreadable to TCP, which therefore cannot check
 * it: the NIC's checksum verification, before the split, is all that
 * stands between the wire and the application.  So:
 *  - the whole stream arrives and every byte the application reads
 *    (through the dma-buf's CPU window) is the byte sent;
 *  - each direction's corrupted frames are the receiver's drops: the
 *    NIC's checksum drops (IPv4 header, TCP) and malformed frames, plus
 *    frames whose Ethernet header took the flip (another MAC, an unknown
 *    type).  Only a flip in the source MAC, which nothing checks, leaves a
 *    frame unaccounted: 48 of its bits, at most 1 in 9 flips for the
 *    shortest frame, so a few; anything above that bound got through;
 *  - TCP itself saw no bad checksum (nothing corrupted passed the NIC)
 *    and no device payload went unchecked;
 *  - every token and buffer is back at the end.
 */
#include "t_tcp.h"
#include "t_devmem.h"

#define TOTAL (16ull << 20)

/* The frames `from` corrupted, against what `to` dropped for it. */
static void account(const char *dir, const struct t_end_stats *from, const struct t_end_stats *to)
{
	uint64_t corrupted = from->wire.inj_corrupted;
	uint64_t nic = to->nic.drops[NM_RX_DROP_BAD_CSUM] + to->nic.drops[NM_RX_DROP_MALFORMED] +
		       to->nic.drops[NM_RX_DROP_TOO_LONG];
	uint64_t eth = t_eth_drops(&to->st);
	uint64_t unchecked = t_corrupt_unchecked_bound(corrupted);

	printf("%s: %llu frames corrupted; dropped: NIC bad checksum %llu, malformed %llu, "
	       "too long %llu, Ethernet %llu; unaccounted %lld (bound %llu)\n", dir,
	       (unsigned long long)corrupted,
	       (unsigned long long)to->nic.drops[NM_RX_DROP_BAD_CSUM],
	       (unsigned long long)to->nic.drops[NM_RX_DROP_MALFORMED],
	       (unsigned long long)to->nic.drops[NM_RX_DROP_TOO_LONG], (unsigned long long)eth,
	       (long long)(corrupted - nic - eth), (unsigned long long)unchecked);
	T_ASSERT(corrupted >= 20);
	T_EQ(to->nic.drops[NM_RX_DROP_BAD_CSUM], to->nic.csum_bad);
	T_ASSERT(to->nic.drops[NM_RX_DROP_BAD_CSUM] > 0);
	/* no drop without a corrupted frame behind it ... */
	T_ASSERT(nic + eth <= corrupted);
	/* ... and no corrupted frame past the receiver but those nothing checks */
	T_ASSERT(corrupted - nic - eth <= unchecked);
	T_EQ(to->nic.drops[NM_RX_DROP_NO_BUFFER] + to->nic.drops[NM_RX_DROP_QUEUE_FULL] +
	     to->nic.drops[NM_RX_DROP_DMA], 0);
	T_EQ(to->st.tcp_bad_csum, 0);
	T_EQ(to->st.unreadable_dropped, 0);
}

int main(void)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32u << 20 };
	struct t_net n;
	struct t_dm d;
	struct t_end_stats a, b;
	struct t_progress pg;
	uint64_t txpos = 0, rxpos = 0, dev = 0, lin = 0, t0;
	int lsd, csd, ssd;

	wp.faults[0] = (struct nm_wire_faults){ .seed = 1303, .corrupt = 0.02 };
	wp.faults[1] = (struct nm_wire_faults){ .seed = 1304, .corrupt = 0.02 };
	t_net_up(&n, &wp);
	t_dm_bind(&d, n.ndb, 8u << 20);
	lsd = t_listen(n.sb, AF_INET, 7005, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7005, &ssd);

	t0 = t_now_us();
	t_progress_start(&pg);
	while (rxpos < TOTAL) {
		struct t_dm_rx r = { 0 };
		ssize_t k;

		t_progress_check(&pg, rxpos, TOTAL, 120);
		if (txpos < TOTAL) {
			k = t_dm_send(csd, &txpos, TOTAL - txpos);
			T_ASSERT(k > 0 || k == -EAGAIN);
		}
		t_pump(&n);
		/* fails on any byte that is not the one sent */
		k = t_dm_recv(&d, ssd, 1 << 20, 128, &rxpos, &r);
		T_ASSERT(k > 0 || k == -EAGAIN);
		dev += r.dev_bytes;
		lin += r.lin_bytes;
		t_dm_return(ssd, &r);
	}
	T_EQ(rxpos, TOTAL);
	T_EQ(dev, TOTAL);	/* all of it split into device memory */
	printf("devmem stream through a corrupting wire: %llu bytes (%llu device, %llu linear) "
	       "in %.1f s\n", (unsigned long long)rxpos, (unsigned long long)dev,
	       (unsigned long long)lin, (double)(t_now_us() - t0) / 1e6);

	T_CLOSE_ALL(&n, 50, csd, ssd, lsd);
	t_end_stats_get(&a, n.wa, n.nda, n.sa);
	t_end_stats_get(&b, n.wb, n.ndb, n.sb);
	account("A->B (data)", &a, &b);
	account("B->A (ACKs)", &b, &a);
	t_rx_idle(n.nda);
	t_rx_idle(n.ndb);
	t_dm_unbind(&d);
	t_net_down(&n);
	T_PASS();
}
