/* SPDX-License-Identifier: MIT */
/*
 * One frame through the NIC's packet code with its oracles (t_pkt_check.h).
 */
#include "t_pkt_check.h"
#include "nic/wire_drv.h"

void t_pkt_tables_init(struct t_pkt_tables *t)
{
	struct nm_ntuple_rule rule;

	T_OK(nm_rss_init(&t->rss, 8));
	T_OK(nm_ntuple_create(0, 8, &t->nt));
	T_OK(nm_ntuple_rule_init(&rule, NM_NTUPLE_TCP4, 1));
	T_OK(nm_ntuple_rule_set_port(&rule, NM_NTUPLE_DST, 80, 0xffff));
	T_OK(nm_ntuple_add(t->nt, &rule));
	T_OK(nm_ntuple_rule_init(&rule, NM_NTUPLE_UDP6, NM_NTUPLE_DROP));
	T_OK(nm_ntuple_add(t->nt, &rule));
}

void t_pkt_tables_fini(struct t_pkt_tables *t)
{
	nm_ntuple_destroy(t->nt);
	t->nt = NULL;
}

/* Calls add(frame, len, ctx) for each seed frame: TCP/UDP/ICMP over IPv4
 * and IPv6 with options, extension headers, fragments, VLAN tags,
 * padding, ARP and an unknown ethertype. */
