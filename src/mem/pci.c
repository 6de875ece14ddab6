/* SPDX-License-Identifier: MIT */
/*
 * PCI topology: the text parser, the node tree and the DMA devices on it.
 *
 * A topology is built once from a short text (grammar in netmem/pci.h) by a
 * hand-written recursive-descent parser, then never changes until it is
 * destroyed.  The parser is the only part that sees untrusted input, so it
 * is written to survive any byte string:
 *
 *  - every byte is classified by our own tables (no <ctype.h>, no locale);
 *  - recursion depth is bounded by NM_TOPO_MAX_DEPTH brace levels and the
 *    node count by NM_TOPO_MAX_NODES, so neither stack nor memory grows
 *    with hostile input;
 *  - numbers are accumulated with explicit overflow checks;
 *  - every refusal is -EINVAL with "topology: byte N: ..." in
 *    nm_last_error(), N being the 0-based offset of the offending byte.
 *
 * Invariants of a built struct nm_topo:
 *  1. nodes[] holds every node in text order; parent pointers point into
 *     nodes[]; a root complex has parent NULL, every other node's parent is
 *     a root complex or a switch.
 *  2. Node names are unique across the whole topology (all kinds).
 *  3. devs[] holds one struct nm_device per endpoint, in text order, each
 *     initialised by nm_device_init(); node->dev and dev->node point at each
 *     other.  nr_devs >= 1.
 *
 * Workload: a handful of topologies per process, built at start-up; device
 * look-ups by name are control-path (linear scan over <= 256 nodes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem_internal.h"
#include "util/err.h"

#define NM_TOPO_MAX_NODES 256	/* bounds memory and the duplicate scan */
#define NM_TOPO_MAX_DEPTH 16	/* brace levels; bounds parser recursion */

/* The default topology: one host bridge that forwards P2P, one switch, a NIC
 * and a GPU with 16 GiB of memory behind it. */
static const char nm_topo_default_desc[] = "rc0(p2p) { sw0 { nic0 gpu0(mem=16G) } }";

/* Attributes seen on one node, before its kind is known (a nested node is a
 * switch or an endpoint depending on whether braces follow the attributes).
 * Positions are stored + 1 so that 0 means "absent". */
struct nm_topo_attrs {
	size_t p2p, busoff, acs, mem, noiommu;	/* byte position + 1, 0 = absent */
	uint64_t busoff_val, mem_val;
};

struct nm_topo_parser {
	const char *s;
	size_t pos;
	int nr_nodes;
	int nr_eps;
	struct nm_pci_node nodes[NM_TOPO_MAX_NODES];
	uint64_t mem[NM_TOPO_MAX_NODES];	/* endpoint BAR sizes */
};

/* ---- Lexical helpers ---------------------------------------------------- */

static bool nm_topo_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool nm_topo_is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static int nm_topo_digit(char c, unsigned base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < (int)base ? d : -1;
}

static void nm_topo_skip_space(struct nm_topo_parser *p)
{
	while (nm_topo_is_space(p->s[p->pos]))
		p->pos++;
}

/* Describe the byte at pos for an error message: 'x', end of text, or 0xNN. */
static const char *nm_topo_what(const struct nm_topo_parser *p, size_t pos, char buf[16])
{
	unsigned char c = (unsigned char)p->s[pos];

	if (c == 0)
		return "end of text";
	if (c >= 0x20 && c < 0x7f && c != '\'')
		snprintf(buf, 16, "'%c'", c);
	else
		snprintf(buf, 16, "byte 0x%02x", c);
	return buf;
}

