/* The timer wheel against a naive model: 10^6 random mod / del / run /
 * next operations over 1000 timers with expiries from the past to hours
 * ahead (every level of the wheel, cascades, the due list), callbacks that
 * re-arm themselves and cancel others.  Checked: a timer fires exactly when
 * the model says (never early, never missed, never twice), del reports
 * pendingness, nm_timer_next is never late.  Plus the far-future clamp. */
#include "t_util.h"
#include "net/timer.h"

#define N	1000
#define OPS	1000000

struct mt {
	struct nm_timer t;
	int idx;
	bool pending;		/* model */
	bool past;		/* armed with expires <= now at the time */
	uint64_t expires;
	int fired;		/* in the current run */
	bool deleted_in_run;
};

static struct mt tm[N];
static struct nm_timer_wheel *w;
static uint64_t now, seed = 0x1234567;
static int in_run_rearm, in_run_del;

static uint64_t fire_at(const struct mt *m)
{
	uint64_t tick = (m->expires + NM_TIMER_TICK_US - 1) / NM_TIMER_TICK_US;

	return m->past ? 0 : tick * NM_TIMER_TICK_US;
}

static void model_arm(struct mt *m, uint64_t expires)
{
	m->pending = true;
	m->expires = expires;
	m->past = expires <= now;
}

static void cb(struct nm_timer *t)
{
	struct mt *m = (struct mt *)t;

	/* never early, never twice */
	if (!m->pending)
		T_FAIL("timer %d fired but the model has it idle", m->idx);
	if (fire_at(m) > now)
		T_FAIL("timer %d early: fire at %" PRIu64 ", now %" PRIu64, m->idx, fire_at(m), now);
	T_ASSERT(!nm_timer_pending(t));
	m->pending = false;
	m->fired++;
	uint64_t r = t_rand(&seed) % 100;
	if (r < 10) {
		uint64_t e = now - 5000 + t_rand(&seed) % 400000;

		model_arm(m, e);
		nm_timer_mod(w, t, e);
		in_run_rearm++;
	} else if (r < 15) {
		struct mt *o = &tm[t_rand(&seed) % N];

		if (o != m) {
			bool was = o->pending;

			T_EQ(nm_timer_del(w, &o->t), was);
			if (was) {
				o->pending = false;
				o->deleted_in_run = true;
				in_run_del++;
			}
		}
	}
}

static uint64_t rand_delay(void)
{
	uint64_t r = t_rand(&seed) % 100;

	if (r < 30)
		return t_rand(&seed) % 300000;			/* level 0 */
	if (r < 60)
		return t_rand(&seed) % 70000000;		/* level 1 */
	if (r < 70)
		return t_rand(&seed) % (3600ull * 1000000);	/* level 2 */
	if (r < 72)
		return t_rand(&seed) % (20ull * 3600 * 1000000);	/* level 3 */
	return t_rand(&seed) % 5000;
}

static void check_next(void)
{
	uint64_t d = nm_timer_next(w, now), best = UINT64_MAX;

	for (int i = 0; i < N; i++) {
		if (!tm[i].pending)
			continue;
		uint64_t f = fire_at(&tm[i]);
		uint64_t rel = f > now ? f - now : 0;

		if (rel < best)
			best = rel;
	}
	if (best == UINT64_MAX)
		T_EQ(d == UINT64_MAX, 1);
	else if (d > best)
		T_FAIL("next %" PRIu64 " later than the earliest timer %" PRIu64, d, best);
}

static void do_run(void)
{
	uint64_t r = t_rand(&seed) % 1000, adv;
	bool predicted[N];

	if (r < 200)
		adv = 0;
	else if (r < 700)
		adv = t_rand(&seed) % 5000;
	else if (r < 990)
		adv = t_rand(&seed) % 300000;
	else
		adv = t_rand(&seed) % (2ull * 3600 * 1000000);
	now += adv;
	for (int i = 0; i < N; i++) {
		predicted[i] = tm[i].pending && fire_at(&tm[i]) <= now;
		tm[i].fired = 0;
		tm[i].deleted_in_run = false;
	}
	int n = nm_timer_run(w, now);
	int fired = 0;
	for (int i = 0; i < N; i++) {
		if (tm[i].fired > 1)
			T_FAIL("timer %d fired %d times in one run", i, tm[i].fired);
		if (tm[i].fired && !predicted[i])
			T_FAIL("timer %d fired unpredicted", i);
		if (predicted[i] && !tm[i].fired && !tm[i].deleted_in_run)
			T_FAIL("timer %d missed: fire at %" PRIu64 " now %" PRIu64, i,
			       fire_at(&tm[i]), now);
		fired += tm[i].fired;
		T_EQ(nm_timer_pending(&tm[i].t), tm[i].pending);
	}
	T_EQ(n, fired);
}

int main(void)
{
	uint64_t runs = 0, mods = 0, dels = 0;

	now = 1000000007;
	T_OK(nm_timer_wheel_create(now, &w));
	T_ERR(nm_timer_wheel_create(now, NULL), -EINVAL);
	for (int i = 0; i < N; i++) {
		nm_timer_init(&tm[i].t, cb);
		tm[i].idx = i;
	}
	T_EQ(nm_timer_next(w, now), UINT64_MAX);
	for (int op = 0; op < OPS; op++) {
		uint64_t r = t_rand(&seed) % 100;
		struct mt *m = &tm[t_rand(&seed) % N];

		if (r < 45) {
			uint64_t e;

			if (t_rand(&seed) % 20 == 0)
				e = now - t_rand(&seed) % 1000000;	/* the past */
			else
				e = now + rand_delay();
			model_arm(m, e);
			nm_timer_mod(w, &m->t, e);
			mods++;
		} else if (r < 65) {
			T_EQ(nm_timer_del(w, &m->t), m->pending);
			m->pending = false;
			dels++;
		} else if (r < 95) {
			do_run();
			runs++;
		} else {
			check_next();
		}
	}
	/* drain: everything fires eventually */
	now += 21ull * 3600 * 1000000;
	for (int i = 0; i < N; i++)
		tm[i].fired = 0;
	nm_timer_run(w, now);
	now += 1000000;	/* what callbacks re-armed in the drain */
	nm_timer_run(w, now);
	printf("%" PRIu64 " mods, %" PRIu64 " dels, %" PRIu64 " runs, %d re-armed and %d cancelled "
	       "in callbacks\n", mods, dels, runs, in_run_rearm, in_run_del);
	for (int i = 0; i < N; i++)
		T_ASSERT(!tm[i].pending);
	T_EQ(nm_timer_next(w, now), UINT64_MAX);

	/* beyond the wheel's span (49 days): parked, never early */
	struct mt far = { .idx = -1 };
	nm_timer_init(&far.t, cb);
	uint64_t base = now;
	model_arm(&far, now + 100ull * 24 * 3600 * 1000000);
	nm_timer_mod(w, &far.t, far.expires);
	now = base + 50ull * 24 * 3600 * 1000000;
	T_EQ(nm_timer_run(w, now), 0);
	T_ASSERT(nm_timer_pending(&far.t));
	T_ASSERT(nm_timer_next(w, now) <= 50ull * 24 * 3600 * 1000000);
	T_ASSERT(nm_timer_del(w, &far.t));
	T_ASSERT(!nm_timer_del(w, &far.t));
	nm_timer_wheel_destroy(w);
	T_PASS();
}
