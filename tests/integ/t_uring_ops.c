/* SPDX-License-Identifier: MIT */
/*
 * nm_uring's rings and opcodes, with the kernel's results: setup flags
 * refused as io_uring_setup() refuses them; NOP (and its injected
 * result); unknown opcodes, opcodes past IORING_OP_LAST, unknown SQE flags
 * and a personality complete with -EINVAL; ACCEPT multishot (two
 * connections, F_MORE each), RECV, SEND, SEND_ZC (its result with F_MORE,
 * then the notification), CLOSE (and -EBADF after it), per-op field
 * checks; SINGLE_ISSUER refuses a second submitting thread with -EEXIST.
 * Part one runs everything on the stack's thread (waiting runs the loop);
 * part two has the stacks on their own thread.
 */
#include "t_zcrx.h"

static struct io_uring_cqe *wait1(struct nm_uring *r)
{
	struct __kernel_timespec ts = { 5, 0 };
	struct io_uring_cqe *c = NULL;

	T_OK(nm_uring_wait_cqe_timeout(r, &c, &ts));
	return c;
}

/* Submit one prepared SQE, return its CQE's res (seen). */
static int32_t one(struct nm_uring *r, uint64_t ud, uint32_t *flags)
{
	struct io_uring_cqe *c;
	int32_t res;

	T_EQ(nm_uring_submit(r), 1);
	c = wait1(r);
	T_EQ(c->user_data, ud);
	res = c->res;
	if (flags)
		*flags = c->flags;
	nm_uring_cqe_seen(r, c);
	return res;
}

static struct io_uring_sqe *sqe_of(struct nm_uring *r, uint64_t ud)
{
	struct io_uring_sqe *s = nm_uring_get_sqe(r);

	T_ASSERT(s);
	nm_uring_prep_nop(s);
	s->user_data = ud;
	return s;
}

static void setup_refusals(struct nm_stack *st)
{
	struct nm_uring r;

	T_ERR(nm_uring_queue_init(st, 8, &r, IORING_SETUP_SQPOLL), -EINVAL);
	T_ERR(nm_uring_queue_init(st, 8, &r, IORING_SETUP_DEFER_TASKRUN), -EINVAL);
	T_ERR(nm_uring_queue_init(st, 0, &r, 0), -EINVAL);
	T_ERR(nm_uring_queue_init(st, 65536, &r, 0), -EINVAL);
	T_ERR(nm_uring_queue_init(NULL, 8, &r, 0), -EINVAL);
	T_OK(nm_uring_queue_init(st, 65536, &r, IORING_SETUP_CLAMP));
	T_EQ(r.sq.ring_entries, 32768u);
	T_EQ(r.cq.ring_entries, 65536u);
	nm_uring_queue_exit(&r);
	T_OK(nm_uring_queue_init(st, 5, &r, 0));	/* rounded up */
	T_EQ(r.sq.ring_entries, 8u);
	for (int i = 0; i < 8; i++)
		T_ASSERT(nm_uring_get_sqe(&r));
	T_ASSERT(!nm_uring_get_sqe(&r));		/* SQ full */
	nm_uring_queue_exit(&r);
	/* a NULL, closed or never opened ring: refused, no crash */
	T_ASSERT(!nm_uring_get_sqe(&r));
	T_ASSERT(!nm_uring_get_sqe(NULL));
	T_EQ(nm_uring_cq_ready(&r), 0u);
	T_EQ(nm_uring_cq_ready(NULL), 0u);
	nm_uring_cq_advance(NULL, 3);
	nm_uring_cq_advance(&r, 3);
	memset(&r, 0, sizeof(r));
	T_ASSERT(!nm_uring_get_sqe(&r));
	T_ERR(nm_uring_submit(&r), -EINVAL);
	/* advancing past the CQEs ready moves the head only to the tail */
	T_OK(nm_uring_queue_init(st, 8, &r, 0));
	T_OK(nm_stack_poll(st, 0));		/* this thread runs the loop */
	nm_uring_cq_advance(&r, 5);
	T_EQ(nm_uring_cq_ready(&r), 0u);
	sqe_of(&r, 77);
	T_EQ(one(&r, 77, NULL), 0);		/* the next CQE is still seen */
	T_EQ(nm_uring_cq_ready(&r), 0u);
	nm_uring_queue_exit(&r);
}

