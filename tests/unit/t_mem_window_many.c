/* Regression (review): when mprotect failed (the process ran out of memory
 * map areas), nm_memobj_cpu_begin still returned 0 and an address that
 * faulted.  Now it refuses with -ENOMEM and every window it did open is
 * readable; closing them all leaves the object PROT_NONE again. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t_util.h"
#include <netmem/mem.h>
#include <netmem/pci.h>

#define PAGES (1u << 17)	/* 512 MiB of device memory, never touched */

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *gpu;
	struct nm_memobj *d;
	uint32_t opened = 0;
	int ret = 0;

#ifdef __SANITIZE_ADDRESS__
	/* Running the process out of memory map areas also starves ASan's
	 * own allocator, which then aborts: this check runs in the optimized
	 * build only. */
	printf("SKIP: exhausting memory map areas is incompatible with ASan\n");
	return T_SKIP;
#endif
	T_OK(nm_topo_create("rc0 { gpu0(mem=1G) }", &topo));
	T_OK(nm_topo_device(topo, "gpu0", &gpu));
	T_OK(nm_memobj_create_device(gpu, (uint64_t)PAGES * NM_PAGE_SIZE, 0, &d));
	/* windows on every other page: each is its own memory map area */
	for (uint32_t i = 0; i < PAGES / 2; i++) {
		void *w;

		ret = nm_memobj_cpu_begin(d, (uint64_t)i * 2 * NM_PAGE_SIZE, 16, NM_CPU_READ, &w);
		if (ret) {
			T_EQ(ret, -ENOMEM);
			T_ASSERT(nm_last_error()[0]);
			break;
		}
		T_EQ(*(volatile uint8_t *)w, 0);	/* must not fault */
		opened++;
	}
	printf("%u windows open before %s\n", opened, ret ? "-ENOMEM" : "the end");
	/* close newest first (the usual nesting; the lookup starts there) */
	for (uint32_t i = opened; i-- > 0;)
		T_OK(nm_memobj_cpu_end(d, (uint64_t)i * 2 * NM_PAGE_SIZE, 16));
	nm_memobj_put(d);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
