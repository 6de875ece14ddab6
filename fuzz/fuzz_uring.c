/* SPDX-License-Identifier: MIT */
/*
 * Harness: the bytes an nm_uring application writes into shared memory,
 * parsed on the stack's side (uring/ops.c, recv_zc.c, zcrx.c): SQEs whose
 * every byte comes from the input (opcodes biased to those netmem
 * implements, descriptors mapped onto real and bad sockets, pointers onto
 * the harness's buffers: an application's bad pointer is its own fault
 * here as in a process), and refill entries that are good returns, double
 * returns or raw bytes, while a stream arrives through RECV_ZC on an ifq.
 *
 * Oracles: no crash or leak (the .asan replay); every RECV_ZC fragment
 * holds the stream where the application reads it, in CQE order; the
 * ifq's rqe_bad equals what a model of the kernel's refill rules says
 * (a wrong token or pad, a buffer outside the area, one not held: bad;
 * else one user reference back); at the end every buffer returns and the
 * ring closes with nothing held.
 *
 * Input: a configuration byte (rx_buf_len), then operations (op byte,
 * arguments): SQE, RQE, SEND, PUMP, DRAIN, FLUSH.
 */
#include <sys/mman.h>

#include <netmem/uring.h>

#include "fuzz.h"
#include "fz_tcp.h"
#include "t_zcrx.h"
#include "sock/sock_internal.h"

#define MAX_OPS		256
#define AREA		(1u << 20)
#define PORT		7300
#define UD_TAG		0xf5000000ull	/* user_data: UD_TAG | opcode << 16 | n */

enum { OP_SQE, OP_RQE, OP_SEND, OP_PUMP, OP_DRAIN, OP_FLUSH, OP_MAX };
enum { S_SERVER, S_LISTEN, S_CLIENT, S_BAD, S_NSOCK };

static const uint8_t ops_known[] = { IORING_OP_NOP, IORING_OP_ACCEPT, IORING_OP_RECV,
				     IORING_OP_SEND, IORING_OP_SEND_ZC, IORING_OP_CLOSE,
				     IORING_OP_RECV_ZC };

struct run {
	struct fz in;
	struct t_net *n;
	struct t_zc z;
	int sd[S_NSOCK];
	uint32_t shift, nslots;
	uint32_t *refs;			/* the model: user references per slot */
	uint64_t *held;			/* CQE offsets to return (some may have
					 * gone back already through a raw RQE
					 * that named their slot) */
	uint32_t nheld;
	uint64_t bad;			/* refill entries the model calls bad */
	uint64_t txpos, rxpos;
	uint32_t nsqe;
	uint8_t buf[4096];
};

static void put_rqe(struct run *r, uint64_t off, uint32_t pad)
{
	struct nm_uring_zcrx_rq *rq = &r->z.rq;
	uint64_t s = (off & ~IORING_ZCRX_AREA_MASK) >> r->shift;

	if (!nm_uring_zcrx_rq_space(rq)) {
		nm_uring_zcrx_rq_commit(rq);
		t_pump(r->n);
		if (!nm_uring_zcrx_rq_space(rq))
			return;
	}
	nm_uring_zcrx_rq_put(rq, off, 0);
	rq->rqes[(rq->rq_tail - 1) & (rq->ring_entries - 1)].__pad = pad;
	if ((off & IORING_ZCRX_AREA_MASK) || pad || s >= r->nslots || !r->refs[s])
		r->bad++;
	else
		r->refs[s]--;
}

/* Take the CQEs: RECV_ZC fragments checked against the stream, held. */
static void op_drain(struct run *r)
{
	struct io_uring_cqe *c;

	while (nm_uring_peek_cqe(&r->z.ring, &c) == 0) {
		uint8_t op = (uint8_t)(c->user_data >> 16);

		if (op == IORING_OP_RECV_ZC && (c->flags & IORING_CQE_F_MORE)) {
			uint64_t off = nm_uring_zcrx_cqe(c)->off;
			uint64_t a = off & ~IORING_ZCRX_AREA_MASK;

			FZ_ASSERT(c->res > 0 && a + (uint64_t)c->res <= AREA,
				  "fragment [%llu, +%d)", (unsigned long long)a, c->res);
			FZ_ASSERT(t_pat_ok(r->z.area + a, (uint64_t)c->res, r->rxpos),
				  "fragment at %llu does not hold the stream from %llu",
				  (unsigned long long)a, (unsigned long long)r->rxpos);
			r->rxpos += (uint64_t)c->res;
			r->refs[a >> r->shift]++;
			r->held[r->nheld++] = off;
		}
		nm_uring_cqe_seen(&r->z.ring, c);
	}
}

