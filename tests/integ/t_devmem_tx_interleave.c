/* SPDX-License-Identifier: MIT */
/*
 * Device sends, plain copy sends and MSG_ZEROCOPY host sends interleaved
 * on one connection keep byte order: 32 MiB in pieces of 1 byte to 24 KiB
 * (so segments are cut at many host/device boundaries, and small pieces
 * meet Nagle), byte-exact at a copy-path receiver.  Device calls complete
 * with code 0, host MSG_ZEROCOPY calls with SO_EE_CODE_ZEROCOPY_COPIED,
 * each id exactly once and in order; plain sends take no id.  Then the same
 * over IPv6, where notifications come as SOL_IPV6 / IPV6_RECVERR.
 */
#include "t_devmem.h"

static void run_v6(struct t_net *n, struct t_dtx *d)
{
	struct sockaddr_in6 a = t_sin6("2001:2::2", 7301);
	int lsd = t_listen(n->sb, AF_INET6, 7301, 4), csd, ssd = -1, one = 1;
	uint64_t got = 0, end = t_now_us() + 10000000u;
	struct t_note o;

	csd = (int)T_OK(nm_socket(n->sa, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0));
	T_EQ(nm_connect(csd, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
	while (ssd < 0 || t_tcp_state(csd) != TCP_ESTABLISHED) {
		T_ASSERT(t_now_us() < end);
		t_pump(n);
		if (ssd < 0)
			ssd = nm_accept4(lsd, NULL, NULL, SOCK_NONBLOCK);
	}
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	T_EQ(t_dtx_send(csd, d->id, 1000, 300000, 0), 300000);
	while (got < 300000) {
		T_ASSERT(t_now_us() < end);
		t_pump(n);
		t_dtx_recv_check(ssd, d->va + 1000, &got, 300000);
	}
	T_EQ(t_dtx_wait(n, csd, &o, 2000), 0);
	T_EQ(o.lo, 0);
	T_EQ(o.hi, 0);
	T_EQ(o.level, SOL_IPV6);
	T_EQ(o.type, IPV6_RECVERR);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
}

int main(void)
{
	struct t_net n;
	struct t_dtx d;
	struct t_run r = { .total = 32ull << 20, .host_pct = 50, .hostzc_pct = 50,
			   .max_len = 24u << 10, .seed = 7, .timeout_ms = 60000 };
	struct nm_tcp_zc_stats zs;
	int lsd, csd, ssd, one = 1;

	t_net_up(&n, NULL);
	t_dtx_bind(&d, n.nda, 4u << 20);
	lsd = t_listen(n.sb, AF_INET, 7300, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7300, &ssd);
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	t_dtx_run(&n, &d, csd, ssd, &r);
	zs = t_dtx_stats(n.sa, csd);
	printf("32 MiB mixed in %.2f s: %llu device bytes, %u ids in %u notifications, "
	       "%llu device segments\n", (double)r.us / 1e6, (unsigned long long)r.dev_bytes,
	       r.ids, r.notes, (unsigned long long)zs.dev_segs);
	T_ASSERT(r.dev_bytes > r.total / 4 && r.dev_bytes < r.total);
	T_EQ(zs.next_id, r.ids);
	T_EQ(zs.records + zs.extents + zs.notes, 0);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));

	run_v6(&n, &d);
	T_EQ(t_dtx_wait_refs(&n, &d, 5000), 0);
	t_dtx_unbind(&d);
	t_net_down(&n);
	T_PASS();
}
