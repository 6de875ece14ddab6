/* SPDX-License-Identifier: MIT */
#ifndef NM_T_DEVMEM_UTIL_H
#define NM_T_DEVMEM_UTIL_H

/*
 * devmem RX test helpers on top of tcp_util.h: bind a memfd dma-buf
 * (udmabuf exporter) to stack B's RX queue 0, receive with
 * MSG_SOCK_DEVMEM, validate every device frag through the exporter's
 * CPU-access window and give tokens back.
 *
 * The stream pattern: byte i is (i % 251).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcp_util.h"
#include "ctl/ctl_internal.h"
#include "rx_idle.h"
#include "pool/dmabuf_binding.h"
#include <netmem/ctl.h>
#include <netmem/devmem.h>
#include <netmem/dmabuf.h>

#define T_DM_PAT(i) ((uint8_t)((i) % 251))

/* The pattern from any position: t_dm_pat(pos) points at T_DM_PAT(pos) and
 * the T_DM_PAT_RUN bytes after it (a table, not a division per byte). */
#define T_DM_PAT_RUN (256u << 10)
static inline const uint8_t *t_dm_pat(uint64_t pos)
{
	static uint8_t tab[T_DM_PAT_RUN + 251];

	if (!tab[1])
		for (size_t i = 0; i < sizeof(tab); i++)
			tab[i] = T_DM_PAT(i);
	return tab + pos % 251;
}

/* Does p[0..n) hold the pattern from pos? */
static inline bool t_dm_pat_ok(const uint8_t *p, uint64_t n, uint64_t pos)
{
	while (n) {
		uint64_t k = n < T_DM_PAT_RUN ? n : T_DM_PAT_RUN;

		if (memcmp(p, t_dm_pat(pos), k))
			return false;
		p += k;
		pos += k;
		n -= k;
	}
	return true;
}

struct t_dm {
	struct nm_netdev *nd;
	int memfd;
	struct nm_dmabuf *buf;
	struct nm_ctl *ctl;
	uint32_t id;
	uint64_t size;
};

