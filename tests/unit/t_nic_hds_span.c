/* Regression (review): a split header that did not fit in the rest of the
 * current header buffer was spread over two buffers, leaving part of the
 * header as a readable frag in front of device-memory frags (a packet
 * mixing host and device payload; the stack dropped it).  Headers now stay
 * whole in one buffer. */
#include "t_net.h"
#include "nic/netdev_drv.h"
#include "pool/memory_provider.h"
#include <netmem/dmabuf.h>

int main(void)
{
	struct t_nic t;
	struct t_flow f;
	struct nm_dmabuf *buf;
	struct nm_dmabuf_binding *b;
	struct nm_rx_pkt p[64];
	uint8_t frame[2048];

	t_nic_up(&t, 1, 1500, false);
	T_OK(nm_dmabuf_create_device(t.gpu, 4 << 20, &buf));
	T_OK(nm_dmabuf_binding_create(buf, t.nic, NM_DMA_FROM_DEVICE, 4096, &b));
	T_OK(nm_netdev_rxq_bind_dmabuf(t.nd, 0, b));
	for (int round = 0; round < 4; round++) {
		/* a 60-byte non-IP frame shifts the header position by 64 */
		memset(frame, 0, 60);
		memcpy(frame, t_mac_b, 6);
		frame[12] = 0x88;
		frame[13] = 0xb5;
		T_OK(t_wire_send(t.b, frame, 60, NULL));
		t_flow_v4(&f, 0xc6120001, 0xc6120002, 1, 2);
		for (int i = 0; i < 40; i++) {
			f.seq = (uint32_t)i * 100;
			uint32_t len = t_flow_frame(frame, &f, 100, 12);	/* 66-byte headers */
			T_OK(t_wire_send(t.b, frame, len, NULL));
		}
		T_EQ(nm_netdev_poll(t.nd, 64), 41);
		T_EQ(nm_netdev_rx_poll(t.nd, 0, p, 64), 41);
		T_ASSERT(!(p[0].flags & NM_RX_F_SPLIT));
		for (int i = 1; i < 41; i++) {
			T_ASSERT(p[i].flags & NM_RX_F_SPLIT);
			T_ASSERT(p[i].flags & NM_RX_F_UNREADABLE);
			T_EQ(p[i].hdr_len, 66);
			T_ASSERT(p[i].hdr_off + 66 <= 4096);
			for (int k = 0; k < p[i].nr_frags; k++)
				T_ASSERT(nm_netmem_is_net_iov(p[i].frags[k].netmem));
		}
		for (int i = 0; i < 41; i++)
			nm_rx_pkt_release(&p[i]);
	}
	T_OK(nm_netdev_rxq_set_provider(t.nd, 0, NULL, NULL));
	T_OK(nm_dmabuf_binding_unbind(b));
	nm_dmabuf_put(buf);
	t_nic_down(&t);
	T_PASS();
}
