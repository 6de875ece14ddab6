/* SPDX-License-Identifier: MIT */
#ifndef NM_SOCK_DEVMEM_TOKENS_H
#define NM_SOCK_DEVMEM_TOKENS_H

/*
 * A socket's devmem token table (the kernel's sk_user_frags): token -> the
 * netmem handed to the application, each holding one page-pool reference
 * until SO_DEVMEM_DONTNEED or close gives it back (invariant 3).
 *
 * Tokens are small integers from 1 (like XA_FLAGS_ALLOC1), reused after
 * they are returned; allocation and release are O(1) through a free list
 * threaded through the slots.  Owned by the socket's stack thread.
 */

#include <stddef.h>
#include <stdint.h>

#include <netmem/devmem.h>

#include "pool/netmem_ref.h"

struct nm_token_table {
	/* slot i holds token i: a netmem, or (free) the next free index << 1 | 1 */
	uintptr_t *slot;
	uint32_t cap;			/* slots allocated; slot 0 unused */
	uint32_t free_head;		/* first free token, 0 if none */
	uint32_t used;			/* tokens held by the application */
	uint32_t hwm;			/* tokens ever handed out up to here */
};

void nm_tokens_init(struct nm_token_table *t);
/* Returns every outstanding reference, then frees the table. */
void nm_tokens_fini(struct nm_token_table *t);

/* Record nm (whose reference the table takes over); *token is its token.
 * -ENOMEM past 2^31 - 1 tokens or when the table cannot grow. */
int nm_tokens_add(struct nm_token_table *t, nm_netmem_t nm, uint32_t *token);
/* Give the netmem of one token back (its reference is dropped); 0, or
 * -ENOENT for an unknown token. */
int nm_tokens_put(struct nm_token_table *t, uint32_t token);

/*
 * SO_DEVMEM_DONTNEED: optval holds optlen / 8 struct dmabuf_token runs.
 * -EINVAL if optlen is not a multiple of 8 or above 128 entries; frees at
 * most 1024 frags, skips unknown tokens, returns how many it freed.
 */
int nm_tokens_dontneed(struct nm_token_table *t, const void *optval, size_t optlen);

#endif
