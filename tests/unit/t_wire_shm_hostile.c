/* A buggy or hostile peer writes whatever it likes into the shared region:
 * descriptors with wild offsets and lengths, head and tail indices that
 * jump anywhere, the wakeup flags, the header, the frame bytes.  The other
 * endpoint counts what fails its checks (rx_invalid), skips it, never
 * hands out a frame outside its arena, never crashes (run under ASan too),
 * and keeps working once the scribbling stops. */
#include <stdlib.h>

#include "t_util.h"
#include "t_wire.h"
#include "nic/wire_drv.h"
#include "nic/wire_shm.h"

static uint8_t buf[NM_WIRE_MAX_FRAME], in[NM_WIRE_MAX_FRAME];

struct t_view {
	uint8_t *base;
	size_t size;
	struct nm_shm_hdr *hdr;
	struct nm_shm_ctrl *ctrl;	/* direction 0: a -> b */
	struct nm_shm_desc *descs;
	uint8_t *arena;
	uint32_t entries, arena_bytes;
};

static void t_view(struct nm_wire *w, struct t_view *v)
{
	void *base;

	T_OK(nm__wire_shm_region(w, &base, &v->size));
	v->base = base;
	v->hdr = base;
	v->ctrl = (struct nm_shm_ctrl *)(v->base + v->hdr->dir[0].ctrl_off);
	v->descs = (struct nm_shm_desc *)(v->base + v->hdr->dir[0].desc_off);
	v->arena = v->base + v->hdr->dir[0].arena_off;
	v->entries = v->hdr->ring_entries;
	v->arena_bytes = v->hdr->arena_bytes;
}

static uint64_t t_stat_invalid(struct nm_wire *w)
{
	struct nm_wire_stats st;

	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	return st.rx_invalid;
}

static void t_send_ok(struct nm_wire *a, uint32_t len, uint64_t seq)
{
	t_wfill(buf, len, seq);
	T_OK(t_wire_send(a, buf, len, NULL));
}

static void t_recv_ok(struct nm_wire *b, uint32_t len, uint64_t seq)
{
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), len);
	T_EQ(t_wbitdiff(in, len, seq), 0);
}

/* Exact cases: each bad value is counted once and the stream goes on. */
static void t_exact(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 16, .arena_bytes = 1 << 16 };
	struct nm_wire *a, *b;
	struct t_view v;
	const uint32_t bad[][2] = {	/* off, len */
		{ 0, 0 }, { 0, 13 }, { 0, 1519 }, { 0, UINT32_MAX }, { 65536, 60 },
		{ 65536 - 59, 60 }, { UINT32_MAX, 60 }, { UINT32_MAX - 10, 100 },
	};
	uint64_t inv;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	t_view(a, &v);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t h = atomic_load(&v.ctrl->head);

		t_send_ok(a, 100, i);
		v.descs[h & (v.entries - 1)].off = bad[i][0];
		v.descs[h & (v.entries - 1)].len = bad[i][1];
		inv = t_stat_invalid(b);
		T_EQ(t_wire_recv(b, in, sizeof(in), NULL), -EAGAIN);
		T_EQ(t_stat_invalid(b), inv + 1);
		t_send_ok(a, 200, 1000 + i);
		t_recv_ok(b, 200, 1000 + i);
	}
	/* A frame at the very end of the arena is fine. */
	{
		uint64_t h = atomic_load(&v.ctrl->head);

		t_send_ok(a, 60, 5);
		memcpy(v.arena + 65536 - 60, v.arena + v.descs[h & (v.entries - 1)].off, 60);
		v.descs[h & (v.entries - 1)].off = 65536 - 60;
		t_recv_ok(b, 60, 5);
	}

	/* head beyond tail + entries, and behind tail: ignored and counted */
	uint64_t h = atomic_load(&v.ctrl->head);

	inv = t_stat_invalid(b);
	atomic_store(&v.ctrl->head, h + v.entries + 1);
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), -EAGAIN);
	atomic_store(&v.ctrl->head, h - 1);
	T_EQ(t_wire_recv(b, in, sizeof(in), NULL), -EAGAIN);
	T_EQ(t_stat_invalid(b), inv + 2);
	atomic_store(&v.ctrl->head, h);
	t_send_ok(a, 300, 77);
	t_recv_ok(b, 300, 77);

	/* tail moved backwards or past head: the producer ignores it */
	uint64_t t = atomic_load(&v.ctrl->tail);

	inv = t_stat_invalid(a);
	for (uint64_t s = 0; s < v.entries; s++)
		t_send_ok(a, 100, s);
	atomic_store(&v.ctrl->tail, t + v.entries + 3);
	T_ERR(t_wire_send(a, buf, 100, NULL), -EAGAIN);
	atomic_store(&v.ctrl->tail, t - 5);
	T_ERR(t_wire_send(a, buf, 100, NULL), -EAGAIN);
	T_EQ(t_stat_invalid(a), inv + 2);
	atomic_store(&v.ctrl->tail, t);
	for (uint64_t s = 0; s < v.entries; s++)
		t_recv_ok(b, 100, s);
	t_send_ok(a, 100, 99);
	t_recv_ok(b, 100, 99);

	/* the header's sizes are read once, at attach */
	v.hdr->ring_entries = 1u << 30;
	v.hdr->arena_bytes = 1;
	v.hdr->mtu = 0;
	t_send_ok(a, 1000, 3);
	t_recv_ok(b, 1000, 3);
	T_OK(nm__wire_shm_assert_ok(a));
	T_OK(nm__wire_shm_assert_ok(b));
	nm_wire_destroy(a);
	nm_wire_destroy(b);
}

