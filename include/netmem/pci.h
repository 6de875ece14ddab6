/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_PCI_H
#define NETMEM_PCI_H

/*
 * DMA devices on a PCI topology, and peer-to-peer distance.
 *
 * A topology is a tree: root complexes (host bridges) at the top, switches
 * below them, endpoints (the DMA devices: NICs, GPUs) as leaves.  It is given
 * by a short text:
 *
 *	topology := node*
 *	node     := NAME [ '(' attr { ',' attr } ')' ] [ '{' node* '}' ]
 *
 * A top-level node is a root complex; a nested node with braces is a switch;
 * a nested node without braces is an endpoint.  Attributes:
 *
 *	root complex: p2p            the host bridge forwards peer-to-peer
 *	              busoff=ADDR    bus address = physical address + ADDR
 *	switch:       acs            ACS redirect is set (P2P goes up to the RC)
 *	endpoint:     mem=SIZE       device memory (a BAR) of SIZE bytes
 *	                             (suffixes K, M, G, T)
 *	              noiommu        DMA addresses are bus addresses (no IOMMU)
 *
 * Example (the default topology, nm_topo_create_default()):
 *
 *	rc0(p2p) { sw0 { nic0 gpu0(mem=16G) } }
 *
 * Peer-to-peer follows Linux p2pdma: a provider and a client that share an
 * upstream switch with no ACS redirect on the way reach each other by bus
 * address (NM_P2P_MAP_BUS_ADDR, distance = hops up to the common switch from
 * both sides); with a redirect, or with no common switch, traffic goes
 * through the host bridge (NM_P2P_MAP_THRU_HOST_BRIDGE) where the root
 * complex allows it, else the pair is NM_P2P_MAP_NOT_SUPPORTED.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nm_topo;
struct nm_device;

enum nm_p2p_map_type {
	NM_P2P_MAP_UNKNOWN = 0,
	NM_P2P_MAP_NOT_SUPPORTED,
	NM_P2P_MAP_BUS_ADDR,
	NM_P2P_MAP_THRU_HOST_BRIDGE,
};

/* Build a topology from its text.  A syntax error is -EINVAL with the
 * position in nm_last_error(). */
int nm_topo_create(const char *desc, struct nm_topo **out);
/* The default topology shown above. */
int nm_topo_create_default(struct nm_topo **out);
/* Destroy.  -EBUSY (and nothing freed) while any device still has DMA
 * mappings, device-memory objects or attachments: last, after the netdevs
 * on its devices and the dma-bufs of their memory (stack.h's teardown). */
int nm_topo_destroy(struct nm_topo *topo);

/* Look up an endpoint by name (-ENOENT if none). */
int nm_topo_get_device(struct nm_topo *topo, const char *name, struct nm_device **out);
/* Number of endpoints, and the i-th one in text order. */
int nm_topo_num_devices(const struct nm_topo *topo);
int nm_topo_get_device_at(struct nm_topo *topo, int i, struct nm_device **out);

/* The endpoint's name, as the topology text gives it; NULL (with a
 * message) for a NULL dev. */
const char *nm_device_name(const struct nm_device *dev);
/* Size of the device's memory (its BAR), 0 if none. */
uint64_t nm_device_mem_size(const struct nm_device *dev);
bool nm_device_has_iommu(const struct nm_device *dev);

/*
 * P2P distance from provider (the device whose memory is used) to client
 * (the device doing DMA).  Returns the distance (>= 0) and the map type in
 * *type, or -errno.  A NOT_SUPPORTED pair still returns its distance; the
 * type says it is unusable.  provider == client is distance 0, BUS_ADDR.
 */
int nm_p2p_distance(const struct nm_device *provider, const struct nm_device *client,
		    enum nm_p2p_map_type *type);

/* Sum of the distances from provider to each client, or -EREMOTEIO if any
 * client is NOT_SUPPORTED (like pci_p2pdma_distance_many()). */
int nm_p2p_distance_many(const struct nm_device *provider,
			 struct nm_device *const *clients, size_t n);

/* The map type's name ("unknown", "not_supported", "bus_addr",
 * "thru_host_bridge"), "invalid" for another value. */
const char *nm_p2p_map_type_name(enum nm_p2p_map_type t);

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_PCI_H */
