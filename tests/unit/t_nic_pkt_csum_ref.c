/* Checksum primitives: known vectors (RFC 1071's example, a real IPv4
 * header), then nm_csum_partial against a naive big-endian reference over
 * random buffers of random alignment and length, split sums combined at odd
 * and even offsets, pseudo-headers, and RFC 1624 incremental updates against
 * recomputation. */
#include "nic/csum.h"
#include "t_util.h"
#include "t_frame.h"

#define ROUNDS 20000
#define MAXLEN 4200

/* The raw (in-memory) checksum as a big-endian number. */
static uint16_t be(uint16_t raw)
{
	uint8_t b[2];

	nm_csum_st16(b, raw);
	return t_get16(b);
}

static uint16_t be_sum(uint32_t sum)
{
	return be((uint16_t)~nm_csum_fold(sum));
}

int main(void)
{
	static uint8_t big[MAXLEN + 64];
	uint64_t seed = 0x5eed1071;

	/* RFC 1071 4.1: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
	{
		static const uint8_t v[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

		T_EQ(be_sum(nm_csum_partial(v, 8, 0)), 0xddf2);
		T_EQ(be(nm_csum(v, 8)), 0x220d);
		for (int i = 1; i < 8; i++)	/* split anywhere, odd included */
			T_EQ(be_sum(nm_csum_block_add(nm_csum_partial(v, i, 0),
						      nm_csum_partial(v + i, 8 - i, 0), i)),
			     0xddf2);
	}
	/* An IPv4 header (192.168.0.1 -> 192.168.0.199, UDP) with checksum b861. */
	{
		uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
				  0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };

		T_EQ(nm_csum(h, 20), 0);		/* valid as is */
		h[10] = h[11] = 0;
		T_EQ(be(nm_csum(h, 20)), 0xb861);
	}
	/* Edge cases: empty, one byte, all ones. */
	T_EQ(nm_csum_partial(NULL, 0, 0), 0);
	nm_clear_error();
	T_EQ(nm_csum_partial(NULL, 5, 77), 77);		/* refused, not a crash */
	T_ASSERT(nm_last_error()[0] != '\0');
	{
		uint8_t one = 0xab, ff[64];

		T_EQ(be_sum(nm_csum_partial(&one, 1, 0)), 0xab00);
		memset(ff, 0xff, sizeof(ff));
		T_EQ(be_sum(nm_csum_partial(ff, sizeof(ff), 0)), 0xffff);
		T_EQ(nm_csum(ff, sizeof(ff)), 0);
	}

	/* Random buffers, alignments, lengths, seeds. */
	for (int r = 0; r < ROUNDS; r++) {
		uint32_t align = (uint32_t)(t_rand(&seed) % 64);
		uint32_t len = (uint32_t)(t_rand(&seed) % (r < ROUNDS / 2 ? 80 : MAXLEN));
		uint32_t s0 = (uint32_t)t_rand(&seed) & 0xffff;
		uint8_t *p = big + align;
		uint32_t split, s;

		for (uint32_t i = 0; i < len; i++)
			p[i] = (uint8_t)t_rand(&seed);
		if (r % 7 == 0)
			memset(p, 0xff, len);	/* many carries */
		/* seed as a raw value so both sides see the same number */
		{
			uint8_t sb[2];
			uint16_t raw;

			t_put16(sb, (uint16_t)s0);
			memcpy(&raw, sb, 2);
			s = nm_csum_partial(p, len, raw);
		}
		/* both are end-around-carry sums: 0 only when everything is 0 */
		T_EQ(be_sum(s), t_ref_sum(p, len, s0));
		T_EQ(be(nm_csum(p, len)), t_ref_csum(p, len, 0));

		split = len ? (uint32_t)(t_rand(&seed) % (len + 1)) : 0;
		s = nm_csum_block_add(nm_csum_partial(p, split, 0),
				      nm_csum_partial(p + split, len - split, 0), split);
		T_EQ(be((uint16_t)nm_csum_fold(s)), t_ref_csum(p, len, 0));
	}

	/* Pseudo-headers against the reference. */
	for (int r = 0; r < 2000; r++) {
		uint8_t a[16], b[16];
		uint8_t proto = (uint8_t)t_rand(&seed);
		uint32_t len = (uint32_t)t_rand(&seed) & (r & 1 ? 0xffff : 0xfffff);

		for (int i = 0; i < 16; i++) {
			a[i] = (uint8_t)t_rand(&seed);
			b[i] = (uint8_t)t_rand(&seed);
		}
		T_EQ(be_sum(nm_csum_pseudo_v4(a, b, proto, len & 0xffff)),
		     t_ref_pseudo(4, a, b, proto, len & 0xffff));
		T_EQ(be_sum(nm_csum_pseudo_v6(a, b, proto, len)), t_ref_pseudo(6, a, b, proto, len));
	}

	/* RFC 1624: patching a field equals recomputing. */
	for (int r = 0; r < 20000; r++) {
		uint8_t h[60];
		uint32_t n = 20 + 4 * (uint32_t)(t_rand(&seed) % 11);
		uint32_t at = 2 + 2 * (uint32_t)(t_rand(&seed) % (n / 2 - 3));
		uint16_t check, old16, new16;
		uint32_t old32, new32;

		for (uint32_t i = 0; i < n; i++)
			h[i] = (uint8_t)t_rand(&seed);
		if (r % 5 == 0) {
			memset(h, 0, n);	/* sums near the -0/+0 corner ... */
			h[0] = 0x45;		/* ... but a header is never all zero */
		}
		if (at == 10)
			at = 12;		/* not the checksum field itself */
		nm_csum_st16(h + 10, 0);
		check = nm_csum(h, n);
		nm_csum_st16(h + 10, check);

		old16 = nm_csum_ld16(h + at);
		new16 = (uint16_t)t_rand(&seed);
		memcpy(h + at, &new16, 2);
		check = nm_csum_replace16(check, old16, new16);
		nm_csum_st16(h + 10, check);
		T_EQ(nm_csum(h, n), 0);

		at = at == 8 || at == 10 ? 12 : at;	/* 32-bit field clear of the checksum */
		if (at + 4 > n)
			at = 12;
		memcpy(&old32, h + at, 4);
		new32 = (uint32_t)t_rand(&seed);
		memcpy(h + at, &new32, 4);
		check = nm_csum_replace32(check, old32, new32);
		nm_csum_st16(h + 10, check);
		T_EQ(nm_csum(h, n), 0);
	}
	T_PASS();
}
