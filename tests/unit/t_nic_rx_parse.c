/* SPDX-License-Identifier: MIT */
/*
 * Parse once: every packet the NIC hands up carries what its parser
 * learned (NM_RX_F_PARSED, struct nm_rx_parse), the same as nm_pkt_parse()
 * says of the frame: offsets, protocols and the TCP options with their
 * values, the first SACK option's place and the blocks of all of them.
 * Frames: IPv4 TCP with a SYN's options, with timestamps and two SACK
 * options, IPv6 TCP, IPv4 UDP, an IPv4 fragment (no L4 header), a
 * VLAN-tagged frame; split (payload above hds-thresh) and not.
 */
#include "t_net.h"
#include "nic/netdev_drv.h"
#include "nic/pkt.h"

static void check(const struct nm_rx_pkt *p, const uint8_t *frame, uint32_t len)
{
	struct nm_pkt_info in;

	T_OK(nm_pkt_parse(frame, len, &in));
	T_ASSERT(p->flags & NM_RX_F_PARSED);
	T_EQ(p->parse.l3_off, in.l3_off);
	T_EQ(p->parse.l4_off, in.l4_off);
	T_EQ(p->parse.payload_off, in.payload_off);
	T_EQ(p->parse.l3_end, in.l3_end);
	T_EQ(p->parse.l3_proto, in.l3_proto);
	T_EQ(p->parse.l4_proto, in.l4_hdr_len ? in.l4_proto : 0);
	T_EQ(p->parse.tcp_opts, in.tcp_opts);
	T_EQ(p->parse.tcp_mss, in.tcp_mss);
	T_EQ(p->parse.tcp_wscale, in.tcp_wscale);
	T_EQ(p->parse.tcp_sack_off, in.tcp_sack_off);
	T_EQ(p->parse.tcp_sack_blocks, in.tcp_sack_blocks);
	T_EQ(p->parse.tcp_tsval, in.tcp_tsval);
	T_EQ(p->parse.tcp_tsecr, in.tcp_tsecr);
	/* every header the parse names lies in the header buffer */
	T_ASSERT(p->hdr_len >= p->parse.payload_off || !(p->flags & NM_RX_F_SPLIT));
}

/* Send frame, take the one packet it makes from queue 0, check it. */
static void roundtrip(struct t_nic *t, const uint8_t *frame, uint32_t len)
{
	struct nm_rx_pkt p;

	T_OK(t_wire_send(t->b, frame, len, NULL));
	T_EQ(nm_netdev_poll(t->nd, 8), 1);
	T_EQ(nm_netdev_rx_poll(t->nd, 0, &p, 1), 1);
	check(&p, frame, len);
	nm_rx_pkt_release(&p);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int main(void)
{
	static uint8_t f[2048], g[2048];
	struct nm_ringparam rp;
	struct nm_pkt_info in;
	struct t_nic t;
	struct t_flow fl;
	uint32_t len;
	uint8_t *o;

	t_nic_up(&t, 1, 1500, false);
	T_OK(nm_netdev_get_ringparam(t.nd, &rp));
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;
	rp.hds_thresh = 0;
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));
	t_flow_v4(&fl, 0xc6120001, 0xc6120002, 40000, 7000);

	/* a SYN's options: MSS, SACK permitted, timestamps, window scale */
	len = t_flow_frame(f, &fl, 0, 20);
	o = f + 14 + 20 + 20;
	memcpy(o, (const uint8_t[]){ 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 7, 0, 0, 0, 0,
				     1, 3, 3, 9 }, 20);
	f[14 + 20 + 13] = 0x02;
	T_ASSERT(t_fill_csums(f, len));
	roundtrip(&t, f, len);
	T_OK(nm_pkt_parse(f, len, &in));
	T_EQ(in.tcp_opts, NM_TCPOPT_F_MSS | NM_TCPOPT_F_SACK_PERM | NM_TCPOPT_F_TS | NM_TCPOPT_F_WS);
	T_EQ(in.tcp_mss, 1460);
	T_EQ(in.tcp_wscale, 9);
	T_EQ(in.tcp_tsval, 7);

	/* data with NOP NOP TS, then two SACK options of one and two blocks */
	len = t_flow_frame(f, &fl, 1000, 40);
	o = f + 14 + 20 + 20;
	memcpy(o, (const uint8_t[]){ 1, 1, 8, 10 }, 4);
	put32(o + 4, 0x01020304);
	put32(o + 8, 0x05060708);
	o[12] = 5;
	o[13] = 10;
	put32(o + 14, 1000);
	put32(o + 18, 2000);
	o[22] = 5;
	o[23] = 18;
	for (int i = 0; i < 4; i++)
		put32(o + 24 + 4 * i, 3000u + 1000u * (uint32_t)i);
	T_ASSERT(t_fill_csums(f, len));
	roundtrip(&t, f, len);
	T_OK(nm_pkt_parse(f, len, &in));
	T_EQ(in.tcp_sack_off, 20 + 12);
	T_EQ(in.tcp_sack_blocks, 3);
	T_EQ(in.tcp_tsecr, 0x05060708);

	/* IPv6, and a payload small enough not to be split */
	fl.v6 = 1;
	len = t_flow_frame(f, &fl, 1200, 12);
	roundtrip(&t, f, len);
	rp.hds_thresh = 256;
	T_OK(nm_netdev_set_ringparam(t.nd, &rp));
	len = t_flow_frame(f, &fl, 100, 0);
	roundtrip(&t, f, len);

	/* UDP */
	fl.v6 = 0;
	fl.udp = 1;
	len = t_flow_frame(f, &fl, 600, 0);
	roundtrip(&t, f, len);

	/* an IPv4 fragment: L3 only */
	fl.udp = 0;
	len = t_flow_frame(f, &fl, 600, 0);
	f[14 + 6] = 0x20;		/* MF */
	T_ASSERT(t_fill_csums(f, len));
	roundtrip(&t, f, len);
	T_OK(nm_pkt_parse(f, len, &in));
	T_ASSERT(in.is_fragment);

	/* a VLAN tag moves every offset by 4 */
	len = t_flow_frame(f, &fl, 600, 12);
	memcpy(g, f, 12);
	g[12] = 0x81;
	g[13] = 0x00;
	g[14] = 0;
	g[15] = 5;
	memcpy(g + 16, f + 12, len - 12);
	roundtrip(&t, g, len + 4);
	T_OK(nm_pkt_parse(g, len + 4, &in));
	T_EQ(in.l3_off, 18);

	t_nic_down(&t);
	T_PASS();
}
