/* nm_skb: linear editing, RX/TX frags, copy_bits refusing device memory
 * (invariant 1), coalescing refusing to mix readable and unreadable payload
 * (invariant 2), nm_skb_from_rx taking over a packet's references, and
 * every page-pool reference dropped by nm_skb_free. */
#include "t_pool.h"
#include "net/skb.h"
#include "nic/netdev_drv.h"

static struct nm_page_pool *hpool, *dpool;

static nm_netmem_t host_nm(uint8_t fill)
{
	nm_netmem_t nm;

	T_OK(nm_page_pool_alloc_netmem(hpool, &nm));
	memset(nm_netmem_address(nm), fill, 4096);
	return nm;
}

static nm_netmem_t dev_nm(void)
{
	nm_netmem_t nm;

	T_OK(nm_page_pool_alloc_netmem(dpool, &nm));
	T_ASSERT(!nm_netmem_is_readable(nm));
	return nm;
}

static void t_linear(void)
{
	struct nm_skb *s = nm_skb_alloc(100);
	uint8_t *p;

	T_ASSERT(s);
	T_EQ(s->len, 0);
	p = nm_skb_put(s, 100);
	T_ASSERT(p);
	for (int i = 0; i < 100; i++)
		p[i] = (uint8_t)i;
	T_ASSERT(nm_skb_put(s, 1) == NULL);		/* no tailroom left */
	T_ASSERT(nm_skb_push(s, NM_SKB_HEADROOM) != NULL);
	T_ASSERT(nm_skb_push(s, 1) == NULL);		/* no headroom left */
	T_EQ(s->len, 100 + NM_SKB_HEADROOM);
	T_ASSERT(nm_skb_pull(s, NM_SKB_HEADROOM) == p);
	T_ASSERT(nm_skb_pull(s, 101) == NULL);
	T_OK(nm_skb_trim(s, 60));
	T_EQ(s->len, 60);
	T_ERR(nm_skb_trim(s, 61), -EINVAL);
	uint8_t out[60];
	T_OK(nm_skb_copy_bits(s, 0, out, 60));
	T_EQ(out[59], 59);
	T_ERR(nm_skb_copy_bits(s, 10, out, 51), -EINVAL);
	T_ERR(nm_skb_copy_bits(NULL, 0, out, 1), -EINVAL);
	nm_skb_free(s);
	nm_skb_free(NULL);
}

static void t_frags_readable(void)
{
	struct nm_skb *s = nm_skb_alloc(16);
	uint8_t out[300];

	memset(nm_skb_put(s, 16), 0xee, 16);
	T_OK(nm_skb_add_rx_frag(s, host_nm(1), 10, 100));
	T_OK(nm_skb_add_rx_frag(s, host_nm(2), 0, 100));
	T_OK(nm_skb_add_rx_frag(s, host_nm(3), 4000, 96));
	T_EQ(s->len, 312);
	T_EQ(nm_page_pool_inflight(hpool), 3);
	T_OK(nm_skb_copy_bits(s, 10, out, 300));
	T_EQ(out[0], 0xee);
	T_EQ(out[5], 0xee);
	T_EQ(out[6], 1);
	T_EQ(out[105], 1);
	T_EQ(out[106], 2);
	T_EQ(out[206], 3);
	T_EQ(out[299], 3);
	/* nothing to put after frags, and no mixing */
	T_ASSERT(nm_skb_put(s, 1) == NULL);
	nm_netmem_t d = dev_nm();
	T_ERR(nm_skb_add_rx_frag(s, d, 0, 10), -EINVAL);
	T_ERR(nm_skb_add_tx_frag(s, 0x1000, 10), -EINVAL);
	T_ERR(nm_skb_add_rx_frag(s, 0, 0, 10), -EINVAL);
	T_OK(nm_page_pool_put_netmem(dpool, d, true));
	/* trimming into the second frag drops the third's reference */
	T_OK(nm_skb_trim(s, 150));
	T_EQ(s->nr_frags, 2);
	T_EQ(s->frags[1].len, 34);
	T_EQ(nm_page_pool_inflight(hpool), 2);
	/* frag limit */
	while (s->nr_frags < NM_SKB_MAX_FRAGS)
		T_OK(nm_skb_add_rx_frag(s, host_nm(4), 0, 8));
	nm_netmem_t h = host_nm(5);
	T_ERR(nm_skb_add_rx_frag(s, h, 0, 8), -ENOSPC);
	T_OK(nm_page_pool_put_netmem(hpool, h, true));
	nm_skb_free(s);
	T_EQ(nm_page_pool_inflight(hpool), 0);
}

