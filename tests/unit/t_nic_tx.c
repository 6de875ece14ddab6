/* Transmit: the NIC gathers host headers and payload by DMA read (host
 * memory mapped for it, or device memory of a TX dma-buf binding), fills
 * checksums (NEEDS_CSUM) and segments TSO frames into MTU-sized ones on a
 * wire that carries no GSO. */
#include "t_net.h"
#include "nic/netdev_drv.h"
#include "pool/memory_provider.h"
#include <netmem/dma.h>
#include <netmem/dmabuf.h>

static uint8_t frame[70000], got[70000];

/* Receive one frame from the peer end. */
static uint32_t peer_recv(struct t_nic *t)
{
	struct iovec iov = { got, sizeof(got) };
	struct nm_wire_meta meta;
	int r = nm_wire_rx_copy(t->b, &iov, 1, &meta);

	T_ASSERT(r > 0);
	return (uint32_t)r;
}

/* Headers with the checksum field seeded CHECKSUM_PARTIAL-style. */
static void seed_partial(uint8_t *hdr, const struct nm_pkt_info *info, uint32_t l4_len)
{
	uint32_t ps = info->l3_proto == 4
		? nm_csum_pseudo_v4(info->src_addr + 12, info->dst_addr + 12, info->l4_proto, l4_len)
		: nm_csum_pseudo_v6(info->src_addr, info->dst_addr, info->l4_proto, l4_len);
	uint32_t field = info->l4_off + (uint32_t)nm_csum_l4_field(info);

	nm_csum_st16(hdr + field, (uint16_t)~nm_csum_fold(ps));
}

