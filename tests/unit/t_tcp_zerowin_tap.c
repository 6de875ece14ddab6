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
#include <netinet/in.h>
#include <unistd.h>

#include "tcp_util.h"
#include "unit/t_tap_capture.h"
#include "unit/t_wire_tap_util.h"

#define K_PORT	7601
#define TOTAL	(1u << 20)

int main(void)
{
	struct nm_netdev_params np = { .name = "nm0", .rx_queues = 1, .tx_queues = 1,
				       .mac = { 0x02, 0, 0, 0, 0, 0x02 } };
	struct nm_iface_params ip = { .addr4 = "198.18.0.2/24" };
	struct nm_stack_params sp = { 0 };
	struct sockaddr_in ka = t_sin("198.18.0.1", K_PORT), l;
	static uint8_t tx[TOTAL], rx[64 << 10];
	socklen_t ll = sizeof(l);
	struct nm_tcp_sock *tp;
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_netdev *nd;
	struct nm_stack *st;
	struct nm_wire *w;
	uint64_t at[16], end, stall_end;
	size_t sent = 0, got = 0;
	int r = t_enter_netns(), lfd, kfd = -1, sd, cfd, nprobe = 0, kernel_answers = 0;
	int rcvbuf = 4096, one = 1;
	uint16_t nm_port;

	if (r)
		return r;
	t_no_ipv6();
	w = t_tap_open(false, NULL);
	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_device(topo, "nic0", &nic));
	np.dev = nic;
	np.wire = w;
	T_OK(nm_netdev_create(&np, &nd));
	T_OK(nm_stack_create(&sp, &st));
	ip.nd = nd;
	T_OK(nm_stack_add_iface(st, &ip));
	cfd = t_cap_open(nm_wire_tap_ifindex(w));

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	T_ASSERT(lfd >= 0);
	T_ASSERT(setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
	T_ASSERT(setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) == 0);
	T_ASSERT(bind(lfd, (struct sockaddr *)&ka, sizeof(ka)) == 0);
	T_ASSERT(listen(lfd, 1) == 0);
	sd = (int)T_OK(nm_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	T_EQ(nm_connect(sd, (struct sockaddr *)&ka, sizeof(ka)), -EINPROGRESS);
	for (end = t_now_us() + 5000000; kfd < 0 || t_tcp_state(sd) != TCP_ESTABLISHED;) {
		T_ASSERT(t_now_us() < end);
		T_OK(nm_stack_poll(st, 1));
		if (kfd < 0)
			kfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	}
	T_OK(nm_getsockname(sd, (struct sockaddr *)&l, &ll));
	nm_port = ntohs(l.sin_port);
	tp = t_tcb(st, sd);
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
		T_OK(nm_stack_poll(st, 1));
	}
	printf("window shut after %u bytes\n", tp->snd_una - tp->iss - 1);

	/* the probes, as the kernel sees them */
	while (t_cap_next(cfd, rx, sizeof(rx), &(bool){ false }))
		;
	for (stall_end = t_now_us() + 3500000; t_now_us() < stall_end;) {
		struct t_cap_tcp t;
		bool from_nm;
		size_t len;

		T_OK(nm_stack_poll(st, 1));
		while ((len = t_cap_next(cfd, rx, sizeof(rx), &from_nm)) > 0) {
			if (!t_cap_tcp(rx, len, &t) || t.sport != (from_nm ? nm_port : K_PORT))
				continue;
			if (!from_nm) {
				kernel_answers++;
				continue;
			}
			T_EQ(t.plen, 0);	/* nothing but probes while the window is shut */
			T_EQ(t.seq, tp->snd_una - 1);
			T_ASSERT(nprobe < 16);
			at[nprobe++] = t_now_us();
		}
	}
	for (int i = 0; i < nprobe; i++)
		printf("probe %d at +%llu ms\n", i, (unsigned long long)((at[i] - at[0]) / 1000));
	T_ASSERT(nprobe >= 3);
	for (int i = 2; i < nprobe; i++) {
		double prev = (double)(at[i - 1] - at[i - 2]), cur = (double)(at[i] - at[i - 1]);

		if (cur < 1.5 * prev || cur > 2.6 * prev)
			T_FAIL("probe interval %d: %.0f ms after %.0f ms: no exponential backoff", i,
			       cur / 1000, prev / 1000);
	}
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
		T_OK(nm_stack_poll(st, 1));
	}
	T_OK(nm_close(sd));
	close(kfd);
	close(lfd);
	close(cfd);
	T_OK(nm_stack_destroy(st));
	T_OK(nm_netdev_destroy(nd));
	nm_wire_destroy(w);
	nm_topo_destroy(topo);
	T_PASS();
}