static void t_frags_unreadable(void)
{
	struct nm_skb *s = nm_skb_alloc(54);
	uint8_t out[64];

	memset(nm_skb_put(s, 54), 0x11, 54);
	T_OK(nm_skb_add_rx_frag(s, dev_nm(), 0, 1000));
	T_OK(nm_skb_add_rx_frag(s, dev_nm(), 0, 448));
	T_ASSERT(s->unreadable);
	/* headers are readable; payload in device memory is refused */
	T_OK(nm_skb_copy_bits(s, 0, out, 54));
	T_ERR(nm_skb_copy_bits(s, 50, out, 8), -EFAULT);
	T_ERR(nm_skb_copy_bits(s, 1100, out, 1), -EFAULT);
	nm_netmem_t h = host_nm(1);
	T_ERR(nm_skb_add_rx_frag(s, h, 0, 10), -EINVAL);	/* invariant 2 */
	T_OK(nm_page_pool_put_netmem(hpool, h, true));
	T_EQ(nm_page_pool_inflight(dpool), 2);
	nm_skb_free(s);
	T_EQ(nm_page_pool_inflight(dpool), 0);

	/* TX frags are device addresses: never read, never mixed with RX */
	s = nm_skb_alloc(20);
	memset(nm_skb_put(s, 20), 0, 20);
	T_OK(nm_skb_add_tx_frag(s, 0x10000, 1000));
	T_ASSERT(s->tx);
	T_ERR(nm_skb_copy_bits(s, 19, out, 2), -EFAULT);
	h = host_nm(1);
	T_ERR(nm_skb_add_rx_frag(s, h, 0, 10), -EINVAL);
	T_OK(nm_page_pool_put_netmem(hpool, h, true));
	T_ERR(nm_skb_add_tx_frag(s, 0x10000, 0), -EINVAL);
	T_OK(nm_skb_trim(s, 500));
	T_EQ(s->frags[0].len, 480);
	nm_skb_free(s);
}

static int destructed;
static void destructor(struct nm_skb *s)
{
	(void)s;
	destructed++;
}

