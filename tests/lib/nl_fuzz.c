/* SPDX-License-Identifier: MIT */
/* Bytes against emulated netlink sockets, with oracles (t_nl.h). */
#include <sys/socket.h>

#include "ctl/nl_sock.h"
#include "t_net.h"
#include "t_nl.h"
#include "t_util.h"
#include <netmem/dmabuf.h>
#include <netmem/netdev.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct t_nlf_stats t_nlf_stats;

static struct {
	bool up;
	struct t_nic t;
	struct nm_dmabuf *buf;
	struct nm_ringparam rp;
	struct nm_channels ch;
	uint32_t features;
} bed;

static int lookup(void *arg, int fd, struct nm_dmabuf **out)
{
	(void)arg;
	if (fd < 0 || fd > 7)
		return -EBADF;
	if (fd == 7)
		return -EINVAL;		/* "not a dma-buf" */
	T_OK(nm_dmabuf_get(bed.buf));
	*out = bed.buf;
	return 0;
}

static void bed_up(void)
{
	nm_nl_set_kernel(false);
	t_nic_up(&bed.t, 2, 1500, false);
	T_OK(nm_dmabuf_create_device(bed.t.gpu, 1 << 20, &bed.buf));
	T_EQ(nm_nl_view_add(bed.t.nd, T_NLF_IFINDEX), T_NLF_IFINDEX);
	T_OK(nm_netdev_get_ringparam(bed.t.nd, &bed.rp));
	T_OK(nm_netdev_get_channels(bed.t.nd, &bed.ch));
	bed.features = nm_netdev_features(bed.t.nd);
	bed.up = true;
}

/* Each input starts from the same NIC: what a previous input's sets
 * changed is undone. */
static void bed_reset(void)
{
	struct nm_ringparam rp = bed.rp;

	T_OK(nm_netdev_set_channels(bed.t.nd, &bed.ch));
	T_OK(nm_netdev_set_rss_equal(bed.t.nd, 0, bed.ch.rx));
	T_OK(nm_netdev_set_ringparam(bed.t.nd, &rp));
	T_OK(nm_netdev_set_features(bed.t.nd, NM_NETIF_F_ALL, bed.features));
}

struct nlf {
	struct fz_in { const uint8_t *p; size_t n; } in;
	struct nm_nl_sock *s[2];
	int cur;
	int want_answers, answers;	/* since the last drain */
	bool lost;			/* answers dropped (ENOBUFS) since then */
	uint8_t rx[33000] __attribute__((aligned(8)));	/* read as messages */
};

static uint8_t in8(struct nlf *f)
{
	if (!f->in.n)
		return 0;
	f->in.n--;
	return *f->in.p++;
}

static uint16_t in16(struct nlf *f)
{
	uint16_t lo = in8(f);

	return (uint16_t)(lo | in8(f) << 8);
}

static void sock_open(struct nlf *f, int i, int proto)
{
	T_OK(nm_nl_sock_open(proto, &f->s[i]));
	T_OK(nm_nl_sock_bind(f->s[i], 100 + (uint32_t)i, 0));
	nm_nl_sock_set_dmabuf_lookup(f->s[i], lookup, NULL);
}

