/* SPDX-License-Identifier: MIT */
/*
 * io_uring zcrx against devmem recvmsg and the copy path, on the same wire
 * in the same run: two netmem stacks on an in-process shm wire (MTU 9000),
 * 1 GiB per measurement (NM_BENCH_QUICK=1: 128 MiB).
 *
 *   own_thread_zcrx_vs_devmem   MB/s of an application on its own thread:
 *       zcrx: a stack thread runs both stacks (the sender's sends
 *       included); the application only touches the rings (RECV_ZC CQEs
 *       read, buffers handed back through the refill ring).  Baseline:
 *       devmem recvmsg(MSG_SOCK_DEVMEM) + SO_DEVMEM_DONTNEED from the
 *       application thread, which must hold the stack's lock for each call
 *       (a socket call runs on the stack; the lock's holder polls, the way
 *       `netmem run` drives a stack from many threads).  ratio = zcrx /
 *       devmem (the target: >= 1.2).
 *   own_thread_copy             the copy path the same way (recv() into a
 *       host buffer under the lock), MB/s; ratio = zcrx / copy.
 *   stack_thread_zcrx_vs_devmem the application on the stack's thread
 *       (waiting for CQEs runs the loop; devmem's blocking recvmsg runs
 *       it), the sender on a thread of its own.  ratio = zcrx / devmem.
 *   stack_thread_copy           the copy path so, ratio = zcrx / copy.
 *
 * read_*: the same four, the application reading every byte it receives
 *       (a checksum): zcrx where it landed in the area (its own memory),
 *       devmem through one CPU-access window of the dma-buf per recvmsg
 *       (opened outside the stack's lock), copy in its host buffer.
 * Each figure is the best of three runs, interleaved.
 * No receiver touches the payload beyond what its path needs (an
 * accelerator would take the offsets): zcrx and devmem report where it
 * lies, the copy path copies it into host memory.  Every stream's length
 * is checked.
 */
#include <sched.h>

#include <netmem/devmem.h>
#include <netmem/uring.h>

#include "bench.h"
#include "t_zcrx.h"

#define AREA	(64u << 20)

enum path { P_ZCRX, P_DEVMEM, P_COPY };

/* The application reads every byte it receives (a checksum), or only
 * takes it (an accelerator would get the offsets). */
static bool g_touch;
static uint64_t g_sum;
static struct nm_dmabuf *g_buf;		/* devmem: the bound dma-buf */

static void touch(const uint8_t *p, size_t n)
{
	uint64_t s = 0, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		s += w;
	}
	for (; i < n; i++)
		s += p[i];
	g_sum += s;
}

static double best(double a, double b)
{
	return a > b ? a : b;
}

/* ---- the stacks' thread: both stacks, the sender's sends, an optional
 * lock the application takes for its socket calls ----------------------------- */

struct stk {
	struct t_net *n;
	int csd;
	uint64_t total, sent;
	pthread_mutex_t *lock;
	atomic_bool stop;
};

static void *stk_main(void *arg)
{
	struct stk *s = arg;

	nm_stack_poll(s->n->sa, 0);
	nm_stack_poll(s->n->sb, 0);
	atomic_store(&s->stop, false);
	while (!atomic_load(&s->stop)) {
		int work;

		if (s->lock)
			pthread_mutex_lock(s->lock);
		work = nm_stack_poll(s->n->sa, 0) + nm_stack_poll(s->n->sb, 0);
		if (s->csd >= 0 && s->sent < s->total) {
			ssize_t r = t_dm_send(s->csd, &s->sent, s->total - s->sent);

			if (r > 0)
				work++;
		}
		if (s->lock)
			pthread_mutex_unlock(s->lock);
		/* never sleeps, either way: the comparison is of the
		 * application's path, not of wakeups */
		if (!work)
			sched_yield();
	}
	return NULL;
}

/* ---- receivers ------------------------------------------------------------------ */

static uint64_t rx_zcrx(struct t_zc *z, int sd, uint64_t total)
{
	struct io_uring_cqe *cq[256];
	uint64_t got = 0;

	t_zc_submit_recv(z, sd, 9, 0);
	while (got < total) {
		unsigned n = nm_uring_peek_batch_cqe(&z->ring, cq, 256);

		if (!n) {
			if (t_zc_wait(z, 5000) == -ETIME) {
				struct nm_uring_zcrx_stats st = t_zc_stats(z);
				T_FAIL("zcrx: nothing for 5 s at %llu (held %llu alloc_fail %llu "
				       "cqes %llu bad %llu)", (unsigned long long)got,
				       (unsigned long long)st.held, (unsigned long long)st.alloc_fail,
				       (unsigned long long)st.cqes, (unsigned long long)st.rqe_bad);
			}
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			const struct io_uring_zcrx_cqe *zc = nm_uring_zcrx_cqe(cq[i]);

			if (!(cq[i]->flags & IORING_CQE_F_MORE))
				T_FAIL("zcrx ended with %d at %llu", cq[i]->res,
				       (unsigned long long)got);
			if (g_touch)
				touch(z->area + (zc->off & ~IORING_ZCRX_AREA_MASK),
				      (size_t)cq[i]->res);
			got += (uint64_t)cq[i]->res;
			while (!nm_uring_zcrx_rq_put(&z->rq, zc->off, (uint32_t)cq[i]->res))
				nm_uring_zcrx_rq_commit(&z->rq);
		}
		nm_uring_cq_advance(&z->ring, n);
		nm_uring_zcrx_rq_commit(&z->rq);
	}
	return got;
}

