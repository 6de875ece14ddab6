/* >= 10^6 random and mutated frames through the NIC (steering, checksum,
 * header split into host and device memory): every frame is either
 * received or dropped and counted, nothing crashes (the .asan build runs
 * the same count), nothing leaks.  Each frame's fate is predicted from
 * the parser and the checksum primitives (nm_pkt_parse, nm_csum_*_verify,
 * themselves checked against independent references in t_pkt_* tests),
 * and the NIC's counts must match exactly: malformed, too long, bad
 * checksum (IPv4 header or TCP/UDP), verified good, received. */
#include "t_net.h"
#include "t_devmem.h"
#include "nic/netdev_drv.h"
#include "pool/memory_provider.h"
#include <netmem/dmabuf.h>

#define FRAMES 1000000

/* What the NIC must do with a frame (see rx_classify / rx_csum_buf). */
enum fate { F_MALFORMED, F_TOO_LONG, F_BAD_CSUM, F_GOOD, F_GOOD_VERIFIED, F_NR };

static enum fate predict(const uint8_t *fr, uint32_t len, uint32_t mtu)
{
	struct nm_pkt_info info;

	if (nm_pkt_parse(fr, len, &info))
		return F_MALFORMED;
	if (len > mtu + info.l2_len)
		return F_TOO_LONG;
	if (info.l3_proto == 4 && nm_csum_ipv4_verify(fr, len, &info) < 0)
		return F_BAD_CSUM;
	if (info.is_fragment || !info.l4_hdr_len ||
	    (info.l4_proto != NM_IPPROTO_TCP && info.l4_proto != NM_IPPROTO_UDP))
		return F_GOOD;		/* no L4 checksum for the NIC to check */
	return nm_csum_l4_verify(fr, len, &info) < 0 ? F_BAD_CSUM : F_GOOD_VERIFIED;
}

static uint32_t mutate(uint8_t *fr, uint32_t len, uint64_t *seed)
{
	switch (t_rand(seed) % 6) {
	case 0:	/* bit flips */
		for (int k = 1 + (int)(t_rand(seed) % 4); k; k--)
			fr[t_rand(seed) % len] ^= (uint8_t)(1u << (t_rand(seed) % 8));
		return len;
	case 1:	/* truncation */
		return 1 + (uint32_t)(t_rand(seed) % len);
	case 2:	/* a length field lies: IPv4 total length / IPv6 payload length */
		fr[14 + 2 + (fr[12] == 0x86 ? 2 : 0)] = (uint8_t)t_rand(seed);
		fr[14 + 3 + (fr[12] == 0x86 ? 2 : 0)] = (uint8_t)t_rand(seed);
		return len;
	case 3:	/* garbage in the TCP options / L4 header */
		for (uint32_t i = 34; i < 34 + 40 && i < len; i++)
			if (t_rand(seed) & 1)
				fr[i] = (uint8_t)t_rand(seed);
		return len;
	case 4:	/* header bytes, then checksums made right again */
		fr[14 + (t_rand(seed) % 40)] = (uint8_t)t_rand(seed);
		{
			struct nm_pkt_info info;

			if (!nm_pkt_parse(fr, len, &info)) {
				if (info.l3_proto == 4)
					nm_csum_ipv4_fill(fr, len, &info);
				nm_csum_l4_fill(fr, len, &info);
			}
		}
		return len;
	default:
		return len;	/* valid */
	}
}

