/* A custom exporter: export, references, release exactly once (also when
 * an attachment or mmap outlives the creator's reference), inode numbers,
 * accessors, and every refusal of a bad export_info. */
#include "t_dmabuf.h"
#include "dmabuf/dmabuf_internal.h"

static int releases, attaches, detaches, maps, unmaps;
static struct nm_memobj *backing;

static int c_attach(struct nm_dmabuf *buf, struct nm_dmabuf_attachment *att)
{
	(void)buf;
	(void)att;
	attaches++;
	return 0;
}

static void c_detach(struct nm_dmabuf *buf, struct nm_dmabuf_attachment *att)
{
	(void)buf;
	(void)att;
	detaches++;
}

static int c_map(struct nm_dmabuf_attachment *att, enum nm_dma_dir dir,
		 struct nm_dma_mapping **out)
{
	struct nm_phyr p[64];
	int n = nm_memobj_get_phyrs(backing, 0, nm_memobj_size(backing), p, 64);

	T_ASSERT(n > 0 && n <= 64);
	maps++;
	return nm_dma_map(nm_dmabuf_attachment_dev(att), p, (size_t)n, dir, 0, out) < 0 ? -EIO : 0;
}

static void c_unmap(struct nm_dmabuf_attachment *att, struct nm_dma_mapping *m)
{
	(void)att;
	unmaps++;
	nm_dma_unmap(m);
}

static void c_release(struct nm_dmabuf *buf)
{
	T_EQ(nm_dmabuf_priv(buf), &releases);
	releases++;
}

static const struct nm_dmabuf_ops c_ops = {
	.attach = c_attach, .detach = c_detach,
	.map = c_map, .unmap = c_unmap, .release = c_release,
};

int main(void)
{
	struct nm_dmabuf_export_info info = {
		.exp_name = "custom", .ops = &c_ops, .size = 8 * NM_PAGE_SIZE, .priv = &releases,
	};
	struct nm_dmabuf *a, *b, *h;
	struct nm_dmabuf_attachment *att;
	struct nm_dma_mapping *m;
	struct nm_topo *topo;
	struct nm_device *nic;
	void *p;

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_memobj_create_anon(8 * NM_PAGE_SIZE, 0, &backing));

	/* accessors */
	T_OK(nm_dmabuf_export(&info, &a));
	T_EQ(nm_dmabuf_size(a), 8 * NM_PAGE_SIZE);
	T_ASSERT(!strcmp(nm_dmabuf_exp_name(a), "custom"));
	T_EQ(nm_dmabuf_priv(a), &releases);
	T_ASSERT(nm_dmabuf_memobj(a) == NULL);	/* a custom exporter's own business */
	T_ASSERT(nm_dmabuf_resv(a) != NULL);
	T_ASSERT(!strcmp(nm_dmabuf_name(a), ""));
	T_OK(nm_dmabuf_assert_ok(a));

	/* inode numbers are unique and grow */
	T_OK(nm_dmabuf_export(&info, &b));
	T_ASSERT(nm_dmabuf_ino(a) > 0);
	T_ASSERT(nm_dmabuf_ino(b) > nm_dmabuf_ino(a));
	T_OK(nm_dmabuf_create_host(NM_PAGE_SIZE, &h));
	T_ASSERT(nm_dmabuf_ino(h) > nm_dmabuf_ino(b));
	nm_dmabuf_put(h);

	/* references: release runs once, at the last put */
	T_ASSERT(nm_dmabuf_get(a) == a);
	nm_dmabuf_put(a);
	T_EQ(releases, 0);
	nm_dmabuf_put(a);
	T_EQ(releases, 1);

	/* an attachment keeps the buffer alive after its creator's put */
	T_OK(nm_dmabuf_attach(b, nic, &att));
	T_EQ(attaches, 1);
	T_OK(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, &m));
	T_EQ(maps, 1);
	T_EQ(t_vecs_total(m), 8 * NM_PAGE_SIZE);
	nm_dmabuf_put(b);
	T_EQ(releases, 1);
	T_ERR(nm_topo_destroy(topo), -EBUSY);	/* the attachment uses nic0 */
	T_OK(nm_dmabuf_assert_ok(b));
	T_OK(nm_dmabuf_detach(att));		/* unmaps the leftover, then releases */
	T_EQ(unmaps, 1);
	T_EQ(detaches, 1);
	T_EQ(releases, 2);

	/* no mmap op: -EACCES; no CPU access ops: -EOPNOTSUPP; no move: -EOPNOTSUPP */
	T_OK(nm_dmabuf_export(&info, &a));
	T_ERR(nm_dmabuf_mmap(a, 0, NM_PAGE_SIZE, PROT_READ, &p), -EACCES);
	T_ERR(nm_dmabuf_begin_cpu_access(a, 0, 1, NM_DMA_FROM_DEVICE, &p), -EOPNOTSUPP);
	T_ERR(nm_dmabuf_move(a, 0), -EOPNOTSUPP);
	nm_dmabuf_put(a);
	T_EQ(releases, 3);

	/* bad export info */
	struct nm_dmabuf_ops no_map = c_ops, no_unmap = c_ops, no_release = c_ops;
	no_map.map = NULL;
	no_unmap.unmap = NULL;
	no_release.release = NULL;
	struct nm_dmabuf_export_info bad;
	T_ERR(nm_dmabuf_export(NULL, &a), -EINVAL);
	T_ERR(nm_dmabuf_export(&info, NULL), -EINVAL);
	bad = info, bad.ops = NULL;
	T_ERR(nm_dmabuf_export(&bad, &a), -EINVAL);
	bad = info, bad.ops = &no_map;
	T_ERR(nm_dmabuf_export(&bad, &a), -EINVAL);
	bad = info, bad.ops = &no_unmap;
	T_ERR(nm_dmabuf_export(&bad, &a), -EINVAL);
	bad = info, bad.ops = &no_release;
	T_ERR(nm_dmabuf_export(&bad, &a), -EINVAL);
	bad = info, bad.size = 0;
	T_ERR(nm_dmabuf_export(&bad, &a), -EINVAL);
	bad = info, bad.exp_name = NULL;
	T_ERR(nm_dmabuf_export(&bad, &a), -EINVAL);
	bad = info, bad.exp_name = "";
	T_ERR(nm_dmabuf_export(&bad, &a), -EINVAL);
	bad = info, bad.exp_name = "an-exporter-name-of-32-bytes-xyz";
	T_ERR(nm_dmabuf_export(&bad, &a), -EINVAL);
	T_EQ(releases, 3);

	nm_memobj_put(backing);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
