/* TSO: a 64 KiB TCP super-frame (IPv4, and IPv6 with an extension header)
 * cut into 1448-byte segments with only its headers readable: the payload
 * sits in a separate "device" buffer that the test's stand-in DMA engine
 * copies and sums.  Every produced frame re-parses with nm_pkt_parse and
 * has correct IPv4 and TCP checksums, lengths, ids, sequence numbers
 * (wrapping), flags (FIN/PSH last only, CWR first only) and options, and
 * the payloads concatenate to the original.  Segments built in reverse
 * order are identical; CSUM_PARTIAL segments complete to the same frames;
 * bad super-frames and arguments are refused. */
#include <errno.h>

#include "t_util.h"
#include "t_frame.h"
#include "nic/csum.h"
#include "nic/tso.h"
#include "nic/wire_drv.h"
#include "util/err.h"

#define MSS 1448

static uint8_t super[70000], seg[70000], seg2[70000], joined[70000];
static uint8_t fwd_hdr[64][128];

/* The stand-in DMA engine: copy device bytes and sum them on the way. */
static uint32_t dma_read_sum(uint8_t *dst, const uint8_t *dev, uint32_t len)
{
	memcpy(dst, dev, len);
	return nm_csum_partial(dst, len, 0);
}

static void run(const char *name, struct t_frame f, uint8_t gso_type)
{
	struct nm_tso t;
	struct nm_pkt_info sin, in;
	uint32_t len = t_build(super, sizeof(super), &f), hdr_len, total = 0;
	uint8_t hdr[256];
	const uint8_t *dev;		/* payload, "in device memory" */

	T_ASSERT(len > 0);
	T_OK(nm_pkt_parse(super, len, &sin));
	hdr_len = sin.hdr_len;
	memcpy(hdr, super, hdr_len);	/* only the headers are readable */
	dev = super;			/* frame offsets index device memory */

	T_OK(nm_tso_prepare(&t, hdr, hdr_len, len, gso_type, MSS));
	T_EQ(t.hdr_len, hdr_len);
	T_EQ(t.payload_len, f.payload_len);
	T_EQ(t.nr_segs, (f.payload_len + MSS - 1) / MSS);

	for (uint32_t i = 0; i < t.nr_segs; i++) {
		struct nm_tso_seg s;
		uint32_t off, plen, sum, want_len;
		bool first = i == 0, last = i + 1 == t.nr_segs;

		T_OK(nm_tso_seg_range(&t, i, &off, &plen));
		want_len = last ? f.payload_len - i * MSS : MSS;
		T_EQ(plen, want_len);
		T_EQ(off, hdr_len + i * MSS);
		sum = dma_read_sum(seg + hdr_len, dev + off, plen);
		T_OK(nm_tso_segment(&t, i, sum, 0, seg, sizeof(seg), &s));
		T_EQ(s.index, i);
		T_EQ(s.payload_off, off);
		T_EQ(s.payload_len, plen);
		T_EQ(s.hdr_len, hdr_len);
		T_EQ(s.frame_len, hdr_len + plen);
		T_EQ(s.last, last);

		if (nm_pkt_parse(seg, s.frame_len, &in) != 0 || in.drop_reason != NM_PKT_OK)
			T_FAIL("%s seg %u: %s", name, i, nm_last_error());
		T_EQ(in.hdr_len, hdr_len);
		T_EQ(in.payload_len, plen);
		T_EQ(in.pad_len, 0);
		T_EQ(in.l3_proto, sin.l3_proto);
		T_EQ(memcmp(in.src_addr, sin.src_addr, 16), 0);
		T_EQ(memcmp(in.dst_addr, sin.dst_addr, 16), 0);
		T_EQ(in.src_port, sin.src_port);
		T_EQ(in.dst_port, sin.dst_port);
		T_EQ(in.tcp_ack, sin.tcp_ack);
		T_EQ(in.tcp_seq, (uint32_t)(sin.tcp_seq + i * MSS));
		T_EQ(in.tcp_opts, sin.tcp_opts);
		T_EQ(in.tcp_tsval, sin.tcp_tsval);
		T_EQ(in.tcp_flags & NM_TCP_ACK, NM_TCP_ACK);
		T_EQ(!!(in.tcp_flags & NM_TCP_FIN), last && (sin.tcp_flags & NM_TCP_FIN));
		T_EQ(!!(in.tcp_flags & NM_TCP_PSH), last && (sin.tcp_flags & NM_TCP_PSH));
		T_EQ(!!(in.tcp_flags & NM_TCP_CWR), first && (sin.tcp_flags & NM_TCP_CWR));
		T_EQ(!!(in.tcp_flags & NM_TCP_ECE), !!(sin.tcp_flags & NM_TCP_ECE));
		if (in.l3_proto == 4) {
			T_OK(nm_csum_ipv4_verify(seg, s.frame_len, &in));
			T_EQ(in.ip_id, (uint16_t)(sin.ip_id + i));
			T_EQ(t_get16(seg + in.l3_off + 2), in.l3_len + in.l4_hdr_len + plen);
		} else {
			T_EQ(in.ipv6_nr_ext, sin.ipv6_nr_ext);
			T_EQ(t_get16(seg + in.l3_off + 4), in.l3_len - 40 + in.l4_hdr_len + plen);
		}
		if (nm_csum_l4_verify(seg, s.frame_len, &in) != NM_CSUM_OK)
			T_FAIL("%s seg %u: %s", name, i, nm_last_error());
		/* and against the independent reference */
		T_EQ(t_ref_csum(seg + in.l4_off, in.l3_end - in.l4_off,
				in.l3_proto == 4
					? t_ref_pseudo(4, in.src_addr + 12, in.dst_addr + 12, 6,
						       in.l3_end - in.l4_off)
					: t_ref_pseudo(6, in.src_addr, in.dst_addr, 6,
						       in.l3_end - in.l4_off)),
		     0);
		T_ASSERT(i < 64 && hdr_len <= 128);
		memcpy(fwd_hdr[i], seg, hdr_len);
		memcpy(joined + total, seg + hdr_len, plen);
		total += plen;

		/* NEEDS_CSUM variant: the peer completes it to the same frame */
		memcpy(seg2 + hdr_len, seg + hdr_len, plen);
		T_OK(nm_tso_segment(&t, i, 0xdead, NM_TSO_CSUM_PARTIAL, seg2, sizeof(seg2), &s));
		T_EQ(s.csum_start, in.l4_off);
		T_EQ(s.csum_offset, 16);
		T_OK(nm_csum_partial_complete(seg2, s.frame_len, s.csum_start, s.csum_offset));
		T_EQ(memcmp(seg2, seg, s.frame_len), 0);
	}
	T_EQ(total, f.payload_len);
	T_EQ(memcmp(joined, super + hdr_len, total), 0);

	/* Segments are independent: build them backwards, same headers. */
	for (uint32_t i = t.nr_segs; i-- > 0;) {
		struct nm_tso_seg s;
		uint32_t off, plen;

		T_OK(nm_tso_seg_range(&t, i, &off, &plen));
		T_OK(nm_tso_segment(&t, i, nm_csum_partial(dev + off, plen, 0), 0, seg2,
				    sizeof(seg2), &s));
		T_EQ(memcmp(seg2, fwd_hdr[i], hdr_len), 0);
	}
}

