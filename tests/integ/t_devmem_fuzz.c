/* SPDX-License-Identifier: MIT */
/*
 * Garbage into every devmem entry point, on live connections (run under
 * ASan in the .asan build):
 *  - control operations (bind-rx, bind-tx, queue-get/dump, dev-get,
 *    page-pool-get/dump/stats-get) with random ifindexes, queue lists,
 *    ids, counts and NULLs;
 *  - setsockopt / getsockopt with random levels, names, lengths and
 *    values, SO_DEVMEM_DONTNEED with random token lists;
 *  - recvmsg with random flags, iov sizes and control buffer sizes while a
 *    stream is arriving in device memory: whatever is reported is checked
 *    byte for byte and its tokens returned;
 *  - sendmsg with random control messages (cmsg_len lies, levels, types,
 *    binding ids) and flags.
 * Every call returns >= 0 or -errno with a message; nothing crashes; after
 * the storm the stream arrived complete and exact, and closing everything
 * leaves the binding's memory all free.
 */
#include "t_devmem.h"

static uint64_t seed = 0x5eedfa11u;

static uint64_t rnd(void)
{
	return t_rand(&seed);
}

/* A call's result: success or -errno with a message. */
static void ok_or_errno(long r, const char *what)
{
	if (r < 0) {
		if (r < -4095)
			T_FAIL("%s returned %ld", what, r);
		if (nm_last_error()[0] == '\0')
			T_FAIL("%s = %ld without a message", what, r);
	}
}

static int rnd_ifindex(int good)
{
	switch (rnd() % 4) {
	case 0: return good;
	case 1: return (int)(rnd() % 8);
	case 2: return -(int)(rnd() % 3);
	default: return (int)rnd();
	}
}

static void fuzz_ctl(struct nm_ctl *c, int ifx, struct nm_dmabuf *buf)
{
	struct nm_queue_id q[8];
	struct nm_queue_info qi[4];
	struct nm_dev_info di;
	struct nm_page_pool_info pi;
	struct nm_page_pool_stats ps;
	uint32_t ids[4], id;
	int n = (int)(rnd() % 9), pifx;

	for (int i = 0; i < 8; i++)
		q[i] = (struct nm_queue_id){ (uint32_t)(rnd() % 4), (uint32_t)(rnd() % 3) };
	nm_clear_error();
	switch (rnd() % 9) {
	case 0: {
		long r = nm_ctl_bind_rx(rnd() % 8 ? c : NULL, rnd_ifindex(ifx),
					rnd() % 8 ? buf : NULL, rnd() % 8 ? q : NULL,
					(size_t)n, rnd() % 8 ? &id : NULL);

		ok_or_errno(r, "bind_rx");
		break;
	}
	case 1:
		ok_or_errno(nm_ctl_bind_tx(rnd() % 8 ? c : NULL, rnd_ifindex(ifx),
					   rnd() % 8 ? buf : NULL, rnd() % 8 ? &id : NULL),
			    "bind_tx");
		break;
	case 2:
		ok_or_errno(nm_ctl_queue_get(c, rnd_ifindex(ifx), (uint32_t)(rnd() % 5),
					     (uint32_t)(rnd() % 4), rnd() % 8 ? qi : NULL),
			    "queue_get");
		break;
	case 3:
		ok_or_errno(nm_ctl_queue_dump(c, rnd_ifindex(ifx), rnd() % 8 ? qi : NULL,
					      rnd() % 6),
			    "queue_dump");
		break;
	case 4:
		ok_or_errno(nm_ctl_dev_get(c, rnd_ifindex(ifx), rnd() % 8 ? &di : NULL),
			    "dev_get");
		break;
	case 5:
		ok_or_errno(nm_ctl_page_pool_get(c, (uint32_t)(rnd() % 16), rnd() % 8 ? &pi : NULL,
						 rnd() % 2 ? &pifx : NULL),
			    "page_pool_get");
		break;
	case 6:
		ok_or_errno(nm_ctl_page_pool_dump(c, rnd() % 8 ? ids : NULL, rnd() % 6),
			    "page_pool_dump");
		break;
	case 7:
		ok_or_errno(nm_ctl_page_pool_stats_get(c, (uint32_t)(rnd() % 16),
						       rnd() % 8 ? &ps : NULL, sizeof(ps)),
			    "page_pool_stats_get");
		break;
	default:
		ok_or_errno(nm_ctl_dev_get(NULL, ifx, &di), "dev_get NULL");
		break;
	}
}

