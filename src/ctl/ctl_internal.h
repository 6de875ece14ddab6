/* SPDX-License-Identifier: MIT */
#ifndef NM_CTL_INTERNAL_H
#define NM_CTL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pool/memory_provider.h"


/* The binding with this id, with a new reference the caller puts with
 * nm_dmabuf_binding_put(); NULL (and a message) if none.  *tx says whether
 * it was made by bind-tx.  Any thread. */
struct nm_dmabuf_binding *nm_ctl_binding_get(uint32_t id, bool *tx, int *ifindex);

/* Whether a binding (RX or TX) names the netdev of this ifindex.  Any
 * thread. */
bool nm_ctl_netdev_bound(int ifindex);

/* nm_ctl_bind_rx() with the binding's net_iov size (rx-page-size: a power
 * of two in [NM_NIOV_SIZE_MIN, NM_NIOV_SIZE_MAX]; 0: 4096). */
struct nm_ctl;
struct nm_dmabuf;
struct nm_queue_id;
int nm__ctl_bind_rx(struct nm_ctl *c, int ifindex, struct nm_dmabuf *buf,
		    const struct nm_queue_id *queues, size_t nr_queues, uint32_t niov_size,
		    uint32_t *id);

/* channels.c: ethtool_check_max_channel(): may nd keep only rx RX
 * queues?  0, or -EINVAL with the kernel's extack text when a set RSS
 * table, an ntuple rule or a memory provider uses a queue past them. */
struct nm_netdev;
int nm_ctl_channels_check(struct nm_netdev *nd, uint32_t rx);
/* The highest RX queue with a memory provider, -1: none. */
int nm_ctl_max_mp_queue(struct nm_netdev *nd);

#endif