int main(void)
{
	struct t_frame f;
	struct nm_tso t;
	struct nm_tso_seg s;
	uint32_t len;

	/* IPv4: IP total length 65535, seq and id about to wrap */
	f = t_tcp4(65535 - 20 - 32);
	f.seq = 0xfffff000u;
	f.ip_id = 0xfffe;
	f.flags = NM_TCP_ACK | NM_TCP_PSH | NM_TCP_FIN | NM_TCP_CWR | NM_TCP_ECE;
	run("tcp4 64k", f, NM_WIRE_GSO_TCPV4);
	/* IPv4 with options, payload a multiple of the MSS */
	f = t_tcp4(MSS * 20);
	f.ip_opts_len = 12;
	f.flags = NM_TCP_ACK | NM_TCP_PSH;
	run("tcp4 options", f, NM_WIRE_GSO_TCPV4);
	/* one segment: flags kept */
	f = t_tcp4(100);
	f.flags = NM_TCP_ACK | NM_TCP_PSH | NM_TCP_FIN | NM_TCP_CWR;
	run("tcp4 single", f, NM_WIRE_GSO_TCPV4);
	/* IPv6 with a destination options header, VLAN tagged */
	f = t_tcp6(65535 - 8 - 32);
	f.nr_ext = 1;
	f.ext_type[0] = NM_IPPROTO_DSTOPTS;
	f.ext_len[0] = 8;
	f.nr_vlans = 1;
	f.vlan_tpid[0] = NM_ETH_P_8021Q;
	f.vlan_tci[0] = 7;
	f.flags = NM_TCP_ACK | NM_TCP_PSH | NM_TCP_CWR;
	run("tcp6 64k", f, NM_WIRE_GSO_TCPV6);

	/* Refusals. */
	f = t_tcp4(5000);
	len = t_build(super, sizeof(super), &f);
	T_ERR(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_TCPV6, MSS), -EINVAL);
	T_ERR(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_UDP_L4, MSS), -EINVAL);
	T_ERR(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_UDP, MSS), -EOPNOTSUPP);
	T_ERR(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_NONE, MSS), -EINVAL);
	T_ERR(nm_tso_prepare(&t, super, len, len, 99, MSS), -EINVAL);
	T_ERR(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_TCPV4, 0), -EINVAL);
	T_ERR(nm_tso_prepare(&t, super, 60, len, NM_WIRE_GSO_TCPV4, MSS), -EINVAL);
	T_ERR(nm_tso_prepare(&t, super, len, len - 1, NM_WIRE_GSO_TCPV4, MSS), -EINVAL);
	T_ERR(nm_tso_prepare(NULL, super, len, len, NM_WIRE_GSO_TCPV4, MSS), -EINVAL);
	T_ERR(nm_tso_prepare(&t, NULL, len, len, NM_WIRE_GSO_TCPV4, MSS), -EINVAL);
	T_OK(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_TCPV4, MSS));
	T_EQ(t.nr_segs, 4);
	T_ERR(nm_tso_segment(&t, 4, 0, 0, seg, sizeof(seg), &s), -EINVAL);
	T_ERR(nm_tso_segment(&t, 0, 0, 0, seg, 65, &s), -EINVAL);
	T_ERR(nm_tso_segment(&t, 0, 0, 0x8, seg, sizeof(seg), &s), -EINVAL);
	T_ERR(nm_tso_segment(&t, 0, 0, 0, NULL, sizeof(seg), &s), -EINVAL);
	T_ERR(nm_tso_segment(NULL, 0, 0, 0, seg, sizeof(seg), &s), -EINVAL);
	{
		uint32_t o, l;

		T_ERR(nm_tso_seg_range(&t, 4, &o, &l), -EINVAL);
		T_ERR(nm_tso_seg_range(&t, 0, NULL, &l), -EINVAL);
	}
	f.flags = NM_TCP_SYN;
	len = t_build(super, sizeof(super), &f);
	T_ERR(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_TCPV4, MSS), -EINVAL);
	f = t_tcp4(0);
	len = t_build(super, sizeof(super), &f);
	T_ERR(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_TCPV4, MSS), -EINVAL);
	f = t_tcp4(3000);
	f.pad = 4;
	len = t_build(super, sizeof(super), &f);
	T_ERR(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_TCPV4, MSS), -EINVAL);
	f = t_tcp4(3000);
	f.frag_off = 0x2000;
	len = t_build(super, sizeof(super), &f);
	T_ERR(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_TCPV4, MSS), -EINVAL);
	f = t_tcp4(3000);
	len = t_build(super, sizeof(super), &f);
	super[14 + 20 + 12] = 0x30;		/* doff 3 */
	T_ERR(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_TCPV4, MSS), -EINVAL);
	T_ASSERT(strstr(nm_last_error(), "BAD_TCP_DOFF") != NULL);
	f = t_tcp6(3000);
	f.nr_ext = 1;
	f.ext_type[0] = NM_IPPROTO_ROUTING;
	f.ext_len[0] = 24;
	len = t_build(super, sizeof(super), &f);
	super[14 + 40 + 3] = 1;			/* segments left */
	T_ERR(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_TCPV6, MSS), -EOPNOTSUPP);
	T_PASS();
}
