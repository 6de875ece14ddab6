/* SPDX-License-Identifier: MIT */
/*
 * ethtool -N for the netdev: the public struct nm_flow_rule mapped onto
 * the NIC's ntuple table (ntuple.c), whose layout it mirrors.
 *
 * Caller must own the netdev (its stack thread).
 */
#include <stdbool.h>
#include <string.h>

#include "nic/nic_internal.h"
#include "nic/ntuple.h"
#include "util/err.h"

_Static_assert((int)NM_FLOW_TCP4 == (int)NM_NTUPLE_TCP4 && (int)NM_FLOW_UDP4 == (int)NM_NTUPLE_UDP4 &&
		       (int)NM_FLOW_TCP6 == (int)NM_NTUPLE_TCP6 &&
		       (int)NM_FLOW_UDP6 == (int)NM_NTUPLE_UDP6,
	       "flow types mirror the ntuple table's");
_Static_assert(NM_FLOW_ACTION_DROP == NM_NTUPLE_DROP && NM_FLOW_ID_ANY == NM_NTUPLE_ID_ANY,
	       "flow constants mirror the ntuple table's");

static bool is_v4(enum nm_flow_type t)
{
	return t == NM_FLOW_TCP4 || t == NM_FLOW_UDP4;
}

/* Public rules keep IPv4 addresses in bytes 0..3, the table in 12..15
 * (IPv4-mapped, as the parser reports them). */
static void addr_in(uint8_t *dst, const uint8_t *src, bool v4)
{
	memset(dst, 0, 16);
	if (v4)
		memcpy(dst + 12, src, 4);
	else
		memcpy(dst, src, 16);
}

static void addr_out(uint8_t *dst, const uint8_t *src, bool v4)
{
	memset(dst, 0, 16);
	if (v4)
		memcpy(dst, src + 12, 4);
	else
		memcpy(dst, src, 16);
}

static void to_ntuple(const struct nm_flow_rule *f, struct nm_ntuple_rule *r)
{
	bool v4 = is_v4(f->flow_type);

	memset(r, 0, sizeof(*r));
	r->id = f->id;
	r->flow_type = (uint8_t)f->flow_type;
	addr_in(r->src_addr, f->src_ip, v4);
	addr_in(r->src_mask, f->src_ip_mask, v4);
	addr_in(r->dst_addr, f->dst_ip, v4);
	addr_in(r->dst_mask, f->dst_ip_mask, v4);
	r->src_port = f->src_port;
	r->src_port_mask = f->src_port_mask;
	r->dst_port = f->dst_port;
	r->dst_port_mask = f->dst_port_mask;
	r->action = f->action;
}

static void from_ntuple(const struct nm_ntuple_rule *r, struct nm_flow_rule *f)
{
	bool v4;

	memset(f, 0, sizeof(*f));
	f->id = r->id;
	f->flow_type = (enum nm_flow_type)r->flow_type;
	v4 = is_v4(f->flow_type);
	addr_out(f->src_ip, r->src_addr, v4);
	addr_out(f->src_ip_mask, r->src_mask, v4);
	addr_out(f->dst_ip, r->dst_addr, v4);
	addr_out(f->dst_ip_mask, r->dst_mask, v4);
	f->src_port = r->src_port;
	f->src_port_mask = r->src_port_mask;
	f->dst_port = r->dst_port;
	f->dst_port_mask = r->dst_port_mask;
	f->action = r->action;
}

int nm_netdev_flow_add(struct nm_netdev *nd, const struct nm_flow_rule *f)
{
	NM_API_CALL();
	struct nm_ntuple_rule r;

	if (!nd || !f)
		return nm_err(EINVAL, "NULL argument");
	to_ntuple(f, &r);
	return nm_ntuple_add(nd->ntuple, &r);
}

int nm_netdev_flow_del(struct nm_netdev *nd, uint32_t id)
{
	NM_API_CALL();
	if (!nd)
		return nm_err(EINVAL, "NULL netdev");
	return nm_ntuple_del(nd->ntuple, id);
}

int nm_netdev_get_flow(const struct nm_netdev *nd, uint32_t id, struct nm_flow_rule *f)
{
	NM_API_CALL();
	struct nm_ntuple_rule r;
	int ret;

	if (!nd || !f)
		return nm_err(EINVAL, "NULL argument");
	ret = nm_ntuple_get(nd->ntuple, id, &r);
	if (!ret)
		from_ntuple(&r, f);
	return ret;
}

int nm_netdev_flow_list(const struct nm_netdev *nd, uint32_t *ids, uint32_t max)
{
	NM_API_CALL();
	int n;

	if (!nd || (!ids && max))
		return nm_err(EINVAL, "NULL argument");
	n = nm_ntuple_count(nd->ntuple);
	if (n < 0 || !max)
		return n;
	if ((uint32_t)n <= max)
		return nm_ntuple_list(nd->ntuple, ids, max);
	/* the caller asked for fewer than there are: copy what fits */
	uint32_t all[NM_NTUPLE_CAPACITY];
	int k = nm_ntuple_list(nd->ntuple, all, NM_NTUPLE_CAPACITY);

	if (k < 0)
		return k;
	memcpy(ids, all, max * sizeof(*ids));
	return n;
}
