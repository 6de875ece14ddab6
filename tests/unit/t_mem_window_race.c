/* Regression (review): closing or opening a CPU window used to pass a
 * shared page through PROT_NONE / read-only while another thread used its
 * own open window on that page, which then faulted.  Windows now only set
 * each page to its final protection. */
#include <pthread.h>
#include <stdatomic.h>

#include "t_util.h"
#include <netmem/mem.h>
#include <netmem/pci.h>

static struct nm_memobj *d;
static volatile uint8_t *w0;
static atomic_int stop;

static void *user(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		w0[8] = (uint8_t)(w0[8] + 1);	/* read and write its own window */
	}
	return NULL;
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *gpu;
	pthread_t th;
	void *w;

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_memobj_create_device(gpu, 4 * NM_PAGE_SIZE, 0, &d));
	T_OK(nm_memobj_cpu_begin(d, 0, NM_PAGE_SIZE, NM_CPU_READ | NM_CPU_WRITE, &w));
	w0 = w;
	T_ASSERT(pthread_create(&th, NULL, user, NULL) == 0);
	for (int i = 0; i < 20000; i++) {
		unsigned acc = i & 1 ? NM_CPU_READ : NM_CPU_READ | NM_CPU_WRITE;

		T_OK(nm_memobj_cpu_begin(d, 100, 100 + (uint64_t)(i % 3000), acc, &w));
		T_OK(nm_memobj_cpu_end(d, 100, 100 + (uint64_t)(i % 3000)));
	}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	T_OK(nm_memobj_cpu_end(d, 0, NM_PAGE_SIZE));
	nm_memobj_put(d);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
