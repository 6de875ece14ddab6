/* SPDX-License-Identifier: MIT */
/*
 * devmem RX on the test bed (t_devmem.h): a memfd dma-buf bound to an RX
 * queue, validating receives, token returns, the end-of-test check that
 * every buffer came back, and the benchmarks' receiver.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "t_devmem.h"

void t_dm_create(struct t_dm *d, uint64_t size)
{
	memset(d, 0, sizeof(*d));
	d->size = size;
	d->memfd = memfd_create("t_devmem", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	T_ASSERT(d->memfd >= 0);
	T_ASSERT(ftruncate(d->memfd, (off_t)size) == 0);
	T_ASSERT(fcntl(d->memfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	T_OK(nm_udmabuf_create(d->memfd, 0, size, 0, &d->buf));
	T_OK(nm_ctl_open(&d->ctl));
}

void t_dm_bind_rx(struct t_dm *d, struct nm_netdev *nd)
{
	struct nm_ringparam rp;
	struct nm_queue_id q0 = { 0, NETDEV_QUEUE_TYPE_RX };

	d->nd = nd;
	T_OK(nm_netdev_get_ringparam(nd, &rp));
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;
	rp.hds_thresh = 0;
	T_OK(nm_netdev_set_ringparam(nd, &rp));
	T_OK(nm_ctl_bind_rx(d->ctl, nm_netdev_ifindex(nd), d->buf, &q0, 1, &d->id));
}

void t_dm_bind(struct t_dm *d, struct nm_netdev *nd, uint64_t size)
{
	t_dm_create(d, size);
	t_dm_bind_rx(d, nd);
}

void t_dm_destroy(struct t_dm *d)
{
	if (d->ctl)
		nm_ctl_close(d->ctl);
	d->ctl = NULL;
	if (d->buf)
		nm_dmabuf_put(d->buf);
	d->buf = NULL;
	if (d->memfd >= 0)
		close(d->memfd);
	d->memfd = -1;
}

void t_dm_unbind(struct t_dm *d)
{
	if (d->ctl && d->nd) {
		bool tx;
		int ifx;
		struct nm_dmabuf_binding *b = nm_ctl_binding_get(d->id, &tx, &ifx);

		T_ASSERT(b);
		t_rx_idle(d->nd);
		T_OK(nm_ctl_close(d->ctl));
		d->ctl = NULL;
		if (nm_dmabuf_binding_avail(b) != nm_dmabuf_binding_num_niovs(b))
			T_FAIL("unbound: %llu of the binding's %llu net_iovs never came back",
			       (unsigned long long)(nm_dmabuf_binding_num_niovs(b) -
						    nm_dmabuf_binding_avail(b)),
			       (unsigned long long)nm_dmabuf_binding_num_niovs(b));
		nm_dmabuf_binding_put(b);
		t_rx_idle(d->nd);
	}
	t_dm_destroy(d);
}

bool t_dm_check(struct t_dm *d, uint64_t off, uint32_t n, uint64_t pos)
{
	uint8_t *p;
	bool ok;

	T_OK(nm_dmabuf_begin_cpu_access(d->buf, off, n, NM_DMA_FROM_DEVICE, (void **)&p));
	ok = t_pat_ok(p, n, pos);
	T_OK(nm_dmabuf_end_cpu_access(d->buf, off, n, NM_DMA_FROM_DEVICE));
	return ok;
}

struct frag {
	uint64_t off, pos;
	uint32_t len;
};

/* One CPU window per run of frags that follow each other in the dma-buf
 * with small gaps (payload alignment): a window per frag would cost two
 * protection changes each. */
