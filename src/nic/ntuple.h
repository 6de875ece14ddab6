/* SPDX-License-Identifier: MIT */
#ifndef NM_NIC_NTUPLE_H
#define NM_NIC_NTUPLE_H

/*
 * ntuple flow steering, like `ethtool -N ... flow-type tcp4 src-ip A
 * dst-port P action Q loc L`: rules match the flow type and masked
 * addresses and ports of a parsed frame and send it to a queue (or drop
 * it); frames no rule matches go to RSS.
 *
 * Precedence: the matching rule with the lowest id wins (the id is the
 * ethtool "location").
 *
 * Matching uses the layout of struct nm_pkt_info: IPv4 addresses are
 * IPv4-mapped (bytes 12..15 of the 16), ports in host order.  A field with
 * an all-zero mask is a wildcard.  Only non-fragment frames whose TCP/UDP
 * header was parsed match a rule.
 *
 * A table belongs to one NIC; add/del and lookup must not run concurrently
 * (the NIC serializes configuration with its receive path).
 */

#include <stdbool.h>
#include <stdint.h>

#include "nic/pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

enum nm_ntuple_flow {
	NM_NTUPLE_TCP4 = 1,
	NM_NTUPLE_UDP4,
	NM_NTUPLE_TCP6,
	NM_NTUPLE_UDP6,
};

#define NM_NTUPLE_ID_ANY	UINT32_MAX	/* add: pick the id */
#define NM_NTUPLE_DROP		(-1)		/* action: drop the frame */
#define NM_NTUPLE_CAPACITY	1024		/* default number of rules (and ids) */
#define NM_NTUPLE_MAX_CAPACITY	65536

enum nm_ntuple_dir {
	NM_NTUPLE_SRC = 0,
	NM_NTUPLE_DST = 1,
};

struct nm_ntuple_rule {
	uint32_t id;			/* 0..capacity-1, or NM_NTUPLE_ID_ANY */
	uint8_t flow_type;		/* enum nm_ntuple_flow */
	uint8_t src_addr[16], src_mask[16];
	uint8_t dst_addr[16], dst_mask[16];
	uint16_t src_port, src_port_mask;
	uint16_t dst_port, dst_port_mask;
	int32_t action;			/* queue index, or NM_NTUPLE_DROP */
};

/* Rule builders.  init: flow type and action, everything wildcard, id ANY. */
int nm_ntuple_rule_init(struct nm_ntuple_rule *r, enum nm_ntuple_flow flow, int32_t action);
/* Address with a prefix length: addr is 4 bytes for tcp4/udp4 (prefix
 * 0..32), 16 for tcp6/udp6 (0..128).  Prefix 0 makes it a wildcard again. */
int nm_ntuple_rule_set_addr(struct nm_ntuple_rule *r, enum nm_ntuple_dir dir,
			    const uint8_t *addr, uint32_t prefix_len);
/* Address with an arbitrary mask (same sizes). */
int nm_ntuple_rule_set_addr_mask(struct nm_ntuple_rule *r, enum nm_ntuple_dir dir,
				 const uint8_t *addr, const uint8_t *mask);
/* Port (host order) with a mask: 0xffff exact, 0 wildcard. */
int nm_ntuple_rule_set_port(struct nm_ntuple_rule *r, enum nm_ntuple_dir dir, uint16_t port,
			    uint16_t mask);

struct nm_ntuple_table;

/* capacity 0: NM_NTUPLE_CAPACITY; ids are 0..capacity-1.  Actions must be
 * queues below nr_queues (1..65535). */
int nm_ntuple_create(uint32_t capacity, uint32_t nr_queues, struct nm_ntuple_table **out);
void nm_ntuple_destroy(struct nm_ntuple_table *t);

/* Change the number of queues: -EBUSY if a rule sends to a queue >= it. */
int nm_ntuple_set_nr_queues(struct nm_ntuple_table *t, uint32_t nr_queues);

/*
 * Add a rule.  Returns its id (>= 0).  With NM_NTUPLE_ID_ANY the id is one
 * past the highest in use (so the rule comes last), or the lowest free one
 * if that is past the capacity.  -EEXIST: the id is taken; -ENOSPC: table
 * full; -EINVAL: bad flow type, action, id, or a mask that covers bytes an
 * IPv4 rule does not have (IPv4 addresses go to bytes 12..15).  Address and
 * port bits outside their masks are ignored (cleared in the stored rule).
 */
int nm_ntuple_add(struct nm_ntuple_table *t, const struct nm_ntuple_rule *rule);
/* 0, or -ENOENT. */
int nm_ntuple_del(struct nm_ntuple_table *t, uint32_t id);
/* Copy of the stored rule; -ENOENT. */
int nm_ntuple_get(const struct nm_ntuple_table *t, uint32_t id, struct nm_ntuple_rule *out);
/* Rule ids in increasing order (precedence order) into ids; returns the
 * count, -ENOSPC if cap is smaller (ids may be NULL when cap is 0). */
int nm_ntuple_list(const struct nm_ntuple_table *t, uint32_t *ids, uint32_t cap);
int nm_ntuple_count(const struct nm_ntuple_table *t);

/*
 * Fast path: the first rule (lowest id) matching info.  Returns 1 and sets
 * *action (queue or NM_NTUPLE_DROP) and *id (may be NULL); 0 if none
 * matches; -EINVAL for NULL arguments.  Costs one compare when the table
 * holds no rule of the frame's flow type.
 */
int nm_ntuple_lookup(const struct nm_ntuple_table *t, const struct nm_pkt_info *info,
		     int32_t *action, uint32_t *id);

/* Debug checker of the table's invariants (ntuple.c): 0, or -EFAULT with
 * the broken one in the message. */
int nm_ntuple_check(const struct nm_ntuple_table *t);

/* Flow type of a parsed frame (0 if it cannot match any rule). */
enum nm_ntuple_flow nm_ntuple_flow_of(const struct nm_pkt_info *info);

#ifdef __cplusplus
}
#endif
#endif /* NM_NIC_NTUPLE_H */
