/* The loop's two modes.  Blocking: nm_stack_poll() with nothing to do
 * sleeps for its timeout; a frame arriving from another thread wakes it at
 * once (the wire's fd in the epoll set); a timer due wakes it (the
 * timerfd); nm_stack_get_fd() polls readable when a frame waits.  Busy
 * poll: nm_stack_poll() never sleeps, whatever the timeout. */
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "t_net.h"

static struct t_raw r;
static uint8_t frame[42];

static void *sender(void *arg)
{
	(void)arg;
	usleep(40000);
	T_OK(t_raw_send(&r, frame, sizeof(frame)));
	return NULL;
}

static void arp_req(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	t_arp_frame(frame, bcast, 1, t_mac_a, "198.18.0.1", "198.18.0.2");
}

int main(void)
{
	uint64_t t0, dt;
	pthread_t th;
	int n;

	arp_req();
	t_raw_up(&r, 0);
	/* idle: sleeps for the timeout */
	while (nm_stack_poll(r.st, 0) > 0)
		;
	t0 = t_now_ms();
	T_EQ(nm_stack_poll(r.st, 100), 0);
	dt = t_now_ms() - t0;
	T_ASSERT(dt >= 90 && dt < 1000);

	/* a frame from another thread wakes it early */
	T_ASSERT(pthread_create(&th, NULL, sender, NULL) == 0);
	t0 = t_now_ms();
	n = 0;
	while (n == 0 && t_now_ms() - t0 < 3000)
		n = T_OK(nm_stack_poll(r.st, 2000));
	dt = t_now_ms() - t0;
	pthread_join(th, NULL);
	T_ASSERT(n >= 1);
	T_ASSERT(dt >= 30 && dt < 1000);
	T_EQ(t_stats(r.st).arp_replies, 1);

	/* a timer wakes it: resolution retries every 30 ms */
	struct nm_neigh_params np = { .retrans_us = 30000 };
	T_OK(nm_neigh_set_params(t_iface(r.st), &np));
	struct nm_addr nobody = t_addr("198.18.0.9");
	T_OK(nm_icmp_echo_send(r.st, &nobody, 1, 1, NULL, 0));
	T_EQ(t_stats(r.st).arp_requests, 1);
	t0 = t_now_ms();
	while (t_stats(r.st).arp_requests < 2 && t_now_ms() - t0 < 3000)
		T_OK(nm_stack_poll(r.st, 2000));
	dt = t_now_ms() - t0;
	T_EQ(t_stats(r.st).arp_requests, 2);
	T_ASSERT(dt >= 25 && dt < 1000);

	/* the stack's fd: readable when a frame waits */
	int fd = T_OK(nm_stack_get_fd(r.st));
	while (t_stats(r.st).arp_timeouts < 1)
		T_OK(nm_stack_poll(r.st, 100));
	T_OK(nm_stack_poll(r.st, 0));
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	T_EQ(poll(&pfd, 1, 0), 0);	/* nothing waits */
	T_OK(t_raw_send(&r, frame, sizeof(frame)));
	t0 = t_now_ms();
	T_EQ(poll(&pfd, 1, 2000), 1);
	T_ASSERT(t_now_ms() - t0 < 1000);
	T_ASSERT(T_OK(nm_stack_poll(r.st, 0)) >= 1);
	T_EQ(t_stats(r.st).arp_replies, 2);
	t_raw_down(&r);

	/* busy poll: never sleeps */
	t_raw_up(&r, NM_STACK_BUSY_POLL);
	t0 = t_now_ms();
	for (int i = 0; i < 100; i++)
		T_EQ(nm_stack_poll(r.st, 1000), 0);
	T_ASSERT(t_now_ms() - t0 < 500);
	T_OK(t_raw_send(&r, frame, sizeof(frame)));
	T_EQ(nm_stack_poll(r.st, -1), 1);
	t_raw_down(&r);
	T_PASS();
}
