/* SPDX-License-Identifier: MIT */
/*
 * A full devmem session over the shm wire: the sender transmits from a
 * dma-buf bound for TX (SCM_DEVMEM_DMABUF + MSG_ZEROCOPY, completions read
 * from the error queue), the receiver takes the payload as dma-buf frags
 * (MSG_SOCK_DEVMEM), checks every byte through the exporter's CPU window
 * and returns the tokens.  1 GiB byte-exact (NM_DEVMEM_SESSION_MB
 * overrides); at the end every buffer is back (each pool of both NICs
 * holds only what is posted to its ring, the unbind finds every net_iov
 * of the binding free), and a stall fails after 10 s without a byte.
 * The TX dma-buf holds the pattern periodically (its size is a multiple
 * of 251), so stream position p is at offset p % size.
 *
 * Both dma-bufs are memfd-backed udmabufs, whose memory the CPU reaches
 * only inside begin/end windows: a stack that read payload (RX or TX)
 * outside one would fault, so this is also the stray-read test across a
 * whole transfer.
 */
#include <time.h>
#include <linux/errqueue.h>

#include "t_devmem.h"

#define TXBUF_BYTES (251u * (256u << 10))

struct tx_side {
	int memfd;
	struct nm_dmabuf *buf;
	struct nm_ctl *ctl;
	uint32_t id;
	uint32_t next_zc;		/* id of the next zerocopy send */
	uint32_t completed;		/* ids below are complete */
};

static void tx_setup(struct tx_side *t, struct nm_netdev *nd)
{
	uint8_t *w;

	t->memfd = memfd_create("t_devmem_tx", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	T_ASSERT(t->memfd >= 0);
	T_ASSERT(ftruncate(t->memfd, TXBUF_BYTES) == 0);
	T_ASSERT(fcntl(t->memfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	T_OK(nm_udmabuf_create(t->memfd, 0, TXBUF_BYTES, 0, &t->buf));
	T_OK(nm_dmabuf_begin_cpu_access(t->buf, 0, TXBUF_BYTES, NM_DMA_TO_DEVICE, (void **)&w));
	for (uint64_t i = 0; i < TXBUF_BYTES; i += T_PAT_RUN)
		memcpy(w + i, t_pat(i), TXBUF_BYTES - i < T_PAT_RUN ? TXBUF_BYTES - i
									    : T_PAT_RUN);
	T_OK(nm_dmabuf_end_cpu_access(t->buf, 0, TXBUF_BYTES, NM_DMA_TO_DEVICE));
	T_OK(nm_ctl_open(&t->ctl));
	T_OK(nm_ctl_bind_tx(t->ctl, nm_netdev_ifindex(nd), t->buf, &t->id));
}

/* One devmem send of up to n bytes from stream position *pos. */
static ssize_t tx_send(struct tx_side *t, int sd, uint64_t *pos, uint64_t n)
{
	uint64_t off = *pos % TXBUF_BYTES;
	uint8_t cbuf[CMSG_SPACE(sizeof(uint32_t))];
	struct iovec iov = { (void *)(uintptr_t)off, 0 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	ssize_t r;

	if (n > TXBUF_BYTES - off)
		n = TXBUF_BYTES - off;
	if (n > (1u << 20))
		n = 1u << 20;
	iov.iov_len = (size_t)n;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_DEVMEM_DMABUF;
	c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	memcpy(CMSG_DATA(c), &t->id, sizeof(t->id));
	r = nm_sendmsg(sd, &m, MSG_ZEROCOPY | MSG_DONTWAIT);
	if (r > 0) {
		*pos += (uint64_t)r;
		t->next_zc++;
	}
	return r;
}

/* Read every completion queued; they come in order and merge. */
static void tx_reap(struct tx_side *t, int sd)
{
	for (;;) {
		uint8_t cbuf[128];
		struct msghdr m = { .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c;
		struct sock_extended_err ee;
		ssize_t r = nm_recvmsg(sd, &m, MSG_ERRQUEUE);

		if (r == -EAGAIN)
			return;
		T_EQ(r, 0);
		c = CMSG_FIRSTHDR(&m);
		T_ASSERT(c);
		T_ASSERT(c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR);
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		T_EQ(ee.ee_origin, SO_EE_ORIGIN_ZEROCOPY);
		T_EQ(ee.ee_errno, 0);
		T_EQ(ee.ee_info, t->completed);	/* in order, no gaps */
		T_ASSERT(ee.ee_data >= ee.ee_info && ee.ee_data < t->next_zc);
		t->completed = ee.ee_data + 1;
	}
}

int main(void)
{
	struct t_net n;
	struct t_dm d;
	struct tx_side t = { 0 };
	struct t_progress pg;
	uint64_t txpos = 0, rxpos = 0, total, t0, dev = 0, mb = 1024;
	const char *env = getenv("NM_DEVMEM_SESSION_MB");
	int one = 1, lsd, csd, ssd;

	if (env)
		mb = strtoull(env, NULL, 10);
	total = mb << 20;
	t_net_up(&n, NULL);
	t_dm_bind(&d, n.ndb, 16u << 20);
	tx_setup(&t, n.nda);
	lsd = t_listen(n.sb, AF_INET, 7004, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7004, &ssd);
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));

	t0 = t_now_us();
	t_progress_start(&pg);
	while (rxpos < total) {
		struct t_dm_rx r = { 0 };
		ssize_t k;

		t_progress_check(&pg, rxpos, total, 240);
		if (txpos < total) {
			k = tx_send(&t, csd, &txpos, total - txpos);
			if (k < 0 && k != -EAGAIN)
				T_FAIL("devmem send: %zd %s", k, nm_last_error());
		}
		t_pump(&n);
		tx_reap(&t, csd);
		k = t_dm_recv(&d, ssd, 1 << 20, 256, &rxpos, &r);
		T_ASSERT(k > 0 || k == -EAGAIN);
		dev += r.dev_bytes;
		t_dm_return(ssd, &r);
	}
	T_EQ(rxpos, total);
	T_EQ(dev, total);
	/* every send completes once acknowledged */
	for (uint64_t end = t_now_us() + 5000000u; t.completed < t.next_zc;) {
		T_ASSERT(t_now_us() < end);
		t_pump(&n);
		tx_reap(&t, csd);
	}
	printf("devmem session over shm: %llu MiB, %.1f MB/s, %u zerocopy sends\n",
	       (unsigned long long)mb, (double)total / (double)(t_now_us() - t0), t.next_zc);
	T_CLOSE_ALL(&n, 20, csd, ssd, lsd);
	/* every buffer both NICs received came back to its pool, and (in
	 * t_dm_unbind) every net_iov of the binding */
	t_rx_idle(n.nda);
	t_rx_idle(n.ndb);
	T_OK(nm_ctl_close(t.ctl));
	nm_dmabuf_put(t.buf);
	close(t.memfd);
	t_dm_unbind(&d);
	t_net_down(&n);
	T_PASS();
}
