/* SPDX-License-Identifier: MIT */
/*
 * Per-packet costs of the NIC's pure packet functions: parse, checksum
 * (against a naive 16-bit loop measured in the same run), Toeplitz (against
 * the bit-by-bit reference), RSS of a parsed frame, ntuple lookup, TSO
 * header generation.  Frames come from the tests' builder.
 */
#include <string.h>

#include "bench.h"
#include "t_frame.h"
#include "nic/csum.h"
#include "nic/ntuple.h"
#include "nic/pkt.h"
#include "nic/rss.h"
#include "nic/tso.h"
#include "nic/wire_drv.h"

static uint8_t f4[2048], f6[2048], big[70000], seg[4096];

/* The obvious loop: one big-endian 16-bit word at a time. */
static __attribute__((noinline)) uint16_t naive_csum(const uint8_t *p, size_t n)
{
	return t_ref_csum(p, n, 0);
}

#define TIME(iters, body)                                                    \
	({                                                                   \
		uint64_t _t0 = t_now_ns();                            \
		for (long _i = 0; _i < (iters); _i++) {                      \
			body;                                                \
		}                                                            \
		(double)(t_now_ns() - _t0) / (double)(iters);         \
	})

int main(void)
{
	long n = nm_bench_quick() ? 200000 : 5000000;
	struct nm_pkt_info in4, in6, tmp;
	struct t_frame f;
	uint32_t len4, len6, lenbig;
	static struct nm_rss rss;
	struct nm_ntuple_table *nt;
	double v, b;

	f = t_tcp4(1448);
	len4 = t_build(f4, sizeof(f4), &f);
	f = t_tcp6(1448);
	f.nr_ext = 2;
	f.ext_type[0] = NM_IPPROTO_HOPOPTS, f.ext_len[0] = 8;
	f.ext_type[1] = NM_IPPROTO_DSTOPTS, f.ext_len[1] = 16;
	len6 = t_build(f6, sizeof(f6), &f);
	f = t_tcp4(65535 - 52);
	lenbig = t_build(big, sizeof(big), &f);
	nm_pkt_parse(f4, len4, &in4);
	nm_pkt_parse(f6, len6, &in6);

	v = TIME(n, nm_pkt_parse(f4, len4, &tmp); nm_bench_keep(tmp.hdr_len));
	nm_bench_emit("pkt", "parse_tcp4_ts", v, "ns/frame", -1, 0);
	v = TIME(n, nm_pkt_parse(f6, len6, &tmp); nm_bench_keep(tmp.hdr_len));
	nm_bench_emit("pkt", "parse_tcp6_2ext", v, "ns/frame", -1, 0);

	v = TIME(n / 10, nm_bench_keep(nm_csum(f4 + 1, 1500)));
	b = TIME(n / 10, nm_bench_keep(naive_csum(f4 + 1, 1500)));
	nm_bench_emit("pkt", "csum_1500B", 1500 / v, "GB/s", 1500 / b, b / v);
	v = TIME(n / 400, nm_bench_keep(nm_csum(big, 65536)));
	b = TIME(n / 400, nm_bench_keep(naive_csum(big, 65536)));
	nm_bench_emit("pkt", "csum_64KiB", 65536 / v, "GB/s", 65536 / b, b / v);
	v = TIME(n, nm_bench_keep(nm_csum_l4_verify(f4, len4, &in4)));
	nm_bench_emit("pkt", "l4_verify_tcp4_1448", v, "ns/frame", -1, 0);

	nm_rss_init(&rss, 16);
	{
		uint8_t inp[12];
		uint32_t k = 0;

		memcpy(inp, in4.src_addr + 12, 4);
		memcpy(inp + 4, in4.dst_addr + 12, 4);
		v = TIME(n, inp[11] = (uint8_t)_i;
			 k ^= nm_rss_toeplitz(&rss, inp, 12); nm_bench_keep(k));
		b = TIME(n / 10, inp[11] = (uint8_t)_i;
			 k ^= nm_rss_toeplitz_ref(nm_rss_default_key, 40, inp, 12);
			 nm_bench_keep(k));
		nm_bench_emit("pkt", "toeplitz_v4_4tuple", v, "ns/hash", b, v / b);
	}
	{
		uint32_t h;
		uint16_t q;

		v = TIME(n, nm_rss_hash_pkt(&rss, &in6, &h, &q); nm_bench_keep(q));
		nm_bench_emit("pkt", "rss_hash_pkt_tcp6", v, "ns/frame", -1, 0);
	}

	nm_ntuple_create(0, 16, &nt);
	for (int i = 0; i < 8; i++) {
		struct nm_ntuple_rule r;

		nm_ntuple_rule_init(&r, NM_NTUPLE_TCP4, i);
		nm_ntuple_rule_set_port(&r, NM_NTUPLE_DST, (uint16_t)(1000 + i), 0xffff);
		nm_ntuple_add(nt, &r);
	}
	{
		int32_t act;

		v = TIME(n, nm_bench_keep(nm_ntuple_lookup(nt, &in4, &act, NULL)));
		nm_bench_emit("pkt", "ntuple_lookup_8rules_miss", v, "ns/frame", -1, 0);
		in4.dst_port = 1007;
		v = TIME(n, nm_bench_keep(nm_ntuple_lookup(nt, &in4, &act, NULL)));
		nm_bench_emit("pkt", "ntuple_lookup_8rules_hit_last", v, "ns/frame", -1, 0);
		v = TIME(n, nm_bench_keep(nm_ntuple_lookup(nt, &in6, &act, NULL)));
		nm_bench_emit("pkt", "ntuple_lookup_no_rules_of_type", v, "ns/frame", -1, 0);
	}
	nm_ntuple_destroy(nt);

	{
		struct nm_tso t;
		struct nm_tso_seg s;
		long m = n / 50;
		uint64_t t0 = t_now_ns();
		long segs = 0;

		/* headers only: the payload sums are the DMA engine's job */
		for (long i = 0; i < m; i++) {
			nm_tso_prepare(&t, big, 66, lenbig, NM_WIRE_GSO_TCPV4, 1448);
			for (uint32_t k = 0; k < t.nr_segs; k++, segs++)
				nm_tso_segment(&t, k, 0x1234, 0, seg, sizeof(seg), &s);
		}
		v = (double)(t_now_ns() - t0);
		nm_bench_emit("pkt", "tso_64k_headers", v / m, "ns/superframe", -1, 0);
		nm_bench_emit("pkt", "tso_segment_header", v / segs, "ns/segment", -1, 0);
	}
	return 0;
}
