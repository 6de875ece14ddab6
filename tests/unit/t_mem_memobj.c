/* Memory objects: creation rules, physical placement, phyrs, phys lookup. */
#include <sys/mman.h>
#include <unistd.h>
#include <fcntl.h>

#include "t_util.h"
#include <netmem/mem.h>
#include <netmem/pci.h>

static void check_lookup(struct nm_memobj *obj)
{
	uint64_t size = nm_memobj_size(obj);
	int n = T_OK(nm_memobj_get_phyrs(obj, 0, size, NULL, 0));
	struct nm_phyr *p = calloc((size_t)n, sizeof(*p));
	uint64_t off = 0;

	T_EQ(nm_memobj_get_phyrs(obj, 0, size, p, (size_t)n), n);
	/* every page of every phyr maps back to the object offset in order */
	for (int i = 0; i < n; i++) {
		for (uint64_t b = 0; b < p[i].len; b += NM_PAGE_SIZE) {
			struct nm_memobj *o;
			uint64_t oo;

			T_OK(nm_phys_lookup(p[i].addr + b + 7, &o, &oo));
			T_ASSERT(o == obj);
			T_EQ(oo, off + b + 7);
			nm_memobj_put(o);
		}
		off += p[i].len;
	}
	T_EQ(off, size);
	free(p);
}

int main(void)
{
	struct nm_memobj *a, *s, *m, *d;
	struct nm_topo *topo;
	struct nm_device *gpu, *nic;
	struct nm_physmap_stats st0, st;
	struct nm_phyr p[4];

	T_OK(nm_physmap_get_stats(&st0, sizeof(st0)));
	/* anonymous: contiguous, one phyr, CPU-writable by its owner */
	T_OK(nm_memobj_create_anon(64 * NM_PAGE_SIZE, 0, &a));
	T_EQ(nm_memobj_kind(a), NM_MEM_HOST_ANON);
	T_EQ(nm_memobj_get_phyrs(a, 0, 64 * NM_PAGE_SIZE, p, 4), 1);
	T_EQ(p[0].len, 64 * NM_PAGE_SIZE);
	memset(nm_memobj_host_addr(a), 0xab, 4096);
	check_lookup(a);
	/* a sub-range that starts mid-page */
	T_EQ(nm_memobj_get_phyrs(a, 100, 5000, p, 4), 1);
	T_EQ(p[0].len, 5000);

	/* scattered: no two neighbouring pages adjacent physically */
	T_OK(nm_memobj_create_anon(16 * NM_PAGE_SIZE, NM_MEM_SCATTER, &s));
	T_EQ(nm_memobj_get_phyrs(s, 0, 16 * NM_PAGE_SIZE, NULL, 0), 16);
	T_EQ(nm_memobj_get_phyrs(s, 0, 16 * NM_PAGE_SIZE, p, 4), 16);	/* truncated copy */
	check_lookup(s);

	/* memfd */
	int fd = memfd_create("t", MFD_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_EQ(ftruncate(fd, 1 << 20), 0);
	T_ERR(nm_memobj_create_memfd(fd, 4096, 1 << 20, 0, &m), -EINVAL);	/* past end */
	T_ERR(nm_memobj_create_memfd(fd, 100, 4096, 0, &m), -EINVAL);		/* unaligned */
	T_ERR(nm_memobj_create_memfd(-1, 0, 4096, 0, &m), -EBADF);
	T_ERR(nm_memobj_create_memfd(fd, 0, 4095, 0, &m), -EINVAL);
	T_OK(nm_memobj_create_memfd(fd, 4096, 8192, 0, &m));
	close(fd);	/* the object keeps its own reference */
	T_EQ(nm_memobj_kind(m), NM_MEM_MEMFD);
	T_ASSERT(nm_memobj_host_addr(m) == NULL);
	check_lookup(m);

	/* device memory lives in the device's BAR region */
	T_OK(nm_topo_create("rc0(p2p) { sw0 { nic0 gpu0(mem=64M) } }", &topo));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_ERR(nm_memobj_create_device(nic, 4096, 0, &d), -ENODEV);
	T_ERR(nm_memobj_create_device(gpu, 128 << 20, 0, &d), -ENOMEM);
	T_OK(nm_memobj_create_device(gpu, 1 << 20, 0, &d));
	T_ASSERT(nm_memobj_device(d) == gpu);
	T_EQ(nm_memobj_get_phyrs(d, 0, 1 << 20, p, 4), 1);
	T_OK(nm_physmap_get_stats(&st, sizeof(st)));
	T_EQ(st.device_used, 1 << 20);
	T_ASSERT(p[0].addr != 0);
	check_lookup(d);
	/* the topology cannot go while its memory is in use */
	T_ERR(nm_topo_destroy(topo), -EBUSY);

	/* bad arguments */
	T_ERR(nm_memobj_create_anon(0, 0, &a), -EINVAL);
	T_ERR(nm_memobj_create_anon(4096, 0x80, &a), -EINVAL);
	T_ERR(nm_memobj_create_anon(4096, 0, NULL), -EINVAL);
	T_ERR(nm_memobj_create_anon(1ULL << 60, 0, &a), -E2BIG);
	T_ERR(nm_memobj_get_phyrs(NULL, 0, 1, p, 1), -EINVAL);
	T_ERR(nm_memobj_get_phyrs(s, 0, 0, p, 1), -EINVAL);
	T_ERR(nm_memobj_get_phyrs(s, 16 * NM_PAGE_SIZE, 1, p, 1), -EINVAL);
	T_ERR(nm_memobj_get_phyrs(s, 1, UINT64_MAX, p, 1), -EINVAL);
	T_ERR(nm_memobj_get_phyrs(s, 0, 1, NULL, 1), -EINVAL);
	T_ERR(nm_memobj_create_device(NULL, 4096, 0, &d), -EINVAL);
	struct nm_memobj *o;
	uint64_t oo;
	T_ERR(nm_phys_lookup(12345, &o, &oo), -ENOENT);
	T_ERR(nm_phys_lookup(12345, NULL, &oo), -EINVAL);
	T_ERR(nm_physmap_get_stats(NULL, sizeof(*NULL)), -EINVAL);

	nm_memobj_put(d);
	T_OK(nm_topo_destroy(topo));
	nm_memobj_put(m);
	nm_memobj_put(s);
	nm_memobj_put(a);
	T_OK(nm_physmap_get_stats(&st, sizeof(st)));
	T_EQ(st.ram_used, st0.ram_used);
	T_EQ(st.objects, st0.objects);
	T_PASS();
}
