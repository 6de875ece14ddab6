/* SPDX-License-Identifier: MIT */
/*
 * Backpressure: an application that hoards tokens until the dma-buf is
 * full.  The receiver's window closes with the RX memory, so the sender
 * stops instead of flooding the NIC into no-buffer drops; nothing the
 * receiver acknowledged is lost; when the tokens come back the flow
 * resumes.  16 MiB through a 1 MiB dma-buf, in hoard-and-release cycles,
 * every byte checked.
 */
#include "t_devmem.h"

struct hoard {
	uint32_t *tok;
	size_t n, cap;
};

static void keep(struct hoard *h, struct t_dm_rx *r)
{
	if (h->n + (size_t)r->ntok > h->cap) {
		h->cap = (h->n + (size_t)r->ntok) * 2;
		h->tok = realloc(h->tok, h->cap * sizeof(*h->tok));
		T_ASSERT(h->tok);
	}
	memcpy(h->tok + h->n, r->tokens, (size_t)r->ntok * sizeof(*h->tok));
	h->n += (size_t)r->ntok;
	r->ntok = 0;
}

static void release(int sd, struct hoard *h)
{
	for (size_t i = 0; i < h->n; i += 128) {
		struct dmabuf_token tk[128];
		size_t k = h->n - i < 128 ? h->n - i : 128;

		for (size_t j = 0; j < k; j++)
			tk[j] = (struct dmabuf_token){ h->tok[i + j], 1 };
		T_EQ(nm_setsockopt(sd, SOL_SOCKET, SO_DEVMEM_DONTNEED, tk,
				   (socklen_t)(k * sizeof(tk[0]))), (int)k);
	}
	h->n = 0;
}

int main(void)
{
	struct t_net n;
	struct t_dm d;
	struct hoard h = { 0 };
	uint64_t txpos = 0, rxpos = 0, total = 16ull << 20, held = 0;
	uint64_t t0, stalls = 0;
	struct nm_queue_stats qs;
	int lsd, csd, ssd;

	t_net_up(&n, NULL);
	t_dm_bind(&d, n.ndb, 1u << 20);
	lsd = t_listen(n.sb, AF_INET, 7001, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7001, &ssd);
	t0 = t_now_us();
	while (rxpos < total) {
		struct t_dm_rx r = { 0 };
		uint64_t idle_since = t_now_us();

		T_ASSERT(t_now_us() - t0 < 60000000u);
		/* hoard until nothing more arrives for 200 ms */
		for (;;) {
			if (txpos < total) {
				ssize_t s = t_dm_send(csd, &txpos, total - txpos);

				T_ASSERT(s > 0 || s == -EAGAIN);
			}
			t_pump(&n);
			memset(&r, 0, sizeof(r));
			ssize_t k = t_dm_recv(&d, ssd, 1 << 20, 256, &rxpos, &r);

			T_ASSERT(k > 0 || k == -EAGAIN);
			if (k > 0) {
				held += (uint64_t)k;
				keep(&h, &r);
				idle_since = t_now_us();
			}
			if (rxpos == total || t_now_us() - idle_since > 200000)
				break;
		}
		if (rxpos < total) {
			/* stalled with the memory full: the sender has data it may
			 * not send, and held no more than the dma-buf */
			stalls++;
			T_ASSERT(held <= d.size);
			T_ASSERT(held > d.size / 2);
			T_ASSERT(txpos > rxpos);
		}
		release(ssd, &h);
		held = 0;
	}
	T_EQ(rxpos, total);
	T_ASSERT(stalls >= 8);
	T_OK(nm_netdev_get_rxq_stats(n.ndb, 0, &qs, sizeof(qs)));
	printf("backpressure: %llu stalls, %llu no-buffer drops, %llu packets\n",
	       (unsigned long long)stalls, (unsigned long long)qs.drops[NM_RX_DROP_NO_BUFFER],
	       (unsigned long long)qs.packets);
	/* the window, not the NIC, stopped the sender */
	T_ASSERT(qs.drops[NM_RX_DROP_NO_BUFFER] * 100 < qs.packets);
	free(h.tok);
	T_CLOSE_ALL(&n, 20, csd, ssd, lsd);
	t_dm_unbind(&d);
	t_net_down(&n);
	T_PASS();
}
