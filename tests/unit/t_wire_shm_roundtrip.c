/* Frames of every size from 60 to 9014 bytes (mtu 9000) and a 65550-byte
 * GSO frame cross an in-process shm pair both ways with contents and meta
 * intact, through recv (gathered and scattered) and peek/consume; a full
 * ring and a full arena say -EAGAIN and drain; truncation is reported. */
#include <stdlib.h>

#include "t_util.h"
#include "t_wire.h"
#include "nic/wire_drv.h"
#include "nic/wire_shm.h"

static uint8_t tx[NM_WIRE_MAX_FRAME], rx[NM_WIRE_MAX_FRAME + 16];

static struct nm_wire_meta t_meta(uint64_t seq)
{
	return (struct nm_wire_meta){ .flags = (uint8_t)(seq & 3), .gso_type = 0,
				      .hdr_len = (uint16_t)(54 + seq % 20),
				      .gso_size = (uint16_t)seq, .csum_start = (uint16_t)(seq * 3),
				      .csum_offset = (uint16_t)(seq % 17) };
}

static void t_meta_eq(const struct nm_wire_meta *a, const struct nm_wire_meta *b)
{
	T_EQ(a->flags, b->flags);
	T_EQ(a->gso_type, b->gso_type);
	T_EQ(a->hdr_len, b->hdr_len);
	T_EQ(a->gso_size, b->gso_size);
	T_EQ(a->csum_start, b->csum_start);
	T_EQ(a->csum_offset, b->csum_offset);
}

/* Every size, one frame at a time, receiving with a 3-piece scatter iov. */
static void t_sizes(struct nm_wire *from, struct nm_wire *to)
{
	for (uint32_t len = 60; len <= 9014; len++) {
		struct nm_wire_meta m = t_meta(len), got;
		uint32_t a = len / 3, b = len / 2;
		struct iovec out[3] = { { rx, a }, { rx + a, b }, { rx + a + b, sizeof(rx) - a - b } };
		struct iovec in[2] = { { tx, len / 4 }, { tx + len / 4, len - len / 4 } };

		t_wfill(tx, len, len);
		T_OK(nm_wire_xmit(from, in, 2, &m));
		memset(&got, 0xff, sizeof(got));
		T_EQ(nm_wire_rx_copy(to, out, 3, &got), len);
		T_EQ(t_wbitdiff(rx, len, len), 0);
		t_meta_eq(&got, &m);
	}
}

static void t_gso(struct nm_wire *from, struct nm_wire *to)
{
	struct nm_wire_meta m = { .flags = NM_WIRE_F_NEEDS_CSUM, .gso_type = NM_WIRE_GSO_TCPV4,
				  .hdr_len = 66, .gso_size = 8948, .csum_start = 34,
				  .csum_offset = 16 }, got;
	const uint8_t *p;
	uint32_t len;

	t_wfill(tx, NM_WIRE_MAX_FRAME, 7);
	T_OK(t_wire_send(from, tx, NM_WIRE_MAX_FRAME, &m));
	T_EQ(nm_wire_peek(to, &p, &len, &got), NM_WIRE_MAX_FRAME);
	T_EQ(len, NM_WIRE_MAX_FRAME);
	T_EQ(t_wbitdiff(p, len, 7), 0);
	t_meta_eq(&got, &m);
	/* a second peek sees the same frame */
	T_EQ(nm_wire_peek(to, &p, &len, NULL), NM_WIRE_MAX_FRAME);
	T_OK(nm_wire_consume(to));
	T_EQ(nm_wire_peek(to, &p, &len, NULL), -EAGAIN);
	/* too large for the wire, or large without a GSO type */
	T_ERR(t_wire_send(from, tx, NM_WIRE_MAX_FRAME + 1, &m), -EMSGSIZE);
	T_ERR(t_wire_send(from, tx, 9019, NULL), -EMSGSIZE);
	m.gso_type = NM_WIRE_GSO_NONE;
	T_ERR(t_wire_send(from, tx, 9019, &m), -EMSGSIZE);
	T_OK(t_wire_send(from, tx, 9018, NULL));	/* mtu + Ethernet + VLAN */
	T_EQ(t_wire_recv(to, rx, sizeof(rx), NULL), 9018);
}

/* A ring of 64 slots takes 64 frames, then -EAGAIN, then drains in order. */
static void t_ring_full(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 64 };
	struct nm_wire *a, *b;
	struct nm_wire_stats st;
	uint64_t seq;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	for (seq = 0; seq < 64; seq++) {
		t_wfill(tx, 100, seq);
		T_OK(t_wire_send(a, tx, 100, NULL));
	}
	T_ERR(t_wire_send(a, tx, 100, NULL), -EAGAIN);
	T_OK(nm__wire_shm_assert_ok(a));
	for (uint64_t i = 0; i < 64; i++) {
		T_EQ(t_wire_recv(b, rx, sizeof(rx), NULL), 100);
		T_EQ(t_wseq(rx), i);
		if (i == 0) {	/* one slot free: one more frame fits */
			t_wfill(tx, 100, seq);
			T_OK(t_wire_send(a, tx, 100, NULL));
			T_ERR(t_wire_send(a, tx, 100, NULL), -EAGAIN);
		}
	}
	T_EQ(t_wire_recv(b, rx, sizeof(rx), NULL), 100);
	T_EQ(t_wseq(rx), 64);
	T_EQ(t_wire_recv(b, rx, sizeof(rx), NULL), -EAGAIN);
	T_OK(nm_wire_get_stats(a, &st, sizeof(st)));
	T_EQ(st.tx_frames, 65);
	T_EQ(st.tx_dropped, 0);		/* backpressure is not a drop */
	nm_wire_destroy(a);
	nm_wire_destroy(b);
}

