/* RSS spreads 1000 flows over 4 queues within 10%; ntuple rules win over
 * RSS; drop rules drop; -X equal / start; the rule API's errors. */
#include "t_net.h"
#include "nic/netdev_drv.h"

static uint32_t queue_of(struct t_nic *t, const uint8_t *frame, uint32_t len)
{
	struct nm_rx_pkt p;

	T_OK(t_wire_send(t->b, frame, len, NULL));
	T_EQ(nm_netdev_poll(t->nd, 1), 1);
	for (uint32_t q = 0; q < 4; q++) {
		if (T_OK(nm_netdev_rx_poll(t->nd, q, &p, 1)) == 1) {
			T_ASSERT(p.flags & NM_RX_F_HASH);
			T_EQ(p.queue, q);
			nm_rx_pkt_release(&p);
			return q;
		}
	}
	return UINT32_MAX;	/* dropped */
}

int main(void)
{
	struct t_nic t;
	struct t_flow f;
	uint8_t frame[2048];
	uint32_t len, count[4] = { 0 };
	uint64_t seed = 7;

	t_nic_up(&t, 4, 1500, false);
	for (int i = 0; i < 1000; i++) {
		t_flow_v4(&f, 0xc6120000 | (uint32_t)(t_rand(&seed) & 0xffff),
			  0xc6130000 | (uint32_t)(t_rand(&seed) & 0xffff),
			  (uint16_t)(1024 + t_rand(&seed) % 60000), 80);
		f.v6 = i % 2;
		if (f.v6) {
			for (int k = 0; k < 16; k++) {
				f.src[k] = (uint8_t)t_rand(&seed);
				f.dst[k] = (uint8_t)t_rand(&seed);
			}
			f.src[0] = f.dst[0] = 0x20;
		}
		len = t_flow_frame(frame, &f, 100, 0);
		uint32_t q = queue_of(&t, frame, len);
		T_ASSERT(q < 4);
		count[q]++;
	}
	for (int q = 0; q < 4; q++) {
		printf("queue %d: %u flows\n", q, count[q]);
		T_ASSERT(count[q] >= 225 && count[q] <= 275);
	}

	/* a flow RSS puts on queue q0 is steered to another by a rule */
	t_flow_v4(&f, 0xc6120001, 0xc6120002, 40000, 8080);
	len = t_flow_frame(frame, &f, 100, 0);
	uint32_t q0 = queue_of(&t, frame, len), want = (q0 + 1) % 4;
	struct nm_flow_rule r = { .id = NM_FLOW_ID_ANY, .flow_type = NM_FLOW_TCP4,
				  .dst_port = 8080, .dst_port_mask = 0xffff,
				  .action = (int32_t)want };
	int id = T_OK(nm_netdev_flow_add(t.nd, &r));
	T_EQ(queue_of(&t, frame, len), want);
	/* a lower id takes precedence; it drops */
	struct nm_flow_rule d = r;
	memcpy(d.src_ip, f.src, 4);
	memset(d.src_ip_mask, 0xff, 4);
	d.action = NM_FLOW_ACTION_DROP;
	d.id = 0;
	if ((uint32_t)id == 0) {
		T_OK(nm_netdev_flow_del(t.nd, (uint32_t)id));
		r.id = 5;
		id = T_OK(nm_netdev_flow_add(t.nd, &r));
	}
	T_OK(nm_netdev_flow_add(t.nd, &d));
	struct nm_queue_stats st0, st1;
	T_OK(nm_netdev_get_stats(t.nd, &st0, sizeof(st0)));
	T_EQ(queue_of(&t, frame, len), UINT32_MAX);
	T_OK(nm_netdev_get_stats(t.nd, &st1, sizeof(st1)));
	T_EQ(st1.drops[NM_RX_DROP_NTUPLE], st0.drops[NM_RX_DROP_NTUPLE] + 1);
	/* other source: the drop rule does not match, the steering one does */
	f.src[3] = 9;
	len = t_flow_frame(frame, &f, 100, 0);
	T_EQ(queue_of(&t, frame, len), want);
	/* UDP to 8080 is not a tcp4 rule's */
	f.udp = 1;
	len = t_flow_frame(frame, &f, 100, 0);
	T_ASSERT(queue_of(&t, frame, len) < 4);
	f.udp = 0;

	/* features off: rules are ignored, the first flow goes back to q0
	 * (and is not dropped) */
	T_OK(nm_netdev_set_features(t.nd, NM_NETIF_F_NTUPLE, 0));
	f.src[3] = 1;
	len = t_flow_frame(frame, &f, 100, 0);
	T_EQ(queue_of(&t, frame, len), q0);
	T_OK(nm_netdev_set_features(t.nd, NM_NETIF_F_NTUPLE, NM_NETIF_F_NTUPLE));

	/* rule API */
	uint32_t ids[8];
	T_EQ(nm_netdev_flow_list(t.nd, ids, 8), 2);
	T_EQ(ids[0], 0);
	struct nm_flow_rule g;
	T_OK(nm_netdev_get_flow(t.nd, (uint32_t)id, &g));
	T_EQ(g.action, (int)want);
	T_EQ(g.dst_port, 8080);
	T_ERR(nm_netdev_flow_add(t.nd, &d), -EEXIST);
	r.id = NM_FLOW_ID_ANY;
	r.action = 4;	/* no such queue */
	T_ERR(nm_netdev_flow_add(t.nd, &r), -EINVAL);
	r.action = 0;
	r.flow_type = 9;
	T_ERR(nm_netdev_flow_add(t.nd, &r), -EINVAL);
	T_ERR(nm_netdev_flow_del(t.nd, 999), -ENOENT);
	T_ERR(nm_netdev_flow_add(NULL, &r), -EINVAL);
	T_ERR(nm_netdev_get_flow(t.nd, 77, &g), -ENOENT);
	/* shrinking below a rule's queue is refused */
	struct nm_channels ch = { .rx = 1, .tx = 1 };
	T_ERR(nm_netdev_set_channels(t.nd, &ch), -EBUSY);
	T_OK(nm_netdev_flow_del(t.nd, (uint32_t)id));
	T_OK(nm_netdev_flow_del(t.nd, 0));

	/* -X start 2 equal 2: everything on queues 2 and 3 */
	T_OK(nm_netdev_set_rss_equal(t.nd, 2, 2));
	for (int i = 0; i < 50; i++) {
		t_flow_v4(&f, 0xc6120000 | (uint32_t)i, 0xc6130001, (uint16_t)(2000 + i), 80);
		len = t_flow_frame(frame, &f, 10, 0);
		T_ASSERT(queue_of(&t, frame, len) >= 2);
	}
	T_ERR(nm_netdev_set_rss_equal(t.nd, 3, 2), -EINVAL);
	T_ERR(nm_netdev_set_rss_equal(t.nd, 0, 0), -EINVAL);
	uint32_t indir[128], n = 128;
	T_OK(nm_netdev_get_rss(t.nd, NULL, indir, &n));
	T_EQ(n, 128);
	T_EQ(indir[0], 2);
	T_EQ(indir[1], 3);
	indir[5] = 4;
	T_ERR(nm_netdev_set_rss(t.nd, NULL, indir, 128), -EINVAL);
	T_ERR(nm_netdev_set_rss(t.nd, NULL, indir, 100), -EINVAL);
	/* a table that was set is configured (IFF_RXFH_CONFIGURED): queues
	 * it names cannot go, and it stays as set when queues come */
	T_ASSERT(nm_netdev_rss_configured(t.nd));
	T_ERR(nm_netdev_set_channels(t.nd, &ch), -EBUSY);
	ch = (struct nm_channels){ .rx = 6, .tx = 1 };
	T_OK(nm_netdev_set_channels(t.nd, &ch));
	T_OK(nm_netdev_get_rss(t.nd, NULL, indir, &n));
	T_EQ(indir[0], 2);
	T_EQ(indir[1], 3);
	T_EQ(indir[2], 2);
	/* back to the default: it spreads over every queue and follows the
	 * count again */
	T_OK(nm_netdev_reset_rss(t.nd));
	T_ASSERT(!nm_netdev_rss_configured(t.nd));
	T_OK(nm_netdev_get_rss(t.nd, NULL, indir, &n));
	T_EQ(indir[5], 5);
	T_EQ(indir[6], 0);
	ch = (struct nm_channels){ .rx = 1, .tx = 1 };
	T_OK(nm_netdev_set_channels(t.nd, &ch));
	T_OK(nm_netdev_get_rss(t.nd, NULL, indir, &n));
	T_EQ(indir[1], 0);
	T_ERR(nm_netdev_reset_rss(NULL), -EINVAL);
	T_ASSERT(!nm_netdev_rss_configured(NULL));
	t_nic_down(&t);
	T_PASS();
}
