/* UDMABUF_CREATE_LIST in the library (nm_udmabuf_create_list): one buffer
 * whose bytes are the items' ranges one after the other, here two memfds
 * and separate ranges of one (holes between them).  The bytes each memfd
 * holds show at the right buffer offsets through a lasting mmap, a CPU
 * window and the DMA engine, across the part boundaries both ways; the
 * physical ranges cover the buffer and map back to it; every refusal has
 * the kernel's errno and its own message naming the item, in the kernel's
 * order; and a refusal, even one half-way through taking the items,
 * leaves no fd and no mapping behind. */
#include <dirent.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "t_dmabuf.h"

#define PG NM_PAGE_SIZE

/* The byte at file offset x of memfd k (0 = A, 1 = B). */
static uint8_t pat(int k, uint64_t x)
{
	return (uint8_t)(x * 7 + x / PG * 13 + (k ? 101 : 3));
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	T_ASSERT(d != NULL);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Mappings of memfd pages (what a buffer's parts are) in this process. */
static int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	T_ASSERT(f != NULL);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "/memfd:") != NULL;
	fclose(f);
	return n;
}

#define NMSG 20
static char msgs[NMSG][256];
static int nmsgs;

/* The call must fail with err and a message holding want (a fresh one). */
#define REFUSED(call, err, want)                                             \
	do {                                                                 \
		struct nm_dmabuf *_b = NULL;                                 \
		(void)_b;                                                    \
		T_ERR(call, err);                                            \
		if (!strstr(nm_last_error(), want))                          \
			T_FAIL("'%s' does not say '%s'", nm_last_error(), want); \
		for (int _i = 0; _i < nmsgs; _i++)                           \
			if (!strcmp(msgs[_i], nm_last_error()))              \
				T_FAIL("two refusals say '%s'", msgs[_i]);   \
		snprintf(msgs[nmsgs++], sizeof(msgs[0]), "%s", nm_last_error()); \
	} while (0)