/* A 64 KiB arena holds seven 9000-byte frames (plus alignment); the eighth
 * waits for space; frames wrap around the arena end intact. */
static void t_arena_full(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 1024, .arena_bytes = 65536, .mtu = 9000 };
	struct nm_wire *a, *b;
	uint64_t sent = 0, got = 0;
	int n = 0;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	for (;;) {
		t_wfill(tx, 9000, sent);
		int r = t_wire_send(a, tx, 9000, NULL);

		if (r == -EAGAIN)
			break;
		T_OK(r);
		sent++;
	}
	T_EQ(sent, 65536 / 9024);
	/* stream 2000 frames of odd sizes through it, so it wraps many times */
	for (int i = 0; i < 4000; i++) {
		uint32_t len = 60 + (uint32_t)(i * 2654435761u % 8900);

		t_wfill(tx, len, sent);
		int r = t_wire_send(a, tx, len, NULL);

		if (r == 0) {
			sent++;
		} else {
			T_EQ(r, -EAGAIN);
			int l = t_wire_recv(b, rx, sizeof(rx), NULL);

			T_ASSERT(l > 0);
			T_EQ(t_wseq(rx), got);
			T_EQ(t_wbitdiff(rx, (uint32_t)l, got), 0);
			got++;
		}
		T_OK(nm__wire_shm_assert_ok(a));
		T_OK(nm__wire_shm_assert_ok(b));
		n++;
	}
	while (got < sent) {
		int l = t_wire_recv(b, rx, sizeof(rx), NULL);

		T_ASSERT(l > 0);
		T_EQ(t_wseq(rx), got);
		T_EQ(t_wbitdiff(rx, (uint32_t)l, got), 0);
		got++;
	}
	T_ASSERT(sent > 1000);
	nm_wire_destroy(a);
	nm_wire_destroy(b);
}

static void t_truncate(struct nm_wire *from, struct nm_wire *to)
{
	struct nm_wire_stats st0, st1;
	struct nm_wire_meta m;

	T_OK(nm_wire_get_stats(to, &st0, sizeof(st0)));
	t_wfill(tx, 1000, 42);
	T_OK(t_wire_send(from, tx, 1000, NULL));
	memset(rx, 0, sizeof(rx));
	T_EQ(t_wire_recv(to, rx, 100, &m), 1000);	/* length of the whole frame */
	T_EQ(t_wbitdiff(rx, 100, 42), 0);
	T_EQ(rx[100], 0);
	T_OK(nm_wire_get_stats(to, &st1, sizeof(st1)));
	T_EQ(st1.rx_truncated, st0.rx_truncated + 1);
	T_EQ(st1.rx_frames, st0.rx_frames + 1);
	/* no buffers at all: the frame is consumed and counted truncated */
	T_OK(t_wire_send(from, tx, 60, NULL));
	T_EQ(nm_wire_rx_copy(to, NULL, 0, NULL), 60);
	T_EQ(nm_wire_rx_copy(to, NULL, 0, NULL), -EAGAIN);
}

int main(void)
{
	struct nm_wire_shm_params p = { .mtu = 9000, .gso = true };
	struct nm_wire *a, *b;
	struct nm_wire_stats sa, sb;

	T_OK(nm_wire_shm_pair(&p, &a, &b));
	T_ASSERT(strcmp(a->ops->kind, "shm") == 0);
	T_EQ(a->mtu, 9000);
	T_ASSERT(a->gso && b->gso);
	t_sizes(a, b);
	t_sizes(b, a);
	t_gso(a, b);
	t_gso(b, a);
	t_truncate(a, b);
	T_OK(nm_wire_get_stats(a, &sa, sizeof(sa)));
	T_OK(nm_wire_get_stats(b, &sb, sizeof(sb)));
	T_EQ(sa.tx_frames, sb.rx_frames);
	T_EQ(sb.tx_frames, sa.rx_frames);
	T_EQ(sa.tx_bytes, sb.rx_bytes);
	T_EQ(sa.rx_invalid + sb.rx_invalid, 0);
	T_EQ(t_wstat_total_inj(&sa) + t_wstat_total_inj(&sb), 0);
	T_OK(nm__wire_shm_assert_ok(a));
	T_OK(nm__wire_shm_assert_ok(b));
	nm_wire_destroy(a);
	nm_wire_destroy(b);

	t_ring_full();
	t_arena_full();
	T_PASS();
}
