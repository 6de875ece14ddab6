/* Checksums of parsed frames: IPv4 header and L4 (TCP/UDP/ICMP over IPv4,
 * TCP/UDP/ICMPv6 over IPv6, with options, extension headers, VLANs and
 * Ethernet padding) verify against frames built with the reference
 * checksum; a flipped byte fails; "full compute" fill and NEEDS_CSUM partial
 * completion reproduce the reference field, also when the payload is given
 * as a separate sum split at odd and even points; UDP's zero rules; frames
 * that cannot be verified; bad arguments. */
#include <errno.h>

#include "nic/csum.h"
#include "util/err.h"
#include "t_util.h"
#include "t_frame.h"

static uint8_t buf[70000];

static struct t_frame ext(struct t_frame f)
{
	f.nr_ext = 3;
	f.ext_type[0] = NM_IPPROTO_HOPOPTS, f.ext_len[0] = 8;
	f.ext_type[1] = NM_IPPROTO_ROUTING, f.ext_len[1] = 24;
	f.ext_type[2] = NM_IPPROTO_DSTOPTS, f.ext_len[2] = 16;
	return f;
}

static struct t_frame proto(struct t_frame f, uint8_t p)
{
	f.proto = p;
	return f;
}

static void check_frame(const char *name, const struct t_frame *f)
{
	struct nm_pkt_info in;
	uint32_t len = t_build(buf, sizeof(buf), f), field_off;
	uint16_t want, got;
	uint8_t *field;
	int field_rel;

	T_ASSERT(len > 0);
	T_OK(nm_pkt_parse(buf, len, &in));
	if (in.drop_reason != NM_PKT_OK)
		T_FAIL("%s: %s", name, nm_pkt_reason_name(in.drop_reason));
	field_rel = T_OK(nm_csum_l4_field(&in));
	field_off = in.l4_off + (uint32_t)field_rel;
	field = buf + field_off;
	want = nm_csum_ld16(field);

	if (nm_csum_l4_verify(buf, len, &in) != NM_CSUM_OK)
		T_FAIL("%s: verify: %s", name, nm_last_error());
	if (in.l3_proto == 4) {
		T_OK(nm_csum_ipv4_verify(buf, len, &in));
		buf[in.l3_off + 8]--;		/* TTL */
		T_ERR(nm_csum_ipv4_verify(buf, len, &in), -EBADMSG);
		T_OK(nm_csum_ipv4_fill(buf, len, &in));
		T_OK(nm_csum_ipv4_verify(buf, len, &in));
		buf[in.l3_off + 8]++;
		T_OK(nm_csum_ipv4_fill(buf, len, &in));
	}

	/* Any flipped byte in the L4 region is caught (ICMPv4 has no pseudo
	 * header, the others' addresses are covered too). */
	for (uint32_t at = in.l4_off; at < in.l3_end; at += 1 + (in.l3_end - in.l4_off) / 37) {
		buf[at] ^= 0x10;
		T_ERR(nm_csum_l4_verify(buf, len, &in), -EBADMSG);
		buf[at] ^= 0x10;
	}
	if (in.l4_proto != NM_IPPROTO_ICMP) {
		buf[in.l3_off + (in.l3_proto == 4 ? 15 : 23)] ^= 1;	/* source address */
		T_OK(nm_pkt_parse(buf, len, &in));
		T_ERR(nm_csum_l4_verify(buf, len, &in), -EBADMSG);
		buf[in.l3_off + (in.l3_proto == 4 ? 15 : 23)] ^= 1;
		T_OK(nm_pkt_parse(buf, len, &in));
	}
	/* Padding is not covered. */
	for (uint32_t at = in.l3_end; at < len; at++)
		buf[at] ^= 0x5a;
	T_EQ(nm_csum_l4_verify(buf, len, &in), NM_CSUM_OK);

	/* Full compute. */
	nm_csum_st16(field, 0x1234);
	T_OK(nm_csum_l4_fill(buf, len, &in));
	T_EQ(nm_csum_ld16(field), want);

	/* Payload elsewhere, summed separately, split at every kind of offset. */
	for (uint32_t h = in.payload_off; h <= in.l3_end;
	     h += 1 + (h & 1 ? 0 : (in.l3_end - in.payload_off) / 5)) {
		uint32_t ps = nm_csum_partial(buf + h, in.l3_end - h, 0);

		T_EQ(nm_csum_l4_verify_split(buf, h, &in, ps), NM_CSUM_OK);
		T_ERR(nm_csum_l4_verify_split(buf, h, &in, ps + 1), -EBADMSG);
		nm_csum_st16(field, 0xbeef);
		T_OK(nm_csum_l4_fill_split(buf, h, &in, ps));
		got = nm_csum_ld16(field);
		T_EQ(got, want);
	}

	/* NEEDS_CSUM: the sender left the folded pseudo-header sum in the field. */
	if (in.l4_proto != NM_IPPROTO_ICMP) {
		uint32_t l4len = in.l3_end - in.l4_off;
		uint32_t ph = in.l3_proto == 4
				      ? nm_csum_pseudo_v4(in.src_addr + 12, in.dst_addr + 12,
							  in.l4_proto, l4len)
				      : nm_csum_pseudo_v6(in.src_addr, in.dst_addr, in.l4_proto,
							  l4len);
		uint32_t h = in.payload_off + (in.payload_len > 2 ? 1 : 0);

		nm_csum_st16(field, (uint16_t)~nm_csum_fold(ph));
		T_OK(nm_csum_partial_complete(buf, in.l3_end, in.l4_off, (uint32_t)field_rel));
		T_EQ(nm_csum_ld16(field), want);
		nm_csum_st16(field, (uint16_t)~nm_csum_fold(ph));
		T_OK(nm_csum_partial_complete_split(buf, h, in.l4_off, (uint32_t)field_rel,
						    nm_csum_partial(buf + h, in.l3_end - h, 0)));
		T_EQ(nm_csum_ld16(field), want);
	}
}

