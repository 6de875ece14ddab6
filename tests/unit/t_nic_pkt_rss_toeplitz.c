/* Toeplitz hash against the Microsoft RSS specification's verification
 * suite (IPv4 and IPv6, with and without ports, default key): through the
 * tuple helpers, the raw byte interface, the bit-by-bit reference and parsed
 * TCP frames.  Then the table-driven hash against the reference for random
 * keys and inputs of every length. */
#include <errno.h>

#include "nic/rss.h"
#include "util/err.h"
#include "t_util.h"
#include "t_frame.h"

struct v4 {
	uint8_t src[4], dst[4];
	uint16_t sport, dport;
	uint32_t h2, h4;
};

struct v6 {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t h2, h4;
};

/* "Verifying the RSS Hash Calculation" (Microsoft), also in the Intel 82599
 * datasheet's RSS verification suite. */
static const struct v4 v4s[] = {
	{ { 66, 9, 149, 187 }, { 161, 142, 100, 80 }, 2794, 1766, 0x323e8fc2, 0x51ccc178 },
	{ { 199, 92, 111, 2 }, { 65, 69, 140, 83 }, 14230, 4739, 0xd718262a, 0xc626b0ea },
	{ { 24, 19, 198, 95 }, { 12, 22, 207, 184 }, 12898, 38024, 0xd2d0a5de, 0x5c2b394a },
	{ { 38, 27, 205, 30 }, { 209, 142, 163, 6 }, 48228, 2217, 0x82989176, 0xafc7327f },
	{ { 153, 39, 163, 191 }, { 202, 188, 127, 2 }, 44251, 1303, 0x5d1809c5, 0x10e828a2 },
};

static const struct v6 v6s[] = {
	{ /* 3ffe:2501:200:1fff::7 -> 3ffe:2501:200:3::1 */
	  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x07 },
	  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 0x01 },
	  2794, 1766, 0x2cc18cd5, 0x40207d3d },
	{ /* 3ffe:501:8::260:97ff:fe40:efab -> ff02::1 */
	  { 0x3f, 0xfe, 0x05, 0x01, 0x00, 0x08, 0, 0, 0x02, 0x60, 0x97, 0xff, 0xfe, 0x40, 0xef,
	    0xab },
	  { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 },
	  14230, 4739, 0x0f0c461c, 0xdde51bbf },
	{ /* 3ffe:1900:4545:3:200:f8ff:fe21:67cf -> fe80::200:f8ff:fe21:67cf */
	  { 0x3f, 0xfe, 0x19, 0x00, 0x45, 0x45, 0x00, 0x03, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21,
	    0x67, 0xcf },
	  { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf },
	  44251, 38024, 0x4b61e985, 0x02d1feef },
};

static struct nm_rss rss;

static void check_frame(int ip, const uint8_t *src, const uint8_t *dst, uint16_t sport,
			uint16_t dport, uint32_t h2, uint32_t h4)
{
	static uint8_t buf[2048];
	struct t_frame f = ip == 4 ? t_tcp4(10) : t_tcp6(10);
	struct nm_pkt_info in;
	uint32_t len, hash;
	uint16_t q;

	memcpy(f.src, src, ip == 4 ? 4 : 16);
	memcpy(f.dst, dst, ip == 4 ? 4 : 16);
	f.sport = sport;
	f.dport = dport;
	len = t_build(buf, sizeof(buf), &f);
	T_OK(nm_pkt_parse(buf, len, &in));
	T_EQ(nm_rss_hash_pkt(&rss, &in, &hash, &q), NM_RSS_HASH_L4);
	T_EQ(hash, h4);
	T_EQ(q, rss.indir[h4 & 127]);
	T_OK(nm_rss_set_l4_types(&rss, NM_RSS_L4_ALL & ~(ip == 4 ? NM_RSS_L4_TCP4
								: NM_RSS_L4_TCP6)));
	T_EQ(nm_rss_hash_pkt(&rss, &in, &hash, &q), NM_RSS_HASH_L3);
	T_EQ(hash, h2);
	T_OK(nm_rss_set_l4_types(&rss, NM_RSS_L4_ALL));
}

