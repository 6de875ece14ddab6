/* SPDX-License-Identifier: MIT */
/*
 * The fake clock (timer.c, nm_clock_fake(); the fuzz harnesses run on it):
 * while set, every thread's clock reads the value given however much real
 * time passes, a stack's timers fire only once it is moved past their
 * expiry (an ARP request retried after 1 s), and 0 gives the real clock
 * back.
 */
#include <pthread.h>
#include <unistd.h>

#include "t_net.h"

static void *other(void *arg)
{
	return nm_clock_read() == *(uint64_t *)arg ? NULL : (void *)1;
}

static uint64_t arp_requests(struct t_raw *r)
{
	static uint8_t buf[2048];
	uint64_t n = 0;
	int len;

	nm_stack_poll(r->st, 0);
	while ((len = t_raw_recv(r, buf, sizeof(buf))) > 0)
		n += len >= 14 && nm_get16(buf + 12) == 0x0806;
	return n;
}

int main(void)
{
	const uint64_t t = 5000000000ull;
	struct nm_addr peer = t_addr("198.18.0.77");
	struct t_raw r;
	pthread_t th;
	void *res;
	uint64_t tt = t;

	nm_clock_fake(t);
	usleep(2000);
	T_EQ(nm_clock_read(), t);
	T_EQ(nm_now_us(), t);
	T_EQ(pthread_create(&th, NULL, other, &tt), 0);	/* every thread */
	T_EQ(pthread_join(th, &res), 0);
	T_ASSERT(res == NULL);

	/* a stack's timers follow it: an unanswered ARP request is retried
	 * after 1 s of fake time, not before, whatever real time does */
	t_raw_up(&r, NM_STACK_BUSY_POLL);
	T_OK(nm_icmp_echo_send(r.st, &peer, 1, 1, "x", 1));
	T_EQ(arp_requests(&r), 1);
	usleep(20000);
	nm_clock_fake(t + 900000);
	T_EQ(arp_requests(&r), 0);
	nm_clock_fake(t + 1000000);
	T_EQ(arp_requests(&r), 1);
	t_raw_down(&r);

	/* 0: the real clock again */
	nm_clock_fake(0);
	T_ASSERT(nm_clock_read() != t);
	tt = nm_clock_read();
	usleep(2000);
	T_ASSERT(nm_clock_read() - tt >= 1000);
	T_PASS();
}