static void t_coalesce(void)
{
	struct nm_skb *a, *b;
	uint8_t out[200];

	/* readable + readable: frags move, b is freed */
	a = nm_skb_alloc(0);
	b = nm_skb_alloc(0);
	T_OK(nm_skb_add_rx_frag(a, host_nm(1), 0, 100));
	T_OK(nm_skb_add_rx_frag(b, host_nm(2), 0, 100));
	T_ASSERT(nm_skb_can_coalesce(a, b));
	T_OK(nm_skb_coalesce(a, b));
	T_EQ(a->len, 200);
	T_OK(nm_skb_copy_bits(a, 0, out, 200));
	T_EQ(out[99], 1);
	T_EQ(out[100], 2);

	/* readable a, unreadable b: refused both ways (invariant 2) */
	b = nm_skb_alloc(0);
	T_OK(nm_skb_add_rx_frag(b, dev_nm(), 0, 100));
	T_ASSERT(!nm_skb_can_coalesce(a, b));
	T_ASSERT(!nm_skb_can_coalesce(b, a));
	T_ERR(nm_skb_coalesce(a, b), -EINVAL);
	T_ERR(nm_skb_coalesce(b, a), -EINVAL);
	T_EQ(a->len, 200);
	T_EQ(b->len, 100);
	nm_skb_free(a);

	/* unreadable + unreadable */
	a = nm_skb_alloc(0);
	T_OK(nm_skb_add_rx_frag(a, dev_nm(), 0, 50));
	T_OK(nm_skb_coalesce(a, b));
	T_EQ(a->nr_frags, 2);
	T_EQ(a->len, 150);
	T_ASSERT(a->unreadable);
	/* a linear (readable) payload cannot join device payload */
	b = nm_skb_alloc(10);
	memset(nm_skb_put(b, 10), 0, 10);
	T_ASSERT(!nm_skb_can_coalesce(a, b));
	nm_skb_free(b);
	/* frag count overflow */
	while (a->nr_frags < NM_SKB_MAX_FRAGS)
		T_OK(nm_skb_add_rx_frag(a, dev_nm(), 0, 1));
	b = nm_skb_alloc(0);
	T_OK(nm_skb_add_rx_frag(b, dev_nm(), 0, 1));
	T_ASSERT(!nm_skb_can_coalesce(a, b));
	nm_skb_free(b);
	nm_skb_free(a);
	T_EQ(nm_page_pool_inflight(dpool), 0);
	T_EQ(nm_page_pool_inflight(hpool), 0);

	/* TX skbs never coalesce; destructor runs once on free */
	a = nm_skb_alloc(0);
	b = nm_skb_alloc(0);
	T_OK(nm_skb_add_tx_frag(a, 0x1000, 10));
	T_ASSERT(!nm_skb_can_coalesce(a, b));
	T_ASSERT(!nm_skb_can_coalesce(b, a));
	a->destructor = destructor;
	nm_skb_free(a);
	nm_skb_free(b);
	T_EQ(destructed, 1);
}

static void t_from_rx(void)
{
	struct nm_rx_pkt pkt;
	struct nm_skb *s, *s2;
	uint8_t out[80];

	/* split, device payload */
	memset(&pkt, 0, sizeof(pkt));
	pkt.hdr = host_nm(0x55);
	pkt.hdr_off = 64;
	pkt.hdr_len = 66;
	pkt.flags = NM_RX_F_SPLIT | NM_RX_F_UNREADABLE | NM_RX_F_CSUM_OK;
	pkt.queue = 3;
	pkt.nr_frags = 2;
	pkt.frags[0] = (struct nm_rx_frag){ dev_nm(), 128, 1000 };
	pkt.frags[1] = (struct nm_rx_frag){ dev_nm(), 0, 2000 };
	pkt.len = 3066;
	s = nm_skb_from_rx(NULL, &pkt);
	T_ASSERT(s);
	T_ASSERT(s->data == (uint8_t *)nm_netmem_address(s->hdr) + 64);
	T_EQ(s->linear, 66);
	T_EQ(s->len, 3066);
	T_EQ(s->nr_frags, 2);
	T_ASSERT(s->unreadable);
	T_ASSERT(s->csum_ok);
	T_EQ(s->queue, 3);
	T_EQ(s->frags[0].dma_addr, nm_netmem_dma_addr(s->frags[0].netmem) + 128);
	T_OK(nm_skb_copy_bits(s, 0, out, 66));
	T_EQ(out[0], 0x55);
	T_ERR(nm_skb_copy_bits(s, 60, out, 10), -EFAULT);
	T_EQ(pkt.hdr, 0);	/* references taken over */
	T_EQ(nm_page_pool_inflight(dpool), 2);
	T_EQ(nm_page_pool_inflight(hpool), 1);
	T_OK(nm_skb_trim(s, 1066));	/* padding trim drops the second frag */
	T_EQ(nm_page_pool_inflight(dpool), 1);
	nm_skb_free(s);
	T_EQ(nm_page_pool_inflight(dpool), 0);
	T_EQ(nm_page_pool_inflight(hpool), 0);

	/* unsplit: everything in host buffers, readable; the pulled linear
	 * payload of one packet coalesces into another as a frag of its
	 * header buffer */
	memset(&pkt, 0, sizeof(pkt));
	pkt.hdr = host_nm(0x66);
	pkt.hdr_len = 100;
	s = nm_skb_from_rx(NULL, &pkt);
	memset(&pkt, 0, sizeof(pkt));
	pkt.hdr = host_nm(0x77);
	pkt.hdr_off = 10;
	pkt.hdr_len = 100;
	pkt.nr_frags = 1;
	pkt.frags[0] = (struct nm_rx_frag){ host_nm(0x88), 0, 500 };
	s2 = nm_skb_from_rx(NULL, &pkt);
	T_ASSERT(!s2->unreadable);
	T_ASSERT(nm_skb_pull(s, 40));
	T_ASSERT(nm_skb_pull(s2, 40));
	T_OK(nm_skb_coalesce(s, s2));
	T_EQ(s->len, 60 + 60 + 500);
	T_EQ(s->nr_frags, 2);
	T_OK(nm_skb_copy_bits(s, 55, out, 70));
	T_EQ(out[4], 0x66);
	T_EQ(out[5], 0x77);
	T_EQ(out[64], 0x77);
	T_EQ(out[65], 0x88);
	T_EQ(nm_page_pool_inflight(hpool), 3);
	nm_skb_free(s);
	T_EQ(nm_page_pool_inflight(hpool), 0);

	/* a packet without a header buffer is refused and released */
	memset(&pkt, 0, sizeof(pkt));
	pkt.nr_frags = 1;
	pkt.frags[0] = (struct nm_rx_frag){ host_nm(1), 0, 10 };
	nm_clear_error();
	T_ASSERT(nm_skb_from_rx(NULL, &pkt) == NULL);
	T_ASSERT(nm_last_error()[0]);
	T_EQ(nm_page_pool_inflight(hpool), 0);
	T_ASSERT(nm_skb_from_rx(NULL, NULL) == NULL);
}

