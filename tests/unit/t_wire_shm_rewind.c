/* The shm producer keeps a stream in the first megabyte of the arena: once
 * it is past NM_SHM_HOT_BYTES and the consumer has taken every frame, the
 * next frame starts at offset 0 again.  While frames are still held
 * (peeked, not consumed) it goes on forward and never overwrites them; the
 * invariants hold throughout (nm__wire_shm_assert_ok). */
#include "t_util.h"
#include "t_wire.h"
#include "nic/wire_drv.h"
#include "nic/wire_shm.h"

#define FRAME 60000u

static uint32_t frame_off(struct nm_wire *b, const uint8_t *arena0, uint64_t seq)
{
	const uint8_t *f;
	uint32_t len;

	T_EQ(nm_wire_peek(b, &f, &len, NULL), (int)FRAME);
	T_EQ(t_wseq(f), seq);
	T_EQ(t_wbitdiff(f, len, seq), 0);
	return (uint32_t)(f - arena0);
}

int main(void)
{
	struct nm_wire_shm_params p = { .mtu = 9000, .gso = true, .arena_bytes = 8 << 20 };
	struct nm_wire_meta gso = { .gso_type = NM_WIRE_GSO_TCPV4, .gso_size = 1448 };
	static uint8_t buf[FRAME];
	struct nm_wire *a, *b;
	const uint8_t *f, *arena0;
	uint32_t len, max_off = 0;
	uint64_t seq = 0;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	/* the first frame lies at arena offset 0 */
	t_wfill(buf, FRAME, seq);
	T_OK(t_wire_send(a, buf, FRAME, &gso));
	T_EQ(nm_wire_peek(b, &f, &len, NULL), (int)FRAME);
	arena0 = f;
	T_OK(nm_wire_consume(b));
	seq++;

	/* a consumer that keeps up: 400 frames (24 MB, three arenas' worth)
	 * all within the first megabyte and one frame */
	for (int i = 0; i < 400; i++, seq++) {
		uint32_t off;

		t_wfill(buf, FRAME, seq);
		T_OK(t_wire_send(a, buf, FRAME, &gso));
		off = frame_off(b, arena0, seq);
		T_OK(nm_wire_consume(b));
		if (off > max_off)
			max_off = off;
		T_OK(nm__wire_shm_assert_ok(a));
	}
	T_ASSERT(max_off >= (1u << 20) - FRAME);	/* it did go that far */
	T_ASSERT(max_off < (1u << 20) + (64u << 10));

	/* a consumer that lags by 40 frames: the producer moves on past the
	 * megabyte and never overwrites a frame not yet consumed */
	uint64_t next = seq;
	for (int i = 0; i < 40; i++, seq++) {
		t_wfill(buf, FRAME, seq);
		T_OK(t_wire_send(a, buf, FRAME, &gso));
	}
	max_off = 0;
	for (int i = 0; i < 600; i++, seq++, next++) {
		uint32_t off = frame_off(b, arena0, next);

		T_OK(nm_wire_consume(b));
		if (off > max_off)
			max_off = off;
		t_wfill(buf, FRAME, seq);
		T_OK(t_wire_send(a, buf, FRAME, &gso));
		T_OK(nm__wire_shm_assert_ok(a));
	}
	T_ASSERT(max_off > (2u << 20));
	while (next < seq) {
		frame_off(b, arena0, next++);
		T_OK(nm_wire_consume(b));
	}
	T_EQ(nm_wire_peek(b, &f, &len, NULL), -EAGAIN);

	/* drained again: back to the hot megabyte within a few frames */
	max_off = 0;
	for (int i = 0; i < 200; i++, seq++) {
		uint32_t off;

		t_wfill(buf, FRAME, seq);
		T_OK(t_wire_send(a, buf, FRAME, &gso));
		off = frame_off(b, arena0, seq);
		T_OK(nm_wire_consume(b));
		if (i >= 150 && off > max_off)
			max_off = off;
	}
	T_ASSERT(max_off < (1u << 20) + (64u << 10));
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	T_PASS();
}