/* Read the frags of one devmem recvmsg through one CPU-access window
 * over them (on this udmabuf a window is bookkeeping; with NM_MEM_CHECK=1
 * it changes page protections). */
static void touch_frags(const struct dmabuf_cmsg *f, int nf)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	uint8_t *w;

	if (!nf)
		return;
	for (int i = 0; i < nf; i++) {
		lo = f[i].frag_offset < lo ? f[i].frag_offset : lo;
		if (f[i].frag_offset + f[i].frag_size > hi)
			hi = f[i].frag_offset + f[i].frag_size;
	}
	T_OK(nm_dmabuf_begin_cpu_access(g_buf, lo, hi - lo, NM_DMA_FROM_DEVICE, (void **)&w));
	for (int i = 0; i < nf; i++)
		touch(w + (f[i].frag_offset - lo), f[i].frag_size);
	T_OK(nm_dmabuf_end_cpu_access(g_buf, lo, hi - lo, NM_DMA_FROM_DEVICE));
}

static void lock_if(pthread_mutex_t *lock)
{
	if (lock)
		pthread_mutex_lock(lock);
}

static void unlock_if(pthread_mutex_t *lock)
{
	if (lock)
		pthread_mutex_unlock(lock);
}

/* One devmem recvmsg or copy recv; the stack's lock held around each
 * socket call when given (not around the reading). */