static void sqe_refusals(struct nm_uring *r, int ssd)
{
	struct io_uring_sqe *s;
	uint32_t fl;

	s = sqe_of(r, 1);
	s->nop_flags = IORING_NOP_INJECT_RESULT;
	s->len = 42;
	T_EQ(one(r, 1, NULL), 42);
	s = sqe_of(r, 2);
	s->nop_flags = 1u << 7;
	T_EQ(one(r, 2, NULL), -EINVAL);
	s = sqe_of(r, 3);
	s->opcode = IORING_OP_READV;		/* real, not implemented here */
	T_EQ(one(r, 3, NULL), -EINVAL);
	s = sqe_of(r, 4);
	s->opcode = 200;			/* past IORING_OP_LAST */
	T_EQ(one(r, 4, NULL), -EINVAL);
	s = sqe_of(r, 5);
	s->flags = 1u << 7;			/* unknown SQE flag */
	T_EQ(one(r, 5, NULL), -EINVAL);
	s = sqe_of(r, 6);
	s->personality = 3;
	T_EQ(one(r, 6, NULL), -EINVAL);
	s = sqe_of(r, 7);
	s->flags = IOSQE_ASYNC;
	T_EQ(one(r, 7, &fl), 0);
	T_EQ(fl, 0u);
	/* per-op fields */
	s = nm_uring_get_sqe(r);
	nm_uring_prep_recv(s, ssd, NULL, 0, 0);
	s->ioprio = IORING_RECV_MULTISHOT;	/* needs provided buffers */
	s->user_data = 8;
	T_EQ(one(r, 8, NULL), -EINVAL);
	s = nm_uring_get_sqe(r);
	nm_uring_prep_close(s, ssd);
	s->len = 1;
	s->user_data = 9;
	T_EQ(one(r, 9, NULL), -EINVAL);
	s = nm_uring_get_sqe(r);
	nm_uring_prep_accept(s, ssd, NULL, NULL, 0);
	s->len = 1;
	s->user_data = 10;
	T_EQ(one(r, 10, NULL), -EINVAL);
	s = nm_uring_get_sqe(r);
	nm_uring_prep_send(s, 9999, "x", 1, 0);
	s->user_data = 11;
	T_EQ(one(r, 11, NULL), -EBADF);
	s = nm_uring_get_sqe(r);
	nm_uring_prep_recv_zc(s, ssd, 0, 0);	/* no ifq registered */
	s->user_data = 12;
	T_EQ(one(r, 12, NULL), -EINVAL);
}

