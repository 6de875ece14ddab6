/* SPDX-License-Identifier: MIT */
/*
 * Harness: the NIC's receive path (nic/rx.c, rx_loan.c, rxq.c, parse.c,
 * csum.c, rss.c, ntuple.c) into host-memory queues and into a queue bound
 * to a dma-buf (device memory, bind-rx), from both kinds of wire the NIC's
 * one way in (the wire's rx op) serves: the shm wire (frames lent, payload
 * kept in place) and a wire that copies frames into buffers the NIC
 * offers, as the TAP does (the copy lands in the posted buffers, the NIC
 * guesses queue and header length).  The frames and their offload metadata (the
 * virtio header's fields a TAP delivers) are the input, and so is the
 * configuration: queues, MTU, ring size, header split and its threshold,
 * features, ntuple rules, RSS, changed between frames too (queue
 * restarts with packets outstanding).
 *
 * Oracles: every packet received is a frame that was sent, byte for byte
 * (headers from host memory, payload from host memory, the wire's arena or
 * through a CPU-access window on the dma-buf), its frags within their
 * buffers and never mixing host and device memory; every frame the wire
 * took is received or counted as a drop; after the binding is gone and
 * every packet released, all of its memory is free again.
 *
 * Input: a 7-byte configuration, then operations (op byte, arguments):
 * FRAME, POLL, RELEASE, FLOW, RING, CHANNELS, FEATURES, RSS, UNBIND.
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

#define MAX_OPS		200
#define MAX_SENT	512		/* frames remembered for matching */
#define MAX_HELD	96
#define DMABUF_SIZE	(4u << 20)

enum { OP_FRAME, OP_POLL, OP_RELEASE, OP_FLOW, OP_RING, OP_CHANNELS, OP_FEATURES, OP_RSS,
       OP_UNBIND, OP_MAX };

/* ---- a wire without peek: the NIC's TAP path ------------------------------- */

struct fzw_frame {
	uint8_t *b;
	uint32_t len;
	struct nm_wire_meta meta;
};

struct fz_wire {
	struct nm_wire w;		/* first */
	struct fzw_frame q[64];
	uint32_t head, tail;
};

static int fzw_xmit(struct nm_wire *w, const struct iovec *iov, unsigned n,
		    const struct nm_wire_meta *meta)
{
	(void)w, (void)iov, (void)n, (void)meta;
	return 0;		/* nothing is sent in this harness */
}

static int fzw_recv(struct nm_wire *w, const struct iovec *iov, unsigned n,
		    struct nm_wire_meta *meta)
{
	struct fz_wire *fw = (struct fz_wire *)w;
	struct fzw_frame *f;
	uint32_t off = 0;

	if (fw->head == fw->tail)
		return -EAGAIN;
	f = &fw->q[fw->head++ % 64];
	for (unsigned i = 0; i < n && off < f->len; i++) {
		size_t k = iov[i].iov_len < f->len - off ? iov[i].iov_len : f->len - off;

		memcpy(iov[i].iov_base, f->b + off, k);
		off += (uint32_t)k;
	}
	if (meta)
		*meta = f->meta;
	free(f->b);
	return (int)f->len;
}

/* The NIC's way in, as the TAP's: the frame copied into the buffers the
 * NIC offers. */
static int fzw_rx(struct nm_wire *w, struct nm_wire_rxbufs *bufs, struct nm_wire_frame *f)
{
	struct iovec iov[NM_WIRE_MAX_IOV];
	int n, r;

	n = bufs->get(bufs, iov, NM_WIRE_MAX_IOV);
	if (n < 0)
		return n;
	r = fzw_recv(w, iov, (unsigned)n, &f->meta);
	if (r < 0)
		return r;
	f->data = NULL;
	f->len = (uint32_t)r;
	return 0;
}

static int fzw_get_fd(struct nm_wire *w)
{
	(void)w;
	return -1;
}

