/* SPDX-License-Identifier: MIT */
/*
 * One copy on the shm wire: who owns a referenced payload, and when it
 * goes back (docs/nic.md, "One copy on the shm wire").
 *
 *  1. Device bytes sent while the receiver does not poll stay referenced
 *     by frames on the wire: the segments are still held below TCP
 *     (inflight > 0) and no MSG_ZEROCOPY completion arrives.  (Before
 *     references, the NIC copied them into the wire during xmit and let
 *     go at once: inflight was 0 right after the send.)  Once the receiver
 *     consumed and acknowledged them, every segment is let go and the
 *     completion arrives; the bytes arrived byte-exact, by reference.
 *  2. The receiver dies with frames referencing the sender's dma-buf (its
 *     host, netdev and wire end destroyed, nothing consumed): the sender's
 *     next poll sees the peer gone and takes every reference back
 *     (inflight 0).
 *  3. Zero in flight at teardown: the binding is unbound and the topology
 *     destroyed (-EBUSY while anything still held the dma-buf's mapping).
 */
#include "t_devmem.h"
#include "t_wire.h"

static uint32_t inflight(struct nm_stack *st, int sd)
{
	return t_dtx_stats(st, sd).inflight;
}

int main(void)
{
	struct t_net n;
	struct t_dtx d;
	struct t_note note;
	struct nm_wire_stats ws;
	uint64_t got = 0, want = 256u << 10;
	uint8_t *exp;
	int lsd, csd, ssd, one = 1;

	T_NEED_SHM_REFS();
	t_net_up(&n, NULL);
	T_OK(nm_netdev_set_features(n.ndb, NM_NETIF_F_RX_LOAN, 0));	/* B asks for refs */
	t_dtx_bind(&d, n.nda, 4u << 20);
	lsd = t_listen(n.sb, AF_INET, 7420, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7420, &ssd);
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	exp = malloc(want);
	T_ASSERT(exp);
	for (uint64_t i = 0; i < want; i++)
		exp[i] = t_dtx_byte(i);

	/* 1: referenced until consumed */
	n.b_gone = true;
	T_EQ(t_dtx_send(csd, d.id, 0, want, MSG_ZEROCOPY | MSG_DONTWAIT), (ssize_t)want);
	t_net_poll(&n, 20);
	T_ASSERT(inflight(n.sa, csd) > 0);
	T_EQ(t_dtx_errq(csd, &note), -EAGAIN);
	n.b_gone = false;
	for (int i = 0; i < 200000 && got < want; i++) {
		t_net_poll1(&n);
		t_dtx_recv_check(ssd, exp, &got, want);
	}
	T_EQ(got, want);
	T_EQ(t_dtx_wait(&n, csd, &note, 5000), 0);
	T_EQ(note.lo, 0);
	T_EQ(note.hi, 0);
	T_EQ(inflight(n.sa, csd), 0);
	T_OK(nm_wire_get_stats(n.wa, &ws, sizeof(ws)));
	printf("phase 1: %llu frames referenced\n", (unsigned long long)ws.tx_refs);
	T_ASSERT(ws.tx_refs > 100);

	/* 2: the receiver dies holding references */
	n.b_gone = true;
	T_EQ(t_dtx_send(csd, d.id, 0, want, MSG_ZEROCOPY | MSG_DONTWAIT), (ssize_t)want);
	t_net_poll(&n, 20);
	T_ASSERT(inflight(n.sa, csd) > 0);
	T_ASSERT(t_dtx_refs(&d) > 0);
	T_OK(nm_host_stack_down(n.hb));
	T_OK(nm_host_destroy(n.hb));
	n.hb = NULL;
	n.sb = NULL;
	/* B's dying stack may have reset the connection: either way, once A
	 * saw its peer gone, no segment is held and the binding is let go
	 * (a connection lets go only while no device segment is in flight) */
	for (int i = 0; i < 10; i++)
		T_OK(nm_stack_poll(n.sa, 0));
	if (t_tcb(n.sa, csd))
		T_EQ(inflight(n.sa, csd), 0);
	(void)t_dtx_drain(csd, &(uint32_t){ 1 });
	T_OK(nm_close(csd));
	T_EQ(t_dtx_refs(&d), 0);

	/* 3: teardown */
	T_OK(nm_host_stack_down(n.ha));
	t_dtx_unbind(&d);
	T_OK(nm_host_destroy(n.ha));
	T_OK(nm_topo_destroy(n.topo));
	free(exp);
	T_PASS();
}
