/* Parser, well-formed frames: one table entry per header type (Ethernet,
 * VLAN, QinQ, ARP, unknown ethertype, IPv4 with options, fragments, IPv6 with
 * every extension header, TCP with every option kind, UDP, ICMP, ICMPv6,
 * unknown L4, padding).  Each must parse with the expected reason and
 * offsets, and the layout invariants of pkt.h must hold. */
#include <errno.h>

#include "nic/pkt.h"
#include "util/err.h"
#include "t_util.h"
#include "t_frame.h"

struct expect {
	int reason;
	int l3;
	int l4_proto;
	uint32_t l2_len, l3_len, l4_hdr_len, pad;
	int frag, vlans;
};

struct pcase {
	const char *name;
	struct t_frame f;
	struct expect e;
};

static void check_layout(const struct nm_pkt_info *in, uint32_t len)
{
	T_EQ(in->len, len);
	T_EQ(in->l3_off, in->l2_len);
	T_ASSERT(in->l3_off <= in->l4_off);
	T_ASSERT(in->l4_off <= in->payload_off);
	T_ASSERT(in->payload_off <= in->l3_end);
	T_ASSERT(in->l3_end <= len);
	T_EQ(in->payload_off + in->payload_len + in->pad_len, len);
	T_EQ(in->hdr_len, in->payload_off);
	T_EQ(in->l4_hdr_len, in->payload_off - in->l4_off);
	T_ASSERT(!nm_pkt_reason_is_drop(in->drop_reason));
}

static struct t_frame with_vlans(struct t_frame f, int n)
{
	f.nr_vlans = n;
	f.vlan_tpid[0] = n == 2 ? NM_ETH_P_8021AD : NM_ETH_P_8021Q;
	f.vlan_tci[0] = 0xa000 | 100;		/* PCP 5, VID 100 */
	f.vlan_tpid[1] = NM_ETH_P_8021Q;
	f.vlan_tci[1] = 200;
	return f;
}

static struct t_frame ext6(struct t_frame f, int n, const uint8_t *types, const uint16_t *lens)
{
	f.nr_ext = n;
	for (int i = 0; i < n; i++) {
		f.ext_type[i] = types[i];
		f.ext_len[i] = lens[i];
	}
	return f;
}

