/* The topology parser survives garbage: random strings and mutations of
 * valid topologies either build a well-formed topology or fail with -EINVAL
 * and a "topology: byte N" message where N lies inside the text.  Every
 * topology that builds satisfies the tree invariants, and P2P distances in
 * it are symmetric. */
#include <netmem/pci.h>

#include "mem/mem_internal.h"
#include "util/err.h"
#include "t_util.h"

#define ROUNDS_RANDOM	60000
#define ROUNDS_MUTATE	60000
#define MAXLEN		512

static const char *const seeds[] = {
	"rc0(p2p) { sw0 { nic0 gpu0(mem=16G) } }",
	"rc0(p2p) { sw0 { nic0 gpu0(mem=1G) } sw1(acs) { nic1 gpu1(mem=1G) } } "
	"rc1 { sw2 { nic2 gpu2(mem=1G) } nic3 }",
	"r(busoff=0x1000,p2p){a{b{c{d(mem=4K,noiommu)e}}f(acs){g}}h}",
	"a { b } c(p2p) { d { e(noiommu) f(mem=0x2000) } }",
	"x{y(mem=4T)}",
};

/* Bytes the grammar cares about, weighted toward meaningful ones. */
static const char alphabet[] = "rswnegpu0123456789_.-(){}(){}(){},,==  \t\nxXKMGTacsmeiobf";
static const char *const tokens[] = {
	"{", "}", "(", ")", ",", "=", " ", "mem=", "acs", "p2p", "busoff=", "noiommu",
	"0x", "4K", "16G", "4T", "99999999999999999999", "nic", "sw", "rc0",
};

static uint64_t seed = 0x9e3779b97f4a7c15ULL;
static long built, refused;

static void check_topology(struct nm_topo *t)
{
	T_ASSERT(t->nr_devs >= 1 && t->nr_devs <= t->nr_nodes && t->nr_nodes <= 256);
	for (int i = 0; i < t->nr_nodes; i++) {
		const struct nm_pci_node *n = &t->nodes[i];
		size_t len = strnlen(n->name, NM_NAME_MAX);

		T_ASSERT(len >= 1 && len < NM_NAME_MAX);
		for (int j = 0; j < i; j++)
			T_ASSERT(strcmp(t->nodes[j].name, n->name) != 0);
		if (n->kind == NM_PCI_RC) {
			T_ASSERT(n->parent == NULL && n->dev == NULL);
		} else {
			T_ASSERT(n->parent >= t->nodes && n->parent < n);
			T_ASSERT(n->parent->kind != NM_PCI_EP);
		}
		if (n->kind == NM_PCI_EP)
			T_ASSERT(n->dev && n->dev->node == n && n->dev->topo == t);
	}
	for (int i = 0; i < t->nr_devs; i++) {
		const struct nm_device *d = t->devs[i];
		uint64_t m = nm_device_mem_size(d);

		T_ASSERT(m % NM_PAGE_SIZE == 0 && m <= NM_PHYS_DEV_STRIDE);
		for (int j = 0; j < t->nr_devs; j++) {
			enum nm_p2p_map_type ta, tb;
			int da = nm_p2p_distance(d, t->devs[j], &ta);
			int db = nm_p2p_distance(t->devs[j], d, &tb);

			T_ASSERT(da >= 0 && da == db && ta == tb);
			T_ASSERT(ta == NM_P2P_MAP_BUS_ADDR || ta == NM_P2P_MAP_THRU_HOST_BRIDGE ||
				 ta == NM_P2P_MAP_NOT_SUPPORTED);
			T_ASSERT((da == 0) == (i == j));
		}
	}
}

static void try_text(const char *s, size_t len)
{
	struct nm_topo *t = NULL;
	const char *msg;
	unsigned long pos;
	int r;

	nm_clear_error();
	r = nm_topo_create(s, &t);
	if (r == 0) {
		check_topology(t);
		T_OK(nm_topo_destroy(t));
		built++;
		return;
	}
	if (r != -EINVAL)
		T_FAIL("'%s': %d (%s)", s, r, nm_last_error());
	T_ASSERT(t == NULL);
	msg = nm_last_error();
	if (sscanf(msg, "nm_topo_create: topology: byte %lu:", &pos) != 1)
		T_FAIL("'%s': message without position: '%s'", s, msg);
	if (pos > len)
		T_FAIL("'%s': position %lu past the end %zu", s, pos, len);
	refused++;
}

static size_t random_text(char *buf)
{
	size_t len = t_rand(&seed) % 80, i;

	for (i = 0; i < len; i++) {
		uint64_t x = t_rand(&seed);

		if (x % 16 == 0)
			buf[i] = (char)(1 + (x >> 8) % 255);	/* any byte but NUL */
		else
			buf[i] = alphabet[(x >> 8) % (sizeof(alphabet) - 1)];
	}
	buf[len] = '\0';
	return len;
}

static size_t mutate(char *buf)
{
	size_t len, nmut = 1 + t_rand(&seed) % 4;

	strcpy(buf, seeds[t_rand(&seed) % NM_ARRAY_SIZE(seeds)]);
	len = strlen(buf);
	while (nmut--) {
		size_t at = len ? t_rand(&seed) % (len + 1) : 0;
		uint64_t op = t_rand(&seed) % 6;

		if (op == 0 && at < len) {		/* replace a byte */
			char c = alphabet[t_rand(&seed) % (sizeof(alphabet) - 1)];
			buf[at] = t_rand(&seed) % 8 ? c : (char)(1 + t_rand(&seed) % 255);
		} else if (op == 1 && at < len) {	/* delete a run */
			size_t n = 1 + t_rand(&seed) % 4;
			if (n > len - at)
				n = len - at;
			memmove(buf + at, buf + at + n, len - at - n + 1);
			len -= n;
		} else if (op == 2) {			/* insert a token */
			const char *tok = tokens[t_rand(&seed) % NM_ARRAY_SIZE(tokens)];
			size_t n = strlen(tok);
			if (len + n >= MAXLEN)
				continue;
			memmove(buf + at + n, buf + at, len - at + 1);
			memcpy(buf + at, tok, n);
			len += n;
		} else if (op == 3 && at < len) {	/* duplicate a slice */
			size_t n = 1 + t_rand(&seed) % 16;
			if (n > len - at)
				n = len - at;
			if (len + n >= MAXLEN)
				continue;
			memmove(buf + at + n, buf + at, len - at + 1);
			len += n;
		} else if (op == 4) {			/* truncate */
			buf[at] = '\0';
			len = at;
		} else {				/* swap two bytes */
			size_t b = len ? t_rand(&seed) % len : 0;
			if (at < len) {
				char c = buf[at];
				buf[at] = buf[b];
				buf[b] = c;
			}
		}
	}
	return len;
}

int main(void)
{
	char buf[MAXLEN + 1];

	for (size_t i = 0; i < NM_ARRAY_SIZE(seeds); i++)
		try_text(seeds[i], strlen(seeds[i]));
	T_EQ(built, (long)NM_ARRAY_SIZE(seeds));
	for (int i = 0; i < ROUNDS_RANDOM; i++) {
		size_t len = random_text(buf);
		try_text(buf, len);
	}
	for (int i = 0; i < ROUNDS_MUTATE; i++) {
		size_t len = mutate(buf);
		try_text(buf, len);
	}
	printf("built %ld refused %ld\n", built, refused);
	/* The mutations must exercise both outcomes to mean anything. */
	T_ASSERT(built > 1000 && refused > 1000);
	T_PASS();
}
