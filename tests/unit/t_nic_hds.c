/* Header split: headers land in host memory, payload in the payload pool
 * (host pages, then device memory through a dma-buf binding, checked
 * through the exporter's CPU window); hds-thresh keeps small payloads with
 * the headers; frames that are not TCP/UDP go whole into host memory. */
#include "t_net.h"
#include "nic/netdev_drv.h"
#include "pool/memory_provider.h"
#include "pool/page_pool.h"
#include <netmem/dmabuf.h>

static struct nm_rx_pkt pkts[64];

static int rx(struct t_nic *t, uint32_t q)
{
	T_OK(nm_netdev_poll(t->nd, 64));
	return T_OK(nm_netdev_rx_poll(t->nd, q, pkts, 64));
}

/* The payload bytes of pkt, read as the application would. */
static void check_payload_host(const struct nm_rx_pkt *p, uint64_t stream_off, uint32_t len)
{
	uint8_t want[9000];
	uint32_t got = 0;

	t_pat_fill(want, len, stream_off);
	for (uint32_t i = 0; i < p->nr_frags; i++) {
		const uint8_t *a = nm_netmem_address(p->frags[i].netmem);

		T_ASSERT(a);
		T_ASSERT(!memcmp(a + p->frags[i].off, want + got, p->frags[i].len));
		got += p->frags[i].len;
	}
	T_EQ(got, len);
}

static void check_payload_dev(struct nm_dmabuf *buf, const struct nm_rx_pkt *p,
			      uint64_t stream_off, uint32_t len)
{
	uint8_t want[9000];
	uint32_t got = 0;

	t_pat_fill(want, len, stream_off);
	T_ASSERT(p->flags & NM_RX_F_UNREADABLE);
	for (uint32_t i = 0; i < p->nr_frags; i++) {
		struct nm_net_iov *niov = nm_netmem_to_net_iov(p->frags[i].netmem);
		uint64_t off = nm_net_iov_offset(niov) + p->frags[i].off;
		void *w;

		T_ASSERT(niov);
		T_ASSERT(nm_netmem_address(p->frags[i].netmem) == NULL);
		T_OK(nm_dmabuf_begin_cpu_access(buf, off, p->frags[i].len, NM_DMA_FROM_DEVICE, &w));
		T_ASSERT(!memcmp(w, want + got, p->frags[i].len));
		T_OK(nm_dmabuf_end_cpu_access(buf, off, p->frags[i].len, NM_DMA_FROM_DEVICE));
		got += p->frags[i].len;
	}
	T_EQ(got, len);
}

static void check_hdr(const struct nm_rx_pkt *p, const uint8_t *frame, uint32_t hdr_len)
{
	const uint8_t *h = nm_netmem_address(p->hdr);

	T_ASSERT(h);
	T_EQ(p->hdr_len, hdr_len);
	T_ASSERT(!memcmp(h + p->hdr_off, frame, hdr_len));
}

