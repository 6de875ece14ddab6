/* nm_netdev_get_rxq_info(): the ids of an RX queue's two pools are the
 * ones page-pool-get reports for that queue, and the posted payload
 * buffers follow the ring as a frame fills one; bad arguments refused.
 * (The netmem command tells a queue's payload pool from its header pool,
 * and counts posted buffers, through this call alone.) */
#include "t_net.h"
#include "t_frame.h"
#include "t_wire.h"
#include "nic/netdev_drv.h"
#include "pool/page_pool.h"
#include <netmem/ctl.h>


static void check_queue(struct t_nic *t, struct nm_ctl *c, uint32_t q)
{
	struct nm_page_pool_info pi;
	struct nm_rxq_info qi;
	uint32_t buf_size;
	int ifx;

	T_OK(nm_netdev_get_rxq_info(t->nd, q, &qi));
	T_EQ(qi.payload_pp_id, nm_page_pool_id(nm_netdev_rxq_payload_pool(t->nd, q)));
	T_EQ(qi.header_pp_id, nm_page_pool_id(nm_netdev_rxq_header_pool(t->nd, q)));
	T_ASSERT(qi.payload_pp_id != 0 && qi.header_pp_id != 0);
	T_ASSERT(qi.payload_pp_id != qi.header_pp_id);
	/* page-pool-get knows both, as pools of this queue of this netdev */
	T_OK(nm_ctl_page_pool_get(c, qi.payload_pp_id, &pi, &ifx));
	T_EQ(ifx, nm_netdev_ifindex(t->nd));
	T_EQ(pi.queue_idx, q);
	buf_size = pi.buf_size;
	T_OK(nm_ctl_page_pool_get(c, qi.header_pp_id, &pi, &ifx));
	T_EQ(pi.queue_idx, q);
	/* the ring's room, in buffers rounded up: only its head is partly used */
	T_EQ(qi.payload_room, nm_netdev_rxq_payload_room(t->nd, q));
	T_EQ(qi.payload_posted, (qi.payload_room + buf_size - 1) / buf_size);
	T_ASSERT(qi.payload_posted > 0 && qi.payload_posted <= 256);
}

int main(void)
{
	struct t_nic t;
	struct nm_ctl *c;
	struct nm_rxq_info qi, before;
	struct nm_rx_pkt pkt;
	struct t_flow f;
	uint8_t frame[2048];
	uint32_t len;

	t_nic_up(&t, 2, 1500, false);
	T_OK(nm_ctl_open(&c));
	check_queue(&t, c, 0);
	check_queue(&t, c, 1);

	/* one split frame steered to queue 0 fills part of a posted buffer
	 * (copied there: not lent in place by the shm wire) */
	T_OK(nm_netdev_set_rss_equal(t.nd, 0, 1));
	T_OK(nm_netdev_set_features(t.nd, NM_NETIF_F_RX_LOAN, 0));
	T_OK(nm_netdev_get_rxq_info(t.nd, 0, &before));
	t_flow_v4(&f, 0xc6120001, 0xc6120002, 7000, 7001);
	len = t_flow_frame(frame, &f, 1448, 0);
	T_OK(t_wire_send(t.b, frame, len, NULL));
	T_EQ(nm_netdev_poll(t.nd, 8), 1);
	T_EQ(nm_netdev_rx_poll(t.nd, 0, &pkt, 1), 1);
	T_ASSERT(pkt.flags & NM_RX_F_SPLIT);
	T_OK(nm_netdev_get_rxq_info(t.nd, 0, &qi));
	T_ASSERT(qi.payload_room < before.payload_room);
	T_ASSERT(qi.payload_room + 1448 <= before.payload_room);
	check_queue(&t, c, 0);
	nm_rx_pkt_release(&pkt);

	/* refusals */
	T_ERR(nm_netdev_get_rxq_info(t.nd, 2, &qi), -ERANGE);
	T_ERR(nm_netdev_get_rxq_info(NULL, 0, &qi), -EINVAL);
	T_ERR(nm_netdev_get_rxq_info(t.nd, 0, NULL), -EINVAL);

	T_OK(nm_ctl_close(c));
	t_nic_down(&t);
	printf("PASS rxq_info\n");
	return 0;
}
