/* SPDX-License-Identifier: MIT */
/*
 * Two copies from send to recv, under faults: plain sends over an
 * in-process shm wire go as frames that carry only their headers and
 * reference the payload in the sender's send ring, and the receiving NIC
 * lends that payload to recv where it lies (docs/nic.md, "Two copies from
 * send to recv"), with 1% loss, 1% reordering and 0.5% duplication both
 * ways.  NM_SHM_REF_MB MiB (default 256) each way, A -> B and then B -> A,
 * byte-exact; most data frames were referenced and lent each way, and the
 * injector lost, held back and duplicated some of them (a retransmission
 * references the same ring bytes again).  At the end no reference is out
 * on either side, and the rings' memory went back with the connections
 * (the ASan build checks it leaked nothing).
 */
#include "t_tcp.h"
#include "t_wire.h"
#include "nic/wire_shm.h"

int main(void)
{
	struct nm_queue_stats qa, qb;
	struct nm_wire_stats wa, wb;
	struct t_net n;
	uint64_t total;
	int lsd, csd, ssd;

	T_NEED_SHM_REFS();
	total = t_net_up_lossy(&n, 1900);
	lsd = t_listen(n.sb, AF_INET, 7420, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7420, &ssd);
	t_stream_flushed(&n, csd, ssd, total, 240000);
	t_stream_flushed(&n, ssd, csd, total, 240000);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_pump_for(&n, 50);
	T_OK(nm_wire_get_stats(n.wa, &wa, sizeof(wa)));
	T_OK(nm_wire_get_stats(n.wb, &wb, sizeof(wb)));
	T_OK(nm_netdev_get_stats(n.nda, &qa, sizeof(qa)));
	T_OK(nm_netdev_get_stats(n.ndb, &qb, sizeof(qb)));
	printf("a->b: %llu referenced sent (%llu MiB), %llu lent; b->a: %llu (%llu MiB), %llu; "
	       "faults a->b lost %llu dup %llu reordered %llu\n",
	       (unsigned long long)wa.tx_refs, (unsigned long long)(wa.tx_ref_bytes >> 20),
	       (unsigned long long)qb.rx_loaned, (unsigned long long)wb.tx_refs,
	       (unsigned long long)(wb.tx_ref_bytes >> 20), (unsigned long long)qa.rx_loaned,
	       (unsigned long long)wa.inj_lost, (unsigned long long)wa.inj_dup,
	       (unsigned long long)wa.inj_reordered);
	/* nearly every payload byte went by reference, both ways */
	T_ASSERT(wa.tx_ref_bytes > total / 10 * 9 && wb.tx_ref_bytes > total / 10 * 9);
	T_ASSERT(qb.rx_loaned > 1000 && qa.rx_loaned > 1000);
	T_ASSERT(wa.inj_lost > 0 && wa.inj_dup > 0 && wa.inj_reordered > 0);
	T_ASSERT(wb.inj_lost > 0 && wb.inj_dup > 0 && wb.inj_reordered > 0);
	T_EQ(nm__wire_shm_refs_out(n.wa), 0);
	T_EQ(nm__wire_shm_refs_out(n.wb), 0);
	T_OK(nm__wire_shm_assert_ok(n.wa));
	T_OK(nm__wire_shm_assert_ok(n.wb));
	t_net_down(&n);
	T_PASS();
}
