/* Valid topology texts build the tree they describe: kinds, parents, flags,
 * bus offsets, endpoints in text order with their memory and IOMMU flag,
 * whatever the whitespace; the limits (name length, depth, node count) are
 * accepted exactly at the edge; look-ups validate their arguments. */
#include <netmem/pci.h>

#include "mem/mem_internal.h"
#include "t_util.h"

static const struct nm_pci_node *node(const struct nm_topo *t, const char *name)
{
	for (int i = 0; i < t->nr_nodes; i++)
		if (strcmp(t->nodes[i].name, name) == 0)
			return &t->nodes[i];
	T_FAIL("no node %s", name);
}

/* rc0(p2p,busoff=0x1000) { sw0(acs) { nic0 gpu0(mem=16G,noiommu) } ep1(mem=8K) sw1 { } } rc1 */
static void check_tree(const char *desc)
{
	static const char *const order[] = { "rc0", "sw0", "nic0", "gpu0", "ep1", "sw1", "rc1" };
	const struct nm_pci_node *rc0, *sw0, *nic0, *gpu0, *ep1, *sw1, *rc1;
	struct nm_topo *t = NULL;
	struct nm_device *d;

	T_OK(nm_topo_create(desc, &t));
	T_ASSERT(t);
	T_EQ(t->nr_nodes, 7);
	for (int i = 0; i < 7; i++)
		T_ASSERT(strcmp(t->nodes[i].name, order[i]) == 0);
	rc0 = node(t, "rc0"); sw0 = node(t, "sw0"); nic0 = node(t, "nic0");
	gpu0 = node(t, "gpu0"); ep1 = node(t, "ep1"); sw1 = node(t, "sw1"); rc1 = node(t, "rc1");

	T_EQ(rc0->kind, NM_PCI_RC);
	T_EQ(rc1->kind, NM_PCI_RC);
	T_EQ(sw0->kind, NM_PCI_SWITCH);
	T_EQ(sw1->kind, NM_PCI_SWITCH);
	T_EQ(nic0->kind, NM_PCI_EP);
	T_EQ(gpu0->kind, NM_PCI_EP);
	T_EQ(ep1->kind, NM_PCI_EP);
	T_ASSERT(rc0->parent == NULL && rc1->parent == NULL);
	T_ASSERT(sw0->parent == rc0 && sw1->parent == rc0 && ep1->parent == rc0);
	T_ASSERT(nic0->parent == sw0 && gpu0->parent == sw0);
	T_EQ(rc0->flags, NM_PCI_F_HOST_P2P);
	T_EQ(rc0->bus_offset, 0x1000);
	T_EQ(rc1->flags, 0);
	T_EQ(rc1->bus_offset, 0);
	T_EQ(sw0->flags, NM_PCI_F_ACS_REDIR);
	T_EQ(sw1->flags, 0);
	T_EQ(gpu0->flags, NM_PCI_F_NOIOMMU);
	T_EQ(nic0->flags, 0);
	T_ASSERT(rc0->dev == NULL && sw0->dev == NULL);

	T_EQ(nm_topo_num_devices(t), 3);
	T_EQ(t->nr_devs, 3);
	T_OK(nm_topo_get_device_at(t, 0, &d));
	T_ASSERT(strcmp(nm_device_name(d), "nic0") == 0);
	T_EQ(nm_device_mem_size(d), 0);
	T_ASSERT(nm_device_has_iommu(d));
	T_ASSERT(d->node == nic0 && nic0->dev == d && d->topo == t);
	T_OK(nm_topo_get_device_at(t, 1, &d));
	T_ASSERT(strcmp(nm_device_name(d), "gpu0") == 0);
	T_EQ(nm_device_mem_size(d), 16ULL << 30);
	T_ASSERT(!nm_device_has_iommu(d));
	T_ASSERT(d->node == gpu0 && gpu0->dev == d && d->topo == t);
	T_OK(nm_topo_get_device_at(t, 2, &d));
	T_ASSERT(strcmp(nm_device_name(d), "ep1") == 0);
	T_EQ(nm_device_mem_size(d), 8192);
	T_ASSERT(nm_device_has_iommu(d));

	T_OK(nm_topo_get_device(t, "gpu0", &d));
	T_ASSERT(d == gpu0->dev);
	T_OK(nm_topo_destroy(t));
}

static uint64_t mem_of(const char *size)
{
	char buf[128];
	struct nm_topo *t;
	struct nm_device *d;
	uint64_t m;

	snprintf(buf, sizeof(buf), "r { e(mem=%s) }", size);
	T_OK(nm_topo_create(buf, &t));
	T_OK(nm_topo_get_device(t, "e", &d));
	m = nm_device_mem_size(d);
	T_OK(nm_topo_destroy(t));
	return m;
}

/* One root complex holding a chain of depth switches, an endpoint at the
 * bottom: depth + 1 brace levels. */
static void make_chain(char *buf, size_t cap, int levels)
{
	size_t n = 0;

	n += (size_t)snprintf(buf + n, cap - n, "r");
	for (int i = 1; i < levels; i++)
		n += (size_t)snprintf(buf + n, cap - n, " { s%d", i);
	n += (size_t)snprintf(buf + n, cap - n, " { e");
	for (int i = 0; i < levels; i++)
		n += (size_t)snprintf(buf + n, cap - n, " }");
	T_ASSERT(n < cap);
}

