/* SPDX-License-Identifier: MIT */
/*
 * Our GSO super-frame into the kernel: one 5442-byte UDP frame written with
 * gso_type UDP_L4, gso_size 1000 and NEEDS_CSUM (the UDP checksum field
 * holding only the pseudo-header sum) reaches a kernel UDP socket as six
 * datagrams: 5 x 1000 bytes and one of 400, in order.  The frame is
 * gathered from three iovecs cut at odd places.  Needs USO (Linux >= 6.2):
 * skipped with a note where the kernel did not accept it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "t_kernel.h"
#include "nic/wire_drv.h"

#define PORT		5000
#define GSO_SIZE	1000
#define DATA_LEN	5400
#define HDRS		(14 + 20 + 8)

static uint8_t frame[HDRS + DATA_LEN];

int main(void)
{
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct nm_wire_meta meta = {
		.flags = NM_WIRE_F_NEEDS_CSUM,
		.gso_type = NM_WIRE_GSO_UDP_L4,
		.hdr_len = HDRS,
		.gso_size = GSO_SIZE,
		.csum_start = 34,
		.csum_offset = 6,
	};
	struct iovec iov[3];
	struct timeval tv = { .tv_sec = 3 };
	struct nm_wire_stats st;
	uint8_t kmac[6], buf[4096];
	struct nm_wire *w;
	size_t i, got = 0;
	unsigned nseg = 0;
	int r, s;

	r = t_enter_netns();
	if (r)
		return r;
	t_no_ipv6();
	w = t_tap_open(true, NULL);
	T_ASSERT(w->gso);
	if (!(nm_wire_tap_offloads(w) & NM_WIRE_TAP_OFF_USO4)) {
		printf("SKIP: this kernel did not accept USO (TUN_F_USO4, Linux >= 6.2)\n");
		nm_wire_destroy(w);
		return T_SKIP;
	}
	t_tap_kernel_mac(w, kmac);

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	T_ASSERT(s >= 0);
	memcpy(&me.sin_addr, t_host_ip, 4);
	T_OK(bind(s, (struct sockaddr *)&me, sizeof(me)));
	T_OK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));

	t_eth(frame, kmac, t_our_mac, T_ETH_IP);
	t_ipv4(frame + 14, T_IPPROTO_UDP, t_our_ip, t_host_ip, 8 + DATA_LEN);
	t_put16(frame + 34, 4444);
	t_put16(frame + 36, PORT);
	t_put16(frame + 38, 8 + DATA_LEN);
	for (i = 0; i < DATA_LEN; i++)
		frame[HDRS + i] = (uint8_t)(i * 13 + i / 256);
	/* CHECKSUM_PARTIAL convention: the field holds the folded
	 * pseudo-header sum, the device finishes it. */
	t_put16(frame + 40, t_fold(t_pseudo4(t_our_ip, t_host_ip, T_IPPROTO_UDP, 8 + DATA_LEN)));

	iov[0] = (struct iovec){ frame, 21 };
	iov[1] = (struct iovec){ frame + 21, 1777 };
	iov[2] = (struct iovec){ frame + 21 + 1777, sizeof(frame) - 21 - 1777 };
	T_OK(nm_wire_xmit(w, iov, 3, &meta));

	while (got < DATA_LEN) {
		ssize_t n = recv(s, buf, sizeof(buf), 0);
		size_t want = DATA_LEN - got < GSO_SIZE ? DATA_LEN - got : GSO_SIZE;

		if (n < 0)
			T_FAIL("segment %u: recv: %s (got %zu of %d bytes)", nseg, strerror(errno),
			       got, DATA_LEN);
		T_EQ(n, want);
		T_ASSERT(!memcmp(buf, frame + HDRS + got, want));
		got += want;
		nseg++;
	}
	T_EQ(nseg, 6);

	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.tx_frames, 1);
	T_EQ(st.tx_bytes, sizeof(frame));
	printf("offloads 0x%x: 1 USO frame of %zu bytes -> %u datagrams\n", nm_wire_tap_offloads(w),
	       sizeof(frame), nseg);
	close(s);
	nm_wire_destroy(w);
	T_PASS();
}