/* Everything on the stack's thread: waiting runs the loop. */
static void inline_part(void)
{
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	struct io_uring_cqe *c;
	struct io_uring_sqe *s;
	struct nm_uring r;
	struct t_net n;
	char buf[64] = { 0 };
	int lsd, c1, c2, a1 = -1, a2 = -1;
	uint32_t fl;

	t_net_up(&n, NULL);
	setup_refusals(n.sb);
	lsd = t_listen(n.sb, AF_INET, 5001, 8);
	T_OK(nm_uring_queue_init(n.sb, 16, &r, IORING_SETUP_SINGLE_ISSUER |
				 IORING_SETUP_DEFER_TASKRUN));
	t_pump(&n);			/* this thread runs the loops */
	sqe_refusals(&r, lsd);

	/* multishot accept: one CQE per connection, F_MORE on each */
	s = nm_uring_get_sqe(&r);
	nm_uring_prep_multishot_accept(s, lsd, (struct sockaddr *)&peer, &plen, 0);
	s->user_data = 100;
	T_EQ(nm_uring_submit(&r), 1);
	struct sockaddr_in to = t_sin("198.18.0.2", 5001);
	c1 = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	c2 = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	T_EQ(nm_connect(c1, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
	T_EQ(nm_connect(c2, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
	for (int got = 0, i = 0; got < 2 && i < 5000; i++) {
		t_pump(&n);
		if (nm_uring_peek_cqe(&r, &c) == 0) {
			T_EQ(c->user_data, 100u);
			T_ASSERT(c->res >= 0);
			T_ASSERT(c->flags & IORING_CQE_F_MORE);
			if (got++ == 0)
				a1 = c->res;
			else
				a2 = c->res;
			nm_uring_cqe_seen(&r, c);
		}
	}
	T_ASSERT(a1 >= 0 && a2 >= 0 && a1 != a2);
	T_EQ(peer.sin_family, AF_INET);

	/* RECV waits for data; SEND and SEND_ZC from the ring */
	s = nm_uring_get_sqe(&r);
	nm_uring_prep_recv(s, a1, buf, sizeof(buf), 0);
	s->user_data = 200;
	T_EQ(nm_uring_submit(&r), 1);
	t_pump(&n);
	T_EQ(nm_uring_cq_ready(&r), 0u);	/* pending: nothing sent yet */
	T_EQ(nm_send(c1, "hello", 5, 0), 5);
	c = wait1(&r);
	T_EQ(c->user_data, 200u);
	T_EQ(c->res, 5);
	T_ASSERT(!memcmp(buf, "hello", 5));
	nm_uring_cqe_seen(&r, c);

	s = nm_uring_get_sqe(&r);
	nm_uring_prep_send(s, a2, "ring", 4, 0);
	s->user_data = 300;
	T_EQ(one(&r, 300, NULL), 4);
	s = nm_uring_get_sqe(&r);
	nm_uring_prep_send_zc(s, a2, "zc!", 3, 0, IORING_SEND_ZC_REPORT_USAGE);
	s->user_data = 301;
	T_EQ(one(&r, 301, &fl), 3);
	T_ASSERT(fl & IORING_CQE_F_MORE);
	c = wait1(&r);			/* the notification */
	T_EQ(c->user_data, 301u);
	T_ASSERT(c->flags & IORING_CQE_F_NOTIF);
	T_EQ((uint32_t)c->res, IORING_NOTIF_USAGE_ZC_COPIED);
	nm_uring_cqe_seen(&r, c);
	/* a NULL buffer: nothing to send, or EFAULT, as Linux (the .asan
	 * build's UBSan caught the pointer arithmetic on NULL; found by
	 * fuzz_uring) */
	s = nm_uring_get_sqe(&r);
	nm_uring_prep_send(s, a2, NULL, 0, 0);
	s->user_data = 302;
	T_EQ(one(&r, 302, NULL), 0);
	s = nm_uring_get_sqe(&r);
	nm_uring_prep_send(s, a2, NULL, 4, 0);
	s->user_data = 303;
	T_EQ(one(&r, 303, NULL), -EFAULT);
	for (int i = 0; i < 100; i++)
		t_pump(&n);
	T_EQ(nm_recv(c2, buf, sizeof(buf), MSG_DONTWAIT), 7);
	T_ASSERT(!memcmp(buf, "ringzc!", 7));

	/* a request on a socket the application closes does not move to the
	 * next socket that gets the same descriptor */
	{
		int x = t_listen(n.sb, AF_INET, 5002, 4), y, c3, a3;
		struct sockaddr_in to3 = t_sin("198.18.0.2", 5003);

		s = nm_uring_get_sqe(&r);
		nm_uring_prep_accept(s, x, NULL, NULL, 0);
		s->user_data = 250;
		T_EQ(nm_uring_submit(&r), 1);
		t_pump(&n);
		T_EQ(nm_uring_cq_ready(&r), 0u);	/* pending: no connection */
		T_OK(nm_close(x));
		y = t_listen(n.sb, AF_INET, 5003, 4);
		T_EQ(y, x);
		c3 = (int)T_OK(nm_socket(n.sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
		T_EQ(nm_connect(c3, (struct sockaddr *)&to3, sizeof(to3)), -EINPROGRESS);
		c = wait1(&r);
		T_EQ(c->user_data, 250u);
		T_EQ(c->res, -EBADF);
		nm_uring_cqe_seen(&r, c);
		/* y's connection is still y's */
		a3 = -EAGAIN;
		for (int i = 0; i < 1000 && a3 == -EAGAIN; i++) {
			t_pump(&n);
			a3 = nm_accept4(y, NULL, NULL, SOCK_NONBLOCK);
		}
		T_ASSERT(a3 >= 0);
		nm_close(a3);
		nm_close(c3);
		nm_close(y);
	}

	/* CLOSE ends the multishot accept on it, then the descriptor is gone */
	s = nm_uring_get_sqe(&r);
	nm_uring_prep_close(s, lsd);
	s->user_data = 400;
	T_EQ(nm_uring_submit(&r), 1);
	for (int seen = 0, i = 0; seen < 2 && i < 100; i++) {
		c = wait1(&r);
		if (c->user_data == 100)
			T_EQ(c->res, -ECANCELED);
		else
			T_EQ(c->res, 0);
		T_ASSERT(!(c->flags & IORING_CQE_F_MORE));
		nm_uring_cqe_seen(&r, c);
		seen++;
	}
	s = nm_uring_get_sqe(&r);
	nm_uring_prep_close(s, lsd);
	s->user_data = 401;
	T_EQ(one(&r, 401, NULL), -EBADF);
	nm_uring_queue_exit(&r);
	nm_close(a1);
	nm_close(a2);
	nm_close(c1);
	nm_close(c2);
	t_pump_for(&n, 20);
	t_net_down(&n);
}

struct other {
	struct nm_uring *r;
	int ret;
};

static void *submit_other(void *arg)
{
	struct other *o = arg;
	struct io_uring_sqe *s = nm_uring_get_sqe(o->r);

	nm_uring_prep_nop(s);
	o->ret = nm_uring_submit(o->r);
	return NULL;
}

/* A NOP submitted from another thread a little later. */
static void *nop_later(void *arg)
{
	struct io_uring_sqe *s;

	usleep(50000);
	s = nm_uring_get_sqe(arg);
	nm_uring_prep_nop(s);
	s->user_data = 7;
	nm_uring_submit(arg);
	return NULL;
}

/* A timeout too long for 64-bit nanoseconds waits (it wrapped into a
 * deadline already passed: -ETIME at once). */
static void huge_timeout(struct nm_stack *st)
{
	struct __kernel_timespec ts = { (int64_t)1 << 62, 0 };	/* * 1e9 wraps to 0 */
	struct io_uring_cqe *c = NULL;
	struct nm_uring r;
	pthread_t t;

	T_OK(nm_uring_queue_init(st, 8, &r, 0));
	T_ASSERT(pthread_create(&t, NULL, nop_later, &r) == 0);
	T_OK(nm_uring_wait_cqe_timeout(&r, &c, &ts));
	T_EQ(c->user_data, 7u);
	nm_uring_cqe_seen(&r, c);
	pthread_join(t, NULL);
	nm_uring_queue_exit(&r);
}

/* The stacks on their own thread, the ring on this one. */
static void threaded_part(void)
{
	struct io_uring_cqe *cq[8];
	struct other o;
	struct t_stk th;
	struct nm_uring r;
	struct t_net n;
	pthread_t t;

	t_net_up(&n, NULL);
	T_OK(nm_uring_queue_init(n.sb, 8, &r, IORING_SETUP_SINGLE_ISSUER |
				 IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQE32));
	t_stk_start(&th, &n, -1, 0, false);
	for (int i = 0; i < 4; i++) {
		struct io_uring_sqe *s = nm_uring_get_sqe(&r);

		nm_uring_prep_nop(s);
		s->user_data = (uint64_t)i;
	}
	T_EQ(nm_uring_submit_and_wait(&r, 4), 4);
	T_EQ(nm_uring_peek_batch_cqe(&r, cq, 8), 4u);
	for (int i = 0; i < 4; i++)
		T_EQ(cq[i]->res, 0);
	nm_uring_cq_advance(&r, 4);
	T_EQ(nm_uring_cq_ready(&r), 0u);
	/* waiting for more CQEs than the CQ holds: the kernel's io_uring_enter
	 * waits for a full CQ (min_complete is capped at cq_entries); this
	 * once waited forever (the alarm ends the test if it does) */
	for (int i = 0; i < 8; i++)
		nm_uring_prep_nop(nm_uring_get_sqe(&r));
	T_EQ(nm_uring_submit_and_wait(&r, 8), 8);
	for (int i = 0; i < 8; i++)
		nm_uring_prep_nop(nm_uring_get_sqe(&r));
	alarm(20);
	T_EQ(nm_uring_submit_and_wait(&r, 100), 8);
	alarm(0);
	T_EQ(nm_uring_cq_ready(&r), 16u);
	nm_uring_cq_advance(&r, 16);
	/* SINGLE_ISSUER: this thread submitted first */
	o.r = &r;
	T_ASSERT(pthread_create(&t, NULL, submit_other, &o) == 0);
	pthread_join(t, NULL);
	T_EQ(o.ret, -EEXIST);
	nm_uring_queue_exit(&r);
	huge_timeout(n.sb);
	t_stk_stop(&th);
	t_net_down(&n);
}

int main(void)
{
	inline_part();
	threaded_part();
	T_PASS();
}
