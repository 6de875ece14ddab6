/* SPDX-License-Identifier: MIT */
#ifndef NM_NIC_RSS_H
#define NM_NIC_RSS_H

/*
 * Receive-side scaling: the Toeplitz hash of the Microsoft RSS
 * specification over IPv4/IPv6 addresses (2-tuple) or addresses and ports
 * (4-tuple), and an indirection table from hash to queue, configured like
 * `ethtool -X` (key, equal N, start S equal N).
 *
 * Hash input order (the spec's): source address, destination address,
 * source port, destination port, all in network byte order.  The queue of a
 * hash is indir[hash & (indir_size - 1)]: the low bits, as hardware does,
 * with a power-of-two table.
 *
 * struct nm_rss is owned by one NIC; configuration calls and the hash
 * calls must not run concurrently (the NIC changes it with its queues
 * stopped, or from its own thread).
 */

#include <stdbool.h>
#include <stdint.h>

#include "nic/pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NM_RSS_KEY_LEN		40	/* default key size (Microsoft, most NICs) */
#define NM_RSS_KEY_MAX		64
#define NM_RSS_INPUT_MAX	36	/* IPv6 4-tuple */
#define NM_RSS_INDIR_DEFAULT	128
#define NM_RSS_INDIR_MAX	512
#define NM_RSS_MAX_QUEUES	65535

/* The Microsoft default key (6d5a56da...01fa), 40 bytes. */
extern const uint8_t nm_rss_default_key[NM_RSS_KEY_LEN];

/* Flow types hashed with ports (4-tuple); the others use addresses only.
 * Fragments always hash the 2-tuple (their ports are unknown). */
#define NM_RSS_L4_TCP4		0x1
#define NM_RSS_L4_UDP4		0x2
#define NM_RSS_L4_TCP6		0x4
#define NM_RSS_L4_UDP6		0x8
#define NM_RSS_L4_ALL		0xf

/* What a packet hash covered (like Linux PKT_HASH_TYPE_*). */
enum nm_rss_hash_type {
	NM_RSS_HASH_NONE = 0,	/* not IP: hash 0, queue indir[0] */
	NM_RSS_HASH_L3 = 1,	/* addresses */
	NM_RSS_HASH_L4 = 2,	/* addresses and ports */
};

struct nm_rss {
	/* tbl[i][b]: the hash contribution of byte value b at input byte i */
	uint32_t tbl[NM_RSS_INPUT_MAX][256];
	uint16_t indir[NM_RSS_INDIR_MAX];
	uint32_t indir_mask;		/* indir_size - 1 */
	uint32_t indir_size;
	uint32_t nr_queues;
	uint32_t l4_types;		/* NM_RSS_L4_* */
	uint32_t key_len;
	uint8_t key[NM_RSS_KEY_MAX];
};

/*
 * Set up r for nr_queues queues (1..NM_RSS_MAX_QUEUES): the default key, a
 * 128-entry table spread evenly (entry i -> i % nr_queues), and 4-tuple
 * hashing for TCP and UDP over both IP versions.
 */
int nm_rss_init(struct nm_rss *r, uint32_t nr_queues);

/* Key of NM_RSS_KEY_LEN..NM_RSS_KEY_MAX bytes; rebuilds the lookup table. */
int nm_rss_set_key(struct nm_rss *r, const uint8_t *key, uint32_t key_len);
/* Copies the key into key (cap bytes); returns its length, -ENOSPC if cap
 * is too small. */
int nm_rss_get_key(const struct nm_rss *r, uint8_t *key, uint32_t cap);

/* Which flow types hash ports: a mask of NM_RSS_L4_*. */
int nm_rss_set_l4_types(struct nm_rss *r, uint32_t l4_types);

/*
 * Indirection table helpers (ethtool -X):
 *   fill_equal:        indir[i] = i % n                 ("equal N")
 *   fill_start_equal:  indir[i] = start + i % n         ("start S equal N")
 * size must be a power of two in 1..NM_RSS_INDIR_MAX, n >= 1,
 * start + n <= NM_RSS_MAX_QUEUES.
 */
int nm_rss_indir_fill_equal(uint16_t *indir, uint32_t size, uint32_t n);
int nm_rss_indir_fill_start_equal(uint16_t *indir, uint32_t size, uint32_t start, uint32_t n);
/* 0 if size is a power of two in range and every entry < nr_queues;
 * -EINVAL with the offending entry in the message otherwise. */
int nm_rss_indir_validate(const uint16_t *indir, uint32_t size, uint32_t nr_queues);

/* Install a validated table (copied) for nr_queues queues. */
int nm_rss_set_indir(struct nm_rss *r, const uint16_t *indir, uint32_t size, uint32_t nr_queues);
/* Copy the table out; returns its size, -ENOSPC if cap is too small. */
int nm_rss_get_indir(const struct nm_rss *r, uint16_t *indir, uint32_t cap);

/* Debug checker of r's invariants (rss.c): 0, or -EFAULT with the broken
 * one in the message. */
int nm_rss_check(const struct nm_rss *r);

/* ---- Hashing: fast path -------------------------------------------------- */

/* Toeplitz hash of len (<= NM_RSS_INPUT_MAX) input bytes with r's key.
 * A longer input hashes its first NM_RSS_INPUT_MAX bytes. */
uint32_t nm_rss_toeplitz(const struct nm_rss *r, const uint8_t *input, uint32_t len);

/* Bit-by-bit reference (the spec's pseudocode), for tests: any key of
 * key_len bytes and input of len <= key_len - 4 bytes. */
uint32_t nm_rss_toeplitz_ref(const uint8_t *key, uint32_t key_len, const uint8_t *input,
			     uint32_t len);

/* Hash of explicit tuples; ports in host order, ignored unless l4. */
uint32_t nm_rss_hash_v4(const struct nm_rss *r, const uint8_t saddr[4], const uint8_t daddr[4],
			uint16_t sport, uint16_t dport, bool l4);
uint32_t nm_rss_hash_v6(const struct nm_rss *r, const uint8_t saddr[16],
			const uint8_t daddr[16], uint16_t sport, uint16_t dport, bool l4);

/*
 * Hash of a parsed frame and the queue it goes to.  *hash and *queue are
 * set; returns the enum nm_rss_hash_type, or -EINVAL for NULL arguments.
 * Non-IP frames get hash 0 (queue indir[0]).
 */
int nm_rss_hash_pkt(const struct nm_rss *r, const struct nm_pkt_info *info, uint32_t *hash,
		    uint16_t *queue);

/* The queue of a hash: indir[hash & (size - 1)]. */
static inline uint16_t nm_rss_queue(const struct nm_rss *r, uint32_t hash)
{
	return r->indir[hash & r->indir_mask];
}

#ifdef __cplusplus
}
#endif
#endif /* NM_NIC_RSS_H */
