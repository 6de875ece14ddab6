/* The test build runs in mem/'s checking mode: ctest gives every C test but
 * the t_*_cpu_fast ones NM_MEM_CHECK=1 (CMakeLists.txt), so the udmabufs of
 * the devmem tests are PROT_NONE outside CPU windows and a stack that
 * touched their payload would fault (invariant 1, docs/invariants.md).
 * Without that setting those tests would still pass and prove nothing for
 * memfd-backed payload; this one fails instead. */
#include <signal.h>

#include "t_dmabuf.h"
#include "dmabuf/dmabuf_internal.h"
#include "mem/mem_internal.h"

int main(void)
{
	const char *e = getenv("NM_MEM_CHECK");
	struct nm_dmabuf *u;
	char perms[5], *w;

	if (!e || strcmp(e, "1"))
		T_FAIL("NM_MEM_CHECK is %s%s%s, not 1: ctest sets it (by hand: "
		       "NM_MEM_CHECK=1 build/t_mem_check_env)", e ? "\"" : "", e ? e : "unset",
		       e ? "\"" : "");
	T_ASSERT(nm_mem_checking());

	int fd = t_memfd(4 * NM_PAGE_SIZE, F_SEAL_SHRINK);
	T_OK(nm_udmabuf_create(fd, 0, 4 * NM_PAGE_SIZE, 0, &u));
	t_map_perms(u->memobj->cpu, perms);
	T_ASSERT(!strcmp(perms, "---s"));
	T_OK(nm_dmabuf_begin_cpu_access(u, 0, 10, NM_DMA_TO_DEVICE, (void **)&w));
	memset(w, 0x5a, 10);
	T_OK(nm_dmabuf_end_cpu_access(u, 0, 10, NM_DMA_TO_DEVICE));
	T_EQ(t_stray_read(w), SIGSEGV);
	nm_dmabuf_put(u);
	close(fd);
	T_PASS();
}
