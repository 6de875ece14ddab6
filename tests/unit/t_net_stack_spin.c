/* Spinning before a sleep (NM_STACK_NO_SPIN in stack.h).  An idle stack
 * never spins; while frames keep coming from another thread it spins
 * before its sleeps and some spins find the next frame; spins that keep
 * missing back off; a spin ends by the machine's clock when the stack's
 * clock is faked and stands still; a spin never outlasts the poll's
 * timeout; NM_STACK_NO_SPIN,
 * NM_SPIN_US=0 and a thread allowed one CPU only never spin; NM_SPIN_US
 * that is not a number of microseconds up to 100000 is refused at creation.
 * What depends on the sender thread being scheduled is tried up to TRIES
 * times (a loaded machine); what must never happen is checked every run. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "t_net.h"

#define FRAMES	3000		/* one every 50 us: 150 ms of traffic */

static struct t_raw r;
static uint8_t frame[42];
static atomic_int sent;

static int frames = FRAMES, gap_us = 50;
static uint64_t last_poll_us;	/* traffic()'s last, empty poll (timeout 5 ms) */

static void *sender(void *arg)
{
	(void)arg;
	for (int i = 0; i < frames; i++) {
		uint64_t t0 = t_now_ms();

		/* a full wire (the reader fell behind) is retried, bounded */
		while (t_raw_send(&r, frame, sizeof(frame)) < 0 && t_now_ms() - t0 < 2000)
			usleep(100);
		atomic_fetch_add(&sent, 1);
		usleep((useconds_t)gap_us);
	}
	return NULL;
}

/* The stack polls with a timeout while the sender runs; the frames it
 * answers are drained from the raw side as they come.  Its counters. */
static struct nm_stack_stats traffic(uint32_t flags)
{
	uint8_t buf[128];
	pthread_t th;
	uint64_t t0;

	t_raw_up(&r, flags);
	while (nm_stack_poll(r.st, 0) > 0)
		;
	atomic_store(&sent, 0);
	T_ASSERT(pthread_create(&th, NULL, sender, NULL) == 0);
	t0 = t_now_ms();
	while ((atomic_load(&sent) < frames || t_stats(r.st).arp_replies < (uint64_t)frames) &&
	       t_now_ms() - t0 < 10000) {
		T_OK(nm_stack_poll(r.st, 20));
		while (t_raw_recv(&r, buf, sizeof(buf)) > 0)
			;
	}
	pthread_join(th, NULL);
	/* one poll more with nothing to come: a spin (traffic flowed) that
	 * finds nothing, then a sleep; both within the poll's timeout */
	uint64_t p0 = t_now_us();

	T_OK(nm_stack_poll(r.st, 5));
	last_poll_us = t_now_us() - p0;
	struct nm_stack_stats s = t_stats(r.st);

	T_EQ(s.arp_replies, (uint64_t)frames);	/* every frame answered, spinning or not */
	t_raw_down(&r);
	return s;
}

/* Timing on a loaded machine: the sender thread may not run while the
 * stack spins (no hit), or the stack may be preempted past a bound.  A
 * property is shown by one run of traffic() out of at most TRIES; a stack
 * that breaks it fails every run. */
#define TRIES	5

static bool spins_hit(const struct nm_stack_stats *s)
{
	return s->poll_spins > 0 && s->poll_spin_hits > 0 && s->poll_spin_hits <= s->poll_spins;
}

static bool spins_few(const struct nm_stack_stats *s)
{
	return s->poll_spins <= (uint64_t)frames / 4;
}

static bool spins_some(const struct nm_stack_stats *s)
{
	return s->poll_spins > 0;
}

static bool poll_in_time(const struct nm_stack_stats *s)
{
	(void)s;
	return last_poll_us < 60000;
}

static struct nm_stack_stats traffic_until(uint32_t flags, bool (*ok)(const struct nm_stack_stats *))
{
	struct nm_stack_stats s;

	for (int i = 0; i < TRIES; i++) {
		s = traffic(flags);
		if (ok(&s))
			break;
		printf("try %d: spins %llu, hits %llu, last poll %llu us: again\n", i + 1,
		       (unsigned long long)s.poll_spins, (unsigned long long)s.poll_spin_hits,
		       (unsigned long long)last_poll_us);
	}
	return s;
}

