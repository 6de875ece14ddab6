/* USO (UDP GSO, NM_WIRE_GSO_UDP_L4): a UDP super-frame over IPv4 and IPv6
 * cut into gso_size datagrams.  Every datagram re-parses, has its own UDP
 * length and a correct checksum (never 0 on the wire), IPv4 ids advance,
 * and the payloads concatenate to the original. */
#include <errno.h>

#include "t_util.h"
#include "t_frame.h"
#include "nic/csum.h"
#include "nic/tso.h"
#include "nic/wire_drv.h"
#include "util/err.h"

static uint8_t super[70000], seg[70000], joined[70000];

static void run(const char *name, struct t_frame f, uint16_t gso)
{
	struct nm_tso t;
	struct nm_pkt_info sin, in;
	uint32_t len = t_build(super, sizeof(super), &f), total = 0;

	T_ASSERT(len > 0);
	T_OK(nm_pkt_parse(super, len, &sin));
	T_OK(nm_tso_prepare(&t, super, sin.hdr_len, len, NM_WIRE_GSO_UDP_L4, gso));
	T_EQ(t.nr_segs, (f.payload_len + gso - 1u) / gso);
	for (uint32_t i = 0; i < t.nr_segs; i++) {
		struct nm_tso_seg s;
		uint32_t off, plen, sum;

		T_OK(nm_tso_seg_range(&t, i, &off, &plen));
		memcpy(seg + t.hdr_len, super + off, plen);
		sum = nm_csum_partial(seg + t.hdr_len, plen, 0);
		T_OK(nm_tso_segment(&t, i, sum, 0, seg, sizeof(seg), &s));
		if (nm_pkt_parse(seg, s.frame_len, &in) != 0 || in.drop_reason != NM_PKT_OK)
			T_FAIL("%s seg %u: %s", name, i, nm_last_error());
		T_EQ(in.l4_proto, NM_IPPROTO_UDP);
		T_EQ(in.payload_len, plen);
		T_EQ(t_get16(seg + in.l4_off + 4), 8 + plen);
		T_EQ(in.src_port, f.sport);
		T_EQ(in.dst_port, f.dport);
		T_ASSERT(t_get16(seg + in.l4_off + 6) != 0);
		T_EQ(nm_csum_l4_verify(seg, s.frame_len, &in), NM_CSUM_OK);
		if (in.l3_proto == 4) {
			T_OK(nm_csum_ipv4_verify(seg, s.frame_len, &in));
			T_EQ(in.ip_id, (uint16_t)(f.ip_id + i));
		}
		memcpy(joined + total, seg + t.hdr_len, plen);
		total += plen;

		T_OK(nm_tso_segment(&t, i, 0, NM_TSO_CSUM_PARTIAL, seg, sizeof(seg), &s));
		T_EQ(s.csum_offset, 6);
		T_OK(nm_csum_partial_complete(seg, s.frame_len, s.csum_start, s.csum_offset));
		T_EQ(nm_csum_l4_verify(seg, s.frame_len, &in), NM_CSUM_OK);
	}
	T_EQ(total, f.payload_len);
	T_EQ(memcmp(joined, super + sin.hdr_len, total), 0);
}

int main(void)
{
	struct t_frame f;
	struct nm_tso t;
	uint32_t len;

	f = t_tcp4(60000);
	f.proto = NM_IPPROTO_UDP;
	run("udp4", f, 1472);
	f = t_tcp6(65535 - 8);
	f.proto = NM_IPPROTO_UDP;
	run("udp6 64k", f, 1232);
	f = t_tcp4(999);
	f.proto = NM_IPPROTO_UDP;
	f.payload_byte = 0x80;
	run("udp4 odd sizes", f, 7);		/* odd segments: sums at odd lengths */

	/* USO is not for TCP, nor TSO for UDP */
	f = t_tcp4(3000);
	len = t_build(super, sizeof(super), &f);
	T_ERR(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_UDP_L4, 1000), -EINVAL);
	f.proto = NM_IPPROTO_UDP;
	len = t_build(super, sizeof(super), &f);
	T_ERR(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_TCPV4, 1000), -EINVAL);
	T_OK(nm_tso_prepare(&t, super, len, len, NM_WIRE_GSO_UDP_L4, 1000));
	T_EQ(t.nr_segs, 3);
	T_PASS();
}