/* The messages netlink_rcv_skb() takes from buf that must be answered. */
static int answers_due(const uint8_t *buf, size_t len)
{
	size_t off = 0;
	int n = 0;

	while (len - off >= NLMSG_HDRLEN) {
		struct nlmsghdr h;

		memcpy(&h, buf + off, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len - off)
			break;
		if ((h.nlmsg_flags & NLM_F_ACK) ||
		    ((h.nlmsg_flags & NLM_F_REQUEST) && h.nlmsg_type >= NLMSG_MIN_TYPE &&
		     (h.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP))
			n++;
		off += NLMSG_ALIGN(h.nlmsg_len) < len - off ? NLMSG_ALIGN(h.nlmsg_len) : len - off;
	}
	return n;
}

/* A received datagram: whole messages, errors that are errnos. */
static void check_dgram(struct nlf *f, const uint8_t *p, size_t len)
{
	const struct nlmsghdr *m = (const void *)p;
	int rem = (int)len;

	T_ASSERT(len >= NLMSG_HDRLEN);
	t_nlf_stats.dgrams++;
	while (mnl_nlmsg_ok(m, rem)) {
		if (m->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

			T_ASSERT(mnl_nlmsg_get_payload_len(m) >= sizeof(*e));
			T_ASSERT(e->error <= 0 && e->error >= -4095);
			t_nlf_stats.errors += e->error < 0;
			f->answers++;
		} else if (m->nlmsg_type == NLMSG_DONE) {
			t_nlf_stats.dones++;
			f->answers++;
		} else {
			t_nlf_stats.answers++;
		}
		m = mnl_nlmsg_next(m, &rem);
	}
	if (rem != 0)
		T_FAIL("a datagram of %zu bytes with %d bytes that are no message", len, rem);
}

static void do_recv(struct nlf *f, size_t len, int flags)
{
	bool trunc;
	ssize_t r = nm_nl_sock_recv(f->s[f->cur], f->rx, len, flags, &trunc);

	T_OK(nm_nl_sock_check(f->s[f->cur]));
	if (r == -EAGAIN)
		return;
	if (r == -ENOBUFS) {
		f->lost = true;		/* answers were dropped */
		return;
	}
	T_ASSERT(r >= 0);
	if (!(flags & MSG_TRUNC))
		T_ASSERT((size_t)r <= len);
	if (trunc) {
		/* the datagram's tail is gone, its answers with it: nothing
		 * is owed any more */
		if (!(flags & MSG_PEEK))
			f->want_answers = f->answers = 0;
		return;
	}
	/* a whole datagram taken: checked and counted (a peeked one is
	 * counted when it is taken) */
	if (!(flags & MSG_PEEK))
		check_dgram(f, f->rx, (size_t)r);
}

static void drain(struct nlf *f)
{
	for (int k = 0; k < 2; k++) {
		bool trunc;
		ssize_t r;

		for (int i = 0; i < 100000; i++) {
			r = nm_nl_sock_recv(f->s[k], f->rx, sizeof(f->rx), 0, &trunc);
			if (r == -EAGAIN)
				break;
			if (r == -ENOBUFS) {
				f->lost = true;
				continue;
			}
			T_ASSERT(r > 0 && !trunc);
			check_dgram(f, f->rx, (size_t)r);
		}
		T_ASSERT(!nm_nl_sock_readable(f->s[k]));
		T_OK(nm_nl_sock_check(f->s[k]));
	}
	if (!f->lost && f->answers < f->want_answers)
		T_FAIL("%d requests asked for an answer, %d answered", f->want_answers, f->answers);
	f->want_answers = f->answers = 0;
	f->lost = false;
}

void t_nlf_run(const uint8_t *data, size_t size)
{
	static struct nlf f;
	uint8_t cfg;

	if (!bed.up)
		bed_up();
	bed_reset();
	memset(&f, 0, sizeof(f));
	f.in.p = data;
	f.in.n = size;
	cfg = in8(&f);
	sock_open(&f, 0, cfg & 1 ? NETLINK_ROUTE : NETLINK_GENERIC);
	sock_open(&f, 1, NETLINK_GENERIC);
	for (int op = 0; op < 256 && f.in.n; op++) {
		uint8_t kind = in8(&f) % T_NLF_MAX;

		switch (kind) {
		case T_NLF_SEND: {
			size_t len = in16(&f) % 8192, k = len < f.in.n ? len : f.in.n;
			uint8_t *copy = malloc(k ? k : 1);	/* exact size: ASan sees overreads */

			T_ASSERT(copy);
			memcpy(copy, f.in.p, k);
			f.in.p += k;
			f.in.n -= k;
			f.want_answers += answers_due(copy, k);
			T_EQ(nm_nl_sock_send(f.s[f.cur], copy, k), k);
			T_OK(nm_nl_sock_check(f.s[f.cur]));
			free(copy);
			break;
		}
		case T_NLF_RECV: {
			uint16_t len = in16(&f);
			uint8_t fl = in8(&f);

			do_recv(&f, len % sizeof(f.rx), (fl & 1 ? MSG_PEEK : 0) | (fl & 2 ? MSG_TRUNC : 0));
			break;
		}
		case T_NLF_DRAIN:
			drain(&f);
			break;
		case T_NLF_OPT: {
			static const int opts[] = { NETLINK_EXT_ACK, NETLINK_CAP_ACK,
						    NETLINK_GET_STRICT_CHK, NETLINK_ADD_MEMBERSHIP,
						    NETLINK_DROP_MEMBERSHIP, NETLINK_NO_ENOBUFS, 99 };
			int opt = opts[in8(&f) % 7];
			uint32_t v = in16(&f);

			(void)nm_nl_sock_setsockopt(f.s[f.cur], opt, &v, sizeof(v));
			break;
		}
		case T_NLF_REOPEN:
			/* close in the middle of whatever runs (a dump): the
			 * bindings go, nothing leaks */
			T_OK(nm_nl_sock_close(f.s[f.cur]));
			sock_open(&f, f.cur, in8(&f) & 1 ? NETLINK_ROUTE : NETLINK_GENERIC);
			/* the answers queued there went with it, as the kernel's */
			f.want_answers = f.answers = 0;
			break;
		case T_NLF_SWITCH:
			f.cur ^= 1;
			break;
		}
	}
	drain(&f);
	T_OK(nm_nl_sock_close(f.s[0]));
	T_OK(nm_nl_sock_close(f.s[1]));
	for (uint32_t q = 0; q < nm_netdev_num_rx_queues(bed.t.nd); q++)
		T_ASSERT(!nm_netdev_rxq_provider(bed.t.nd, q, NULL));
}

void t_nlf_op_send(struct t_nlf_out *o, const void *msg, size_t len)
{
	if (o->n + 3 + len > sizeof(o->b))
		return;
	o->b[o->n++] = T_NLF_SEND;
	o->b[o->n++] = (uint8_t)len;
	o->b[o->n++] = (uint8_t)(len >> 8);
	memcpy(o->b + o->n, msg, len);
	o->n += len;
}

void t_nlf_op(struct t_nlf_out *o, uint8_t op, uint16_t a, uint8_t b)
{
	if (o->n + 4 > sizeof(o->b))
		return;
	o->b[o->n++] = op;
	if (op == T_NLF_RECV) {
		o->b[o->n++] = (uint8_t)a;
		o->b[o->n++] = (uint8_t)(a >> 8);
		o->b[o->n++] = b;
	} else if (op == T_NLF_OPT) {
		o->b[o->n++] = b;
		o->b[o->n++] = (uint8_t)a;
		o->b[o->n++] = (uint8_t)(a >> 8);
	} else if (op == T_NLF_REOPEN) {
		o->b[o->n++] = b;
	}
}
