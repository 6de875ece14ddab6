/* SPDX-License-Identifier: MIT */
/*
 * nm_skb: one packet inside the stack (see skb.h).
 *
 * Invariants:
 *  1. head <= data, data + linear <= head + size; len == linear + sum of
 *     frag lengths.
 *  2. Frags are all RX (netmem references, tx == false) or all TX (device
 *     addresses, tx == true); RX frags are all readable or all unreadable
 *     (skb->unreadable).  Adding or coalescing refuses anything else.
 *  3. The stack never reads an unreadable or a TX frag: nm_skb_copy_bits()
 *     refuses them with -EFAULT.
 *  4. An skb made by nm_skb_alloc() owns one malloc'ed block (struct and
 *     linear part); one made by nm_skb_from_rx() owns one reference on its
 *     header netmem (hdr) and one per RX frag.  nm_skb_free() drops all.
 *
 *  5. An skb from nm_skb_from_rx() is a bare struct block (cached): freed,
 *     it goes to its thread's skb cache (at most SKB_CACHE_MAX blocks,
 *     freed when the thread exits) and the next nm_skb_from_rx() on that
 *     thread takes it back.
 *
 * Workload: one skb per received frame and per sent segment; the fast path
 * (from_rx, pull, free) touches only the struct and the netmem refcounts,
 * and a received frame costs no malloc once the cache is warm: a poll
 * handles up to 64 frames, more than malloc's own per-thread cache keeps
 * of one size (7), so without ours a burst went to malloc's slow path.
 * Caller must own the skb (its stack thread).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>


#include "net/skb.h"
#include "nic/netdev_drv.h"
#include "pool/page_pool.h"
#include "util/err.h"

/* Drop one page-pool reference; the stack thread owns the RX pools. */
static void skb_put_netmem(nm_netmem_t nm)
{
	if (nm)
		nm_page_pool_put_netmem(nm_netmem_pool(nm), nm, true);
}

/* ---- the per-thread cache of bare skb structs (invariant 5) ---- */

/* 4 polls' budget of frames in flight.  The sanitizer build caches none,
 * so a use after free still reaches ASan's poisoned memory. */
#if defined(__SANITIZE_ADDRESS__)
#define SKB_CACHE_MAX	0
#else
#define SKB_CACHE_MAX	256
#endif

struct skb_cache {
	struct nm_skb *head;		/* linked through next */
	unsigned n;
};

static __thread struct skb_cache skb_cache;
static pthread_key_t skb_cache_key;
static pthread_once_t skb_cache_once = PTHREAD_ONCE_INIT;
static bool skb_cache_ok;		/* the key exists: caching is allowed */

static void skb_cache_drain(void *arg)
{
	struct skb_cache *c = arg;

	while (c->head) {
		struct nm_skb *skb = c->head;

		c->head = skb->next;
		free(skb);
	}
	c->n = 0;
}

static void skb_cache_key_init(void)
{
	skb_cache_ok = pthread_key_create(&skb_cache_key, skb_cache_drain) == 0;
}

static struct nm_skb *skb_cache_get(void)
{
	struct nm_skb *skb = skb_cache.head;

	if (nm_likely(skb)) {
		skb_cache.head = skb->next;
		skb_cache.n--;
		return skb;
	}
	return malloc(sizeof(*skb));
}

static void skb_cache_put(struct nm_skb *skb)
{
	struct skb_cache *c = &skb_cache;

	if (nm_unlikely(c->n == 0)) {
		if (SKB_CACHE_MAX == 0) {
			free(skb);
			return;
		}
		/* first block this thread keeps: have it freed at thread exit */
		pthread_once(&skb_cache_once, skb_cache_key_init);
		if (!skb_cache_ok || pthread_setspecific(skb_cache_key, c)) {
			free(skb);
			return;
		}
	}
	if (c->n + 1 > SKB_CACHE_MAX) {
		free(skb);
		return;
	}
	skb->next = c->head;
	c->head = skb;
	c->n++;
}

struct nm_skb *nm_skb_alloc(uint32_t size)
{
	struct nm_skb *skb;
	size_t total;

