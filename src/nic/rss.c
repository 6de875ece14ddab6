/* SPDX-License-Identifier: MIT */
/*
 * RSS: Toeplitz hash (Microsoft RSS specification) and indirection table.
 *
 * The Toeplitz hash XORs, for every set input bit k (counting from the
 * most significant bit of input[0]), the 32 key bits starting at key bit k.
 * That is linear in the input, so the contribution of a whole input byte
 * depends only on its position and value: set_key precomputes
 * tbl[pos][value] (36 x 256 words, 36 KiB) and a hash is one lookup and XOR
 * per input byte — 12 for an IPv4 4-tuple.
 *
 * Invariants (kept by every setter, verified by nm_rss_check()):
 *  1. tbl matches key[0..key_len).
 *  2. indir_size is a power of two in 1..NM_RSS_INDIR_MAX, indir_mask ==
 *     indir_size - 1, and indir[i] < nr_queues for i < indir_size.
 *
 * Workload: a hash per received frame; configuration is rare (ethtool).
 */
#include <string.h>

#include "nic/rss.h"
#include "util/err.h"

const uint8_t nm_rss_default_key[NM_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* The 32 key bits starting at bit k (zeros past the key's end). */
static uint32_t key_window(const uint8_t *key, uint32_t key_len, uint32_t k)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < 8; i++) {
		uint32_t b = k / 8 + i;

		v = v << 8 | (b < key_len ? key[b] : 0);
	}
	return (uint32_t)((v << (k % 8)) >> 32);
}

static void build_table(struct nm_rss *r)
{
	for (uint32_t pos = 0; pos < NM_RSS_INPUT_MAX; pos++) {
		uint32_t w[8];

		/* w[t]: contribution of bit value 1 << t (bit 7 - t from the left) */
		for (uint32_t t = 0; t < 8; t++)
			w[t] = key_window(r->key, r->key_len, pos * 8 + 7 - t);
		r->tbl[pos][0] = 0;
		for (uint32_t b = 1; b < 256; b++) {
			uint32_t low = (uint32_t)__builtin_ctz(b);

			r->tbl[pos][b] = r->tbl[pos][b & (b - 1)] ^ w[low];
		}
	}
}

static bool pow2_in_range(uint32_t size)
{
	return size >= 1 && size <= NM_RSS_INDIR_MAX && (size & (size - 1)) == 0;
}

int nm_rss_set_key(struct nm_rss *r, const uint8_t *key, uint32_t key_len)
{
	if (!r || !key)
		return nm_err(EINVAL, "NULL %s", r ? "key" : "rss");
	if (key_len < NM_RSS_KEY_LEN || key_len > NM_RSS_KEY_MAX)
		return nm_err(EINVAL, "key of %u bytes, want %u..%u", key_len,
			      NM_RSS_KEY_LEN, NM_RSS_KEY_MAX);
	memset(r->key, 0, sizeof(r->key));
	memcpy(r->key, key, key_len);
	r->key_len = key_len;
	build_table(r);
	return 0;
}

int nm_rss_get_key(const struct nm_rss *r, uint8_t *key, uint32_t cap)
{
	if (!r || !key)
		return nm_err(EINVAL, "NULL %s", r ? "key" : "rss");
	if (cap < r->key_len)
		return nm_err(ENOSPC, "key is %u bytes, buffer %u", r->key_len, cap);
	memcpy(key, r->key, r->key_len);
	return (int)r->key_len;
}

int nm_rss_set_l4_types(struct nm_rss *r, uint32_t l4_types)
{
	if (!r)
		return nm_err(EINVAL, "NULL rss");
	if (l4_types & ~(uint32_t)NM_RSS_L4_ALL)
		return nm_err(EINVAL, "unknown bits 0x%x", l4_types);
	r->l4_types = l4_types;
	return 0;
}

int nm_rss_indir_fill_start_equal(uint16_t *indir, uint32_t size, uint32_t start, uint32_t n)
{
	if (!indir)
		return nm_err(EINVAL, "NULL table");
	if (!pow2_in_range(size))
		return nm_err(EINVAL, "size %u is not a power of two in 1..%u",
			      size, NM_RSS_INDIR_MAX);
	if (n == 0 || start >= NM_RSS_MAX_QUEUES || n > NM_RSS_MAX_QUEUES - start)
		return nm_err(EINVAL, "queues %u..%u+%u out of range", start,
			      start, n);
	for (uint32_t i = 0; i < size; i++)
		indir[i] = (uint16_t)(start + i % n);
	return 0;
}

