/* Regression (review): when mprotect failed (the process ran out of memory
 * map areas), nm_memobj_cpu_begin still returned 0 and an address that
 * faulted.  Now it refuses with -ENOMEM and every window it did open is
 * readable; closing them all leaves the object PROT_NONE again.
 * The device memory is sized from vm.max_map_count so that the windows
 * run out of map areas; where -ENOMEM still never comes the test did not
 * test anything and says so (exit 77). */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t_util.h"
#include <netmem/mem.h>
#include <netmem/pci.h>

#define MAX_WINDOWS (1u << 21)	/* 16 GiB of device memory, never touched */

/* Windows on every other page: each is at least one map area of its own,
 * so max_map_count of them (plus what the process had) run out.  0 when
 * that is more than this test opens. */
static uint32_t windows_to_try(long *max_map_count)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long n = 0;

	if (!f || fscanf(f, "%ld", &n) != 1)
		n = 65530;		/* the kernel's default */
	if (f)
		fclose(f);
	*max_map_count = n;
	return n < 0 || n > (long)MAX_WINDOWS - 4096 ? 0 : (uint32_t)n + 4096;
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *gpu;
	struct nm_memobj *d;
	long max_map_count;
	uint32_t opened = 0, windows = windows_to_try(&max_map_count);
	uint64_t bytes = (uint64_t)windows * 2 * NM_PAGE_SIZE;
	char desc[64];
	int ret = 0;

#ifdef __SANITIZE_ADDRESS__
	/* Running the process out of memory map areas also starves ASan's
	 * own allocator, which then aborts: this check runs in the optimized
	 * build only. */
	printf("SKIP: exhausting memory map areas is incompatible with ASan\n");
	return T_SKIP;
#endif
	if (!windows) {
		printf("SKIP: vm.max_map_count is %ld, more map areas than the %u windows this "
		       "test opens: the -ENOMEM path cannot be reached\n", max_map_count,
		       MAX_WINDOWS);
		return T_SKIP;
	}
	snprintf(desc, sizeof(desc), "rc0 { gpu0(mem=%lluM) }",
		 (unsigned long long)(bytes >> 20) + 1);
	T_OK(nm_topo_create(desc, &topo));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_memobj_create_device(gpu, bytes, 0, &d));
	/* windows on every other page: each is its own memory map area */
	for (uint32_t i = 0; i < windows; i++) {
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
	if (!ret) {
		printf("SKIP: %u windows opened and mprotect never ran out of map areas "
		       "(vm.max_map_count %ld): the -ENOMEM path did not run\n", opened,
		       max_map_count);
		return T_SKIP;
	}
	T_PASS();
}
