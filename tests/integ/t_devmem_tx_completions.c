/* SPDX-License-Identifier: MIT */
/*
 * MSG_ZEROCOPY completions of devmem and host sends:
 *  - ids count from 0, one per sendmsg that queued bytes;
 *  - nothing completes before its bytes are acknowledged (-EAGAIN, and the
 *    readiness the POLLERR hook reads says no);
 *  - adjacent completed ranges merge into one notification, also into one
 *    already queued but unread; ranges of different codes do not merge;
 *  - consecutive calls whose bytes are still unsent share one record (as
 *    Linux extends the previous ubuf_info), yet report every id;
 *  - a control buffer too small gets MSG_CTRUNC, the notification is
 *    consumed, msg_controllen says what was written;
 *  - -ENOBUFS once 4096 completions are outstanding, until the error queue
 *    is read.
 */
#include "t_devmem.h"

static void ack_all(struct t_net *n, int ssd, struct nm_tcp_sock *tp)
{
	uint8_t buf[64 << 10];
	uint64_t end = t_now_us() + 5000000u;

	while (tp->snd_una != tp->write_seq) {
		T_ASSERT(t_now_us() < end);
		t_pump(n);
		while (nm_recv(ssd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
	}
}

static void expect(int sd, uint32_t lo, uint32_t hi, uint8_t code)
{
	struct t_note o;

	T_EQ(t_dtx_errq(sd, &o), 0);
	T_EQ(o.lo, lo);
	T_EQ(o.hi, hi);
	T_EQ(o.code, code);
	T_EQ(o.msg_flags, MSG_ERRQUEUE);
}

int main(void)
{
	struct t_net n;
	struct t_dtx d;
	struct nm_tcp_sock *tp;
	struct nm_tcp_zc_stats zs;
	struct t_note o;
	static uint8_t host[4096];
	int lsd, csd, ssd, one = 1;
	uint32_t next;

	t_net_up(&n, NULL);
	t_dtx_bind(&d, n.nda, 1 << 20);
	lsd = t_listen(n.sb, AF_INET, 7500, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7500, &ssd);
	tp = t_tcb(n.sa, csd);
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	memset(host, 0x5a, sizeof(host));

	/* three sends, each out at once: three records, one notification */
	for (int i = 0; i < 3; i++)
		T_EQ(t_dtx_send(csd, d.id, 8 + 4096u * (uint32_t)i, 1000, 0), 1000);
	zs = t_dtx_stats(n.sa, csd);
	T_EQ(zs.records, 3);
	T_EQ(zs.next_id, 3);
	T_ERR(t_dtx_errq(csd, &o), -EAGAIN);		/* not acknowledged yet */
	T_ASSERT(!nm_tcp_zc_errqueue_ready(tp));
	ack_all(&n, ssd, tp);
	T_ASSERT(nm_tcp_zc_errqueue_ready(tp));
	expect(csd, 0, 2, 0);
	T_ERR(t_dtx_errq(csd, &o), -EAGAIN);
	T_ASSERT(!nm_tcp_zc_errqueue_ready(tp));

	/* a queued, unread notification grows */
	T_EQ(t_dtx_send(csd, d.id, 8, 500, 0), 500);
	ack_all(&n, ssd, tp);
	T_EQ(t_dtx_stats(n.sa, csd).notes, 1);
	T_EQ(t_dtx_send(csd, d.id, 8, 500, 0), 500);
	ack_all(&n, ssd, tp);
	T_EQ(t_dtx_stats(n.sa, csd).notes, 1);
	expect(csd, 3, 4, 0);

	/* codes do not merge: device, host MSG_ZEROCOPY, device */
	{
		struct iovec v = { host, 100 };
		struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };

		T_EQ(t_dtx_send(csd, d.id, 8, 100, 0), 100);
		T_EQ(nm_sendmsg(csd, &m, MSG_ZEROCOPY), 100);
		T_EQ(t_dtx_send(csd, d.id, 8, 100, 0), 100);
		/* without MSG_ZEROCOPY a host send takes no id */
		T_EQ(nm_sendmsg(csd, &m, 0), 100);
	}
	ack_all(&n, ssd, tp);
	expect(csd, 5, 5, 0);
	expect(csd, 6, 6, SO_EE_CODE_ZEROCOPY_COPIED);
	expect(csd, 7, 7, 0);
	T_ERR(t_dtx_errq(csd, &o), -EAGAIN);

	/* Nagle holds small sends while one is in flight: calls 9 and 10 share
	 * a record (their bytes are unsent), every id is still reported */
	{
		int zero = 0;

		T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_NODELAY, &zero, sizeof(zero)));
	}
	T_EQ(t_dtx_send(csd, d.id, 8, 10, 0), 10);
	T_EQ(t_dtx_send(csd, d.id, 100, 10, 0), 10);
	T_EQ(t_dtx_send(csd, d.id, 200, 10, 0), 10);
	zs = t_dtx_stats(n.sa, csd);
	T_EQ(zs.records, 2);
	T_EQ(zs.next_id, 11);
	ack_all(&n, ssd, tp);
	expect(csd, 8, 10, 0);
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));

	/* a control buffer too small: MSG_CTRUNC, consumed */
	T_EQ(t_dtx_send(csd, d.id, 8, 10, 0), 10);
	T_EQ(t_dtx_send(csd, d.id, 8, 10, 0), 10);
	{
		struct iovec v = { host, 1 };
		uint8_t cb[CMSG_LEN(4)];
		struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = cb,
				    .msg_controllen = sizeof(cb) };
		struct cmsghdr h;
		uint32_t ee_errno_origin[1];

		T_EQ(t_dtx_send(csd, d.id, 8, 10, 0), 10);
		ack_all(&n, ssd, tp);
		/* ids 11..13 in one notification, cut to 4 data bytes */
		T_EQ(nm_recvmsg(csd, &m, MSG_ERRQUEUE), 0);
		T_EQ(m.msg_flags, MSG_ERRQUEUE | MSG_CTRUNC);
		T_EQ(m.msg_controllen, sizeof(cb));
		memcpy(&h, cb, sizeof(h));
		T_EQ(h.cmsg_len, sizeof(cb));
		T_EQ(h.cmsg_level, SOL_IP);
		T_EQ(h.cmsg_type, IP_RECVERR);
		memcpy(ee_errno_origin, cb + CMSG_LEN(0), 4);	/* ee_errno */
		T_EQ(ee_errno_origin[0], 0);
		T_ERR(nm_recvmsg(csd, &m, MSG_ERRQUEUE), -EAGAIN);	/* consumed */
		/* no control buffer at all */
		T_EQ(t_dtx_send(csd, d.id, 8, 10, 0), 10);
		ack_all(&n, ssd, tp);
		m.msg_control = NULL;
		m.msg_controllen = 0;
		T_EQ(nm_recvmsg(csd, &m, MSG_ERRQUEUE), 0);
		T_EQ(m.msg_flags, MSG_ERRQUEUE | MSG_CTRUNC);
		T_EQ(m.msg_controllen, 0);
	}
	next = 15;

	/* -ENOBUFS: alternate codes so no record merges, nothing acknowledged */
	{
		struct iovec v = { host, 1 };
		struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };
		int k;

		for (k = 0; k < NM_TCP_ZC_MAX_PENDING; k++) {
			ssize_t r = (k & 1) ? nm_sendmsg(csd, &m, MSG_ZEROCOPY)
					    : t_dtx_send(csd, d.id, 8 + (uint64_t)k, 1, 0);

			T_EQ(r, 1);
		}
		T_ERR(t_dtx_send(csd, d.id, 8, 1, 0), -ENOBUFS);
		T_ERR(nm_sendmsg(csd, &m, MSG_ZEROCOPY), -ENOBUFS);
		T_EQ(nm_sendmsg(csd, &m, 0), 1);	/* a plain send still goes */
		ack_all(&n, ssd, tp);
		/* still full until read */
		T_ERR(t_dtx_send(csd, d.id, 8, 1, 0), -ENOBUFS);
		T_EQ(t_dtx_drain(csd, &next), NM_TCP_ZC_MAX_PENDING);
		T_EQ(next, 15 + NM_TCP_ZC_MAX_PENDING);
		T_EQ(t_dtx_send(csd, d.id, 8, 1, 0), 1);
		ack_all(&n, ssd, tp);
		T_EQ(t_dtx_drain(csd, &next), 1);
	}
	T_OK(nm_tcp_zc_check(tp));

	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	T_EQ(t_dtx_wait_refs(&n, &d, 5000), 0);
	t_dtx_unbind(&d);
	t_net_down(&n);
	T_PASS();
}