int nm_rss_indir_fill_equal(uint16_t *indir, uint32_t size, uint32_t n)
{
	return nm_rss_indir_fill_start_equal(indir, size, 0, n);
}

int nm_rss_indir_validate(const uint16_t *indir, uint32_t size, uint32_t nr_queues)
{
	if (!indir)
		return nm_err(EINVAL, "NULL table");
	if (!pow2_in_range(size))
		return nm_err(EINVAL, "size %u is not a power of two in 1..%u", size,
			      NM_RSS_INDIR_MAX);
	if (nr_queues == 0 || nr_queues > NM_RSS_MAX_QUEUES)
		return nm_err(EINVAL, "%u queues", nr_queues);
	for (uint32_t i = 0; i < size; i++)
		if (indir[i] >= nr_queues)
			return nm_err(EINVAL, "entry %u is queue %u of %u", i, indir[i],
				      nr_queues);
	return 0;
}

int nm_rss_set_indir(struct nm_rss *r, const uint16_t *indir, uint32_t size, uint32_t nr_queues)
{
	int ret;

	if (!r)
		return nm_err(EINVAL, "NULL rss");
	ret = nm_rss_indir_validate(indir, size, nr_queues);
	if (ret)
		return ret;
	memcpy(r->indir, indir, size * sizeof(*indir));
	r->indir_size = size;
	r->indir_mask = size - 1;
	r->nr_queues = nr_queues;
	return 0;
}

int nm_rss_get_indir(const struct nm_rss *r, uint16_t *indir, uint32_t cap)
{
	if (!r || !indir)
		return nm_err(EINVAL, "NULL %s", r ? "table" : "rss");
	if (cap < r->indir_size)
		return nm_err(ENOSPC, "table has %u entries, buffer %u",
			      r->indir_size, cap);
	memcpy(indir, r->indir, r->indir_size * sizeof(*indir));
	return (int)r->indir_size;
}

int nm_rss_init(struct nm_rss *r, uint32_t nr_queues)
{
	uint16_t indir[NM_RSS_INDIR_DEFAULT];
	int ret;

	if (!r)
		return nm_err(EINVAL, "NULL rss");
	if (nr_queues == 0 || nr_queues > NM_RSS_MAX_QUEUES)
		return nm_err(EINVAL, "%u queues, want 1..%u", nr_queues,
			      NM_RSS_MAX_QUEUES);
	memset(r, 0, sizeof(*r));
	r->l4_types = NM_RSS_L4_ALL;
	ret = nm_rss_set_key(r, nm_rss_default_key, NM_RSS_KEY_LEN);
	if (ret)
		return ret;
	ret = nm_rss_indir_fill_equal(indir, NM_RSS_INDIR_DEFAULT, nr_queues);
	if (ret)
		return ret;
	return nm_rss_set_indir(r, indir, NM_RSS_INDIR_DEFAULT, nr_queues);
}

int nm_rss_check(const struct nm_rss *r)
{
	if (!r)
		return nm_err(EINVAL, "NULL rss");
	if (r->key_len < NM_RSS_KEY_LEN || r->key_len > NM_RSS_KEY_MAX)
		return nm_err(EFAULT, "key length %u", r->key_len);
	for (uint32_t pos = 0; pos < NM_RSS_INPUT_MAX; pos++)
		for (uint32_t t = 0; t < 8; t++)
			if (r->tbl[pos][1u << t] != key_window(r->key, r->key_len, pos * 8 + 7 - t))
				return nm_err(EFAULT, "table byte %u bit %u stale", pos, t);
	if (!pow2_in_range(r->indir_size) || r->indir_mask != r->indir_size - 1)
		return nm_err(EFAULT, "table size %u mask 0x%x", r->indir_size,
			      r->indir_mask);
	if (r->l4_types & ~(uint32_t)NM_RSS_L4_ALL)
		return nm_err(EFAULT, "l4 types 0x%x", r->l4_types);
	return nm_rss_indir_validate(r->indir, r->indir_size, r->nr_queues) ? -EFAULT : 0;
}

/* ---- hashing ---------------------------------------------------------------- */

uint32_t nm_rss_toeplitz_ref(const uint8_t *key, uint32_t key_len, const uint8_t *input,
			     uint32_t len)
{
	uint32_t h = 0;

	if (!key || !input || key_len < 4 || len > key_len - 4) {
		nm_err(EINVAL, "bad arguments");
		return 0;
	}
	for (uint32_t k = 0; k < len * 8; k++)
		if (input[k / 8] & (0x80 >> (k % 8)))
			h ^= key_window(key, key_len, k);
	return h;
}

