/* SPDX-License-Identifier: MIT */
#ifndef NM_BENCH_TAP_H
#define NM_BENCH_TAP_H

/*
 * A devmem receiver for the benches (bench_devmem_rx, bench_tcp): a
 * memfd-backed udmabuf bound to a netdev's RX queue 0 with header split
 * on, and a receive loop that takes payload as dma-buf frags
 * (nm_recvmsg(MSG_SOCK_DEVMEM), SCM_DEVMEM_* cmsgs) and hands the tokens
 * back with SO_DEVMEM_DONTNEED after each call.  The loop never touches
 * the payload: a devmem application gives the offsets to the device that
 * owns the memory.
 *
 * Every function returns 0 (or a byte count) or -errno with nm_last_error()
 * set; the bench dies on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netmem/ctl.h>
#include <netmem/devmem.h>
#include <netmem/dmabuf.h>
#include <netmem/netdev.h>
#include <netmem/socket.h>

#define NM_BENCH_DMB_BYTES	(64u << 20)
#define NM_BENCH_DMB_LIN	(256u << 10)	/* linear (non-devmem) bytes per call */

struct nm_bench_dmb {
	int memfd;
	struct nm_dmabuf *buf;
	struct nm_ctl *ctl;
	uint32_t id;
};

static inline int nm_bench_dmb_create(struct nm_bench_dmb *d)
{
	int r;

	d->buf = NULL;
	d->ctl = NULL;
	d->memfd = memfd_create("nm_bench_dmb", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (d->memfd < 0 || ftruncate(d->memfd, NM_BENCH_DMB_BYTES) ||
	    fcntl(d->memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		return -errno;
	r = nm_udmabuf_create(d->memfd, 0, NM_BENCH_DMB_BYTES, 0, &d->buf);
	if (r < 0)
		return r;
	return nm_ctl_open(&d->ctl);
}

/* Header split on (everything past the headers is payload) and the
 * dma-buf bound to RX queue 0 of nd. */
static inline int nm_bench_dmb_bind(struct nm_bench_dmb *d, struct nm_netdev *nd)
{
	struct nm_ringparam rp;
	struct nm_queue_id q0 = { 0, NETDEV_QUEUE_TYPE_RX };
	int r = nm_netdev_get_ringparam(nd, &rp);

	if (r < 0)
		return r;
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;
	rp.hds_thresh = 0;
	r = nm_netdev_set_ringparam(nd, &rp);
	if (r < 0)
		return r;
	return nm_ctl_bind_rx(d->ctl, nm_netdev_ifindex(nd), d->buf, &q0, 1, &d->id);
}

static inline void nm_bench_dmb_destroy(struct nm_bench_dmb *d)
{
	if (d->ctl)
		nm_ctl_close(d->ctl);
	if (d->buf)
		nm_dmabuf_put(d->buf);
	if (d->memfd >= 0)
		close(d->memfd);
}

/* Receive on sd until EOF as frags, returning tokens after each call;
 * the bytes received, or -errno. */
static inline int64_t nm_bench_rx_devmem(int sd)
{
	static uint8_t lin[NM_BENCH_DMB_LIN];
	uint8_t cbuf[CMSG_SPACE(sizeof(struct dmabuf_cmsg)) * 256];
	int64_t got = 0;
	int r;

	for (;;) {
		struct iovec iov = { lin, sizeof(lin) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct dmabuf_token tk[128];
		int ntk = 0;
		ssize_t n = nm_recvmsg(sd, &m, MSG_SOCK_DEVMEM);

		if (n == 0)
			return got;
		if (n < 0)
			return n;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			struct dmabuf_cmsg dc;

			if (c->cmsg_type != SCM_DEVMEM_DMABUF)
				continue;
			memcpy(&dc, CMSG_DATA(c), sizeof(dc));
			if (ntk && tk[ntk - 1].token_start + tk[ntk - 1].token_count ==
					   dc.frag_token) {
				tk[ntk - 1].token_count++;
				continue;
			}
			if (ntk == 128) {
				r = nm_setsockopt(sd, SOL_SOCKET, SO_DEVMEM_DONTNEED, tk,
						  sizeof(tk));
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
		got += n;
	}
}

#endif