/* Every parse error: -EINVAL, message led by the byte position. */
#define nm_topo_fail(p, at, fmt, ...) \
	((void)(p), nm_err(EINVAL, "topology: byte %zu: " fmt, (size_t)(at), ##__VA_ARGS__))

static int nm_topo_expected(struct nm_topo_parser *p, const char *what)
{
	char buf[16];

	return nm_topo_fail(p, p->pos, "expected %s, got %s", what,
			    nm_topo_what(p, p->pos, buf));
}

/* ---- Tokens ------------------------------------------------------------- */

/* NAME := [A-Za-z0-9_.-]{1,NM_NAME_MAX-1} */
static int nm_topo_parse_name(struct nm_topo_parser *p, char name[NM_NAME_MAX])
{
	size_t start = p->pos, len = 0;

	while (nm_topo_is_name_char(p->s[p->pos])) {
		p->pos++;
		len++;
	}
	if (len == 0)
		return nm_topo_expected(p, "a node name");
	if (len > NM_NAME_MAX - 1)
		return nm_topo_fail(p, start, "name longer than %d characters", NM_NAME_MAX - 1);
	memcpy(name, p->s + start, len);
	name[len] = '\0';
	return 0;
}

/*
 * NUMBER := DIGITS | '0x' HEXDIGITS, then for sizes an optional K, M, G or T
 * (binary multiples; lower case accepted too).  Refuses overflow.
 */
static int nm_topo_parse_u64(struct nm_topo_parser *p, bool suffix, uint64_t *out)
{
	size_t start = p->pos;
	unsigned base = 10;
	uint64_t v = 0;
	int d, nd = 0;

	if (p->s[p->pos] == '0' && (p->s[p->pos + 1] == 'x' || p->s[p->pos + 1] == 'X')) {
		base = 16;
		p->pos += 2;
	}
	while ((d = nm_topo_digit(p->s[p->pos], base)) >= 0) {
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return nm_topo_fail(p, start, "number does not fit in 64 bits");
		v = v * base + (uint64_t)d;
		p->pos++;
		nd++;
	}
	if (nd == 0)
		return nm_topo_expected(p, base == 16 ? "hex digits" : "a number");
	if (suffix) {
		unsigned shift = 0;

		switch (p->s[p->pos]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		case 'T': case 't': shift = 40; break;
		}
		if (shift) {
			if (v > (UINT64_MAX >> shift))
				return nm_topo_fail(p, start, "size does not fit in 64 bits");
			v <<= shift;
			p->pos++;
		}
	}
	*out = v;
	return 0;
}

/* ---- Attributes --------------------------------------------------------- */

enum nm_topo_attr_id { NM_ATTR_P2P, NM_ATTR_BUSOFF, NM_ATTR_ACS, NM_ATTR_MEM, NM_ATTR_NOIOMMU };

static const struct nm_topo_attr_desc {
	const char *key;
	bool has_value;
	enum nm_pci_kind kind;
} nm_topo_attr_table[] = {
	[NM_ATTR_P2P]     = { "p2p", false, NM_PCI_RC },
	[NM_ATTR_BUSOFF]  = { "busoff", true, NM_PCI_RC },
	[NM_ATTR_ACS]     = { "acs", false, NM_PCI_SWITCH },
	[NM_ATTR_MEM]     = { "mem", true, NM_PCI_EP },
	[NM_ATTR_NOIOMMU] = { "noiommu", false, NM_PCI_EP },
};

static size_t *nm_topo_attr_slot(struct nm_topo_attrs *a, enum nm_topo_attr_id id)
{
	switch (id) {
	case NM_ATTR_P2P:	return &a->p2p;
	case NM_ATTR_BUSOFF:	return &a->busoff;
	case NM_ATTR_ACS:	return &a->acs;
	case NM_ATTR_MEM:	return &a->mem;
	case NM_ATTR_NOIOMMU:	return &a->noiommu;
	}
	return NULL;
}

static const char *nm_topo_kind_name(enum nm_pci_kind k)
{
	switch (k) {
	case NM_PCI_RC:		return "root complex";
	case NM_PCI_SWITCH:	return "switch";
	case NM_PCI_EP:		return "endpoint";
	}
	return "?";
}

/* attr := KEY [ '=' NUMBER ]; the caller stands on the first byte of KEY. */
static int nm_topo_parse_attr(struct nm_topo_parser *p, struct nm_topo_attrs *a)
{
	size_t start = p->pos, len = 0;
	const struct nm_topo_attr_desc *desc = NULL;
	size_t *slot;
	unsigned i;
	int r;

	while (nm_topo_is_name_char(p->s[p->pos])) {
		p->pos++;
		len++;
	}
	if (len == 0)
		return nm_topo_expected(p, "an attribute");
	for (i = 0; i < NM_ARRAY_SIZE(nm_topo_attr_table); i++) {
		const char *key = nm_topo_attr_table[i].key;

		if (strlen(key) == len && memcmp(key, p->s + start, len) == 0) {
			desc = &nm_topo_attr_table[i];
			break;
		}
	}
	if (!desc)
		return nm_topo_fail(p, start, "unknown attribute '%.*s'",
				    (int)(len > 31 ? 31 : len), p->s + start);
	slot = nm_topo_attr_slot(a, (enum nm_topo_attr_id)i);
	if (*slot)
		return nm_topo_fail(p, start, "attribute '%s' given twice", desc->key);
	*slot = start + 1;

	nm_topo_skip_space(p);
	if (!desc->has_value) {
		if (p->s[p->pos] == '=')
			return nm_topo_fail(p, p->pos, "attribute '%s' takes no value", desc->key);
		return 0;
	}
	if (p->s[p->pos] != '=')
		return nm_topo_fail(p, p->pos, "attribute '%s' needs '=value'", desc->key);
	p->pos++;
	nm_topo_skip_space(p);
	if (i == NM_ATTR_MEM) {
		size_t vpos = p->pos;

		r = nm_topo_parse_u64(p, true, &a->mem_val);
		if (r < 0)
			return r;
		if (a->mem_val == 0 || a->mem_val % NM_PAGE_SIZE)
			return nm_topo_fail(p, vpos, "mem must be a nonzero multiple of %llu",
					    (unsigned long long)NM_PAGE_SIZE);
		if (a->mem_val > NM_PHYS_DEV_STRIDE)
			return nm_topo_fail(p, vpos, "mem larger than %llu bytes",
					    (unsigned long long)NM_PHYS_DEV_STRIDE);
		return 0;
	}
	size_t bpos = p->pos;

	r = nm_topo_parse_u64(p, false, &a->busoff_val);
	if (r < 0)
		return r;
	/* bus addresses (physical + busoff) must not wrap, or they could land
	 * in the IOVA space below and alias another mapping */
	if (a->busoff_val > UINT64_MAX - NM_PHYS_END)
		return nm_topo_fail(p, bpos, "busoff %#llx makes bus addresses wrap",
				    (unsigned long long)a->busoff_val);
	return 0;
}

/* '(' attr { ',' attr } ')'; the caller stands on '('. */
static int nm_topo_parse_attrs(struct nm_topo_parser *p, struct nm_topo_attrs *a)
{
	int r;

	p->pos++;	/* '(' */
	for (;;) {
		nm_topo_skip_space(p);
		r = nm_topo_parse_attr(p, a);
		if (r < 0)
			return r;
		nm_topo_skip_space(p);
		if (p->s[p->pos] == ')') {
			p->pos++;
			return 0;
		}
		if (p->s[p->pos] != ',')
			return nm_topo_expected(p, "',' or ')'");
		p->pos++;
	}
}

/* Check each attribute against the node's kind, then store it. */
static int nm_topo_apply_attrs(struct nm_topo_parser *p, struct nm_pci_node *n,
			       const struct nm_topo_attrs *a)
{
	struct nm_topo_attrs tmp = *a;
	unsigned i;

	for (i = 0; i < NM_ARRAY_SIZE(nm_topo_attr_table); i++) {
		size_t at = *nm_topo_attr_slot(&tmp, (enum nm_topo_attr_id)i);

		if (at && nm_topo_attr_table[i].kind != n->kind)
			return nm_topo_fail(p, at - 1, "attribute '%s' is not allowed on %s '%s'",
					    nm_topo_attr_table[i].key,
					    nm_topo_kind_name(n->kind), n->name);
	}
	if (a->p2p)
		n->flags |= NM_PCI_F_HOST_P2P;
	if (a->busoff)
		n->bus_offset = a->busoff_val;
	if (a->acs)
		n->flags |= NM_PCI_F_ACS_REDIR;
	if (a->noiommu)
		n->flags |= NM_PCI_F_NOIOMMU;
	return 0;
}

/* ---- Nodes -------------------------------------------------------------- */

static int nm_topo_parse_node(struct nm_topo_parser *p, struct nm_pci_node *parent, int depth);

/* node* '}'; the caller stands on '{'. */
static int nm_topo_parse_children(struct nm_topo_parser *p, struct nm_pci_node *parent,
				  int depth)
{
	size_t open = p->pos;
	int r;

	p->pos++;	/* '{' */
	for (;;) {
		nm_topo_skip_space(p);
		if (p->s[p->pos] == '}') {
			p->pos++;
			return 0;
		}
		if (p->s[p->pos] == '\0')
			return nm_topo_fail(p, p->pos, "end of text inside '{' opened at byte %zu",
					    open);
		r = nm_topo_parse_node(p, parent, depth);
		if (r < 0)
			return r;
	}
}

static int nm_topo_check_unique(struct nm_topo_parser *p, const char *name, size_t at)
{
	int i;

	for (i = 0; i < p->nr_nodes; i++)
		if (strcmp(p->nodes[i].name, name) == 0)
			return nm_topo_fail(p, at, "duplicate name '%s'", name);
	return 0;
}

/*
 * node := NAME [ '(' attr { ',' attr } ')' ] [ '{' node* '}' ]
 * depth is the number of braces around the node (0: a root complex).
 */
static int nm_topo_parse_node(struct nm_topo_parser *p, struct nm_pci_node *parent, int depth)
{
	struct nm_topo_attrs attrs = { 0 };
	struct nm_pci_node *n;
	size_t at = p->pos;
	int idx, r;

	if (p->nr_nodes >= NM_TOPO_MAX_NODES)
		return nm_topo_fail(p, at, "more than %d nodes", NM_TOPO_MAX_NODES);
	idx = p->nr_nodes;
	n = &p->nodes[idx];
	memset(n, 0, sizeof(*n));
	r = nm_topo_parse_name(p, n->name);
	if (r < 0)
		return r;
	r = nm_topo_check_unique(p, n->name, at);
	if (r < 0)
		return r;
	n->parent = parent;
	p->nr_nodes++;

	nm_topo_skip_space(p);
	if (p->s[p->pos] == '(') {
		r = nm_topo_parse_attrs(p, &attrs);
		if (r < 0)
			return r;
		nm_topo_skip_space(p);
	}

	if (!parent)
		n->kind = NM_PCI_RC;
	else if (p->s[p->pos] == '{')
		n->kind = NM_PCI_SWITCH;
	else
		n->kind = NM_PCI_EP;
	r = nm_topo_apply_attrs(p, n, &attrs);
	if (r < 0)
		return r;
	if (n->kind == NM_PCI_EP) {
		p->mem[idx] = attrs.mem ? attrs.mem_val : 0;
		p->nr_eps++;
		return 0;
	}

	if (p->s[p->pos] != '{')
		return 0;	/* a root complex without children */
	if (depth + 1 > NM_TOPO_MAX_DEPTH)
		return nm_topo_fail(p, p->pos, "nesting deeper than %d", NM_TOPO_MAX_DEPTH);
	return nm_topo_parse_children(p, n, depth + 1);
}

/* topology := node* */
static int nm_topo_parse(struct nm_topo_parser *p)
{
	int r;

	for (;;) {
		nm_topo_skip_space(p);
		if (p->s[p->pos] == '\0')
			break;
		r = nm_topo_parse_node(p, NULL, 0);
		if (r < 0)
			return r;
	}
	if (p->nr_eps == 0)
		return nm_topo_fail(p, p->pos, "topology has no endpoint");
	return 0;
}

/* ---- Building ----------------------------------------------------------- */

static void nm_topo_free_devices(struct nm_topo *topo)
{
	while (topo->nr_devs > 0) {
		struct nm_device *dev = topo->devs[--topo->nr_devs];

		nm_device_fini(dev);
		dev->node->dev = NULL;
		free(dev);
	}
}

/* Create the device of endpoint node n and initialise it (domain, BAR). */
static int nm_topo_add_device(struct nm_topo *topo, struct nm_pci_node *n, uint64_t mem)
{
	struct nm_device *dev;
	int r;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return nm_err(ENOMEM, "topology: out of memory for device '%s'", n->name);
	memcpy(dev->name, n->name, NM_NAME_MAX);
	dev->topo = topo;
	dev->node = n;
	dev->mem_size = mem;
	dev->region = -1;
	atomic_init(&dev->refs, 0);
	n->dev = dev;
	r = nm_device_init(dev);
	if (r < 0) {
		n->dev = NULL;
		free(dev);
		return nm_err_wrap(r, "topology: device '%s'", n->name);
	}
	topo->devs[topo->nr_devs++] = dev;
	return 0;
}

int nm_topo_create(const char *desc, struct nm_topo **out)
{
	NM_API_CALL();
	struct nm_topo_parser *p;
	struct nm_topo *topo;
	int i, r;

	if (!out)
		return nm_err(EINVAL, "out is NULL");
	*out = NULL;
	if (!desc)
		return nm_err(EINVAL, "desc is NULL");

	p = malloc(sizeof(*p));
	if (!p)
		return nm_err(ENOMEM, "out of memory");
	p->s = desc;
	p->pos = 0;
	p->nr_nodes = 0;
	p->nr_eps = 0;
	r = nm_topo_parse(p);
	if (r < 0)
		goto err_free_parser;

	topo = calloc(1, sizeof(*topo));
	if (!topo) {
		r = nm_err(ENOMEM, "out of memory");
		goto err_free_parser;
	}
	topo->nodes = calloc((size_t)p->nr_nodes, sizeof(*topo->nodes));
	if (!topo->nodes) {
		r = nm_err(ENOMEM, "out of memory for %d nodes", p->nr_nodes);
		goto err_free_topo;
	}
	topo->devs = calloc((size_t)p->nr_eps, sizeof(*topo->devs));
	if (!topo->devs) {
		r = nm_err(ENOMEM, "out of memory for %d devices", p->nr_eps);
		goto err_free_nodes;
	}

	/* Move the nodes into their exact-size home, rebasing parent pointers. */
	topo->nr_nodes = p->nr_nodes;
	for (i = 0; i < p->nr_nodes; i++) {
		topo->nodes[i] = p->nodes[i];
		if (p->nodes[i].parent)
			topo->nodes[i].parent = topo->nodes + (p->nodes[i].parent - p->nodes);
	}
	for (i = 0; i < topo->nr_nodes; i++) {
		if (topo->nodes[i].kind != NM_PCI_EP)
			continue;
		r = nm_topo_add_device(topo, &topo->nodes[i], p->mem[i]);
		if (r < 0)
			goto err_free_devices;
	}
	free(p);
	*out = topo;
	return 0;

err_free_devices:
	nm_topo_free_devices(topo);
	free(topo->devs);
err_free_nodes:
	free(topo->nodes);
err_free_topo:
	free(topo);
err_free_parser:
	free(p);
	return r;
}

int nm_topo_create_default(struct nm_topo **out)
{
	NM_API_CALL();
	return nm_topo_create(nm_topo_default_desc, out);
}

int nm_topo_destroy(struct nm_topo *topo)
{
	NM_API_CALL();
	int i;

	if (!topo)
		return nm_err(EINVAL, "topo is NULL");
	/* All or nothing: check every device before tearing any down. */
	for (i = 0; i < topo->nr_devs; i++) {
		long refs = atomic_load_explicit(&topo->devs[i]->refs, memory_order_acquire);

		if (refs != 0)
			return nm_err(EBUSY, "device '%s' still has %ld users",
				      topo->devs[i]->name, refs);
	}
	nm_topo_free_devices(topo);
	free(topo->devs);
	free(topo->nodes);
	free(topo);
	return 0;
}

/* ---- Queries ------------------------------------------------------------ */

int nm_topo_get_device(struct nm_topo *topo, const char *name, struct nm_device **out)
{
	NM_API_CALL();
	int i;

	if (!out)
		return nm_err(EINVAL, "out is NULL");
	*out = NULL;
	if (!topo || !name)
		return nm_err(EINVAL, "%s is NULL", topo ? "name" : "topo");
	for (i = 0; i < topo->nr_devs; i++) {
		if (strcmp(topo->devs[i]->name, name) == 0) {
			*out = topo->devs[i];
			return 0;
		}
	}
	return nm_err(ENOENT, "no endpoint named '%.*s'", NM_NAME_MAX, name);
}

int nm_topo_num_devices(const struct nm_topo *topo)
{
	NM_API_CALL();
	if (!topo)
		return nm_err(EINVAL, "topo is NULL");
	return topo->nr_devs;
}

int nm_topo_get_device_at(struct nm_topo *topo, int i, struct nm_device **out)
{
	NM_API_CALL();
	if (!out)
		return nm_err(EINVAL, "out is NULL");
	*out = NULL;
	if (!topo)
		return nm_err(EINVAL, "topo is NULL");
	if (i < 0 || i >= topo->nr_devs)
		return nm_err(EINVAL, "index %d out of range [0, %d)", i,
			      topo->nr_devs);
	*out = topo->devs[i];
	return 0;
}

/* The three accessors below cannot return -errno; on a NULL device they
 * return the neutral value (NULL, 0, false) and set a message. */

const char *nm_device_name(const struct nm_device *dev)
{
	if (!dev) {
		nm_err(EINVAL, "dev is NULL");
		return NULL;
	}
	return dev->name;
}

uint64_t nm_device_mem_size(const struct nm_device *dev)
{
	if (!dev) {
		nm_err(EINVAL, "dev is NULL");
		return 0;
	}
	return dev->mem_size;
}

bool nm_device_has_iommu(const struct nm_device *dev)
{
	if (!dev || !dev->node) {
		nm_err(EINVAL, "dev is NULL");
		return false;
	}
	return !(dev->node->flags & NM_PCI_F_NOIOMMU);
}
