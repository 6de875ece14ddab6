/* A queue restarts with another memory provider (host pages <-> dma-buf)
 * while a sender thread keeps traffic flowing and the receiver holds
 * packets: no frame lost, every byte right, no buffer leaked. */
#include <pthread.h>
#include <time.h>

#include "t_net.h"
#include "t_devmem.h"
#include "nic/netdev_drv.h"
#include "pool/memory_provider.h"
#include <netmem/dmabuf.h>

#define FRAMES	20000
#define PAYLOAD	1448
#define HOLD	200

static struct t_nic t;

static void *sender(void *arg)
{
	struct t_flow f;
	uint8_t frame[2048];
	time_t deadline = time(NULL) + 60;

	(void)arg;
	t_flow_v4(&f, 0xc6120001, 0xc6120002, 7000, 7001);
	for (uint32_t i = 0; i < FRAMES && time(NULL) < deadline;) {
		f.seq = i * PAYLOAD;
		uint32_t len = t_flow_frame(frame, &f, PAYLOAD, 12);
		int r = t_wire_send(t.b, frame, len, NULL);

		if (r == -EAGAIN)
			continue;
		T_EQ(r, 0);
		i++;
	}
	return NULL;
}

static void check(struct nm_dmabuf *buf, const struct nm_rx_pkt *p, uint32_t idx)
{
	uint8_t want[PAYLOAD], got[PAYLOAD];
	uint32_t n = 0;

	T_ASSERT(p->flags & NM_RX_F_SPLIT);
	t_pat_fill(want, PAYLOAD, (uint64_t)idx * PAYLOAD);
	for (uint32_t i = 0; i < p->nr_frags; i++) {
		const struct nm_rx_frag *fr = &p->frags[i];

		if (nm_netmem_is_net_iov(fr->netmem)) {
			uint64_t off = nm_net_iov_offset(nm_netmem_to_net_iov(fr->netmem)) + fr->off;
			void *w;

			T_OK(nm_dmabuf_begin_cpu_access(buf, off, fr->len, NM_DMA_FROM_DEVICE, &w));
			memcpy(got + n, w, fr->len);
			T_OK(nm_dmabuf_end_cpu_access(buf, off, fr->len, NM_DMA_FROM_DEVICE));
		} else {
			memcpy(got + n, (uint8_t *)nm_netmem_address(fr->netmem) + fr->off, fr->len);
		}
		n += fr->len;
	}
	T_EQ(n, PAYLOAD);
	T_ASSERT(!memcmp(got, want, PAYLOAD));
}

int main(void)
{
	static struct nm_rx_pkt held[HOLD], batch[64];
	struct nm_dmabuf *buf;
	struct nm_dmabuf_binding *b;
	pthread_t th;
	uint32_t got = 0, nheld = 0, restarts = 0;
	uint64_t seed = 3;
	bool dev = false;
	time_t deadline = time(NULL) + 90;

	t_nic_up(&t, 1, 1500, false);
	T_OK(nm_dmabuf_create_device(t.gpu, 16 << 20, &buf));
	T_OK(nm_dmabuf_binding_create(buf, t.nic, NM_DMA_FROM_DEVICE, 4096, &b));
	T_ASSERT(pthread_create(&th, NULL, sender, NULL) == 0);

	while (got < FRAMES && time(NULL) < deadline) {
		nm_netdev_poll(t.nd, 64);
		int n = T_OK(nm_netdev_rx_poll(t.nd, 0, batch, 64));

		for (int i = 0; i < n; i++) {
			check(buf, &batch[i], got++);
			/* hold some packets across restarts, like tokens */
			if (nheld < HOLD && (t_rand(&seed) & 3) == 0)
				held[nheld++] = batch[i];
			else
				nm_rx_pkt_release(&batch[i]);
		}
		if (nheld == HOLD && (t_rand(&seed) & 1))
			while (nheld)
				nm_rx_pkt_release(&held[--nheld]);
		if (got / 1000 > restarts) {
			restarts++;
			dev = !dev;
			T_OK(nm_netdev_rxq_set_provider(t.nd, 0, NULL, NULL));
			if (dev)
				T_OK(nm_netdev_rxq_bind_dmabuf(t.nd, 0, b));
		}
	}
	pthread_join(th, NULL);
	T_EQ(got, FRAMES);
	printf("%u frames, %u restarts\n", got, restarts);
	T_ASSERT(restarts >= 10);
	struct nm_queue_stats st;
	T_OK(nm_netdev_get_stats(t.nd, &st, sizeof(st)));
	for (int i = 0; i < NM_RX_DROP_MAX; i++)
		T_EQ(st.drops[i], 0);

	while (nheld)
		nm_rx_pkt_release(&held[--nheld]);
	t_rx_idle(t.nd);	/* every buffer back in the pools */
	T_OK(nm_netdev_rxq_set_provider(t.nd, 0, NULL, NULL));
	/* every net_iov is back in the binding's allocator */
	T_EQ(nm_dmabuf_binding_avail(b), nm_dmabuf_binding_num_niovs(b));
	T_OK(nm_dmabuf_binding_check(b));
	T_OK(nm_dmabuf_binding_unbind(b));
	nm_dmabuf_put(buf);
	t_nic_down(&t);
	T_PASS();
}