int main(void)
{
	struct t_nic t;
	struct t_flow f;
	uint8_t frame[10000];
	uint32_t len;
	struct nm_ringparam rp;

	t_nic_up(&t, 1, 9000, false);
	t_flow_v4(&f, 0xc6120001, 0xc6120002, 5000, 6000);	/* 198.18.0.1 -> .2 */

	/* host pages: 1448 bytes of payload behind 66 bytes of headers */
	len = t_flow_frame(frame, &f, 1448, 12);
	T_OK(t_wire_send(t.b, frame, len, NULL));
	T_EQ(rx(&t, 0), 1);
	T_ASSERT(pkts[0].flags & NM_RX_F_SPLIT);
	T_ASSERT(pkts[0].flags & NM_RX_F_CSUM_OK);
	T_ASSERT(!(pkts[0].flags & NM_RX_F_UNREADABLE));
	T_EQ(pkts[0].len, len);
	check_hdr(&pkts[0], frame, 66);
	check_payload_host(&pkts[0], 0, 1448);
	nm_rx_pkt_release(&pkts[0]);

	/* hds-thresh 256: a 200-byte payload stays with the headers */
	T_OK(nm_netdev_get_ringparam(t.nd, &rp));
	rp.hds_thresh = 256;
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));
	f.seq = 1448;
	len = t_flow_frame(frame, &f, 200, 12);
	T_OK(t_wire_send(t.b, frame, len, NULL));
	T_EQ(rx(&t, 0), 1);
	T_ASSERT(!(pkts[0].flags & NM_RX_F_SPLIT));
	check_hdr(&pkts[0], frame, len);
	T_EQ(pkts[0].nr_frags, 0);
	nm_rx_pkt_release(&pkts[0]);
	/* ... and a 257-byte one is split */
	len = t_flow_frame(frame, &f, 257, 12);
	T_OK(t_wire_send(t.b, frame, len, NULL));
	T_EQ(rx(&t, 0), 1);
	T_ASSERT(pkts[0].flags & NM_RX_F_SPLIT);
	nm_rx_pkt_release(&pkts[0]);

	/* a non-IP frame goes whole into host memory */
	memset(frame, 0, 60);
	memcpy(frame, t_mac_b, 6);
	frame[12] = 0x88;
	frame[13] = 0xb5;	/* local experimental ethertype */
	T_OK(t_wire_send(t.b, frame, 60, NULL));
	T_EQ(rx(&t, 0), 1);
	T_ASSERT(!(pkts[0].flags & NM_RX_F_SPLIT));
	check_hdr(&pkts[0], frame, 60);
	nm_rx_pkt_release(&pkts[0]);

	/* an unreadable provider needs hds-thresh 0 */
	struct nm_dmabuf *buf;
	struct nm_dmabuf_binding *b;
	T_OK(nm_dmabuf_create_device(t.gpu, 4 << 20, &buf));
	T_OK(nm_dmabuf_binding_create(buf, t.nic, NM_DMA_FROM_DEVICE, 4096, &b));
	T_ERR(nm_netdev_rxq_bind_dmabuf(t.nd, 0, b), -EINVAL);
	T_ERR(nm_netdev_rxq_bind_dmabuf(t.nd, 0, NULL), -EINVAL);
	T_ERR(nm_netdev_rxq_bind_dmabuf(NULL, 0, b), -EINVAL);
	rp.hds_thresh = 0;
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));
	T_OK(nm_netdev_rxq_bind_dmabuf(t.nd, 0, b));
	T_ERR(nm_netdev_rxq_bind_dmabuf(t.nd, 0, b), -EEXIST);
	rp.hds_thresh = 10;
	T_ERR(nm_netdev_set_ringparam(t.nd, &rp), -EINVAL);
	rp.hds_thresh = 0;
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_DISABLED;
	T_ERR(nm_netdev_set_ringparam(t.nd, &rp), -EINVAL);

	/* payloads of 1448, 9000-14-40-20... and 1 byte land in device memory */
	uint32_t sizes[] = { 1448, 8948, 1, 4096, 1448, 1448 };
	uint64_t off = 0;
	for (size_t i = 0; i < NM_ARRAY_SIZE(sizes); i++) {
		f.seq = (uint32_t)off;
		len = t_flow_frame(frame, &f, sizes[i], 0);
		T_OK(t_wire_send(t.b, frame, len, NULL));
		off += sizes[i];
	}
	T_EQ(rx(&t, 0), (int)NM_ARRAY_SIZE(sizes));
	off = 0;
	for (size_t i = 0; i < NM_ARRAY_SIZE(sizes); i++) {
		T_ASSERT(pkts[i].flags & NM_RX_F_SPLIT);
		T_EQ(pkts[i].hdr_len, 54);
		T_ASSERT(nm_netmem_is_readable(pkts[i].hdr));
		check_payload_dev(buf, &pkts[i], off, sizes[i]);
		off += sizes[i];
	}
	/* the stack never maps device memory: the pool says unreadable */
	struct nm_page_pool_info info;
	T_OK(nm_page_pool_get_info(nm_netdev_rxq_payload_pool(t.nd, 0), &info));
	T_ASSERT(info.unreadable);
	for (size_t i = 0; i < NM_ARRAY_SIZE(sizes); i++)
		nm_rx_pkt_release(&pkts[i]);

	/* remove the provider; the binding's net_iovs all come back */
	T_OK(nm_netdev_rxq_set_provider(t.nd, 0, NULL, NULL));
	T_EQ(nm_dmabuf_binding_avail(b), nm_dmabuf_binding_num_niovs(b));
	T_OK(nm_dmabuf_binding_unbind(b));
	nm_dmabuf_put(buf);
	t_nic_down(&t);
	T_PASS();
}
