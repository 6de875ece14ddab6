/* Regression (review): a second nm_page_pool_put_unrefed_netmem() of a
 * buffer already back in the pool was accepted, so the pool later handed
 * the same buffer out twice.  Now it is refused. */
#include "t_util.h"
#include "pool/page_pool.h"
#include <netmem/pci.h>

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_page_pool *pp;
	struct nm_page_pool_params pr = { .pool_size = 64, .dir = NM_DMA_FROM_DEVICE };
	nm_netmem_t a, x, y;

	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	pr.dev = nic;
	T_OK(nm_page_pool_create(&pr, &pp));
	T_OK(nm_page_pool_alloc_netmem(pp, &a));
	T_EQ(nm_page_pool_unref_netmem(a, 1), 0);
	T_OK(nm_page_pool_put_unrefed_netmem(pp, a, true));
	T_ERR(nm_page_pool_put_unrefed_netmem(pp, a, true), -EINVAL);
	T_ERR(nm_page_pool_put_unrefed_netmem(pp, a, false), -EINVAL);
	T_OK(nm_page_pool_check(pp));
	T_OK(nm_page_pool_alloc_netmem(pp, &x));
	T_OK(nm_page_pool_alloc_netmem(pp, &y));
	T_ASSERT(x != y);
	/* a buffer handed out again may be unref'ed and put once more */
	T_EQ(nm_page_pool_unref_netmem(x, 1), 0);
	T_OK(nm_page_pool_put_unrefed_netmem(pp, x, false));
	T_OK(nm_page_pool_put_netmem(pp, y, true));
	T_ERR(nm_page_pool_put_netmem(pp, y, true), -EINVAL);
	T_EQ(nm_page_pool_inflight(pp), 0);
	T_EQ(nm_page_pool_destroy(pp), 0);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
