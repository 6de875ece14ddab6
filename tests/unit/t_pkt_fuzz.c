/* Fuzz: 10^6 random and mutated frames (truncations, extensions, length
 * fields that lie, random bytes in TCP options and IPv6 extension headers,
 * bit flips) through nm_pkt_parse, nm_pkt_parse_hdr, the checksum verifiers,
 * RSS, ntuple and TSO.  Every frame lives in a buffer of exactly its length
 * so ASan catches any read past it.  A frame either parses with the layout
 * invariants of pkt.h or is refused with -EBADMSG and a drop reason; never
 * anything else.  Prints the count per reason. */
#include <errno.h>

#include "nic/csum.h"
#include "nic/ntuple.h"
#include "nic/rss.h"
#include "nic/tso.h"
#include "util/err.h"
#include "t_util.h"
#include "t_pkt_util.h"

#define ROUNDS	1000000
#define NSEEDS	24

static uint8_t seeds[NSEEDS][2048];
static uint32_t seed_len[NSEEDS];
static int nseeds;
static uint64_t rng = 0xf0220f022;
static long reasons[NM_PKT_REASON_MAX];
static long csum_res[5];	/* OK, NONE, BADMSG, OPNOTSUPP, other */
static long tso_ok, tso_segs, hdr_parses;
static struct nm_rss rss;
static struct nm_ntuple_table *nt;

static void add_seed(const struct t_frame *f)
{
	seed_len[nseeds] = t_build(seeds[nseeds], sizeof(seeds[0]), f);
	T_ASSERT(seed_len[nseeds] > 0);
	nseeds++;
}

static void make_seeds(void)
{
	struct t_frame f;
	static const uint8_t opts[20] = { 2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2,
					  8, 10, 1, 2, 3, 4, 5, 6, 7, 8 };

	f = t_tcp4(200);
	add_seed(&f);
	f = t_tcp4(40);
	f.ip_opts_len = 20;
	memcpy(f.tcp_opts, opts, 20);
	f.tcp_opts_len = 20;
	add_seed(&f);
	f = t_tcp4(0);
	f.pad = 6;
	add_seed(&f);
	f = t_tcp4(77);
	f.proto = NM_IPPROTO_UDP;
	add_seed(&f);
	f.no_csum = true;		/* UDP/IPv4 without a checksum */
	add_seed(&f);
	f.no_csum = false;
	f.proto = NM_IPPROTO_ICMP;
	add_seed(&f);
	f = t_tcp4(100);
	f.frag_off = 0x2000;
	add_seed(&f);
	f = t_tcp4(60);
	f.nr_vlans = 2;
	f.vlan_tpid[0] = NM_ETH_P_8021AD, f.vlan_tpid[1] = NM_ETH_P_8021Q;
	add_seed(&f);
	f = t_tcp6(300);
	add_seed(&f);
	f = t_tcp6(30);
	f.nr_ext = 4;
	f.ext_type[0] = NM_IPPROTO_HOPOPTS, f.ext_len[0] = 8;
	f.ext_type[1] = NM_IPPROTO_DSTOPTS, f.ext_len[1] = 16;
	f.ext_type[2] = NM_IPPROTO_ROUTING, f.ext_len[2] = 24;
	f.ext_type[3] = NM_IPPROTO_FRAGMENT, f.ext_len[3] = 8;
	add_seed(&f);
	f.frag_off = 0x0009;
	add_seed(&f);
	f = t_tcp6(50);
	f.proto = NM_IPPROTO_UDP;
	add_seed(&f);
	f.proto = NM_IPPROTO_ICMPV6;
	add_seed(&f);
	f = t_tcp6(20);
	f.nr_vlans = 1;
	f.vlan_tpid[0] = NM_ETH_P_8021Q;
	memcpy(f.tcp_opts, opts, 20);
	f.tcp_opts_len = 20;
	add_seed(&f);
	f = (struct t_frame){ .ethertype = NM_ETH_P_ARP, .payload_len = 46 };
	add_seed(&f);
	seeds[nseeds - 1][18] = 6, seeds[nseeds - 1][19] = 4;
	f = (struct t_frame){ .ethertype = 0x88cc, .payload_len = 60 };
	add_seed(&f);
	f = t_tcp4(1400);
	add_seed(&f);
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(t_rand(&rng) % n) : 0;
}

/* Places where length fields and options live in the seeds. */
static const uint16_t hot_offsets[] = {
	12, 13, 14, 15, 16, 17, 18, 19, 20, 21,		/* ethertype, VLAN, IP start */
	16, 17, 18, 19, 20,				/* IPv4 total length, IPv6 plen */
	23, 20, 54, 55, 56, 57, 62, 63, 70, 71, 78, 79,	/* next headers, ext lengths */
	38, 39, 46, 47, 54, 55, 58, 59, 66, 67,		/* TCP doff, UDP len */
};