static int fzw_get_stats(struct nm_wire *w, struct nm_wire_stats *st)
{
	(void)w;
	memset(st, 0, sizeof(*st));
	return 0;
}

static void fzw_destroy(struct nm_wire *w)
{
	struct fz_wire *fw = (struct fz_wire *)w;

	while (fw->head != fw->tail)
		free(fw->q[fw->head++ % 64].b);
}

static const struct nm_wire_ops fzw_ops = {
	.kind = "fuzz",
	.xmit = fzw_xmit,
	.rx_copy = fzw_recv,
	.rx = fzw_rx,
	.get_fd = fzw_get_fd,
	.get_stats = fzw_get_stats,
	.destroy = fzw_destroy,
};

/* 0, or -EAGAIN when full; the frame is copied. */
static int fzw_put(struct fz_wire *fw, const uint8_t *f, uint32_t len,
		   const struct nm_wire_meta *meta)
{
	struct fzw_frame *q;

	if (fw->tail - fw->head >= 64)
		return -EAGAIN;
	q = &fw->q[fw->tail % 64];
	q->b = malloc(len ? len : 1);
	FZ_ASSERT(q->b, "out of memory");
	memcpy(q->b, f, len);
	q->len = len;
	q->meta = *meta;
	fw->tail++;
	return 0;
}

/* ---- what lives for the whole process (no state between inputs) ---------- */

static struct {
	struct t_nic t;			/* topo, nic0, gpu0; a/b: the shm wire */
	struct fz_wire fw;
	int memfd;
	struct nm_dmabuf *buf;
	bool up;
} bed;

