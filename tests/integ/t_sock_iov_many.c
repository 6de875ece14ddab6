/* SPDX-License-Identifier: MIT */
/*
 * sendmsg/recvmsg with more iovecs than the socket layer's window of 64:
 * every entry is used.  A sendmsg of 200 iovecs that fit the send buffer
 * sends all of them (it used to stop after 64); a recvmsg of 300 iovecs
 * with that much queued fills all of them, non-blocking and blocking, and
 * the bytes land in order across entries of odd sizes and empty ones;
 * MSG_WAITALL fills every entry; IOV_MAX + 1 entries is EMSGSIZE.
 */
#include <limits.h>

#include "t_tcp.h"

#define NV	300
#define TOTAL	(200u * 1024u)

static struct t_net n;
static uint8_t src[TOTAL], dst[TOTAL + 4096];

struct queued {
	int sd;
	size_t want;
};

static bool all_queued(void *p)
{
	struct queued *q = p;
	static uint8_t peek[TOTAL];

	return nm_recv(q->sd, peek, q->want, MSG_PEEK | MSG_DONTWAIT) == (ssize_t)q->want;
}

/* NV iovecs over dst: sizes 0..1400 in a pattern (zero-length ones too)
 * with the last one taking the rest. */
static void scatter(struct iovec *v, size_t len)
{
	size_t off = 0;

	for (int i = 0; i < NV; i++) {
		size_t sz = (size_t)((i * 397) % 1401);

		if (i % 17 == 0)
			sz = 0;
		if (i == NV - 1 || off + sz > len)
			sz = len - off;
		v[i].iov_base = dst + off;
		v[i].iov_len = sz;
		off += sz;
	}
	T_EQ(off, len);
}

static void send_all(int csd, int ssd)
{
	struct iovec v[200];
	struct msghdr m = { .msg_iov = v, .msg_iovlen = 200 };
	struct queued q = { ssd, TOTAL };

	for (int i = 0; i < 200; i++) {
		v[i].iov_base = src + (size_t)i * 1024;
		v[i].iov_len = 1024;
	}
	T_EQ(nm_sendmsg(csd, &m, MSG_DONTWAIT), TOTAL);
	T_ASSERT(t_pump_until(&n, all_queued, &q, 5000));
}

int main(void)
{
	struct iovec v[NV];
	struct msghdr m = { .msg_iov = v, .msg_iovlen = NV };
	static struct iovec huge[IOV_MAX + 1];
	struct msghdr mh = { .msg_iov = huge, .msg_iovlen = IOV_MAX + 1 };
	int lsd, csd, ssd;

	for (size_t i = 0; i < TOTAL; i++)
		src[i] = (uint8_t)(i * 7 + i / 251);
	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 7300, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7300, &ssd);

	/* non-blocking recvmsg: every entry filled */
	send_all(csd, ssd);
	memset(dst, 0, sizeof(dst));
	scatter(v, TOTAL);
	T_EQ(nm_recvmsg(ssd, &m, MSG_DONTWAIT), TOTAL);
	T_ASSERT(!memcmp(dst, src, TOTAL));

	/* blocking recvmsg (no flags) with all of it queued: the same */
	send_all(csd, ssd);
	memset(dst, 0, sizeof(dst));
	scatter(v, TOTAL);
	T_EQ(nm_recvmsg(ssd, &m, 0), TOTAL);
	T_ASSERT(!memcmp(dst, src, TOTAL));

	/* more room than data: returns what is queued, not a window's worth */
	send_all(csd, ssd);
	memset(dst, 0, sizeof(dst));
	scatter(v, TOTAL + 4096);
	T_EQ(nm_recvmsg(ssd, &m, MSG_DONTWAIT), TOTAL);
	T_ASSERT(!memcmp(dst, src, TOTAL));
	T_ERR(nm_recvmsg(ssd, &m, MSG_DONTWAIT), -EAGAIN);

	/* MSG_WAITALL across windows */
	send_all(csd, ssd);
	memset(dst, 0, sizeof(dst));
	scatter(v, TOTAL);
	T_EQ(nm_recvmsg(ssd, &m, MSG_WAITALL), TOTAL);
	T_ASSERT(!memcmp(dst, src, TOTAL));

	/* too many entries */
	for (int i = 0; i < IOV_MAX + 1; i++) {
		huge[i].iov_base = dst;
		huge[i].iov_len = 1;
	}
	T_ERR(nm_sendmsg(csd, &mh, MSG_DONTWAIT), -EMSGSIZE);
	T_ERR(nm_recvmsg(ssd, &mh, MSG_DONTWAIT), -EMSGSIZE);

	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
