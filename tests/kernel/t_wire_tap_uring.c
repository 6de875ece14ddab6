/* SPDX-License-Identifier: MIT */
/*
 * The TAP wire's batched engine (io_uring, src/nic/wire_tap_uring.c), with
 * the kernel as the peer in the test's own network namespace:
 *  1. frames the kernel sends (ICMP echo requests from a raw socket) are
 *     read by reads posted ahead, completed in batches (fewer batches than
 *     frames), and lent in order: a held frame's bytes stay as they were
 *     while later frames are read, hold says "pressure" past half the
 *     slots, release gives frames back oldest first (-EINVAL past what is
 *     held), and every request arrives once;
 *  2. inside a transmit batch, small frames wait until the batch ends and
 *     then reach the kernel in order in one submission; a large frame in
 *     the middle goes at once, after the small ones queued before it;
 *  2b. the NIC's way in (nm_wire_rx): lent (data set, no buffers asked)
 *     unless the NIC prefers a copy (its queue is device memory): then
 *     each frame lands in the buffers get() offers, in order;
 *  3. a thread other than the ring's (the first to do I/O) receives too,
 *     with plain reads, the frames in order;
 *  4. destroy ends the posted reads before it closes the fd: the same TAP
 *     opens again at once, 20 times over (the kernel tears a ring down in
 *     a worker; reads left posted kept the device attached: EBUSY);
 *  5. NM_TAP_IO=readv gives the plain engine: no lending, no batches;
 *  6. with an fd floor set (the drop-in runtime's, src/util/fd.h) the
 *     ring's fd lies above it.
 * Root only (77 without); 77 too where io_uring is unavailable (the plain
 * engine is then all there is, and the other TAP tests cover it).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include "t_kernel.h"
#include "nic/wire_drv.h"

#define ECHO_ID		0x4e55
#define NREQ		40	/* more than the reads in flight, fewer than the slots */
#define UDP_PORT	9100

static int ping_sock;

static void send_echo(uint16_t seq)
{
	t_echo_send(ping_sock, ECHO_ID, seq);
}

static bool is_echo(const uint8_t *f, uint32_t len, uint16_t seq)
{
	return t_is_echo(f, len, ECHO_ID, seq);
}

/* Hold every echo request as it comes (anything else is consumed) until
 * NREQ are held; their frames in frames[]. */
static void hold_all(struct nm_wire *w, const uint8_t **frames, bool *pressured)
{
	struct pollfd pfd = { .fd = nm_wire_get_fd(w), .events = POLLIN };
	uint64_t end = t_now_ms() + 5000;
	uint32_t n = 0;

	while (n < NREQ) {
		const uint8_t *f;
		uint32_t len;
		int r = nm_wire_peek(w, &f, &len, NULL);

		if (r == -EAGAIN) {
			T_ASSERT(t_now_ms() < end);
			T_ASSERT(nm_wire_arm(w) >= 0);
			poll(&pfd, 1, 100);
			continue;
		}
		T_ASSERT(r >= 0);
		if (t_is_ipv4(f, len, T_IPPROTO_ICMP) && t_get16(f + 38) == ECHO_ID) {
			T_ASSERT(is_echo(f, len, (uint16_t)n));	/* in order, each once */
			frames[n++] = f;
			r = nm_wire_hold(w);
			T_ASSERT(r == 0 || r == 1);
			/* pressure: what the oldest held frame blocks is past
			 * half of the 64 slots */
			T_EQ(r, n > 32);
			*pressured |= r;
		} else {
			T_OK(nm_wire_consume(w));
		}
	}
}

static void check_rx(struct nm_wire *w)
{
	const uint8_t *frames[NREQ];
	struct nm_wire_stats st;
	bool pressured = false;

	for (uint16_t i = 0; i < NREQ; i++)
		send_echo(i);
	hold_all(w, frames, &pressured);
	T_ASSERT(pressured);
	/* held frames are untouched by the reads that came after them */
	for (uint16_t i = 0; i < NREQ; i++)
		T_ASSERT(is_echo(frames[i], T_ECHO_FRAME, i));
	T_EQ(nm_wire_release(w, NREQ + 1), -EINVAL);
	T_EQ(nm_wire_release(w, 20), 0);	/* 20 held: no pressure */
	T_OK(nm_wire_release(w, NREQ - 20));
	T_EQ(nm_wire_release(w, 1), -EINVAL);
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_ASSERT(st.rx_frames >= NREQ);
	T_ASSERT(st.rx_batches >= 1);
	T_ASSERT(st.rx_batches < st.rx_frames);	/* reads completed together */
	printf("rx: %llu frames in %llu batches\n", (unsigned long long)st.rx_frames,
	       (unsigned long long)st.rx_batches);

	/* released slots read again */
	send_echo(1000);
	const uint8_t *f;
	uint32_t len;
	uint64_t end = t_now_ms() + 3000;
	int r;

	for (;;) {
		r = nm_wire_peek(w, &f, &len, NULL);
		if (r >= 0 && is_echo(f, len, 1000))
			break;
		if (r >= 0)
			T_OK(nm_wire_consume(w));
		else
			T_EQ(r, -EAGAIN);
		T_ASSERT(t_now_ms() < end);
	}
	T_OK(nm_wire_consume(w));
}

static void send_udp(struct nm_wire *w, const uint8_t *kmac, uint32_t len, uint8_t tag)
{
	t_tap_send_udp(w, kmac, UDP_PORT, len, tag);
}

static int recv_tag(int us, uint32_t *len)
{
	return t_udp_tag(us, len, 0);
}

