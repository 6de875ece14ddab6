/* SPDX-License-Identifier: MIT */
/* io_uring zcrx on the test bed (t_zcrx.h). */
#include <stdlib.h>
#include <sys/mman.h>

#include "t_zcrx.h"

void t_zc_hds(struct nm_netdev *nd)
{
	struct nm_ringparam rp;

	T_OK(nm_netdev_get_ringparam(nd, &rp));
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;
	rp.hds_thresh = 0;
	T_OK(nm_netdev_set_ringparam(nd, &rp));
}

void t_zc_prepare(struct t_zc *z, struct nm_stack *st, struct nm_netdev *nd, uint32_t q,
		  const struct t_zc_opts *o)
{
	uint32_t rq = o->rq_entries ? o->rq_entries : 4096;

	memset(z, 0, sizeof(*z));
	z->memfd = -1;
	T_OK(nm_uring_queue_init(st, o->ring_entries ? o->ring_entries : 256, &z->ring,
				 IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
				 IORING_SETUP_CQE32));
	z->area_len = o->area;
	if (o->dmabuf) {
		z->memfd = memfd_create("t-zcrx", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		T_ASSERT(z->memfd >= 0);
		T_ASSERT(ftruncate(z->memfd, (off_t)o->area) == 0);
		T_ASSERT(fcntl(z->memfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
		z->area = mmap(NULL, o->area, PROT_READ | PROT_WRITE, MAP_SHARED, z->memfd, 0);
		z->area_reg.flags = IORING_ZCRX_AREA_DMABUF;
		z->area_reg.dmabuf_fd = (uint32_t)z->memfd;
	} else {
		z->area = mmap(NULL, o->area, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		z->area_reg.addr = (uint64_t)(uintptr_t)z->area;
	}
	T_ASSERT(z->area != MAP_FAILED);
	z->area_reg.len = o->area;
	z->rq_len = (128 + (size_t)rq * sizeof(struct io_uring_zcrx_rqe) + 4095) & ~(size_t)4095;
	z->rq_mem = mmap(NULL, z->rq_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	T_ASSERT(z->rq_mem != MAP_FAILED);
	z->rd.user_addr = (uint64_t)(uintptr_t)z->rq_mem;
	z->rd.size = z->rq_len;
	z->rd.flags = IORING_MEM_REGION_TYPE_USER;
	z->reg.if_idx = (uint32_t)nm_netdev_ifindex(nd);
	z->reg.if_rxq = q;
	z->reg.rq_entries = rq;
	z->reg.rx_buf_len = o->rx_buf_len;
	z->reg.area_ptr = (uint64_t)(uintptr_t)&z->area_reg;
	z->reg.region_ptr = (uint64_t)(uintptr_t)&z->rd;
}

void t_zc_open(struct t_zc *z, struct nm_stack *st, struct nm_netdev *nd, uint32_t q,
	       const struct t_zc_opts *o)
{
	t_zc_prepare(z, st, nd, q, o);
	T_OK(nm_uring_register_ifq(&z->ring, &z->reg));
	z->id = z->reg.zcrx_id;
	nm_uring_zcrx_rq_init(&z->rq, z->rq_mem, &z->reg);
}

void t_zc_close(struct t_zc *z)
{
	nm_uring_queue_exit(&z->ring);
	munmap(z->area, z->area_len);
	munmap(z->rq_mem, z->rq_len);
	if (z->memfd >= 0)
		close(z->memfd);
	z->memfd = -1;
}

void t_zc_submit_recv(struct t_zc *z, int sd, uint64_t ud, uint32_t len)
{
	struct io_uring_sqe *sqe = nm_uring_get_sqe(&z->ring);

	T_ASSERT(sqe);
	nm_uring_prep_recv_zc(sqe, sd, z->id, len);
	sqe->user_data = ud;
	T_EQ(nm_uring_submit(&z->ring), 1);
}

static void keep(struct t_zc_rx *rx, uint64_t off, uint32_t len)
{
	if (rx->held == rx->held_cap) {
		rx->held_cap = rx->held_cap ? rx->held_cap * 2 : 1024;
		rx->held_off = realloc(rx->held_off, rx->held_cap * sizeof(*rx->held_off));
		rx->held_len = realloc(rx->held_len, rx->held_cap * sizeof(*rx->held_len));
		T_ASSERT(rx->held_off && rx->held_len);
	}
	rx->held_off[rx->held] = off;
	rx->held_len[rx->held++] = len;
}

static void refill(struct t_zc *z, uint64_t off, uint32_t len)
{
	uint64_t end = t_now_ns() + 10000000000ull;

	while (!nm_uring_zcrx_rq_put(&z->rq, off, len)) {
		/* full: publish and let the stack take them (bounded: a ring
		 * nobody takes from fails the test instead of hanging it) */
		nm_uring_zcrx_rq_commit(&z->rq);
		if (t_now_ns() > end)
			T_FAIL("the refill ring stayed full for 10 s: nothing takes its entries");
		usleep(100);
	}
}

unsigned t_zc_drain(struct t_zc *z, uint64_t ud, struct t_zc_rx *rx)
{
	struct io_uring_cqe *cqes[64];
	unsigned n = nm_uring_peek_batch_cqe(&z->ring, cqes, 64);

	for (unsigned i = 0; i < n; i++) {
		const struct io_uring_cqe *c = cqes[i];
		uint64_t off;

		if (c->user_data != ud)
			T_FAIL("CQE for %llu, expected %llu (res %d)",
			       (unsigned long long)c->user_data, (unsigned long long)ud, c->res);
		if (!(c->flags & IORING_CQE_F_MORE)) {
			rx->ended = true;
			rx->final_res = c->res;
			continue;
		}
		T_ASSERT(c->res > 0);
		off = nm_uring_zcrx_cqe(c)->off;
		T_EQ(off & IORING_ZCRX_AREA_MASK, z->area_reg.rq_area_token);
		off &= ~IORING_ZCRX_AREA_MASK;
		if (off + (uint64_t)c->res > z->area_len)
			T_FAIL("fragment [%llu, +%d) outside the %llu-byte area",
			       (unsigned long long)off, c->res, (unsigned long long)z->area_len);
		if (!t_pat_ok(z->area + off, (uint64_t)c->res, rx->pos))
			T_FAIL("fragment at area offset %llu (%d bytes) does not hold the "
			       "stream from %llu", (unsigned long long)off, c->res,
			       (unsigned long long)rx->pos);
		rx->pos += (uint64_t)c->res;
		rx->cqes++;
		if (rx->hold)
			keep(rx, off | z->area_reg.rq_area_token, (uint32_t)c->res);
		else
			refill(z, off | z->area_reg.rq_area_token, (uint32_t)c->res);
	}
	nm_uring_cq_advance(&z->ring, n);
	nm_uring_zcrx_rq_commit(&z->rq);
	return n;
}

int t_zc_wait(struct t_zc *z, int ms)
{
	struct __kernel_timespec ts = { ms / 1000, (long long)(ms % 1000) * 1000000 };
	struct io_uring_cqe *c;

	return nm_uring_wait_cqe_timeout(&z->ring, &c, &ts);
}

void t_zc_rx_free(struct t_zc_rx *rx)
{
	free(rx->held_off);
	free(rx->held_len);
	rx->held_off = NULL;
	rx->held_len = NULL;
	rx->held_cap = rx->held = 0;
}

void t_zc_release(struct t_zc *z, struct t_zc_rx *rx)
{
	for (uint64_t i = 0; i < rx->held; i++)
		refill(z, rx->held_off[i], rx->held_len[i]);
	nm_uring_zcrx_rq_commit(&z->rq);
	rx->held = 0;
}

void t_zc_recv_all(struct t_zc *z, uint64_t ud, struct t_zc_rx *rx, uint64_t total,
		   unsigned limit_s)
{
	struct t_progress p;

	t_progress_start(&p);
	while (rx->pos < total && !rx->ended) {
		t_progress_check(&p, rx->pos, total, limit_s);
		if (!t_zc_drain(z, ud, rx))
			t_zc_wait(z, 50);
	}
}

struct nm_uring_zcrx_stats t_zc_stats(struct t_zc *z)
{
	struct nm_uring_zcrx_stats s;

	T_OK(nm_uring_zcrx_get_stats(&z->ring, z->id, &s, sizeof(s)));
	return s;
}

/* ---- the stacks' thread ----------------------------------------------------------------- */

static void *stk_main(void *arg)
{
	struct t_stk *s = arg;
	uint64_t pos = 0;

	/* take the stacks over before the caller waits on a ring: from now on
	 * this thread is their poller (the caller's waits no longer run them) */
	nm_stack_poll(s->n->sa, 0);
	nm_stack_poll(s->n->sb, 0);
	atomic_store(&s->started, true);
	while (!atomic_load(&s->stop)) {
		int work = nm_stack_poll(s->n->sa, 0) + nm_stack_poll(s->n->sb, 0);

		if (s->csd >= 0 && pos < s->total) {
			ssize_t r = t_dm_send(s->csd, &pos, s->total - pos);

			if (r < 0 && r != -EAGAIN)
				T_FAIL("send: %s", nm_last_error());
			atomic_store(&s->sent, pos);
			if (pos == s->total && s->close_after) {
				nm_close(s->csd);
				s->csd = -1;
			}
		}
		if (!work)
			nm_stack_poll(s->n->sb, 1);	/* sleep on B (the ring's wakeups) */
	}
	return NULL;
}

void t_stk_start(struct t_stk *s, struct t_net *n, int csd, uint64_t total, bool close_after)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->csd = csd;
	s->total = total;
	s->close_after = close_after;
	T_ASSERT(pthread_create(&s->th, NULL, stk_main, s) == 0);
	while (!atomic_load(&s->started))
		usleep(100);
}

void t_stk_stop(struct t_stk *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->th, NULL);
}

/* ---- a whole flow ---------------------------------------------------------------------------- */

void t_zc_flow_up(struct t_zc_flow *f, uint16_t port, const struct t_zc_opts *o, uint64_t ud,
		  uint64_t total, bool close_after)
{
	if (!f->have_net)
		t_net_up(&f->n, NULL);
	t_zc_hds(f->n.ndb);
	f->lsd = t_listen(f->n.sb, AF_INET, port, 8);
	f->csd = t_connect_pair(&f->n, f->lsd, "198.18.0.2", port, &f->ssd);
	t_zc_open(&f->z, f->n.sb, f->n.ndb, 0, o);
	t_zc_submit_recv(&f->z, f->ssd, ud, 0);
	t_stk_start(&f->th, &f->n, f->csd, total, close_after);
}

void t_zc_flow_down(struct t_zc_flow *f)
{
	t_stk_stop(&f->th);
	t_pump(&f->n);		/* this thread runs the stacks again */
	if (f->th.csd >= 0)	/* not closed by the thread */
		nm_close(f->csd);
	nm_close(f->ssd);
	nm_close(f->lsd);
	t_pump_for(&f->n, 50);
	t_zc_close(&f->z);
	t_pump_for(&f->n, 50);
	t_rx_idle(f->n.ndb);
	t_net_down(&f->n);
}
