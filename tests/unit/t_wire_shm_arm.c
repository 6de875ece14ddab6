/* nm_wire_arm(): wakeups armed only before a sleep.  Once a consumer has
 * called it, an empty recv no longer arms the wire, so a consumer that
 * keeps polling costs the producer no eventfd writes; arm() reports frames
 * already waiting, clears a stale signal and arms for the next frame.  A
 * consumer thread that arms before every sleep is never left asleep with a
 * frame waiting (100000 frames in bursts with pauses; a lost wakeup shows as
 * a 5 s poll timeout).  A wire without arm (TAP) answers 0. */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "t_util.h"
#include "t_wire.h"
#include "nic/wire_drv.h"
#include "nic/wire_shm.h"

#define N 100000

static int readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0);
}

static void t_sequence(void)
{
	struct nm_wire_shm_params p = { 0 };
	struct nm_wire *a, *b;
	struct nm_shm_hdr *h;
	struct nm_shm_ctrl *ctrl;
	uint8_t buf[100] = { 0 }, in[100];
	size_t size;
	void *base;
	int fd;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	T_OK(nm__wire_shm_region(a, &base, &size));
	h = base;
	ctrl = (struct nm_shm_ctrl *)((uint8_t *)base + h->dir[0].ctrl_off);
	fd = nm_wire_get_fd(b);
	T_ASSERT(fd >= 0);

	/* a frame waiting: arm says so */
	T_OK(t_wire_send(a, buf, sizeof(buf), NULL));
	T_EQ(nm_wire_arm(b), 1);
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), (int)sizeof(buf));

	/* armed: the next frame signals */
	T_EQ(nm_wire_arm(b), 0);
	T_EQ(readable(fd), 0);
	T_OK(t_wire_send(a, buf, sizeof(buf), NULL));
	T_EQ(readable(fd), 1);
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), (int)sizeof(buf));

	/* polling on without arming: empty recvs do not arm, frames do not
	 * signal (the old behaviour re-armed on every empty recv) */
	T_EQ(nm_wire_arm(b), 0);		/* clears the stale signal */
	T_EQ(readable(fd), 0);
	T_OK(t_wire_send(a, buf, sizeof(buf), NULL));	/* uses up the arming */
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), (int)sizeof(buf));
	T_EQ(nm_wire_arm(b), 0);
	T_OK(t_wire_send(a, buf, sizeof(buf), NULL));
	for (int i = 0; i < 1000; i++) {
		T_EQ(t_wire_recv(b, in, sizeof(in), NULL), (int)sizeof(buf));
		T_EQ(t_wire_recv(b, in, sizeof(in), NULL), -EAGAIN);
		T_EQ(atomic_load(&ctrl->want_signal), 0);
		T_OK(t_wire_send(a, buf, sizeof(buf), NULL));
	}
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), (int)sizeof(buf));
	/* the one signal of the last arm() is still there; arm() clears it */
	T_EQ(readable(fd), 1);
	T_EQ(nm_wire_arm(b), 0);
	T_EQ(readable(fd), 0);
	T_EQ(atomic_load(&ctrl->want_signal), 1);
	nm_wire_destroy(a);
	nm_wire_destroy(b);
}

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

			if (nm_wire_arm(c->w) > 0)
				continue;
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
	uint64_t rng = 7, seq = 0;
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
			usleep((useconds_t)(t_rand(&rng) % 20));
	}
	T_OK(pthread_join(thr, NULL));
	printf("consumer slept %llu times for %d frames\n", (unsigned long long)c.sleeps, N);
	T_ASSERT(c.sleeps > 50);	/* the sleeping path really ran */
	nm_wire_destroy(a);
	nm_wire_destroy(b);
}

int main(void)
{
	T_ERR(nm_wire_arm(NULL), -EINVAL);
	t_sequence();
	t_sleeping_consumer();
	T_PASS();
}
