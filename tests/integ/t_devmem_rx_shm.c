/* SPDX-License-Identifier: MIT */
/*
 * devmem RX over the shm wire, a netmem copy-path sender into a receiver
 * whose RX queue is bound to a memfd dma-buf:
 *  - unreadable payload read without MSG_SOCK_DEVMEM is -EFAULT and loses
 *    nothing;
 *  - a control buffer too small for one cmsg is -ETOOSMALL and consumes
 *    nothing; one with room for k cmsgs reports at most k frags;
 *  - cmsgs carry the binding id, in-bounds offsets, non-zero tokens; every
 *    device byte checked through the exporter's CPU window matches;
 *  - SO_DEVMEM_DONTNEED refusals (optlen not a multiple of 8, > 128
 *    entries, NULL) and skipping of unknown tokens; the count returned;
 *  - 64 MiB through an 8 MiB dma-buf with tokens returned as data is
 *    checked: byte-exact, payload in device memory;
 *  - at the end every buffer came back: each pool of both NICs holds only
 *    what is posted to its ring, and the unbind finds every net_iov of
 *    the binding free.
 */
#include "t_devmem.h"

static uint64_t rxpos;

int main(void)
{
	struct t_net n;
	struct t_dm d;
	struct t_dm_rx r = { 0 };
	uint64_t txpos = 0, total = 64ull << 20;
	uint8_t small[8];
	int lsd, csd, ssd, ret;

	t_net_up(&n, NULL);
	t_dm_bind(&d, n.ndb, 8u << 20);
	lsd = t_listen(n.sb, AF_INET, 7000, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7000, &ssd);

	/* 64 KiB in flight, then the refusals */
	while (txpos < (64u << 10))
		T_ASSERT(t_dm_send(csd, &txpos, (64u << 10) - txpos) > 0);
	t_pump_for(&n, 50);
	T_ERR(nm_recv(ssd, small, sizeof(small), MSG_DONTWAIT), -EFAULT);
	{
		struct iovec iov = { small, sizeof(small) };
		uint8_t cb[CMSG_LEN(sizeof(struct dmabuf_cmsg)) - 1];
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb,
				    .msg_controllen = sizeof(cb) };

		T_ERR(nm_recvmsg(ssd, &m, MSG_SOCK_DEVMEM | MSG_DONTWAIT), -ETOOSMALL);
		m.msg_controllen = 0;
		T_ERR(nm_recvmsg(ssd, &m, MSG_SOCK_DEVMEM | MSG_DONTWAIT), -ETOOSMALL);
		m.msg_control = NULL;
		m.msg_controllen = 64;
		T_ERR(nm_recvmsg(ssd, &m, MSG_SOCK_DEVMEM | MSG_DONTWAIT), -EFAULT);
		m.msg_control = cb;
		T_ERR(nm_recvmsg(ssd, &m, MSG_SOCK_DEVMEM | MSG_PEEK), -EOPNOTSUPP);
	}
	/* room for exactly 2 cmsgs: at most 2 reported, the rest stays */
	ret = (int)t_dm_recv(&d, ssd, 1 << 20, 2, &rxpos, &r);
	T_ASSERT(ret > 0);
	T_ASSERT(r.ncmsg >= 1 && r.ncmsg <= 2);
	T_ASSERT(r.dev_bytes > 0);
	/* an iov of 100 bytes reports at most 100 */
	ret = (int)t_dm_recv(&d, ssd, 100, 16, &rxpos, &r);
	T_ASSERT(ret > 0 && ret <= 100);

	/* DONTNEED refusals and counts */
	{
		struct dmabuf_token tk[129];

		memset(tk, 0, sizeof(tk));
		T_ERR(nm_setsockopt(ssd, SOL_SOCKET, SO_DEVMEM_DONTNEED, tk, 7), -EINVAL);
		T_ERR(nm_setsockopt(ssd, SOL_SOCKET, SO_DEVMEM_DONTNEED, tk, sizeof(tk)), -EINVAL);
		T_ERR(nm_setsockopt(ssd, SOL_SOCKET, SO_DEVMEM_DONTNEED, NULL, 8), -EFAULT);
		tk[0] = (struct dmabuf_token){ 1u << 30, 4 };
		T_EQ(nm_setsockopt(ssd, SOL_SOCKET, SO_DEVMEM_DONTNEED, tk, 8), 0);
		T_ASSERT(r.ntok >= 2);
		tk[0] = (struct dmabuf_token){ r.tokens[0], 1 };
		tk[1] = (struct dmabuf_token){ r.tokens[0], 1 };	/* twice: skipped */
		T_EQ(nm_setsockopt(ssd, SOL_SOCKET, SO_DEVMEM_DONTNEED, tk, 16), 1);
		r.tokens[0] = r.tokens[--r.ntok];	/* returned */
		t_dm_return(ssd, &r);
	}

	/* the bulk, tokens returned as data is checked */
	uint64_t t0 = t_now_us(), dev = 0, lin = 0;

	while (rxpos < total) {
		T_ASSERT(t_now_us() - t0 < 60000000u);
		if (txpos < total) {
			ssize_t s = t_dm_send(csd, &txpos, total - txpos);

			T_ASSERT(s > 0 || s == -EAGAIN);
		}
		t_pump(&n);
		memset(&r, 0, sizeof(r));
		ssize_t k = t_dm_recv(&d, ssd, 1 << 20, 128, &rxpos, &r);

		T_ASSERT(k > 0 || k == -EAGAIN);
		dev += r.dev_bytes;
		lin += r.lin_bytes;
		t_dm_return(ssd, &r);
	}
	T_EQ(rxpos, total);
	T_ASSERT(dev > total / 2);
	printf("devmem rx: %llu device bytes, %llu linear\n", (unsigned long long)dev,
	       (unsigned long long)lin);

	T_CLOSE_ALL(&n, 20, csd, ssd, lsd);
	/* every buffer both NICs received came back to its pool, and (in
	 * t_dm_unbind) every net_iov of the binding */
	t_rx_idle(n.nda);
	t_rx_idle(n.ndb);
	t_dm_unbind(&d);
	t_net_down(&n);
	T_PASS();
}