static void check_frags(struct t_dm *d, const struct frag *fr, int nfr)
{
	for (int i = 0, j; i < nfr; i = j) {
		uint64_t end = fr[i].off + fr[i].len;
		uint8_t *win;

		for (j = i + 1; j < nfr && fr[j].off >= end && fr[j].off - end <= 4096; j++)
			end = fr[j].off + fr[j].len;
		T_OK(nm_dmabuf_begin_cpu_access(d->buf, fr[i].off, end - fr[i].off,
						NM_DMA_FROM_DEVICE, (void **)&win));
		for (int k = i; k < j; k++)
			if (!t_pat_ok(win + (fr[k].off - fr[i].off), fr[k].len, fr[k].pos))
				T_FAIL("device bytes at stream %llu (dma-buf %llu) wrong",
				       (unsigned long long)fr[k].pos, (unsigned long long)fr[k].off);
		T_OK(nm_dmabuf_end_cpu_access(d->buf, fr[i].off, end - fr[i].off,
					      NM_DMA_FROM_DEVICE));
	}
}

ssize_t t_dm_recv(struct t_dm *d, int sd, size_t len, int ctl_n, uint64_t *pos, struct t_dm_rx *r)
{
	return t_dm_recv_iov(d, sd, len, 1, ctl_n, pos, r);
}

ssize_t t_dm_recv_iov(struct t_dm *d, int sd, size_t len, int niov, int ctl_n, uint64_t *pos,
		      struct t_dm_rx *r)
{
	static uint8_t lin[1 << 20];
	static struct iovec iov[1024];
	size_t clen = (size_t)ctl_n * CMSG_SPACE(sizeof(struct dmabuf_cmsg));
	uint8_t *cbuf = calloc(1, clen ? clen : 1);
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)niov, .msg_control = cbuf,
			    .msg_controllen = clen };
	uint64_t lin_off = 0;
	ssize_t n;

	if (len > sizeof(lin))
		len = sizeof(lin);
	T_ASSERT(niov >= 1 && niov <= 1024);
	/* consecutive slices of lin: linear bytes pack from its start either way */
	for (int i = 0; i < niov; i++) {
		size_t a = len * (size_t)i / (size_t)niov, b = len * (size_t)(i + 1) / (size_t)niov;

		iov[i] = (struct iovec){ lin + a, b - a };
	}
	n = nm_recvmsg(sd, &m, MSG_SOCK_DEVMEM | MSG_DONTWAIT);

	if (n > 0) {
		struct frag fr[512];
		uint64_t seen = 0, p = *pos;
		int nfr = 0;

		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			struct dmabuf_cmsg dc;

			T_EQ(c->cmsg_level, SOL_SOCKET);
			T_EQ(c->cmsg_len, CMSG_LEN(sizeof(dc)));
			memcpy(&dc, CMSG_DATA(c), sizeof(dc));
			r->ncmsg++;
			if (c->cmsg_type == SCM_DEVMEM_LINEAR) {
				T_ASSERT(t_pat_ok(lin + lin_off, dc.frag_size, p));
				lin_off += dc.frag_size;
				r->lin_bytes += dc.frag_size;
			} else {
				T_EQ(c->cmsg_type, SCM_DEVMEM_DMABUF);
				T_EQ(dc.dmabuf_id, d->id);
				T_EQ(dc.flags, 0);
				T_ASSERT(dc.frag_token != 0);
				T_ASSERT(dc.frag_offset + dc.frag_size <= d->size);
				T_ASSERT(r->ntok < 512 && nfr < 512);
				fr[nfr++] = (struct frag){ dc.frag_offset, p, dc.frag_size };
				r->off[r->ntok] = dc.frag_offset;
				r->pos[r->ntok] = p;
				r->len[r->ntok] = dc.frag_size;
				r->tokens[r->ntok++] = dc.frag_token;
				r->dev_bytes += dc.frag_size;
			}
			p += dc.frag_size;
			seen += dc.frag_size;
		}
		check_frags(d, fr, nfr);
		if (seen == 0) {
			/* readable data: copied, no cmsg */
			T_ASSERT(t_pat_ok(lin, (uint64_t)n, p));
			p += (uint64_t)n;
			r->lin_bytes += (uint64_t)n;
		} else {
			T_EQ(seen, (uint64_t)n);
		}
		*pos = p;
	}
	free(cbuf);
	return n;
}

