/* Signal races add_callback, remove_callback, wait and put on many threads:
 * every added callback runs exactly once unless removed while pending; an
 * add that loses the race returns -ENOENT and never runs; a remove that
 * returns false comes back only after the callback ran; the fence is freed
 * exactly once by whichever put is last (ASan/LSan in the .asan build). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <netmem/fence.h>
#include "dmabuf/fence_internal.h"
#include "t_util.h"

#define WORKERS 4
#define CBS 16
#define ROUNDS 1500

struct slot {
	struct nm_fence_cb cb;
	atomic_int ran;
	int add_r;
	int removed;	/* -1 not tried, 0 false, 1 true */
};

static struct slot slots[WORKERS][CBS];
static struct nm_fence *cur;
static pthread_barrier_t round_start, round_end;

static void on_signal(struct nm_fence *f, struct nm_fence_cb *cb)
{
	struct slot *s = (struct slot *)((char *)cb - offsetof(struct slot, cb));

	T_EQ(nm_fence_status(f), 1);
	for (volatile int i = 0; i < 64; i++)	/* widen the remove window */
		;
	atomic_fetch_add(&s->ran, 1);
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg, round, k, r;
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(id + 1);

	for (round = 0; round < ROUNDS; round++) {
		pthread_barrier_wait(&round_start);
		struct nm_fence *f = cur;	/* main gave us a reference */

		for (k = 0; k < CBS; k++) {
			struct slot *s = &slots[id][k];

			s->add_r = nm_fence_add_callback(f, &s->cb, on_signal);
			T_ASSERT(s->add_r == 0 || s->add_r == -ENOENT);
			if (s->add_r == 0 && (t_rand(&seed) & 1)) {
				s->removed = nm_fence_remove_callback(f, &s->cb);
				T_EQ(atomic_load(&s->ran), s->removed ? 0 : 1);
			}
		}
		if (id == 0)
			T_EQ(nm_fence_wait(f, -1), 0);
		if (id == 1) {
			r = nm_fence_wait(f, 1000);
			T_ASSERT(r == 0 || r == -ETIME);
		}
		nm_fence_put(f);	/* races main's put and the signal */
		pthread_barrier_wait(&round_end);
	}
	return NULL;
}

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(1), seed = 42;
	pthread_t th[WORKERS];
	int i, k, round;
	long ran_total = 0, enoent_total = 0;

	T_EQ(pthread_barrier_init(&round_start, NULL, WORKERS + 1), 0);
	T_EQ(pthread_barrier_init(&round_end, NULL, WORKERS + 1), 0);
	for (i = 0; i < WORKERS; i++)
		T_EQ(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i), 0);

	for (round = 0; round < ROUNDS; round++) {
		struct nm_fence *f;

		T_OK(nm_fence_create(ctx, (uint64_t)round, &f));
		for (i = 0; i < WORKERS; i++) {
			nm_fence_get(f);
			for (k = 0; k < CBS; k++) {
				atomic_store(&slots[i][k].ran, 0);
				slots[i][k].removed = -1;
			}
		}
		cur = f;
		pthread_barrier_wait(&round_start);
		for (volatile uint64_t spin = t_rand(&seed) % 4096; spin; spin--)
			;
		T_OK(nm_fence_signal(f, 0));
		nm_fence_put(f);
		pthread_barrier_wait(&round_end);

		for (i = 0; i < WORKERS; i++) {
			for (k = 0; k < CBS; k++) {
				struct slot *s = &slots[i][k];
				int want = s->add_r == 0 && s->removed != 1;

				T_EQ(atomic_load(&s->ran), want);
				ran_total += want;
				enoent_total += s->add_r == -ENOENT;
			}
		}
	}
	for (i = 0; i < WORKERS; i++)
		T_EQ(pthread_join(th[i], NULL), 0);
	/* Both outcomes of the race must have happened for the test to mean
	 * anything. */
	T_ASSERT(ran_total > 0);
	T_ASSERT(enoent_total > 0);
	printf("callbacks run %ld, adds refused %ld\n", ran_total, enoent_total);
	T_PASS();
}
