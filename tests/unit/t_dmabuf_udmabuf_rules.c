/* The udmabuf rules of drivers/dma-buf/udmabuf.c: each violation fails
 * with the kernel's errno and a message of its own; the lawful case works
 * and shares pages with the application's memfd (mmap included). */
#include <sys/socket.h>

#include "t_dmabuf.h"

#define PG NM_PAGE_SIZE
#define NRULES 12

static char msgs[NRULES][256];
static int nmsgs;

/* The call must fail with err; remember its message. */
#define RULE(call, err)                                                    \
	do {                                                               \
		struct nm_dmabuf *_b = NULL;                               \
		T_ERR(call, err);                                          \
		(void)_b;                                                  \
		snprintf(msgs[nmsgs++], sizeof(msgs[0]), "%s", nm_last_error()); \
	} while (0)

int main(void)
{
	struct nm_dmabuf *b;
	int ok, noseal, wseal, fwseal, plain, closed, sv[2];
	char path[] = "/tmp/t_dmabuf_regular_XXXXXX";

	ok = t_memfd(8 * PG, F_SEAL_SHRINK | F_SEAL_GROW);
	noseal = t_memfd(8 * PG, 0);
	wseal = t_memfd(8 * PG, F_SEAL_SHRINK | F_SEAL_WRITE);
	fwseal = t_memfd(8 * PG, F_SEAL_SHRINK | F_SEAL_FUTURE_WRITE);
	plain = mkstemp(path);		/* a regular file, not shmem (unless /tmp is tmpfs) */
	T_ASSERT(plain >= 0);
	unlink(path);
	T_ASSERT(ftruncate(plain, 8 * PG) == 0);
	T_ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	closed = t_memfd(PG, F_SEAL_SHRINK);
	close(closed);

	RULE(nm_udmabuf_create(ok, 0, PG, 0x2, &b), -EINVAL);		/* unknown flags */
	RULE(nm_udmabuf_create(ok, 100, PG, 0, &b), -EINVAL);		/* offset unaligned */
	RULE(nm_udmabuf_create(ok, 0, PG + 1, 0, &b), -EINVAL);	/* size unaligned */
	RULE(nm_udmabuf_create(ok, 0, 0, 0, &b), -EINVAL);		/* size 0 */
	RULE(nm_udmabuf_create(closed, 0, PG, 0, &b), -EBADFD);	/* fd not open */
	RULE(nm_udmabuf_create(sv[0], 0, PG, 0, &b), -EBADFD);		/* not shmem */
	RULE(nm_udmabuf_create(noseal, 0, PG, 0, &b), -EINVAL);	/* no F_SEAL_SHRINK */
	RULE(nm_udmabuf_create(wseal, 0, PG, 0, &b), -EINVAL);		/* F_SEAL_WRITE */
	RULE(nm_udmabuf_create(fwseal, 0, PG, 0, &b), -EINVAL);	/* F_SEAL_FUTURE_WRITE */
	RULE(nm_udmabuf_create(ok, 4 * PG, 5 * PG, 0, &b), -EINVAL);	/* past the end */
	RULE(nm_udmabuf_create(ok, 0, PG, 0, NULL), -EINVAL);		/* no out */
	/* offset + size wrapping around is past the end too */
	T_ERR(nm_udmabuf_create(ok, 4 * PG, (uint64_t)0 - 2 * PG, 0, &b), -EINVAL);
	T_ERR(nm_udmabuf_create(-1, 0, PG, 0, &b), -EBADFD);
	T_EQ(nmsgs, 11);
	for (int i = 0; i < nmsgs; i++)
		for (int j = i + 1; j < nmsgs; j++)
			if (!strcmp(msgs[i], msgs[j]))
				T_FAIL("rules %d and %d share the message '%s'", i, j, msgs[i]);

	/* a regular file on a disk file system is no shmem file */
	struct nm_dmabuf *rb = NULL;
	int r = nm_udmabuf_create(plain, 0, PG, 0, &rb);
	T_ASSERT(r == -EBADFD || r == -EINVAL);	/* -EINVAL: /tmp is tmpfs (no seals) */
	T_ASSERT(rb == NULL);

	/* lawful: CLOEXEC accepted; pages shared with the memfd both ways */
	T_OK(nm_udmabuf_create(ok, 2 * PG, 4 * PG, NM_UDMABUF_FLAGS_CLOEXEC, &b));
	T_EQ(nm_dmabuf_size(b), 4 * PG);
	T_ASSERT(!strcmp(nm_dmabuf_exp_name(b), "udmabuf"));
	T_ASSERT(nm_dmabuf_memobj(b) != NULL);
	char *app = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, ok, 0);
	T_ASSERT(app != MAP_FAILED);
	memcpy(app + 3 * PG + 7, "from the app", 12);
	char *m;
	T_OK(nm_dmabuf_mmap(b, PG, 2 * PG, PROT_READ | PROT_WRITE, (void **)&m));
	T_ASSERT(!memcmp(m + 7, "from the app", 12));
	memcpy(m + PG, "via mmap", 8);
	T_ASSERT(!memcmp(app + 4 * PG, "via mmap", 8));
	T_OK(nm_dmabuf_munmap(b, m, 2 * PG));
	char *w;
	T_OK(nm_dmabuf_begin_cpu_access(b, PG + 7, 12, NM_DMA_FROM_DEVICE, (void **)&w));
	T_ASSERT(!memcmp(w, "from the app", 12));
	T_OK(nm_dmabuf_end_cpu_access(b, PG + 7, 12, NM_DMA_FROM_DEVICE));
	/* the buffer keeps its own reference to the file */
	close(ok);
	T_OK(nm_dmabuf_begin_cpu_access(b, 2 * PG, 8, NM_DMA_FROM_DEVICE, (void **)&w));
	T_ASSERT(!memcmp(w, "via mmap", 8));
	T_OK(nm_dmabuf_end_cpu_access(b, 2 * PG, 8, NM_DMA_FROM_DEVICE));
	munmap(app, 8 * PG);
	nm_dmabuf_put(b);

	close(noseal);
	close(wseal);
	close(fwseal);
	close(plain);
	close(sv[0]);
	close(sv[1]);
	T_PASS();
}
