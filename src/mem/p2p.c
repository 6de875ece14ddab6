/* SPDX-License-Identifier: MIT */
/*
 * Peer-to-peer distance and map type between two devices of one topology,
 * with the semantics of Linux p2pdma (calc_map_type_and_dist()).
 *
 * Model.  The "upstream bridge" of a node is its parent when that parent is
 * a switch; a root complex is not a bridge, so the walk up from any node
 * ends (NULL) above a top-level switch or above an endpoint that sits
 * directly under a root complex.  The path of a device is the device itself
 * followed by its upstream bridges.
 *
 * Rules, as in the kernel:
 *  - Walk the provider's path; for each node a on it (the provider first),
 *    look for a on the client's path.  dist_a counts the steps taken on the
 *    provider side, dist_b the steps on the client side to reach a.
 *  - ACS redirect is counted on every provider-side node visited, the common
 *    one included, and on client-side nodes below the common one.
 *  - Common node found, no redirect: BUS_ADDR, distance dist_a + dist_b.
 *  - Redirect, or no common node (distance is then the sum of both path
 *    lengths): through the host bridge if it allows it, else NOT_SUPPORTED.
 *
 * Host bridge (our simplification of the kernel's whitelist, which may
 * accept two different whitelisted bridges): both devices must be under the
 * same root complex, and that root complex must carry the p2p attribute.
 *
 * Workload: called when a dma-buf is attached or mapped (control path);
 * paths are at most 17 nodes long, so the quadratic walk is trivial.
 */
#include <limits.h>

#include "mem/mem_internal.h"
#include "util/err.h"

static const struct nm_pci_node *nm_p2p_upstream(const struct nm_pci_node *n)
{
	const struct nm_pci_node *up = n->parent;

	return up && up->kind == NM_PCI_SWITCH ? up : NULL;
}

static bool nm_p2p_acs_redir(const struct nm_pci_node *n)
{
	return n->kind == NM_PCI_SWITCH && (n->flags & NM_PCI_F_ACS_REDIR);
}

static const struct nm_pci_node *nm_p2p_root(const struct nm_pci_node *n)
{
	while (n->parent)
		n = n->parent;
	return n;
}

static bool nm_p2p_host_bridge_ok(const struct nm_pci_node *a, const struct nm_pci_node *b)
{
	const struct nm_pci_node *ra = nm_p2p_root(a), *rb = nm_p2p_root(b);

	return ra == rb && ra->kind == NM_PCI_RC && (ra->flags & NM_PCI_F_HOST_P2P);
}

static int nm_p2p_check_dev(const struct nm_device *dev, const char *what)
{
	if (!dev)
		return nm_err(EINVAL, "%s is NULL", what);
	if (!dev->topo || !dev->node || dev->node->kind != NM_PCI_EP)
		return nm_err(EINVAL, "%s is not a topology endpoint", what);
	return 0;
}

/* Arguments already checked: two endpoints of one topology. */
static int nm__p2p_distance(const struct nm_pci_node *provider,
			     const struct nm_pci_node *client, enum nm_p2p_map_type *type)
{
	const struct nm_pci_node *a, *bb;
	int dist_a = 0, dist_b = 0, acs = 0;

	for (a = provider; a; a = nm_p2p_upstream(a), dist_a++) {
		if (nm_p2p_acs_redir(a))
			acs++;
		dist_b = 0;
		for (bb = client; bb; bb = nm_p2p_upstream(bb), dist_b++)
			if (bb == a)
				goto found;
	}
	/* No common upstream switch: the host bridge is the only way. */
	goto through_host;

found:
	for (bb = client; bb != a; bb = nm_p2p_upstream(bb))
		if (nm_p2p_acs_redir(bb))
			acs++;
	if (!acs) {
		*type = NM_P2P_MAP_BUS_ADDR;
		return dist_a + dist_b;
	}

through_host:
	*type = nm_p2p_host_bridge_ok(provider, client) ? NM_P2P_MAP_THRU_HOST_BRIDGE
							: NM_P2P_MAP_NOT_SUPPORTED;
	return dist_a + dist_b;
}

int nm_p2p_distance(const struct nm_device *provider, const struct nm_device *client,
		    enum nm_p2p_map_type *type)
{
	NM_API_CALL();
	enum nm_p2p_map_type t;
	int r;

	if (!type)
		return nm_err(EINVAL, "type is NULL");
	*type = NM_P2P_MAP_UNKNOWN;
	r = nm_p2p_check_dev(provider, "provider");
	if (r < 0)
		return r;
	r = nm_p2p_check_dev(client, "client");
	if (r < 0)
		return r;
	if (provider->topo != client->topo)
		return nm_err(EINVAL, "'%s' and '%s' are in different topologies",
			      provider->name, client->name);
	r = nm__p2p_distance(provider->node, client->node, &t);
	*type = t;
	return r;
}

int nm_p2p_distance_many(const struct nm_device *provider,
			 struct nm_device *const *clients, size_t n)
{
	NM_API_CALL();
	enum nm_p2p_map_type t;
	int total = 0;
	size_t i;
	int d;

	if (!clients || n == 0)
		return nm_err(EINVAL, "no clients");
	for (i = 0; i < n; i++) {
		if (!clients[i])
			return nm_err(EINVAL, "client %zu is NULL", i);
		d = nm_p2p_distance(provider, clients[i], &t);
		if (d < 0)
			return nm_err_wrap(d, "client %zu", i);
		if (t == NM_P2P_MAP_NOT_SUPPORTED)
			return nm_err(EREMOTEIO,
				      "client '%s' cannot reach provider '%s' peer-to-peer",
				      clients[i]->name, provider->name);
		if (total > INT_MAX - d)
			return nm_err(EOVERFLOW, "distance sum overflows");
		total += d;
	}
	return total;
}

const char *nm_p2p_map_type_name(enum nm_p2p_map_type t)
{
	switch (t) {
	case NM_P2P_MAP_UNKNOWN:		return "unknown";
	case NM_P2P_MAP_NOT_SUPPORTED:		return "not_supported";
	case NM_P2P_MAP_BUS_ADDR:		return "bus_addr";
	case NM_P2P_MAP_THRU_HOST_BRIDGE:	return "thru_host_bridge";
	}
	return "invalid";
}
