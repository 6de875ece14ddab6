/* P2P distance and map type for every pair of devices, against values
 * computed by hand from the Linux p2pdma rules:
 *
 *   rc0(p2p) { sw0 { nic0 gpu0 } sw1(acs) { nic1 gpu1 } }
 *   rc1      { sw2 { nic2 gpu2 } nic3 }
 *
 * Same switch: distance 2, BUS_ADDR (THRU_HOST_BRIDGE under sw1's ACS
 * redirect).  Different switches: no common upstream bridge, distance = sum
 * of both paths (2 per device under a switch, 1 for nic3 directly under
 * rc1), through rc0 when both are under rc0 (it allows P2P), else
 * NOT_SUPPORTED (rc1 does not allow it, different root complexes never). */
#include <netmem/pci.h>

#include "mem/mem_internal.h"
#include "t_util.h"

#define B NM_P2P_MAP_BUS_ADDR
#define H NM_P2P_MAP_THRU_HOST_BRIDGE
#define N NM_P2P_MAP_NOT_SUPPORTED

static const char *const names[] = { "nic0", "gpu0", "nic1", "gpu1", "nic2", "gpu2", "nic3" };

/* [provider][client] */
static const int want_dist[7][7] = {
	/*          nic0 gpu0 nic1 gpu1 nic2 gpu2 nic3 */
	/* nic0 */ { 0,   2,   4,   4,   4,   4,   3 },
	/* gpu0 */ { 2,   0,   4,   4,   4,   4,   3 },
	/* nic1 */ { 4,   4,   0,   2,   4,   4,   3 },
	/* gpu1 */ { 4,   4,   2,   0,   4,   4,   3 },
	/* nic2 */ { 4,   4,   4,   4,   0,   2,   3 },
	/* gpu2 */ { 4,   4,   4,   4,   2,   0,   3 },
	/* nic3 */ { 3,   3,   3,   3,   3,   3,   0 },
};
static const enum nm_p2p_map_type want_type[7][7] = {
	/*          nic0 gpu0 nic1 gpu1 nic2 gpu2 nic3 */
	/* nic0 */ { B,   B,   H,   H,   N,   N,   N },
	/* gpu0 */ { B,   B,   H,   H,   N,   N,   N },
	/* nic1 */ { H,   H,   B,   H,   N,   N,   N },
	/* gpu1 */ { H,   H,   H,   B,   N,   N,   N },
	/* nic2 */ { N,   N,   N,   N,   B,   B,   N },
	/* gpu2 */ { N,   N,   N,   N,   B,   B,   N },
	/* nic3 */ { N,   N,   N,   N,   N,   N,   B },
};

static void expect(struct nm_topo *t, const char *p, const char *c, int dist,
		   enum nm_p2p_map_type type)
{
	struct nm_device *dp, *dc;
	enum nm_p2p_map_type got = NM_P2P_MAP_UNKNOWN;
	int d;

	T_OK(nm_topo_get_device(t, p, &dp));
	T_OK(nm_topo_get_device(t, c, &dc));
	d = nm_p2p_distance(dp, dc, &got);
	if (d != dist || got != type)
		T_FAIL("%s -> %s: distance %d type %s, want %d %s", p, c, d,
		       nm_p2p_map_type_name(got), dist, nm_p2p_map_type_name(type));
}

/* Nested switches: ACS below the common switch on either side, or on the
 * common switch itself, forces the host bridge. */
static void nested(void)
{
	struct nm_topo *t;

	T_OK(nm_topo_create("r { top { mid { a } b } }", &t));
	expect(t, "a", "b", 3, B);
	expect(t, "b", "a", 3, B);
	T_OK(nm_topo_destroy(t));

	/* ACS on the provider's side, below the common switch; rc without p2p. */
	T_OK(nm_topo_create("r { top { mid(acs) { a } b } }", &t));
	expect(t, "a", "b", 3, N);
	expect(t, "b", "a", 3, N);	/* now on the client's side */
	T_OK(nm_topo_destroy(t));

	T_OK(nm_topo_create("r(p2p) { top { mid(acs) { a } b } }", &t));
	expect(t, "a", "b", 3, H);
	expect(t, "b", "a", 3, H);
	T_OK(nm_topo_destroy(t));

	/* ACS on the common switch counts (provider side walks through it). */
	T_OK(nm_topo_create("r(p2p) { top(acs) { mid { a } b } }", &t));
	expect(t, "a", "b", 3, H);
	expect(t, "b", "a", 3, H);
	T_OK(nm_topo_destroy(t));

	/* ACS above the common switch does not matter. */
	T_OK(nm_topo_create("r { top(acs) { mid { a b } c } }", &t));
	expect(t, "a", "b", 2, B);
	expect(t, "a", "c", 3, N);
	T_OK(nm_topo_destroy(t));

	/* Two branches of one switch. */
	T_OK(nm_topo_create("r { s { t { a } u { b } } }", &t));
	expect(t, "a", "b", 4, B);
	T_OK(nm_topo_destroy(t));

	/* Two endpoints directly under one root complex share no bridge. */
	T_OK(nm_topo_create("r(p2p) { a b } q { c }", &t));
	expect(t, "a", "b", 2, H);
	expect(t, "a", "a", 0, B);
	expect(t, "a", "c", 2, N);
	T_OK(nm_topo_destroy(t));
}

int main(void)
{
	struct nm_topo *t, *t2;
	struct nm_device *a, *b, *other;
	enum nm_p2p_map_type type;

	T_OK(nm_topo_create("rc0(p2p) { sw0 { nic0 gpu0(mem=1G) } sw1(acs) { nic1 gpu1(mem=1G) } } "
			    "rc1 { sw2 { nic2 gpu2(mem=1G) } nic3 }", &t));
	T_EQ(nm_topo_num_devices(t), 7);
	for (int i = 0; i < 7; i++)
		for (int j = 0; j < 7; j++)
			expect(t, names[i], names[j], want_dist[i][j], want_type[i][j]);

	/* Bad arguments. */
	T_OK(nm_topo_get_device(t, "nic0", &a));
	T_OK(nm_topo_get_device(t, "gpu0", &b));
	T_ERR(nm_p2p_distance(NULL, b, &type), -EINVAL);
	T_ERR(nm_p2p_distance(a, NULL, &type), -EINVAL);
	T_ERR(nm_p2p_distance(a, b, NULL), -EINVAL);
	/* Devices of two topologies (same text, different instances). */
	T_OK(nm_topo_create_default(&t2));
	T_OK(nm_topo_get_device(t2, "gpu0", &other));
	T_ERR(nm_p2p_distance(a, other, &type), -EINVAL);
	T_ERR(nm_p2p_distance(other, a, &type), -EINVAL);
	T_OK(nm_topo_destroy(t2));
	T_OK(nm_topo_destroy(t));

	nested();

	T_ASSERT(strcmp(nm_p2p_map_type_name(NM_P2P_MAP_UNKNOWN), "unknown") == 0);
	T_ASSERT(strcmp(nm_p2p_map_type_name(NM_P2P_MAP_NOT_SUPPORTED), "not_supported") == 0);
	T_ASSERT(strcmp(nm_p2p_map_type_name(NM_P2P_MAP_BUS_ADDR), "bus_addr") == 0);
	T_ASSERT(strcmp(nm_p2p_map_type_name(NM_P2P_MAP_THRU_HOST_BRIDGE), "thru_host_bridge") == 0);
	T_ASSERT(strcmp(nm_p2p_map_type_name((enum nm_p2p_map_type)99), "invalid") == 0);
	T_PASS();
}
