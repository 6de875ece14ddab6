/* SPDX-License-Identifier: MIT */
/*
 * DSACK undo of a spurious fast recovery (RFC 2883, Linux's undo), made
 * deterministic: on a wire the test plays (no GSO, MSS-sized frames), the
 * first segment of a 30-segment flight is held back while the other 29
 * reach B; B's SACKs start a recovery at A that resends the first
 * segment; the held original then overtakes the resent copy, which B
 * reports as a duplicate.  A must undo the recovery: cwnd and ssthresh
 * back, tcp_spurious_undos counted, the path marked as reordering; then
 * the stream goes on intact.  (t_spurious_recovery() in
 * tests/lib/tcp_wire.c; t_tcp_reorder_gso does the same with 64 KiB GSO
 * frames.)
 */
#include "t_tcp.h"

int main(void)
{
	struct t_net n;
	struct nm_tcp_sock *tc;
	uint64_t sent = 1 << 20;
	int lsd, csd, ssd, one = 1;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 7501, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7501, &ssd);
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	t_stream(&n, csd, ssd, sent, 10000);	/* cwnd grows well past the flight */
	t_pump_for(&n, 50);
	tc = t_tcb(n.sa, csd);
	T_ASSERT(tc);
	t_spurious_recovery(&n, csd, ssd, &sent, 30u * tc->mss);
	/* and the stream goes on */
	t_stream(&n, csd, ssd, 1 << 20, 10000);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
