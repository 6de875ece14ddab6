/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_HOST_H
#define NETMEM_HOST_H

/*
 * A host: what `ip link add` + `ip addr add` + `ip route add` make of a
 * machine with one NIC.  One netdev on a wire (its DMA device taken from
 * the caller's PCI topology, or from a topology of the host's own), a
 * TCP/IP stack driving it, and one interface with the given addresses and
 * gateways.  From the moment nm_host_create() returns, the stack answers
 * ARP and neighbour solicitations for those addresses, resolves its peers
 * and accepts sockets (socket.h).
 *
 *	struct nm_host_params hp = {
 *		.netdev = { .name = "nm0", .wire = w },
 *		.iface = { .addr4 = "198.18.0.2/24", .addr6 = "2001:2::2/64" },
 *	};
 *	struct nm_host *h;
 *
 *	if (nm_host_create(&hp, &h) < 0)
 *		fprintf(stderr, "%s\n", nm_last_error());
 *	sd = nm_socket(nm_host_stack(h), AF_INET, SOCK_STREAM, 0);
 *	...
 *	nm_host_destroy(h);
 *
 * The parts stay reachable (nm_host_netdev(), nm_host_stack()) for what the
 * host does not configure: rings, header split, bindings, captures.
 *
 * Threads: a host is driven by one thread, its stack's (stack.h).
 *
 * Calling order: sockets after nm_host_create() (or nm_host_stack_up()); at
 * the end close them, close a control handle that bound queues of the
 * host's netdev (nm_ctl_close()), then nm_host_destroy().
 */

#include <stdint.h>

#include <netmem/netdev.h>
#include <netmem/stack.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nm_host;

/* The link only: no stack until nm_host_stack_up().  For a caller that
 * configures the netdev first (a capture that must see the stack's first
 * frame), or keeps the link while it replaces the stack. */
#define NM_HOST_LINK_ONLY	(1u << 0)

struct nm_host_params {
	/* The netdev.  .wire is required and belongs to the host once
	 * nm_host_create() succeeds (nm_host_destroy() destroys it); on
	 * failure it stays the caller's.  .dev NULL: the host makes a PCI
	 * topology of its own (topo below) and uses its first endpoint. */
	struct nm_netdev_params netdev;
	const char *topo;		/* that topology (pci.h); NULL: "rc0 { nic0 }" */
	struct nm_stack_params stack;
	/* The interface: addresses and gateways (.nd is ignored: the host's
	 * netdev).  The strings are copied. */
	struct nm_iface_params iface;
	uint32_t flags;			/* NM_HOST_* */
};

/* Topology (when .netdev.dev is NULL), netdev, stack and interface, in
 * that order; on failure whatever was made is undone and the wire is left
 * to the caller. */
int nm_host_create(const struct nm_host_params *p, struct nm_host **out);
/* The stack first (closing its sockets: RST to connected peers), then the
 * netdev, the wire and the host's own topology.  Returns the first error of
 * those steps (nm_netdev_destroy()'s, or -EBUSY from a topology whose
 * device still has users); everything is freed all the same. */
int nm_host_destroy(struct nm_host *h);

/* A fresh stack with the interface of nm_host_create()'s parameters, on a
 * host that has none (NM_HOST_LINK_ONLY, or after nm_host_stack_down());
 * -EEXIST if it has one. */
int nm_host_stack_up(struct nm_host *h);
/* Destroy the stack (sockets closed, RST to connected peers) and keep the
 * link: the netdev and its wire stay, with whatever the stack left in
 * their queues.  -ENOENT if the host has no stack. */
int nm_host_stack_down(struct nm_host *h);

/* The parts; NULL for a NULL host (and the stack while it is down). */
struct nm_netdev *nm_host_netdev(const struct nm_host *h);
struct nm_stack *nm_host_stack(const struct nm_host *h);
/* The netdev's DMA device: the caller's .netdev.dev, or the first endpoint
 * of the host's own topology. */
struct nm_device *nm_host_device(const struct nm_host *h);

#ifdef __cplusplus
}
#endif

#endif
