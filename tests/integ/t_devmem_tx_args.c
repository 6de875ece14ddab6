/* SPDX-License-Identifier: MIT */
/*
 * devmem TX refusals, each with its errno and a message, and nothing queued
 * by a refused call: SO_ZEROCOPY or MSG_ZEROCOPY missing, malformed or
 * unknown control messages (other levels are skipped, as by Linux TCP),
 * unknown binding ids, a bind-rx binding, a binding on another netdev,
 * ranges outside the dma-buf (one bad iovec refuses the whole call),
 * iov_len overflow, too many iovecs, a netdev with TX checksum offload or
 * netmem TX off, an unconnected socket, unsupported flags; an empty send
 * takes no completion id; MSG_ERRQUEUE on an empty queue and with bad
 * flags.
 */
#include "t_devmem.h"

/* sendmsg with one control message built as told. */
static ssize_t raw_send(int sd, int level, int type, size_t cmsg_len, uint32_t id, uint64_t off,
			size_t len, int flags)
{
	union {
		uint8_t b[64];
		struct cmsghdr a;
	} u;
	struct iovec iov = { (void *)(uintptr_t)off, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = CMSG_SPACE(8) };
	struct cmsghdr *c = (struct cmsghdr *)u.b;

	memset(&u, 0, sizeof(u));
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = cmsg_len;
	memcpy(CMSG_DATA(c), &id, sizeof(id));
	return nm_sendmsg(sd, &m, flags);
}

static void bind_rx(struct nm_netdev *nd, struct nm_ctl *ctl, struct nm_dmabuf **buf,
		    uint32_t *id)
{
	struct nm_ringparam rp;
	struct nm_queue_id q0 = { 0, NETDEV_QUEUE_TYPE_RX };

	T_OK(nm_netdev_get_ringparam(nd, &rp));
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;
	rp.hds_thresh = 0;
	T_OK(nm_netdev_set_ringparam(nd, &rp));
	T_OK(nm_dmabuf_create_host(1 << 20, buf));
	T_OK(nm_ctl_bind_rx(ctl, nm_netdev_ifindex(nd), *buf, &q0, 1, id));
}