	if (size > (1u << 24)) {
		nm_err(EINVAL, "skb_alloc: size %u too large", size);
		return NULL;
	}
	total = sizeof(*skb) + NM_SKB_HEADROOM + (size_t)size;
	skb = malloc(total);
	if (!skb) {
		nm_err(ENOMEM, "skb_alloc: out of memory for %zu bytes", total);
		return NULL;
	}
	memset(skb, 0, sizeof(*skb));
	skb->head = (uint8_t *)(skb + 1);
	skb->size = NM_SKB_HEADROOM + size;
	skb->data = skb->head + NM_SKB_HEADROOM;
	return skb;
}

struct nm_skb *nm_skb_from_rx(struct nm_iface *iface, struct nm_rx_pkt *pkt)
{
	struct nm_skb *skb;
	uint8_t *base;

	if (!pkt) {
		nm_err(EINVAL, "skb_from_rx: NULL packet");
		return NULL;
	}
	if (!pkt->hdr || pkt->nr_frags > NM_SKB_MAX_FRAGS ||
	    !(base = nm_netmem_address(pkt->hdr))) {
		nm_err(EINVAL, "skb_from_rx: packet without a host header buffer");
		goto err_release;
	}
	skb = skb_cache_get();
	if (!skb) {
		nm_err(ENOMEM, "skb_from_rx: out of memory");
		goto err_release;
	}
	/* everything but the frag array (filled below) */
	memset(skb, 0, offsetof(struct nm_skb, frags));
	memset(&skb->iface, 0, sizeof(*skb) - offsetof(struct nm_skb, iface));
	skb->cached = true;
	skb->hdr = pkt->hdr;
	skb->head = base;
	skb->data = base + pkt->hdr_off;
	skb->size = pkt->hdr_off + pkt->hdr_len;	/* no tailroom: not ours to extend */
	skb->linear = pkt->hdr_len;
	skb->len = pkt->hdr_len;
	skb->unreadable = (pkt->flags & NM_RX_F_UNREADABLE) != 0;
	for (uint16_t i = 0; i < pkt->nr_frags; i++) {
		struct nm_skb_frag *f = &skb->frags[i];

		f->netmem = pkt->frags[i].netmem;
		f->off = pkt->frags[i].off;
		f->len = pkt->frags[i].len;
		f->dma_addr = nm_netmem_dma_addr(f->netmem) + f->off;
		skb->len += f->len;
		/* the NIC's flag is the truth, but a device netmem is
		 * unreadable whatever it says */
		if (!nm_netmem_is_readable(f->netmem))
			skb->unreadable = true;
	}
	skb->nr_frags = pkt->nr_frags;
	skb->iface = iface;
	skb->rx_flags = pkt->flags;
	skb->rss_hash = pkt->rss_hash;
	skb->queue = pkt->queue;
	if (pkt->flags & NM_RX_F_GSO) {
		skb->gso_size = pkt->gso_size;
		skb->gso_type = pkt->gso_type;
	}
	skb->csum_ok = (pkt->flags & NM_RX_F_CSUM_OK) != 0;
	if (pkt->flags & NM_RX_F_PARSED)
		skb->parse = pkt->parse;
	pkt->hdr = 0;
	pkt->nr_frags = 0;
	return skb;

err_release:
	nm_rx_pkt_release(pkt);
	return NULL;
}

static void skb_drop_frags(struct nm_skb *skb, uint16_t from)
{
	if (!skb->tx)
		for (uint16_t i = from; i < skb->nr_frags; i++)
			skb_put_netmem(skb->frags[i].netmem);
	skb->nr_frags = from;
}

void nm_skb_free(struct nm_skb *skb)
{
	if (!skb)
		return;
	if (skb->destructor)
		skb->destructor(skb);
	skb_drop_frags(skb, 0);
	skb_put_netmem(skb->hdr);
	if (skb->cached)
		skb_cache_put(skb);
	else
		free(skb);
}

uint8_t *nm_skb_push(struct nm_skb *skb, uint32_t n)
{
	if (!skb || (uint32_t)(skb->data - skb->head) < n)
		return NULL;
	skb->data -= n;
	skb->linear += n;
	skb->len += n;
	return skb->data;
}

uint8_t *nm_skb_pull(struct nm_skb *skb, uint32_t n)
{
	if (!skb || n > skb->linear)
		return NULL;
	skb->data += n;
	skb->linear -= n;
	skb->len -= n;
	return skb->data;
}

