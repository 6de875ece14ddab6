/* The counters convention (include/netmem/error.h), for every public call
 * that reports counters: the library writes every byte of a struct of its
 * own size; an older caller's smaller struct gets the same leading bytes
 * and nothing past its size is written; a newer caller's larger struct
 * gets the library's bytes and zeroes after them, and nothing past its
 * size; a size of 0 or above NM_STATS_SIZE_MAX, or a NULL struct, is
 * -EINVAL with a message. */
#include <stdlib.h>

#include "t_net.h"
#include "t_frame.h"
#include "t_wire.h"
#include <netmem/ctl.h>
#include <netmem/mem.h>

#include "nic/netdev_drv.h"

#define BUF	2048
#define EXTRA	64

struct ctx {
	struct t_nic *t;
	struct nm_stack *st;
	struct nm_ctl *ctl;
	uint32_t pp_id;
};

typedef int (*get_fn)(struct ctx *c, void *buf, size_t size);

static int g_stack(struct ctx *c, void *b, size_t n) { return nm_stack_get_stats(c->st, b, n); }
static int g_netdev(struct ctx *c, void *b, size_t n) { return nm_netdev_get_stats(c->t->nd, b, n); }
static int g_rxq(struct ctx *c, void *b, size_t n) { return nm_netdev_get_rxq_stats(c->t->nd, 0, b, n); }
static int g_txq(struct ctx *c, void *b, size_t n) { return nm_netdev_get_txq_stats(c->t->nd, 0, b, n); }
static int g_capture(struct ctx *c, void *b, size_t n) { return nm_netdev_get_capture_stats(c->t->nd, b, n); }
static int g_wire(struct ctx *c, void *b, size_t n) { return nm_wire_get_stats(c->t->a, b, n); }
static int g_dma(struct ctx *c, void *b, size_t n) { return nm_dma_get_stats(c->t->nic, b, n); }
static int g_physmap(struct ctx *c, void *b, size_t n) { (void)c; return nm_physmap_get_stats(b, n); }
static int g_pool(struct ctx *c, void *b, size_t n) { return nm_ctl_page_pool_stats_get(c->ctl, c->pp_id, b, n); }

static bool all(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void check(struct ctx *c, const char *what, get_fn get, size_t n)
{
	static uint8_t a[BUF + EXTRA], b[BUF + EXTRA], s[BUF + EXTRA];

	T_ASSERT(n % 8 == 0 && n >= 16 && n + EXTRA <= BUF);
	/* our size: every byte written (the same whatever was there before) */
	memset(a, 0xa5, sizeof(a));
	memset(b, 0x5a, sizeof(b));
	T_OK(get(c, a, n));
	T_OK(get(c, b, n));
	if (memcmp(a, b, n)) {
		fprintf(stderr, "FAIL %s: bytes of the struct left unwritten\n", what);
		exit(1);
	}
	T_ASSERT(all(a + n, EXTRA, 0xa5));
	/* an older caller: one field less, and one field */
	for (size_t small = n - 8; small >= 8; small = small == 8 ? 0 : 8) {
		memset(s, 0xa5, sizeof(s));
		T_OK(get(c, s, small));
		T_ASSERT(!memcmp(s, a, small));
		T_ASSERT(all(s + small, n - small + EXTRA, 0xa5));
	}
	/* a newer caller: zeroes after ours, nothing past its size */
	memset(s, 0xa5, sizeof(s));
	T_OK(get(c, s, n + EXTRA / 2));
	T_ASSERT(!memcmp(s, a, n));
	T_ASSERT(all(s + n, EXTRA / 2, 0));
	T_ASSERT(all(s + n + EXTRA / 2, EXTRA / 2, 0xa5));
	/* refusals */
	nm_clear_error();
	T_ERR(get(c, s, 0), -EINVAL);
	T_ASSERT(strstr(nm_last_error(), "size 0"));
	T_ERR(get(c, s, NM_STATS_SIZE_MAX + 1), -EINVAL);
	T_ERR(get(c, NULL, n), -EINVAL);
	printf("ok %s (%zu bytes)\n", what, n);
}

int main(void)
{
	char path[] = "/tmp/t_util_stats_size.XXXXXX";
	struct nm_stack_params sp = { 0 };
	struct nm_rx_pkt pkt;
	struct t_nic t;
	struct ctx c = { &t, NULL, NULL, 0 };
	struct t_flow f;
	uint8_t frame[2048];
	uint32_t ids[16];
	int fd;

	t_nic_up(&t, 1, 1500, false);
	T_OK(nm_stack_create(&sp, &c.st));
	T_OK(nm_ctl_open(&c.ctl));
	T_ASSERT(nm_ctl_page_pool_dump(c.ctl, ids, 16) >= 1);
	c.pp_id = ids[0];
	fd = mkstemp(path);
	T_ASSERT(fd >= 0);
	close(fd);
	T_OK(nm_netdev_capture_start(t.nd, path, 0, 0));
	/* some counters that are not 0: a frame through the wire, NIC, pool */
	t_flow_v4(&f, 0xc6120001, 0xc6120002, 7000, 7001);
	T_OK(t_wire_send(t.b, frame, t_flow_frame(frame, &f, 1000, 0), NULL));
	T_EQ(nm_netdev_poll(t.nd, 8), 1);
	T_EQ(nm_netdev_rx_poll(t.nd, 0, &pkt, 1), 1);
	nm_rx_pkt_release(&pkt);

	check(&c, "nm_stack_get_stats", g_stack, sizeof(struct nm_stack_stats));
	check(&c, "nm_netdev_get_stats", g_netdev, sizeof(struct nm_queue_stats));
	check(&c, "nm_netdev_get_rxq_stats", g_rxq, sizeof(struct nm_queue_stats));
	check(&c, "nm_netdev_get_txq_stats", g_txq, sizeof(struct nm_queue_stats));
	check(&c, "nm_netdev_get_capture_stats", g_capture, sizeof(struct nm_capture_stats));
	check(&c, "nm_wire_get_stats", g_wire, sizeof(struct nm_wire_stats));
	check(&c, "nm_dma_get_stats", g_dma, sizeof(struct nm_dma_stats));
	check(&c, "nm_physmap_get_stats", g_physmap, sizeof(struct nm_physmap_stats));
	check(&c, "nm_ctl_page_pool_stats_get", g_pool, sizeof(struct nm_page_pool_stats));

	T_OK(nm_netdev_capture_stop(t.nd));
	unlink(path);
	T_OK(nm_ctl_close(c.ctl));
	T_OK(nm_stack_destroy(c.st));
	t_nic_down(&t);
	printf("PASS stats_size\n");
	return 0;
}