int main(void)
{
	struct t_net n;
	struct t_dtx d, db;
	struct nm_tcp_sock *tp;
	struct nm_dmabuf *rxbuf;
	struct t_note note;
	uint32_t rx_id, ws;
	uint64_t got = 0;
	int lsd, csd, ssd, one = 1, fresh;
	const size_t L = CMSG_LEN(sizeof(uint32_t));

	t_net_up(&n, NULL);
	t_dtx_bind(&d, n.nda, 1 << 20);
	t_dtx_bind(&db, n.ndb, 1 << 20);	/* bound on the other netdev */
	lsd = t_listen(n.sb, AF_INET, 7100, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7100, &ssd);
	tp = t_tcb(n.sa, csd);
	T_ASSERT(tp);
	ws = tp->write_seq;

	/* SO_ZEROCOPY is off */
	T_ERR(raw_send(csd, SOL_SOCKET, SCM_DEVMEM_DMABUF, L, d.id, 4096, 100, MSG_ZEROCOPY),
	      -EINVAL);
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	/* MSG_ZEROCOPY missing */
	T_ERR(raw_send(csd, SOL_SOCKET, SCM_DEVMEM_DMABUF, L, d.id, 4096, 100, 0), -EINVAL);
	/* malformed control messages */
	T_ERR(raw_send(csd, SOL_SOCKET, SCM_DEVMEM_DMABUF, CMSG_LEN(8), d.id, 4096, 100,
		       MSG_ZEROCOPY), -EINVAL);
	T_ERR(raw_send(csd, SOL_SOCKET, SCM_DEVMEM_DMABUF, CMSG_LEN(2), d.id, 4096, 100,
		       MSG_ZEROCOPY), -EINVAL);
	T_ERR(raw_send(csd, SOL_SOCKET, SCM_DEVMEM_DMABUF, sizeof(struct cmsghdr) - 1, d.id, 4096,
		       100, MSG_ZEROCOPY), -EINVAL);
	T_ERR(raw_send(csd, SOL_SOCKET, SCM_DEVMEM_DMABUF, 200, d.id, 4096, 100, MSG_ZEROCOPY),
	      -EINVAL);
	T_ERR(raw_send(csd, SOL_SOCKET, SCM_RIGHTS, L, d.id, 4096, 100, MSG_ZEROCOPY), -EINVAL);
	T_ERR(raw_send(csd, SOL_SOCKET, SO_DEVMEM_LINEAR, L, d.id, 4096, 100, MSG_ZEROCOPY),
	      -EINVAL);
	{
		struct iovec iov = { (void *)(uintptr_t)4096, 100 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = NULL,
				    .msg_controllen = 32 };

		T_ERR(nm_sendmsg(csd, &m, MSG_ZEROCOPY), -EFAULT);
	}
	/* unknown ids, a bind-rx binding, a binding on another netdev */
	T_ERR(t_dtx_send(csd, 0x7fffffff, 4096, 100, 0), -EINVAL);
	T_ERR(t_dtx_send(csd, 0, 4096, 100, 0), -EINVAL);
	T_ERR(t_dtx_send(csd, db.id, 4096, 100, 0), -ENODEV);
	/* ranges outside the dma-buf */
	T_ERR(t_dtx_send(csd, d.id, d.size - 50, 100, 0), -EFAULT);
	T_ERR(t_dtx_send(csd, d.id, d.size, 1, 0), -EFAULT);
	T_ERR(t_dtx_send(csd, d.id, UINT64_MAX - 5, 10, 0), -EFAULT);
	T_ERR(t_dtx_send(csd, d.id, 4096, d.size, 0), -EFAULT);
	{
		struct iovec v[2] = { { (void *)(uintptr_t)4096, 100 },
				      { (void *)(uintptr_t)(d.size - 10), 11 } };

		T_ERR(t_dtx_sendv(csd, d.id, v, 2, 0), -EFAULT);
	}
	/* iov_len overflow, too many iovecs */
	T_ERR(t_dtx_send(csd, d.id, 4096, SIZE_MAX, 0), -EINVAL);
	{
		struct iovec v[2] = { { (void *)(uintptr_t)4096, SSIZE_MAX / 2 + 1 },
				      { (void *)(uintptr_t)4096, SSIZE_MAX / 2 + 1 } };
		static struct iovec many[IOV_MAX + 1];

		T_ERR(t_dtx_sendv(csd, d.id, v, 2, 0), -EINVAL);
		for (int i = 0; i <= IOV_MAX; i++)
			many[i] = (struct iovec){ (void *)(uintptr_t)4096, 1 };
		T_ERR(t_dtx_sendv(csd, d.id, many, IOV_MAX + 1, 0), -EMSGSIZE);
	}
	/* flags */
	T_ERR(t_dtx_send(csd, d.id, 4096, 100, MSG_OOB), -EOPNOTSUPP);
	/* nothing of the above was queued */
	T_EQ(tp->write_seq, ws);

	/* an empty send takes no id; a control message of another level is
	 * skipped (a plain copy send) */
	T_EQ(t_dtx_send(csd, d.id, 4096, 0, 0), 0);
	{
		uint8_t msg[5] = { t_dtx_byte(0), t_dtx_byte(1), t_dtx_byte(2), t_dtx_byte(3),
				   t_dtx_byte(4) };
		union {
			uint8_t b[CMSG_SPACE(sizeof(int))];
			struct cmsghdr a;
		} u;
		struct iovec iov = { msg, sizeof(msg) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
				    .msg_controllen = sizeof(u.b) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);

		memset(&u, 0, sizeof(u));
		c->cmsg_level = IPPROTO_TCP;
		c->cmsg_type = 1;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		T_EQ(nm_sendmsg(csd, &m, 0), 5);
	}
	/* the stream: those 5 bytes, then dma-buf bytes [5, 5 + 40000) */
	T_EQ(t_dtx_send(csd, d.id, 5, 40000, 0), 40000);
	for (int i = 0; i < 2000 && got < 40005; i++) {
		t_pump(&n);
		t_dtx_recv_check(ssd, d.va, &got, 40005);
	}
	T_EQ(got, 40005);
	T_EQ(t_dtx_wait(&n, csd, &note, 2000), 0);
	T_EQ(note.lo, 0);		/* the empty send took no id */
	T_EQ(note.hi, 0);
	T_EQ(note.code, 0);
	T_EQ(note.level, SOL_IP);
	T_EQ(note.type, IP_RECVERR);
	/* the error queue: empty, bad flags */
	T_ERR(t_dtx_errq(csd, &note), -EAGAIN);
	{
		struct msghdr m = { 0 };

		T_ERR(nm_recvmsg(csd, &m, MSG_ERRQUEUE | MSG_PEEK), -EOPNOTSUPP);
		T_ERR(nm_recvmsg(ssd, &m, MSG_ERRQUEUE), -EAGAIN);	/* never sent zerocopy */
	}

	/* a bind-rx binding cannot send */
	bind_rx(n.ndb, db.ctl, &rxbuf, &rx_id);
	T_ERR(t_dtx_send(csd, rx_id, 4096, 100, 0), -EINVAL);

	/* netmem TX off, checksum offload off */
	T_OK(nm_netdev_set_features(n.nda, NM_NETIF_F_NETMEM_TX, 0));
	T_ERR(t_dtx_send(csd, d.id, 4096, 100, 0), -EOPNOTSUPP);
	T_OK(nm_netdev_set_features(n.nda, NM_NETIF_F_NETMEM_TX, NM_NETIF_F_NETMEM_TX));
	T_OK(nm_netdev_set_features(n.nda, NM_NETIF_F_HW_CSUM | NM_NETIF_F_TSO | NM_NETIF_F_TSO6,
				    0));
	T_ERR(t_dtx_send(csd, d.id, 4096, 100, 0), -EOPNOTSUPP);
	{
		/* a connection made without it knows it too */
		int s2, c2 = t_connect_pair(&n, lsd, "198.18.0.2", 7100, &s2);

		T_OK(nm_setsockopt(c2, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
		T_ASSERT(t_tcb(n.sa, c2)->sw_csum);
		T_ERR(t_dtx_send(c2, d.id, 4096, 100, 0), -EOPNOTSUPP);
		T_OK(nm_close(c2));
		T_OK(nm_close(s2));
	}
	T_OK(nm_netdev_set_features(n.nda, NM_NETIF_F_HW_CSUM | NM_NETIF_F_TSO | NM_NETIF_F_TSO6,
				    NM_NETIF_F_HW_CSUM | NM_NETIF_F_TSO | NM_NETIF_F_TSO6));
	T_EQ(tp->write_seq, ws + 40005);

	/* not connected */
	fresh = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	T_OK(nm_setsockopt(fresh, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	T_ERR(t_dtx_send(fresh, d.id, 4096, 100, 0), -EPIPE);
	T_ERR(t_dtx_errq(fresh, &note), -EAGAIN);
	T_OK(nm_close(fresh));

	/* a closed descriptor */
	T_OK(nm_close(csd));
	T_ERR(t_dtx_send(csd, d.id, 4096, 100, 0), -EBADF);
	T_EQ(t_dtx_wait_refs(&n, &d, 5000), 0);	/* the closed connection let go of the binding */
	T_CLOSE_ALL(&n, 20, ssd, lsd);
	t_dtx_unbind(&d);
	t_dtx_unbind(&db);
	nm_dmabuf_put(rxbuf);
	t_net_down(&n);
	T_PASS();
}