void t_pkt_seed_frames(void (*add)(const uint8_t *f, uint32_t len, void *ctx), void *ctx)
{
	static const uint8_t opts[20] = { 2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2,
					  8, 10, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct t_frame fr[20];
	uint8_t buf[2048];
	int n = 0;

	fr[n++] = t_tcp4(200);
	fr[n] = t_tcp4(40);
	fr[n].ip_opts_len = 20;
	memcpy(fr[n].tcp_opts, opts, 20);
	fr[n++].tcp_opts_len = 20;
	fr[n] = t_tcp4(0);
	fr[n++].pad = 6;
	fr[n] = t_tcp4(77);
	fr[n++].proto = NM_IPPROTO_UDP;
	fr[n] = fr[n - 1];
	fr[n++].no_csum = true;		/* UDP/IPv4 without a checksum */
	fr[n] = fr[n - 2];
	fr[n++].proto = NM_IPPROTO_ICMP;
	fr[n] = t_tcp4(100);
	fr[n++].frag_off = 0x2000;
	fr[n] = t_tcp4(60);
	fr[n].nr_vlans = 2;
	fr[n].vlan_tpid[0] = NM_ETH_P_8021AD;
	fr[n++].vlan_tpid[1] = NM_ETH_P_8021Q;
	fr[n++] = t_tcp6(300);
	fr[n] = t_tcp6(30);
	fr[n].nr_ext = 4;
	fr[n].ext_type[0] = NM_IPPROTO_HOPOPTS, fr[n].ext_len[0] = 8;
	fr[n].ext_type[1] = NM_IPPROTO_DSTOPTS, fr[n].ext_len[1] = 16;
	fr[n].ext_type[2] = NM_IPPROTO_ROUTING, fr[n].ext_len[2] = 24;
	fr[n].ext_type[3] = NM_IPPROTO_FRAGMENT, fr[n++].ext_len[3] = 8;
	fr[n] = fr[n - 1];
	fr[n++].frag_off = 0x0009;
	fr[n] = t_tcp6(50);
	fr[n++].proto = NM_IPPROTO_UDP;
	fr[n] = fr[n - 1];
	fr[n++].proto = NM_IPPROTO_ICMPV6;
	fr[n] = t_tcp6(20);
	fr[n].nr_vlans = 1;
	fr[n].vlan_tpid[0] = NM_ETH_P_8021Q;
	memcpy(fr[n].tcp_opts, opts, 20);
	fr[n++].tcp_opts_len = 20;
	fr[n++] = (struct t_frame){ .ethertype = NM_ETH_P_ARP, .payload_len = 46 };
	fr[n++] = (struct t_frame){ .ethertype = 0x88cc, .payload_len = 60 };
	fr[n++] = t_tcp4(1400);
	for (int i = 0; i < n; i++) {
		uint32_t len = t_build(buf, sizeof(buf), &fr[i]);

		T_ASSERT(len > 0);
		if (fr[i].ethertype == NM_ETH_P_ARP)
			buf[18] = 6, buf[19] = 4;	/* hardware / protocol address lengths */
		add(buf, len, ctx);
	}
}

void t_pkt_check_parsed(uint32_t len, const struct nm_pkt_info *in)
{
	T_EQ(in->len, len);
	T_EQ(in->l3_off, in->l2_len);
	T_ASSERT(in->l3_off <= in->l4_off && in->l4_off <= in->payload_off);
	T_ASSERT(in->payload_off <= in->l3_end && in->l3_end <= len);
	T_EQ(in->payload_off + in->payload_len + in->pad_len, len);
	T_EQ(in->hdr_len, in->payload_off);
	T_EQ(in->l4_hdr_len, in->payload_off - in->l4_off);
	T_ASSERT(!nm_pkt_reason_is_drop(in->drop_reason));
	T_ASSERT(in->nr_vlans <= 2);
}

void t_pkt_check_csum(const uint8_t *f, uint32_t len, const struct nm_pkt_info *in,
		      const struct t_pkt_pick *pk, struct t_pkt_counts *c)
{
	int r = nm_csum_l4_verify(f, len, in);

	c->csum_res[r == NM_CSUM_OK ? 0 : r == NM_CSUM_NONE ? 1 : r == -EBADMSG ? 2
					: r == -EOPNOTSUPP ? 3 : 4]++;
	T_ASSERT(c->csum_res[4] == 0);
	if (in->l3_proto == 4) {
		r = nm_csum_ipv4_verify(f, len, in);
		T_ASSERT(r == 0 || r == -EBADMSG);
	}
	if (in->l4_hdr_len) {
		uint32_t h = in->payload_off + pk->split % (in->l3_end - in->payload_off + 1);
		int r2 = nm_csum_l4_verify_split(f, h, in,
						 nm_csum_partial(f + h, in->l3_end - h, 0));

		T_EQ(nm_csum_l4_verify(f, len, in), r2);
	}
}

/* Header-only parse with the bytes after hdr_avail really absent. */
void t_pkt_check_hdr(const uint8_t *f, uint32_t len, const struct nm_pkt_info *in,
		     const struct t_pkt_pick *pk, struct t_pkt_counts *c)
{
	uint32_t avail = pk->avail % (len + 1);
	uint8_t *h = malloc(avail ? avail : 1);
	struct nm_pkt_info hi;
	int r;

	T_ASSERT(h);
	memcpy(h, f, avail);
	r = nm_pkt_parse_hdr(h, avail, len, &hi);
	T_ASSERT(r == 0 || r == -EBADMSG);
	if (avail >= in->payload_off) {	/* enough for the headers: same answer */
		T_EQ(r, 0);
		T_EQ(hi.hdr_len, in->hdr_len);
		T_EQ(hi.drop_reason, in->drop_reason);
	}
	c->hdr_parses++;
	free(h);
}

/* TSO on whatever parsed as TCP/UDP: every segment parses, checksum good. */
void t_pkt_check_tso(const uint8_t *f, uint32_t len, const struct nm_pkt_info *in,
		     const struct t_pkt_pick *pk, struct t_pkt_counts *c)
{
	static const uint8_t types[] = { NM_WIRE_GSO_TCPV4, NM_WIRE_GSO_TCPV6,
					 NM_WIRE_GSO_UDP_L4 };
	struct nm_pkt_info so;
	struct nm_tso t;
	uint8_t out[4096];

	if (!in->l4_hdr_len || (in->l4_proto != 6 && in->l4_proto != 17))
		return;
	if (nm_tso_prepare(&t, f, len, len, types[pk->tso_type % 3],
			   (uint16_t)(1 + pk->tso_mss % 600)) != 0)
		return;
	c->tso_ok++;
	for (uint32_t i = 0; i < t.nr_segs && i < 3; i++) {
		struct nm_tso_seg s;
		uint32_t off, plen;

		T_OK(nm_tso_seg_range(&t, i, &off, &plen));
		T_ASSERT(off + plen <= len);
		T_ASSERT(t.hdr_len + plen <= sizeof(out));
		memcpy(out + t.hdr_len, f + off, plen);
		T_OK(nm_tso_segment(&t, i, nm_csum_partial(f + off, plen, 0), 0, out, sizeof(out),
				    &s));
		T_OK(nm_pkt_parse(out, s.frame_len, &so));
		T_EQ(nm_csum_l4_verify(out, s.frame_len, &so), NM_CSUM_OK);
		c->tso_segs++;
	}
}

/* The frame must lie in a buffer of exactly len bytes (reads past it are
 * ASan reports). */
void t_pkt_exercise(const uint8_t *f, uint32_t len, const struct t_pkt_pick *pk,
		    const struct t_pkt_tables *tb, struct t_pkt_counts *c)
{
	struct nm_pkt_info in;
	int r = nm_pkt_parse(f, len, &in);
	uint32_t hash;
	uint16_t q;
	int32_t act;

	if (r != 0 && r != -EBADMSG)
		T_FAIL("parse returned %d", r);
	T_ASSERT(in.drop_reason < NM_PKT_REASON_MAX);
	c->reasons[in.drop_reason]++;
	if (r) {
		T_ASSERT(nm_pkt_reason_is_drop(in.drop_reason));
		T_ASSERT(in.drop_off <= len);
		return;
	}
	t_pkt_check_parsed(len, &in);
	t_pkt_check_csum(f, len, &in, pk, c);
	T_ASSERT(nm_rss_hash_pkt(&tb->rss, &in, &hash, &q) >= 0);
	T_ASSERT(q < 8);
	T_ASSERT(nm_ntuple_lookup(tb->nt, &in, &act, NULL) >= 0);
	t_pkt_check_hdr(f, len, &in, pk, c);
	t_pkt_check_tso(f, len, &in, pk, c);
}