int main(void)
{
	static uint8_t buf[70000];
	struct pcase cases[40];
	int nc = 0;
	struct t_frame f;

	/* TCP/IPv4, NOP NOP TS */
	cases[nc++] = (struct pcase){ "tcp4", t_tcp4(100),
				      { NM_PKT_OK, 4, 6, 14, 20, 32, 0, 0, 0 } };
	/* IPv4 with 40 bytes of options, TCP with every option kind */
	f = t_tcp4(10);
	f.ip_opts_len = 40;
	{
		static const uint8_t o[40] = {
			2, 4, 0x05, 0xb4,		/* MSS 1460 */
			1, 3, 3, 7,			/* NOP, WS 7 */
			4, 2,				/* SACK_PERM */
			8, 10, 0, 0, 0, 9, 0, 0, 0, 8,	/* TS */
			5, 10, 0, 0, 0, 1, 0, 0, 0, 2,	/* SACK, one block */
			99, 4, 0xab, 0xcd,		/* unknown kind */
			1, 0, 0xff, 0xff,		/* NOP, EOL, junk after EOL */
		};
		memcpy(f.tcp_opts, o, 40);
		f.tcp_opts_len = 40;
	}
	cases[nc++] = (struct pcase){ "tcp4 ip-options all-tcp-options", f,
				      { NM_PKT_OK, 4, 6, 14, 60, 60, 0, 0, 0 } };
	/* UDP/IPv4, 18-byte payload padded to the 60-byte Ethernet minimum */
	f = t_tcp4(4);
	f.proto = NM_IPPROTO_UDP;
	f.pad = 60 - (14 + 20 + 8 + 4);
	cases[nc++] = (struct pcase){ "udp4 padded", f, { NM_PKT_OK, 4, 17, 14, 20, 8, 14, 0, 0 } };
	f = t_tcp4(56);
	f.proto = NM_IPPROTO_ICMP;
	cases[nc++] = (struct pcase){ "icmp4", f, { NM_PKT_OK, 4, 1, 14, 20, 8, 0, 0, 0 } };
	cases[nc++] = (struct pcase){ "tcp4 vlan", with_vlans(t_tcp4(1), 1),
				      { NM_PKT_OK, 4, 6, 18, 20, 32, 0, 0, 1 } };
	cases[nc++] = (struct pcase){ "tcp6 qinq", with_vlans(t_tcp6(1), 2),
				      { NM_PKT_OK, 6, 6, 22, 40, 32, 0, 0, 2 } };
	/* three tags: L2 only, the third TPID reported as the ethertype */
	f = with_vlans(t_tcp4(1), 2);
	f.ethertype = NM_ETH_P_8021Q;
	f.ip = 0;
	f.payload_len = 50;
	cases[nc++] = (struct pcase){ "three vlan tags", f,
				      { NM_PKT_UNKNOWN_ETHERTYPE, 0, 0, 22, 0, 0, 0, 0, 2 } };
	/* ARP request for IPv4 over Ethernet: 28 bytes, padded to 60 */
	memset(&f, 0, sizeof(f));
	f.ethertype = NM_ETH_P_ARP;
	f.payload_len = 46;		/* raw bytes; fix hlen/plen below */
	cases[nc++] = (struct pcase){ "arp", f, { NM_PKT_OK, 0, 0, 14, 28, 0, 18, 0, 0 } };
	memset(&f, 0, sizeof(f));
	f.ethertype = 0x88cc;		/* LLDP */
	f.payload_len = 100;
	cases[nc++] = (struct pcase){ "lldp", f,
				      { NM_PKT_UNKNOWN_ETHERTYPE, 0, 0, 14, 0, 0, 0, 0, 0 } };
	memset(&f, 0, sizeof(f));
	f.ethertype = 0x0060;		/* 802.3 length field */
	f.payload_len = 96;
	cases[nc++] = (struct pcase){ "802.3 length", f,
				      { NM_PKT_UNKNOWN_ETHERTYPE, 0, 0, 14, 0, 0, 0, 0, 0 } };
	f = t_tcp4(100);
	f.frag_off = 0x2000;		/* MF, offset 0: first fragment */
	cases[nc++] = (struct pcase){ "ipv4 first fragment", f,
				      { NM_PKT_IP_FRAGMENT, 4, 6, 14, 20, 0, 0, 1, 0 } };
	f = t_tcp4(100);
	f.frag_off = 0x0010;		/* last fragment, offset 128 */
	f.pad = 3;
	cases[nc++] = (struct pcase){ "ipv4 last fragment", f,
				      { NM_PKT_IP_FRAGMENT, 4, 6, 14, 20, 0, 3, 1, 0 } };
	f = t_tcp4(100);
	f.frag_off = 0x4000;		/* DF only: not a fragment */
	cases[nc++] = (struct pcase){ "ipv4 DF", f, { NM_PKT_OK, 4, 6, 14, 20, 32, 0, 0, 0 } };
	f = t_tcp4(24);
	f.proto = 47;			/* GRE */
	cases[nc++] = (struct pcase){ "ipv4 gre", f,
				      { NM_PKT_UNKNOWN_L4, 4, 47, 14, 20, 0, 0, 0, 0 } };
	f = t_tcp4(24);
	f.proto = NM_IPPROTO_ICMPV6;	/* ICMPv6 over IPv4 is not ICMP */
	cases[nc++] = (struct pcase){ "ipv4 icmpv6", f,
				      { NM_PKT_UNKNOWN_L4, 4, 58, 14, 20, 0, 0, 0, 0 } };
	cases[nc++] = (struct pcase){ "tcp6", t_tcp6(1000),
				      { NM_PKT_OK, 6, 6, 14, 40, 32, 0, 0, 0 } };
	f = t_tcp6(0);
	f.proto = NM_IPPROTO_UDP;
	f.pad = 10;
	cases[nc++] = (struct pcase){ "udp6 empty padded", f,
				      { NM_PKT_OK, 6, 17, 14, 40, 8, 10, 0, 0 } };
	f = t_tcp6(32);
	f.proto = NM_IPPROTO_ICMPV6;
	cases[nc++] = (struct pcase){ "icmpv6", f, { NM_PKT_OK, 6, 58, 14, 40, 8, 0, 0, 0 } };
	f = t_tcp6(32);
	f.proto = NM_IPPROTO_ICMP;
	cases[nc++] = (struct pcase){ "icmp over ipv6", f,
				      { NM_PKT_UNKNOWN_L4, 6, 1, 14, 40, 0, 0, 0, 0 } };
	{
		static const uint8_t t4[] = { NM_IPPROTO_HOPOPTS, NM_IPPROTO_DSTOPTS,
					      NM_IPPROTO_ROUTING, NM_IPPROTO_FRAGMENT };
		static const uint16_t l4[] = { 8, 24, 16, 8 };
		static const uint8_t t8[] = { NM_IPPROTO_HOPOPTS, NM_IPPROTO_DSTOPTS,
					      NM_IPPROTO_DSTOPTS, NM_IPPROTO_DSTOPTS,
					      NM_IPPROTO_ROUTING, NM_IPPROTO_ROUTING,
					      NM_IPPROTO_FRAGMENT, NM_IPPROTO_DSTOPTS };
		static const uint16_t l8[] = { 8, 8, 16, 8, 8, 8, 8, 2048 };
		static const uint8_t tf[] = { NM_IPPROTO_HOPOPTS, NM_IPPROTO_FRAGMENT };
		static const uint16_t lf[] = { 16, 8 };

		/* atomic fragment header (offset 0, M clear) is a whole packet */
		cases[nc++] = (struct pcase){ "tcp6 hbh dst rh atomic-frag",
					      ext6(t_tcp6(10), 4, t4, l4),
					      { NM_PKT_OK, 6, 6, 14, 40 + 56, 32, 0, 0, 0 } };
		f = ext6(t_tcp6(10), 8, t8, l8);
		f.proto = NM_IPPROTO_UDP;
		cases[nc++] = (struct pcase){ "udp6 eight ext headers", f,
					      { NM_PKT_OK, 6, 17, 14, 40 + 2112, 8, 0, 0, 0 } };
		f = ext6(t_tcp6(100), 2, tf, lf);
		f.frag_off = 0x0001;		/* M set, offset 0 */
		cases[nc++] = (struct pcase){ "ipv6 fragment", f,
					      { NM_PKT_IP_FRAGMENT, 6, 6, 14, 64, 0, 0, 1, 0 } };
		f = ext6(t_tcp6(100), 1, tf + 1, lf + 1);
		f.frag_off = 0x00a8;		/* offset 21*8, last */
		cases[nc++] = (struct pcase){ "ipv6 last fragment", f,
					      { NM_PKT_IP_FRAGMENT, 6, 6, 14, 48, 0, 0, 1, 0 } };
	}
	f = t_tcp6(8);
	f.proto = NM_IPPROTO_NONE;
	cases[nc++] = (struct pcase){ "ipv6 no next header", f,
				      { NM_PKT_UNKNOWN_L4, 6, 59, 14, 40, 0, 0, 0, 0 } };
	f = t_tcp4(0);
	f.tcp_opts_len = 0;
	f.flags = NM_TCP_SYN | NM_TCP_ECE | NM_TCP_CWR;
	cases[nc++] = (struct pcase){ "tcp4 bare syn", f,
				      { NM_PKT_OK, 4, 6, 14, 20, 20, 0, 0, 0 } };

	for (int i = 0; i < nc; i++) {
		const struct pcase *c = &cases[i];
		const struct expect *e = &c->e;
		struct nm_pkt_info in;
		uint32_t len = t_build(buf, sizeof(buf), &c->f);
		int r;

		T_ASSERT(len > 0);
		if (c->f.ethertype == NM_ETH_P_ARP) {
			buf[14 + 0] = 0, buf[14 + 1] = 1;	/* htype Ethernet */
			buf[14 + 2] = 8, buf[14 + 3] = 0;	/* ptype IPv4 */
			buf[14 + 4] = 6, buf[14 + 5] = 4;	/* hlen, plen */
		}
		r = nm_pkt_parse(buf, len, &in);
		if (r != 0 || in.drop_reason != e->reason)
			T_FAIL("%s: r=%d reason %s (want %s): %s", c->name, r,
			       nm_pkt_reason_name(in.drop_reason), nm_pkt_reason_name(e->reason),
			       nm_last_error());
		check_layout(&in, len);
		if (in.l3_proto != e->l3 || (e->l3 && in.l4_proto != e->l4_proto) ||
		    in.l2_len != e->l2_len || in.l3_len != e->l3_len ||
		    in.l4_hdr_len != e->l4_hdr_len || in.pad_len != e->pad ||
		    in.is_fragment != e->frag || in.nr_vlans != e->vlans)
			T_FAIL("%s: l3 %d l4 %d l2 %u l3len %u l4hdr %u pad %u frag %d vlans %d",
			       c->name, in.l3_proto, in.l4_proto, in.l2_len, in.l3_len,
			       in.l4_hdr_len, in.pad_len, in.is_fragment, in.nr_vlans);
		if (e->l3 == 4) {
			T_EQ(memcmp(in.src_addr + 12, c->f.src, 4), 0);
			T_EQ(memcmp(in.dst_addr + 12, c->f.dst, 4), 0);
			T_EQ(in.src_addr[10], 0xff);
			T_EQ(in.src_addr[0], 0);
			T_ASSERT(nm_pkt_v4_src(&in) == in.src_addr + 12);
		} else if (e->l3 == 6) {
			T_EQ(memcmp(in.src_addr, c->f.src, 16), 0);
			T_EQ(memcmp(in.dst_addr, c->f.dst, 16), 0);
		}
		if (e->l4_hdr_len && (e->l4_proto == 6 || e->l4_proto == 17)) {
			T_EQ(in.src_port, c->f.sport);
			T_EQ(in.dst_port, c->f.dport);
		}
		if (e->reason == NM_PKT_OK && e->l3)
			T_EQ(in.payload_len, c->f.payload_len);
		/* Header-only parse of the same frame agrees. */
		{
			struct nm_pkt_info h;

			T_OK(nm_pkt_parse_hdr(buf, in.hdr_len, len, &h));
			T_EQ(h.drop_reason, in.drop_reason);
			T_EQ(h.hdr_len, in.hdr_len);
			T_EQ(h.payload_len, in.payload_len);
			T_EQ(h.l3_end, in.l3_end);
		}
	}

	/* Field details of a few cases. */
	{
		struct nm_pkt_info in;
		uint32_t len;

		f = t_tcp4(100);
		len = t_build(buf, sizeof(buf), &f);
		T_OK(nm_pkt_parse(buf, len, &in));
		T_EQ(in.tcp_seq, 1000);
		T_EQ(in.tcp_ack, 2000);
		T_EQ(in.tcp_flags, NM_TCP_ACK);
		T_EQ(in.tcp_opts, NM_TCPOPT_F_TS);
		T_EQ(in.tcp_tsval, 1);
		T_EQ(in.tcp_tsecr, 2);
		T_EQ(in.ip_id, 7);
		T_EQ(in.ip_ttl, 64);
		T_EQ(in.ethertype, NM_ETH_P_IPV4);
		T_EQ(in.hdr_len, 14 + 20 + 32);

		f = t_tcp4(10);
		f.ip_opts_len = 40;
		memcpy(f.tcp_opts, cases[1].f.tcp_opts, 40);
		f.tcp_opts_len = 40;
		len = t_build(buf, sizeof(buf), &f);
		T_OK(nm_pkt_parse(buf, len, &in));
		T_EQ(in.tcp_opts, NM_TCPOPT_F_MSS | NM_TCPOPT_F_WS | NM_TCPOPT_F_SACK_PERM |
					  NM_TCPOPT_F_TS | NM_TCPOPT_F_SACK);
		T_EQ(in.tcp_mss, 1460);
		T_EQ(in.tcp_wscale, 7);
		T_EQ(in.tcp_tsval, 9);
		T_EQ(in.tcp_tsecr, 8);
		T_EQ(in.tcp_sack_blocks, 1);

		len = t_build(buf, sizeof(buf), &cases[5].f);	/* QinQ */
		T_OK(nm_pkt_parse(buf, len, &in));
		T_EQ(in.vlan_tpid[0], NM_ETH_P_8021AD);
		T_EQ(in.vlan_tpid[1], NM_ETH_P_8021Q);
		T_EQ(NM_VLAN_VID(in.vlan_tci[0]), 100);
		T_EQ(NM_VLAN_PCP(in.vlan_tci[0]), 5);
		T_EQ(NM_VLAN_VID(in.vlan_tci[1]), 200);
		T_EQ(in.ethertype, NM_ETH_P_IPV6);

		f = t_tcp6(5);
		f.proto = NM_IPPROTO_ICMPV6;
		len = t_build(buf, sizeof(buf), &f);
		T_OK(nm_pkt_parse(buf, len, &in));
		T_EQ(in.icmp_type, 128);
		T_EQ(in.ip_ttl, 64);

		/* routing header with segments left is reported */
		{
			static const uint8_t t1[] = { NM_IPPROTO_ROUTING };
			static const uint16_t l1[] = { 24 };

			f = ext6(t_tcp6(5), 1, t1, l1);
			len = t_build(buf, sizeof(buf), &f);
			buf[14 + 40 + 3] = 1;	/* segments left */
			T_OK(nm_pkt_parse(buf, len, &in));
			T_EQ(in.ipv6_rh_segs_left, 1);
			T_EQ(in.ipv6_nr_ext, 1);
		}

		/* header-only parse: only the headers are readable */
		f = t_tcp4(60000);
		len = t_build(buf, sizeof(buf), &f);
		T_OK(nm_pkt_parse_hdr(buf, 66, len, &in));
		T_EQ(in.hdr_len, 66);
		T_EQ(in.payload_len, 60000);
	}

	/* Bad arguments. */
	{
		struct nm_pkt_info in;

		T_ERR(nm_pkt_parse(NULL, 60, &in), -EINVAL);
		T_ERR(nm_pkt_parse(buf, 60, NULL), -EINVAL);
		T_ERR(nm_pkt_parse_hdr(buf, 61, 60, &in), -EINVAL);
		T_ERR(nm_pkt_parse_hdr(NULL, 0, 60, &in), -EINVAL);
		T_ASSERT(strcmp(nm_pkt_reason_name(NM_PKT_REASON_MAX), "?") == 0);
		T_ASSERT(strcmp(nm_pkt_reason_name(NM_PKT_BAD_UDP_LEN), "BAD_UDP_LEN") == 0);
	}
	T_PASS();
}
