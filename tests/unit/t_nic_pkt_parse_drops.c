/* Parser, malformed frames: every drop reason, each from several broken
 * variants of a valid frame (truncations, length fields that lie, bad
 * option lengths).  Each returns -EBADMSG with the expected reason, an
 * offset inside the frame, and a message; and every reason is exercised. */
#include <errno.h>

#include "nic/pkt.h"
#include "util/err.h"
#include "t_util.h"
#include "t_frame.h"

static uint8_t buf[8192];
static int seen[NM_PKT_REASON_MAX];

static void expect_drop(const char *name, const uint8_t *f, uint32_t avail, uint32_t len,
			int reason)
{
	struct nm_pkt_info in;
	int r;

	nm_clear_error();
	if (avail == len)
		r = nm_pkt_parse(f, len, &in);
	else
		r = nm_pkt_parse_hdr(f, avail, len, &in);
	if (r != -EBADMSG || in.drop_reason != reason)
		T_FAIL("%s: r=%d reason %s, want %s (%s)", name, r,
		       nm_pkt_reason_name(in.drop_reason), nm_pkt_reason_name(reason),
		       nm_last_error());
	T_ASSERT(nm_pkt_reason_is_drop(in.drop_reason));
	T_ASSERT(in.drop_off <= len);
	T_ASSERT(nm_last_error()[0] != '\0');
	T_ASSERT(strstr(nm_last_error(), nm_pkt_reason_name(reason)) != NULL);
	seen[reason]++;
}

#define DROP(name, len, reason) expect_drop(name, buf, len, len, reason)

static uint32_t build(const struct t_frame *f)
{
	uint32_t len = t_build(buf, sizeof(buf), f);

	T_ASSERT(len > 0);
	return len;
}

static uint32_t build_v(struct t_frame f)
{
	return build(&f);
}

/* TCP/IPv4 layout of t_tcp4(): IP at 14, TCP at 34, options at 54..65. */
#define IP4 14
#define TCP4 34

static uint32_t tcp4_opts(const uint8_t *opts, uint32_t n)
{
	struct t_frame f = t_tcp4(8);

	memcpy(f.tcp_opts, opts, n);
	f.tcp_opts_len = (uint8_t)n;
	return build(&f);
}

