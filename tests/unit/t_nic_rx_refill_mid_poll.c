/* SPDX-License-Identifier: MIT */
/*
 * A poll whose frames need more buffers than the RX ring has posted: the
 * NIC posts more in the middle of the poll instead of dropping (the ring
 * used to be refilled only at the top of nm_netdev_poll(), so the rest of
 * the burst was dropped for no_buffer while the pool had plenty).  A pool
 * that is really dry still drops, counted, and the next poll after the
 * application returns buffers receives again.
 */
#include "t_net.h"
#include "nic/netdev_drv.h"
#include "pool/memory_provider.h"
#include <netmem/dmabuf.h>

#define FRAMES	48
#define PAY	8900		/* > two 4 KiB buffers a frame */

static uint64_t drops_no_buffer(struct t_nic *t)
{
	struct nm_queue_stats st;

	T_OK(nm_netdev_get_rxq_stats(t->nd, 0, &st, sizeof(st)));
	return st.drops[NM_RX_DROP_NO_BUFFER];
}

/* Send n frames of flow f, poll once with a budget for all of them. */
static int burst(struct t_nic *t, struct t_flow *f, int n)
{
	static uint8_t frame[9100];

	for (int i = 0; i < n; i++) {
		uint32_t len = t_flow_frame(frame, f, PAY, 0);

		T_OK(t_wire_send(t->b, frame, len, NULL));
		f->seq += PAY;
	}
	return nm_netdev_poll(t->nd, (uint32_t)n);
}

/* Host pages: every frame arrives, split, payload intact. */
static void host_burst(struct t_nic *t)
{
	static struct nm_rx_pkt p[FRAMES];
	struct t_flow f;
	uint8_t want[PAY];

	t_flow_v4(&f, 0xc6120001, 0xc6120002, 1, 2);
	T_EQ(burst(t, &f, FRAMES), FRAMES);
	T_EQ(drops_no_buffer(t), 0);
	T_EQ(nm_netdev_rx_poll(t->nd, 0, p, FRAMES), FRAMES);
	for (int i = 0; i < FRAMES; i++) {
		uint32_t got = 0;

		T_ASSERT(p[i].flags & NM_RX_F_SPLIT);
		t_pat_fill(want, PAY, (uint64_t)i * PAY);
		for (int k = 0; k < p[i].nr_frags; k++) {
			const struct nm_rx_frag *fr = &p[i].frags[k];

			T_ASSERT(got + fr->len <= PAY);
			T_ASSERT(!memcmp((uint8_t *)nm_netmem_address(fr->netmem) + fr->off,
					 want + got, fr->len));
			got += fr->len;
		}
		T_EQ(got, PAY);
		nm_rx_pkt_release(&p[i]);
	}
}

/* Device memory of 24 chunks: a burst needing ~105 drops what does not
 * fit, and counts it; released chunks let the next burst in. */
static void dry_burst(struct t_nic *t)
{
	static struct nm_rx_pkt p[FRAMES];
	struct nm_dmabuf *buf;
	struct nm_dmabuf_binding *b;
	struct t_flow f;
	int n;

	T_OK(nm_dmabuf_create_device(t->gpu, 24 * 4096, &buf));
	T_OK(nm_dmabuf_binding_create(buf, t->nic, NM_DMA_FROM_DEVICE, 4096, &b));
	T_OK(nm_netdev_rxq_bind_dmabuf(t->nd, 0, b));
	t_flow_v4(&f, 0xc6120001, 0xc6120002, 3, 4);
	T_EQ(burst(t, &f, FRAMES), FRAMES);
	n = nm_netdev_rx_poll(t->nd, 0, p, FRAMES);
	T_ASSERT(n >= 8 && n <= 11);		/* ~2.2 chunks a frame */
	T_EQ(drops_no_buffer(t), (uint64_t)(FRAMES - n));
	for (int i = 0; i < n; i++)
		nm_rx_pkt_release(&p[i]);
	T_EQ(burst(t, &f, 4), 4);
	T_EQ(nm_netdev_rx_poll(t->nd, 0, p, FRAMES), 4);
	T_EQ(drops_no_buffer(t), (uint64_t)(FRAMES - n));
	for (int i = 0; i < 4; i++)
		nm_rx_pkt_release(&p[i]);
	T_OK(nm_netdev_rxq_set_provider(t->nd, 0, NULL, NULL));
	T_OK(nm_dmabuf_binding_unbind(b));
	nm_dmabuf_put(buf);
}

int main(void)
{
	struct nm_ringparam rp;
	struct t_nic t;

	t_nic_up(&t, 1, 9000, false);
	T_OK(nm_netdev_get_ringparam(t.nd, &rp));
	rp.rx = 64;		/* the smallest ring: ~29 such frames */
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));
	host_burst(&t);
	host_burst(&t);
	dry_burst(&t);
	t_nic_down(&t);
	T_PASS();
}