static int wait_tag(int us, uint32_t *len)
{
	return t_udp_tag(us, len, 2000);
}

static void check_tx(struct nm_wire *w)
{
	struct nm_wire_stats st0, st;
	uint8_t kmac[6];
	uint32_t len;
	int us;

	t_tap_kernel_mac(w, kmac);
	us = t_udp_host_sock(UDP_PORT);
	T_OK(nm_wire_get_stats(w, &st0, sizeof(st0)));

	nm_wire_tx_batch(w, true);
	send_udp(w, kmac, 50, 'a');
	send_udp(w, kmac, 60, 'b');
	usleep(20000);
	T_EQ(recv_tag(us, &len), -1);		/* queued, not sent */
	send_udp(w, kmac, 1000, 'C');		/* too large to queue: now, after a and b */
	T_EQ(wait_tag(us, &len), 'a');
	T_EQ(len, 50);
	T_EQ(wait_tag(us, &len), 'b');
	T_EQ(wait_tag(us, &len), 'C');
	T_EQ(len, 1000);
	send_udp(w, kmac, 70, 'd');
	send_udp(w, kmac, 80, 'e');
	usleep(20000);
	T_EQ(recv_tag(us, &len), -1);
	nm_wire_tx_batch(w, false);		/* both, in one submission */
	T_EQ(wait_tag(us, &len), 'd');
	T_EQ(wait_tag(us, &len), 'e');
	T_EQ(len, 80);
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.tx_batches - st0.tx_batches, 2);	/* a+b before C, then d+e */
	T_EQ(st.tx_frames - st0.tx_frames, 5);
	T_EQ(st.tx_dropped, st0.tx_dropped);

	/* outside a batch a small frame goes at once */
	send_udp(w, kmac, 40, 'f');
	T_EQ(wait_tag(us, &len), 'f');
	close(us);
}

static bool rx_echo(struct nm_wire *w, struct t_tap_bufs *tb, uint16_t seq)
{
	return t_tap_rx_echo(w, tb, ECHO_ID, seq);
}

static void check_nic_rx(struct nm_wire *w)
{
	static struct t_tap_bufs tb;

	t_tap_bufs_init(&tb, false);
	send_echo(4000);
	T_ASSERT(rx_echo(w, &tb, 4000));	/* lent */
	tb.b.prefer_copy = true;
	for (uint16_t i = 0; i < 20; i++)
		send_echo((uint16_t)(4100 + i));
	/* the first may have been read into a slot already (lent); the
	 * rest come through the NIC's buffers, in order */
	rx_echo(w, &tb, 4100);
	for (uint16_t i = 1; i < 20; i++)
		T_ASSERT(!rx_echo(w, &tb, (uint16_t)(4100 + i)) || i < 8);
	send_echo(4200);
	T_ASSERT(!rx_echo(w, &tb, 4200));	/* no read was left posted */
	tb.b.prefer_copy = false;
	send_echo(4300);
	T_ASSERT(rx_echo(w, &tb, 4300));	/* lent again */
}

static void check_other_thread(struct nm_wire *w)
{
	t_tap_echo_other_thread(w, ping_sock, ECHO_ID, 2000, 10);
}

/* With an fd floor set (the drop-in runtime's), the ring the first I/O
 * makes lies above it. */
static void check_floor(void)
{
	t_tap_check_fd_floor(NM_WIRE_TAP_IO_URING);
}

static void check_reopen(void)
{
	for (int i = 0; i < 20; i++) {
		struct nm_wire *w = t_tap_open(true, NULL);
		const uint8_t *f;
		uint32_t len;

		/* the first receive posts the reads */
		T_ASSERT(nm_wire_peek(w, &f, &len, NULL) == -EAGAIN || len > 0);
		nm_wire_destroy(w);
	}
}

int main(void)
{
	struct nm_wire_stats st;
	struct nm_wire *w;
	int r;

	setenv("NM_TAP_IO", "uring", 1);	/* not the reader thread, on many CPUs */
	r = t_enter_netns();
	if (r)
		return r;
	t_no_ipv6();
	w = t_tap_open(true, NULL);
	if (!nm_wire_can_lend(w)) {
		nm_wire_destroy(w);
		printf("SKIP: no io_uring here (the TAP runs on readv/writev)\n");
		return 77;
	}
	T_EQ(nm_wire_tap_io(w), NM_WIRE_TAP_IO_URING);
	t_tap_neigh(w, AF_INET, t_our_ip);
	ping_sock = t_echo_sock();
	check_rx(w);
	check_tx(w);
	check_nic_rx(w);
	check_other_thread(w);
	nm_wire_destroy(w);
	check_reopen();
	check_floor();

	/* the switch to the plain engine */
	setenv("NM_TAP_IO", "readv", 1);
	w = t_tap_open(true, NULL);
	T_ASSERT(!nm_wire_can_lend(w));
	T_EQ(nm_wire_tap_io(w), NM_WIRE_TAP_IO_READV);
	t_tap_neigh(w, AF_INET, t_our_ip);
	send_echo(7);
	{
		uint8_t buf[2048];
		uint64_t end = t_now_ms() + 3000;

		for (;;) {
			int n = nm_wire_rx_copy(w, &(struct iovec){ buf, sizeof(buf) }, 1, NULL);

			if (n > 0 && is_echo(buf, (uint32_t)n, 7))
				break;
			T_ASSERT(n > 0 || n == -EAGAIN);
			T_ASSERT(t_now_ms() < end);
		}
	}
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.rx_batches, 0);
	T_EQ(st.tx_batches, 0);
	nm_wire_destroy(w);
	close(ping_sock);
	T_PASS();
}
