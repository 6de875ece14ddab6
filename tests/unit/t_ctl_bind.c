/* The control plane: bind-rx / bind-tx with every refusal and its errno,
 * queue-get / dev-get / page-pool-get / page-pool-stats-get, and handle
 * close unbinding while memory stays valid for packets still held. */
#include "t_net.h"
#include "ctl/ctl_internal.h"
#include "nic/netdev_drv.h"
#include "pool/page_pool.h"
#include <netmem/ctl.h>
#include <netmem/dmabuf.h>

static void send_rx(struct t_nic *t, uint32_t payload, struct nm_rx_pkt *p, uint32_t q)
{
	struct t_flow f;
	uint8_t frame[2048];

	t_flow_v4(&f, 0xc6120001, 0xc6120002, 1234, 5201);
	uint32_t len = t_flow_frame(frame, &f, payload, 0);
	T_OK(t_wire_send(t->b, frame, len, NULL));
	T_EQ(nm_netdev_poll(t->nd, 4), 1);
	T_EQ(nm_netdev_rx_poll(t->nd, q, p, 1), 1);
}

int main(void)
{
	struct t_nic t;
	struct nm_ctl *c, *c2;
	struct nm_dmabuf *buf;
	uint32_t id, id2;
	int ifx;

	t_nic_up(&t, 2, 1500, false);
	ifx = nm_netdev_ifindex(t.nd);
	T_OK(nm_dmabuf_create_device(t.gpu, 1 << 20, &buf));
	T_OK(nm_ctl_open(&c));
	T_OK(nm_ctl_open(&c2));

	struct nm_queue_id q0 = { 0, NETDEV_QUEUE_TYPE_RX }, q1 = { 1, NETDEV_QUEUE_TYPE_RX };
	struct nm_queue_id both[2] = { q0, q1 }, twice[2] = { q1, q1 };
	struct nm_queue_id txq = { 0, NETDEV_QUEUE_TYPE_TX }, far = { 2, NETDEV_QUEUE_TYPE_RX };

	/* refusals */
	T_ERR(nm_ctl_bind_rx(c, ifx, buf, NULL, 0, &id), -EINVAL);
	T_ERR(nm_ctl_bind_rx(c, ifx, buf, &txq, 1, &id), -EINVAL);
	T_ERR(nm_ctl_bind_rx(c, ifx, buf, &far, 1, &id), -ERANGE);
	T_ERR(nm_ctl_bind_rx(c, 99999, buf, &q0, 1, &id), -ENODEV);
	T_ERR(nm_ctl_bind_rx(c, ifx, NULL, &q0, 1, &id), -EINVAL);
	T_ERR(nm_ctl_bind_rx(NULL, ifx, buf, &q0, 1, &id), -EINVAL);
	T_ERR(nm_ctl_bind_rx(c, ifx, buf, twice, 2, &id), -EEXIST);
	struct nm_ringparam rp;
	T_OK(nm_netdev_get_ringparam(t.nd, &rp));
	rp.hds_thresh = 100;
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));
	T_ERR(nm_ctl_bind_rx(c, ifx, buf, &q0, 1, &id), -EINVAL);
	rp.hds_thresh = 0;
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_DISABLED;
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));
	T_ERR(nm_ctl_bind_rx(c, ifx, buf, &q0, 1, &id), -EINVAL);
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));

	/* bind queue 0; a second binding on it is -EEXIST and installs nothing */
	T_OK(nm_ctl_bind_rx(c, ifx, buf, &q0, 1, &id));
	T_ASSERT(id >= 1);
	T_ERR(nm_ctl_bind_rx(c2, ifx, buf, both, 2, &id2), -EEXIST);
	T_ASSERT(nm_netdev_rxq_provider(t.nd, 1, NULL) == NULL);
	T_OK(nm_ctl_bind_rx(c2, ifx, buf, &q1, 1, &id2));
	T_ASSERT(id2 > id);

	/* queue-get, dev-get */
	struct nm_queue_info qi, qs[8];
	T_OK(nm_ctl_queue_get(c, ifx, 0, NETDEV_QUEUE_TYPE_RX, &qi));
	T_EQ(qi.dmabuf, id);
	T_EQ(qi.ifindex, ifx);
	T_OK(nm_ctl_queue_get(c, ifx, 0, NETDEV_QUEUE_TYPE_TX, &qi));
	T_EQ(qi.dmabuf, 0);
	T_ERR(nm_ctl_queue_get(c, ifx, 5, NETDEV_QUEUE_TYPE_RX, &qi), -EINVAL);
	T_ERR(nm_ctl_queue_get(c, ifx, 0, 7, &qi), -EINVAL);
	T_EQ(nm_ctl_queue_dump(c, ifx, qs, 8), 3);
	T_EQ(qs[1].dmabuf, id2);
	struct nm_dev_info di;
	T_OK(nm_ctl_dev_get(c, ifx, &di));
	T_EQ(di.rx_queues, 2);
	T_ASSERT(!strcmp(di.name, "nm0"));
	T_ERR(nm_ctl_dev_get(c, 99999, &di), -ENODEV);

	/* page-pool-get: the payload pool of queue 0 is the binding's */
	uint32_t ids[16];
	int npp = T_OK(nm_ctl_page_pool_dump(c, ids, 16));
	T_EQ(npp, 4);
	struct nm_page_pool *pp0 = nm_netdev_rxq_payload_pool(t.nd, 0);
	struct nm_page_pool_info pi;
	int pifx;
	T_OK(nm_ctl_page_pool_get(c, nm_page_pool_id(pp0), &pi, &pifx));
	T_EQ(pifx, ifx);
	T_EQ(pi.dmabuf_id, id);
	T_ASSERT(pi.unreadable);
	struct nm_page_pool_stats ps;
	T_OK(nm_ctl_page_pool_stats_get(c, nm_page_pool_id(pp0), &ps, sizeof(ps)));
	T_ASSERT(ps.alloc_fast + ps.alloc_slow > 0);
	T_ERR(nm_ctl_page_pool_get(c, 0xfffffff, &pi, &pifx), -ENOENT);

	/* traffic to queue 0 lands in the dma-buf; hold one packet */
	struct nm_flow_rule r = { .id = NM_FLOW_ID_ANY, .flow_type = NM_FLOW_TCP4,
				  .dst_port = 5201, .dst_port_mask = 0xffff, .action = 0 };
	T_OK(nm_netdev_flow_add(t.nd, &r));
	struct nm_rx_pkt held;
	send_rx(&t, 1000, &held, 0);
	T_ASSERT(held.flags & NM_RX_F_UNREADABLE);

	/* the binding can be looked up by id (for devmem TX/RX cmsgs) */
	bool tx;
	int bifx;
	struct nm_dmabuf_binding *b = nm_ctl_binding_get(id, &tx, &bifx);
	T_ASSERT(b && !tx && bifx == ifx);
	nm_dmabuf_binding_put(b);
	T_ASSERT(nm_ctl_binding_get(12345678, &tx, &bifx) == NULL);

	/* closing the handle unbinds: queue 0 restarts without the provider */
	T_OK(nm_ctl_close(c));
	T_ASSERT(nm_netdev_rxq_provider(t.nd, 0, NULL) == NULL);
	T_OK(nm_ctl_queue_get(c2, ifx, 0, NETDEV_QUEUE_TYPE_RX, &qi));
	T_EQ(qi.dmabuf, 0);
	T_OK(nm_ctl_queue_get(c2, ifx, 1, NETDEV_QUEUE_TYPE_RX, &qi));
	T_EQ(qi.dmabuf, id2);
	/* ... but the held packet's device memory is still valid */
	uint8_t want[1000];
	t_pat_fill(want, 1000, 0);
	uint32_t got = 0;
	for (uint32_t i = 0; i < held.nr_frags; i++) {
		struct nm_net_iov *niov = nm_netmem_to_net_iov(held.frags[i].netmem);
		uint64_t off = nm_net_iov_offset(niov) + held.frags[i].off;
		void *w;

		T_OK(nm_dmabuf_begin_cpu_access(buf, off, held.frags[i].len, NM_DMA_FROM_DEVICE, &w));
		T_ASSERT(!memcmp(w, want + got, held.frags[i].len));
		T_OK(nm_dmabuf_end_cpu_access(buf, off, held.frags[i].len, NM_DMA_FROM_DEVICE));
		got += held.frags[i].len;
	}
	T_EQ(got, 1000);
	nm_rx_pkt_release(&held);
	/* new traffic to queue 0 is in host memory again */
	send_rx(&t, 500, &held, 0);
	T_ASSERT(!(held.flags & NM_RX_F_UNREADABLE));
	nm_rx_pkt_release(&held);

	/* bind-tx */
	uint32_t tid;
	T_OK(nm_netdev_set_features(t.nd, NM_NETIF_F_NETMEM_TX, 0));
	T_ERR(nm_ctl_bind_tx(c2, ifx, buf, &tid), -EOPNOTSUPP);
	T_OK(nm_netdev_set_features(t.nd, NM_NETIF_F_NETMEM_TX, NM_NETIF_F_NETMEM_TX));
	T_OK(nm_ctl_bind_tx(c2, ifx, buf, &tid));
	T_ASSERT(tid > id2);
	b = nm_ctl_binding_get(tid, &tx, &bifx);
	T_ASSERT(b && tx);
	T_EQ(nm_dmabuf_binding_dir(b), NM_DMA_TO_DEVICE);
	nm_dmabuf_binding_put(b);
	T_ERR(nm_ctl_bind_tx(c2, 99999, buf, &tid), -ENODEV);

	/* regression (review): a set_ringparam that fails (queue 1's binding
	 * cannot supply a new pool once unbound) changes nothing at all */
	b = nm_ctl_binding_get(id2, &tx, &bifx);
	T_ASSERT(b);
	T_OK(nm_dmabuf_binding_unbind(b));	/* drops this lookup's reference */
	struct nm_ringparam before, after;
	T_OK(nm_netdev_get_ringparam(t.nd, &before));
	rp = before;
	rp.rx = before.rx * 2;
	rp.tx = before.tx * 2;
	T_ASSERT(nm_netdev_set_ringparam(t.nd, &rp) < 0);
	T_OK(nm_netdev_get_ringparam(t.nd, &after));
	T_EQ(after.rx, before.rx);
	T_EQ(after.tx, before.tx);

	T_OK(nm_ctl_close(c2));
	T_ASSERT(nm_netdev_rxq_provider(t.nd, 1, NULL) == NULL);
	T_ERR(nm_ctl_close(NULL), -EINVAL);
	nm_dmabuf_put(buf);
	t_nic_down(&t);
	T_PASS();
}
