/* SPDX-License-Identifier: MIT */
/*
 * Harness: the control plane (ctl/ctl.c: the netdev family's bind-rx,
 * bind-tx, queue-get, dev-get, page-pool-get, page-pool-stats-get) with
 * fuzzed arguments (handles, ifindexes, dma-bufs of every exporter and one
 * the NIC cannot reach, queue lists with bad types, ranges and
 * duplicates, NULL outputs), interleaved with what changes the answers:
 * ethtool-style netdev configuration (rings, header split, channels,
 * features), closing handles, destroying and creating netdevs, and
 * traffic into the bound queues whose packets are held across unbinds.
 *
 * Oracles: every call returns >= 0 or -errno with a message; a model of
 * which binding each RX queue has (set by successful binds, cleared by the
 * owning handle's close) matches queue-get on every queue after every
 * operation, and a refused bind changes nothing; dev-get and the dumps
 * agree with the netdevs; page-pool-dump lists two pools per live RX
 * queue, each found by page-pool-get; once every handle is closed and
 * every packet released, every RX binding's memory is free again.
 *
 * Input: a netdev configuration byte, then operations (op byte, args).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "t_net.h"
#include "ctl/ctl_internal.h"
#include "nic/netdev_drv.h"
#include <netmem/ctl.h>
#include <netmem/dmabuf.h>

#define MAX_OPS		64
#define NDEV		2
#define NHANDLE		2
#define NBUF		5
#define MAX_BINDINGS	64
#define MAX_HELD	64

enum { OP_BIND_RX, OP_BIND_TX, OP_QUEUE_GET, OP_QUEUE_DUMP, OP_DEV_GET, OP_PP_GET,
       OP_PP_DUMP, OP_PP_STATS, OP_CLOSE, OP_RING, OP_CHANNELS, OP_FEATURES, OP_RENEW,
       OP_TRAFFIC, OP_RELEASE, OP_MAX };

static struct {
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_wire *w[NDEV];	/* the two ends of one shm wire */
	struct nm_dmabuf *buf[NBUF];
	int memfd;
	bool up;
} bed;

struct binding {
	uint32_t id;
	int handle;
	bool tx;
	struct nm_dmabuf_binding *b;	/* our reference */
};

struct run {
	struct fz in;
	struct nm_netdev *nd[NDEV];
	struct nm_ctl *h[NHANDLE];
	uint32_t model[NDEV][NM_NETDEV_MAX_QUEUES];	/* binding id per RX queue */
	struct binding bind[MAX_BINDINGS];
	int nbind;
	uint32_t last_id;
	struct nm_rx_pkt held[MAX_HELD];
	int nheld;
};