/* Header split on nd, a memfd dma-buf of size bytes bound to RX queue 0. */
static inline void t_dm_bind(struct t_dm *d, struct nm_netdev *nd, uint64_t size)
{
	struct nm_ringparam rp;
	struct nm_queue_id q0 = { 0, NETDEV_QUEUE_TYPE_RX };

	memset(d, 0, sizeof(*d));
	d->nd = nd;
	d->size = size;
	T_OK(nm_netdev_get_ringparam(nd, &rp));
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;
	rp.hds_thresh = 0;
	T_OK(nm_netdev_set_ringparam(nd, &rp));
	d->memfd = memfd_create("t_devmem", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	T_ASSERT(d->memfd >= 0);
	T_ASSERT(ftruncate(d->memfd, (off_t)size) == 0);
	T_ASSERT(fcntl(d->memfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	T_OK(nm_udmabuf_create(d->memfd, 0, size, 0, &d->buf));
	T_OK(nm_ctl_open(&d->ctl));
	T_OK(nm_ctl_bind_rx(d->ctl, nm_netdev_ifindex(nd), d->buf, &q0, 1, &d->id));
}

/*
 * Unbind (close the control handle) and check that every net_iov of the
 * binding came back: the bound queue restarted on host pages, its old
 * pool gave back what it held and was freed, so the binding's allocator
 * has all of its net_iovs free again.  A token whose return never gave
 * its buffer back (or a socket that kept one) leaves the count short.
 * Call once the sockets are closed and the stacks have run.
 */
static inline void t_dm_unbind(struct t_dm *d)
{
	if (d->ctl) {
		bool tx;
		int ifx;
		struct nm_dmabuf_binding *b = nm_ctl_binding_get(d->id, &tx, &ifx);

		T_ASSERT(b);
		t_rx_idle(d->nd);
		T_OK(nm_ctl_close(d->ctl));
		if (nm_dmabuf_binding_avail(b) != nm_dmabuf_binding_num_niovs(b))
			T_FAIL("unbound: %llu of the binding's %llu net_iovs never came back",
			       (unsigned long long)(nm_dmabuf_binding_num_niovs(b) -
						    nm_dmabuf_binding_avail(b)),
			       (unsigned long long)nm_dmabuf_binding_num_niovs(b));
		nm_dmabuf_binding_put(b);
		t_rx_idle(d->nd);
	}
	d->ctl = NULL;
	if (d->buf)
		nm_dmabuf_put(d->buf);
	d->buf = NULL;
	if (d->memfd >= 0)
		close(d->memfd);
	d->memfd = -1;
}

/* Check n device bytes at dma-buf offset off against the pattern at
 * stream position pos, through a CPU-access window. */
static inline bool t_dm_check(struct t_dm *d, uint64_t off, uint32_t n, uint64_t pos)
{
	uint8_t *p;
	bool ok = true;

	T_OK(nm_dmabuf_begin_cpu_access(d->buf, off, n, NM_DMA_FROM_DEVICE, (void **)&p));
	ok = t_dm_pat_ok(p, n, pos);
	T_OK(nm_dmabuf_end_cpu_access(d->buf, off, n, NM_DMA_FROM_DEVICE));
	return ok;
}

/* What one devmem recvmsg reported. */
struct t_dm_rx {
	uint32_t tokens[512];
	uint64_t off[512], pos[512];	/* each token's dma-buf offset, stream position */
	uint32_t len[512];
	int ntok;
	uint64_t dev_bytes, lin_bytes;
	int ncmsg;
};

/*
 * One recvmsg(MSG_SOCK_DEVMEM | MSG_DONTWAIT) of up to len bytes with a
 * control buffer for ctl_n cmsgs; validates every byte against the pattern
 * from *pos (advanced), appends tokens to r.  Returns recvmsg's result.
 * Fails the test on a wrong byte, a bad cmsg or a foreign dmabuf_id.
 */
static inline ssize_t t_dm_recv(struct t_dm *d, int sd, size_t len, int ctl_n, uint64_t *pos,
				struct t_dm_rx *r)
{
	static uint8_t lin[1 << 20];
	struct iovec iov = { lin, len < sizeof(lin) ? len : sizeof(lin) };
	size_t clen = (size_t)ctl_n * CMSG_SPACE(sizeof(struct dmabuf_cmsg));
	uint8_t *cbuf = calloc(1, clen ? clen : 1);
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = clen };
	uint64_t lin_off = 0;
	ssize_t n = nm_recvmsg(sd, &m, MSG_SOCK_DEVMEM | MSG_DONTWAIT);

	if (n > 0) {
		struct { uint64_t off, pos; uint32_t len; } fr[512];
		uint64_t seen = 0, p = *pos;
		int nfr = 0;

		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			struct dmabuf_cmsg dc;

			T_EQ(c->cmsg_level, SOL_SOCKET);
			T_EQ(c->cmsg_len, CMSG_LEN(sizeof(dc)));
			memcpy(&dc, CMSG_DATA(c), sizeof(dc));
			r->ncmsg++;
			if (c->cmsg_type == SCM_DEVMEM_LINEAR) {
				T_ASSERT(t_dm_pat_ok(lin + lin_off, dc.frag_size, p));
				lin_off += dc.frag_size;
				r->lin_bytes += dc.frag_size;
			} else {
				T_EQ(c->cmsg_type, SCM_DEVMEM_DMABUF);
				T_EQ(dc.dmabuf_id, d->id);
				T_EQ(dc.flags, 0);
				T_ASSERT(dc.frag_token != 0);
				T_ASSERT(dc.frag_offset + dc.frag_size <= d->size);
				T_ASSERT(r->ntok < 512 && nfr < 512);
				fr[nfr].off = dc.frag_offset;
				fr[nfr].pos = p;
				fr[nfr++].len = dc.frag_size;
				r->off[r->ntok] = dc.frag_offset;
				r->pos[r->ntok] = p;
				r->len[r->ntok] = dc.frag_size;
				r->tokens[r->ntok++] = dc.frag_token;
				r->dev_bytes += dc.frag_size;
			}
			p += dc.frag_size;
			seen += dc.frag_size;
		}
		/* one CPU window per run of frags that follow each other in the
		 * dma-buf with small gaps (payload alignment): a window per frag
		 * would cost two protection changes each */
		for (int i = 0, j; i < nfr; i = j) {
			uint64_t end = fr[i].off + fr[i].len;
			uint8_t *win;

			for (j = i + 1; j < nfr && fr[j].off >= end && fr[j].off - end <= 4096; j++)
				end = fr[j].off + fr[j].len;
			T_OK(nm_dmabuf_begin_cpu_access(d->buf, fr[i].off, end - fr[i].off,
							NM_DMA_FROM_DEVICE, (void **)&win));
			for (int k = i; k < j; k++)
				if (!t_dm_pat_ok(win + (fr[k].off - fr[i].off), fr[k].len, fr[k].pos))
					T_FAIL("device bytes at stream %llu (dma-buf %llu) wrong",
					       (unsigned long long)fr[k].pos,
					       (unsigned long long)fr[k].off);
			T_OK(nm_dmabuf_end_cpu_access(d->buf, fr[i].off, end - fr[i].off,
						      NM_DMA_FROM_DEVICE));
		}
		if (seen == 0) {
			/* readable data: copied, no cmsg */
			T_ASSERT(t_dm_pat_ok(lin, (uint64_t)n, p));
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

/* Move src's tokens to the end of dst. */
static inline void t_dm_keep(struct t_dm_rx *dst, struct t_dm_rx *src)
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

/* Give back every token in r (batches of 128 runs of 1). */
static inline void t_dm_return(int sd, struct t_dm_rx *r)
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

/* A stream's progress: t_progress_check() fails the test when no byte came
 * for 10 s (a stall, such as a pool run dry of buffers nobody gave back:
 * said where it stopped, not left to ctest's timeout) or the whole stream
 * took longer than limit_s. */
struct t_progress {
	uint64_t t0, moved, last;
};

static inline void t_progress_start(struct t_progress *p)
{
	p->t0 = p->moved = t_now_us();
	p->last = 0;
}

static inline void t_progress_check(struct t_progress *p, uint64_t pos, uint64_t total,
				    unsigned limit_s)
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

/* Pattern-filled send of up to n bytes from stream position *pos. */
static inline ssize_t t_dm_send(int sd, uint64_t *pos, size_t n)
{
	if (n > T_DM_PAT_RUN)
		n = T_DM_PAT_RUN;
	ssize_t r = nm_send(sd, t_dm_pat(*pos), n, MSG_DONTWAIT);

	if (r > 0)
		*pos += (uint64_t)r;
	return r;
}

#endif