uint8_t *nm_skb_put(struct nm_skb *skb, uint32_t n)
{
	uint8_t *tail;

	if (!skb || skb->nr_frags)	/* bytes after frags would reorder the packet */
		return NULL;
	tail = skb->data + skb->linear;
	if ((uint64_t)(tail - skb->head) + n > skb->size)
		return NULL;
	skb->linear += n;
	skb->len += n;
	return tail;
}

int nm_skb_trim(struct nm_skb *skb, uint32_t len)
{
	uint32_t left;
	uint16_t i;

	if (!skb)
		return nm_err(EINVAL, "skb_trim: NULL skb");
	if (len > skb->len)
		return nm_err(EINVAL, "skb_trim: %u bytes, packet has %u", len, skb->len);
	if (len <= skb->linear) {
		skb->linear = len;
		skb_drop_frags(skb, 0);
		skb->len = len;
		return 0;
	}
	left = len - skb->linear;
	for (i = 0; i < skb->nr_frags && left; i++) {
		if (skb->frags[i].len >= left) {
			skb->frags[i].len = left;
			left = 0;
		} else {
			left -= skb->frags[i].len;
		}
	}
	skb_drop_frags(skb, i);
	skb->len = len;
	return 0;
}

int nm_skb_add_rx_frag(struct nm_skb *skb, nm_netmem_t nm, uint32_t off, uint32_t len)
{
	bool unreadable;

	if (!skb || !nm || !len)
		return nm_err(EINVAL, "skb_add_rx_frag: NULL skb, netmem or empty frag");
	unreadable = !nm_netmem_is_readable(nm);
	if (skb->nr_frags && skb->tx)
		return nm_err(EINVAL, "skb_add_rx_frag: skb holds TX frags");
	if (skb->nr_frags && skb->unreadable != unreadable)
		return nm_err(EINVAL, "skb_add_rx_frag: would mix readable and unreadable frags");
	if (skb->nr_frags >= NM_SKB_MAX_FRAGS)
		return nm_err(ENOSPC, "skb_add_rx_frag: %d frags already", NM_SKB_MAX_FRAGS);
	skb->tx = false;
	skb->unreadable = unreadable;
	skb->frags[skb->nr_frags++] = (struct nm_skb_frag){
		.netmem = nm, .dma_addr = nm_netmem_dma_addr(nm) + off, .off = off, .len = len };
	skb->len += len;
	return 0;
}

int nm_skb_add_tx_frag(struct nm_skb *skb, uint64_t dma_addr, uint32_t len)
{
	if (!skb || !len)
		return nm_err(EINVAL, "skb_add_tx_frag: NULL skb or empty frag");
	if (skb->nr_frags && !skb->tx)
		return nm_err(EINVAL, "skb_add_tx_frag: skb holds RX frags");
	if (skb->nr_frags >= NM_SKB_MAX_FRAGS)
		return nm_err(ENOSPC, "skb_add_tx_frag: %d frags already", NM_SKB_MAX_FRAGS);
	skb->tx = true;
	skb->frags[skb->nr_frags++] = (struct nm_skb_frag){ .dma_addr = dma_addr, .len = len };
	skb->len += len;
	return 0;
}

int nm_skb_copy_bits(const struct nm_skb *skb, uint32_t off, void *dst, uint32_t len)
{
	uint8_t *out = dst;

	if (!skb || (!dst && len))
		return nm_err(EINVAL, "skb_copy_bits: NULL argument");
	if ((uint64_t)off + len > skb->len)
		return nm_err(EINVAL, "skb_copy_bits: [%u, +%u) outside a %u-byte packet", off, len,
			      skb->len);
	if (off < skb->linear) {
		uint32_t k = skb->linear - off < len ? skb->linear - off : len;

		memcpy(out, skb->data + off, k);
		out += k;
		len -= k;
		off = 0;
	} else {
		off -= skb->linear;
	}
	for (uint16_t i = 0; i < skb->nr_frags && len; i++) {
		const struct nm_skb_frag *f = &skb->frags[i];
		const uint8_t *src;
		uint32_t k;

		if (off >= f->len) {
			off -= f->len;
			continue;
		}
		/* invariant 1: device memory and TX addresses are never read */
		if (skb->tx || skb->unreadable || !nm_netmem_is_readable(f->netmem))
			return nm_err(EFAULT, "skb_copy_bits: frag %u is not readable by the stack",
				      i);
		src = (const uint8_t *)nm_netmem_address(f->netmem) + f->off + off;
		k = f->len - off < len ? f->len - off : len;
		memcpy(out, src, k);
		out += k;
		len -= k;
		off = 0;
	}
	return 0;
}

