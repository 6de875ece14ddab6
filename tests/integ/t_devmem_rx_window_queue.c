/* SPDX-License-Identifier: MIT */
/*
 * The receive window asks the RX queue a flow is steered to, and only
 * that one.  Two flows into one netdev with two RX queues: :7001 steered
 * to queue 0, bound to a 256 KiB dma-buf, :7002 to queue 1 (host pages).
 * The devmem flow's window follows its queue's memory; once its reader
 * stops and that memory is full, the host flow still moves 4 MiB at full
 * window.  (When TCP walked every queue of the netdev, the full dma-buf
 * closed the host flow's window too and it stalled.)
 */
#include "t_devmem.h"
#include "nic/netdev_drv.h"

#define DM_SIZE	(256u << 10)

static void steer(struct nm_netdev *nd, uint16_t port, int32_t q)
{
	struct nm_flow_rule r = { .id = NM_FLOW_ID_ANY, .flow_type = NM_FLOW_TCP4,
				  .dst_port = port, .dst_port_mask = 0xffff, .action = q };

	T_ASSERT(nm_netdev_flow_add(nd, &r) >= 0);
}

/* Bytes the devmem window may count on: rx_pool_space's arithmetic. */
static uint64_t usable(uint64_t bytes)
{
	return bytes - bytes / 8;
}

int main(void)
{
	struct nm_channels ch;
	struct t_net n;
	struct t_dm d;
	struct nm_tcp_sock *dev_tp, *host_tp;
	uint64_t txpos = 0, t0;
	int lsd1, lsd2, c1, s1, c2, s2;

	t_net_create(&n, &(struct t_net_params){ .links_only = true });
	T_OK(nm_netdev_get_channels(n.ndb, &ch));
	ch.rx = 2;
	T_OK(nm_netdev_set_channels(n.ndb, &ch));
	t_net_stacks_up(&n);		/* the stack polls the queues it finds */
	steer(n.ndb, 7001, 0);
	steer(n.ndb, 7002, 1);
	t_dm_bind(&d, n.ndb, DM_SIZE);		/* queue 0 */
	T_EQ(nm_netdev_rxq_mem_avail(n.ndb, 1), UINT64_MAX);
	T_EQ(nm_netdev_rxq_mem_avail(n.ndb, 2), 0);
	T_ASSERT(nm_netdev_rxq_mem_avail(n.ndb, 0) <= DM_SIZE);

	lsd1 = t_listen(n.sb, AF_INET, 7001, 4);
	lsd2 = t_listen(n.sb, AF_INET, 7002, 4);
	c1 = t_connect_pair(&n, lsd1, "198.18.0.2", 7001, &s1);
	c2 = t_connect_pair(&n, lsd2, "198.18.0.2", 7002, &s2);
	dev_tp = t_tcb(n.sb, s1);
	host_tp = t_tcb(n.sb, s2);
	T_ASSERT(dev_tp && host_tp);
	/* each connection learned its queue from the SYN that made it */
	T_ASSERT(dev_tp->rx_ifc && dev_tp->rx_queue == 0);
	T_ASSERT(host_tp->rx_ifc && host_tp->rx_queue == 1);
	T_EQ(nm_tcp_rx_pool_space(host_tp), UINT32_MAX);
	T_EQ(nm_tcp_rx_pool_space(dev_tp), usable(nm_netdev_rxq_mem_avail(n.ndb, 0)));

	/* fill the dma-buf: send on the devmem flow, never read it */
	t0 = t_now_us();
	for (uint64_t idle = t_now_us(), last = 0; t_now_us() - idle < 200000;) {
		ssize_t s = t_dm_send(c1, &txpos, 64 << 10);

		T_ASSERT(s > 0 || s == -EAGAIN);
		t_pump(&n);
		if (dev_tp->rcvq_bytes != last) {
			last = dev_tp->rcvq_bytes;
			idle = t_now_us();
		}
		T_ASSERT(t_now_us() - t0 < 30000000u);
	}
	printf("devmem flow stalled with %llu bytes queued, %llu bytes of queue 0 left\n",
	       (unsigned long long)dev_tp->rcvq_bytes,
	       (unsigned long long)nm_netdev_rxq_mem_avail(n.ndb, 0));
	T_ASSERT(dev_tp->rcvq_bytes > DM_SIZE / 2);
	T_ASSERT(txpos > dev_tp->rcvq_bytes);	/* the sender has more it may not send */
	T_ASSERT(nm_tcp_rx_pool_space(dev_tp) < DM_SIZE / 4);

	/* the host flow does not care */
	T_EQ(nm_tcp_rx_pool_space(host_tp), UINT32_MAX);
	t_stream(&n, c2, s2, 4u << 20, 20000);

	T_CLOSE_ALL(&n, 20, c1, s1, c2, s2, lsd1, lsd2);
	t_dm_unbind(&d);
	t_net_down(&n);
	T_PASS();
}