int main(void)
{
	struct nm_topo *t;
	struct nm_device *d;
	char buf[8192];

	check_tree("rc0(p2p,busoff=0x1000) { sw0(acs) { nic0 gpu0(mem=16G,noiommu) } "
		   "ep1(mem=8K) sw1 { } } rc1");
	/* Whitespace anywhere between tokens, none where not needed. */
	check_tree("\n\t rc0 ( p2p , busoff = 4096 ) {sw0(acs){nic0 gpu0( mem = 16G ,noiommu)}"
		   "ep1(mem=0x2000)sw1{}}rc1\r\n");
	check_tree("rc0(busoff=0X1000,p2p){sw0(acs){nic0\fgpu0(noiommu,mem=17179869184)}"
		   "ep1\v(mem=8K)sw1{ }}rc1");

	/* Sizes: suffixes, both cases, hex, the largest BAR. */
	T_EQ(mem_of("4096"), 4096);
	T_EQ(mem_of("0x1000"), 4096);
	T_EQ(mem_of("4K"), 4096);
	T_EQ(mem_of("4k"), 4096);
	T_EQ(mem_of("1M"), 1ULL << 20);
	T_EQ(mem_of("3g"), 3ULL << 30);
	T_EQ(mem_of("1T"), 1ULL << 40);
	T_EQ(mem_of("4T"), NM_PHYS_DEV_STRIDE);
	T_EQ(mem_of("0x40000000000"), NM_PHYS_DEV_STRIDE);
	T_EQ(mem_of("0x10M"), 16ULL << 20);
	T_EQ(mem_of("000008192"), 8192);

	/* busoff goes up to where bus addresses would wrap */
	char top[64];
	snprintf(top, sizeof(top), "r(busoff=%llu) { e }",
		 (unsigned long long)(UINT64_MAX - NM_PHYS_END));
	T_OK(nm_topo_create(top, &t));
	T_EQ(t->nodes[0].bus_offset, UINT64_MAX - NM_PHYS_END);
	T_OK(nm_topo_destroy(t));

	/* An endpoint directly under a root complex, several root complexes,
	 * a root complex with no children and with empty braces. */
	T_OK(nm_topo_create("a b {} c { x } d { sw { } }", &t));
	T_EQ(nm_topo_num_devices(t), 1);
	T_EQ(t->nr_nodes, 6);
	T_OK(nm_topo_get_device(t, "x", &d));
	T_EQ(d->node->parent->kind, NM_PCI_RC);
	T_ASSERT(strcmp(d->node->parent->name, "c") == 0);
	/* Look-ups: only endpoints have devices; arguments are validated. */
	T_ERR(nm_topo_get_device(t, "sw", &d), -ENOENT);
	T_ASSERT(d == NULL);
	T_ERR(nm_topo_get_device(t, "c", &d), -ENOENT);
	T_ERR(nm_topo_get_device(t, "nope", &d), -ENOENT);
	T_ERR(nm_topo_get_device(t, NULL, &d), -EINVAL);
	T_ERR(nm_topo_get_device(NULL, "x", &d), -EINVAL);
	T_ERR(nm_topo_get_device(t, "x", NULL), -EINVAL);
	T_ERR(nm_topo_get_device_at(t, -1, &d), -EINVAL);
	T_ERR(nm_topo_get_device_at(t, 1, &d), -EINVAL);
	T_ERR(nm_topo_get_device_at(NULL, 0, &d), -EINVAL);
	T_ERR(nm_topo_get_device_at(t, 0, NULL), -EINVAL);
	T_ERR(nm_topo_num_devices(NULL), -EINVAL);
	T_OK(nm_topo_destroy(t));

	nm_clear_error();
	T_ASSERT(nm_device_name(NULL) == NULL);
	T_ASSERT(nm_last_error()[0]);
	T_EQ(nm_device_mem_size(NULL), 0);
	T_ASSERT(!nm_device_has_iommu(NULL));
	T_ERR(nm_topo_create(NULL, &t), -EINVAL);
	T_ERR(nm_topo_create("r { e }", NULL), -EINVAL);
	T_ERR(nm_topo_destroy(NULL), -EINVAL);

	/* Names: every allowed character, the longest allowed length. */
	T_OK(nm_topo_create("R.0-x_Y { AZaz09_.-- }", &t));
	T_OK(nm_topo_get_device(t, "AZaz09_.--", &d));
	T_OK(nm_topo_destroy(t));
	T_OK(nm_topo_create("r { abcdefghijklmnopqrstuvwxyz01234 }", &t));	/* 31 */
	T_OK(nm_topo_get_device(t, "abcdefghijklmnopqrstuvwxyz01234", &d));
	T_OK(nm_topo_destroy(t));

	/* Exactly 16 brace levels. */
	make_chain(buf, sizeof(buf), 16);
	T_OK(nm_topo_create(buf, &t));
	T_OK(nm_topo_get_device(t, "e", &d));
	T_EQ(d->node->parent->kind, NM_PCI_SWITCH);
	T_ASSERT(strcmp(d->node->parent->name, "s15") == 0);
	T_EQ(t->nr_nodes, 17);
	T_OK(nm_topo_destroy(t));

	/* Exactly 256 nodes: one root complex and 255 endpoints. */
	{
		size_t n = (size_t)snprintf(buf, sizeof(buf), "r {");

		for (int i = 0; i < 255; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, " e%d", i);
		snprintf(buf + n, sizeof(buf) - n, " }");
	}
	T_OK(nm_topo_create(buf, &t));
	T_EQ(nm_topo_num_devices(t), 255);
	T_OK(nm_topo_get_device_at(t, 254, &d));
	T_ASSERT(strcmp(nm_device_name(d), "e254") == 0);
	T_OK(nm_topo_destroy(t));

	T_PASS();
}
