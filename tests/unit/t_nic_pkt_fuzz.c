/* Fuzz: 10^6 random and mutated frames (truncations, extensions, length
 * fields that lie, random bytes in TCP options and IPv6 extension headers,
 * bit flips) through nm_pkt_parse, nm_pkt_parse_hdr, the checksum verifiers,
 * RSS, ntuple and TSO.  Every frame lives in a buffer of exactly its length
 * so ASan catches any read past it.  A frame either parses with the layout
 * invariants of pkt.h or is refused with -EBADMSG and a drop reason; never
 * anything else.  Prints the count per reason. */
#include "t_pkt_check.h"
#include "util/err.h"

#define ROUNDS	1000000
#define NSEEDS	24

static uint8_t seeds[NSEEDS][2048];
static uint32_t seed_len[NSEEDS];
static int nseeds;
static uint64_t rng = 0xf0220f022;

static void add_seed(const uint8_t *f, uint32_t len, void *ctx)
{
	(void)ctx;
	T_ASSERT(nseeds < NSEEDS && len <= sizeof(seeds[0]));
	memcpy(seeds[nseeds], f, len);
	seed_len[nseeds++] = len;
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
				t_put16(f + 12, et[rnd(5)]);
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

int main(void)
{
	static uint8_t work[4096];
	struct t_pkt_tables tb;
	struct t_pkt_counts c;

	memset(&c, 0, sizeof(c));
	t_pkt_seed_frames(add_seed, NULL);
	t_pkt_tables_init(&tb);

	for (long i = 0; i < ROUNDS; i++) {
		struct t_pkt_pick pk = { (uint32_t)t_rand(&rng), (uint32_t)t_rand(&rng),
					 (uint8_t)t_rand(&rng), (uint16_t)t_rand(&rng) };
		uint32_t len;
		uint8_t *f;

		if (i % 10 == 0) {		/* random bytes, often with a real ethertype */
			len = rnd(160);
			for (uint32_t k = 0; k < len; k++)
				work[k] = (uint8_t)t_rand(&rng);
			if (len >= 15 && rnd(2)) {
				t_put16(work + 12, rnd(2) ? NM_ETH_P_IPV4 : NM_ETH_P_IPV6);
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
		t_pkt_exercise(f, len, &pk, &tb, &c);
		free(f);
	}

	printf("%d frames (%d seeds): parse results\n", ROUNDS, nseeds);
	for (int r = 0; r < NM_PKT_REASON_MAX; r++)
		printf("  %-22s %ld\n", nm_pkt_reason_name(r), c.reasons[r]);
	printf("l4 checksum: ok %ld, none %ld, bad %ld, cannot verify %ld\n", c.csum_res[0],
	       c.csum_res[1], c.csum_res[2], c.csum_res[3]);
	printf("header-only parses %ld, TSO super-frames %ld (%ld segments checked)\n",
	       c.hdr_parses, c.tso_ok, c.tso_segs);
	/* The fuzzer reached every reason and every path. */
	for (int r = 0; r < NM_PKT_REASON_MAX; r++)
		if (c.reasons[r] == 0)
			T_FAIL("no frame ended with %s", nm_pkt_reason_name(r));
	T_ASSERT(c.csum_res[0] > 0 && c.csum_res[1] > 0 && c.csum_res[2] > 0 && c.csum_res[3] > 0);
	T_ASSERT(c.tso_segs > 1000);
	t_pkt_tables_fini(&tb);
	T_PASS();
}