static uint32_t mutate(uint8_t *f, uint32_t len, uint32_t cap)
{
	uint32_t nmut = 1 + rnd(4);

	for (uint32_t m = 0; m < nmut; m++) {
		switch (rnd(9)) {
		case 0:		/* truncate */
			len = rnd(len + 1);
			break;
		case 1: {	/* extend with random bytes */
			uint32_t add = rnd(64);

			if (len + add > cap)
				add = cap - len;
			for (uint32_t i = 0; i < add; i++)
				f[len + i] = (uint8_t)t_rand(&rng);
			len += add;
			break;
		}
		case 2:		/* random byte in the headers */
			if (len)
				f[rnd(len < 128 ? len : 128)] = (uint8_t)t_rand(&rng);
			break;
		case 3:		/* bit flip anywhere */
			if (len)
				f[rnd(len)] ^= (uint8_t)(1u << rnd(8));
			break;
		case 4: {	/* a length field lies: extreme or off-by-small values */
			uint32_t at = hot_offsets[rnd(NM_ARRAY_SIZE(hot_offsets))];
			static const uint8_t vals[] = { 0, 1, 2, 4, 5, 7, 8, 0x0f, 0x10, 0x40,
							0x45, 0x4f, 0x50, 0x60, 0x7f, 0x80,
							0xf0, 0xfe, 0xff };

			if (at < len)
				f[at] = rnd(2) ? vals[rnd(sizeof(vals))] : (uint8_t)(f[at] + rnd(5) - 2);
			break;
		}
		case 5: {	/* TCP-option-like junk after a plausible TCP header */
			static const uint8_t kinds[] = { 0, 1, 2, 3, 4, 5, 8, 10, 18, 34, 99 };
			uint32_t at = 34 + rnd(70);

			for (uint32_t i = 0; i < 1 + rnd(12) && at + i < len; i++)
				f[at + i] = kinds[rnd(sizeof(kinds))];
			break;
		}
		case 6:		/* ethertype to something parsable */
			if (len >= 14) {
				static const uint16_t et[] = { NM_ETH_P_IPV4, NM_ETH_P_IPV6,
							       NM_ETH_P_8021Q, NM_ETH_P_8021AD,
							       NM_ETH_P_ARP };
				t_wr16(f + 12, et[rnd(5)]);
			}
			break;
		case 7:		/* IP protocol / next header */
			if (len > 40) {
				static const uint8_t pr[] = { 0, 1, 6, 17, 43, 44, 58, 59, 60 };

				f[rnd(2) ? 23 : 20] = pr[rnd(sizeof(pr))];
			}
			break;
		case 8:		/* swap in a chunk from another seed */
			if (len > 20) {
				uint32_t s = rnd((uint32_t)nseeds), at = rnd(len - 8), n = rnd(8);

				if (at + n <= seed_len[s])
					memcpy(f + at, seeds[s] + at, n);
			}
			break;
		}
	}
	return len;
}

static void check_parsed(const uint8_t *f, uint32_t len, const struct nm_pkt_info *in)
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
	(void)f;
}

