/* SPDX-License-Identifier: MIT */
/*
 * Wires on the test bed (t_wire.h): one frame at a time, and runs of
 * numbered frames through the shm wire's fault injector, with the checks
 * that tell what the injector did to each.
 */
#include <stdlib.h>

#include "t_wire.h"
#include "nic/wire_drv.h"
#include "nic/wire_shm.h"

int t_wire_send(struct nm_wire *w, const uint8_t *f, uint32_t len, const struct nm_wire_meta *meta)
{
	struct iovec iov = { (void *)f, len };

	return nm_wire_xmit(w, &iov, 1, meta);
}

int t_wire_recv(struct nm_wire *w, uint8_t *buf, uint32_t cap, struct nm_wire_meta *meta)
{
	struct iovec iov = { buf, cap };

	return nm_wire_rx_copy(w, &iov, 1, meta);
}

static int t_no_bufs(struct nm_wire_rxbufs *b, struct iovec *iov, unsigned max)
{
	(void)b;
	(void)iov;
	(void)max;
	return -ENOBUFS;
}

void t_wire_rx(struct nm_wire *w, struct nm_wire_frame *f)
{
	struct nm_wire_rxbufs bufs = { .get = t_no_bufs };

	memset(f, 0, sizeof(*f));
	T_OK(nm_wire_rx(w, &bufs, f));
}

/* Bytes 0..7: seq; the rest a function of (seq, index). */
uint8_t t_wpat(uint64_t seq, uint32_t i)
{
	return (uint8_t)(seq * 131 + i * 7 + (i >> 8));
}

void t_wfill(uint8_t *buf, uint32_t len, uint64_t seq)
{
	memcpy(buf, &seq, 8);
	for (uint32_t i = 8; i < len; i++)
		buf[i] = t_wpat(seq, i);
}

uint64_t t_wseq(const uint8_t *buf)
{
	uint64_t s;

	memcpy(&s, buf, 8);
	return s;
}

/* Number of bits in which buf differs from frame seq of length len. */
unsigned t_wbitdiff(const uint8_t *buf, uint32_t len, uint64_t seq)
{
	unsigned n = 0;
	uint8_t want[8];

	memcpy(want, &seq, 8);
	for (uint32_t i = 0; i < len; i++)
		n += (unsigned)__builtin_popcount(buf[i] ^ (i < 8 ? want[i] : t_wpat(seq, i)));
	return n;
}

uint64_t t_wstat_total_inj(const struct nm_wire_stats *s)
{
	return s->inj_lost + s->inj_dup + s->inj_reordered + s->inj_corrupted + s->inj_delayed +
	       s->inj_rate_dropped;
}

uint32_t t_wlen(uint64_t seq)
{
	return 60 + (uint32_t)((seq * 2654435761u) % 200);
}

/* Send n frames a->b through a pair with faults[0] = *f, receiving after
 * every send; flush and drain at the end. */
void t_wfaults_lossy(struct nm_wire_shm_params *wp, uint64_t seed)
{
	for (int dir = 0; dir < 2; dir++) {
		wp->faults[dir].seed = seed + (uint64_t)dir;
		wp->faults[dir].loss = 0.01;
		wp->faults[dir].reorder = 0.01;
		wp->faults[dir].dup = 0.005;
	}
}

void t_wfault_run(const struct nm_wire_faults *f, uint64_t n, struct t_wrun *run)
{
	struct nm_wire_shm_params p = { .ring_entries = 4096, .faults[0] = *f };
	static uint8_t buf[4096], in[4096];
	struct nm_wire *a, *b;
	size_t cap = n * 2 + 16;

	run->got = calloc(cap, sizeof(*run->got));
	run->ngot = 0;
	T_ASSERT(run->got);
	T_OK(nm_wire_shm_pair(&p, &a, &b));
	for (uint64_t seq = 0; seq <= n; seq++) {
		int r;

		if (seq < n) {
			t_wfill(buf, t_wlen(seq), seq);
			T_OK(t_wire_send(a, buf, t_wlen(seq), NULL));
		} else {
			T_OK(nm_wire_shm_flush(a));
		}
		while ((r = t_wire_recv(b, in, sizeof(in), NULL)) > 0) {
			struct t_wgot *g = &run->got[run->ngot++];

			T_ASSERT(run->ngot < cap);
			g->seq = t_wseq(in);
			g->len = (uint32_t)r;
			g->bitdiff = t_wbitdiff(in, (uint32_t)r, g->seq);
			g->bitdiff_pos = r == (int)t_wlen(run->ngot - 1)
						 ? t_wbitdiff(in, (uint32_t)r, run->ngot - 1)
						 : UINT32_MAX;
		}
		T_EQ(r, -EAGAIN);
	}
	T_OK(nm__wire_shm_assert_ok(a));
	T_OK(nm_wire_get_stats(a, &run->tx, sizeof(run->tx)));
	T_EQ(run->tx.tx_frames, n);
	nm_wire_destroy(a);
	nm_wire_destroy(b);
}

/* Reorder/delay: every frame arrives once, and each late one (a frame
 * with a higher number arrived first) after exactly `after` frames that
 * were not held (fewer only for the last ones, which the final flush
 * releases).  Returns the number of late frames. */
uint64_t t_wcheck_holds(const struct t_wrun *run, uint64_t n, uint32_t after)
{
	uint8_t *seen = calloc(n, 1), *late = calloc(run->ngot, 1);
	uint64_t max = 0, nlate = 0;

	T_ASSERT(seen && late);
	T_EQ(run->ngot, n);
	for (size_t k = 0; k < run->ngot; k++) {
		const struct t_wgot *g = &run->got[k];
		uint32_t passed = 0;

		T_ASSERT(g->seq < n);
		T_EQ(g->bitdiff, 0);
		T_EQ(seen[g->seq], 0);
		seen[g->seq] = 1;
		if (k == 0 || g->seq > max) {
			max = g->seq;
			continue;
		}
		late[k] = 1;
		nlate++;
		for (size_t j = k; j-- > 0;) {
			if (late[j])
				continue;
			if (run->got[j].seq < g->seq)
				break;
			passed++;
		}
		if (passed != after && !(passed < after && g->seq + 200 > n))
			T_FAIL("frame %llu arrived after %u passing frames, want %u",
			       (unsigned long long)g->seq, passed, after);
	}
	free(seen);
	free(late);
	return nlate;
}

/* |observed/n - rate| within tol (absolute, in probability). */
void t_wrate_ok(const char *what, uint64_t observed, uint64_t n, double rate, double tol)
{
	double r = (double)observed / (double)n;

	printf("%s: %llu of %llu = %.4f (setting %.4f)\n", what, (unsigned long long)observed,
	       (unsigned long long)n, r, rate);
	if (r < rate - tol || r > rate + tol)
		T_FAIL("%s rate %.4f not within %.4f of %.4f", what, r, tol, rate);
}
