/* SPDX-License-Identifier: MIT */
/*
 * nmp_udmabuf: /dev/udmabuf and /dev/dma_heap/system as a devmem program
 * uses them (ncdevmem allocates its receive buffer so), written against
 * glibc and the kernel's uAPI headers only.  UDMABUF_CREATE and
 * UDMABUF_CREATE_LIST over sealed memfds (a list of two memfds with holes
 * between its ranges is one buffer, the ranges back to back),
 * DMA_HEAP_IOCTL_ALLOC; the dma-buf fd mmaps the memfds' pages, answers
 * DMA_BUF_IOCTL_SYNC and
 * DMA_BUF_SET_NAME; every refusal the kernel makes is checked for its
 * errno.  Prints "nmp_udmabuf: all checks passed (N)"; exit 1 at the first
 * mismatch, 77 when the system has no /dev/udmabuf (the kernel without
 * the udmabuf module, outside netmem run).
 */
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <sys/mman.h>

#include "prog.h"

#define MB (1u << 20)

static int steps;

/* prog.h's check, counted */
#define CHECK(cond, ...) do { PP_CHECK(cond, __VA_ARGS__); steps++; } while (0)
static long ret_of(long r)
{
	return r < 0 ? -errno : r;
}
#define RET(x) ret_of((long)(x))
#define OK(x) do { long _r = RET(x); CHECK(_r >= 0, "%s: %s", #x, strerror((int)-_r)); } while (0)
#define ERR(x, e) do { long _r = RET(x); CHECK(_r == -(e), "%s: %ld (%s), want %s", #x, _r,	\
					   _r < 0 ? strerror((int)-_r) : "ok", strerror(e)); } while (0)

static int memfd(size_t size, unsigned seals)
{
	int fd = memfd_create("nmp_udmabuf", MFD_ALLOW_SEALING);

	CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
	OK(ftruncate(fd, (off_t)size));
	if (seals)
		OK(fcntl(fd, F_ADD_SEALS, seals));
	return fd;
}

static int create(int dev, int mfd, uint64_t off, uint64_t size, uint32_t flags)
{
	struct udmabuf_create c = { .memfd = (uint32_t)mfd, .flags = flags, .offset = off,
				    .size = size };

	return ioctl(dev, UDMABUF_CREATE, &c);
}

static int sync_buf(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
}

