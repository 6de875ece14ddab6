/* SPDX-License-Identifier: MIT */
/*
 * devmem TX over the shm wire: 128 MiB (NM_DTX_MB overrides) of device
 * bytes from a 16 MiB memfd dma-buf, sent from random offsets in 1-4
 * iovecs of up to 256 KiB each, into a plain (copy-path) receiver, which
 * checks every byte against the dma-buf.  Every sendmsg's completion
 * arrives, in id order, with code 0, merged into fewer notifications than
 * ids; device segments were built (the payload went by dma-buf address),
 * the binding was referenced while bytes were queued and is let go once
 * the connection closes.
 */
#include "t_devmem.h"

int main(void)
{
	struct t_net n;
	struct t_dtx d;
	struct t_run r = { .total = 128ull << 20, .seed = 42, .timeout_ms = 60000 };
	struct nm_tcp_zc_stats zs;
	const char *env = getenv("NM_DTX_MB");
	int lsd, csd, ssd, one = 1;

	if (env)
		r.total = strtoull(env, NULL, 10) << 20;
	t_net_up(&n, NULL);
	t_dtx_bind(&d, n.nda, 16u << 20);
	lsd = t_listen(n.sb, AF_INET, 7200, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7200, &ssd);
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));

	t_dtx_run(&n, &d, csd, ssd, &r);
	zs = t_dtx_stats(n.sa, csd);
	printf("%llu MiB of device bytes in %.2f s (%.0f MB/s): %u sendmsg ids in %u "
	       "notifications, %llu device segments, up to %ld binding refs\n",
	       (unsigned long long)(r.total >> 20), (double)r.us / 1e6,
	       (double)r.total / (double)r.us, r.ids, r.notes, (unsigned long long)zs.dev_segs,
	       r.max_refs);
	T_EQ(r.dev_bytes, r.total);
	T_ASSERT(zs.dev_bytes >= r.total);
	T_ASSERT(zs.dev_segs > 0);
	T_EQ(zs.next_id, r.ids);
	T_EQ(zs.records, 0);
	T_EQ(zs.extents, 0);
	T_EQ(zs.inflight, 0);
	T_ASSERT(r.notes >= 1 && r.notes < r.ids);
	T_ASSERT(r.max_refs >= 1);
	T_ASSERT(t_tcb(n.sa, csd)->sbuf_size <= t_tcb(n.sa, csd)->sndbuf);

	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	T_EQ(t_dtx_wait_refs(&n, &d, 5000), 0);
	t_dtx_unbind(&d);
	t_net_down(&n);
	T_PASS();
}
