/* SPDX-License-Identifier: MIT */
/*
 * The NIC's way in on the TAP wire (nm_wire_rx): the TAP asks the NIC for
 * buffers once per frame and the kernel's read lands in them, scattered
 * across as many as the NIC gave; nothing is lent (data NULL) and the
 * frame's true length comes back even when the buffers were too short
 * (the tail is cut, counted in rx_truncated).  The kernel pings us from a
 * raw socket in the test's own network namespace.  Root only (77 without).
 * This is the plain engine's way (readv into the NIC's buffers): the test
 * asks for it (NM_TAP_IO=readv); t_wire_tap_uring covers the batched one.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "t_kernel.h"
#include "nic/wire_drv.h"

#define ECHO_ID		0x4e4e
#define DATA_LEN	200

struct t_bufs {
	struct nm_wire_rxbufs b;	/* first */
	int gets;
	uint32_t cut;			/* the second buffer's size */
	uint8_t one[20], two[2048];
};

static int t_get(struct nm_wire_rxbufs *b, struct iovec *iov, unsigned max)
{
	struct t_bufs *tb = (struct t_bufs *)b;

	tb->gets++;
	T_ASSERT(max >= 2);
	iov[0] = (struct iovec){ tb->one, sizeof(tb->one) };
	iov[1] = (struct iovec){ tb->two, tb->cut };
	return 2;
}

/* The next echo request from the kernel, as nm_wire_rx delivers it. */
static uint32_t next_echo(struct nm_wire *w, struct t_bufs *tb, uint8_t *frame)
{
	struct pollfd pfd = { .fd = nm_wire_get_fd(w), .events = POLLIN };
	uint64_t end = t_now_ms() + 3000;
	struct nm_wire_frame f;

	for (;;) {
		int gets = tb->gets, r = nm_wire_rx(w, &tb->b, &f);

		T_EQ(tb->gets, gets + 1);	/* asked once, frame or not */
		if (r == 0) {
			uint32_t in_two = f.len > 20 ? f.len - 20 : 0;

			T_ASSERT(f.data == NULL);
			memcpy(frame, tb->one, f.len < 20 ? f.len : 20);
			memcpy(frame + 20, tb->two, in_two < tb->cut ? in_two : tb->cut);
			if (t_is_ipv4(frame, f.len, T_IPPROTO_ICMP) && f.len >= 42 &&
			    t_get16(frame + 38) == ECHO_ID)
				return f.len;
			continue;
		}
		T_EQ(r, -EAGAIN);
		T_ASSERT(t_now_ms() < end);
		poll(&pfd, 1, 100);
	}
}

int main(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	static struct t_bufs tb = { .b.get = t_get };
	uint8_t req[8 + DATA_LEN], frame[2048];
	struct nm_wire_stats st;
	struct nm_wire *w;
	uint32_t len;
	int r, s;

	setenv("NM_TAP_IO", "readv", 1);
	r = t_enter_netns();
	if (r)
		return r;
	t_no_ipv6();
	w = t_tap_open(false, NULL);
	t_tap_neigh(w, AF_INET, t_our_ip);
	s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	T_ASSERT(s >= 0);
	memset(req, 0, sizeof(req));
	req[0] = 8;
	t_put16(req + 4, ECHO_ID);
	for (int i = 0; i < DATA_LEN; i++)
		req[8 + i] = (uint8_t)(i * 3 + 1);
	t_put16(req + 2, t_csum(t_sum(req, sizeof(req), 0)));
	memcpy(&to.sin_addr, t_our_ip, 4);

	/* the frame scattered over both buffers, whole */
	tb.cut = sizeof(tb.two);
	T_EQ(sendto(s, req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)), sizeof(req));
	len = next_echo(w, &tb, frame);
	T_EQ(len, 14 + 20 + sizeof(req));
	T_ASSERT(!memcmp(frame, t_our_mac, 6));
	T_ASSERT(!memcmp(frame + 34, req, sizeof(req)));

	/* buffers too short: the true length, the tail cut and counted */
	tb.cut = 100;
	T_EQ(sendto(s, req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)), sizeof(req));
	len = next_echo(w, &tb, frame);
	T_EQ(len, 14 + 20 + sizeof(req));
	T_ASSERT(!memcmp(frame + 34, req, 120 - 34));
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_ASSERT(st.rx_truncated >= 1);

	close(s);
	nm_wire_destroy(w);
	T_PASS();
}
