/* The receive eventfd: a consumer thread that sleeps in poll() whenever
 * the ring is empty is always woken for the next frame (200000 frames sent
 * in bursts with pauses; a lost wakeup shows as a 5 s poll timeout), the fd
 * does not stay readable once drained, and a consumer that never asked for
 * the fd costs the producer no signals. */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "t_util.h"
#include "t_wire.h"
#include "nic/wire_drv.h"
#include "nic/wire_shm.h"

#define N 200000

struct t_consumer {
	struct nm_wire *w;
	uint64_t got, sleeps;
	int fd;
};

static void *t_consume(void *arg)
{
	struct t_consumer *c = arg;
	uint8_t in[512];

	while (c->got < N) {
		int r = t_wire_recv(c->w, in, sizeof(in), NULL);

		if (r == -EAGAIN) {
			struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

			if (poll(&pfd, 1, 5000) != 1)
				T_FAIL("lost wakeup: asleep with %llu of %d frames received",
				       (unsigned long long)c->got, N);
			c->sleeps++;
			continue;
		}
		T_EQ(r, t_wlen(c->got));
		T_EQ(t_wseq(in), c->got);
		c->got++;
	}
	return NULL;
}

static void t_sleeping_consumer(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 256 };
	struct t_consumer c = { 0 };
	struct nm_wire *a, *b;
	pthread_t thr;
	uint64_t rng = 99, seq = 0;
	uint8_t buf[512];

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	c.w = b;
	c.fd = nm_wire_get_fd(b);
	T_ASSERT(c.fd >= 0);
	T_OK(pthread_create(&thr, NULL, t_consume, &c));
	while (seq < N) {
		uint64_t burst = 1 + t_rand(&rng) % 64;

		for (uint64_t i = 0; i < burst && seq < N; i++) {
			int r;

			t_wfill(buf, t_wlen(seq), seq);
			while ((r = t_wire_send(a, buf, t_wlen(seq), NULL)) == -EAGAIN)
				sched_yield();
			T_OK(r);
			seq++;
		}
		if (t_rand(&rng) % 4 == 0)
			usleep((useconds_t)(t_rand(&rng) % 20));	/* let it fall asleep */
	}
	T_OK(pthread_join(thr, NULL));
	printf("consumer slept %llu times for %d frames\n", (unsigned long long)c.sleeps, N);
	T_ASSERT(c.sleeps > 100);	/* the sleeping path really ran */

	/* drained: after one empty recv the fd is quiet */
	{
		struct pollfd pfd = { .fd = c.fd, .events = POLLIN };
		uint8_t in[64];

		T_EQ(t_wire_recv(b, in, sizeof(in), NULL), -EAGAIN);
		T_EQ(poll(&pfd, 1, 0), 0);
		/* one frame: readable again; consumed: quiet again */
		t_wfill(buf, 60, 1);
		T_OK(t_wire_send(a, buf, 60, NULL));
		T_EQ(poll(&pfd, 1, 0), 1);
		T_EQ(t_wire_recv(b, in, sizeof(in), NULL), 60);
		T_EQ(t_wire_recv(b, in, sizeof(in), NULL), -EAGAIN);
		T_EQ(poll(&pfd, 1, 0), 0);
	}
	nm_wire_destroy(a);
	nm_wire_destroy(b);
}

/* Without get_fd the producer never signals (busy-polling receiver). */
static void t_busy_poller(void)
{
	struct nm_wire_shm_params p = { 0 };
	struct nm_wire *a, *b;
	struct nm_shm_hdr *h;
	struct nm_shm_ctrl *ctrl;
	uint8_t buf[100], in[100];
	size_t size;
	void *base;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	T_OK(nm__wire_shm_region(a, &base, &size));
	h = base;
	ctrl = (struct nm_shm_ctrl *)((uint8_t *)base + h->dir[0].ctrl_off);
	for (int i = 0; i < 1000; i++) {
		T_EQ(t_wire_recv(b, in, sizeof(in), NULL), -EAGAIN);
		T_OK(t_wire_send(a, buf, sizeof(buf), NULL));
		T_EQ(t_wire_recv(b, in, sizeof(in), NULL), sizeof(buf));
	}
	T_EQ(atomic_load(&ctrl->want_signal), 0);	/* never armed */
	nm_wire_destroy(a);
	nm_wire_destroy(b);
}

int main(void)
{
	t_busy_poller();
	t_sleeping_consumer();
	T_PASS();
}