static void fuzz_sockopt(int sd)
{
	static const int levels[] = { SOL_SOCKET, IPPROTO_TCP, IPPROTO_IPV6, IPPROTO_IP, 12345 };
	static const int names[] = { SO_DEVMEM_DONTNEED, SO_DEVMEM_LINEAR, SO_DEVMEM_DMABUF,
				     SO_ZEROCOPY, SO_RCVTIMEO, SO_SNDTIMEO, SO_ERROR, SO_LINGER,
				     TCP_MAXSEG, TCP_CONGESTION, TCP_INFO, 9999 };
	uint8_t val[2048];
	socklen_t len = (socklen_t)(rnd() % 1100);
	int level = levels[rnd() % 5], name = names[rnd() % 12];

	for (size_t i = 0; i < sizeof(val); i += 8) {
		uint64_t x = rnd();

		memcpy(val + i, &x, 8);
	}
	if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO || name == SO_LINGER))
		return;		/* legal values would stall the test, not break it */
	if (level == IPPROTO_TCP && name == TCP_MAXSEG)
		return;
	nm_clear_error();
	if (rnd() % 2) {
		long r = nm_setsockopt(sd, level, name, rnd() % 8 ? val : NULL, len);

		ok_or_errno(r, "setsockopt");
	} else {
		socklen_t gl = len;

		ok_or_errno(nm_getsockopt(sd, level, name, rnd() % 8 ? val : NULL,
					  rnd() % 8 ? &gl : NULL), "getsockopt");
	}
}

/* A recvmsg with random shape; whatever it reports is checked and its
 * tokens go back. */
static void fuzz_recv(struct t_dm *d, int sd, uint64_t *pos)
{
	static const int fl[] = { MSG_SOCK_DEVMEM, MSG_PEEK, MSG_WAITALL, MSG_TRUNC, MSG_ERRQUEUE,
				  MSG_OOB, MSG_ZEROCOPY };
	static uint8_t lin[64 << 10];
	uint8_t cbuf[4096];
	size_t clen = rnd() % 5 == 0 ? rnd() % 40 : rnd() % sizeof(cbuf);
	struct iovec iov = { lin, (size_t)(rnd() % sizeof(lin)) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = clen };
	int flags = MSG_DONTWAIT;
	ssize_t n;
	uint64_t lin_off = 0, seen = 0;

	for (int i = 0; i < 7; i++)
		if (rnd() % 4 == 0)
			flags |= fl[i];
	if (rnd() % 2)
		flags |= MSG_SOCK_DEVMEM;
	if (rnd() % 16 == 0)
		m.msg_control = NULL;
	nm_clear_error();
	n = nm_recvmsg(sd, &m, flags);
	ok_or_errno(n, "recvmsg");
	if (n <= 0 || (flags & MSG_ERRQUEUE))
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		struct dmabuf_cmsg dc;
		struct dmabuf_token tk;

		T_EQ(c->cmsg_level, SOL_SOCKET);
		memcpy(&dc, CMSG_DATA(c), sizeof(dc));
		if (c->cmsg_type == SCM_DEVMEM_LINEAR) {
			T_ASSERT(t_pat_ok(lin + lin_off, dc.frag_size, *pos));
			lin_off += dc.frag_size;
		} else {
			T_EQ(c->cmsg_type, SCM_DEVMEM_DMABUF);
			T_EQ(dc.dmabuf_id, d->id);
			T_ASSERT(t_dm_check(d, dc.frag_offset, dc.frag_size, *pos));
			tk = (struct dmabuf_token){ dc.frag_token, 1 };
			T_EQ(nm_setsockopt(sd, SOL_SOCKET, SO_DEVMEM_DONTNEED, &tk, sizeof(tk)), 1);
		}
		*pos += dc.frag_size;
		seen += dc.frag_size;
	}
	if (!seen) {
		T_ASSERT(t_pat_ok(lin, (uint64_t)n, *pos));
		*pos += (uint64_t)n;
	} else {
		T_EQ(seen, (uint64_t)n);
	}
}

/* A sendmsg with random control messages.  iov_base is an offset into the
 * dma-buf only for a well-formed devmem send (first cmsg SOL_SOCKET /
 * SCM_DEVMEM_DMABUF of CMSG_LEN(4), MSG_ZEROCOPY); otherwise it is a real
 * pointer, since a wild pointer in a copy send is the caller's bug. */
