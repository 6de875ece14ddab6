/* SPDX-License-Identifier: MIT */
/*
 * Per-socket devmem token table (see devmem_tokens.h).
 *
 * Invariants:
 *  1. A slot holds either a netmem or, when free, the next free token
 *     shifted left by 2 and tagged with bit 1 (SLOT_FREE).  A netmem never
 *     has bit 1 set: its descriptor is at least 4-byte aligned and only
 *     bit 0 carries the net_iov tag.
 *  2. used == number of slots in [1, hwm] holding a netmem.
 *
 * Workload: one add per received frag, one put per returned token; the
 * application returns tokens in batches of up to 128 runs.
 */
#include <stdlib.h>
#include <string.h>


#include "pool/page_pool.h"
#include "sock/devmem_tokens.h"
#include "util/err.h"

#define SLOT_FREE		((uintptr_t)2)
#define NM_TOKENS_MAX		((1u << 31) - 1)

static inline bool slot_is_free(uintptr_t s)
{
	return s & SLOT_FREE;
}

static inline uintptr_t slot_link(uint32_t next)
{
	return ((uintptr_t)next << 2) | SLOT_FREE;
}

static inline uint32_t slot_next(uintptr_t s)
{
	return (uint32_t)(s >> 2);
}

void nm_tokens_init(struct nm_token_table *t)
{
	memset(t, 0, sizeof(*t));
}

static void token_release(uintptr_t s)
{
	nm_netmem_t nm = (nm_netmem_t)s;

	nm_page_pool_put_netmem(nm_netmem_pool(nm), nm, true);
}

void nm_tokens_fini(struct nm_token_table *t)
{
	for (uint32_t i = 1; i <= t->hwm; i++)
		if (!slot_is_free(t->slot[i]))
			token_release(t->slot[i]);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static int tokens_grow(struct nm_token_table *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 256;
	uintptr_t *p;

	if (t->cap >= NM_TOKENS_MAX)
		return -ENOMEM;
	if (cap > NM_TOKENS_MAX)
		cap = NM_TOKENS_MAX;
	p = realloc(t->slot, (size_t)cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	t->slot = p;
	t->cap = cap;
	return 0;
}

int nm_tokens_add(struct nm_token_table *t, nm_netmem_t nm, uint32_t *token)
{
	uint32_t tok = t->free_head;

	if (nm_likely(tok)) {
		t->free_head = slot_next(t->slot[tok]);
	} else {
		if (t->hwm + 1 >= t->cap && tokens_grow(t))
			return nm_err(ENOMEM, "devmem: token table full (%u tokens)", t->used);
		tok = ++t->hwm;
	}
	t->slot[tok] = (uintptr_t)nm;
	t->used++;
	*token = tok;
	return 0;
}

/* Detach token's netmem (not yet released); 0 if unknown. */
static inline uintptr_t tokens_take(struct nm_token_table *t, uint32_t token)
{
	uintptr_t s;

	if (!token || token > t->hwm)
		return 0;
	s = t->slot[token];
	if (slot_is_free(s))
		return 0;
	t->slot[token] = slot_link(t->free_head);
	t->free_head = token;
	t->used--;
	return s;
}

int nm_tokens_put(struct nm_token_table *t, uint32_t token)
{
	uintptr_t s = tokens_take(t, token);

	if (!s)
		return nm_err(ENOENT, "devmem: token %u is not outstanding", token);
	token_release(s);
	return 0;
}

int nm_tokens_dontneed(struct nm_token_table *t, const void *optval, size_t optlen)
{
	struct dmabuf_token tok[NM_DEVMEM_MAX_DONTNEED_TOKENS];
	size_t n = optlen / sizeof(struct dmabuf_token);
	uint32_t frags = 0;
	int freed = 0;

	if (optlen % sizeof(struct dmabuf_token) ||
	    optlen > sizeof(struct dmabuf_token) * NM_DEVMEM_MAX_DONTNEED_TOKENS)
		return nm_err(EINVAL, "SO_DEVMEM_DONTNEED: optlen %zu is not a multiple of %zu "
			      "up to %d entries", optlen, sizeof(struct dmabuf_token),
			      NM_DEVMEM_MAX_DONTNEED_TOKENS);
	if (n && !optval)
		return nm_err(EFAULT, "SO_DEVMEM_DONTNEED: NULL optval");
	if (n)
		memcpy(tok, optval, optlen);
	for (size_t i = 0; i < n; i++) {
		for (uint32_t j = 0; j < tok[i].token_count; j++) {
			uintptr_t s;

			if (++frags > NM_DEVMEM_MAX_DONTNEED_FRAGS)
				return freed;
			s = tokens_take(t, tok[i].token_start + j);
			if (!s)
				continue;	/* unknown tokens are skipped */
			token_release(s);
			freed++;
		}
	}
	return freed;
}
