/* SPDX-License-Identifier: MIT */
/*
 * Garbage from the application never crashes the stack or corrupts a
 * pool (run under ASan+UBSan as t_zcrx_garbage.asan): while a stream runs
 * through RECV_ZC, the application writes random refill entries (random
 * offsets, tokens, pads, double returns of buffers it already returned)
 * and random SQEs (random bytes, every opcode, bad flags and fields).
 * Every bad refill entry is dropped and counted, the stream still arrives
 * intact (8 MiB, every byte checked), garbage SQEs each get a CQE, and at
 * the end every buffer is back (the topology tears down).
 */
#include "t_zcrx.h"

#define TOTAL	(8u << 20)

static uint64_t seed = 0x5eed;

static void garbage_rqes(struct t_zc *z, uint64_t last_off, unsigned n, uint64_t *bad)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t r = t_rand(&seed), off;
		uint32_t pad = 0;

		switch (r % 5) {
		case 0: off = t_rand(&seed); break;				/* anything */
		case 1: off = (r % 64 + 1) << IORING_ZCRX_AREA_SHIFT; break;	/* wrong token */
		case 2: off = z->area_len + (r % 4096); break;			/* past the area */
		case 3: off = last_off; break;					/* returned already */
		default: off = r % 4096; pad = 1; break;			/* pad set */
		}
		if (!nm_uring_zcrx_rq_put(&z->rq, off, (uint32_t)r)) {
			nm_uring_zcrx_rq_commit(&z->rq);
			usleep(100);
			i--;
			continue;
		}
		z->rq.rqes[(z->rq.rq_tail - 1) & (z->rq.ring_entries - 1)].__pad = pad;
		(*bad)++;
	}
	nm_uring_zcrx_rq_commit(&z->rq);
}

static unsigned garbage_sqes(struct t_zc *z, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		struct io_uring_sqe *s = nm_uring_get_sqe(&z->ring);
		uint64_t *w;

		if (!s)
			break;
		w = (uint64_t *)s;
		for (unsigned j = 0; j < 8; j++)
			w[j] = t_rand(&seed);
		/* keep them from naming real sockets and the stream's request */
		s->fd = 100000 + (int)(t_rand(&seed) % 1000);
		if (i % 2)
			s->opcode = (uint8_t)(t_rand(&seed) % (IORING_OP_LAST + 4));
		s->user_data = 1000 + i;
		k++;
	}
	T_EQ(nm_uring_submit(&z->ring), (int)k);
	return k;
}

int main(void)
{
	struct t_zc_opts o = { .area = 4 << 20 };
	struct nm_uring_zcrx_stats s;
	struct t_zc_flow f = { 0 };
	struct t_zc *z = &f.z;
	uint64_t pos = 0, bad = 0, t0;
	unsigned sqes = 0, gcqes = 0;
	bool ended = false;

	t_zc_flow_up(&f, 6100, &o, 7, TOTAL, false);
	t0 = t_now_ms();
	while (pos < TOTAL) {
		struct io_uring_cqe *cq[64];
		unsigned got;

		if (t_now_ms() - t0 > 60000)
			T_FAIL("%llu of %u bytes after 60 s", (unsigned long long)pos, TOTAL);
		if (sqes < 2000)
			sqes += garbage_sqes(z, 8);
		got = nm_uring_peek_batch_cqe(&z->ring, cq, 64);
		if (!got) {
			t_zc_wait(z, 20);
			continue;
		}
		for (unsigned i = 0; i < got; i++) {
			uint64_t off;

			if (cq[i]->user_data != 7) {
				T_ASSERT(cq[i]->user_data >= 1000);
				gcqes++;
				continue;
			}
			if (!(cq[i]->flags & IORING_CQE_F_MORE)) {
				ended = true;
				continue;
			}
			off = nm_uring_zcrx_cqe(cq[i])->off & ~IORING_ZCRX_AREA_MASK;
			if (!t_pat_ok(z->area + off, (uint64_t)cq[i]->res, pos))
				T_FAIL("fragment at %llu does not hold the stream from %llu",
				       (unsigned long long)off, (unsigned long long)pos);
			pos += (uint64_t)cq[i]->res;
			while (!nm_uring_zcrx_rq_put(&z->rq, off, (uint32_t)cq[i]->res)) {
				nm_uring_zcrx_rq_commit(&z->rq);
				usleep(100);
			}
			nm_uring_zcrx_rq_commit(&z->rq);
			garbage_rqes(z, off, 2, &bad);
		}
		nm_uring_cq_advance(&z->ring, got);
	}
	T_ASSERT(!ended);
	/* the rest of the garbage SQEs' CQEs */
	for (int i = 0; i < 500 && gcqes < sqes; i++) {
		struct io_uring_cqe *c;

		if (nm_uring_peek_cqe(&z->ring, &c)) {
			t_zc_wait(z, 10);
			continue;
		}
		if (c->user_data >= 1000)
			gcqes++;
		nm_uring_cqe_seen(&z->ring, c);
	}
	T_EQ(gcqes, sqes);
	s = t_zc_stats(z);
	T_EQ(s.rqe_bad, bad);
	T_EQ(s.held, 0);
	printf("%llu bytes intact; %llu bad refill entries dropped, %u garbage SQEs answered\n",
	       (unsigned long long)pos, (unsigned long long)s.rqe_bad, sqes);
	t_zc_flow_down(&f);
	T_PASS();
}