int main(void)
{
	/* A: 8 pages, used at [1, 3) and [5, 7) (holes at 0, 3-4 and 7);
	 * B: 4 pages, used at [0, 3).  Buffer: A[1,3) B[0,3) A[5,7), 7 pages,
	 * part boundaries at 2 and 5 pages. */
	int a = t_memfd(8 * PG, F_SEAL_SHRINK), b = t_memfd(4 * PG, F_SEAL_SHRINK);
	struct {
		int k;
		uint64_t foff, boff, len;
	} part[3] = { { 0, PG, 0, 2 * PG }, { 1, 0, 2 * PG, 3 * PG }, { 0, 5 * PG, 5 * PG, 2 * PG } };
	struct nm_memfd_range items[3];
	uint8_t *ma, *mb, *m, *w;
	uint64_t size = 7 * PG;
	struct nm_dmabuf *buf;
	int fds0, maps0;

	ma = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
	mb = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
	T_ASSERT(ma != MAP_FAILED && mb != MAP_FAILED);
	for (uint64_t x = 0; x < 8 * PG; x++)
		ma[x] = pat(0, x);
	for (uint64_t x = 0; x < 4 * PG; x++)
		mb[x] = pat(1, x);
	for (int i = 0; i < 3; i++)
		items[i] = (struct nm_memfd_range){ part[i].k ? b : a, part[i].foff, part[i].len };

	/* ---- refusals: errno, message naming the item, nothing left ---- */
	fds0 = count_fds();
	maps0 = count_maps();
	int noseal = t_memfd(PG, 0), wseal = t_memfd(PG, F_SEAL_SHRINK | F_SEAL_WRITE);
	int fwseal = t_memfd(PG, F_SEAL_SHRINK | F_SEAL_FUTURE_WRITE), sv[2], closed;
	struct nm_memfd_range bad[3];

	T_ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	closed = t_memfd(PG, F_SEAL_SHRINK);
	close(closed);
#define BAD(i, fd_, off_, size_)                                                         \
	do {                                                                             \
		memcpy(bad, items, sizeof(bad));                                         \
		bad[i] = (struct nm_memfd_range){ (fd_), (off_), (size_) };              \
	} while (0)
	REFUSED(nm_udmabuf_create_list(items, 3, 0x2, &_b), -EINVAL, "unknown flags");
	REFUSED(nm_udmabuf_create_list(items, NM_UDMABUF_LIST_LIMIT + 1, 0, &_b), -EINVAL,
		"1025 items, at most 1024");
	REFUSED(nm_udmabuf_create_list(NULL, 2, 0, &_b), -EINVAL, "items is NULL");
	REFUSED(nm_udmabuf_create_list(items, 0, 0, &_b), -EINVAL, "no items");
	REFUSED(nm_udmabuf_create_list(items, 3, 0, NULL), -EINVAL, "out is NULL");
	BAD(2, a, 100, PG);
	REFUSED(nm_udmabuf_create_list(bad, 3, 0, &_b), -EINVAL, "item 2: offset 100 is not page-aligned");
	BAD(1, b, 0, PG + 1);
	REFUSED(nm_udmabuf_create_list(bad, 3, 0, &_b), -EINVAL, "item 1: size 4097 is not a multiple");
	struct nm_memfd_range empty[2] = { { a, 0, 0 }, { b, PG, 0 } };
	REFUSED(nm_udmabuf_create_list(empty, 2, 0, &_b), -EINVAL, "no pages in any item");
	BAD(1, closed, 0, PG);
	REFUSED(nm_udmabuf_create_list(bad, 3, 0, &_b), -EBADFD, "item 1: fd");
	BAD(1, sv[0], 0, PG);
	REFUSED(nm_udmabuf_create_list(bad, 3, 0, &_b), -EBADFD, "item 1: fd");
	BAD(2, noseal, 0, PG);
	REFUSED(nm_udmabuf_create_list(bad, 3, 0, &_b), -EINVAL, "item 2: memfd lacks F_SEAL_SHRINK");
	BAD(0, wseal, 0, PG);
	REFUSED(nm_udmabuf_create_list(bad, 3, 0, &_b), -EINVAL, "item 0: memfd is sealed with F_SEAL_WRITE");
	BAD(0, fwseal, 0, PG);
	REFUSED(nm_udmabuf_create_list(bad, 3, 0, &_b), -EINVAL,
		"item 0: memfd is sealed with F_SEAL_FUTURE_WRITE");
	BAD(1, b, 2 * PG, 3 * PG);
	REFUSED(nm_udmabuf_create_list(bad, 3, 0, &_b), -EINVAL, "item 1: range [8192, +12288) ends past");
	BAD(1, b, PG, 0);
	REFUSED(nm_udmabuf_create_list(bad, 3, 0, &_b), -EINVAL, "item 1: size is 0");
	/* the kernel's order: every item's alignment before any item's file */
	BAD(0, noseal, 0, PG);
	bad[2].offset = 7;
	T_ERR(nm_udmabuf_create_list(bad, 3, 0, &buf), -EINVAL);
	T_ASSERT(strstr(nm_last_error(), "item 2: offset 7"));
	/* the memory-object layer names the range too, and caps the count */
	struct nm_memobj *mo;

	T_ERR(nm_memobj_create_memfd_list(items, 1025, 0, &mo), -E2BIG);
	BAD(1, b, 3 * PG, 2 * PG);
	T_ERR(nm_memobj_create_memfd_list(bad, 3, 0, &mo), -EINVAL);
	T_ASSERT(strstr(nm_last_error(), "range 1: range [12288, +8192) is past the file's end"));

	/* a failure half-way through taking the items (the second dup finds
	 * no fd number free) leaves no fd and no mapping behind */
	struct rlimit rl, tight;
	int lowest = dup(0);

	T_ASSERT(lowest >= 0);
	close(lowest);
	T_OK(getrlimit(RLIMIT_NOFILE, &rl));
	tight = rl;
	tight.rlim_cur = (rlim_t)lowest + 1;
	int before_fds = count_fds(), before_maps = count_maps();

	T_OK(setrlimit(RLIMIT_NOFILE, &tight));
	int r = nm_udmabuf_create_list(items, 3, 0, &buf);

	T_OK(setrlimit(RLIMIT_NOFILE, &rl));
	T_EQ(r, -EMFILE);
	T_EQ(count_fds(), before_fds);
	T_EQ(count_maps(), before_maps);
	close(noseal);
	close(wseal);
	close(fwseal);
	close(sv[0]);
	close(sv[1]);
	T_EQ(count_fds(), fds0);
	T_EQ(count_maps(), maps0);

	/* ---- the buffer ---- */
	T_OK(nm_udmabuf_create_list(items, 3, NM_UDMABUF_FLAGS_CLOEXEC, &buf));
	T_EQ(nm_dmabuf_size(buf), size);
	T_ASSERT(!strcmp(nm_dmabuf_exp_name(buf), "udmabuf"));

	/* a lasting mmap of the whole buffer: every byte from its memfd */
	T_OK(nm_dmabuf_mmap(buf, 0, size, PROT_READ | PROT_WRITE, (void **)&m));
	for (int i = 0; i < 3; i++)
		for (uint64_t x = 0; x < part[i].len; x++)
			if (m[part[i].boff + x] != pat(part[i].k, part[i].foff + x))
				T_FAIL("mmap byte %llu (part %d) differs",
				       (unsigned long long)(part[i].boff + x), i);
	/* writes through it land in the right file, at the right offset */
	memcpy(m + 2 * PG - 3, "ABCDEF", 6);			/* across A | B */
	T_ASSERT(!memcmp(ma + 3 * PG - 3, "ABC", 3) && !memcmp(mb, "DEF", 3));
	/* the hole between A's ranges is nobody's: untouched */
	T_EQ(ma[3 * PG], pat(0, 3 * PG));
	T_OK(nm_dmabuf_munmap(buf, m, size));
	/* a mmap from inside the first part, over both boundaries */
	T_OK(nm_dmabuf_mmap(buf, PG, 5 * PG, PROT_READ, (void **)&m));
	T_ASSERT(!memcmp(m + PG - 3, "ABCDEF", 6));
	T_EQ(m[4 * PG], pat(0, 5 * PG));
	T_OK(nm_dmabuf_munmap(buf, m, 5 * PG));
	T_ERR(nm_dmabuf_mmap(buf, 6 * PG, 2 * PG, PROT_READ, (void **)&m), -EINVAL);

	/* a CPU window over the second boundary sees B's end, then A's hole-
	 * skipping second range; a write there reaches memfd A at 5 pages */
	T_OK(nm_dmabuf_begin_cpu_access(buf, 5 * PG - 8, 16, NM_DMA_BIDIRECTIONAL, (void **)&w));
	for (int x = 0; x < 8; x++)
		T_EQ(w[x], pat(1, 3 * PG - 8 + x));
	for (int x = 0; x < 8; x++)
		T_EQ(w[8 + x], pat(0, 5 * PG + x));
	memcpy(w + 6, "wxyz", 4);
	T_OK(nm_dmabuf_end_cpu_access(buf, 5 * PG - 8, 16, NM_DMA_BIDIRECTIONAL));
	T_ASSERT(!memcmp(mb + 3 * PG - 2, "wx", 2) && !memcmp(ma + 5 * PG, "yz", 2));

	/* physical ranges: they cover the buffer, and each byte's physical
	 * address maps back to the buffer's object at that offset */
	struct nm_memobj *obj = nm_dmabuf_memobj(buf);
	struct nm_phyr ph[64];
	int n = nm_memobj_get_phyrs(obj, 0, size, ph, 64);
	uint64_t boff = 0;

	T_ASSERT(n >= 1 && n <= 64);
	for (int i = 0; i < n; i++) {
		for (uint64_t x = 0; x < ph[i].len; x += PG / 2) {
			struct nm_memobj *o;
			uint64_t oo;

			T_OK(nm_phys_lookup(ph[i].addr + x, &o, &oo));
			T_ASSERT(o == obj);
			T_EQ(oo, boff + x);
			nm_memobj_put(o);
		}
		boff += ph[i].len;
	}
	T_EQ(boff, size);
	/* a range starting in part 0 and ending in part 2 */
	n = nm_memobj_get_phyrs(obj, PG + 5, 5 * PG, ph, 64);
	boff = 0;
	for (int i = 0; i < n; i++)
		boff += ph[i].len;
	T_EQ(boff, 5 * PG);

	/* the DMA engine through an attachment: a device write across the
	 * first boundary lands in A then B; a read across the second gets B
	 * then A */
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_dmabuf_attachment *att;
	struct nm_dma_mapping *map;
	uint8_t out[256], in[256];

	T_OK(nm_topo_create("rc0 { nic0 }", &topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_dmabuf_attach(buf, nic, &att));
	T_OK(nm_dmabuf_map_attachment(att, NM_DMA_BIDIRECTIONAL, &map));
	T_EQ(t_vecs_total(map), size);
	for (int x = 0; x < 256; x++)
		out[x] = (uint8_t)(255 - x);
	/* one page-sized step at a time: the device view is in buffer order */
	for (int x = 0; x < 256; x++)
		T_OK(nm_dma_write(nic, t_vec_addr(map, 2 * PG - 128 + (uint64_t)x), &out[x], 1));
	T_ASSERT(!memcmp(ma + 3 * PG - 128, out, 128) && !memcmp(mb, out + 128, 128));
	for (int x = 0; x < 256; x++)
		T_OK(nm_dma_read(nic, t_vec_addr(map, 5 * PG - 128 + (uint64_t)x), &in[x], 1));
	T_ASSERT(!memcmp(in, mb + 3 * PG - 128, 128) && !memcmp(in + 128, ma + 5 * PG, 128));
	/* and in one piece: one mapping is one IOVA block, contiguous */
	T_EQ(t_vec_addr(map, 5 * PG + 127), t_vec_addr(map, 5 * PG - 128) + 255);
	memset(in, 0, sizeof(in));
	T_OK(nm_dma_read(nic, t_vec_addr(map, 5 * PG - 128), in, 256));
	T_ASSERT(!memcmp(in, mb + 3 * PG - 128, 128) && !memcmp(in + 128, ma + 5 * PG, 128));
	T_OK(nm_dma_write(nic, t_vec_addr(map, 2 * PG - 128), in, 256));
	T_ASSERT(!memcmp(ma + 3 * PG - 128, in, 128) && !memcmp(mb, in + 128, 128));
	T_OK(nm_dmabuf_unmap_attachment(att, map));
	T_OK(nm_dmabuf_detach(att));

	/* the buffer keeps its own references to the files */
	close(a);
	close(b);
	T_OK(nm_dmabuf_begin_cpu_access(buf, 0, size, NM_DMA_FROM_DEVICE, (void **)&w));
	T_EQ(w[5 * PG - 2], 'w');
	T_EQ(w[5 * PG], 'y');
	T_OK(nm_dmabuf_end_cpu_access(buf, 0, size, NM_DMA_FROM_DEVICE));
	nm_dmabuf_put(buf);
	T_OK(nm_topo_destroy(topo));
	munmap(ma, 8 * PG);
	munmap(mb, 4 * PG);
	T_EQ(count_maps(), maps0 - 2);
	T_EQ(count_fds(), fds0 - 2);
	T_PASS();
}
