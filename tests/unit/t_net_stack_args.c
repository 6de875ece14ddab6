/* The stack's public calls refuse bad arguments with -errno and a message
 * and leave the stack usable: creation flags, interface parameters
 * (addresses parsed strictly: prefix required on addresses and refused on
 * gateways, ranges, multicast / unspecified / v4-mapped refused), the same
 * netdev twice, NULL everywhere; plus the internal entry points TCP uses. */
#include "t_net.h"

int main(void)
{
	struct t_raw r;
	struct nm_stack *st;
	struct nm_stack_params bad = { .flags = 0x80 };
	struct nm_stack_stats s;

	t_raw_up(&r, 0);
	T_ERR(nm_stack_create(&bad, &st), -EINVAL);
	T_ERR(nm_stack_create(NULL, NULL), -EINVAL);
	T_OK(nm_stack_create(NULL, &st));

	struct nm_iface_params ip = { .nd = r.nd };
	T_ERR(nm_stack_add_iface(NULL, &ip), -EINVAL);
	T_ERR(nm_stack_add_iface(st, NULL), -EINVAL);
	T_ERR(nm_stack_add_iface(st, &(struct nm_iface_params){ 0 }), -EINVAL);
	static const char *bad4[] = { "198.18.0.2", "198.18.0.2/33", "198.18.0.2/", "198.18.0.2/0",
				      "198.18.0.2/24x", "198.18.0.256/24", "224.0.0.1/4",
				      "0.0.0.0/8", " 198.18.0.2/24", "198.18.0.2/-1",
				      "255.255.255.255/32", "2001:2::2/64", "", "/24",
				      "198.18.0.2/0024" };
	for (unsigned i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++) {
		ip.addr4 = bad4[i];
		T_ERR(nm_stack_add_iface(st, &ip), -EINVAL);
	}
	ip.addr4 = NULL;
	static const char *bad6[] = { "2001:2::2", "2001:2::2/129", "ff02::1/64", "::/64",
				      "::ffff:1.2.3.4/96", "2001:2::2/64/1", "2001:2:::2/64",
				      "198.18.0.2/24", "2001:2::2/0" };
	for (unsigned i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		ip.addr6 = bad6[i];
		T_ERR(nm_stack_add_iface(st, &ip), -EINVAL);
	}
	ip.addr6 = NULL;
	ip.gw4 = "198.18.0.1";
	T_ERR(nm_stack_add_iface(st, &ip), -EINVAL);	/* gw4 without addr4 */
	ip.addr4 = "198.18.0.2/24";
	ip.gw4 = "198.18.0.1/24";
	T_ERR(nm_stack_add_iface(st, &ip), -EINVAL);	/* a gateway takes no prefix */
	ip.gw4 = "198.18.0.1";
	ip.addr6 = "2001:2::2/64";
	ip.gw6 = "fe80::1/64";
	T_ERR(nm_stack_add_iface(st, &ip), -EINVAL);
	ip.gw6 = "fe80::1";
	T_EQ(st->nr_ifaces, 0);
	T_EQ(nm_stack_add_iface(st, &ip), 0);
	T_ERR(nm_stack_add_iface(st, &ip), -EEXIST);

	/* routes: connected, default via gw4, gw6 (link-local) */
	struct nm_route rt;
	struct nm_addr d = t_addr("198.18.0.77");
	T_OK(nm_route_lookup(st, &d, &rt));
	T_ASSERT(nm_addr_same(&rt.nexthop, &d));
	T_ASSERT(nm_addr_same(&rt.src, &st->ifaces[0]->addr4));
	d = t_addr("8.8.8.8");
	T_OK(nm_route_lookup(st, &d, &rt));
	T_ASSERT(nm_addr_same(&rt.nexthop, &st->ifaces[0]->gw4));
	d = t_addr("2001:db8::1");
	T_OK(nm_route_lookup(st, &d, &rt));
	struct nm_addr gw6 = t_addr("fe80::1");
	T_ASSERT(nm_addr_same(&rt.nexthop, &gw6));
	T_ASSERT(nm_addr_same(&rt.src, &st->ifaces[0]->addr6));
	d = t_addr("fe80::99");
	T_OK(nm_route_lookup(st, &d, &rt));
	T_ASSERT(nm_addr_same(&rt.src, &st->ifaces[0]->ll6));
	d = t_addr("255.255.255.255");
	T_ERR(nm_route_lookup(st, &d, &rt), -ENETUNREACH);
	T_ERR(nm_route_lookup(NULL, &d, &rt), -EINVAL);
	T_EQ(nm_ip_route_mtu(st, &gw6), 1500);
	T_ASSERT(nm_addr_is_local(st, &st->ifaces[0]->ll6));
	d = t_addr("198.18.0.2");
	T_ASSERT(nm_addr_is_local(st, &d));
	d = t_addr("198.18.0.3");
	T_ASSERT(!nm_addr_is_local(st, &d));
	/* r.st (the helper's stack) has no gateway */
	d = t_addr("8.8.8.8");
	T_ERR(nm_route_lookup(r.st, &d, &rt), -ENETUNREACH);
	T_EQ(t_stats(r.st).ip4_no_route, 1);

	/* nm_ip_output consumes the skb on every path */
	struct nm_skb *skb = nm_skb_alloc(8);
	memset(nm_skb_put(skb, 8), 0, 8);
	T_ERR(nm_ip_output(NULL, skb, NULL, &d, 1), -EINVAL);
	skb = nm_skb_alloc(8);
	memset(nm_skb_put(skb, 8), 0, 8);
	T_ERR(nm_ip_output(r.st, skb, NULL, &d, 1), -ENETUNREACH);
	skb = nm_skb_alloc(8);
	memset(nm_skb_put(skb, 8), 0, 8);
	T_ERR(nm_ip_output(r.st, skb, &gw6, &d, 1), -EINVAL);	/* mixed families */
	T_ERR(nm_ip_output(r.st, NULL, NULL, &d, 1), -EINVAL);

	T_ERR(nm_stack_poll(NULL, 0), -EINVAL);
	T_ERR(nm_stack_get_fd(NULL), -EINVAL);
	T_ERR(nm_stack_get_stats(NULL, &s, sizeof(s)), -EINVAL);
	T_ERR(nm_stack_get_stats(st, NULL, sizeof(*NULL)), -EINVAL);
	T_ERR(nm_stack_destroy(NULL), -EINVAL);
	T_ERR(nm_icmp_echo_send(NULL, &d, 0, 0, NULL, 0), -EINVAL);
	T_ERR(nm_neigh_set_params(st->ifaces[0], NULL), -EINVAL);
	T_ASSERT(nm_stack_get_fd(st) >= 0);
	T_OK(nm_stack_poll(st, 0));
	T_OK(nm_stack_destroy(st));
	t_raw_down(&r);
	T_PASS();
}
