/* SPDX-License-Identifier: MIT */
/*
 * A split packet says how many bytes it holds: Ethernet padding after the
 * IP packet stays behind when headers and payload are split (it is not
 * payload), so len is the headers plus the payload, and len == hdr_len +
 * the frags' lengths on every way a frame is split: payload copied into
 * host buffers, lent in place from the shm wire, written into device
 * memory.  A frame that is not split keeps its padding and its length.
 * (Found by fuzz/fuzz_nic_rx.c: split packets claimed the padded length.)
 */
#include "t_net.h"
#include "nic/netdev_drv.h"
#include "pool/memory_provider.h"
#include <netmem/dmabuf.h>

#define PAD 30

static uint32_t held(const struct nm_rx_pkt *p)
{
	uint32_t n = p->hdr_len;

	for (uint32_t i = 0; i < p->nr_frags; i++)
		n += p->frags[i].len;
	return n;
}

/* Send a padded frame; the one packet that arrives on queue 0. */
static struct nm_rx_pkt rx_padded(struct t_nic *t, uint32_t payload, uint32_t *len)
{
	static uint8_t frame[10000];
	struct nm_rx_pkt p;
	struct t_flow f;

	t_flow_v4(&f, 0xc6120001, 0xc6120002, 5000, 6000);
	*len = t_flow_frame(frame, &f, payload, 12);
	memset(frame + *len, 0xee, PAD);	/* after the IP packet: padding */
	*len += PAD;
	T_OK(t_wire_send(t->b, frame, *len, NULL));
	T_OK(nm_netdev_poll(t->nd, 64));
	T_EQ(nm_netdev_rx_poll(t->nd, 0, &p, 1), 1);
	return p;
}

static void split_case(struct t_nic *t, uint32_t payload, uint32_t want_flags)
{
	uint32_t len;
	struct nm_rx_pkt p = rx_padded(t, payload, &len);

	T_ASSERT(p.flags & NM_RX_F_SPLIT);
	T_EQ(p.flags & want_flags, want_flags);
	T_EQ(p.hdr_len, 66);
	T_EQ(p.len, len - PAD);
	T_EQ(held(&p), p.len);
	nm_rx_pkt_release(&p);
}

int main(void)
{
	struct nm_ringparam rp;
	struct nm_dmabuf *buf;
	struct nm_dmabuf_binding *b;
	struct nm_rx_pkt p;
	struct t_nic t;
	uint32_t len;

	t_nic_up(&t, 1, 9000, false);
	T_OK(nm_netdev_get_ringparam(t.nd, &rp));

	/* not split: the whole frame, padding included */
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_DISABLED;
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));
	p = rx_padded(&t, 1000, &len);
	T_ASSERT(!(p.flags & NM_RX_F_SPLIT));
	T_EQ(p.len, len);
	T_EQ(held(&p), len);
	nm_rx_pkt_release(&p);

	rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;
	rp.hds_thresh = 0;
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));

	/* payload copied into host buffers (no loan), then lent in place */
	T_OK(nm_netdev_set_features(t.nd, NM_NETIF_F_RX_LOAN, 0));
	split_case(&t, 1000, 0);
	T_OK(nm_netdev_set_features(t.nd, NM_NETIF_F_RX_LOAN, NM_NETIF_F_RX_LOAN));
	split_case(&t, 1000, 0);
	{
		struct nm_queue_stats st;

		T_OK(nm_netdev_get_rxq_stats(t.nd, 0, &st, sizeof(st)));
		T_EQ(st.rx_loaned, 1);
	}

	/* payload in device memory */
	T_OK(nm_dmabuf_create_device(t.gpu, 4 << 20, &buf));
	T_OK(nm_dmabuf_binding_create(buf, t.nic, NM_DMA_FROM_DEVICE, 4096, &b));
	T_OK(nm_netdev_rxq_bind_dmabuf(t.nd, 0, b));
	split_case(&t, 1000, NM_RX_F_UNREADABLE);
	T_OK(nm_netdev_rxq_set_provider(t.nd, 0, NULL, NULL));
	T_OK(nm_dmabuf_binding_unbind(b));
	nm_dmabuf_put(buf);

	t_nic_down(&t);
	T_PASS();
}
