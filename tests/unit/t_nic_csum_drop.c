/* Checksums are verified on the wire side, before payload becomes
 * unreadable: a corrupted frame is dropped and counted; malformed and
 * oversized frames are dropped and counted; nothing leaks. */
#include "t_net.h"
#include "t_devmem.h"
#include "nic/netdev_drv.h"

static int deliver(struct t_nic *t, const uint8_t *frame, uint32_t len, struct nm_rx_pkt *p)
{
	T_OK(t_wire_send(t->b, frame, len, NULL));
	T_EQ(nm_netdev_poll(t->nd, 1), 1);
	return T_OK(nm_netdev_rx_poll(t->nd, 0, p, 1));
}

int main(void)
{
	struct t_nic t;
	struct t_flow f;
	struct nm_rx_pkt p;
	struct nm_queue_stats st;
	uint8_t frame[2048];
	uint32_t len;

	t_nic_up(&t, 1, 1500, false);
	t_flow_v4(&f, 0xc6120001, 0xc6120002, 1, 2);
	len = t_flow_frame(frame, &f, 1000, 0);
	T_EQ(deliver(&t, frame, len, &p), 1);
	T_ASSERT(p.flags & NM_RX_F_CSUM_OK);
	nm_rx_pkt_release(&p);

	frame[len - 10] ^= 0x20;			/* payload bit flip */
	T_EQ(deliver(&t, frame, len, &p), 0);
	frame[len - 10] ^= 0x20;
	frame[14 + 8] ^= 1;				/* TTL: IPv4 header checksum */
	T_EQ(deliver(&t, frame, len, &p), 0);
	frame[14 + 8] ^= 1;
	f.udp = 1;					/* UDP too */
	len = t_flow_frame(frame, &f, 500, 0);
	frame[len - 1] ^= 0xff;
	T_EQ(deliver(&t, frame, len, &p), 0);
	T_OK(nm_netdev_get_rxq_stats(t.nd, 0, &st, sizeof(st)));
	T_EQ(st.csum_bad, 3);
	T_EQ(st.drops[NM_RX_DROP_BAD_CSUM], 3);
	T_EQ(st.packets, 1);

	/* with RX checksumming off the frame is taken, not marked verified */
	T_OK(nm_netdev_set_features(t.nd, NM_NETIF_F_RXCSUM, 0));
	T_EQ(deliver(&t, frame, len, &p), 1);
	T_ASSERT(!(p.flags & NM_RX_F_CSUM_OK));
	nm_rx_pkt_release(&p);
	T_OK(nm_netdev_set_features(t.nd, NM_NETIF_F_RXCSUM, NM_NETIF_F_RXCSUM));

	/* malformed: IHL 4 */
	f.udp = 0;
	len = t_flow_frame(frame, &f, 100, 0);
	frame[14] = 0x44;
	T_EQ(deliver(&t, frame, len, &p), 0);
	/* total length lies */
	len = t_flow_frame(frame, &f, 100, 0);
	frame[14 + 2] = 0x7f;
	T_EQ(deliver(&t, frame, len, &p), 0);
	/* longer than the MTU (the wire carries it, the netdev refuses it) */
	T_OK(nm_netdev_set_mtu(t.nd, 1400));
	len = t_flow_frame(frame, &f, 1400, 0);
	T_EQ(deliver(&t, frame, len, &p), 0);
	T_OK(nm_netdev_get_stats(t.nd, &st, sizeof(st)));
	T_EQ(st.drops[NM_RX_DROP_MALFORMED], 2);
	T_EQ(st.drops[NM_RX_DROP_TOO_LONG], 1);
	t_rx_idle(t.nd);	/* no dropped frame kept a buffer */
	t_nic_down(&t);
	T_PASS();
}
