/* ntuple rules (ethtool -N): add with auto and given ids, duplicates,
 * delete, get/list, lookup by flow type, prefixes, masks and ports,
 * precedence by id, drop actions, fragments never matching, bad rules,
 * a full table, queue-count changes; then a reference model under random
 * rules and random frames. */
#include <errno.h>

#include "nic/ntuple.h"
#include "util/err.h"
#include "t_util.h"
#include "t_frame.h"

static uint8_t buf[4096];

static struct nm_pkt_info parse_frame(const struct t_frame *f)
{
	struct nm_pkt_info in;
	uint32_t len = t_build(buf, sizeof(buf), f);

	T_ASSERT(len > 0);
	T_OK(nm_pkt_parse(buf, len, &in));
	return in;
}

/* lookup that returns the id, -1 for no match */
static long match(const struct nm_ntuple_table *t, const struct nm_pkt_info *in, int32_t *act)
{
	uint32_t id = 0xdead;
	int r = nm_ntuple_lookup(t, in, act, &id);

	T_ASSERT(r == 0 || r == 1);
	return r ? (long)id : -1;
}

/* Naive reference: the rule with the lowest id whose every field matches. */
static long model_match(const struct nm_ntuple_rule *rules, const bool *live, int n,
			const struct nm_pkt_info *in)
{
	long best = -1;

	for (int i = 0; i < n; i++) {
		const struct nm_ntuple_rule *r = &rules[i];
		bool ok = live[i] && r->flow_type == nm_ntuple_flow_of(in) &&
			  (in->src_port & r->src_port_mask) == (r->src_port & r->src_port_mask) &&
			  (in->dst_port & r->dst_port_mask) == (r->dst_port & r->dst_port_mask);

		for (int k = 0; ok && k < 16; k++)
			ok = (in->src_addr[k] & r->src_mask[k]) == (r->src_addr[k] & r->src_mask[k]) &&
			     (in->dst_addr[k] & r->dst_mask[k]) == (r->dst_addr[k] & r->dst_mask[k]);
		if (ok && (best < 0 || r->id < (uint32_t)best))
			best = r->id;
	}
	return best;
}

static void model_test(void)
{
	enum { NR = 64 };
	static const uint8_t net4[4][4] = { { 10, 0, 0, 1 }, { 10, 0, 1, 2 }, { 10, 1, 0, 1 },
					    { 192, 168, 0, 1 } };
	static const uint16_t ports[4] = { 80, 81, 443, 8080 };
	struct nm_ntuple_table *t;
	struct nm_ntuple_rule rules[NR];
	bool live[NR] = { false };
	uint64_t seed = 0xabcdef;
	int matched = 0;

	T_OK(nm_ntuple_create(NR, 8, &t));
	for (int step = 0; step < 20000; step++) {
		uint32_t op = (uint32_t)(t_rand(&seed) % 10);

		if (op < 2) {		/* add a random rule at a random id */
			struct nm_ntuple_rule r;
			uint32_t id = (uint32_t)(t_rand(&seed) % NR);
			int flow = 1 + (int)(t_rand(&seed) % 4);
			int ret;

			T_OK(nm_ntuple_rule_init(&r, flow, (int32_t)(t_rand(&seed) % 9) - 1));
			r.id = id;
			if (t_rand(&seed) & 1) {
				uint8_t a[16] = { 0 };

				memcpy(flow <= 2 ? a : a + 12, net4[t_rand(&seed) % 4], 4);
				if (flow > 2)
					a[0] = 0x20, a[1] = 0x01;
				T_OK(nm_ntuple_rule_set_addr(&r, NM_NTUPLE_SRC, a,
							     (uint32_t)(t_rand(&seed) %
									(flow <= 2 ? 33 : 129))));
			}
			if (t_rand(&seed) & 1)
				T_OK(nm_ntuple_rule_set_port(&r, NM_NTUPLE_DST,
							     ports[t_rand(&seed) % 4],
							     (uint16_t)(t_rand(&seed) & 1 ? 0xffff
											 : 0xfffe)));
			ret = nm_ntuple_add(t, &r);
			if (live[id]) {
				T_EQ(ret, -EEXIST);
			} else {
				T_EQ(ret, (int)id);
				T_OK(nm_ntuple_get(t, id, &rules[id]));
				live[id] = true;
			}
			T_OK(nm_ntuple_check(t));
		} else if (op < 3) {	/* delete */
			uint32_t id = (uint32_t)(t_rand(&seed) % NR);

			if (live[id]) {
				T_OK(nm_ntuple_del(t, id));
				live[id] = false;
			} else {
				T_ERR(nm_ntuple_del(t, id), -ENOENT);
			}
		} else {		/* a frame */
			struct t_frame f = t_rand(&seed) & 1 ? t_tcp4(10) : t_tcp6(10);
			struct nm_pkt_info in;
			int32_t act;
			long want, got;

			if (t_rand(&seed) & 1)
				f.proto = NM_IPPROTO_UDP;
			if (f.ip == 4)
				memcpy(f.src, net4[t_rand(&seed) % 4], 4);
			else
				f.src[15] = (uint8_t)t_rand(&seed);
			f.dport = ports[t_rand(&seed) % 4];
			in = parse_frame(&f);
			want = model_match(rules, live, NR, &in);
			got = match(t, &in, &act);
			T_EQ(got, want);
			if (got >= 0) {
				T_EQ(act, rules[got].action);
				matched++;
			}
		}
	}
	{
		int n = 0;
		uint32_t ids[NR];

		for (int i = 0; i < NR; i++)
			n += live[i];
		T_EQ(nm_ntuple_count(t), n);
		T_EQ(nm_ntuple_list(t, ids, NR), n);
		for (int i = 1; i < n; i++)
			T_ASSERT(ids[i - 1] < ids[i]);
	}
	T_ASSERT(matched > 1000);	/* the model test matched something */
	nm_ntuple_destroy(t);
}