/* The dma-buf's mapping shows what the memfd's mapping wrote, and back. */
static void same_pages(int buf, int mfd, uint64_t off, size_t size)
{
	uint8_t *a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, (off_t)off);
	uint8_t *b = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);

	CHECK(a != MAP_FAILED && b != MAP_FAILED, "mmap: %s", strerror(errno));
	OK(sync_buf(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	for (size_t i = 0; i < size; i += 4096)
		a[i] = (uint8_t)(i / 4096 + 1);
	b[size - 1] = 0x5a;
	OK(sync_buf(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	OK(sync_buf(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	for (size_t i = 0; i < size; i += 4096)
		CHECK(b[i] == (uint8_t)(i / 4096 + 1), "page %zu differs", i / 4096);
	CHECK(a[size - 1] == 0x5a, "the memfd does not see the dma-buf's write");
	OK(sync_buf(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(a, size);
	munmap(b, size);
}

/* Open fds of this process. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	CHECK(d != NULL, "opendir /proc/self/fd: %s", strerror(errno));
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The byte at file offset x of memfd k. */
static uint8_t lpat(int k, uint64_t x)
{
	return (uint8_t)(x / 4096 * 3 + x % 251 + (k ? 77 : 0));
}

/*
 * UDMABUF_CREATE_LIST of two memfds with holes: mfd[MB, 2MB), other[0, MB),
 * mfd[3MB, 4MB), one 3 MiB buffer.  Its mmap shows each file's bytes at
 * the right offsets (whole, and from inside the first range across both
 * boundaries), a write through it lands in the right file, the holes stay
 * the files' own; each item's refusals are the kernel's.
 */
static void check_list(int dev, int mfd)
{
	struct {
		struct udmabuf_create_list h;
		struct udmabuf_create_item it[3];
	} l = { .h = { .flags = UDMABUF_FLAGS_CLOEXEC, .count = 3 } };
	int other = memfd(2 * MB, F_SEAL_SHRINK), k[3] = { 0, 1, 0 }, buf, nf, fds;
	uint64_t foff[3] = { MB, 0, 3 * MB };
	uint8_t *f[2], *b;

	f[0] = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	f[1] = mmap(NULL, 2 * MB, PROT_READ | PROT_WRITE, MAP_SHARED, other, 0);
	CHECK(f[0] != MAP_FAILED && f[1] != MAP_FAILED, "mmap the memfds: %s", strerror(errno));
	for (uint64_t x = 0; x < 4 * MB; x++)
		f[0][x] = lpat(0, x);
	for (uint64_t x = 0; x < 2 * MB; x++)
		f[1][x] = lpat(1, x);
	for (int i = 0; i < 3; i++)
		l.it[i] = (struct udmabuf_create_item){ .memfd = (uint32_t)(k[i] ? other : mfd),
							.offset = foff[i], .size = MB };
	buf = ioctl(dev, UDMABUF_CREATE_LIST, &l);
	CHECK(buf >= 0, "UDMABUF_CREATE_LIST of two memfds with holes: %s", strerror(errno));
	CHECK(fcntl(buf, F_GETFD) & FD_CLOEXEC, "UDMABUF_FLAGS_CLOEXEC on a list");
	b = mmap(NULL, 3 * MB, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	CHECK(b != MAP_FAILED, "mmap the list's dma-buf: %s", strerror(errno));
	OK(sync_buf(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	for (int i = 0; i < 3; i++)
		for (uint64_t x = 0; x < MB; x++)
			if (b[(uint64_t)i * MB + x] != lpat(k[i], foff[i] + x))
				CHECK(0, "list byte %llu (item %d) differs",
				      (unsigned long long)((uint64_t)i * MB + x), i);
	memcpy(b + MB - 2, "abcd", 4);				/* item 0 | item 1 */
	memcpy(b + 2 * MB - 2, "efgh", 4);			/* item 1 | item 2 */
	OK(sync_buf(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	CHECK(!memcmp(f[0] + 2 * MB - 2, "ab", 2) && !memcmp(f[1], "cd", 2) &&
	      !memcmp(f[1] + MB - 2, "ef", 2) && !memcmp(f[0] + 3 * MB, "gh", 2),
	      "writes through the list's mmap land in the right files");
	CHECK(f[0][2 * MB] == lpat(0, 2 * MB) && f[0][0] == lpat(0, 0) &&
	      f[1][MB] == lpat(1, MB), "the holes between the items stay the files' own");
	munmap(b, 3 * MB);
	/* from inside item 0, over both boundaries */
	b = mmap(NULL, 2 * MB, PROT_READ, MAP_SHARED, buf, MB / 2);
	CHECK(b != MAP_FAILED, "mmap the list at 512 KiB: %s", strerror(errno));
	OK(sync_buf(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	CHECK(!memcmp(b + MB / 2 - 2, "abcd", 4) && !memcmp(b + 3 * MB / 2 - 2, "efgh", 4) &&
	      b[0] == lpat(0, MB + MB / 2) && b[2 * MB - 1] == lpat(0, 3 * MB + MB / 2 - 1),
	      "the list mapped from inside its first item");
	OK(sync_buf(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(b, 2 * MB);
	ERR(mmap(NULL, 2 * MB, PROT_READ, MAP_SHARED, buf, 2 * MB) == MAP_FAILED ? -1 : 0, EINVAL);
	OK(ioctl(buf, DMA_BUF_SET_NAME_B, "nmp_udmabuf list"));
	close(buf);
	/* an fd of the list inherited across exec maps its pages or nothing */
	l.h.flags = 0;
	buf = ioctl(dev, UDMABUF_CREATE_LIST, &l);
	CHECK(buf >= 0, "UDMABUF_CREATE_LIST without CLOEXEC: %s", strerror(errno));
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		char a[16];

		snprintf(a, sizeof(a), "%d", buf);
		execl("/proc/self/exe", "nmp_udmabuf", "mmap-inherited", a, (char *)NULL);
		_exit(127);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the exec'd child's mmap of the inherited list fd (status 0x%x)", st);
	close(buf);
	l.h.flags = UDMABUF_FLAGS_CLOEXEC;
	/* each item's refusals, any item; none leaves an fd behind */
	fds = count_fds();
	nf = memfd(MB, 0);
	l.it[1].memfd = (uint32_t)nf;
	ERR(ioctl(dev, UDMABUF_CREATE_LIST, &l), EINVAL);	/* item 1: no F_SEAL_SHRINK */
	close(nf);
	nf = open("/dev/null", O_RDWR);
	l.it[1].memfd = (uint32_t)nf;
	ERR(ioctl(dev, UDMABUF_CREATE_LIST, &l), EBADFD);	/* item 1: not a memfd */
	close(nf);
	l.it[1].memfd = (uint32_t)other;
	l.it[2].offset = 4 * MB;
	ERR(ioctl(dev, UDMABUF_CREATE_LIST, &l), EINVAL);	/* item 2: past the file's end */
	l.it[2].offset = 3 * MB;
	l.it[2].size = 0;
	ERR(ioctl(dev, UDMABUF_CREATE_LIST, &l), EINVAL);	/* item 2: no pages to pin */
	l.it[2].size = 63 * MB;
	ERR(ioctl(dev, UDMABUF_CREATE_LIST, &l), EINVAL);	/* 65 MiB in all: size_limit_mb */
	l.it[2].size = MB;
	l.it[2].memfd = 999;
	ERR(ioctl(dev, UDMABUF_CREATE_LIST, &l), EBADFD);	/* item 2: not an open fd */
	l.it[0].memfd = (uint32_t)other;
	l.it[0].offset = 3 * MB;
	ERR(ioctl(dev, UDMABUF_CREATE_LIST, &l), EINVAL);	/* item 0 (past B's end) first */
	CHECK(count_fds() == fds, "%d fds after the refused lists, %d before", count_fds(), fds);
	munmap(f[0], 4 * MB);
	munmap(f[1], 2 * MB);
	close(other);
	printf("udmabuf: a list of two memfds with holes, mmap and refusals ok\n");
}

static void check_udmabuf(void)
{
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC), mfd, buf, buf2, nf;
	char name[64];
	struct {
		struct udmabuf_create_list h;
		struct udmabuf_create_item it[2];
	} l;

	if (dev < 0 && errno == ENOENT) {
		printf("SKIP: no /dev/udmabuf\n");
		exit(77);
	}
	CHECK(dev >= 0, "open /dev/udmabuf: %s", strerror(errno));
	CHECK((fcntl(dev, F_GETFD) & FD_CLOEXEC), "O_CLOEXEC kept on the device fd");
	mfd = memfd(4 * MB, F_SEAL_SHRINK);
	buf = create(dev, mfd, 0, 4 * MB, UDMABUF_FLAGS_CLOEXEC);
	CHECK(buf >= 0, "UDMABUF_CREATE: %s", strerror(errno));
	CHECK(fcntl(buf, F_GETFD) & FD_CLOEXEC, "UDMABUF_FLAGS_CLOEXEC: close-on-exec");
	same_pages(buf, mfd, 0, 4 * MB);
	/* a range in the middle: offset 0 of the dma-buf is the range's start */
	buf2 = create(dev, mfd, MB, 2 * MB, 0);
	CHECK(buf2 >= 0, "UDMABUF_CREATE at 1 MiB: %s", strerror(errno));
	CHECK(!(fcntl(buf2, F_GETFD) & FD_CLOEXEC), "no UDMABUF_FLAGS_CLOEXEC: inherited");
	same_pages(buf2, mfd, MB, 2 * MB);
	ERR(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, buf2, 0) == MAP_FAILED ? -1 : 0, EINVAL);
	ERR(mmap(NULL, 3 * MB, PROT_READ, MAP_SHARED, buf2, 0) == MAP_FAILED ? -1 : 0, EINVAL);
	ERR(mmap(NULL, MB, PROT_READ, MAP_SHARED, buf2, 2 * MB) == MAP_FAILED ? -1 : 0, EINVAL);
	/* SYNC and SET_NAME */
	ERR(sync_buf(buf, DMA_BUF_SYNC_START), EINVAL);		/* no direction */
	ERR(sync_buf(buf, DMA_BUF_SYNC_RW | 8), EINVAL);	/* unknown bit */
	OK(sync_buf(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));	/* nothing open: fine */
	OK(ioctl(buf, DMA_BUF_SET_NAME_B, "nmp_udmabuf rx"));
	memset(name, 'n', sizeof(name));
	name[DMA_BUF_NAME_LEN] = 0;
	ERR(ioctl(buf, DMA_BUF_SET_NAME_B, name), EINVAL);
	name[DMA_BUF_NAME_LEN - 1] = 0;
	OK(ioctl(buf, DMA_BUF_SET_NAME_B, name));
	ERR(ioctl(buf, _IO('b', 0x77)), ENOTTY);
	ERR(ioctl(buf, DMA_BUF_IOCTL_SYNC, (void *)16), EFAULT);	/* bad addresses */
	ERR(ioctl(buf, DMA_BUF_SET_NAME_B, (void *)16), EFAULT);
	/* a dup outlives the first number */
	nf = dup(buf2);
	OK(close(buf2));
	OK(sync_buf(nf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	OK(sync_buf(nf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	OK(close(nf));
	ERR(sync_buf(nf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), EBADF);
	/* the kernel's refusals */
	ERR(create(dev, mfd, 100, MB, 0), EINVAL);		/* offset not page aligned */
	ERR(create(dev, mfd, 0, MB + 1, 0), EINVAL);		/* size not page aligned */
	ERR(create(dev, mfd, 0, 0, 0), EINVAL);			/* no pages */
	ERR(create(dev, mfd, 0, 65 * MB, 0), EINVAL);		/* above size_limit_mb */
	ERR(create(dev, mfd, 0, MB, 2), EINVAL);		/* unknown flag */
	ERR(create(dev, mfd, 2 * MB, 4 * MB, 0), EINVAL);	/* past the file's end */
	ERR(create(dev, 999, 0, MB, 0), EBADFD);		/* not an open fd (fget fails) */
	nf = open("/dev/null", O_RDWR);
	ERR(create(dev, nf, 0, MB, 0), EBADFD);			/* not a memfd */
	close(nf);
	nf = memfd(MB, 0);
	ERR(create(dev, nf, 0, MB, 0), EINVAL);			/* no F_SEAL_SHRINK */
	close(nf);
	nf = memfd(MB, F_SEAL_SHRINK | F_SEAL_WRITE);
	ERR(create(dev, nf, 0, MB, 0), EINVAL);			/* F_SEAL_WRITE */
	close(nf);
	ERR(ioctl(dev, _IO('u', 0x77)), ENOTTY);
	ERR(ioctl(dev, UDMABUF_CREATE, (void *)16), EFAULT);
	ERR(ioctl(dev, UDMABUF_CREATE_LIST, (void *)16), EFAULT);
	/* CREATE_LIST */
	memset(&l, 0, sizeof(l));
	l.h.count = 2;
	l.it[0] = (struct udmabuf_create_item){ .memfd = (uint32_t)mfd, .offset = 0, .size = MB };
	l.it[1] = (struct udmabuf_create_item){ .memfd = (uint32_t)mfd, .offset = MB, .size = MB };
	nf = ioctl(dev, UDMABUF_CREATE_LIST, &l);
	CHECK(nf >= 0, "UDMABUF_CREATE_LIST: %s", strerror(errno));
	same_pages(nf, mfd, 0, 2 * MB);
	close(nf);
	l.it[1].offset = 4096 + 1;
	ERR(ioctl(dev, UDMABUF_CREATE_LIST, &l), EINVAL);
	check_list(dev, mfd);
	l.h.count = 0;
	ERR(ioctl(dev, UDMABUF_CREATE_LIST, &l), EINVAL);
	l.h.count = 1025;
	ERR(ioctl(dev, UDMABUF_CREATE_LIST, &l), EINVAL);
	close(buf);
	close(mfd);
	close(dev);
	printf("udmabuf: create, create-list, mmap, sync, set-name; refusals ok\n");
}

static void check_heap(void)
{
	int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	struct dma_heap_allocation_data d = { .len = MB, .fd_flags = O_RDWR | O_CLOEXEC };
	uint8_t *p;

	CHECK(heap >= 0, "open /dev/dma_heap/system: %s", strerror(errno));
	OK(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d));
	CHECK(d.fd > 0 && (fcntl((int)d.fd, F_GETFD) & FD_CLOEXEC), "a close-on-exec dma-buf fd");
	p = mmap(NULL, MB, PROT_READ | PROT_WRITE, MAP_SHARED, (int)d.fd, 0);
	CHECK(p != MAP_FAILED, "mmap the heap buffer: %s", strerror(errno));
	OK(sync_buf((int)d.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	p[0] = 1;
	p[MB - 1] = 2;
	CHECK(p[0] == 1 && p[MB - 1] == 2, "heap memory holds what was written");
	OK(sync_buf((int)d.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	munmap(p, MB);
	close((int)d.fd);
	d = (struct dma_heap_allocation_data){ .len = MB, .fd = 3, .fd_flags = O_RDWR };
	ERR(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d), EINVAL);	/* fd set on entry */
	d = (struct dma_heap_allocation_data){ .len = MB, .fd_flags = O_NONBLOCK };
	ERR(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d), EINVAL);
	d = (struct dma_heap_allocation_data){ .len = MB, .heap_flags = 1 };
	ERR(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d), EINVAL);
	d = (struct dma_heap_allocation_data){ .len = 0 };
	ERR(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d), EINVAL);
	ERR(ioctl(heap, _IO('H', 0x77)), ENOTTY);
	ERR(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, (void *)16), EFAULT);
	close(heap);
	printf("dma_heap: alloc, mmap, sync; refusals ok\n");
}

/* The child of check_list's exec: the list's dma-buf fd, inherited, mapped
 * where nothing interposed made it (a fresh process image): either the
 * list's bytes (the kernel's dma-buf) or a refusal with ENODEV (netmem's
 * placeholder), never other pages. */
static int mmap_inherited(int fd)
{
	uint8_t *b = mmap(NULL, 3 * MB, PROT_READ, MAP_SHARED, fd, 0);
	int k[3] = { 0, 1, 0 };
	uint64_t foff[3] = { MB, 0, 3 * MB };

	if (b == MAP_FAILED) {
		printf("inherited list fd: mmap: %s\n", strerror(errno));
		return errno == ENODEV ? 0 : 1;
	}
	for (int i = 0; i < 3; i++)
		for (uint64_t x = 4096; x < MB; x += 4096)	/* past the bytes written over */
			if (b[(uint64_t)i * MB + x] != lpat(k[i], foff[i] + x)) {
				printf("inherited list fd maps other pages (item %d)\n", i);
				return 1;
			}
	printf("inherited list fd: the list's pages\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "mmap-inherited"))
		return mmap_inherited(atoi(argv[2]));
	check_udmabuf();
	check_heap();
	printf("nmp_udmabuf: all checks passed (%d)\n", steps);
	return 0;
}
