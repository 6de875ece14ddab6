/* A move waits for every fence of the buffer's resv: -ETIME (and nothing
 * moved, nobody notified, mappings still valid) while one is unsignaled;
 * success once another thread signals it. */
#include <pthread.h>

#include "t_dmabuf.h"

static int notified;

static void on_move(struct nm_dmabuf_attachment *att)
{
	(void)att;
	notified++;
}

static void *signaler(void *arg)
{
	usleep(100 * 1000);
	T_OK(nm_fence_signal(arg, 0));
	return NULL;
}

int main(void)
{
	const struct nm_dmabuf_attach_ops ops = { .allow_peer2peer = true, .move_notify = on_move };
	struct nm_dmabuf_attachment *dy;
	struct nm_dma_mapping *m;
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_dmabuf *b;
	struct nm_fence *f;
	struct nm_phyr before, after;
	pthread_t th;
	int64_t t0;

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_dmabuf_create_device(gpu, 4 * NM_PAGE_SIZE, &b));
	T_OK(nm_dmabuf_dynamic_attach(b, nic, &ops, NULL, &dy));
	T_OK(nm_dmabuf_map_attachment(dy, NM_DMA_BIDIRECTIONAL, &m));
	T_EQ(nm_memobj_get_phyrs(nm_dmabuf_memobj(b), 0, 4 * NM_PAGE_SIZE, &before, 1), 1);

	/* even a BOOKKEEP fence holds a move back */
	T_OK(nm_fence_create(nm_fence_context_alloc(1), 1, &f));
	T_OK(nm_resv_add_fence(nm_dmabuf_resv(b), f, NM_RESV_USAGE_BOOKKEEP));
	t0 = t_now_ns();
	T_ERR(nm_dmabuf_move(b, 50 * 1000000), -ETIME);
	T_ASSERT(t_now_ns() - t0 >= 45 * 1000000);
	T_EQ(notified, 0);
	T_OK(nm_dma_write(nic, t_vec_addr(m, 0), "still", 5));
	T_EQ(nm_memobj_get_phyrs(nm_dmabuf_memobj(b), 0, 4 * NM_PAGE_SIZE, &after, 1), 1);
	T_EQ(after.addr, before.addr);
	T_ERR(nm_dmabuf_move(b, 0), -ETIME);	/* a zero timeout only polls */

	/* signaled from another thread while we wait */
	T_ASSERT(pthread_create(&th, NULL, signaler, f) == 0);
	T_OK(nm_dmabuf_move(b, 5LL * 1000000000));
	T_ASSERT(nm_fence_is_signaled(f));
	T_EQ(notified, 1);
	T_ASSERT(pthread_join(th, NULL) == 0);
	T_EQ(nm_memobj_get_phyrs(nm_dmabuf_memobj(b), 0, 4 * NM_PAGE_SIZE, &after, 1), 1);
	T_ASSERT(after.addr != before.addr);

	nm_fence_put(f);
	T_OK(nm_dmabuf_detach(dy));
	nm_dmabuf_put(b);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
