/* SPDX-License-Identifier: MIT */
/*
 * io_uring zcrx from the Linux kernel's TCP over TAP (offloads on) in a
 * private network namespace: a kernel client sends 1 GiB (NM_ZCRX_TAP_MB
 * overrides) to a netmem stack run by a thread of its own; the
 * application thread accepts through the ring (IORING_OP_ACCEPT),
 * receives with RECV_ZC into a 64 MiB user-memory area with 64 KiB
 * buffers, checks every byte where it landed and refills as it goes.
 * Every byte lands in the area (no copy fallback with hds-thresh 0); the
 * multishot ends with 0 at EOF; every buffer is back at the end.  Root
 * only (77 otherwise).
 */
#include "t_kernel.h"
#include "t_zcrx.h"
#include "net/stack_hook.h"

static atomic_bool stop;

static void *stack_main(void *arg)
{
	struct nm_stack *st = arg;

	while (!atomic_load(&stop))
		nm_stack_poll(st, 1);
	return NULL;
}

int main(void)
{
	struct t_ksend ks = { .chunk = T_PAT_RUN };
	struct t_zc_opts o = { .area = 64u << 20, .rx_buf_len = 65536 };
	struct t_zc_rx rx = { 0 };
	struct nm_uring_zcrx_stats s;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *c;
	struct t_tap_net t;
	struct t_zc z;
	pthread_t th;
	uint64_t mb = 1024, total, t0;
	const char *env = getenv("NM_ZCRX_TAP_MB");
	int r = t_tap_net_create(&t, &(struct t_tap_params){ .offloads = true }), lsd, sd;

	if (r)
		return r;
	if (env)
		mb = strtoull(env, NULL, 10);
	total = mb << 20;
	t_zc_hds(t.nd);
	lsd = (int)T_OK(nm_socket(t.st, AF_INET, SOCK_STREAM, 0));
	{
		struct sockaddr_in a = t_sin("0.0.0.0", 5200);

		T_OK(nm_bind(lsd, (struct sockaddr *)&a, sizeof(a)));
	}
	T_OK(nm_listen(lsd, 8));
	t_zc_open(&z, t.st, t.nd, 0, &o);
	T_ASSERT(pthread_create(&th, NULL, stack_main, t.st) == 0);
	while (!nm_stack_has_poller(t.st))
		usleep(100);
	usleep(1000);

	sqe = nm_uring_get_sqe(&z.ring);
	nm_uring_prep_accept(sqe, lsd, NULL, NULL, 0);
	sqe->user_data = 1;
	T_EQ(nm_uring_submit(&z.ring), 1);
	t_ksend_to4(&ks, "198.18.0.2", 5200);
	ks.total = total;
	t_ksend_start(&ks);
	T_EQ(t_zc_wait(&z, 10000), 0);
	T_OK(nm_uring_peek_cqe(&z.ring, &c));
	T_EQ(c->user_data, 1u);
	sd = (int)T_OK(c->res);
	nm_uring_cqe_seen(&z.ring, c);

	t0 = t_now_us();
	t_zc_submit_recv(&z, sd, 2, 0);
	t_zc_recv_all(&z, 2, &rx, total, 300);
	for (int i = 0; i < 200 && !rx.ended; i++)
		if (!t_zc_drain(&z, 2, &rx))
			t_zc_wait(&z, 50);
	printf("kernel -> netmem zcrx over TAP: %llu MiB, %.1f MB/s, %llu CQEs\n",
	       (unsigned long long)mb, (double)rx.pos / (double)(t_now_us() - t0),
	       (unsigned long long)rx.cqes);
	T_EQ(t_ksend_join(&ks), 0);
	T_ASSERT(rx.ended);
	T_EQ(rx.final_res, 0);
	T_EQ(rx.pos, total);
	s = t_zc_stats(&z);
	T_EQ(s.copy_bytes, 0);
	T_EQ(s.held, 0);
	T_EQ(s.rqe_bad, 0);
	atomic_store(&stop, true);
	pthread_join(th, NULL);
	nm_stack_poll(t.st, 0);		/* this thread runs the stack again */
	T_OK(nm_close(sd));
	T_OK(nm_close(lsd));
	t_zc_close(&z);
	t_rx_idle(t.nd);
	t_tap_net_down(&t);
	T_PASS();
}
