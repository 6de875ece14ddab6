/* ethtool-like configuration: channels (-L), rings and header split (-G),
 * features (-K), MTU; every bad value refused with its errno and a message,
 * and the device keeps working after each refusal. */
#include "t_net.h"
#include "nic/netdev_drv.h"

int main(void)
{
	struct t_nic t;
	struct nm_channels ch;
	struct nm_ringparam rp;
	struct nm_netdev *nd2;
	struct nm_netdev_params np = { 0 };
	uint8_t mac[6];

	t_nic_up(&t, 2, 1500, false);
	T_ASSERT(nm_netdev_ifindex(t.nd) >= 1);
	T_ASSERT(!strcmp(nm_netdev_name(t.nd), "nm0"));
	T_OK(nm_netdev_get_mac(t.nd, mac));
	T_ASSERT(!memcmp(mac, t_mac_b, 6));
	T_ASSERT(nm_netdev_device(t.nd) == t.nic);
	T_ASSERT(nm_netdev_wire(t.nd) == t.a);

	/* create: bad parameters */
	np.dev = t.nic;
	np.wire = t.a;
	T_ERR(nm_netdev_create(NULL, &nd2), -EINVAL);
	T_ERR(nm_netdev_create(&np, NULL), -EINVAL);
	np.name = "a-name-that-is-too-long";
	T_ERR(nm_netdev_create(&np, &nd2), -EINVAL);
	np.name = NULL;
	np.rx_queues = 65;
	T_ERR(nm_netdev_create(&np, &nd2), -EINVAL);
	np.rx_queues = 1;
	np.rx_ring = 100;
	T_ERR(nm_netdev_create(&np, &nd2), -EINVAL);
	np.rx_ring = 0;
	np.mtu = 9000;	/* the wire carries 1500 */
	T_ERR(nm_netdev_create(&np, &nd2), -EINVAL);
	np.mtu = 0;
	np.mac[0] = 1;	/* multicast */
	T_ERR(nm_netdev_create(&np, &nd2), -EINVAL);
	np.mac[0] = 0;
	np.wire = NULL;
	T_ERR(nm_netdev_create(&np, &nd2), -EINVAL);
	/* a random MAC is local unicast; ifindexes are unique */
	np.wire = t.a;
	T_OK(nm_netdev_create(&np, &nd2));
	T_OK(nm_netdev_get_mac(nd2, mac));
	T_EQ(mac[0] & 3, 2);
	T_ASSERT(nm_netdev_ifindex(nd2) != nm_netdev_ifindex(t.nd));
	T_OK(nm_netdev_destroy(nd2));
	T_ERR(nm_netdev_destroy(NULL), -EINVAL);

	/* MTU */
	T_ERR(nm_netdev_set_mtu(t.nd, 67), -EINVAL);
	T_ERR(nm_netdev_set_mtu(t.nd, 1501), -EINVAL);
	T_OK(nm_netdev_set_mtu(t.nd, 1280));
	T_EQ(nm_netdev_mtu(t.nd), 1280);

	/* channels */
	T_OK(nm_netdev_get_channels(t.nd, &ch));
	T_EQ(ch.rx, 2);
	T_EQ(ch.max_rx, NM_NETDEV_MAX_QUEUES);
	ch.rx = 0;
	T_ERR(nm_netdev_set_channels(t.nd, &ch), -EINVAL);
	ch.rx = 65;
	T_ERR(nm_netdev_set_channels(t.nd, &ch), -EINVAL);
	ch.rx = 8;
	ch.tx = 4;
	T_OK(nm_netdev_set_channels(t.nd, &ch));
	T_ASSERT(nm_netdev_rxq_payload_pool(t.nd, 7) != NULL);
	T_ASSERT(nm_netdev_rxq_payload_pool(t.nd, 8) == NULL);
	ch.rx = 3;
	T_OK(nm_netdev_set_channels(t.nd, &ch));
	T_ERR(nm_netdev_rxq_restart(t.nd, 3), -ERANGE);
	T_OK(nm_netdev_rxq_restart(t.nd, 2));

	/* rings and header split */
	T_OK(nm_netdev_get_ringparam(t.nd, &rp));
	T_EQ(rp.rx, 256);
	T_EQ(rp.tcp_data_split, NM_TCP_DATA_SPLIT_ENABLED);
	rp.rx = 1000;
	T_ERR(nm_netdev_set_ringparam(t.nd, &rp), -EINVAL);
	rp.rx = 32;
	T_ERR(nm_netdev_set_ringparam(t.nd, &rp), -EINVAL);
	rp.rx = 512;
	rp.hds_thresh = NM_HDS_THRESH_MAX + 1;
	T_ERR(nm_netdev_set_ringparam(t.nd, &rp), -EINVAL);
	rp.hds_thresh = 0;
	rp.tcp_data_split = 7;
	T_ERR(nm_netdev_set_ringparam(t.nd, &rp), -EINVAL);
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_UNKNOWN;	/* unchanged */
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));	/* restarts every queue */
	T_OK(nm_netdev_get_ringparam(t.nd, &rp));
	T_EQ(rp.rx, 512);
	T_EQ(rp.tcp_data_split, NM_TCP_DATA_SPLIT_ENABLED);

	/* features */
	T_ERR(nm_netdev_set_features(t.nd, 1u << 20, 0), -EINVAL);
	/* TSO needs HW_CSUM: without it, wanted TSO is not active (the kernel's
	 * netdev_fix_features), and comes back with it */
	T_OK(nm_netdev_set_features(t.nd, NM_NETIF_F_HW_CSUM, 0));
	T_EQ(nm_netdev_features(t.nd) & (NM_NETIF_F_HW_CSUM | NM_NETIF_F_TSO | NM_NETIF_F_TSO6), 0);
	T_EQ(nm_netdev_wanted_features(t.nd) & (NM_NETIF_F_TSO | NM_NETIF_F_TSO6),
	     NM_NETIF_F_TSO | NM_NETIF_F_TSO6);
	T_OK(nm_netdev_set_features(t.nd, NM_NETIF_F_HW_CSUM, NM_NETIF_F_HW_CSUM));
	T_EQ(nm_netdev_features(t.nd) & (NM_NETIF_F_HW_CSUM | NM_NETIF_F_TSO | NM_NETIF_F_TSO6),
	     NM_NETIF_F_HW_CSUM | NM_NETIF_F_TSO | NM_NETIF_F_TSO6);
	T_OK(nm_netdev_set_features(t.nd, NM_NETIF_F_TSO | NM_NETIF_F_TSO6 | NM_NETIF_F_HW_CSUM, 0));
	T_EQ(nm_netdev_features(t.nd) & NM_NETIF_F_HW_CSUM, 0);
	T_EQ(nm_netdev_wanted_features(t.nd) & NM_NETIF_F_TSO, 0);

	/* still receives */
	struct t_flow f;
	uint8_t frame[2048];
	struct nm_rx_pkt p;
	t_flow_v4(&f, 0xc6120001, 0xc6120002, 1, 2);
	uint32_t len = t_flow_frame(frame, &f, 500, 0);
	T_OK(t_wire_send(t.b, frame, len, NULL));
	T_EQ(nm_netdev_poll(t.nd, 8), 1);
	int got = 0;
	for (uint32_t q = 0; q < 3; q++) {
		int n = T_OK(nm_netdev_rx_poll(t.nd, q, &p, 1));
		if (n) {
			got++;
			nm_rx_pkt_release(&p);
		}
	}
	T_EQ(got, 1);

	/* queries with bad arguments */
	struct nm_queue_stats st;
	T_ERR(nm_netdev_get_rxq_stats(t.nd, 9, &st, sizeof(st)), -ERANGE);
	T_ERR(nm_netdev_get_txq_stats(t.nd, 9, &st, sizeof(st)), -ERANGE);
	T_ERR(nm_netdev_get_stats(t.nd, NULL, sizeof(*NULL)), -EINVAL);
	T_ERR(nm_netdev_rx_poll(t.nd, 9, &p, 1), -ERANGE);
	T_ERR(nm_netdev_poll(NULL, 1), -EINVAL);
	T_ERR(nm_netdev_get_channels(NULL, &ch), -EINVAL);
	T_ERR(nm_netdev_set_ringparam(t.nd, NULL), -EINVAL);
	T_ASSERT(!strcmp(nm_rx_drop_name(NM_RX_DROP_BAD_CSUM), "bad_csum"));
	T_ASSERT(!strcmp(nm_rx_drop_name(99), "unknown"));
	t_nic_down(&t);
	T_PASS();
}