static void op_rqe(struct run *r)
{
	uint8_t k;

	/* A return counts as good when the buffer has a user reference,
	 * which it takes when its CQE is posted, read or not (as in Linux,
	 * io_zcrx_get_niov_uref at the fragment): the model learns of
	 * every posted fragment first.  (Without this a raw return naming a
	 * slot whose CQE was posted but not read yet was called bad.) */
	op_drain(r);
	k = fz_u8(&r->in);

	if (k % 3 == 0 && r->nheld) {		/* a good return */
		uint32_t i = fz_below(&r->in, r->nheld);

		put_rqe(r, r->held[i], 0);
		r->held[i] = r->held[--r->nheld];
	} else if (k % 3 == 1) {		/* a return of something not held now */
		put_rqe(r, (uint64_t)fz_below(&r->in, r->nslots + 2) << r->shift, 0);
	} else {				/* raw */
		uint64_t off = fz_u64(&r->in);

		put_rqe(r, off, fz_u8(&r->in) & 1 ? fz_u32(&r->in) : 0);
	}
	nm_uring_zcrx_rq_commit(&r->z.rq);
}

static void op_sqe(struct run *r)
{
	struct io_uring_sqe *sqe = nm_uring_get_sqe(&r->z.ring);
	uint8_t k = fz_u8(&r->in);

	if (!sqe)
		return;
	fz_bytes(&r->in, sqe, sizeof(*sqe));
	if (!(k & 0x80))	/* mostly opcodes netmem implements */
		sqe->opcode = ops_known[k % NM_ARRAY_SIZE(ops_known)];
	sqe->fd = r->sd[(k >> 3) % S_NSOCK];
	/* pointers onto our buffers (a process's bad pointer is its fault) */
	sqe->addr = sqe->addr & 1 ? (uintptr_t)r->buf : 0;
	if (sqe->len > sizeof(r->buf))
		sqe->len %= sizeof(r->buf);
	sqe->addr2 = 0;
	if (sqe->opcode == IORING_OP_RECV_ZC && k & 0x40)
		sqe->zcrx_ifq_idx = r->z.id;
	sqe->user_data = UD_TAG | (uint64_t)sqe->opcode << 16 | r->nsqe++;
	nm_uring_submit(&r->z.ring);
}

/* User references the model says the application holds. */
static uint64_t model_held(const struct run *r)
{
	uint64_t n = 0;

	for (uint32_t s = 0; s < r->nslots; s++)
		n += r->refs[s];
	return n;
}