static void exercise(const uint8_t *f, uint32_t len)
{
	struct nm_pkt_info in;
	int r = nm_pkt_parse(f, len, &in);

	if (r != 0 && r != -EBADMSG)
		T_FAIL("parse returned %d", r);
	T_ASSERT(in.drop_reason < NM_PKT_REASON_MAX);
	reasons[in.drop_reason]++;
	if (r) {
		T_ASSERT(nm_pkt_reason_is_drop(in.drop_reason));
		T_ASSERT(in.drop_off <= len);
		return;
	}
	check_parsed(f, len, &in);

	r = nm_csum_l4_verify(f, len, &in);
	csum_res[r == NM_CSUM_OK ? 0 : r == NM_CSUM_NONE ? 1 : r == -EBADMSG ? 2
					: r == -EOPNOTSUPP ? 3 : 4]++;
	T_ASSERT(csum_res[4] == 0);
	if (in.l3_proto == 4) {
		r = nm_csum_ipv4_verify(f, len, &in);
		T_ASSERT(r == 0 || r == -EBADMSG);
	}
	if (in.l4_hdr_len) {
		uint32_t h = in.payload_off + rnd(in.l3_end - in.payload_off + 1);
		int r2 = nm_csum_l4_verify_split(f, h, &in, nm_csum_partial(f + h, in.l3_end - h, 0));
		int r1 = nm_csum_l4_verify(f, len, &in);

		T_EQ(r1, r2);
	}
	{
		uint32_t hash;
		uint16_t q;
		int32_t act;

		T_ASSERT(nm_rss_hash_pkt(&rss, &in, &hash, &q) >= 0);
		T_ASSERT(q < 8);
		T_ASSERT(nm_ntuple_lookup(nt, &in, &act, NULL) >= 0);
	}
	/* Header-only parse with the bytes after hdr_avail really absent. */
	{
		uint32_t avail = rnd(len + 1);
		uint8_t *h = malloc(avail ? avail : 1);
		struct nm_pkt_info hi;

		memcpy(h, f, avail);
		r = nm_pkt_parse_hdr(h, avail, len, &hi);
		T_ASSERT(r == 0 || r == -EBADMSG);
		if (avail >= in.payload_off) {	/* enough for the headers: same answer */
			T_EQ(r, 0);
			T_EQ(hi.hdr_len, in.hdr_len);
			T_EQ(hi.drop_reason, in.drop_reason);
		}
		hdr_parses++;
		free(h);
	}
	/* TSO on whatever parsed as TCP/UDP. */
	if (in.l4_hdr_len && (in.l4_proto == 6 || in.l4_proto == 17)) {
		static const uint8_t types[] = { NM_WIRE_GSO_TCPV4, NM_WIRE_GSO_TCPV6,
						 NM_WIRE_GSO_UDP_L4 };
		struct nm_tso t;
		uint8_t out[4096];

		if (nm_tso_prepare(&t, f, len, len, types[rnd(3)], (uint16_t)(1 + rnd(600))) == 0) {
			tso_ok++;
			for (uint32_t i = 0; i < t.nr_segs && i < 3; i++) {
				struct nm_tso_seg s;
				uint32_t off, plen;

				T_OK(nm_tso_seg_range(&t, i, &off, &plen));
				T_ASSERT(off + plen <= len);
				T_ASSERT(t.hdr_len + plen <= sizeof(out));
				memcpy(out + t.hdr_len, f + off, plen);
				T_OK(nm_tso_segment(&t, i, nm_csum_partial(f + off, plen, 0), 0, out,
						    sizeof(out), &s));
				T_OK(nm_pkt_parse(out, s.frame_len, &in));
				T_EQ(nm_csum_l4_verify(out, s.frame_len, &in), NM_CSUM_OK);
				tso_segs++;
			}
		}
	}
}

int main(void)
{
	static uint8_t work[4096];
	struct nm_ntuple_rule rule;

	make_seeds();
	T_OK(nm_rss_init(&rss, 8));
	T_OK(nm_ntuple_create(0, 8, &nt));
	T_OK(nm_ntuple_rule_init(&rule, NM_NTUPLE_TCP4, 1));
	T_OK(nm_ntuple_rule_set_port(&rule, NM_NTUPLE_DST, 80, 0xffff));
	T_OK(nm_ntuple_add(nt, &rule));
	T_OK(nm_ntuple_rule_init(&rule, NM_NTUPLE_UDP6, NM_NTUPLE_DROP));
	T_OK(nm_ntuple_add(nt, &rule));

	for (long i = 0; i < ROUNDS; i++) {
		uint32_t len;
		uint8_t *f;

		if (i % 10 == 0) {		/* random bytes, often with a real ethertype */
			len = rnd(160);
			for (uint32_t k = 0; k < len; k++)
				work[k] = (uint8_t)t_rand(&rng);
			if (len >= 15 && rnd(2)) {
				t_wr16(work + 12, rnd(2) ? NM_ETH_P_IPV4 : NM_ETH_P_IPV6);
				work[14] = (uint8_t)(work[12] == 0x08 ? 0x45 : 0x60);
			}
		} else {
			int s = (int)rnd((uint32_t)nseeds);

			memcpy(work, seeds[s], seed_len[s]);
			len = mutate(work, seed_len[s], sizeof(work));
		}
		/* exactly len bytes, so any overread hits ASan's redzone */
		f = malloc(len ? len : 1);
		memcpy(f, work, len);
		exercise(f, len);
		free(f);
	}

	printf("%d frames (%d seeds): parse results\n", ROUNDS, nseeds);
	for (int r = 0; r < NM_PKT_REASON_MAX; r++)
		printf("  %-22s %ld\n", nm_pkt_reason_name(r), reasons[r]);
	printf("l4 checksum: ok %ld, none %ld, bad %ld, cannot verify %ld\n", csum_res[0],
	       csum_res[1], csum_res[2], csum_res[3]);
	printf("header-only parses %ld, TSO super-frames %ld (%ld segments checked)\n",
	       hdr_parses, tso_ok, tso_segs);
	/* The fuzzer reached every reason and every path. */
	for (int r = 0; r < NM_PKT_REASON_MAX; r++)
		if (reasons[r] == 0)
			T_FAIL("no frame ended with %s", nm_pkt_reason_name(r));
	T_ASSERT(csum_res[0] > 0 && csum_res[1] > 0 && csum_res[2] > 0 && csum_res[3] > 0);
	T_ASSERT(tso_segs > 1000);
	nm_ntuple_destroy(nt);
	T_PASS();
}