/* A frame handed out by peek must lie inside direction 0's arena. */
static void t_check_frame(const struct t_view *v, const uint8_t *f, uint32_t len)
{
	T_ASSERT(f >= v->arena && f + len <= v->arena + v->arena_bytes);
	T_ASSERT(len >= 14 && len <= 1518);
}

/* Random: one round, a fresh pair, steps of sends, receives and scribbles. */
static void t_fuzz_round(uint64_t *rng, int steps)
{
	struct nm_wire_shm_params p = { .ring_entries = 32, .arena_bytes = 1 << 16 };
	struct nm_wire *a, *b;
	struct t_view v;
	uint64_t seq = 0;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	t_view(b, &v);	/* b's own mapping: peek's pointers are in it */
	T_ASSERT(nm_wire_get_fd(b) >= 0);	/* arm wakeups: flags get scribbled too */
	for (int i = 0; i < steps; i++) {
		uint64_t x = t_rand(rng), y = t_rand(rng);
		uint32_t slot = (uint32_t)y & (v.entries - 1);
		const uint8_t *f;
		uint32_t len;
		int r;

		switch (x % 16) {
		case 0: case 1: case 2: case 3:
			len = 60 + (uint32_t)(y % 1400);
			t_wfill(buf, len, seq++);
			r = t_wire_send(a, buf, len, NULL);
			T_ASSERT(r == 0 || r == -EAGAIN || r == -ENOTCONN);
			break;
		case 4: case 5: case 6:
			r = t_wire_recv(b, in, sizeof(in), NULL);
			T_ASSERT(r == -EAGAIN || (r >= 14 && r <= 1518));
			break;
		case 7:
			r = nm_wire_peek(b, &f, &len, NULL);
			if (r == -EAGAIN)
				break;
			T_EQ(r, len);
			t_check_frame(&v, f, len);
			if (y & 1)
				v.descs[slot].len = (uint32_t)t_rand(rng);	/* mid-peek */
			if (y & 2)
				T_OK(nm_wire_consume(b));
			break;
		case 8:	/* a wild descriptor */
			v.descs[slot].off = (uint32_t)t_rand(rng) % (y & 4 ? 70000 : UINT32_MAX);
			v.descs[slot].len = (uint32_t)t_rand(rng) % (y & 8 ? 1600 : UINT32_MAX);
			break;
		case 9:	/* head: near, or (rarely) anywhere */
			if (y & 7)
				atomic_fetch_add(&v.ctrl->head, (uint64_t)((int64_t)(y % 64) - 16));
			else
				atomic_store(&v.ctrl->head, t_rand(rng));
			break;
		case 10: /* tail: near, or (rarely) anywhere */
			if (y & 7)
				atomic_fetch_add(&v.ctrl->tail, (uint64_t)((int64_t)(y % 64) - 16));
			else
				atomic_store(&v.ctrl->tail, t_rand(rng));
			break;
		case 11:
			atomic_store(&v.ctrl->want_signal, (uint32_t)y);
			break;
		case 12:
			v.arena[y % v.arena_bytes] = (uint8_t)x;
			break;
		case 13:	/* rarely: the header, even the liveness flags */
			((uint8_t *)v.hdr)[y % sizeof(*v.hdr)] ^= (uint8_t)(x >> 8);
			break;
		case 14:
			r = nm_wire_shm_flush(a);
			T_ASSERT(r == 0 || r == -ENOTCONN);
			break;
		default:	/* the other direction is untouched and works */
			t_wfill(buf, 100, 0xabc);
			r = t_wire_send(b, buf, 100, NULL);
			T_ASSERT(r == 0 || r == -ENOTCONN);
			if (r == 0)
				t_recv_ok(a, 100, 0xabc);
			break;
		}
		T_OK(nm__wire_shm_assert_ok(a));
		T_OK(nm__wire_shm_assert_ok(b));
	}
	T_ASSERT(t_stat_invalid(a) + t_stat_invalid(b) > 0);
	nm_wire_destroy(a);
	nm_wire_destroy(b);
}

int main(void)
{
	uint64_t rng = 0x40571e;

	t_exact();
	for (int round = 0; round < 200; round++)
		t_fuzz_round(&rng, 2000);
	T_PASS();
}
