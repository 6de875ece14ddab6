/* SPDX-License-Identifier: MIT */
/*
 * GSO from the kernel: a kernel UDP socket sends 5400 bytes with
 * UDP_SEGMENT 1000.  Where the TAP accepted USO the wire receives ONE
 * super-frame with gso_type UDP_L4, gso_size 1000 and NEEDS_CSUM; where it
 * did not, the kernel segments and the wire receives six plain frames.
 * Either way the payload arrives whole and in order.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include "t_kernel.h"
#include "nic/wire_drv.h"

#define DPORT		7000
#define GSO_SIZE	1000
#define DATA_LEN	5400

static uint8_t data[DATA_LEN], f[NM_WIRE_MAX_FRAME];

static bool pred_udp(const uint8_t *fr, size_t len, void *arg)
{
	(void)arg;
	return t_is_ipv4(fr, len, T_IPPROTO_UDP) && len >= 42 && t_get16(fr + 36) == DPORT;
}

int main(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(DPORT) };
	struct nm_wire_meta meta;
	struct nm_wire *w;
	size_t i, len, got = 0;
	int r, s, gso = GSO_SIZE;
	bool uso;

	r = t_enter_netns();
	if (r)
		return r;
	t_no_ipv6();
	w = t_tap_open(true, NULL);
	t_tap_neigh(w, AF_INET, t_our_ip);
	uso = nm_wire_tap_offloads(w) & NM_WIRE_TAP_OFF_USO4;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	T_ASSERT(s >= 0);
	T_OK(setsockopt(s, SOL_UDP, UDP_SEGMENT, &gso, sizeof(gso)));
	for (i = 0; i < DATA_LEN; i++)
		data[i] = (uint8_t)(i * 31 + 3);
	memcpy(&to.sin_addr, t_our_ip, 4);
	T_EQ(sendto(s, data, sizeof(data), 0, (struct sockaddr *)&to, sizeof(to)), DATA_LEN);

	if (uso) {
		len = t_tap_wait(w, f, sizeof(f), &meta, pred_udp, NULL, 3000, "USO frame");
		T_EQ(len, 14 + 20 + 8 + DATA_LEN);
		T_EQ(meta.gso_type, NM_WIRE_GSO_UDP_L4);
		T_EQ(meta.gso_size, GSO_SIZE);
		T_EQ(meta.flags & NM_WIRE_F_NEEDS_CSUM, NM_WIRE_F_NEEDS_CSUM);
		T_EQ(meta.csum_start, 34);
		T_EQ(meta.csum_offset, 6);
		T_ASSERT(meta.hdr_len >= 42 && meta.hdr_len <= len);
		T_EQ(t_get16(f + 16), 20 + 8 + DATA_LEN);	/* IP length: the whole */
		T_EQ(t_get16(f + 38), 8 + DATA_LEN);		/* UDP length: the whole */
		T_ASSERT(!memcmp(f + 42, data, DATA_LEN));
		printf("USO accepted: one %zu-byte super-frame\n", len);
	} else {
		while (got < DATA_LEN) {
			size_t want = DATA_LEN - got < GSO_SIZE ? DATA_LEN - got : GSO_SIZE;

			len = t_tap_wait(w, f, sizeof(f), &meta, pred_udp, NULL, 3000, "segment");
			T_EQ(meta.gso_type, NM_WIRE_GSO_NONE);
			T_EQ(len, 42 + want);
			T_ASSERT(!memcmp(f + 42, data + got, want));
			got += want;
		}
		printf("no USO: the kernel segmented in software\n");
	}

	close(s);
	nm_wire_destroy(w);
	T_PASS();
}
