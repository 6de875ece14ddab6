/* SPDX-License-Identifier: MIT */
#ifndef NM_T_ZCRX_H
#define NM_T_ZCRX_H
/*
 * io_uring zcrx on the test bed (zcrx.c): an nm_uring with an ifq on a
 * netdev's RX queue, the stacks of a t_net run by a thread of their own
 * (the application is the calling thread, as the issue asks), and a
 * receiver that validates every RECV_ZC fragment from the area against
 * the stream pattern and hands buffers back through the refill ring.
 *
 *	struct t_zc z;
 *	t_zc_hds(n.ndb);
 *	t_zc_open(&z, n.sb, n.ndb, 0, &(struct t_zc_opts){ .area = 16 << 20 });
 *	struct t_stk th;  t_stk_start(&th, &n, csd, 1ull << 30);
 *	t_zc_recv(&z, ssd, &rx, ...);
 *	t_stk_stop(&th);
 *	t_pump(&n);		// this thread runs the stacks again: the
 *	t_zc_close(&z);		// ring's calls run here from now on
 */
#include <pthread.h>
#include <stdatomic.h>

#include <netmem/uring.h>

#include "t_devmem.h"

struct t_zc_opts {
	uint64_t area;			/* bytes */
	uint32_t rx_buf_len;		/* 0: 4096 */
	uint32_t rq_entries;		/* 0: 4096 */
	bool dmabuf;			/* IORING_ZCRX_AREA_DMABUF with a sealed memfd */
	unsigned ring_entries;		/* 0: 256 */
};

struct t_zc {
	struct nm_uring ring;
	uint8_t *area;			/* what the application reads */
	uint64_t area_len;
	int memfd;			/* dma-buf mode, else -1 */
	void *rq_mem;
	size_t rq_len;
	struct io_uring_zcrx_ifq_reg reg;
	struct io_uring_zcrx_area_reg area_reg;
	struct io_uring_region_desc rd;
	struct nm_uring_zcrx_rq rq;
	uint32_t id;
};

/* Header split on, hds-thresh 0 (zcrx needs both). */
void t_zc_hds(struct nm_netdev *nd);
/* Ring + memory + the registration structures filled in, not registered. */
void t_zc_prepare(struct t_zc *z, struct nm_stack *st, struct nm_netdev *nd, uint32_t q,
		  const struct t_zc_opts *o);
/* t_zc_prepare + nm_uring_register_ifq (must succeed) + the refill ring view. */
void t_zc_open(struct t_zc *z, struct nm_stack *st, struct nm_netdev *nd, uint32_t q,
	       const struct t_zc_opts *o);
/* queue_exit and unmap. */
void t_zc_close(struct t_zc *z);
/* Submit a multishot RECV_ZC on sd (user_data ud, len 0: until EOF). */
void t_zc_submit_recv(struct t_zc *z, int sd, uint64_t ud, uint32_t len);

struct t_zc_rx {
	uint64_t pos;			/* stream bytes validated */
	uint64_t cqes;
	bool ended;			/* the final CQE came */
	int32_t final_res;
	bool hold;			/* keep buffers instead of refilling */
	uint64_t held;			/* buffers kept */
	uint64_t *held_off;		/* their CQE offsets (held_cap of them) */
	uint32_t *held_len;
	uint64_t held_cap;
};
/* Take the ready CQEs of request ud: check each fragment against the
 * pattern at rx->pos, refill (or keep, rx->hold).  Returns CQEs taken. */
unsigned t_zc_drain(struct t_zc *z, uint64_t ud, struct t_zc_rx *rx);
/* Wait up to ms for a CQE (0 or -ETIME). */
int t_zc_wait(struct t_zc *z, int ms);
/* Free rx's record of kept buffers. */
void t_zc_rx_free(struct t_zc_rx *rx);
/* Give back the kept buffers. */
void t_zc_release(struct t_zc *z, struct t_zc_rx *rx);
/* Receive until rx->pos reaches total (or the request ends); fails on a
 * stall of 10 s or after limit_s. */
void t_zc_recv_all(struct t_zc *z, uint64_t ud, struct t_zc_rx *rx, uint64_t total,
		   unsigned limit_s);
/* The ifq's counters. */
struct nm_uring_zcrx_stats t_zc_stats(struct t_zc *z);

/* ---- the stacks on a thread of their own -------------------------------------------------- */

struct t_stk {
	pthread_t th;
	struct t_net *n;
	atomic_bool stop;
	atomic_bool started;		/* the thread has polled both stacks */
	int csd;			/* A's socket to send the pattern on, -1: none */
	uint64_t total;			/* bytes to send */
	_Atomic uint64_t sent;
	bool close_after;		/* close csd when all is sent */
};
void t_stk_start(struct t_stk *s, struct t_net *n, int csd, uint64_t total, bool close_after);
void t_stk_stop(struct t_stk *s);

/* ---- a whole flow: the set-up most zcrx tests share ------------------------------------ */

/*
 * A connection from A to B (port), an ifq on B's queue 0 with options o, a
 * RECV_ZC (user_data ud) armed on B's socket, and the stacks on their own
 * thread sending total bytes of the pattern (closing after them if
 * close_after).  The hosts come up unless the caller set have_net (after
 * making f->n itself, e.g. with more queues).
 */
struct t_zc_flow {
	struct t_net n;
	bool have_net;
	struct t_zc z;
	struct t_stk th;
	int lsd, csd, ssd;
};
void t_zc_flow_up(struct t_zc_flow *f, uint16_t port, const struct t_zc_opts *o, uint64_t ud,
		  uint64_t total, bool close_after);
/* Stop the stacks' thread, close the sockets and the ring, check that the
 * NIC holds nothing (t_rx_idle) and take the hosts down (the topology
 * refuses while a buffer is still out). */
void t_zc_flow_down(struct t_zc_flow *f);

#endif