int main(void)
{
	struct t_frame f;
	uint32_t len;

	/* TRUNCATED_ETH */
	len = build(&(struct t_frame){ .ethertype = 0x88cc, .payload_len = 50 });
	DROP("empty", 0, NM_PKT_TRUNCATED_ETH);
	DROP("13 bytes", 13, NM_PKT_TRUNCATED_ETH);
	f = t_tcp4(10);
	f.nr_vlans = 1;
	f.vlan_tpid[0] = NM_ETH_P_8021Q;
	len = build(&f);
	DROP("vlan tag cut", 16, NM_PKT_TRUNCATED_ETH);
	f.nr_vlans = 2;
	f.vlan_tpid[0] = NM_ETH_P_8021AD;
	f.vlan_tpid[1] = NM_ETH_P_8021Q;
	len = build(&f);
	DROP("second vlan tag cut", 21, NM_PKT_TRUNCATED_ETH);

	/* TRUNCATED_L3 */
	len = build_v(t_tcp4(100));
	DROP("ipv4 19 bytes", 14 + 19, NM_PKT_TRUNCATED_L3);
	f = t_tcp4(0);
	f.ip_opts_len = 40;
	f.proto = 200;
	len = build(&f);
	DROP("ipv4 options cut", 14 + 40, NM_PKT_TRUNCATED_L3);
	len = build_v(t_tcp6(10));
	DROP("ipv6 39 bytes", 14 + 39, NM_PKT_TRUNCATED_L3);
	len = build(&(struct t_frame){ .ethertype = NM_ETH_P_ARP, .payload_len = 28 });
	buf[14 + 4] = 6, buf[14 + 5] = 4;
	DROP("arp 27 bytes", 14 + 27, NM_PKT_TRUNCATED_L3);
	DROP("arp 7 bytes", 14 + 7, NM_PKT_TRUNCATED_L3);
	buf[14 + 4] = 200;		/* hardware address length that does not fit */
	DROP("arp hlen lies", len, NM_PKT_TRUNCATED_L3);
	{
		static const uint8_t t1[] = { NM_IPPROTO_DSTOPTS };
		static const uint16_t l1[] = { 16 };

		f = t_tcp6(10);
		f.nr_ext = 1;
		f.ext_type[0] = t1[0];
		f.ext_len[0] = l1[0];
		len = build(&f);
		/* readable bytes end inside the extension header */
		expect_drop("ext header not readable", buf, 14 + 40 + 10, len,
			    NM_PKT_TRUNCATED_L3);
	}

	/* BAD_IP_VERSION */
	len = build_v(t_tcp4(10));
	buf[IP4] = 0x65;
	DROP("v6 in ethertype v4", len, NM_PKT_BAD_IP_VERSION);
	len = build_v(t_tcp6(10));
	buf[IP4] = 0x45;
	DROP("v4 in ethertype v6", len, NM_PKT_BAD_IP_VERSION);

	/* BAD_IHL */
	len = build_v(t_tcp4(10));
	buf[IP4] = 0x44;
	DROP("ihl 4", len, NM_PKT_BAD_IHL);
	buf[IP4] = 0x40;
	DROP("ihl 0", len, NM_PKT_BAD_IHL);

	/* BAD_IP_LEN */
	len = build_v(t_tcp4(10));
	t_put16(buf + IP4 + 2, (uint16_t)(len - 14 + 1));
	DROP("total length > frame", len, NM_PKT_BAD_IP_LEN);
	t_put16(buf + IP4 + 2, 19);
	DROP("total length < header", len, NM_PKT_BAD_IP_LEN);
	t_put16(buf + IP4 + 2, 0xffff);
	DROP("total length 65535", len, NM_PKT_BAD_IP_LEN);
	len = build_v(t_tcp4(100));
	DROP("frame truncated mid-payload", len - 1, NM_PKT_BAD_IP_LEN);

	/* BAD_IPV6_PAYLOAD_LEN */
	len = build_v(t_tcp6(10));
	t_put16(buf + IP4 + 4, (uint16_t)(len - 54 + 1));
	DROP("payload length > frame", len, NM_PKT_BAD_IPV6_PAYLOAD_LEN);
	len = build_v(t_tcp6(100));
	DROP("v6 frame truncated", len - 30, NM_PKT_BAD_IPV6_PAYLOAD_LEN);

	/* BAD_EXT_HDR */
	{
		static const uint8_t t2[] = { NM_IPPROTO_DSTOPTS, NM_IPPROTO_HOPOPTS };
		static const uint16_t l2[] = { 8, 8 };
		uint32_t p = 14 + 40;

		f = t_tcp6(10);
		f.nr_ext = 1;
		f.ext_type[0] = NM_IPPROTO_DSTOPTS;
		f.ext_len[0] = 16;
		len = build(&f);
		buf[p + 1] = 255;	/* 2048 bytes: past the payload */
		DROP("ext length past payload", len, NM_PKT_BAD_EXT_HDR);
		len = build(&f);
		buf[p + 3] = 20;	/* PadN running past the header */
		DROP("bad TLV length", len, NM_PKT_BAD_EXT_HDR);
		len = build(&f);
		buf[p + 3] = 11;	/* PadN up to the last byte, where an option */
		buf[p + 15] = 7;	/* starts with no room for its length byte */
		DROP("TLV past header", len, NM_PKT_BAD_EXT_HDR);

		f.nr_ext = 2;
		memcpy(f.ext_type, t2, 2);
		memcpy(f.ext_len, l2, sizeof(l2));
		len = build(&f);
		DROP("hop-by-hop not first", len, NM_PKT_BAD_EXT_HDR);

		f.nr_ext = 9;
		for (int i = 0; i < 9; i++) {
			f.ext_type[i] = NM_IPPROTO_DSTOPTS;
			f.ext_len[i] = 8;
		}
		len = build(&f);
		DROP("nine extension headers", len, NM_PKT_BAD_EXT_HDR);

		f = t_tcp6(0);
		f.proto = NM_IPPROTO_DSTOPTS;	/* claims an ext header, 4 bytes left */
		f.payload_len = 4;
		len = build(&f);
		DROP("ext header in 4 bytes", len, NM_PKT_BAD_EXT_HDR);
	}

	/* TRUNCATED_L4 */
	f = t_tcp4(0);
	f.proto = 200;
	f.payload_len = 10;
	len = build(&f);
	buf[IP4 + 9] = NM_IPPROTO_TCP;
	DROP("tcp in 10 bytes", len, NM_PKT_TRUNCATED_L4);
	buf[IP4 + 9] = NM_IPPROTO_UDP;
	f.payload_len = 4;
	len = build(&f);
	buf[IP4 + 9] = NM_IPPROTO_UDP;
	DROP("udp in 4 bytes", len, NM_PKT_TRUNCATED_L4);
	buf[IP4 + 9] = NM_IPPROTO_ICMP;
	DROP("icmp in 4 bytes", len, NM_PKT_TRUNCATED_L4);
	f = t_tcp6(0);
	f.proto = 200;
	f.payload_len = 19;
	len = build(&f);
	buf[IP4 + 6] = NM_IPPROTO_TCP;
	DROP("tcp6 in 19 bytes", len, NM_PKT_TRUNCATED_L4);
	buf[IP4 + 6] = NM_IPPROTO_ICMPV6;
	f.payload_len = 7;
	len = build(&f);
	buf[IP4 + 6] = NM_IPPROTO_ICMPV6;
	DROP("icmpv6 in 7 bytes", len, NM_PKT_TRUNCATED_L4);
	len = build_v(t_tcp4(1000));
	expect_drop("tcp options not readable", buf, TCP4 + 25, len, NM_PKT_TRUNCATED_L4);
	expect_drop("tcp header not readable", buf, TCP4 + 10, len, NM_PKT_TRUNCATED_L4);

	/* BAD_TCP_DOFF */
	len = build_v(t_tcp4(0));
	buf[TCP4 + 12] = 0x40;
	DROP("doff 4", len, NM_PKT_BAD_TCP_DOFF);
	buf[TCP4 + 12] = 0x00;
	DROP("doff 0", len, NM_PKT_BAD_TCP_DOFF);
	buf[TCP4 + 12] = 0x90;		/* 36 bytes, 32 in the packet */
	DROP("doff past ip payload", len, NM_PKT_BAD_TCP_DOFF);
	len = build_v(t_tcp6(0));
	buf[14 + 40 + 12] = 0xf0;
	DROP("doff 15 ipv6", len, NM_PKT_BAD_TCP_DOFF);

	/* BAD_TCP_OPTION */
	{
		static const uint8_t len0[12] = { 99, 0 };
		static const uint8_t len1[12] = { 1, 99, 1 };
		static const uint8_t past[12] = { 1, 1, 99, 11 };
		static const uint8_t mss5[12] = { 2, 5, 1, 2, 3 };
		static const uint8_t ws4[12] = { 3, 4, 1, 1 };
		static const uint8_t sp3[12] = { 4, 3, 1 };
		static const uint8_t sack12[12] = { 5, 12 };
		static const uint8_t sack2[12] = { 1, 1, 5, 2 };
		static const uint8_t ts9[12] = { 8, 9 };
		static const uint8_t last[12] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 99 };
		static const uint8_t mss_last[4] = { 1, 1, 1, 2 };

		DROP("option length 0", tcp4_opts(len0, 12), NM_PKT_BAD_TCP_OPTION);
		DROP("option length 1", tcp4_opts(len1, 12), NM_PKT_BAD_TCP_OPTION);
		DROP("option past doff", tcp4_opts(past, 12), NM_PKT_BAD_TCP_OPTION);
		DROP("mss length 5", tcp4_opts(mss5, 12), NM_PKT_BAD_TCP_OPTION);
		DROP("ws length 4", tcp4_opts(ws4, 12), NM_PKT_BAD_TCP_OPTION);
		DROP("sack_perm length 3", tcp4_opts(sp3, 12), NM_PKT_BAD_TCP_OPTION);
		DROP("sack length 12", tcp4_opts(sack12, 12), NM_PKT_BAD_TCP_OPTION);
		DROP("sack length 2", tcp4_opts(sack2, 12), NM_PKT_BAD_TCP_OPTION);
		DROP("ts length 9", tcp4_opts(ts9, 12), NM_PKT_BAD_TCP_OPTION);
		DROP("kind in the last byte", tcp4_opts(last, 12), NM_PKT_BAD_TCP_OPTION);
		DROP("mss in the last byte", tcp4_opts(mss_last, 4), NM_PKT_BAD_TCP_OPTION);
	}

	/* BAD_UDP_LEN */
	f = t_tcp4(20);
	f.proto = NM_IPPROTO_UDP;
	len = build(&f);
	t_put16(buf + TCP4 + 4, 7);
	DROP("udp length 7", len, NM_PKT_BAD_UDP_LEN);
	t_put16(buf + TCP4 + 4, 29);
	DROP("udp length > ip payload", len, NM_PKT_BAD_UDP_LEN);
	t_put16(buf + TCP4 + 4, 27);
	DROP("udp length < ip payload", len, NM_PKT_BAD_UDP_LEN);
	t_put16(buf + TCP4 + 4, 0);
	DROP("udp length 0", len, NM_PKT_BAD_UDP_LEN);
	f = t_tcp6(20);
	f.proto = NM_IPPROTO_UDP;
	len = build(&f);
	t_put16(buf + 14 + 40 + 4, 100);
	DROP("udp6 length lies", len, NM_PKT_BAD_UDP_LEN);

	for (int r = NM_PKT_DROP_FIRST; r < NM_PKT_REASON_MAX; r++) {
		if (!seen[r])
			T_FAIL("reason %s never produced", nm_pkt_reason_name(r));
		printf("%-22s %d cases\n", nm_pkt_reason_name(r), seen[r]);
	}
	T_PASS();
}