void t_dm_keep(struct t_dm_rx *dst, struct t_dm_rx *src)
{
	for (int i = 0; i < src->ntok; i++) {
		T_ASSERT(dst->ntok < 512);
		dst->tokens[dst->ntok] = src->tokens[i];
		dst->off[dst->ntok] = src->off[i];
		dst->pos[dst->ntok] = src->pos[i];
		dst->len[dst->ntok++] = src->len[i];
	}
	src->ntok = 0;
}

void t_dm_return(int sd, struct t_dm_rx *r)
{
	for (int i = 0; i < r->ntok; i += 128) {
		struct dmabuf_token tk[128];
		int k = r->ntok - i < 128 ? r->ntok - i : 128;

		for (int j = 0; j < k; j++)
			tk[j] = (struct dmabuf_token){ r->tokens[i + j], 1 };
		T_EQ(nm_setsockopt(sd, SOL_SOCKET, SO_DEVMEM_DONTNEED, tk,
				   (socklen_t)(k * sizeof(tk[0]))), k);
	}
	r->ntok = 0;
}

ssize_t t_dm_send(int sd, uint64_t *pos, size_t n)
{
	ssize_t r;

	if (n > T_PAT_RUN)
		n = T_PAT_RUN;
	r = nm_send(sd, t_pat(*pos), n, MSG_DONTWAIT);
	if (r > 0)
		*pos += (uint64_t)r;
	return r;
}

ssize_t t_dm_rx_take(int sd, int flags)
{
	static uint8_t lin[256u << 10];	/* linear (non-devmem) bytes per call */
	uint8_t cbuf[CMSG_SPACE(sizeof(struct dmabuf_cmsg)) * 256];
	struct iovec iov = { lin, sizeof(lin) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct dmabuf_token tk[128];
	int ntk = 0, r;
	ssize_t n = nm_recvmsg(sd, &m, MSG_SOCK_DEVMEM | flags);

	if (n <= 0)
		return n;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		struct dmabuf_cmsg dc;

		if (c->cmsg_type != SCM_DEVMEM_DMABUF)
			continue;
		memcpy(&dc, CMSG_DATA(c), sizeof(dc));
		if (ntk && tk[ntk - 1].token_start + tk[ntk - 1].token_count == dc.frag_token) {
			tk[ntk - 1].token_count++;
			continue;
		}
		if (ntk == 128) {
			r = nm_setsockopt(sd, SOL_SOCKET, SO_DEVMEM_DONTNEED, tk, sizeof(tk));
			if (r < 0)
				return r;
			ntk = 0;
		}
		tk[ntk++] = (struct dmabuf_token){ dc.frag_token, 1 };
	}
	if (ntk) {
		r = nm_setsockopt(sd, SOL_SOCKET, SO_DEVMEM_DONTNEED, tk,
				  (socklen_t)(ntk * sizeof(tk[0])));
		if (r < 0)
			return r;
	}
	return n;
}

int64_t t_dm_rx_drain(int sd)
{
	int64_t got = 0;

	for (;;) {
		ssize_t n = t_dm_rx_take(sd, 0);

		if (n <= 0)
			return n ? n : got;
		got += n;
	}
}

void t_progress_start(struct t_progress *p)
{
	p->t0 = p->moved = t_now_us();
	p->last = 0;
}

void t_progress_check(struct t_progress *p, uint64_t pos, uint64_t total, unsigned limit_s)
{
	uint64_t now = t_now_us();

	if (pos != p->last) {
		p->last = pos;
		p->moved = now;
	} else if (now - p->moved > 10000000u) {
		T_FAIL("no byte in 10 s at %llu of %llu", (unsigned long long)pos,
		       (unsigned long long)total);
	}
	if (now - p->t0 > (uint64_t)limit_s * 1000000u)
		T_FAIL("%llu of %llu bytes after %u s", (unsigned long long)pos,
		       (unsigned long long)total, limit_s);
}
