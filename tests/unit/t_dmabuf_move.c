/* Moving a device buffer under a dynamic importer: move_notify runs once
 * per dynamic attachment, mappings made before the move are dead (the
 * engine faults on the old address), the importer's late unmap of a dead
 * mapping still succeeds, a remap works, and the data moved along. */
#include "t_dmabuf.h"
#include "dmabuf/dmabuf_internal.h"

struct importer {
	struct nm_dma_mapping *map;
	int notified;
	bool unmap_in_notify;
	int unmap_rc;
};

static void on_move(struct nm_dmabuf_attachment *att)
{
	struct importer *imp = nm_dmabuf_attachment_priv(att);

	imp->notified++;
	/* the mapping is still live while we are told */
	T_OK(nm_dmabuf_assert_ok(nm_dmabuf_attachment_buf(att)));
	if (imp->unmap_in_notify) {
		imp->unmap_rc = nm_dmabuf_unmap_attachment(att, imp->map);
		imp->map = NULL;
	}
}

int main(void)
{
	const struct nm_dmabuf_attach_ops ops = { .allow_peer2peer = true, .move_notify = on_move };
	struct importer lazy = { 0 }, eager = { .unmap_in_notify = true };
	struct nm_dmabuf_attachment *a_lazy, *a_eager;
	struct nm_physmap_stats ps0, ps1;
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_dmabuf *b;
	uint64_t size = 64 * NM_PAGE_SIZE, old_lazy, old_eager;
	struct nm_phyr before, after;
	char got[32], *cpu;

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_dmabuf_create_device(gpu, size, &b));
	T_OK(nm_physmap_get_stats(&ps0, sizeof(ps0)));

	T_OK(nm_dmabuf_dynamic_attach(b, nic, &ops, &lazy, &a_lazy));
	T_OK(nm_dmabuf_dynamic_attach(b, gpu, &ops, &eager, &a_eager));
	T_OK(nm_dmabuf_map_attachment(a_lazy, NM_DMA_BIDIRECTIONAL, &lazy.map));
	T_OK(nm_dmabuf_map_attachment(a_eager, NM_DMA_BIDIRECTIONAL, &eager.map));
	old_lazy = t_vec_addr(lazy.map, 1000);
	old_eager = t_vec_addr(eager.map, 0);
	T_OK(nm_dma_write(nic, old_lazy, "before the move", 15));
	T_EQ(nm_memobj_get_phyrs(nm_dmabuf_memobj(b), 0, size, &before, 1), 1);

	T_OK(nm_dmabuf_move(b, 1000000000));
	T_EQ(lazy.notified, 1);
	T_EQ(eager.notified, 1);
	T_OK(eager.unmap_rc);
	T_OK(nm_dmabuf_assert_ok(b));

	/* new physical placement */
	T_EQ(nm_memobj_get_phyrs(nm_dmabuf_memobj(b), 0, size, &after, 1), 1);
	T_ASSERT(after.addr != before.addr);
	T_EQ(after.len, size);

	/* old mappings are dead: the engine faults, memory untouched */
	T_ERR(nm_dma_write(nic, old_lazy, "stale", 5), -EFAULT);
	T_ERR(nm_dma_read(gpu, old_eager, got, 1), -EFAULT);
	/* the lazy importer unmaps after the fact: fine, once */
	T_OK(nm_dmabuf_unmap_attachment(a_lazy, lazy.map));
	T_ERR(nm_dmabuf_unmap_attachment(a_lazy, lazy.map), -EINVAL);

	/* remap: the data moved with the buffer */
	T_OK(nm_dmabuf_map_attachment(a_lazy, NM_DMA_BIDIRECTIONAL, &lazy.map));
	T_OK(nm_dma_read(nic, t_vec_addr(lazy.map, 1000), got, 15));
	T_ASSERT(!memcmp(got, "before the move", 15));
	T_OK(nm_dmabuf_begin_cpu_access(b, 1000, 15, NM_DMA_FROM_DEVICE, (void **)&cpu));
	T_ASSERT(!memcmp(cpu, "before the move", 15));
	T_OK(nm_dmabuf_end_cpu_access(b, 1000, 15, NM_DMA_FROM_DEVICE));

	/* a second move notifies again; detach with a dead mapping left */
	T_OK(nm_dmabuf_move(b, -1));
	T_EQ(lazy.notified, 2);
	T_EQ(eager.notified, 2);
	T_OK(nm_dmabuf_detach(a_lazy));
	T_OK(nm_dmabuf_detach(a_eager));

	/* no importer at all: a move is just a relocation */
	T_OK(nm_dmabuf_move(b, 0));
	T_OK(nm_dmabuf_assert_ok(b));
	nm_dmabuf_put(b);
	T_OK(nm_physmap_get_stats(&ps1, sizeof(ps1)));
	T_EQ(ps1.objects, ps0.objects - 1);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