/* Does b carry readable payload bytes (linear or frags)? Unreadable? */
static bool skb_has_readable(const struct nm_skb *s)
{
	return s->linear || (s->nr_frags && !s->unreadable);
}

static bool skb_has_unreadable(const struct nm_skb *s)
{
	return s->nr_frags && s->unreadable;
}

bool nm_skb_can_coalesce(const struct nm_skb *a, const struct nm_skb *b)
{
	uint32_t need;

	if (!a || !b || a == b || a->tx || b->tx)
		return false;
	/* invariant 2: never mix readable and unreadable payload */
	if ((skb_has_readable(a) && skb_has_unreadable(b)) ||
	    (skb_has_unreadable(a) && skb_has_readable(b)))
		return false;
	/* b's linear bytes become a frag of its header buffer: only possible
	 * when they lie in a netmem */
	if (b->linear && !b->hdr)
		return false;
	need = (uint32_t)a->nr_frags + b->nr_frags + (b->linear ? 1u : 0u);
	return need <= NM_SKB_MAX_FRAGS && (uint64_t)a->len + b->len <= UINT32_MAX;
}

int nm_skb_coalesce(struct nm_skb *a, struct nm_skb *b)
{
	if (!a || !b)
		return nm_err(EINVAL, "skb_coalesce: NULL skb");
	if (!nm_skb_can_coalesce(a, b))
		return nm_err(EINVAL, "skb_coalesce: cannot append (mixed readability, TX, "
				      "or no room for the frags)");
	if (b->linear) {
		/* hand b's header-buffer reference over as a readable frag */
		uint32_t off = (uint32_t)(b->data - (uint8_t *)nm_netmem_address(b->hdr));

		a->frags[a->nr_frags++] = (struct nm_skb_frag){
			.netmem = b->hdr, .dma_addr = nm_netmem_dma_addr(b->hdr) + off,
			.off = off, .len = b->linear };
		a->len += b->linear;
		b->hdr = 0;
		b->head = NULL;
		b->linear = 0;
	}
	for (uint16_t i = 0; i < b->nr_frags; i++) {
		a->frags[a->nr_frags++] = b->frags[i];
		a->len += b->frags[i].len;
	}
	if (b->nr_frags)
		a->unreadable = b->unreadable;
	b->nr_frags = 0;
	b->len = 0;
	nm_skb_free(b);
	return 0;
}

/* ---- queues --------------------------------------------------------------- */

void nm_skb_queue_init(struct nm_skb_queue *q)
{
	if (q)
		memset(q, 0, sizeof(*q));
}

void nm_skb_insert_after(struct nm_skb_queue *q, struct nm_skb *pos, struct nm_skb *skb)
{
	if (!q || !skb)
		return;
	skb->prev = pos;
	skb->next = pos ? pos->next : q->head;
	if (skb->next)
		skb->next->prev = skb;
	else
		q->tail = skb;
	if (pos)
		pos->next = skb;
	else
		q->head = skb;
	q->qlen++;
	q->bytes += skb->len;
}

void nm_skb_queue_tail(struct nm_skb_queue *q, struct nm_skb *skb)
{
	if (q)
		nm_skb_insert_after(q, q->tail, skb);
}

void nm_skb_queue_head(struct nm_skb_queue *q, struct nm_skb *skb)
{
	nm_skb_insert_after(q, NULL, skb);
}

void nm_skb_unlink(struct nm_skb_queue *q, struct nm_skb *skb)
{
	if (!q || !skb)
		return;
	if (skb->prev)
		skb->prev->next = skb->next;
	else
		q->head = skb->next;
	if (skb->next)
		skb->next->prev = skb->prev;
	else
		q->tail = skb->prev;
	skb->next = skb->prev = NULL;
	q->qlen--;
	q->bytes -= skb->len;
}

struct nm_skb *nm_skb_dequeue(struct nm_skb_queue *q)
{
	struct nm_skb *skb = q ? q->head : NULL;

	if (skb)
		nm_skb_unlink(q, skb);
	return skb;
}

void nm_skb_queue_purge(struct nm_skb_queue *q)
{
	struct nm_skb *skb;

	while ((skb = nm_skb_dequeue(q)))
		nm_skb_free(skb);
}
