/* SPDX-License-Identifier: MIT */
/*
 * A full devmem receive from the Linux kernel's TCP over TAP (offloads on)
 * in a private network namespace: a kernel client sends 1 GiB to a netmem
 * server whose RX queue is bound to a 64 MiB memfd dma-buf.  The server
 * reads with blocking recvmsg(MSG_SOCK_DEVMEM), checks every device byte
 * through the exporter's CPU window, and returns tokens as it goes.  Every
 * byte must come as a device frag (header split with hds-thresh 0), and at
 * the end all of the binding's memory is free again.  NM_DEVMEM_TAP_MB
 * overrides the size.  Root only (77 otherwise).
 */
#include "t_devmem.h"
#include "t_kernel.h"

int main(void)
{
	struct t_ksend ks = { .chunk = T_PAT_RUN };	/* the kernel client: the pattern */
	struct t_tap_net t;
	struct nm_dmabuf_binding *b;
	struct t_dm d;
	struct timeval tv = { 30, 0 };
	uint64_t pos = 0, dev = 0, t0, mb = 1024, total;
	const char *env = getenv("NM_DEVMEM_TAP_MB");
	bool tx;
	int r = t_tap_net_create(&t, &(struct t_tap_params){ .offloads = true }), lsd, sd, ifx;

	if (r)
		return r;
	if (env)
		mb = strtoull(env, NULL, 10);
	total = mb << 20;
	t_dm_bind(&d, t.nd, 64u << 20);
	b = nm_ctl_binding_get(d.id, &tx, &ifx);
	T_ASSERT(b);

	lsd = (int)T_OK(nm_socket(t.st, AF_INET, SOCK_STREAM, 0));
	{
		struct sockaddr_in a = t_sin("0.0.0.0", 5100);

		T_OK(nm_bind(lsd, (struct sockaddr *)&a, sizeof(a)));
	}
	T_OK(nm_listen(lsd, 8));
	T_OK(nm_setsockopt(lsd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t_ksend_to4(&ks, "198.18.0.2", 5100);
	ks.total = total;
	t_ksend_start(&ks);
	sd = (int)T_OK(nm_accept(lsd, NULL, NULL));
	T_OK(nm_setsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = t_now_us();
	for (;;) {
		static uint8_t lin[1 << 20];
		uint8_t cbuf[CMSG_SPACE(sizeof(struct dmabuf_cmsg)) * 128];
		struct iovec iov = { lin, sizeof(lin) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct dmabuf_token tk[128];
		int ntk = 0;
		ssize_t n = nm_recvmsg(sd, &m, MSG_SOCK_DEVMEM);

		if (n == 0)
			break;
		if (n < 0)
			T_FAIL("recvmsg after %llu bytes: %zd %s", (unsigned long long)pos, n,
			       nm_last_error());
		/* one CPU window over the call's frags (each window costs a
		 * protection change and a TLB shootdown) */
		uint64_t lo = UINT64_MAX, hi = 0;
		uint8_t *win = NULL;

		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			struct dmabuf_cmsg dc;

			memcpy(&dc, CMSG_DATA(c), sizeof(dc));
			if (c->cmsg_type != SCM_DEVMEM_DMABUF)
				T_FAIL("cmsg type %d at %llu: payload not in device memory",
				       c->cmsg_type, (unsigned long long)pos);
			T_EQ(dc.dmabuf_id, d.id);
			T_ASSERT(dc.frag_offset + dc.frag_size <= d.size);
			lo = dc.frag_offset < lo ? dc.frag_offset : lo;
			hi = dc.frag_offset + dc.frag_size > hi ? dc.frag_offset + dc.frag_size : hi;
		}
		T_ASSERT(hi > lo);
		T_OK(nm_dmabuf_begin_cpu_access(d.buf, lo, hi - lo, NM_DMA_FROM_DEVICE, (void **)&win));
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			struct dmabuf_cmsg dc;
			const uint8_t *p;

			memcpy(&dc, CMSG_DATA(c), sizeof(dc));
			p = win + (dc.frag_offset - lo);
			if (!t_pat_ok(p, dc.frag_size, pos))
				T_FAIL("device bytes wrong at %llu", (unsigned long long)pos);
			pos += dc.frag_size;
			dev += dc.frag_size;
			tk[ntk++] = (struct dmabuf_token){ dc.frag_token, 1 };
		}
		T_OK(nm_dmabuf_end_cpu_access(d.buf, lo, hi - lo, NM_DMA_FROM_DEVICE));
		T_EQ(dev, pos);
		T_EQ(nm_setsockopt(sd, SOL_SOCKET, SO_DEVMEM_DONTNEED, tk,
				   (socklen_t)(ntk * sizeof(tk[0]))), ntk);
	}
	printf("kernel -> netmem devmem over TAP: %llu MiB, %.1f MB/s\n", (unsigned long long)mb,
	       (double)pos / (double)(t_now_us() - t0));
	{
		struct nm_queue_stats qs;

		T_OK(nm_netdev_get_stats(t.nd, &qs, sizeof(qs)));
		printf("rx packets %llu, no-buffer drops %llu, queue-full drops %llu\n",
		       (unsigned long long)qs.packets,
		       (unsigned long long)qs.drops[NM_RX_DROP_NO_BUFFER],
		       (unsigned long long)qs.drops[NM_RX_DROP_QUEUE_FULL]);
	}
	T_EQ(t_ksend_join(&ks), 0);
	T_EQ(pos, total);
	T_OK(nm_close(sd));
	T_OK(nm_close(lsd));
	t_dm_unbind(&d);
	T_EQ(nm_dmabuf_binding_avail(b), nm_dmabuf_binding_num_niovs(b));
	nm_dmabuf_binding_put(b);
	t_tap_net_down(&t);
	T_PASS();
}