static void bed_up(void)
{
	struct nm_wire_shm_params wp = { .ring_entries = 256, .arena_bytes = 1u << 20 };
	struct nm_device *gpu0, *gpu1;

	T_OK(nm_topo_create("rc0(p2p) { sw0 { nic0 gpu0(mem=64M) } } rc1 { gpu1(mem=64M) }",
			    &bed.topo));
	T_OK(nm_topo_get_device(bed.topo, "nic0", &bed.nic));
	T_OK(nm_topo_get_device(bed.topo, "gpu0", &gpu0));
	T_OK(nm_topo_get_device(bed.topo, "gpu1", &gpu1));
	T_OK(nm_wire_shm_pair(&wp, &bed.w[0], &bed.w[1]));
	bed.memfd = memfd_create("fuzz_ctl", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	T_ASSERT(bed.memfd >= 0);
	T_ASSERT(ftruncate(bed.memfd, 4 << 20) == 0);
	T_ASSERT(fcntl(bed.memfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	T_OK(nm_udmabuf_create(bed.memfd, 0, 4 << 20, 0, &bed.buf[0]));
	T_OK(nm_dmabuf_create_host(1 << 20, &bed.buf[1]));
	T_OK(nm_dmabuf_create_device(gpu0, 2 << 20, &bed.buf[2]));
	T_OK(nm_dmabuf_create_device(gpu1, 1 << 20, &bed.buf[3]));	/* out of reach */
	T_OK(nm_dmabuf_create_host(16 << 10, &bed.buf[4]));		/* 4 buffers */
	bed.up = true;
}

/* ---- the model ---------------------------------------------------------------- */

static int dev_of(const struct run *r, int ifindex)
{
	for (int d = 0; d < NDEV; d++)
		if (r->nd[d] && nm_netdev_ifindex(r->nd[d]) == ifindex)
			return d;
	return -1;
}

/* queue-get on every queue of every netdev says what the model says; the
 * dump agrees. */
static void check_model(struct run *r)
{
	struct nm_queue_info qi[2 * NM_NETDEV_MAX_QUEUES];
	struct nm_ctl *c = r->h[0];

	for (int d = 0; d < NDEV; d++) {
		struct nm_channels ch;
		int ifx, n;

		if (!r->nd[d])
			continue;
		ifx = nm_netdev_ifindex(r->nd[d]);
		T_OK(nm_netdev_get_channels(r->nd[d], &ch));
		n = nm_ctl_queue_dump(c, ifx, qi, NM_ARRAY_SIZE(qi));
		FZ_ASSERT(n == (int)(ch.rx + ch.tx), "queue dump %d, %u + %u queues", n, ch.rx,
			  ch.tx);
		for (uint32_t q = 0; q < ch.rx; q++) {
			struct nm_queue_info one;

			T_OK(nm_ctl_queue_get(c, ifx, q, NETDEV_QUEUE_TYPE_RX, &one));
			FZ_ASSERT(one.dmabuf == r->model[d][q] && qi[q].dmabuf == one.dmabuf &&
					  qi[q].id == q && qi[q].type == NETDEV_QUEUE_TYPE_RX &&
					  one.ifindex == ifx,
				  "netdev %d rx queue %u: binding %u (dump %u), model %u", d, q,
				  one.dmabuf, qi[q].dmabuf, r->model[d][q]);
		}
		for (uint32_t q = ch.rx; q < NM_NETDEV_MAX_QUEUES; q++)
			FZ_ASSERT(!r->model[d][q], "model: a binding on a queue that is gone");
	}
}

/* page-pool-dump: two pools per live RX queue, each found by
 * page-pool-get on one of our netdevs. */
static void check_pools(struct run *r, struct nm_ctl *c)
{
	uint32_t ids[4 * NM_NETDEV_MAX_QUEUES];
	int n = nm_ctl_page_pool_dump(c, ids, NM_ARRAY_SIZE(ids)), want = 0;

	for (int d = 0; d < NDEV; d++)
		if (r->nd[d])
			want += 2 * (int)nm_netdev_num_rx_queues(r->nd[d]);
	FZ_ASSERT(n == want, "page-pool-dump: %d pools, %d RX queues x 2", n, want);
	for (int i = 0; i < n && i < (int)NM_ARRAY_SIZE(ids); i++) {
		struct nm_page_pool_info info;
		struct nm_page_pool_stats st;
		int ifx = -1;

		for (int k = 0; k < i; k++)
			FZ_ASSERT(ids[k] != ids[i], "pool id %u listed twice", ids[i]);
		T_OK(nm_ctl_page_pool_get(c, ids[i], &info, &ifx));
		FZ_ASSERT(dev_of(r, ifx) >= 0, "pool %u on ifindex %d", ids[i], ifx);
		T_OK(nm_ctl_page_pool_stats_get(c, ids[i], &st, sizeof(st)));
	}
}

/* ---- arguments ------------------------------------------------------------------ */

static int pick_ifindex(struct run *r, uint8_t k)
{
	switch (k % 6) {
	case 0:
	case 1:
		return r->nd[k % 2] ? nm_netdev_ifindex(r->nd[k % 2]) : 0;
	case 2: return 0;
	case 3: return -1;
	case 4: return (r->nd[0] ? nm_netdev_ifindex(r->nd[0]) : 0) + 1000;
	default: return (int)((uint32_t)k << 24);
	}
}

static struct nm_ctl *pick_handle(struct run *r, uint8_t k, int *hi)
{
	*hi = k % (NHANDLE + 1);
	return *hi < NHANDLE ? r->h[*hi] : NULL;
}

/* ---- operations --------------------------------------------------------------- */

static void op_bind_rx(struct run *r)
{
	uint8_t a = fz_u8(&r->in), ifk = fz_u8(&r->in), bk = fz_u8(&r->in);
	uint32_t nq = fz_u8(&r->in) % 6, id = 0, before[NDEV][NM_NETDEV_MAX_QUEUES];
	struct nm_queue_id q[6];
	struct nm_ctl *c;
	int hi, ifx = pick_ifindex(r, ifk), d = dev_of(r, ifx), ret;

	c = pick_handle(r, a, &hi);
	for (uint32_t i = 0; i < nq; i++) {
		uint8_t v = fz_u8(&r->in);

		q[i] = (struct nm_queue_id){ v % 6, v >> 6 == 3 ? 7 : v >> 6 == 2 };
	}
	memcpy(before, r->model, sizeof(before));
	nm_clear_error();
	ret = nm_ctl_bind_rx(c, ifx, bk % (NBUF + 1) < NBUF ? bed.buf[bk % (NBUF + 1)] : NULL,
			     a & 0x40 ? NULL : q, nq, a & 0x80 ? NULL : &id);
	FZ_ERRNO_OK(ret, "bind-rx");
	if (fz_verbose())
		fprintf(stderr, "bind-rx netdev %d, %u queues: %d %s\n", dev_of(r, ifx), nq, ret,
			ret ? nm_last_error() : "");
	if (ret == 0) {
		FZ_ASSERT(d >= 0 && c && id > r->last_id, "bind-rx succeeded: netdev %d, id %u "
			  "after %u", d, id, r->last_id);
		r->last_id = id;
		for (uint32_t i = 0; i < nq; i++) {
			FZ_ASSERT(!before[d][q[i].id], "bind-rx took queue %u bound to %u",
				  q[i].id, before[d][q[i].id]);
			r->model[d][q[i].id] = id;
		}
		if (r->nbind < MAX_BINDINGS) {
			struct binding *b = &r->bind[r->nbind++];

			b->id = id;
			b->handle = hi;
			b->b = nm_ctl_binding_get(id, &b->tx, NULL);
			FZ_ASSERT(b->b && !b->tx, "binding %u not registered as RX", id);
		}
	}
	check_model(r);
}

static void op_bind_tx(struct run *r)
{
	uint8_t a = fz_u8(&r->in), ifk = fz_u8(&r->in), bk = fz_u8(&r->in);
	struct nm_ctl *c;
	uint32_t id = 0;
	int hi, ret;

	c = pick_handle(r, a, &hi);
	nm_clear_error();
	ret = nm_ctl_bind_tx(c, pick_ifindex(r, ifk),
			     bk % (NBUF + 1) < NBUF ? bed.buf[bk % (NBUF + 1)] : NULL,
			     a & 0x80 ? NULL : &id);
	FZ_ERRNO_OK(ret, "bind-tx");
	if (fz_verbose())
		fprintf(stderr, "bind-tx: %d %s\n", ret, ret ? nm_last_error() : "");
	if (ret == 0) {
		FZ_ASSERT(id > r->last_id, "bind-tx id %u after %u", id, r->last_id);
		r->last_id = id;
		if (r->nbind < MAX_BINDINGS) {
			struct binding *b = &r->bind[r->nbind++];

			b->id = id;
			b->handle = hi;
			b->b = nm_ctl_binding_get(id, &b->tx, NULL);
			FZ_ASSERT(b->b && b->tx, "binding %u not registered as TX", id);
		}
	}
	check_model(r);
}

static void op_queries(struct run *r, int op)
{
	uint8_t a = fz_u8(&r->in), ifk = fz_u8(&r->in);
	uint32_t v = fz_u32(&r->in);
	struct nm_queue_info qi[8];
	struct nm_dev_info di;
	struct nm_page_pool_info pi;
	struct nm_page_pool_stats ps;
	uint32_t ids[8];
	struct nm_ctl *c;
	int hi, ifx = pick_ifindex(r, ifk), pifx, ret = 0;

	c = pick_handle(r, a, &hi);
	if (op == OP_PP_GET || op == OP_PP_STATS) {
		/* pool ids are the process's: relative to a live pool's */
		uint32_t first = 0;

		if (nm_ctl_page_pool_dump(r->h[0], &first, 1) > 0)
			v += first;
	}
	nm_clear_error();
	switch (op) {
	case OP_QUEUE_GET:
		ret = nm_ctl_queue_get(c, ifx, v % 6, (v >> 8) % 3, a & 0x80 ? NULL : qi);
		break;
	case OP_QUEUE_DUMP:
		ret = nm_ctl_queue_dump(c, ifx, a & 0x80 ? NULL : qi, v % 9);
		break;
	case OP_DEV_GET:
		ret = nm_ctl_dev_get(c, ifx, a & 0x80 ? NULL : &di);
		if (ret == 0) {
			int d = dev_of(r, ifx);

			FZ_ASSERT(d >= 0 && di.ifindex == ifx &&
					  di.rx_queues == nm_netdev_num_rx_queues(r->nd[d]) &&
					  !strcmp(di.name, nm_netdev_name(r->nd[d])),
				  "dev-get of ifindex %d", ifx);
		}
		break;
	case OP_PP_GET:
		ret = nm_ctl_page_pool_get(c, v, a & 0x80 ? NULL : &pi, a & 0x40 ? NULL : &pifx);
		break;
	case OP_PP_DUMP:
		ret = nm_ctl_page_pool_dump(c, a & 0x80 ? NULL : ids, v % 9);
		break;
	default:
		ret = nm_ctl_page_pool_stats_get(c, v, a & 0x80 ? NULL : &ps, sizeof(ps));
		break;
	}
	FZ_ERRNO_OK(ret, "query");
	if (c)
		check_pools(r, c);
}

/* Close a handle: its bindings leave every queue; a new handle takes its
 * place. */
static void op_close(struct run *r)
{
	int hi = fz_u8(&r->in) % NHANDLE;

	T_OK(nm_ctl_close(r->h[hi]));
	T_OK(nm_ctl_open(&r->h[hi]));
	for (int i = 0; i < r->nbind; i++) {
		if (r->bind[i].handle != hi || !r->bind[i].id)
			continue;
		for (int d = 0; d < NDEV; d++)
			for (int q = 0; q < NM_NETDEV_MAX_QUEUES; q++)
				if (r->model[d][q] == r->bind[i].id)
					r->model[d][q] = 0;
		r->bind[i].handle = -1;
	}
	check_model(r);
}

static void op_ring(struct run *r)
{
	int d = fz_u8(&r->in) % NDEV;
	uint8_t a = fz_u8(&r->in);
	struct nm_ringparam rp;
	bool bound = false;
	int ret;

	if (!r->nd[d])
		return;
	for (int q = 0; q < NM_NETDEV_MAX_QUEUES; q++)
		bound |= r->model[d][q] != 0;
	T_OK(nm_netdev_get_ringparam(r->nd[d], &rp));
	rp.rx = a & 0x80 ? 128 : 64;
	rp.tcp_data_split = (enum nm_tcp_data_split)(a & 3);
	rp.hds_thresh = a & 4 ? (uint32_t)(a >> 3) : 0;
	nm_clear_error();
	ret = nm_netdev_set_ringparam(r->nd[d], &rp);
	FZ_ERRNO_OK(ret, "set_ringparam");
	/* like the kernel: a bound queue keeps header split on, threshold 0 */
	if (bound && (rp.tcp_data_split == NM_TCP_DATA_SPLIT_DISABLED || rp.hds_thresh))
		FZ_ASSERT(ret == -EINVAL, "set_ringparam against a binding: %d", ret);
	check_model(r);
}

static void op_channels(struct run *r)
{
	int d = fz_u8(&r->in) % NDEV;
	struct nm_channels ch = { .rx = 1 + fz_u8(&r->in) % 5, .tx = 1 };
	bool busy = false;
	int ret;

	if (!r->nd[d])
		return;
	for (uint32_t q = ch.rx; q < NM_NETDEV_MAX_QUEUES; q++)
		busy |= r->model[d][q] != 0;
	nm_clear_error();
	ret = nm_netdev_set_channels(r->nd[d], &ch);
	FZ_ERRNO_OK(ret, "set_channels");
	if (busy)
		FZ_ASSERT(ret == -EBUSY, "channels %u shrank past a bound queue: %d", ch.rx, ret);
	check_model(r);
}

static void netdev_new(struct run *r, int d, uint8_t cfg)
{
	struct nm_netdev_params np = { .name = d ? "fz1" : "fz0", .dev = bed.nic,
				       .wire = bed.w[d], .rx_queues = 1 + cfg % 4,
				       .tx_queues = 1, .rx_ring = 64 };
	struct nm_ringparam rp;

	np.mac[0] = 2;
	np.mac[5] = (uint8_t)(0x10 + d);
	T_OK(nm_netdev_create(&np, &r->nd[d]));
	/* 0x10: ready for bind-rx (header split, threshold 0), else split off */
	T_OK(nm_netdev_get_ringparam(r->nd[d], &rp));
	rp.tcp_data_split = cfg & 0x10 ? NM_TCP_DATA_SPLIT_ENABLED : NM_TCP_DATA_SPLIT_DISABLED;
	rp.hds_thresh = 0;
	T_OK(nm_netdev_set_ringparam(r->nd[d], &rp));
	T_OK(nm_netdev_set_features(r->nd[d], NM_NETIF_F_NETMEM_TX,
				    cfg & 0x20 ? NM_NETIF_F_NETMEM_TX : 0));
	memset(r->model[d], 0, sizeof(r->model[d]));
}

/* Destroy a netdev (its bindings stay with their handles, on no queue) and
 * create another in its place. */
static void op_renew(struct run *r)
{
	int d = fz_u8(&r->in) % NDEV;
	uint8_t cfg = fz_u8(&r->in);

	if (r->nd[d]) {
		/* packets of this netdev that we hold stay valid: each holds a
		 * reference on its buffers */
		T_OK(nm_netdev_destroy(r->nd[d]));
		r->nd[d] = NULL;
	}
	netdev_new(r, d, cfg);
	check_model(r);
}

/* Frames into netdev 0 (sent from the wire's other end), polled; some
 * packets held (their buffers, device memory of a binding too, stay out
 * across unbinds and restarts). */
static void op_traffic(struct run *r)
{
	uint8_t n = fz_u8(&r->in) % 8, keep = fz_u8(&r->in);
	uint16_t port = fz_u16(&r->in);
	uint8_t frame[2048];
	struct nm_rx_pkt pkts[8];
	struct t_flow f;

	if (!r->nd[0])
		return;
	t_flow_v4(&f, 0xc6120001, 0xc6120002, 40000, port);
	for (uint8_t i = 0; i < n; i++) {
		uint32_t len;

		f.sport = (uint16_t)(40000 + i);
		f.seq = i * 1000u;
		len = t_flow_frame(frame, &f, 1000, 0);
		memcpy(frame, "\x02\0\0\0\0\x10", 6);	/* to fz0 */
		t_wire_send(bed.w[1], frame, len, NULL);
	}
	nm_netdev_poll(r->nd[0], 64);
	for (uint32_t q = 0; q < nm_netdev_num_rx_queues(r->nd[0]); q++) {
		int k;

		while ((k = nm_netdev_rx_poll(r->nd[0], q, pkts, 8)) > 0)
			for (int i = 0; i < k; i++) {
				if ((keep >> (i & 7) & 1) && r->nheld < MAX_HELD)
					r->held[r->nheld++] = pkts[i];
				else
					nm_rx_pkt_release(&pkts[i]);
			}
	}
}

static void release_held(struct run *r)
{
	for (int i = 0; i < r->nheld; i++)
		nm_rx_pkt_release(&r->held[i]);
	r->nheld = 0;
}

static void run_ops(struct run *r)
{
	for (int i = 0; i < MAX_OPS && fz_left(&r->in); i++) {
		int op = fz_u8(&r->in) % OP_MAX;

		switch (op) {
		case OP_BIND_RX: op_bind_rx(r); break;
		case OP_BIND_TX: op_bind_tx(r); break;
		case OP_CLOSE: op_close(r); break;
		case OP_RING: op_ring(r); break;
		case OP_CHANNELS: op_channels(r); break;
		case OP_FEATURES: {
			int d = fz_u8(&r->in) % NDEV;
			uint8_t mask = fz_u8(&r->in);

			if (r->nd[d]) {
				nm_clear_error();
				FZ_ERRNO_OK(nm_netdev_set_features(r->nd[d], mask, fz_u8(&r->in)),
					    "set_features");
			}
			break;
		}
		case OP_RENEW: op_renew(r); break;
		case OP_TRAFFIC: op_traffic(r); break;
		case OP_RELEASE: release_held(r); break;
		default: op_queries(r, op); break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	uint8_t cfg;

	fz_begin();
	if (!bed.up)
		bed_up();
	memset(&r, 0, sizeof(r));
	r.in = fz_init(data, size);
	cfg = fz_u8(&r.in);
	for (int d = 0; d < NDEV; d++)
		netdev_new(&r, d, d ? cfg >> 4 | 0x10 : cfg);
	for (int h = 0; h < NHANDLE; h++)
		T_OK(nm_ctl_open(&r.h[h]));
	check_model(&r);
	run_ops(&r);

	/* handles closed: every binding off its queues; packets released:
	 * every RX binding's memory free */
	for (int h = 0; h < NHANDLE; h++)
		T_OK(nm_ctl_close(r.h[h]));
	release_held(&r);
	for (int d = 0; d < NDEV; d++) {
		for (uint32_t q = 0; r.nd[d] && q < nm_netdev_num_rx_queues(r.nd[d]); q++)
			FZ_ASSERT(!nm_netdev_rxq_provider(r.nd[d], q, NULL),
				  "netdev %d queue %u keeps a provider after every close", d, q);
		if (r.nd[d])
			T_OK(nm_netdev_destroy(r.nd[d]));
	}
	for (int i = 0; i < r.nbind; i++) {
		struct binding *b = &r.bind[i];

		if (!b->tx)
			FZ_ASSERT(nm_dmabuf_binding_avail(b->b) == nm_dmabuf_binding_num_niovs(b->b),
				  "binding %u: %llu of %llu buffers free at the end", b->id,
				  (unsigned long long)nm_dmabuf_binding_avail(b->b),
				  (unsigned long long)nm_dmabuf_binding_num_niovs(b->b));
		nm_dmabuf_binding_put(b->b);
	}
	if (fz_verbose())
		fprintf(stderr, "ctl: %d bindings made\n", r.nbind);
	return 0;
}

/* ---- seeds ------------------------------------------------------------------ */

void fz_write_seeds(struct fz_seeds *s)
{
	static struct fz_out o;

	/* bind queues 0 and 1 of netdev 0 (4 queues, split on) to the memfd
	 * dma-buf, traffic into them with packets held, queries, a refused
	 * channel shrink, close with packets out, release */
	o.n = 0;
	fz_w8(&o, 0x13);			/* 4 queues, ready for bind-rx */
	fz_w8(&o, OP_BIND_RX);
	fz_w8(&o, 0);				/* handle 0 */
	fz_w8(&o, 0);				/* netdev 0 */
	fz_w8(&o, 0);				/* memfd dma-buf */
	fz_w8(&o, 2);
	fz_w8(&o, 0);				/* rx queue 0 */
	fz_w8(&o, 1);				/* rx queue 1 */
	fz_w8(&o, OP_TRAFFIC);
	fz_w8(&o, 7);
	fz_w8(&o, 0x5a);
	fz_w16(&o, 5201);
	fz_w8(&o, OP_QUEUE_DUMP);
	fz_w8(&o, 0);
	fz_w8(&o, 0);
	fz_w32(&o, 8);
	fz_w8(&o, OP_PP_DUMP);
	fz_w8(&o, 0);
	fz_w8(&o, 0);
	fz_w32(&o, 8);
	fz_w8(&o, OP_CHANNELS);
	fz_w8(&o, 0);
	fz_w8(&o, 0);				/* 1 queue: busy */
	fz_w8(&o, OP_RING);
	fz_w8(&o, 0);
	fz_w8(&o, NM_TCP_DATA_SPLIT_DISABLED);	/* refused */
	fz_w8(&o, OP_CLOSE);
	fz_w8(&o, 0);
	fz_w8(&o, OP_RELEASE);
	fz_seed(s, "bind-rx-traffic-close", &o);

	/* refusals: a queue listed twice, a TX queue, out of range, a
	 * device the NIC cannot reach, split off; bind-tx without and with
	 * the feature; a netdev destroyed under a binding */
	o.n = 0;
	fz_w8(&o, 0x01);			/* 2 queues, split off */
	fz_w8(&o, OP_BIND_RX);			/* split off: -EINVAL */
	fz_wbytes(&o, "\0\0\0\1\0", 5);
	fz_w8(&o, OP_BIND_RX);			/* netdev 1 (ready): queue twice */
	fz_wbytes(&o, "\0\1\0\2\0\0", 6);
	fz_w8(&o, OP_BIND_RX);			/* a TX queue */
	fz_wbytes(&o, "\0\1\0\1\x80", 5);
	fz_w8(&o, OP_BIND_RX);			/* queue 5 of 1 */
	fz_wbytes(&o, "\0\1\0\1\5", 5);
	fz_w8(&o, OP_BIND_RX);			/* gpu1: out of the NIC's reach */
	fz_wbytes(&o, "\0\1\3\1\0", 5);
	fz_w8(&o, OP_BIND_RX);			/* gpu0 on netdev 1 queue 0: fine */
	fz_wbytes(&o, "\1\1\2\1\0", 5);
	fz_w8(&o, OP_BIND_TX);			/* no NETMEM_TX */
	fz_wbytes(&o, "\0\0\1", 3);
	fz_w8(&o, OP_FEATURES);
	fz_wbytes(&o, "\0\x40\x40", 3);
	fz_w8(&o, OP_BIND_TX);
	fz_wbytes(&o, "\0\0\1", 3);
	fz_w8(&o, OP_RENEW);			/* netdev 1 goes, its binding stays */
	fz_wbytes(&o, "\1\x10", 2);
	fz_w8(&o, OP_CLOSE);
	fz_w8(&o, 1);
	fz_seed(s, "refusals-renew", &o);
}
