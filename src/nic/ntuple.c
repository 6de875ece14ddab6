/* SPDX-License-Identifier: MIT */
/*
 * ntuple rule table (ethtool -N): add/delete/list rules by id, and the
 * per-frame lookup.
 *
 * Rules are kept in two parallel arrays sorted by id: `hot` holds what
 * matching reads (masked address and port words, 96 bytes per rule),
 * `rules` the rule as the user gave it, normalized, for get/list.  The
 * first match in array order is the lowest id, which is the precedence.
 *
 * Invariants (nm_ntuple_check() verifies them; tests call it):
 *  1. hot[0..nr) and rules[0..nr) describe the same rules, ids strictly
 *     increasing, every id < capacity.
 *  2. hot[i].addr & hot[i].mask == hot[i].addr (bits outside a mask are
 *     cleared at add), likewise for ports.
 *  3. nr_flow[f] is the number of rules of flow type f; every action is
 *     NM_NTUPLE_DROP or < nr_queues.
 *
 * Workload: lookups per received frame against a handful of rules; add and
 * delete are configuration (O(capacity) memmove is fine at 1024).
 */
#include <stdlib.h>
#include <string.h>

#include "nic/ntuple.h"
#include "util/err.h"

struct ntuple_hot {
	uint64_t src[2], src_mask[2];
	uint64_t dst[2], dst_mask[2];
	uint32_t ports, ports_mask;	/* src << 16 | dst */
	uint32_t id;
	int32_t action;
	uint8_t flow;
};

struct nm_ntuple_table {
	struct ntuple_hot *hot;
	struct nm_ntuple_rule *rules;
	uint32_t nr;
	uint32_t capacity;
	uint32_t nr_queues;
	uint32_t nr_flow[NM_NTUPLE_UDP6 + 1];
};

static bool flow_valid(uint32_t flow)
{
	return flow >= NM_NTUPLE_TCP4 && flow <= NM_NTUPLE_UDP6;
}

static bool flow_is_v4(uint32_t flow)
{
	return flow == NM_NTUPLE_TCP4 || flow == NM_NTUPLE_UDP4;
}

/* ---- rule builders ------------------------------------------------------- */

int nm_ntuple_rule_init(struct nm_ntuple_rule *r, enum nm_ntuple_flow flow, int32_t action)
{
	if (!r)
		return nm_err(EINVAL, "NULL rule");
	if (!flow_valid(flow))
		return nm_err(EINVAL, "flow type %d", (int)flow);
	if (action < NM_NTUPLE_DROP)
		return nm_err(EINVAL, "action %d", action);
	memset(r, 0, sizeof(*r));
	r->id = NM_NTUPLE_ID_ANY;
	r->flow_type = (uint8_t)flow;
	r->action = action;
	return 0;
}

static int rule_addr(struct nm_ntuple_rule *r, enum nm_ntuple_dir dir, uint8_t **a,
		     uint8_t **m, uint32_t *alen)
{
	if (!r)
		return nm_err(EINVAL, "NULL rule");
	if (!flow_valid(r->flow_type))
		return nm_err(EINVAL, "rule has flow type %u (init it first)",
			      r->flow_type);
	if (dir != NM_NTUPLE_SRC && dir != NM_NTUPLE_DST)
		return nm_err(EINVAL, "direction %d", (int)dir);
	*a = dir == NM_NTUPLE_SRC ? r->src_addr : r->dst_addr;
	*m = dir == NM_NTUPLE_SRC ? r->src_mask : r->dst_mask;
	*alen = flow_is_v4(r->flow_type) ? 4 : 16;
	return 0;
}

int nm_ntuple_rule_set_addr_mask(struct nm_ntuple_rule *r, enum nm_ntuple_dir dir,
				 const uint8_t *addr, const uint8_t *mask)
{
	uint8_t *a = NULL, *m = NULL;
	uint32_t alen = 0;
	int ret = rule_addr(r, dir, &a, &m, &alen);

	if (ret)
		return ret;
	if (!addr || !mask)
		return nm_err(EINVAL, "NULL %s", addr ? "mask" : "address");
	memset(a, 0, 16);
	memset(m, 0, 16);
	for (uint32_t i = 0; i < alen; i++) {
		m[16 - alen + i] = mask[i];
		a[16 - alen + i] = addr[i] & mask[i];
	}
	return 0;
}

