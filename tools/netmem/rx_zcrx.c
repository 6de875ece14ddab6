/* SPDX-License-Identifier: MIT */
/*
 * The zcrx receiver's ring (--rx zcrx), the flow of liburing's
 * examples/zcrx.c: an nm_uring with DEFER_TASKRUN and CQE32, an ifq on
 * the receive queue whose area is our own memory (it becomes a dma-buf
 * bound through the dmabuf provider inside the library), one multishot
 * RECV_ZC per connection, each fragment read where it landed and its
 * buffer handed back through the refill ring right away.
 *
 * The command's receiver runs the stack on its own thread (demo, server),
 * so waiting for a CQE runs the stack loop (DEFER_TASKRUN).
 * Workload: every received byte; one refill entry per fragment, committed
 * once per batch of CQEs.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <netmem/uring.h>

#include "cli.h"

#define ZC_RQ_ENTRIES	32768u
#define ZC_BUF_LEN	65536u		/* large chunks */
#define ZC_BATCH	256u

struct nm_cli_zcrx {
	struct nm_uring ring;
	struct nm_uring_zcrx_rq rq;
	uint8_t *area;
	uint64_t area_len;
	void *rq_mem;
	size_t rq_len;
	uint32_t id;
	uint64_t token;
	int armed_sd;			/* the RECV_ZC's socket, -1: none */
	uint64_t ud;			/* its user_data: one per connection, so
					 * the end of an earlier one (its socket
					 * closed) is not taken for this one's */
	bool ended;			/* its final CQE came */
	int final_res;
};

struct nm_cli_zcrx *nm_cli_zcrx_setup(struct nm_cli_host *h, uint32_t q, uint64_t area_size)
{
	struct io_uring_zcrx_area_reg area = { 0 };
	struct io_uring_region_desc rd = { 0 };
	struct io_uring_zcrx_ifq_reg reg = { 0 };
	struct nm_cli_zcrx *z = calloc(1, sizeof(*z));
	int r;

	if (!z)
		nm_cli_die(NM_CLI_EXIT_FAIL, "out of memory");
	z->armed_sd = -1;
	r = nm_uring_queue_init(h->st, 256, &z->ring, IORING_SETUP_SINGLE_ISSUER |
				IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQE32);
	if (r < 0)
		nm_cli_die_nm(r, "io_uring ring");
	z->area_len = area_size;
	z->area = mmap(NULL, area_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	z->rq_len = (128 + ZC_RQ_ENTRIES * sizeof(struct io_uring_zcrx_rqe) + 4095) & ~(size_t)4095;
	z->rq_mem = mmap(NULL, z->rq_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (z->area == MAP_FAILED || z->rq_mem == MAP_FAILED)
		nm_cli_die(NM_CLI_EXIT_FAIL, "mmap of the zcrx area: %s", strerror(errno));
	area.addr = (uintptr_t)z->area;
	area.len = area_size;
	rd.user_addr = (uintptr_t)z->rq_mem;
	rd.size = z->rq_len;
	rd.flags = IORING_MEM_REGION_TYPE_USER;
	reg.if_idx = (uint32_t)h->ifindex;
	reg.if_rxq = q;
	reg.rq_entries = ZC_RQ_ENTRIES;
	reg.rx_buf_len = ZC_BUF_LEN;
	reg.area_ptr = (uintptr_t)&area;
	reg.region_ptr = (uintptr_t)&rd;
	r = nm_uring_register_ifq(&z->ring, &reg);
	if (r < 0)
		nm_cli_die_nm(r, "zcrx ifq on queue %u", q);
	nm_uring_zcrx_rq_init(&z->rq, z->rq_mem, &reg);
	z->id = reg.zcrx_id;
	z->token = area.rq_area_token;
	return z;
}

void nm_cli_zcrx_teardown(struct nm_cli_zcrx *z)
{
	if (!z)
		return;
	nm_uring_queue_exit(&z->ring);
	munmap(z->area, z->area_len);
	munmap(z->rq_mem, z->rq_len);
	free(z);
}

static void arm(struct nm_cli_zcrx *z, int sd)
{
	struct io_uring_sqe *sqe = nm_uring_get_sqe(&z->ring);

	nm_uring_prep_recv_zc(sqe, sd, z->id, 0);
	sqe->user_data = ++z->ud;
	nm_uring_submit(&z->ring);
	z->armed_sd = sd;
	z->ended = false;
}

static void refill(struct nm_cli_zcrx *z, uint64_t off, uint32_t len)
{
	while (!nm_uring_zcrx_rq_put(&z->rq, off, len)) {
		/* full: publish, and let the stack take them (we run it); a
		 * flush that fails would leave it full for ever */
		int r;

		nm_uring_zcrx_rq_commit(&z->rq);
		r = nm_uring_register_zcrx_ctrl(&z->ring, &(struct zcrx_ctrl){
			.zcrx_id = z->id, .op = ZCRX_CTRL_FLUSH_RQ });
		if (r < 0)
			nm_cli_die_nm(r, "flush of the zcrx refill ring");
	}
}

ssize_t nm_cli_zcrx_recv(struct nm_cli_zcrx *z, int sd, int slice_ms, nm_cli_zcrx_frag_fn fn,
			 void *arg)
{
	struct __kernel_timespec ts = { slice_ms / 1000, (long long)(slice_ms % 1000) * 1000000 };
	struct io_uring_cqe *cqes[ZC_BATCH], *c;
	uint64_t got = 0;
	unsigned n;
	int r;

	if (z->armed_sd != sd)
		arm(z, sd);
	if (z->ended)
		return z->final_res;
	r = nm_uring_wait_cqe_timeout(&z->ring, &c, &ts);
	if (r == -ETIME)
		return -EAGAIN;
	if (r < 0)
		return r;
	n = nm_uring_peek_batch_cqe(&z->ring, cqes, ZC_BATCH);
	for (unsigned i = 0; i < n; i++) {
		const struct io_uring_zcrx_cqe *zc;
		bool ours;

		c = cqes[i];
		ours = c->user_data == z->ud;
		if (!(c->flags & IORING_CQE_F_MORE)) {
			if (ours) {
				z->ended = true;
				z->final_res = c->res;
			}
			continue;
		}
		zc = nm_uring_zcrx_cqe(c);
		if (ours) {
			fn(arg, z->area + (zc->off & ~IORING_ZCRX_AREA_MASK), (uint32_t)c->res);
			got += (uint64_t)c->res;
		}
		/* an earlier connection's last fragments: only handed back */
		refill(z, zc->off, (uint32_t)c->res);
	}
	nm_uring_cq_advance(&z->ring, n);
	nm_uring_zcrx_rq_commit(&z->rq);
	if (got)
		return (ssize_t)got;
	return z->ended ? z->final_res : -EAGAIN;
}

void nm_cli_zcrx_conn_start(struct nm_cli_zcrx *z)
{
	/* descriptors are reused: a new connection may have the last one's */
	z->armed_sd = -1;
	z->ended = false;
}

void nm_cli_zcrx_counts(struct nm_cli_zcrx *z, uint64_t *copy_bytes, uint64_t *cqes)
{
	struct nm_uring_zcrx_stats s = { 0 };

	nm_uring_zcrx_get_stats(&z->ring, z->id, &s, sizeof(s));
	*copy_bytes = s.copy_bytes;
	*cqes = s.cqes;
}