static void t_queue(void)
{
	struct nm_skb_queue q;
	struct nm_skb *s[4];

	nm_skb_queue_init(&q);
	for (int i = 0; i < 4; i++) {
		s[i] = nm_skb_alloc(8);
		nm_skb_put(s[i], (uint32_t)i + 1);
	}
	nm_skb_queue_tail(&q, s[1]);
	nm_skb_queue_head(&q, s[0]);
	nm_skb_queue_tail(&q, s[3]);
	nm_skb_insert_after(&q, s[1], s[2]);
	T_EQ(q.qlen, 4);
	T_EQ(q.bytes, 10);
	T_ASSERT(q.head == s[0] && s[0]->next == s[1] && s[1]->next == s[2] &&
		 s[2]->next == s[3] && q.tail == s[3] && s[3]->prev == s[2]);
	nm_skb_unlink(&q, s[2]);
	T_ASSERT(s[1]->next == s[3] && s[3]->prev == s[1]);
	T_ASSERT(nm_skb_dequeue(&q) == s[0]);
	T_EQ(q.qlen, 2);
	T_EQ(q.bytes, 6);
	nm_skb_free(s[0]);
	nm_skb_free(s[2]);
	nm_skb_queue_purge(&q);
	T_EQ(q.qlen, 0);
	T_ASSERT(q.head == NULL && q.tail == NULL);
	T_ASSERT(nm_skb_dequeue(&q) == NULL);
}

int main(void)
{
	struct t_env e;
	struct nm_dmabuf_binding *b;

	t_env_init(&e);
	hpool = t_host_pool(e.nic, 0, 256, NULL);
	b = t_gpu_binding(&e, 4 << 20, 4096);
	dpool = t_dmabuf_pool(b, 256);

	t_linear();
	t_frags_readable();
	t_frags_unreadable();
	t_coalesce();
	t_from_rx();
	t_queue();

	T_EQ(nm_page_pool_inflight(hpool), 0);
	T_EQ(nm_page_pool_inflight(dpool), 0);
	T_OK(nm_page_pool_destroy(hpool));
	T_OK(nm_page_pool_destroy(dpool));
	T_OK(nm_dmabuf_binding_unbind(b));
	t_env_fini(&e);
	T_PASS();
}