static ssize_t rx_once(enum path p, int sd, pthread_mutex_t *lock)
{
	static uint8_t lin[256u << 10];
	static uint8_t cbuf[CMSG_SPACE(sizeof(struct dmabuf_cmsg)) * 256];
	static struct dmabuf_cmsg frags[256];
	struct iovec iov = { lin, sizeof(lin) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct dmabuf_token tk[128];
	int ntk = 0, nf = 0, fl = lock ? MSG_DONTWAIT : 0;
	ssize_t n;

	lock_if(lock);
	n = p == P_COPY ? nm_recv(sd, lin, sizeof(lin), fl) :
			  nm_recvmsg(sd, &m, MSG_SOCK_DEVMEM | fl);
	unlock_if(lock);
	if (n <= 0)
		return n;
	if (p == P_COPY) {
		if (g_touch)
			touch(lin, (size_t)n);
		return n;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_type == SCM_DEVMEM_DMABUF && nf < 256)
			memcpy(&frags[nf++], CMSG_DATA(c), sizeof(frags[0]));
	if (g_touch)
		touch_frags(frags, nf);
	/* read: the tokens go back */
	lock_if(lock);
	for (int i = 0; i < nf; i++) {
		tk[ntk++] = (struct dmabuf_token){ frags[i].frag_token, 1 };
		if (ntk == 128 || i == nf - 1) {
			nm_setsockopt(sd, SOL_SOCKET, SO_DEVMEM_DONTNEED, tk,
				      (socklen_t)(ntk * sizeof(tk[0])));
			ntk = 0;
		}
	}
	unlock_if(lock);
	return n;
}

static uint64_t rx_sock(enum path p, int sd, uint64_t total, pthread_mutex_t *lock)
{
	uint64_t got = 0, t0 = t_now_ms();

	while (got < total) {
		ssize_t n = rx_once(p, sd, lock);

		if (n > 0) {
			got += (uint64_t)n;
			t0 = t_now_ms();
			continue;
		}
		if (n != -EAGAIN || t_now_ms() - t0 > 5000)
			T_FAIL("%s: %zd at %llu: %s", p == P_COPY ? "recv" : "recvmsg", n,
			       (unsigned long long)got, nm_last_error());
		if (lock)
			sched_yield();
	}
	return got;
}

/* ---- one measurement ----------------------------------------------------------- */

struct sender {
	struct t_net *n;
	int csd;
	uint64_t total;
	atomic_bool done;		/* the receiver has it all: stop polling A */
};

/* The sender on a thread of its own (stack A), blocking sends. */
static void *send_main(void *arg)
{
	struct sender *s = arg;
	uint64_t pos = 0;
	int fl = nm_fcntl(s->csd, F_GETFL, 0);

	nm_fcntl(s->csd, F_SETFL, fl & ~O_NONBLOCK);
	while (pos < s->total) {
		size_t n = s->total - pos < T_PAT_RUN ? (size_t)(s->total - pos) : T_PAT_RUN;
		ssize_t r = nm_send(s->csd, t_pat(pos), n, 0);

		if (r <= 0)
			T_FAIL("send: %zd %s", r, nm_last_error());
		pos += (uint64_t)r;
	}
	/* the send queue's tail still has to go out: A runs on this thread */
	while (!atomic_load(&s->done))
		nm_stack_poll(s->n->sa, 1);
	return NULL;
}

/* MB/s of total bytes on path p, the application on its own thread
 * (own) or on the stack's. */
static double measure(enum path p, bool own, uint64_t total)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 64 << 20,
					 .mtu = 9000, .gso = true };
	struct stk s = { 0 };
	struct sender snd;
	struct t_net n;
	struct t_zc z;
	struct t_dm d;
	pthread_t th;
	uint64_t t0, got;
	int lsd, csd, ssd;

	t_net_up(&n, &wp);
	t_zc_hds(n.ndb);
	if (p == P_ZCRX)
		t_zc_open(&z, n.sb, n.ndb, 0, &(struct t_zc_opts){ .area = AREA,
				.rx_buf_len = 4096, .rq_entries = 32768 });
	else if (p == P_DEVMEM) {
		t_dm_bind(&d, n.ndb, AREA);
		g_buf = d.buf;
	}
	lsd = t_listen(n.sb, AF_INET, 7100, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7100, &ssd);
	if (p != P_ZCRX) {	/* blocking calls on the stack's thread run the loop */
		int fl = nm_fcntl(ssd, F_GETFL, 0);

		nm_fcntl(ssd, F_SETFL, own ? fl : fl & ~O_NONBLOCK);
	}
	t0 = t_now_ns();
	if (own) {
		s = (struct stk){ .n = &n, .csd = csd, .total = total,
				  .lock = p == P_ZCRX ? NULL : &lock };
		atomic_store(&s.stop, true);
		T_ASSERT(pthread_create(&th, NULL, stk_main, &s) == 0);
		while (atomic_load(&s.stop))
			sched_yield();		/* it took the stacks over */
		got = p == P_ZCRX ? rx_zcrx(&z, ssd, total) : rx_sock(p, ssd, total, &lock);
		t0 = t_now_ns() - t0;
		atomic_store(&s.stop, true);
		pthread_join(th, NULL);
	} else {
		snd = (struct sender){ .n = &n, .csd = csd, .total = total };
		atomic_store(&snd.done, false);
		T_ASSERT(pthread_create(&th, NULL, send_main, &snd) == 0);
		/* sender thread polls A, this one B */
		got = p == P_ZCRX ? rx_zcrx(&z, ssd, total) : rx_sock(p, ssd, total, NULL);
		t0 = t_now_ns() - t0;
		atomic_store(&snd.done, true);
		pthread_join(th, NULL);
	}
	T_EQ(got, total);
	t_pump(&n);
	nm_close(csd);
	nm_close(ssd);
	nm_close(lsd);
	t_pump_for(&n, 20);
	if (p == P_ZCRX)
		t_zc_close(&z);
	else if (p == P_DEVMEM)
		t_dm_destroy(&d);
	t_pump_for(&n, 20);
	t_net_down(&n);
	return (double)got * 1e3 / (double)t0;
}

int main(void)
{
	uint64_t total = nm_bench_quick() ? 128ull << 20 : 1ull << 30;

	for (int t = 0; t < 2; t++) {
		g_touch = t;
		for (int own = 1; own >= 0; own--) {
			char w[48], m[64];
			double zc = 0, dm = 0, cp = 0;

			snprintf(w, sizeof(w), "%s%s", t ? "read_" : "", own ? "own_thread" :
				 "stack_thread");
			/* best of three, interleaved: the machine's other load
			 * moves single runs by a factor of two on a small box */
			for (int k = 0; k < 3; k++) {
				zc = best(zc, measure(P_ZCRX, own, total));
				dm = best(dm, measure(P_DEVMEM, own, total));
				cp = best(cp, measure(P_COPY, own, total));
			}
			snprintf(m, sizeof(m), "%s_zcrx_vs_devmem", w);
			nm_bench_emit("zcrx", m, zc, "MB/s", dm, zc / dm);
			snprintf(m, sizeof(m), "%s_copy", w);
			nm_bench_emit("zcrx", m, cp, "MB/s", zc, zc / cp);
		}
	}
	nm_bench_keep(g_sum);
	return 0;
}