static void run_ops(struct run *r)
{
	for (int i = 0; i < MAX_OPS && fz_left(&r->in); i++) {
		switch (fz_u8(&r->in) % OP_MAX) {
		case OP_SQE:
			op_sqe(r);
			break;
		case OP_RQE:
			op_rqe(r);
			break;
		case OP_SEND:
			if (r->sd[S_CLIENT] >= 0 && nm_sock_lookup(r->sd[S_CLIENT]))
				t_dm_send(r->sd[S_CLIENT], &r->txpos, 1u + fz_u16(&r->in));
			break;
		case OP_PUMP:
			fz_clock_advance(1000u * (fz_u8(&r->in) & 0x0f));
			t_pump(r->n);
			break;
		case OP_DRAIN:
			op_drain(r);
			break;
		case OP_FLUSH:
			nm_uring_register_zcrx_ctrl(&r->z.ring, &(struct zcrx_ctrl){
				.zcrx_id = r->z.id, .op = ZCRX_CTRL_FLUSH_RQ });
			break;
		}
		if (r->nheld + 1024 > 65536)
			break;		/* the held list is full: enough */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	struct nm_uring_zcrx_stats st;
	uint8_t cfg;

	memset(&r, 0, sizeof(r));
	r.in = fz_init(data, size);
	r.n = fz_tcp_begin();
	cfg = fz_u8(&r.in);
	t_zc_open(&r.z, r.n->sb, r.n->ndb, 0, &(struct t_zc_opts){ .area = AREA,
			.rx_buf_len = cfg & 1 ? 65536 : 4096, .rq_entries = 256, .ring_entries = 64 });
	r.shift = cfg & 1 ? 16 : 12;
	r.nslots = AREA >> r.shift;
	r.refs = calloc(r.nslots, sizeof(*r.refs));
	r.held = calloc(65536, sizeof(*r.held));
	FZ_ASSERT(r.refs && r.held, "out of memory");
	r.sd[S_LISTEN] = t_listen(r.n->sb, AF_INET, PORT, 4);
	r.sd[S_CLIENT] = t_connect_pair(r.n, r.sd[S_LISTEN], "198.18.0.2", PORT, &r.sd[S_SERVER]);
	r.sd[S_BAD] = 60000;
	run_ops(&r);
	for (int i = 0; i < 20; i++) {
		t_pump(r.n);
		op_drain(&r);
	}
	st = t_zc_stats(&r.z);
	FZ_ASSERT(st.rqe_bad == r.bad, "rqe_bad %llu, the model says %llu",
		  (unsigned long long)st.rqe_bad, (unsigned long long)r.bad);
	/* held is the user references out, not the offsets listed: a raw
	 * return that names a held slot gives one back as well (this
	 * compared with nheld and failed on such an input) */
	FZ_ASSERT(st.held == model_held(&r), "held %llu, the application holds %llu",
		  (unsigned long long)st.held, (unsigned long long)model_held(&r));
	if (fz_verbose())
		fprintf(stderr, "sqes %u, stream %llu/%llu, held %u, bad %llu, cqes %llu\n",
			r.nsqe, (unsigned long long)r.rxpos, (unsigned long long)r.txpos,
			r.nheld, (unsigned long long)r.bad, (unsigned long long)st.cqes);
	/* the ring closes with buffers held: they come back */
	t_zc_close(&r.z);
	for (int i = 0; i < S_NSOCK - 1; i++)
		if (nm_sock_lookup(r.sd[i]))
			nm_close(r.sd[i]);
	fz_tcp_end(r.n, NULL, 0);
	t_rx_idle(r.n->ndb);
	free(r.refs);
	free(r.held);
	return 0;
}

/* ---- seeds ---------------------------------------------------------------------------- */

static void w_sqe(struct fz_out *o, uint8_t k, uint8_t opcode, uint16_t ioprio, uint32_t len)
{
	struct io_uring_sqe s = { .opcode = opcode, .ioprio = ioprio, .len = len };

	fz_w8(o, OP_SQE);
	fz_w8(o, k);
	fz_wbytes(o, &s, sizeof(s));
}

void fz_write_seeds(struct fz_seeds *s)
{
	static struct fz_out o;

	/* a RECV_ZC, data, fragments drained and returned (4 KiB buffers) */
	o.n = 0;
	fz_w8(&o, 0);
	w_sqe(&o, 69, 0, IORING_RECV_MULTISHOT, 0);	/* k 69: RECV_ZC, the server, our ifq */
	for (int i = 0; i < 8; i++) {
		fz_w8(&o, OP_SEND);
		fz_w16(&o, 20000);
		fz_w8(&o, OP_PUMP);
		fz_w8(&o, 1);
		fz_w8(&o, OP_DRAIN);
		fz_w8(&o, OP_RQE);
		fz_w8(&o, 0);		/* a good return */
		fz_w8(&o, 0);
	}
	fz_seed(s, "recv-zc-refill", &o);

	/* 64 KiB buffers; double returns, raw entries, a flush */
	o.n = 0;
	fz_w8(&o, 1);
	w_sqe(&o, 69, 0, IORING_RECV_MULTISHOT, 0);
	for (int i = 0; i < 6; i++) {
		fz_w8(&o, OP_SEND);
		fz_w16(&o, 60000);
		fz_w8(&o, OP_PUMP);
		fz_w8(&o, 2);
		fz_w8(&o, OP_DRAIN);
		fz_w8(&o, OP_RQE);
		fz_w8(&o, 1);		/* not held */
		fz_w8(&o, (uint8_t)i);
		fz_w8(&o, OP_RQE);
		fz_w8(&o, 2);		/* raw, pad set */
		fz_w64(&o, (uint64_t)i << 47);
		fz_w8(&o, 1);
		fz_w32(&o, 7);
		fz_w8(&o, OP_FLUSH);
	}
	fz_seed(s, "refill-garbage", &o);

	/* every implemented opcode on every socket, and unknown ones */
	o.n = 0;
	fz_w8(&o, 0);
	for (int i = 0; i < 32; i++) {
		w_sqe(&o, (uint8_t)i, 0, (uint16_t)(i * 3), (uint32_t)i * 100);
		fz_w8(&o, OP_PUMP);
		fz_w8(&o, 3);
		fz_w8(&o, OP_DRAIN);
	}
	w_sqe(&o, 0x80, 250, 0, 0);
	fz_w8(&o, OP_DRAIN);
	fz_seed(s, "opcodes", &o);
}
