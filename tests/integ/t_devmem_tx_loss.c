/* SPDX-License-Identifier: MIT */
/*
 * devmem TX on a lossy wire (1% loss, 1% reorder, 0.5% duplication both
 * ways, the shm wire's deterministic fault injector): 48 MiB (NM_DTX_MB
 * overrides) of device and host bytes arrive byte-exact, so retransmitted
 * segments carried the same device bytes; retransmissions and SACK
 * recoveries happened; every completion arrives once, in order, and only
 * after its bytes were acknowledged.
 */
#include "t_devmem.h"

int main(void)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32 << 20 };
	struct t_net n;
	struct t_dtx d;
	struct t_run r = { .total = 48ull << 20, .host_pct = 20, .hostzc_pct = 50, .seed = 99,
			   .timeout_ms = 60000 };
	struct nm_stack_stats sa;
	struct nm_tcp_zc_stats zs;
	const char *env = getenv("NM_DTX_MB");
	int lsd, csd, ssd, one = 1;

	if (env)
		r.total = strtoull(env, NULL, 10) << 20;
	for (int dir = 0; dir < 2; dir++) {
		wp.faults[dir].seed = 77 + (uint64_t)dir;
		wp.faults[dir].loss = 0.01;
		wp.faults[dir].reorder = 0.01;
		wp.faults[dir].dup = 0.005;
	}
	t_net_up(&n, &wp);
	t_dtx_bind(&d, n.nda, 8u << 20);
	lsd = t_listen(n.sb, AF_INET, 7400, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7400, &ssd);
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	t_dtx_run(&n, &d, csd, ssd, &r);
	T_OK(nm_stack_get_stats(n.sa, &sa, sizeof(sa)));
	zs = t_dtx_stats(n.sa, csd);
	printf("%llu MiB with faults in %.2f s: retrans %llu sack-rec %llu rto %llu, "
	       "device bytes built %llu for %llu queued, %u ids in %u notifications\n",
	       (unsigned long long)(r.total >> 20), (double)r.us / 1e6,
	       (unsigned long long)sa.tcp_retransmits, (unsigned long long)sa.tcp_sack_recoveries,
	       (unsigned long long)sa.tcp_rto, (unsigned long long)zs.dev_bytes,
	       (unsigned long long)r.dev_bytes, r.ids, r.notes);
	T_ASSERT(sa.tcp_retransmits > 0);
	T_ASSERT(sa.tcp_sack_recoveries > 0);
	T_ASSERT(zs.dev_bytes > r.dev_bytes);	/* device bytes went out more than once */
	T_EQ(zs.next_id, r.ids);
	T_EQ(zs.records + zs.extents + zs.notes, 0);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	T_EQ(t_dtx_wait_refs(&n, &d, 5000), 0);
	t_dtx_unbind(&d);
	t_net_down(&n);
	T_PASS();
}
