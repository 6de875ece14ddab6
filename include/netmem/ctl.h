/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_CTL_H
#define NETMEM_CTL_H

/*
 * The control plane: the operations of the kernel's "netdev" generic
 * netlink family (Documentation/netlink/specs/netdev.yaml), with the same
 * preconditions and errnos, as C calls on a control handle.
 *
 *	bind-rx			nm_ctl_bind_rx()
 *	bind-tx			nm_ctl_bind_tx()
 *	queue-get		nm_ctl_queue_get(), nm_ctl_queue_dump()
 *	dev-get			nm_ctl_dev_get()
 *	page-pool-get		nm_ctl_page_pool_get(), nm_ctl_page_pool_dump()
 *	page-pool-stats-get	nm_ctl_page_pool_stats_get()
 *
 * A binding belongs to the handle that made it, as a kernel binding belongs
 * to its netlink socket: nm_ctl_close() unbinds every binding of the
 * handle (RX queues restart without the provider); memory stays valid
 * until the last netmem reference into it drops.  Binding ids start at 1
 * and are unique in the process for as long as it runs.
 *
 * Threads: operations that change a netdev's queues (bind-rx, close) must
 * run on the thread that drives the netdev (its stack's).
 *
 * Calling order: bind-rx before the connections whose payload should land
 * in the dma-buf (and the flow steered to the bound queues: socket.h);
 * bind-tx before a devmem send names the binding.  At teardown close the
 * handle before the netdevs whose queues it bound (from their stack's
 * thread while it runs, or once it is destroyed: stack.h), and before the
 * PCI topology: a binding maps the dma-buf for the device, and
 * nm_topo_destroy() is -EBUSY until the binding and the tokens sockets
 * hold of it are gone.
 * The dma-buf may be put (nm_dmabuf_put()) once bound: a binding holds its
 * own reference.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netmem/page_pool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nm_ctl;
struct nm_dmabuf;

/* The netdev family's queue types (enum netdev_queue_type). */
#ifndef NETDEV_QUEUE_TYPE_RX
#define NETDEV_QUEUE_TYPE_RX 0
#define NETDEV_QUEUE_TYPE_TX 1
#endif

struct nm_queue_id {
	uint32_t id;
	uint32_t type;			/* NETDEV_QUEUE_TYPE_* */
};

int nm_ctl_open(struct nm_ctl **out);
/* Unbinds every binding the handle made, then frees it. */
int nm_ctl_close(struct nm_ctl *c);

/*
 * bind-rx: bind buf to RX queues of the netdev ifindex.  Installing the
 * binding restarts each queue with the dma-buf memory provider.  On success
 * *id is the binding id (the dmabuf_id of SCM_DEVMEM_DMABUF cmsgs).
 * Refusals, as the kernel's:
 *	-EINVAL		no queues; a queue type that is not RX; tcp-data-split
 *			off or hds-thresh not 0
 *	-ERANGE		a queue id past the netdev's RX queues
 *	-EEXIST		a queue that already has a memory provider
 *	-ENODEV		no netdev with that ifindex
 *	-EREMOTEIO	the NIC cannot reach the buffer's memory (P2P)
 * Nothing is left installed after a refusal.
 */
int nm_ctl_bind_rx(struct nm_ctl *c, int ifindex, struct nm_dmabuf *buf,
		   const struct nm_queue_id *queues, size_t nr_queues, uint32_t *id);

/* bind-tx: map buf for the netdev's TX (-EOPNOTSUPP without
 * NM_NETIF_F_NETMEM_TX).  *id names it in SCM_DEVMEM_DMABUF on send. */
int nm_ctl_bind_tx(struct nm_ctl *c, int ifindex, struct nm_dmabuf *buf, uint32_t *id);

/* queue-get */
struct nm_queue_info {
	uint32_t id;
	uint32_t type;
	int ifindex;
	uint32_t dmabuf;		/* binding id installed on an RX queue, 0 if none */
	bool io_uring;
};
int nm_ctl_queue_get(struct nm_ctl *c, int ifindex, uint32_t id, uint32_t type,
		     struct nm_queue_info *info);
/* All queues of a netdev (RX first); returns the count, writing at most max. */
int nm_ctl_queue_dump(struct nm_ctl *c, int ifindex, struct nm_queue_info *infos, size_t max);

/* dev-get */
struct nm_dev_info {
	int ifindex;
	char name[16];
	uint32_t rx_queues, tx_queues;
	uint32_t features;		/* NM_NETIF_F_* */
	bool netmem_tx;
	uint64_t xdp_features;		/* always 0: no XDP */
};
int nm_ctl_dev_get(struct nm_ctl *c, int ifindex, struct nm_dev_info *info);

/* page-pool-get: the pools of live RX queues, by pool id.  info is the page
 * pool's (page_pool.h); ifindex says whose queue it serves. */
int nm_ctl_page_pool_get(struct nm_ctl *c, uint32_t pp_id, struct nm_page_pool_info *info,
			 int *ifindex);
/* Ids of every pool of every netdev; returns the count, writing at most max. */
int nm_ctl_page_pool_dump(struct nm_ctl *c, uint32_t *ids, size_t max);
/* page-pool-stats-get (size: sizeof(*st), the convention of error.h). */
int nm_ctl_page_pool_stats_get(struct nm_ctl *c, uint32_t pp_id, struct nm_page_pool_stats *st,
			       size_t size);

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_CTL_H */