static void bed_up(void)
{
	struct nm_wire_shm_params wp = { .mtu = 9000, .gso = true, .ring_entries = 256,
					 .arena_bytes = 4u << 20 };

	t_nic_topo(&bed.t);
	T_OK(nm_wire_shm_pair(&wp, &bed.t.a, &bed.t.b));
	bed.fw.w.ops = &fzw_ops;
	snprintf(bed.fw.w.name, sizeof(bed.fw.w.name), "fuzz");
	bed.memfd = memfd_create("fuzz_nic_rx", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	T_ASSERT(bed.memfd >= 0);
	T_ASSERT(ftruncate(bed.memfd, DMABUF_SIZE) == 0);
	T_ASSERT(fcntl(bed.memfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	T_OK(nm_udmabuf_create(bed.memfd, 0, DMABUF_SIZE, 0, &bed.buf));
	bed.up = true;
}

/* ---- one input ------------------------------------------------------------- */

struct sent {
	uint8_t *b;
	uint32_t len;
	uint32_t ip_end;		/* where the IP packet ends (padding after) */
	bool matched;
};

struct run {
	struct fz in;
	struct nm_netdev *nd;
	struct nm_wire *wire;		/* the netdev's (shm end a or the fuzz wire) */
	bool tap;
	struct nm_ctl *ctl;
	uint32_t bind_id;
	struct nm_dmabuf_binding *binding;	/* a reference, to check it at the end */
	struct sent sent[MAX_SENT];
	uint32_t nsent, first_unmatched;
	uint64_t accepted, polled, stats_base;
	uint64_t n_split, n_unreadable;
	struct nm_rx_pkt held[MAX_HELD];
	uint32_t nheld;
};

static uint64_t stats_total(const struct run *r)
{
	struct nm_queue_stats st;
	uint64_t n;

	T_OK(nm_netdev_get_stats(r->nd, &st, sizeof(st)));
	n = st.packets;
	for (int i = 0; i < NM_RX_DROP_MAX; i++)
		n += st.drops[i];
	return n;
}

/* The bytes of pkt, gathered; false if a frag is not where it may be. */
static bool pkt_bytes(const struct run *r, const struct nm_rx_pkt *p, uint8_t *out)
{
	uint32_t off = p->hdr_len;
	bool unreadable = false, readable = false;

	FZ_ASSERT(p->hdr && nm_netmem_is_readable(p->hdr), "header not in host memory");
	FZ_ASSERT(p->hdr_len <= p->len, "hdr_len %u > len %u", p->hdr_len, p->len);
	memcpy(out, (const uint8_t *)nm_netmem_address(p->hdr) + p->hdr_off, p->hdr_len);
	FZ_ASSERT(p->nr_frags <= NM_RX_MAX_FRAGS, "%u frags", p->nr_frags);
	for (uint32_t i = 0; i < p->nr_frags; i++) {
		const struct nm_rx_frag *f = &p->frags[i];

		FZ_ASSERT(off + f->len <= p->len, "frags past the frame");
		if (nm_netmem_is_readable(f->netmem)) {
			readable = true;
			memcpy(out + off, (const uint8_t *)nm_netmem_address(f->netmem) + f->off,
			       f->len);
		} else {
			uint64_t doff = nm_net_iov_offset(nm_netmem_to_net_iov(f->netmem)) + f->off;
			uint8_t *win;

			unreadable = true;
			FZ_ASSERT(r->binding && doff + f->len <= DMABUF_SIZE,
				  "device frag at %llu+%u outside the dma-buf",
				  (unsigned long long)doff, f->len);
			T_OK(nm_dmabuf_begin_cpu_access(bed.buf, doff, f->len, NM_DMA_FROM_DEVICE,
							(void **)&win));
			memcpy(out + off, win, f->len);
			T_OK(nm_dmabuf_end_cpu_access(bed.buf, doff, f->len, NM_DMA_FROM_DEVICE));
		}
		off += f->len;
	}
	FZ_ASSERT(!(readable && unreadable), "a packet mixes host and device payload");
	FZ_ASSERT(unreadable == !!(p->flags & NM_RX_F_UNREADABLE), "UNREADABLE flag %#x",
		  p->flags);
	FZ_ASSERT(off == p->len, "packet holds %u of %u bytes", off, p->len);
	return true;
}

/* Every packet is a frame sent and not yet received (the first such one
 * with its bytes: queues keep order, but interleave). */
static void check_pkt(struct run *r, const struct nm_rx_pkt *p)
{
	static uint8_t got[NM_WIRE_MAX_FRAME];

	FZ_ASSERT(p->len <= NM_WIRE_MAX_FRAME, "len %u", p->len);
	pkt_bytes(r, p, got);
	for (uint32_t i = r->first_unmatched; i < r->nsent; i++) {
		struct sent *s = &r->sent[i];

		/* split packets leave the Ethernet padding behind */
		if (s->matched || (s->len != p->len && !((p->flags & NM_RX_F_SPLIT) &&
							  s->ip_end == p->len)) ||
		    memcmp(s->b, got, p->len))
			continue;
		s->matched = true;
		free(s->b);
		s->b = NULL;
		while (r->first_unmatched < r->nsent && r->sent[r->first_unmatched].matched)
			r->first_unmatched++;
		return;
	}
	FZ_ASSERT(r->nsent == MAX_SENT, "received a %u-byte frame nobody sent (queue %u)",
		  p->len, p->queue);
}

static void release_held(struct run *r)
{
	for (uint32_t i = 0; i < r->nheld; i++)
		nm_rx_pkt_release(&r->held[i]);
	r->nheld = 0;
}

/* Take what the queues hold; keep some packets (their buffers stay out). */
static void take(struct run *r, uint8_t keep)
{
	struct nm_rx_pkt pkts[16];
	uint32_t nq = nm_netdev_num_rx_queues(r->nd);

	for (uint32_t q = 0; q < nq; q++) {
		int n;

		while ((n = nm_netdev_rx_poll(r->nd, q, pkts, 16)) > 0) {
			for (int i = 0; i < n; i++) {
				FZ_ASSERT(pkts[i].queue == q, "packet of queue %u on %u",
					  pkts[i].queue, q);
				check_pkt(r, &pkts[i]);
				r->polled++;
				r->n_split += !!(pkts[i].flags & NM_RX_F_SPLIT);
				r->n_unreadable += !!(pkts[i].flags & NM_RX_F_UNREADABLE);
				if ((keep >> (i & 7) & 1) && r->nheld < MAX_HELD)
					r->held[r->nheld++] = pkts[i];
				else
					nm_rx_pkt_release(&pkts[i]);
			}
		}
	}
}

static void poll_all(struct run *r, uint32_t budget, uint8_t keep)
{
	nm_netdev_poll(r->nd, budget);
	take(r, keep);
}

/* Everything the wire holds, through. */
static void drain(struct run *r)
{
	for (int i = 0; i < 64 && nm_netdev_poll(r->nd, 64) > 0; i++)
		take(r, 0);
	take(r, 0);
}

/* A frame: given bytes, then a pattern up to its length; checksums made
 * right or not; offload metadata or none. */
static void op_frame(struct run *r)
{
	static uint8_t f[NM_WIRE_MAX_FRAME];
	uint8_t fl = fz_u8(&r->in);
	struct nm_wire_meta meta = { 0 };
	uint32_t len, given;
	const uint8_t *p;
	size_t k;
	int ret;

	if (fl & 2) {
		meta.flags = fz_u8(&r->in);
		meta.gso_type = fz_u8(&r->in);
		meta.hdr_len = fz_u16(&r->in);
		meta.gso_size = fz_u16(&r->in);
		meta.csum_start = fz_u16(&r->in);
		meta.csum_offset = fz_u16(&r->in);
	}
	len = fz_u16(&r->in) % (fl & 4 ? NM_WIRE_MAX_FRAME + 1 : 9100);
	given = fz_u16(&r->in);
	p = fz_data(&r->in, given < len ? given : len, &k);
	memcpy(f, p, k);
	for (uint32_t i = (uint32_t)k; i < len; i++)
		f[i] = (uint8_t)(i % 251);
	if (fl & 1)
		t_fill_csums(f, len);
	if (r->tap) {
		ret = fzw_put(&bed.fw, f, len, &meta);
	} else {
		struct iovec iov = { f, len };

		ret = nm_wire_xmit(bed.t.b, &iov, 1, &meta);
	}
	if (ret == -EAGAIN) {		/* full: let the NIC take some */
		poll_all(r, 64, 0);
		return;
	}
	if (ret < 0)
		return;		/* refused by the wire (too long, bad meta) */
	r->accepted++;
	if (r->nsent < MAX_SENT) {
		struct sent *s = &r->sent[r->nsent++];

		s->b = malloc(len ? len : 1);
		FZ_ASSERT(s->b, "out of memory");
		memcpy(s->b, f, len);
		s->len = len;
		{
			struct nm_pkt_info info;

			s->ip_end = nm_pkt_parse(f, len, &info) == 0 ? info.l3_end : len;
		}
	}
}

static void op_flow(struct run *r)
{
	struct nm_flow_rule fr = { .id = NM_FLOW_ID_ANY };
	uint8_t a = fz_u8(&r->in);

	fr.flow_type = (enum nm_flow_type)(1 + a % 4);
	fr.dst_port = fz_u16(&r->in);
	fr.dst_port_mask = a & 0x10 ? 0xffff : 0;
	fr.src_port = fz_u16(&r->in);
	fr.src_port_mask = a & 0x20 ? 0xff00 : 0;
	fr.action = a & 0x40 ? NM_FLOW_ACTION_DROP : (int32_t)(fz_u8(&r->in) % 5);
	nm_clear_error();
	FZ_ERRNO_OK(nm_netdev_flow_add(r->nd, &fr), "flow_add");
}

/* Descriptors per RX queue: mostly the fewest (every descriptor is a
 * buffer in each of the queue's two pools, allocated and cleared when the
 * netdev is created or a queue restarts: the bulk of an input's time). */
static uint32_t ring_size(uint8_t k)
{
	return 64u << (k % 8 == 7 ? 2 : k % 8 == 6 ? 1 : 0);
}

static void op_ring(struct run *r)
{
	struct nm_ringparam rp;
	uint8_t a = fz_u8(&r->in);

	T_OK(nm_netdev_get_ringparam(r->nd, &rp));
	rp.rx = ring_size(fz_u8(&r->in));
	rp.tcp_data_split = (enum nm_tcp_data_split)(a & 3);
	rp.hds_thresh = a & 4 ? fz_u16(&r->in) % 1100 : 0;
	nm_clear_error();
	FZ_ERRNO_OK(nm_netdev_set_ringparam(r->nd, &rp), "set_ringparam");
}

static void op_channels(struct run *r)
{
	struct nm_channels ch = { .rx = 1 + fz_u8(&r->in) % 4, .tx = 1 };
	uint64_t before;

	/* queues that go away take their counters: account for them first */
	drain(r);
	before = stats_total(r);
	nm_clear_error();
	FZ_ERRNO_OK(nm_netdev_set_channels(r->nd, &ch), "set_channels");
	r->stats_base += before - stats_total(r);
}

static void op_unbind(struct run *r)
{
	if (r->ctl)
		T_OK(nm_ctl_close(r->ctl));
	r->ctl = NULL;
}

static void run_ops(struct run *r)
{
	for (int i = 0; i < MAX_OPS && fz_left(&r->in); i++) {
		switch (fz_u8(&r->in) % OP_MAX) {
		case OP_FRAME:
			op_frame(r);
			break;
		case OP_POLL: {
			uint8_t budget = fz_u8(&r->in);

			poll_all(r, 1 + budget % 64, fz_u8(&r->in));
			break;
		}
		case OP_RELEASE:
			release_held(r);
			break;
		case OP_FLOW:
			op_flow(r);
			break;
		case OP_RING:
			op_ring(r);
			break;
		case OP_CHANNELS:
			op_channels(r);
			break;
		case OP_FEATURES: {
			uint8_t mask = fz_u8(&r->in);

			nm_clear_error();
			FZ_ERRNO_OK(nm_netdev_set_features(r->nd, mask, fz_u8(&r->in)),
				    "set_features");
			break;
		}
		case OP_RSS: {
			uint8_t start = fz_u8(&r->in);

			nm_clear_error();
			FZ_ERRNO_OK(nm_netdev_set_rss_equal(r->nd, start % 5, fz_u8(&r->in) % 5),
				    "set_rss_equal");
			break;
		}
		default:
			op_unbind(r);
			break;
		}
	}
}

/* Configuration: queues, wire, MTU, ring, split, features, the binding. */
static void setup(struct run *r)
{
	uint8_t c0 = fz_u8(&r->in), c1 = fz_u8(&r->in);
	uint16_t mtu = fz_u16(&r->in), hds = fz_u16(&r->in);
	uint8_t ring = fz_u8(&r->in);
	struct nm_ringparam rp;

	r->tap = c0 & 4;
	bed.fw.w.gso = c0 & 8;
	bed.fw.w.mtu = 9000;
	r->wire = r->tap ? &bed.fw.w : bed.t.a;
	{
		struct nm_netdev_params np = { .name = "nm0", .rx_queues = 1 + (c0 & 3),
					       .tx_queues = 1, .wire = r->wire,
					       .dev = bed.t.nic,
					       .rx_ring = ring_size(ring) };

		np.mtu = mtu & 0x8000 ? 1500 : 68 + mtu % (9000 - 68 + 1);
		memcpy(np.mac, t_mac_b, 6);
		T_OK(nm_netdev_create(&np, &r->nd));
	}
	T_OK(nm_netdev_get_ringparam(r->nd, &rp));
	rp.tcp_data_split = c0 & 0x10 ? NM_TCP_DATA_SPLIT_ENABLED : NM_TCP_DATA_SPLIT_DISABLED;
	rp.hds_thresh = c0 & 0x20 ? hds % 1025 : 0;
	T_OK(nm_netdev_set_ringparam(r->nd, &rp));
	nm_clear_error();
	FZ_ERRNO_OK(nm_netdev_set_features(r->nd, c1 & 0x0f, ~c1 >> 4 & 0x0f), "set_features");
	if (c0 & 0x40) {
		struct nm_queue_id q = { (c0 >> 7) + (c1 >> 4 & 1), NETDEV_QUEUE_TYPE_RX };
		bool tx;
		int ifx;

		T_OK(nm_ctl_open(&r->ctl));
		nm_clear_error();
		if (nm_ctl_bind_rx(r->ctl, nm_netdev_ifindex(r->nd), bed.buf, &q, 1,
				   &r->bind_id) == 0)
			r->binding = nm_ctl_binding_get(r->bind_id, &tx, &ifx);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;

	fz_begin();
	if (!bed.up)
		bed_up();
	memset(&r, 0, sizeof(r));
	r.in = fz_init(data, size);
	setup(&r);
	run_ops(&r);

	/* everything the wire took is received or counted as dropped */
	drain(&r);
	FZ_ASSERT(stats_total(&r) + r.stats_base == r.accepted,
		  "%llu frames taken by the wire, %llu counted (%llu received)",
		  (unsigned long long)r.accepted,
		  (unsigned long long)(stats_total(&r) + r.stats_base),
		  (unsigned long long)r.polled);
	if (fz_verbose()) {
		struct nm_queue_stats st;

		T_OK(nm_netdev_get_stats(r.nd, &st, sizeof(st)));
		fprintf(stderr, "nic_rx: %s wire, %llu frames taken, %llu received (%llu split, "
			"%llu device memory, %llu lent), %llu dropped\n", r.tap ? "tap" : "shm",
			(unsigned long long)r.accepted, (unsigned long long)r.polled,
			(unsigned long long)r.n_split, (unsigned long long)r.n_unreadable,
			(unsigned long long)st.rx_loaned,
			(unsigned long long)(r.accepted - r.polled));
		for (int i = 0; i < NM_RX_DROP_MAX; i++)
			if (st.drops[i])
				fprintf(stderr, "  drop %s: %llu\n", nm_rx_drop_name(i),
					(unsigned long long)st.drops[i]);
	}
	release_held(&r);
	op_unbind(&r);
	T_OK(nm_netdev_destroy(r.nd));
	if (r.binding) {
		FZ_ASSERT(nm_dmabuf_binding_avail(r.binding) ==
				  nm_dmabuf_binding_num_niovs(r.binding),
			  "%llu of %llu binding buffers free at the end",
			  (unsigned long long)nm_dmabuf_binding_avail(r.binding),
			  (unsigned long long)nm_dmabuf_binding_num_niovs(r.binding));
		nm_dmabuf_binding_put(r.binding);
	}
	for (uint32_t i = 0; i < r.nsent; i++)
		free(r.sent[i].b);
	return 0;
}

/* ---- seeds ---------------------------------------------------------------- */

static void w_config(struct fz_out *o, uint8_t c0, uint8_t c1, uint16_t mtu)
{
	o->n = 0;
	fz_w8(o, c0);
	fz_w8(o, c1);
	fz_w16(o, mtu);
	fz_w16(o, 0);		/* hds-thresh */
	fz_w8(o, 6);		/* 128 descriptors */
}

/* A FRAME op with fixed checksums, built by the test bed's t_flow_frame(). */
static void w_frame(struct fz_out *o, const struct t_flow *fl, uint32_t payload,
		    const struct nm_wire_meta *meta)
{
	static uint8_t f[NM_WIRE_MAX_FRAME];
	uint32_t len = t_flow_frame(f, fl, payload, 12);

	fz_w8(o, OP_FRAME);
	fz_w8(o, (uint8_t)(1 | (meta ? 2 : 0) | (len >= 9100 ? 4 : 0)));
	if (meta) {
		fz_w8(o, meta->flags);
		fz_w8(o, meta->gso_type);
		fz_w16(o, meta->hdr_len);
		fz_w16(o, meta->gso_size);
		fz_w16(o, meta->csum_start);
		fz_w16(o, meta->csum_offset);
	}
	fz_w16(o, (uint16_t)len);
	fz_w16(o, 128);			/* headers given, payload from the pattern */
	fz_wbytes(o, f, len < 128 ? len : 128);
}

static void w_poll(struct fz_out *o, uint8_t keep)
{
	fz_w8(o, OP_POLL);
	fz_w8(o, 63);
	fz_w8(o, keep);
}

static void w_stream(struct fz_out *o, int v6, int udp, uint32_t payload, int n)
{
	struct t_flow fl;

	t_flow_v4(&fl, 0xc6120001, 0xc6120002, 40000, 5201);
	fl.v6 = v6;
	fl.udp = udp;
	for (int i = 0; i < n; i++) {
		fl.seq = (uint32_t)i * payload;
		w_frame(o, &fl, payload, NULL);
	}
	w_poll(o, 0);
}

void fz_write_seeds(struct fz_seeds *s)
{
	static struct fz_out o;
	struct t_flow fl;

	/* shm wire, one queue, no split: whole frames in host buffers */
	w_config(&o, 0, 0, 0x8000);
	w_stream(&o, 0, 0, 1448, 8);
	fz_seed(s, "shm-tcp4-nosplit", &o);
	/* split, payload lent from the wire */
	w_config(&o, 0x10, 0, 9000 - 68);
	w_stream(&o, 0, 0, 8000, 6);
	w_stream(&o, 1, 0, 3000, 4);
	fz_seed(s, "shm-split-loan", &o);
	/* two queues, queue 1 bound to the dma-buf, ntuple to it; packets held */
	w_config(&o, 0x10 | 0x40 | 0x80 | 1, 0, 9000 - 68);
	fz_w8(&o, OP_FLOW);
	fz_w8(&o, 0x10 | 0);		/* tcp4, dst port exact, queue from the next byte */
	fz_w16(&o, 5201);
	fz_w16(&o, 0);
	fz_w8(&o, 1);
	w_stream(&o, 0, 0, 4000, 6);
	w_poll(&o, 0x55);
	w_stream(&o, 0, 1, 1000, 3);
	fz_seed(s, "shm-devmem-queue1", &o);
	/* the TAP path: split into the posted buffers, a GSO super-frame */
	w_config(&o, 0x04 | 0x08 | 0x10, 0, 9000 - 68);
	w_stream(&o, 0, 0, 1448, 4);
	{
		struct nm_wire_meta m = { .flags = NM_WIRE_F_DATA_VALID,
					  .gso_type = NM_WIRE_GSO_TCPV4, .hdr_len = 66,
					  .gso_size = 1448 };

		t_flow_v4(&fl, 0xc6120001, 0xc6120002, 40000, 5201);
		w_frame(&o, &fl, 20000, &m);
		w_poll(&o, 0);
	}
	fz_seed(s, "tap-split-gso", &o);
	/* the TAP path into device memory on queue 0, then a ring restart
	 * with packets held, then a channel change */
	w_config(&o, 0x04 | 0x10 | 0x40 | 1, 0, 9000 - 68);
	w_stream(&o, 1, 0, 2000, 5);
	w_poll(&o, 0xff);
	fz_w8(&o, OP_RING);
	fz_w8(&o, NM_TCP_DATA_SPLIT_ENABLED);
	fz_w8(&o, 7);			/* 256 descriptors */
	w_stream(&o, 0, 0, 2000, 5);
	fz_w8(&o, OP_RELEASE);
	fz_w8(&o, OP_CHANNELS);
	fz_w8(&o, 3);
	w_stream(&o, 0, 1, 500, 3);
	fz_seed(s, "tap-devmem-restart", &o);
}
