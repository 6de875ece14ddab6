/* SPDX-License-Identifier: MIT */
/*
 * A SACK block that starts at snd_una (the byte the sender waits for is
 * SACKed: the receiver is out of step with it, here after a forged ACK
 * acknowledged 2 bytes the receiver never got) is no hole to repair.  The
 * sender used to enter recovery on it and resend that SACKed head at once,
 * the receiver answered with the same duplicate ACK, the DSACK undid the
 * recovery and the next ACK started it again: an endless exchange, one
 * segment each way per loop pass, that no reply limit covers.  Now nothing
 * is resent until the retransmission timer, as in Linux (it retransmits
 * only segments that are lost and not SACKed): the idle pair falls silent
 * (tests/tcp_storm.h).  Found by fuzz/fuzz_tcp_states.c.
 */
#include "t_tcp.h"
#include "t_tcp.h"
#include "nic/netdev_drv.h"

static void drop_rx(struct nm_netdev *nd)
{
	struct nm_rx_pkt p[16];
	int k;

	while (nm_netdev_poll(nd, 64) > 0)
		while ((k = nm_netdev_rx_poll(nd, 0, p, 16)) > 0)
			for (int i = 0; i < k; i++)
				nm_rx_pkt_release(&p[i]);
}

int main(void)
{
	static uint8_t data[3000];
	struct t_net n;
	struct t_tcp4_seg s = { .saddr = 0xc6120002, .daddr = 0xc6120001,
				.flags = TH_FIN | TH_ACK, .win = 232 };
	struct nm_tcp_sock *ta;
	uint8_t frame[128], buf[4096];
	struct iovec iov = { .iov_base = frame };
	int lsd, csd, ssd;
	int64_t segs;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 7400, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7400, &ssd);
	T_EQ(nm_send(csd, data, sizeof(data), 0), sizeof(data));
	T_EQ(nm_send(ssd, data, 1000, 0), 1000);
	t_pump_for(&n, 50);
	while (nm_recv(ssd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	while (nm_recv(csd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	t_pump_for(&n, 50);
	ta = t_tcb(n.sa, csd);
	T_ASSERT(ta && ta->sack_ok);

	/* 129 bytes from A that B never gets */
	T_EQ(nm_send(csd, data, 129, 0), 129);
	drop_rx(n.ndb);
	T_EQ(ta->snd_max - ta->snd_una, 129);

	/* forged into A as from B: FIN|ACK past rcv_nxt, acknowledging 2 of
	 * the lost bytes */
	T_OK(nm_netdev_get_mac(n.ndb, s.src_mac));
	T_OK(nm_netdev_get_mac(n.nda, s.dst_mac));
	s.sport = ta->rport;
	s.dport = ta->lport;
	s.seq = ta->rcv_nxt + 5;
	s.ack = ta->snd_una + 2;
	iov.iov_len = t_tcp4_seg(frame, &s);
	T_OK(nm_wire_xmit(n.wb, &iov, 1, NULL));

	/* the pair settles: in a second, the replies to the forged segment
	 * and a few retransmissions by the timer (RTO 200 ms and up), not a
	 * segment each way every reordering window (~470 before) */
	segs = T_OK(t_storm_segments(n.sa, n.sb, UINT32_MAX, 1000));
	printf("1 s after the forged segment: %lld segments\n", (long long)segs);
	T_ASSERT(segs <= 20);
	T_EQ(ta->snd_una, s.ack);	/* the forged ACK was taken */

	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