/* Caller guarantees len <= NM_RSS_INPUT_MAX. */
static inline uint32_t toeplitz(const struct nm_rss *r, const uint8_t *in, uint32_t len)
{
	uint32_t h = 0;

	for (uint32_t i = 0; i < len; i++)
		h ^= r->tbl[i][in[i]];
	return h;
}

uint32_t nm_rss_toeplitz(const struct nm_rss *r, const uint8_t *input, uint32_t len)
{
	if (!r || (!input && len)) {
		nm_err(EINVAL, "NULL %s", r ? "input" : "rss");
		return 0;
	}
	return toeplitz(r, input, len < NM_RSS_INPUT_MAX ? len : NM_RSS_INPUT_MAX);
}

static inline uint32_t hash_ports(const struct nm_rss *r, uint32_t pos, uint16_t sport,
				  uint16_t dport)
{
	return r->tbl[pos][sport >> 8] ^ r->tbl[pos + 1][sport & 0xff] ^
	       r->tbl[pos + 2][dport >> 8] ^ r->tbl[pos + 3][dport & 0xff];
}

static inline uint32_t hash_v4(const struct nm_rss *r, const uint8_t *s, const uint8_t *d,
			       uint16_t sport, uint16_t dport, bool l4)
{
	uint32_t h = r->tbl[0][s[0]] ^ r->tbl[1][s[1]] ^ r->tbl[2][s[2]] ^ r->tbl[3][s[3]] ^
		     r->tbl[4][d[0]] ^ r->tbl[5][d[1]] ^ r->tbl[6][d[2]] ^ r->tbl[7][d[3]];

	return l4 ? h ^ hash_ports(r, 8, sport, dport) : h;
}

static inline uint32_t hash_v6(const struct nm_rss *r, const uint8_t *s, const uint8_t *d,
			       uint16_t sport, uint16_t dport, bool l4)
{
	uint32_t h = 0;

	for (uint32_t i = 0; i < 16; i++)
		h ^= r->tbl[i][s[i]] ^ r->tbl[16 + i][d[i]];
	return l4 ? h ^ hash_ports(r, 32, sport, dport) : h;
}

uint32_t nm_rss_hash_v4(const struct nm_rss *r, const uint8_t saddr[4], const uint8_t daddr[4],
			uint16_t sport, uint16_t dport, bool l4)
{
	if (!r || !saddr || !daddr) {
		nm_err(EINVAL, "NULL argument");
		return 0;
	}
	return hash_v4(r, saddr, daddr, sport, dport, l4);
}

uint32_t nm_rss_hash_v6(const struct nm_rss *r, const uint8_t saddr[16],
			const uint8_t daddr[16], uint16_t sport, uint16_t dport, bool l4)
{
	if (!r || !saddr || !daddr) {
		nm_err(EINVAL, "NULL argument");
		return 0;
	}
	return hash_v6(r, saddr, daddr, sport, dport, l4);
}

int nm_rss_hash_pkt(const struct nm_rss *r, const struct nm_pkt_info *info, uint32_t *hash,
		    uint16_t *queue)
{
	uint32_t h = 0, type_bit;
	int type = NM_RSS_HASH_NONE;
	bool l4;

	if (nm_unlikely(!r || !info || !hash || !queue))
		return nm_err(EINVAL, "NULL argument");
	if (info->l3_proto == 4 || info->l3_proto == 6) {
		/* Ports only from a parsed TCP/UDP header (never a fragment). */
		if (info->l4_hdr_len && info->l4_proto == NM_IPPROTO_TCP)
			type_bit = info->l3_proto == 4 ? NM_RSS_L4_TCP4 : NM_RSS_L4_TCP6;
		else if (info->l4_hdr_len && info->l4_proto == NM_IPPROTO_UDP)
			type_bit = info->l3_proto == 4 ? NM_RSS_L4_UDP4 : NM_RSS_L4_UDP6;
		else
			type_bit = 0;
		l4 = (r->l4_types & type_bit) != 0;
		if (info->l3_proto == 4)
			h = hash_v4(r, info->src_addr + 12, info->dst_addr + 12, info->src_port,
				    info->dst_port, l4);
		else
			h = hash_v6(r, info->src_addr, info->dst_addr, info->src_port,
				    info->dst_port, l4);
		type = l4 ? NM_RSS_HASH_L4 : NM_RSS_HASH_L3;
	}
	*hash = h;
	*queue = r->indir[h & r->indir_mask];
	return type;
}