int main(void)
{
	struct t_frame f;
	struct nm_pkt_info in;
	uint32_t len;
	uint16_t c0;

	f = t_tcp4(1000);
	check_frame("tcp4", &f);
	f = t_tcp4(1001);
	f.ip_opts_len = 40;
	f.pad = 7;
	check_frame("tcp4 options odd padded", &f);
	f = t_tcp4(0);
	f.pad = 6;
	check_frame("tcp4 empty", &f);
	f = proto(t_tcp4(333), NM_IPPROTO_UDP);
	f.nr_vlans = 2;
	f.vlan_tpid[0] = NM_ETH_P_8021AD, f.vlan_tpid[1] = NM_ETH_P_8021Q;
	check_frame("udp4 qinq", &f);
	f = proto(t_tcp4(57), NM_IPPROTO_ICMP);
	check_frame("icmp4", &f);
	f = t_tcp6(1448);
	check_frame("tcp6", &f);
	f = proto(t_tcp6(9), NM_IPPROTO_UDP);
	f.pad = 3;
	check_frame("udp6 padded", &f);
	f = proto(t_tcp6(64), NM_IPPROTO_ICMPV6);
	check_frame("icmpv6", &f);
	f = ext(t_tcp6(500));
	check_frame("tcp6 ext headers", &f);
	f = proto(t_tcp4(65535 - 20 - 8), NM_IPPROTO_UDP);
	check_frame("udp4 64k", &f);
	f = t_tcp6(65535 - 32);
	check_frame("tcp6 64k", &f);

	/* UDP: 0 means "none" over IPv4, is invalid over IPv6; a computed 0
	 * goes on the wire as 0xffff. */
	f = proto(t_tcp4(20), NM_IPPROTO_UDP);
	f.no_csum = true;
	len = t_build(buf, sizeof(buf), &f);
	T_OK(nm_pkt_parse(buf, len, &in));
	T_EQ(nm_csum_l4_verify(buf, len, &in), NM_CSUM_NONE);
	f = proto(t_tcp6(20), NM_IPPROTO_UDP);
	f.no_csum = true;
	len = t_build(buf, sizeof(buf), &f);
	T_OK(nm_pkt_parse(buf, len, &in));
	T_ERR(nm_csum_l4_verify(buf, len, &in), -EBADMSG);
	T_OK(nm_csum_l4_fill(buf, len, &in));
	c0 = nm_csum_ld16(buf + in.l4_off + 6);
	/* Make the payload cancel the rest: its first word := ~(rest). */
	memset(buf + in.payload_off, 0, 2);
	T_OK(nm_csum_l4_fill(buf, len, &in));
	c0 = nm_csum_ld16(buf + in.l4_off + 6);
	memcpy(buf + in.payload_off, &c0, 2);
	T_OK(nm_csum_l4_fill(buf, len, &in));
	T_EQ(nm_csum_ld16(buf + in.l4_off + 6), 0xffff);
	T_EQ(nm_csum_l4_verify(buf, len, &in), NM_CSUM_OK);

	/* Frames that cannot be verified. */
	f = t_tcp4(100);
	f.frag_off = 0x2000;
	len = t_build(buf, sizeof(buf), &f);
	T_OK(nm_pkt_parse(buf, len, &in));
	T_ERR(nm_csum_l4_verify(buf, len, &in), -EOPNOTSUPP);
	T_ERR(nm_csum_l4_fill(buf, len, &in), -EOPNOTSUPP);
	T_OK(nm_csum_ipv4_verify(buf, len, &in));	/* the IP header still can be */
	f = proto(t_tcp4(100), 47);
	len = t_build(buf, sizeof(buf), &f);
	T_OK(nm_pkt_parse(buf, len, &in));
	T_ERR(nm_csum_l4_verify(buf, len, &in), -EOPNOTSUPP);
	f = ext(t_tcp6(100));
	len = t_build(buf, sizeof(buf), &f);
	buf[14 + 40 + 8 + 3] = 1;	/* routing header: one segment left */
	T_OK(nm_pkt_parse(buf, len, &in));
	T_ERR(nm_csum_l4_verify(buf, len, &in), -EOPNOTSUPP);
	f = (struct t_frame){ .ethertype = 0x88cc, .payload_len = 60 };
	len = t_build(buf, sizeof(buf), &f);
	T_OK(nm_pkt_parse(buf, len, &in));
	T_ERR(nm_csum_l4_verify(buf, len, &in), -EOPNOTSUPP);
	T_ERR(nm_csum_ipv4_verify(buf, len, &in), -EINVAL);

	/* Bad arguments and forged infos never read out of bounds. */
	f = t_tcp4(100);
	len = t_build(buf, sizeof(buf), &f);
	T_OK(nm_pkt_parse(buf, len, &in));
	T_ERR(nm_csum_l4_verify(NULL, len, &in), -EINVAL);
	T_ERR(nm_csum_l4_verify(buf, len, NULL), -EINVAL);
	T_ERR(nm_csum_l4_verify(buf, len - 1, &in), -EINVAL);
	T_ERR(nm_csum_l4_fill(buf, len + 1, &in), -EINVAL);
	T_ERR(nm_csum_l4_verify_split(buf, in.payload_off - 1, &in, 0), -EINVAL);
	T_ERR(nm_csum_l4_verify_split(buf, in.l3_end + 1, &in, 0), -EINVAL);
	T_ERR(nm_csum_l4_fill_split(NULL, in.payload_off, &in, 0), -EINVAL);
	T_ERR(nm_csum_l4_field(NULL), -EINVAL);
	{
		struct nm_pkt_info bad = in;

		bad.l3_end = len + 100;
		T_ERR(nm_csum_l4_verify(buf, len, &bad), -EINVAL);
		bad = in;
		bad.l4_off = in.l3_end - 4;
		T_ERR(nm_csum_l4_verify(buf, len, &bad), -EINVAL);
		bad = in;
		bad.l4_hdr_len = 4;	/* TCP field at 16 is outside */
		T_ERR(nm_csum_l4_verify(buf, len, &bad), -EINVAL);
		bad = in;
		bad.l3_len = 64;
		T_ERR(nm_csum_ipv4_verify(buf, len, &bad), -EINVAL);
		bad.l3_len = 20;
		bad.l3_off = len - 10;
		T_ERR(nm_csum_ipv4_fill(buf, len, &bad), -EINVAL);
	}
	T_ERR(nm_csum_partial_complete(NULL, 10, 0, 0), -EINVAL);
	T_ERR(nm_csum_partial_complete(buf, 100, 101, 0), -EINVAL);
	T_ERR(nm_csum_partial_complete(buf, 100, 90, 9), -EINVAL);
	T_ERR(nm_csum_partial_complete(buf, 100, 0, 0xffffffffu), -EINVAL);
	T_OK(nm_csum_partial_complete(buf, 100, 90, 8));
	T_ERR(nm_csum_partial_complete_split(buf, 50, 40, 9, 0), -EINVAL);
	T_PASS();
}