int main(void)
{
	static uint8_t frame[10000];
	struct nm_rx_pkt pkts[64];
	struct t_nic t;
	struct t_flow f;
	struct nm_dmabuf *buf;
	struct nm_dmabuf_binding *b;
	uint64_t seed = 0x5eed, sent = 0, rcvd = 0;
	uint64_t want[F_NR] = { 0 };

	t_nic_up(&t, 2, 9000, false);
	T_OK(nm_dmabuf_create_device(t.gpu, 8 << 20, &buf));
	T_OK(nm_dmabuf_binding_create(buf, t.nic, NM_DMA_FROM_DEVICE, 4096, &b));
	T_OK(nm_netdev_rxq_bind_dmabuf(t.nd, 1, b));

	for (uint64_t i = 0; i < FRAMES; i++) {
		uint32_t len;

		if (t_rand(&seed) % 4 == 0) {
			len = 1 + (uint32_t)(t_rand(&seed) % 9018);
			for (uint32_t k = 0; k < len; k += 8) {
				uint64_t r = t_rand(&seed);
				memcpy(frame + k, &r, 8);
			}
		} else {
			t_flow_v4(&f, 0xc6120000 | (uint32_t)(t_rand(&seed) & 0xff), 0xc6120001,
				  (uint16_t)t_rand(&seed), (uint16_t)t_rand(&seed));
			f.v6 = t_rand(&seed) & 1;
			f.udp = (t_rand(&seed) % 3) == 0;
			len = t_flow_frame(frame, &f, (uint32_t)(t_rand(&seed) % 3000),
				      f.udp ? 0 : 4 * (uint32_t)(t_rand(&seed) % 11));
			len = mutate(frame, len, &seed);
		}
		if (t_wire_send(t.b, frame, len, NULL) == 0) {
			sent++;
			want[predict(frame, len, 9000)]++;
		}
		if ((i & 31) == 31 || i == FRAMES - 1) {
			while (nm_netdev_poll(t.nd, 256) > 0)
				;
			for (uint32_t q = 0; q < 2; q++) {
				int n;

				while ((n = T_OK(nm_netdev_rx_poll(t.nd, q, pkts, 64))) > 0) {
					for (int k = 0; k < n; k++)
						nm_rx_pkt_release(&pkts[k]);
					rcvd += (uint64_t)n;
				}
			}
		}
	}
	struct nm_queue_stats st;
	uint64_t drops = 0;
	T_OK(nm_netdev_get_stats(t.nd, &st, sizeof(st)));
	for (int i = 0; i < NM_RX_DROP_MAX; i++) {
		printf("%-12s %llu\n", nm_rx_drop_name(i), (unsigned long long)st.drops[i]);
		drops += st.drops[i];
	}
	printf("sent %llu received %llu; predicted: malformed %llu, too long %llu, bad checksum "
	       "%llu, good %llu (%llu with an L4 checksum)\n", (unsigned long long)sent,
	       (unsigned long long)rcvd, (unsigned long long)want[F_MALFORMED],
	       (unsigned long long)want[F_TOO_LONG], (unsigned long long)want[F_BAD_CSUM],
	       (unsigned long long)(want[F_GOOD] + want[F_GOOD_VERIFIED]),
	       (unsigned long long)want[F_GOOD_VERIFIED]);
	T_ASSERT(sent >= FRAMES * 99 / 100);
	T_EQ(st.packets, rcvd);
	T_EQ(rcvd + drops, sent);
	T_EQ(st.drops[NM_RX_DROP_NO_BUFFER] + st.drops[NM_RX_DROP_QUEUE_FULL] +
		     st.drops[NM_RX_DROP_DMA], 0);
	T_EQ(st.drops[NM_RX_DROP_MALFORMED], want[F_MALFORMED]);
	T_EQ(st.drops[NM_RX_DROP_TOO_LONG], want[F_TOO_LONG]);
	T_EQ(st.drops[NM_RX_DROP_BAD_CSUM], want[F_BAD_CSUM]);
	T_EQ(st.csum_bad, want[F_BAD_CSUM]);
	T_EQ(st.csum_ok, want[F_GOOD_VERIFIED]);
	T_EQ(rcvd, want[F_GOOD] + want[F_GOOD_VERIFIED]);
	T_ASSERT(want[F_MALFORMED] > 0 && want[F_BAD_CSUM] > 0 && want[F_GOOD_VERIFIED] > 0);
	T_ASSERT(rcvd > FRAMES / 4);

	t_rx_idle(t.nd);	/* no frame, dropped or received, kept a buffer */
	T_OK(nm_netdev_rxq_set_provider(t.nd, 1, NULL, NULL));
	T_EQ(nm_dmabuf_binding_avail(b), nm_dmabuf_binding_num_niovs(b));
	T_OK(nm_dmabuf_binding_unbind(b));
	nm_dmabuf_put(buf);
	t_nic_down(&t);
	T_PASS();
}