int main(void)
{
	struct t_nic t;
	struct t_flow f;
	struct nm_memobj *host;
	struct nm_dma_mapping *map;
	struct nm_phyr p;
	struct nm_pkt_info info;
	struct nm_tx_pkt pkt = { 0 };
	uint32_t len;

	t_nic_up(&t, 1, 1500, false);
	T_OK(nm_memobj_create_anon(1 << 20, 0, &host));
	T_EQ(nm_memobj_get_phyrs(host, 0, 1 << 20, &p, 1), 1);
	T_OK(nm_dma_map(t.nic, &p, 1, NM_DMA_TO_DEVICE, 0, &map));
	uint64_t base = nm_dma_mapping_vecs(map, NULL)[0].addr;
	uint8_t *hp = nm_memobj_host_addr(host);

	/* one frame, checksum filled by the NIC */
	t_flow_v4(&f, 0xc6120002, 0xc6120001, 9000, 9001);
	len = t_flow_frame(frame, &f, 1000, 12);
	T_OK(nm_pkt_parse(frame, len, &info));
	uint8_t hdr[128];
	memcpy(hdr, frame, info.hdr_len);
	seed_partial(hdr, &info, len - info.l4_off);
	memcpy(hp, frame + info.hdr_len, 1000);
	pkt.hdr = hdr;
	pkt.hdr_len = info.hdr_len;
	pkt.nr_frags = 2;	/* two pieces */
	pkt.frags[0] = (struct nm_tx_frag){ base, 333 };
	pkt.frags[1] = (struct nm_tx_frag){ base + 333, 667 };
	pkt.meta.flags = NM_WIRE_F_NEEDS_CSUM;
	pkt.meta.csum_start = (uint16_t)info.l4_off;
	pkt.meta.csum_offset = (uint16_t)nm_csum_l4_field(&info);
	T_OK(nm_netdev_xmit(t.nd, 0, &pkt));
	T_EQ(peer_recv(&t), len);
	T_ASSERT(!memcmp(got, frame, len));	/* identical, checksum included */

	/* TSO: 64000 bytes of payload become 1448-byte segments */
	uint32_t plen = 64000, mss = 1448;
	f.seq = 1000;
	len = t_flow_frame(frame, &f, plen, 12);
	T_OK(nm_pkt_parse(frame, len, &info));
	memcpy(hdr, frame, info.hdr_len);
	seed_partial(hdr, &info, len - info.l4_off);
	memcpy(hp, frame + info.hdr_len, plen);
	pkt.nr_frags = 1;
	pkt.frags[0] = (struct nm_tx_frag){ base, plen };
	pkt.meta.gso_type = NM_WIRE_GSO_TCPV4;
	pkt.meta.gso_size = (uint16_t)mss;
	T_OK(nm_netdev_xmit(t.nd, 0, &pkt));
	uint32_t segs = (plen + mss - 1) / mss, total = 0;
	for (uint32_t i = 0; i < segs; i++) {
		uint32_t n = peer_recv(&t);
		struct nm_pkt_info si;

		T_OK(nm_pkt_parse(got, n, &si));
		T_EQ(si.payload_len, i + 1 < segs ? mss : plen - mss * (segs - 1));
		T_EQ(si.tcp_seq, 1000 + i * mss);
		T_EQ(nm_csum_ipv4_verify(got, n, &si), 0);
		T_EQ(nm_csum_l4_verify(got, n, &si), 0);
		T_ASSERT(!memcmp(got + si.payload_off, frame + info.hdr_len + total, si.payload_len));
		T_ASSERT(n <= 1514);
		total += si.payload_len;
	}
	T_EQ(total, plen);
	struct nm_queue_stats st;
	T_OK(nm_netdev_get_txq_stats(t.nd, 0, &st, sizeof(st)));
	T_EQ(st.tx_packets, 2);
	T_EQ(st.tx_frames, 1 + segs);

	/* payload from device memory: a dma-buf bound for TX */
	struct nm_dmabuf *buf;
	struct nm_dmabuf_binding *b;
	void *w;
	T_OK(nm_dmabuf_create_device(t.gpu, 1 << 20, &buf));
	T_OK(nm_dmabuf_binding_create(buf, t.nic, NM_DMA_TO_DEVICE, 4096, &b));
	T_OK(nm_dmabuf_begin_cpu_access(buf, 8192, 1000, NM_DMA_TO_DEVICE, &w));
	memcpy(w, frame + info.hdr_len, 1000);
	T_OK(nm_dmabuf_end_cpu_access(buf, 8192, 1000, NM_DMA_TO_DEVICE));
	struct nm_net_iov *niov;
	T_OK(nm_dmabuf_binding_niov_at(b, 8192, &niov));
	f.seq = 1000;
	len = t_flow_frame(frame, &f, 1000, 12);
	memcpy(hdr, frame, info.hdr_len);
	pkt.nr_frags = 1;
	pkt.frags[0] = (struct nm_tx_frag){ nm_net_iov_dma_addr(niov), 1000 };
	pkt.meta = (struct nm_wire_meta){ 0 };	/* checksum already right */
	T_OK(nm_netdev_xmit(t.nd, 0, &pkt));
	T_EQ(peer_recv(&t), len);
	T_ASSERT(!memcmp(got, frame, len));

	/* errors */
	pkt.frags[0].dma_addr = 0x1000;	/* not mapped */
	T_ERR(nm_netdev_xmit(t.nd, 0, &pkt), -EFAULT);
	pkt.frags[0] = (struct nm_tx_frag){ base, 3000 };	/* above the MTU, no TSO asked */
	T_ERR(nm_netdev_xmit(t.nd, 0, &pkt), -EMSGSIZE);
	T_ERR(nm_netdev_xmit(t.nd, 1, &pkt), -ERANGE);
	/* regression (review): lengths summing past 2^32 wrapped and passed */
	pkt.nr_frags = 2;
	pkt.frags[0] = (struct nm_tx_frag){ base, 0xF0000000u };
	pkt.frags[1] = (struct nm_tx_frag){ base, 0x10000100u };
	T_ERR(nm_netdev_xmit(t.nd, 0, &pkt), -EMSGSIZE);
	pkt.frags[0] = (struct nm_tx_frag){ base, 40000 };
	pkt.frags[1] = (struct nm_tx_frag){ base, 40000 };
	T_ERR(nm_netdev_xmit(t.nd, 0, &pkt), -EMSGSIZE);
	pkt.nr_frags = 1;
	pkt.frags[0] = (struct nm_tx_frag){ base, 3000 };
	T_ERR(nm_netdev_xmit(NULL, 0, &pkt), -EINVAL);
	pkt.hdr_len = 3;
	T_ERR(nm_netdev_xmit(t.nd, 0, &pkt), -EINVAL);
	pkt.hdr_len = info.hdr_len;
	pkt.nr_frags = 99;
	T_ERR(nm_netdev_xmit(t.nd, 0, &pkt), -EINVAL);

	T_OK(nm_dmabuf_binding_unbind(b));
	nm_dmabuf_put(buf);
	T_OK(nm_dma_unmap(map));
	nm_memobj_put(host);
	t_nic_down(&t);
	T_PASS();
}