static void fuzz_send(int sd, uint32_t some_id)
{
	static const int types[] = { SCM_DEVMEM_DMABUF, SCM_DEVMEM_LINEAR, SCM_RIGHTS, 7777 };
	static uint8_t host[1 << 20];
	uint8_t cbuf[256];
	struct iovec iov[2];
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 1 + rnd() % 2, .msg_control = cbuf };
	size_t used = 0;
	int flags = MSG_DONTWAIT | (rnd() % 2 ? MSG_ZEROCOPY : 0);
	bool devmem = false;

	memset(cbuf, 0, sizeof(cbuf));
	for (int k = (int)(rnd() % 3); k > 0 && used + CMSG_SPACE(8) <= sizeof(cbuf); k--) {
		struct cmsghdr *c = (struct cmsghdr *)(cbuf + used);
		uint32_t idv = rnd() % 2 ? some_id : (uint32_t)rnd();
		size_t dl = rnd() % 4 == 0 ? rnd() % 9 : 4;

		c->cmsg_level = rnd() % 4 ? SOL_SOCKET : (int)(rnd() % 300);
		c->cmsg_type = types[rnd() % 4];
		c->cmsg_len = rnd() % 8 == 0 ? (size_t)(rnd() % 300) : CMSG_LEN(dl);
		memcpy(CMSG_DATA(c), &idv, 4);
		if (!used)
			devmem = c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_DEVMEM_DMABUF &&
				 c->cmsg_len == CMSG_LEN(4);
		used += CMSG_SPACE(8);
	}
	m.msg_controllen = rnd() % 8 == 0 ? rnd() % 300 : used;
	if (m.msg_controllen > sizeof(cbuf))
		m.msg_controllen = sizeof(cbuf);
	if (m.msg_controllen < used)
		devmem = false;
	if (!m.msg_controllen)
		m.msg_control = NULL;
	devmem = devmem && (flags & MSG_ZEROCOPY);
	for (int i = 0; i < 2; i++) {
		size_t len = (size_t)(rnd() % 70000);

		if (devmem) {
			iov[i].iov_base = (void *)(uintptr_t)(rnd() % 2 ? rnd() % (2u << 20) : rnd());
			iov[i].iov_len = rnd() % 8 ? len : (size_t)rnd();
		} else {
			size_t off = (size_t)(rnd() % (sizeof(host) - 70000));

			iov[i].iov_base = host + off;
			iov[i].iov_len = len;
		}
	}
	nm_clear_error();
	ok_or_errno(nm_sendmsg(sd, &m, flags), "sendmsg");
}

int main(void)
{
	struct t_net n;
	struct t_dm d;
	struct nm_ctl *c;
	struct nm_dmabuf *txbuf;
	uint64_t txpos = 0, rxpos = 0, total = 8ull << 20;
	uint64_t t0;
	uint32_t txid = 0;
	int lsd, csd, ssd, xc, xs, ifx;

	t_net_up(&n, NULL);
	t_dm_bind(&d, n.ndb, 4u << 20);
	T_OK(nm_ctl_open(&c));
	T_OK(nm_dmabuf_create_host(1u << 20, &txbuf));
	if (nm_ctl_bind_tx(c, nm_netdev_ifindex(n.nda), txbuf, &txid) < 0)
		txid = 0;	/* no netmem TX on this netdev: ids stay random */
	ifx = nm_netdev_ifindex(n.ndb);
	lsd = t_listen(n.sb, AF_INET, 7003, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7003, &ssd);
	/* a second connection only for send / sockopt garbage */
	xc = t_connect_pair(&n, lsd, "198.18.0.2", 7003, &xs);

	t0 = t_now_us();
	for (int i = 0; i < 30000 || rxpos < total; i++) {
		T_ASSERT(t_now_us() - t0 < 60000000u);
		if (txpos < total) {
			ssize_t s = t_dm_send(csd, &txpos, total - txpos);

			T_ASSERT(s > 0 || s == -EAGAIN);
		}
		t_pump(&n);
		switch (rnd() % 4) {
		case 0: fuzz_ctl(c, ifx, d.buf); break;
		case 1: fuzz_sockopt(rnd() % 2 ? xs : xc); break;
		case 2: fuzz_send(xc, txid); break;
		default: break;
		}
		fuzz_recv(&d, ssd, &rxpos);
	}
	T_EQ(rxpos, total);

	T_CLOSE_ALL(&n, 20, xc, xs, csd, ssd, lsd);
	t_rx_idle(n.nda);
	t_dm_unbind(&d);	/* and every net_iov of the binding came back */
	T_OK(nm_ctl_close(c));
	nm_dmabuf_put(txbuf);
	t_net_down(&n);
	T_PASS();
}
