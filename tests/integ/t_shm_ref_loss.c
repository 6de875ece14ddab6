/* SPDX-License-Identifier: MIT */
/*
 * One copy on the shm wire, under faults: device bytes sent with devmem TX
 * go over an in-process shm wire as frames that carry only their headers
 * and reference the payload in the sender's dma-buf (docs/nic.md, "One
 * copy on the shm wire"), with 1% loss, 1% reordering and 0.5% duplication
 * both ways.  NM_SHM_REF_MB MiB (default 256) each way, A -> B and then
 * B -> A, byte-exact; the receiving NIC asked for references (lending
 * off), so most device frames were referenced (tx_refs and rx_refs count
 * them) and some referenced frames were lost, held back or duplicated by
 * the injector.  Every completion arrives once, in order, after its bytes
 * were acknowledged (t_dtx_run); at the end nothing is referenced: every
 * binding reference is back, and both stacks' zerocopy state is empty.
 */
#include "t_devmem.h"
#include "t_wire.h"

static void one_way(struct t_net *n, struct nm_netdev *tx_nd, struct nm_stack *txs, int csd,
		    int ssd, uint64_t total, uint64_t seed)
{
	struct t_run r = { .total = total, .host_pct = 10, .hostzc_pct = 50, .seed = seed,
			   .timeout_ms = 240000 };
	struct nm_tcp_zc_stats zs;
	struct t_dtx d;
	int one = 1;

	t_dtx_bind(&d, tx_nd, 8u << 20);
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	t_dtx_run(n, &d, csd, ssd, &r);
	zs = t_dtx_stats(txs, csd);
	T_EQ(zs.next_id, r.ids);
	T_EQ(zs.records + zs.extents + zs.notes, 0);
	printf("%llu MiB in %.2f s, device bytes built %llu for %llu queued\n",
	       (unsigned long long)(total >> 20), (double)r.us / 1e6,
	       (unsigned long long)zs.dev_bytes, (unsigned long long)r.dev_bytes);
	T_ASSERT(zs.dev_bytes > r.dev_bytes);	/* retransmitted from the dma-buf */
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_EQ(t_dtx_wait_refs(n, &d, 5000), 0);
	t_dtx_unbind(&d);
}

int main(void)
{
	struct nm_wire_stats wa, wb;
	struct t_net n;
	uint64_t total;
	int lsd, csd, ssd;

	T_NEED_SHM_REFS();
	total = t_net_up_lossy(&n, 1800);
	/* both receivers copy payloads anyway: they ask for references */
	T_OK(nm_netdev_set_features(n.nda, NM_NETIF_F_RX_LOAN, 0));
	T_OK(nm_netdev_set_features(n.ndb, NM_NETIF_F_RX_LOAN, 0));
	lsd = t_listen(n.sb, AF_INET, 7410, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7410, &ssd);
	one_way(&n, n.nda, n.sa, csd, ssd, total, 5);
	T_OK(nm_close(lsd));
	lsd = t_listen(n.sa, AF_INET, 7411, 4);
	{
		/* B -> A: B connects to A this time */
		struct t_net rev = n;

		rev.sa = n.sb;
		rev.sb = n.sa;
		rev.nda = n.ndb;
		rev.ndb = n.nda;
		rev.ha = n.hb;
		rev.hb = n.ha;
		rev.wa = n.wb;
		rev.wb = n.wa;
		csd = t_connect_pair(&rev, lsd, "198.18.0.1", 7411, &ssd);
		one_way(&rev, n.ndb, n.sb, csd, ssd, total, 6);
	}
	T_OK(nm_close(lsd));
	T_OK(nm_wire_get_stats(n.wa, &wa, sizeof(wa)));
	T_OK(nm_wire_get_stats(n.wb, &wb, sizeof(wb)));
	printf("a->b: %llu referenced sent, %llu received; b->a: %llu, %llu; "
	       "faults a->b lost %llu dup %llu reordered %llu\n",
	       (unsigned long long)wa.tx_refs, (unsigned long long)wb.rx_refs,
	       (unsigned long long)wb.tx_refs, (unsigned long long)wa.rx_refs,
	       (unsigned long long)wa.inj_lost, (unsigned long long)wa.inj_dup,
	       (unsigned long long)wa.inj_reordered);
	T_ASSERT(wa.tx_refs > 1000 && wb.tx_refs > 1000);
	T_ASSERT(wb.rx_refs > 1000 && wa.rx_refs > 1000);
	T_ASSERT(wa.inj_lost > 0 && wa.inj_dup > 0 && wa.inj_reordered > 0);
	T_ASSERT(wb.inj_lost > 0 && wb.inj_dup > 0 && wb.inj_reordered > 0);
	t_net_down(&n);
	T_PASS();
}