int main(void)
{
	uint64_t seed = 0x70e9117a;
	uint8_t in[36], key[NM_RSS_KEY_MAX];

	T_OK(nm_rss_init(&rss, 16));
	T_EQ(nm_rss_get_key(&rss, key, sizeof(key)), 40);
	T_EQ(memcmp(key, nm_rss_default_key, 40), 0);
	T_EQ(key[0], 0x6d);
	T_EQ(key[39], 0xfa);

	for (size_t i = 0; i < NM_ARRAY_SIZE(v4s); i++) {
		const struct v4 *v = &v4s[i];

		T_EQ(nm_rss_hash_v4(&rss, v->src, v->dst, v->sport, v->dport, false), v->h2);
		T_EQ(nm_rss_hash_v4(&rss, v->src, v->dst, v->sport, v->dport, true), v->h4);
		memcpy(in, v->src, 4);
		memcpy(in + 4, v->dst, 4);
		t_put16(in + 8, v->sport);
		t_put16(in + 10, v->dport);
		T_EQ(nm_rss_toeplitz(&rss, in, 8), v->h2);
		T_EQ(nm_rss_toeplitz(&rss, in, 12), v->h4);
		T_EQ(nm_rss_toeplitz_ref(nm_rss_default_key, 40, in, 8), v->h2);
		T_EQ(nm_rss_toeplitz_ref(nm_rss_default_key, 40, in, 12), v->h4);
		check_frame(4, v->src, v->dst, v->sport, v->dport, v->h2, v->h4);
	}
	for (size_t i = 0; i < NM_ARRAY_SIZE(v6s); i++) {
		const struct v6 *v = &v6s[i];

		T_EQ(nm_rss_hash_v6(&rss, v->src, v->dst, v->sport, v->dport, false), v->h2);
		T_EQ(nm_rss_hash_v6(&rss, v->src, v->dst, v->sport, v->dport, true), v->h4);
		memcpy(in, v->src, 16);
		memcpy(in + 16, v->dst, 16);
		t_put16(in + 32, v->sport);
		t_put16(in + 34, v->dport);
		T_EQ(nm_rss_toeplitz(&rss, in, 32), v->h2);
		T_EQ(nm_rss_toeplitz(&rss, in, 36), v->h4);
		T_EQ(nm_rss_toeplitz_ref(nm_rss_default_key, 40, in, 32), v->h2);
		T_EQ(nm_rss_toeplitz_ref(nm_rss_default_key, 40, in, 36), v->h4);
		check_frame(6, v->src, v->dst, v->sport, v->dport, v->h2, v->h4);
	}

	/* Random keys (40..64 bytes) and inputs: the table equals the reference. */
	for (int r = 0; r < 300; r++) {
		uint32_t klen = 40 + (uint32_t)(t_rand(&seed) % 25);

		for (uint32_t i = 0; i < klen; i++)
			key[i] = (uint8_t)t_rand(&seed);
		T_OK(nm_rss_set_key(&rss, key, klen));
		T_OK(nm_rss_check(&rss));
		for (int k = 0; k < 20; k++) {
			uint32_t n = (uint32_t)(t_rand(&seed) % 37);

			for (uint32_t i = 0; i < n; i++)
				in[i] = (uint8_t)t_rand(&seed);
			T_EQ(nm_rss_toeplitz(&rss, in, n), nm_rss_toeplitz_ref(key, klen, in, n));
		}
		{
			uint8_t back[NM_RSS_KEY_MAX];

			T_EQ(nm_rss_get_key(&rss, back, sizeof(back)), klen);
			T_EQ(memcmp(back, key, klen), 0);
		}
	}
	/* The spec's linearity: hash(a ^ b) == hash(a) ^ hash(b). */
	for (int r = 0; r < 1000; r++) {
		uint8_t a[36], b[36], x[36];

		for (int i = 0; i < 36; i++) {
			a[i] = (uint8_t)t_rand(&seed);
			b[i] = (uint8_t)t_rand(&seed);
			x[i] = a[i] ^ b[i];
		}
		T_EQ(nm_rss_toeplitz(&rss, x, 36),
		     nm_rss_toeplitz(&rss, a, 36) ^ nm_rss_toeplitz(&rss, b, 36));
	}

	/* Key errors. */
	T_ERR(nm_rss_set_key(&rss, key, 39), -EINVAL);
	T_ERR(nm_rss_set_key(&rss, key, 65), -EINVAL);
	T_ERR(nm_rss_set_key(&rss, NULL, 40), -EINVAL);
	T_ERR(nm_rss_set_key(NULL, key, 40), -EINVAL);
	T_ERR(nm_rss_get_key(&rss, key, 39), -ENOSPC);
	T_PASS();
}
