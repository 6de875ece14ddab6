/* SPDX-License-Identifier: MIT */
/*
 * Blocking devmem sends, each stack on its own thread: one sendmsg of
 * 8 MiB from the dma-buf waits for send-buffer room as often as needed and
 * returns all of it, under one completion id.  With the receiver not
 * reading and SO_SNDTIMEO set, a blocking send returns the partial count
 * it queued (and takes an id), and the next one gives up with -EAGAIN; the
 * receiver then gets every byte in order.
 */
#include <stdatomic.h>

#include "t_devmem.h"

#define FIRST	(8u << 20)
#define SECOND	(16u << 20)

static struct t_net n;
static struct t_dtx d;
static atomic_int srv_ready, release_b, stop_b;
static atomic_ullong second_len;

static void *server(void *arg)
{
	static uint8_t buf[FIRST];
	struct sockaddr_in a = t_sin("0.0.0.0", 7800);
	uint64_t got = 0, len;
	int lsd, sd;

	(void)arg;
	lsd = (int)T_OK(nm_socket(n.sb, AF_INET, SOCK_STREAM, 0));
	T_OK(nm_bind(lsd, (struct sockaddr *)&a, sizeof(a)));
	T_OK(nm_listen(lsd, 4));
	atomic_store(&srv_ready, 1);
	sd = (int)T_OK(nm_accept(lsd, NULL, NULL));
	T_EQ(nm_recv(sd, buf, FIRST, MSG_WAITALL), FIRST);
	T_ASSERT(!memcmp(buf, d.va + 8, FIRST));
	/* stop reading until the sender timed out */
	while (!atomic_load(&release_b))
		nm_stack_poll(n.sb, 5);
	len = atomic_load(&second_len);
	while (got < len) {
		ssize_t r = nm_recv(sd, buf, sizeof(buf) < len - got ? sizeof(buf) : len - got, 0);

		T_ASSERT(r > 0);
		T_ASSERT(!memcmp(buf, d.va + 8 + FIRST + got, (size_t)r));
		got += (uint64_t)r;
	}
	T_EQ(nm_recv(sd, buf, 10, 0), 0);	/* the sender's FIN */
	T_OK(nm_close(sd));
	T_OK(nm_close(lsd));
	while (!atomic_load(&stop_b))
		nm_stack_poll(n.sb, 5);
	return NULL;
}

int main(void)
{
	struct sockaddr_in dst = t_sin("198.18.0.2", 7800);
	struct timeval tv = { 0, 300000 };
	struct t_note o;
	pthread_t th;
	uint64_t t0, end;
	ssize_t r;
	int sd, one = 1;

	t_net_up(&n, NULL);
	t_dtx_bind(&d, n.nda, 32u << 20);
	T_ASSERT(pthread_create(&th, NULL, server, NULL) == 0);
	while (!atomic_load(&srv_ready))
		usleep(1000);
	sd = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM, 0));
	T_OK(nm_connect(sd, (struct sockaddr *)&dst, sizeof(dst)));
	T_OK(nm_setsockopt(sd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));

	/* one call, many waits for room */
	T_EQ(t_dtx_send(sd, d.id, 8, FIRST, 0), FIRST);
	end = t_now_us() + 5000000u;
	while ((r = t_dtx_errq(sd, &o)) == -EAGAIN && t_now_us() < end)
		nm_stack_poll(n.sa, 5);
	T_EQ(r, 0);
	T_EQ(o.lo, 0);
	T_EQ(o.hi, 0);

	/* the receiver stops reading: a partial count, then -EAGAIN */
	T_OK(nm_setsockopt(sd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	t0 = t_now_us();
	r = t_dtx_send(sd, d.id, 8 + FIRST, SECOND, 0);
	T_ASSERT(r > 0 && r < SECOND);
	T_ASSERT(t_now_us() - t0 >= 250000);
	T_ERR(t_dtx_send(sd, d.id, 8 + FIRST + (uint64_t)r, 100, 0), -EAGAIN);
	atomic_store(&second_len, (uint64_t)r);
	atomic_store(&release_b, 1);
	end = t_now_us() + 5000000u;
	while ((r = t_dtx_errq(sd, &o)) == -EAGAIN && t_now_us() < end)
		nm_stack_poll(n.sa, 5);
	T_EQ(r, 0);
	T_EQ(o.lo, 1);		/* the partial call took an id, the refused one none */
	T_EQ(o.hi, 1);
	T_OK(nm_close(sd));
	end = t_now_us() + 5000000u;
	while (t_dtx_refs(&d) && t_now_us() < end)
		nm_stack_poll(n.sa, 5);
	T_EQ(t_dtx_refs(&d), 0);
	atomic_store(&stop_b, 1);
	T_ASSERT(pthread_join(th, NULL) == 0);
	t_dtx_unbind(&d);
	t_net_down(&n);
	T_PASS();
}
