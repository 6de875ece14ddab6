/* SPDX-License-Identifier: MIT */
#ifndef NM_CTL_INTERNAL_H
#define NM_CTL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pool/memory_provider.h"


/* The binding with this id, with a new reference the caller puts with
 * nm_dmabuf_binding_put(); NULL (and a message) if none.  *tx says whether
 * it was made by bind-tx.  Any thread. */
struct nm_dmabuf_binding *nm_ctl_binding_get(uint32_t id, bool *tx, int *ifindex);

#endif