int nm_ntuple_rule_set_addr(struct nm_ntuple_rule *r, enum nm_ntuple_dir dir,
			    const uint8_t *addr, uint32_t prefix_len)
{
	uint8_t mask[16] = { 0 };
	uint8_t *a = NULL, *m = NULL;
	uint32_t alen = 0;
	int ret = rule_addr(r, dir, &a, &m, &alen);

	if (ret)
		return ret;
	if (prefix_len > alen * 8)
		return nm_err(EINVAL, "prefix /%u for a %u-bit address",
			      prefix_len, alen * 8);
	for (uint32_t i = 0; i < prefix_len; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	return nm_ntuple_rule_set_addr_mask(r, dir, addr, mask);
}

int nm_ntuple_rule_set_port(struct nm_ntuple_rule *r, enum nm_ntuple_dir dir, uint16_t port,
			    uint16_t mask)
{
	if (!r)
		return nm_err(EINVAL, "NULL rule");
	if (dir == NM_NTUPLE_SRC) {
		r->src_port = port & mask;
		r->src_port_mask = mask;
	} else if (dir == NM_NTUPLE_DST) {
		r->dst_port = port & mask;
		r->dst_port_mask = mask;
	} else {
		return nm_err(EINVAL, "direction %d", (int)dir);
	}
	return 0;
}

/* ---- table ----------------------------------------------------------------- */

int nm_ntuple_create(uint32_t capacity, uint32_t nr_queues, struct nm_ntuple_table **out)
{
	struct nm_ntuple_table *t;

	if (!out)
		return nm_err(EINVAL, "NULL out");
	if (capacity == 0)
		capacity = NM_NTUPLE_CAPACITY;
	if (capacity > NM_NTUPLE_MAX_CAPACITY)
		return nm_err(EINVAL, "capacity %u > %u", capacity,
			      NM_NTUPLE_MAX_CAPACITY);
	if (nr_queues == 0 || nr_queues > 65535)
		return nm_err(EINVAL, "%u queues", nr_queues);
	t = calloc(1, sizeof(*t));
	if (!t)
		return nm_err(ENOMEM, "table");
	t->hot = calloc(capacity, sizeof(*t->hot));
	if (!t->hot)
		goto err_free_table;
	t->rules = calloc(capacity, sizeof(*t->rules));
	if (!t->rules)
		goto err_free_hot;
	t->capacity = capacity;
	t->nr_queues = nr_queues;
	*out = t;
	return 0;

err_free_hot:
	free(t->hot);
err_free_table:
	free(t);
	return nm_err(ENOMEM, "%u rules", capacity);
}

void nm_ntuple_destroy(struct nm_ntuple_table *t)
{
	if (!t)
		return;
	free(t->rules);
	free(t->hot);
	free(t);
}

int nm_ntuple_set_nr_queues(struct nm_ntuple_table *t, uint32_t nr_queues)
{
	if (!t)
		return nm_err(EINVAL, "NULL table");
	if (nr_queues == 0 || nr_queues > 65535)
		return nm_err(EINVAL, "%u queues", nr_queues);
	for (uint32_t i = 0; i < t->nr; i++)
		if (t->hot[i].action >= (int32_t)nr_queues)
			return nm_err(EBUSY, "rule %u sends to queue %d",
				      t->hot[i].id, t->hot[i].action);
	t->nr_queues = nr_queues;
	return 0;
}

/* Index of the first rule with id >= id. */
static uint32_t lower_bound(const struct nm_ntuple_table *t, uint32_t id)
{
	uint32_t lo = 0, hi = t->nr;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->rules[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool find(const struct nm_ntuple_table *t, uint32_t id, uint32_t *pos)
{
	*pos = lower_bound(t, id);
	return *pos < t->nr && t->rules[*pos].id == id;
}

static int pick_id(const struct nm_ntuple_table *t, uint32_t *id)
{
	uint32_t next = 0;

	if (t->nr == t->capacity)
		return nm_err(ENOSPC, "table full (%u rules)", t->capacity);
	if (t->nr == 0 || t->rules[t->nr - 1].id + 1 < t->capacity) {
		*id = t->nr ? t->rules[t->nr - 1].id + 1 : 0;
		return 0;
	}
	/* The last id is taken: the first gap. */
	for (uint32_t i = 0; i < t->nr; i++, next++)
		if (t->rules[i].id != next)
			break;
	*id = next;
	return 0;
}

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static int normalize(const struct nm_ntuple_table *t, const struct nm_ntuple_rule *in,
		     struct nm_ntuple_rule *r)
{
	*r = *in;
	if (!flow_valid(r->flow_type))
		return nm_err(EINVAL, "flow type %u", r->flow_type);
	if (r->action < NM_NTUPLE_DROP || r->action >= (int32_t)t->nr_queues)
		return nm_err(EINVAL, "action %d, queues 0..%u or drop (-1)",
			      r->action, t->nr_queues - 1);
	if (r->id != NM_NTUPLE_ID_ANY && r->id >= t->capacity)
		return nm_err(EINVAL, "id %u >= capacity %u", r->id, t->capacity);
	if (flow_is_v4(r->flow_type))
		for (int i = 0; i < 12; i++)
			if (r->src_mask[i] || r->dst_mask[i])
				return nm_err(EINVAL,
					      "IPv4 rule masks byte %d of an address "
					      "(IPv4 goes to bytes 12..15)", i);
	for (int i = 0; i < 16; i++) {
		r->src_addr[i] &= r->src_mask[i];
		r->dst_addr[i] &= r->dst_mask[i];
	}
	r->src_port &= r->src_port_mask;
	r->dst_port &= r->dst_port_mask;
	return 0;
}

int nm_ntuple_add(struct nm_ntuple_table *t, const struct nm_ntuple_rule *rule)
{
	struct nm_ntuple_rule r;
	struct ntuple_hot h;
	uint32_t pos;
	int ret;

	if (!t || !rule)
		return nm_err(EINVAL, "NULL %s", t ? "rule" : "table");
	ret = normalize(t, rule, &r);
	if (ret)
		return ret;
	if (r.id == NM_NTUPLE_ID_ANY) {
		ret = pick_id(t, &r.id);
		if (ret)
			return ret;
	} else if (find(t, r.id, &pos)) {
		return nm_err(EEXIST, "rule %u exists", r.id);
	} else if (t->nr == t->capacity) {
		return nm_err(ENOSPC, "table full (%u rules)", t->capacity);
	}

	memset(&h, 0, sizeof(h));
	h.src[0] = ld64(r.src_addr);
	h.src[1] = ld64(r.src_addr + 8);
	h.src_mask[0] = ld64(r.src_mask);
	h.src_mask[1] = ld64(r.src_mask + 8);
	h.dst[0] = ld64(r.dst_addr);
	h.dst[1] = ld64(r.dst_addr + 8);
	h.dst_mask[0] = ld64(r.dst_mask);
	h.dst_mask[1] = ld64(r.dst_mask + 8);
	h.ports = (uint32_t)r.src_port << 16 | r.dst_port;
	h.ports_mask = (uint32_t)r.src_port_mask << 16 | r.dst_port_mask;
	h.id = r.id;
	h.action = r.action;
	h.flow = r.flow_type;

	pos = lower_bound(t, r.id);
	memmove(&t->hot[pos + 1], &t->hot[pos], (t->nr - pos) * sizeof(*t->hot));
	memmove(&t->rules[pos + 1], &t->rules[pos], (t->nr - pos) * sizeof(*t->rules));
	t->hot[pos] = h;
	t->rules[pos] = r;
	t->nr++;
	t->nr_flow[r.flow_type]++;
	return (int)r.id;
}

int nm_ntuple_del(struct nm_ntuple_table *t, uint32_t id)
{
	uint32_t pos;

	if (!t)
		return nm_err(EINVAL, "NULL table");
	if (!find(t, id, &pos))
		return nm_err(ENOENT, "no rule %u", id);
	t->nr_flow[t->rules[pos].flow_type]--;
	memmove(&t->hot[pos], &t->hot[pos + 1], (t->nr - pos - 1) * sizeof(*t->hot));
	memmove(&t->rules[pos], &t->rules[pos + 1], (t->nr - pos - 1) * sizeof(*t->rules));
	t->nr--;
	return 0;
}

int nm_ntuple_get(const struct nm_ntuple_table *t, uint32_t id, struct nm_ntuple_rule *out)
{
	uint32_t pos;

	if (!t || !out)
		return nm_err(EINVAL, "NULL %s", t ? "out" : "table");
	if (!find(t, id, &pos))
		return nm_err(ENOENT, "no rule %u", id);
	*out = t->rules[pos];
	return 0;
}

int nm_ntuple_list(const struct nm_ntuple_table *t, uint32_t *ids, uint32_t cap)
{
	if (!t || (!ids && cap))
		return nm_err(EINVAL, "NULL %s", t ? "ids" : "table");
	if (cap < t->nr)
		return nm_err(ENOSPC, "%u rules, room for %u", t->nr, cap);
	for (uint32_t i = 0; i < t->nr; i++)
		ids[i] = t->rules[i].id;
	return (int)t->nr;
}

int nm_ntuple_count(const struct nm_ntuple_table *t)
{
	if (!t)
		return nm_err(EINVAL, "NULL table");
	return (int)t->nr;
}

int nm_ntuple_check(const struct nm_ntuple_table *t)
{
	uint32_t per_flow[NM_NTUPLE_UDP6 + 1] = { 0 };

	if (!t)
		return nm_err(EINVAL, "NULL table");
	if (t->nr > t->capacity)
		return nm_err(EFAULT, "%u rules, capacity %u", t->nr, t->capacity);
	for (uint32_t i = 0; i < t->nr; i++) {
		const struct ntuple_hot *h = &t->hot[i];
		const struct nm_ntuple_rule *r = &t->rules[i];

		if (r->id >= t->capacity || (i > 0 && t->rules[i - 1].id >= r->id))
			return nm_err(EFAULT, "rule %u: id %u out of order", i, r->id);
		if (h->id != r->id || h->flow != r->flow_type || h->action != r->action ||
		    !flow_valid(h->flow))
			return nm_err(EFAULT, "rule %u: hot copy differs", r->id);
		if ((h->src[0] & ~h->src_mask[0]) || (h->src[1] & ~h->src_mask[1]) ||
		    (h->dst[0] & ~h->dst_mask[0]) || (h->dst[1] & ~h->dst_mask[1]) ||
		    (h->ports & ~h->ports_mask))
			return nm_err(EFAULT, "rule %u: bits outside a mask", r->id);
		if (h->ports != ((uint32_t)r->src_port << 16 | r->dst_port) ||
		    h->src[0] != ld64(r->src_addr) || h->dst[1] != ld64(r->dst_addr + 8))
			return nm_err(EFAULT, "rule %u: hot match words differ", r->id);
		if (h->action < NM_NTUPLE_DROP || h->action >= (int32_t)t->nr_queues)
			return nm_err(EFAULT, "rule %u: action %d, %u queues", r->id,
				      h->action, t->nr_queues);
		per_flow[h->flow]++;
	}
	for (uint32_t f = NM_NTUPLE_TCP4; f <= NM_NTUPLE_UDP6; f++)
		if (per_flow[f] != t->nr_flow[f])
			return nm_err(EFAULT, "flow %u counts %u, has %u", f,
				      t->nr_flow[f], per_flow[f]);
	return 0;
}

/* ---- fast path --------------------------------------------------------------- */

enum nm_ntuple_flow nm_ntuple_flow_of(const struct nm_pkt_info *info)
{
	if (!info || info->l4_hdr_len == 0 || info->is_fragment)
		return 0;
	if (info->l4_proto == NM_IPPROTO_TCP)
		return info->l3_proto == 4 ? NM_NTUPLE_TCP4
		       : info->l3_proto == 6 ? NM_NTUPLE_TCP6 : 0;
	if (info->l4_proto == NM_IPPROTO_UDP)
		return info->l3_proto == 4 ? NM_NTUPLE_UDP4
		       : info->l3_proto == 6 ? NM_NTUPLE_UDP6 : 0;
	return 0;
}

int nm_ntuple_lookup(const struct nm_ntuple_table *t, const struct nm_pkt_info *info,
		     int32_t *action, uint32_t *id)
{
	uint64_t s0, s1, d0, d1;
	uint32_t ports;
	enum nm_ntuple_flow flow;

	if (nm_unlikely(!t || !info || !action))
		return nm_err(EINVAL, "NULL argument");
	flow = nm_ntuple_flow_of(info);
	if (flow == 0 || t->nr_flow[flow] == 0)
		return 0;
	s0 = ld64(info->src_addr);
	s1 = ld64(info->src_addr + 8);
	d0 = ld64(info->dst_addr);
	d1 = ld64(info->dst_addr + 8);
	ports = (uint32_t)info->src_port << 16 | info->dst_port;
	for (uint32_t i = 0; i < t->nr; i++) {
		const struct ntuple_hot *h = &t->hot[i];

		if (h->flow != flow || (ports & h->ports_mask) != h->ports ||
		    (s0 & h->src_mask[0]) != h->src[0] || (s1 & h->src_mask[1]) != h->src[1] ||
		    (d0 & h->dst_mask[0]) != h->dst[0] || (d1 & h->dst_mask[1]) != h->dst[1])
			continue;
		*action = h->action;
		if (id)
			*id = h->id;
		return 1;
	}
	return 0;
}
