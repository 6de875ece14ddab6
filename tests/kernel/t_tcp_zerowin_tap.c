/* SPDX-License-Identifier: MIT */
/*
 * netmem's persist timer against the Linux kernel's TCP over a TAP, in a
 * private network namespace (root only, 77 otherwise).  A netmem client
 * sends to a kernel server that does not read (a small SO_RCVBUF): the
 * kernel's window closes and netmem probes it.  Seen on the wire (a raw
 * packet socket on the TAP): the probes (no payload, one byte below the
 * kernel's rcv_nxt) come with exponential backoff, at least three in
 * 3.5 s, each interval 1.5 to 2.6 times the one before, as the kernel's
 * own persist timer does; the kernel answers, the window stays shut.
 * Then the server reads: the window reopens and all 1 MiB arrives intact.
 */
#include "t_kernel.h"
#include "t_tcp.h"

#define K_PORT	7601
#define TOTAL	(1u << 20)

int main(void)
{
	static uint8_t tx[TOTAL], rx[64 << 10];
	struct t_tap_net t;
	struct nm_tcp_sock *tp;
	uint64_t at[16], end, stall_end;
	size_t sent = 0, got = 0;
	int r = t_tap_net_up(&t), lfd, kfd, sd, cfd, nprobe = 0, kernel_answers = 0;
	uint16_t nm_port;

	if (r)
		return r;
	cfd = t_cap_open(t.ifindex);
	lfd = t_tap_kernel_listen(K_PORT, 4096);
	sd = t_tap_connect(&t, lfd, K_PORT, &kfd);
	nm_port = t_tap_local_port(sd);
	tp = t_tcb(t.st, sd);
	T_ASSERT(tp);

	/* fill the kernel's buffer until netmem sees a zero window */
	for (size_t i = 0; i < TOTAL; i++)
		tx[i] = (uint8_t)(i % 251);
	for (end = t_now_us() + 10000000; tp->snd_wnd || tp->snd_una != tp->snd_max;) {
		ssize_t n = sent < TOTAL ? nm_send(sd, tx + sent, TOTAL - sent, 0) : 0;

		if (n > 0)
			sent += (size_t)n;
		if (t_now_us() >= end)
			T_FAIL("no zero window: sent %zu, snd_wnd %u, in flight %u", sent, tp->snd_wnd,
			       tp->snd_max - tp->snd_una);
		T_OK(nm_stack_poll(t.st, 1));
	}
	printf("window shut after %u bytes\n", tp->snd_una - tp->iss - 1);

	/* the probes, as the kernel sees them */
	while (t_cap_next(cfd, rx, sizeof(rx), &(bool){ false }))
		;
	for (stall_end = t_now_us() + 3500000; t_now_us() < stall_end;) {
		struct t_seg seg;
		bool from_nm;
		size_t len;

		T_OK(nm_stack_poll(t.st, 1));
		while ((len = t_cap_next(cfd, rx, sizeof(rx), &from_nm)) > 0) {
			if (!t_seg_parse(rx, len, &seg) || seg.sport != (from_nm ? nm_port : K_PORT))
				continue;
			if (!from_nm) {
				kernel_answers++;
				continue;
			}
			T_EQ(seg.plen, 0);	/* nothing but probes while the window is shut */
			T_EQ(seg.seq, tp->snd_una - 1);
			T_ASSERT(nprobe < 16);
			at[nprobe++] = t_now_us();
		}
	}
	t_assert_backoff(at, nprobe);
	T_ASSERT(kernel_answers >= 1);
	T_EQ(tp->snd_wnd, 0);

	/* the server reads: everything arrives */
	for (end = t_now_us() + 20000000; got < TOTAL;) {
		ssize_t n;

		T_ASSERT(t_now_us() < end);
		if (sent < TOTAL && (n = nm_send(sd, tx + sent, TOTAL - sent, 0)) > 0)
			sent += (size_t)n;
		while ((n = recv(kfd, rx, sizeof(rx), MSG_DONTWAIT)) > 0) {
			if (memcmp(rx, tx + got, (size_t)n))
				T_FAIL("kernel received a wrong byte within [%zu, %zu)", got,
				       got + (size_t)n);
			got += (size_t)n;
		}
		T_OK(nm_stack_poll(t.st, 1));
	}
	T_OK(nm_close(sd));
	close(kfd);
	close(lfd);
	close(cfd);
	t_tap_net_down(&t);
	T_PASS();
}