int main(void)
{
	struct nm_ntuple_table *t;
	struct nm_ntuple_rule r, got;
	struct nm_pkt_info in;
	struct t_frame f;
	int32_t act;
	uint32_t ids[16];
	static const uint8_t net10[4] = { 10, 0, 0, 0 }, host2[4] = { 10, 0, 0, 2 };

	T_ERR(nm_ntuple_create(0, 0, &t), -EINVAL);
	T_ERR(nm_ntuple_create(NM_NTUPLE_MAX_CAPACITY + 1, 4, &t), -EINVAL);
	T_ERR(nm_ntuple_create(0, 4, NULL), -EINVAL);
	T_OK(nm_ntuple_create(0, 4, &t));

	/* no rules: nothing matches */
	f = t_tcp4(10);
	in = parse_frame(&f);
	T_EQ(match(t, &in, &act), -1);

	/* tcp4 dst-port 80 action 3, auto id -> 0, then 1 */
	T_OK(nm_ntuple_rule_init(&r, NM_NTUPLE_TCP4, 3));
	T_OK(nm_ntuple_rule_set_port(&r, NM_NTUPLE_DST, 80, 0xffff));
	T_EQ(nm_ntuple_add(t, &r), 0);
	T_EQ(match(t, &in, &act), 0);
	T_EQ(act, 3);
	f.dport = 81;
	in = parse_frame(&f);
	T_EQ(match(t, &in, &act), -1);

	/* flow type matters: the same ports over UDP or IPv6 do not match */
	f = t_tcp4(10);
	f.proto = NM_IPPROTO_UDP;
	in = parse_frame(&f);
	T_EQ(match(t, &in, &act), -1);
	f = t_tcp6(10);
	in = parse_frame(&f);
	T_EQ(match(t, &in, &act), -1);
	/* fragments never match */
	f = t_tcp4(10);
	f.frag_off = 0x2000;
	in = parse_frame(&f);
	T_EQ(match(t, &in, &act), -1);

	/* src-ip 10.0.0.0/8 -> drop, at id 10 (after rule 0) */
	T_OK(nm_ntuple_rule_init(&r, NM_NTUPLE_TCP4, NM_NTUPLE_DROP));
	T_OK(nm_ntuple_rule_set_addr(&r, NM_NTUPLE_SRC, net10, 8));
	r.id = 10;
	T_EQ(nm_ntuple_add(t, &r), 10);
	T_ERR(nm_ntuple_add(t, &r), -EEXIST);
	f = t_tcp4(10);				/* 10.0.0.1 -> dport 80: rule 0 first */
	in = parse_frame(&f);
	T_EQ(match(t, &in, &act), 0);
	T_EQ(act, 3);
	f.dport = 22;				/* only rule 10 */
	in = parse_frame(&f);
	T_EQ(match(t, &in, &act), 10);
	T_EQ(act, NM_NTUPLE_DROP);
	f.src[0] = 11;
	in = parse_frame(&f);
	T_EQ(match(t, &in, &act), -1);

	/* a lower id takes precedence over an earlier-added rule */
	T_OK(nm_ntuple_rule_init(&r, NM_NTUPLE_TCP4, 1));
	T_OK(nm_ntuple_rule_set_addr(&r, NM_NTUPLE_DST, host2, 32));
	T_OK(nm_ntuple_rule_set_port(&r, NM_NTUPLE_SRC, 1234, 0xffff));
	r.id = 0;
	T_ERR(nm_ntuple_add(t, &r), -EEXIST);
	T_OK(nm_ntuple_del(t, 0));
	T_ERR(nm_ntuple_del(t, 0), -ENOENT);
	T_ERR(nm_ntuple_get(t, 0, &got), -ENOENT);
	T_EQ(nm_ntuple_add(t, &r), 0);
	T_OK(nm_ntuple_rule_init(&r, NM_NTUPLE_TCP4, 2));
	T_OK(nm_ntuple_rule_set_port(&r, NM_NTUPLE_DST, 80, 0xffff));
	T_EQ(nm_ntuple_add(t, &r), 11);		/* auto: after the highest */
	f = t_tcp4(10);				/* 10.0.0.1:1234 -> 10.0.0.2:80 */
	in = parse_frame(&f);
	T_EQ(match(t, &in, &act), 0);
	T_EQ(act, 1);
	T_OK(nm_ntuple_del(t, 0));
	T_EQ(match(t, &in, &act), 10);		/* the /8 drop, id 10 < 11 */
	T_OK(nm_ntuple_del(t, 10));
	T_EQ(match(t, &in, &act), 11);
	T_EQ(act, 2);

	/* port masks: dst-port 0x1f90 m 0xfff0 covers 8080..8095 */
	T_OK(nm_ntuple_rule_init(&r, NM_NTUPLE_UDP6, 0));
	T_OK(nm_ntuple_rule_set_port(&r, NM_NTUPLE_DST, 8085, 0xfff0));
	T_EQ(nm_ntuple_add(t, &r), 12);
	T_OK(nm_ntuple_get(t, 12, &got));
	T_EQ(got.dst_port, 8080);		/* bits outside the mask cleared */
	T_EQ(got.dst_port_mask, 0xfff0);
	f = t_tcp6(10);
	f.proto = NM_IPPROTO_UDP;
	for (uint16_t p = 8070; p < 8100; p++) {
		f.dport = p;
		in = parse_frame(&f);
		T_EQ(match(t, &in, &act), p >= 8080 && p <= 8095 ? 12 : -1);
	}
	/* IPv6 prefix /64 with an arbitrary-mask address stored normalized */
	{
		uint8_t a6[16], m6[16];

		memcpy(a6, f.dst, 16);
		a6[15] = 0x77;
		T_OK(nm_ntuple_rule_init(&r, NM_NTUPLE_TCP6, 3));
		T_OK(nm_ntuple_rule_set_addr(&r, NM_NTUPLE_DST, a6, 64));
		r.id = 5;
		T_EQ(nm_ntuple_add(t, &r), 5);
		T_OK(nm_ntuple_get(t, 5, &got));
		T_EQ(got.dst_addr[15], 0);
		T_EQ(got.dst_mask[7], 0xff);
		T_EQ(got.dst_mask[8], 0);
		f = t_tcp6(10);
		in = parse_frame(&f);
		T_EQ(match(t, &in, &act), 5);
		f.dst[7] ^= 1;
		in = parse_frame(&f);
		T_EQ(match(t, &in, &act), -1);
		memset(m6, 0, 16);
		m6[0] = 0xf0;
		T_OK(nm_ntuple_rule_set_addr_mask(&r, NM_NTUPLE_SRC, a6, m6));
		T_EQ(r.src_addr[0], 0x20);
		T_EQ(r.src_addr[1], 0);
	}

	T_EQ(nm_ntuple_list(t, ids, 16), 3);
	T_EQ(ids[0], 5);
	T_EQ(ids[1], 11);
	T_EQ(ids[2], 12);
	T_ERR(nm_ntuple_list(t, ids, 2), -ENOSPC);
	T_EQ(nm_ntuple_count(t), 3);

	/* bad rules */
	T_ERR(nm_ntuple_rule_init(&r, 0, 0), -EINVAL);
	T_ERR(nm_ntuple_rule_init(&r, 5, 0), -EINVAL);
	T_ERR(nm_ntuple_rule_init(&r, NM_NTUPLE_TCP4, -2), -EINVAL);
	T_ERR(nm_ntuple_rule_init(NULL, NM_NTUPLE_TCP4, 0), -EINVAL);
	T_OK(nm_ntuple_rule_init(&r, NM_NTUPLE_TCP4, 0));
	T_ERR(nm_ntuple_rule_set_addr(&r, NM_NTUPLE_SRC, net10, 33), -EINVAL);
	T_ERR(nm_ntuple_rule_set_addr(&r, 7, net10, 8), -EINVAL);
	T_ERR(nm_ntuple_rule_set_addr(&r, NM_NTUPLE_SRC, NULL, 8), -EINVAL);
	T_ERR(nm_ntuple_rule_set_port(&r, 2, 80, 0xffff), -EINVAL);
	r.action = 4;				/* only queues 0..3 */
	T_ERR(nm_ntuple_add(t, &r), -EINVAL);
	r.action = -2;
	T_ERR(nm_ntuple_add(t, &r), -EINVAL);
	r.action = 0;
	r.flow_type = 9;
	T_ERR(nm_ntuple_add(t, &r), -EINVAL);
	r.flow_type = NM_NTUPLE_TCP4;
	r.id = NM_NTUPLE_CAPACITY;
	T_ERR(nm_ntuple_add(t, &r), -EINVAL);
	r.id = NM_NTUPLE_ID_ANY;
	memcpy(r.src_addr, net10, 4);		/* IPv4 in the first bytes: a mistake */
	memset(r.src_mask, 0xff, 4);
	T_ERR(nm_ntuple_add(t, &r), -EINVAL);
	T_ERR(nm_ntuple_add(NULL, &r), -EINVAL);
	T_ERR(nm_ntuple_add(t, NULL), -EINVAL);
	T_ERR(nm_ntuple_lookup(t, NULL, &act, NULL), -EINVAL);
	T_ERR(nm_ntuple_lookup(t, &in, NULL, NULL), -EINVAL);
	T_EQ(nm_ntuple_count(t), 3);		/* nothing half-added */
	T_OK(nm_ntuple_check(t));
	T_ERR(nm_ntuple_check(NULL), -EINVAL);

	/* queue count changes: rules 5 (queue 3), 11 (2), 12 (0) */
	T_ERR(nm_ntuple_set_nr_queues(t, 3), -EBUSY);
	T_OK(nm_ntuple_del(t, 5));
	T_OK(nm_ntuple_set_nr_queues(t, 3));
	T_ERR(nm_ntuple_set_nr_queues(t, 0), -EINVAL);
	nm_ntuple_destroy(t);
	nm_ntuple_destroy(NULL);

	/* a full table; auto ids fill the first gap once the last id is used */
	T_OK(nm_ntuple_create(8, 1, &t));
	T_OK(nm_ntuple_rule_init(&r, NM_NTUPLE_UDP4, 0));
	for (int i = 0; i < 8; i++)
		T_EQ(nm_ntuple_add(t, &r), i);
	T_ERR(nm_ntuple_add(t, &r), -ENOSPC);
	r.id = 3;
	T_ERR(nm_ntuple_add(t, &r), -EEXIST);
	r.id = NM_NTUPLE_ID_ANY;
	T_OK(nm_ntuple_del(t, 3));
	T_OK(nm_ntuple_del(t, 5));
	T_EQ(nm_ntuple_add(t, &r), 3);
	T_EQ(nm_ntuple_add(t, &r), 5);
	T_ERR(nm_ntuple_add(t, &r), -ENOSPC);
	nm_ntuple_destroy(t);

	model_test();
	T_PASS();
}