static int cpus(void)
{
	cpu_set_t set;

	T_ASSERT(sched_getaffinity(0, sizeof(set), &set) == 0);
	return CPU_COUNT(&set);
}

static void refused(const char *v, const char *msg_part)
{
	struct nm_stack *st = NULL;

	T_ASSERT(setenv("NM_SPIN_US", v, 1) == 0);
	T_EQ(nm_stack_create(&(struct nm_stack_params){ 0 }, &st), -EINVAL);
	T_ASSERT(st == NULL);
	T_ASSERT(strstr(nm_last_error(), "NM_SPIN_US") && strstr(nm_last_error(), msg_part));
}

int main(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct nm_stack_stats s;
	struct nm_stack *st;
	cpu_set_t one;

	unsetenv("NM_SPIN_US");
	t_arp_frame(frame, bcast, 1, t_mac_a, "198.18.0.1", "198.18.0.2");

	/* bad settings */
	refused("abc", "0 to 100000");
	refused("", "0 to 100000");
	refused("-5", "0 to 100000");
	refused("100001", "0 to 100000");
	refused("20x", "0 to 100000");
	T_ASSERT(setenv("NM_SPIN_US", "100000", 1) == 0);
	T_OK(nm_stack_create(NULL, &st));
	T_OK(nm_stack_destroy(st));
	unsetenv("NM_SPIN_US");
	T_EQ(nm_stack_create(&(struct nm_stack_params){ .flags = 1u << 2 }, &st), -EINVAL);

	/* idle: sleeps at once, every time */
	t_raw_up(&r, 0);
	while (nm_stack_poll(r.st, 0) > 0)
		;
	for (int i = 0; i < 20; i++)
		T_EQ(nm_stack_poll(r.st, 2), 0);
	s = t_stats(r.st);
	T_EQ(s.poll_spins, 0);
	T_ASSERT(s.poll_sleeps >= 20);
	t_raw_down(&r);

	/* traffic from another thread */
	if (cpus() >= 2) {
		s = traffic_until(0, spins_hit);
		T_ASSERT(s.poll_spins > 0);
		T_ASSERT(s.poll_spin_hits > 0 && s.poll_spin_hits <= s.poll_spins);
	} else {
		s = traffic(0);
		T_EQ(s.poll_spins, 0);
	}

	/* frames 800 us apart: each sleep is short (traffic flows), but a
	 * 200 us spin never reaches the next frame; the misses back off, so
	 * only a few of the ~300 chances are spent spinning */
	frames = 300;
	gap_us = 800;
	s = traffic_until(0, spins_few);
	T_ASSERT(s.poll_spins <= (uint64_t)frames / 4);
	frames = FRAMES;
	gap_us = 50;

	/* the stack's clock faked and standing still (as the fuzz harnesses
	 * run): a spin still ends, by the machine's clock; alarm: a hang fails */
	alarm(60);
	nm_clock_fake(nm_now_us());
	frames = 300;
	s = cpus() >= 2 ? traffic_until(0, spins_some) : traffic(0);
	if (cpus() >= 2)
		T_ASSERT(s.poll_spins > 0);
	nm_clock_fake(0);
	alarm(0);
	frames = FRAMES;

	/* a spin never outlasts the poll's timeout: 100 ms allowed, 5 ms asked */
	T_ASSERT(setenv("NM_SPIN_US", "100000", 1) == 0);
	frames = 300;
	s = traffic_until(0, poll_in_time);
	T_ASSERT(last_poll_us < 60000);
	frames = FRAMES;
	unsetenv("NM_SPIN_US");

	/* switched off three ways */
	s = traffic(NM_STACK_NO_SPIN);
	T_EQ(s.poll_spins, 0);
	T_ASSERT(s.poll_sleeps > 0);
	T_ASSERT(setenv("NM_SPIN_US", "0", 1) == 0);
	s = traffic(0);
	T_EQ(s.poll_spins, 0);
	unsetenv("NM_SPIN_US");
	CPU_ZERO(&one);
	T_ASSERT(sched_getaffinity(0, sizeof(one), &one) == 0);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &one)) {
			CPU_ZERO(&one);
			CPU_SET(c, &one);
			break;
		}
	T_ASSERT(sched_setaffinity(0, sizeof(one), &one) == 0);
	s = traffic(0);
	T_EQ(s.poll_spins, 0);
	T_PASS();
}
