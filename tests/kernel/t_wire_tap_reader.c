/* SPDX-License-Identifier: MIT */
/*
 * The TAP wire's reader-thread engine (src/nic/wire_tap_reader.c,
 * NM_TAP_IO=thread), with the kernel as the peer in the test's own
 * network namespace:
 *  1. the wire has one thread of its own ("nm-tap-rx"), started by the
 *     first receive-side call, not by open (netmem run holds the TAP open
 *     for its program and must not read the program's frames); the stack
 *     sleeps on an eventfd of the wire's, not on the tun fd;
 *  2. frames the kernel sends (ICMP echo requests) are lent in order; a
 *     held frame's bytes stay as they were while later ones are read;
 *     hold says "pressure" past half of the 64 slots; release gives frames
 *     back oldest first (-EINVAL past what is held);
 *  3. with every slot lent the reader stops (the rest wait in tun's
 *     queue, none lost) and goes on, in order, once slots come back;
 *  4. sleep and wake-up: arm says 0 with nothing read and the fd is not
 *     readable; a frame that arrives makes it readable; once that frame
 *     is taken and arm is called again, the fd is quiet again (no
 *     wake-up left over to spin on); arm says 1 with a frame waiting;
 *  4b. transmit: inside a batch small frames are queued for the reader
 *     thread, which writes them (woken at the end of the batch, where it
 *     sleeps); a large frame goes at once from the caller, after the ones
 *     queued before it; outside a batch a small frame goes at once; every
 *     frame reaches the kernel once, in order, and is counted;
 *  5. the NIC's way in lends even where the NIC prefers a copy (the
 *     frame is read already: get() is never called);
 *  6. another thread may drive the wire (the drop-in runtime's stack moves
 *     between threads): frames in order;
 *  7. a forked child that destroys its copy of the wire returns at once
 *     (it has no reader thread to stop) and the parent's reader goes on;
 *  8. destroy stops and joins the thread: 20 open/destroy cycles in a row,
 *     each destroy well under a second, no thread left behind;
 *  9. a TAP device deleted under the wire: every receive says ENOTCONN
 *     ("device is gone"), the fd stays readable for it;
 * 10. NM_TAP_IO with a value it does not know fails the open (EINVAL,
 *     saying which values it takes).
 * Root only (77 without).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "t_kernel.h"
#include "nic/wire_drv.h"

#define ECHO_ID		0x4e56
#define UDP_PORT	9101
#define NSLOTS		64	/* the engine's slots */
#define NSTALL		(NSLOTS + 16)

static int ping_sock;

/* Threads of this process named "nm-tap-rx". */
static int reader_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	T_ASSERT(d != NULL);
	while ((e = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;	/* a thread that just ended */
		if (fgets(comm, sizeof(comm), f) && strncmp(comm, "nm-tap-rx", 9) == 0)
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/* The next frame, waiting up to ms on the wire's fd; -EAGAIN after that. */
static int peek_wait(struct nm_wire *w, const uint8_t **f, uint32_t *len, int ms)
{
	struct pollfd pfd = { .fd = nm_wire_get_fd(w), .events = POLLIN };
	uint64_t end = t_now_ms() + (uint64_t)ms;

	for (;;) {
		int r = nm_wire_peek(w, f, len, NULL);

		if (r != -EAGAIN || t_now_ms() >= end)
			return r;
		if (nm_wire_arm(w) == 0)
			poll(&pfd, 1, 20);
	}
}

/* Take frames until the echo request seq comes (others are consumed). */
static void recv_echo(struct nm_wire *w, uint16_t seq)
{
	const uint8_t *f;
	uint32_t len;

	for (;;) {
		int r = peek_wait(w, &f, &len, 3000);
		bool hit;

		T_ASSERT(r >= 0);
		hit = t_is_echo(f, len, ECHO_ID, seq);
		T_OK(nm_wire_consume(w));
		if (hit)
			return;
	}
}

static void check_lend(struct nm_wire *w)
{
	const uint8_t *frames[40], *f;
	uint32_t len, n = 0, taken = 0;

	for (uint16_t i = 0; i < 40; i++)
		t_echo_send(ping_sock, ECHO_ID, i);
	while (n < 40) {
		int r = peek_wait(w, &f, &len, 3000);

		T_ASSERT(r >= 0);
		if (t_is_echo(f, len, ECHO_ID, (uint16_t)n))	/* in order, each once */
			frames[n++] = f;
		else
			T_ASSERT(!t_is_ipv4(f, len, T_IPPROTO_ICMP) || t_get16(f + 38) != ECHO_ID);
		/* everything held, so the slot count is exact */
		r = nm_wire_hold(w);
		T_EQ(r, ++taken > NSLOTS / 2);
	}
	for (uint16_t i = 0; i < 40; i++)
		T_ASSERT(t_is_echo(frames[i], T_ECHO_FRAME, ECHO_ID, i));
	T_EQ(nm_wire_release(w, taken + 1), -EINVAL);
	T_EQ(nm_wire_release(w, taken - 20), 0);	/* 20 held: no pressure */
	T_OK(nm_wire_release(w, 20));
	T_EQ(nm_wire_release(w, 1), -EINVAL);
	t_echo_send(ping_sock, ECHO_ID, 1000);		/* released slots read again */
	recv_echo(w, 1000);
}

/* Every slot held: the reader stops; released, it goes on, in order. */
static void check_stall(struct nm_wire *w)
{
	const uint8_t *f;
	uint32_t len, taken = 0, seq = 0;
	int r;

	for (uint16_t i = 0; i < NSTALL; i++)
		t_echo_send(ping_sock, ECHO_ID, (uint16_t)(100 + i));
	while ((r = peek_wait(w, &f, &len, 300)) >= 0) {
		if (t_is_echo(f, len, ECHO_ID, (uint16_t)(100 + seq)))
			seq++;
		nm_wire_hold(w);
		taken++;
	}
	T_EQ(r, -EAGAIN);
	T_EQ(taken, NSLOTS);		/* no slot left: the rest wait in tun */
	T_ASSERT(seq < NSTALL);
	T_OK(nm_wire_release(w, taken));
	while (seq < NSTALL) {
		r = peek_wait(w, &f, &len, 3000);
		T_ASSERT(r >= 0);
		if (t_is_echo(f, len, ECHO_ID, (uint16_t)(100 + seq)))
			seq++;
		T_OK(nm_wire_consume(w));
	}
}

static void check_wake(struct nm_wire *w)
{
	struct pollfd pfd = { .fd = nm_wire_get_fd(w), .events = POLLIN };
	const uint8_t *f;
	uint32_t len;

	/* drain: nothing waits, and the kernel has nothing more to send */
	while (peek_wait(w, &f, &len, 200) >= 0)
		T_OK(nm_wire_consume(w));
	for (int round = 0; round < 3; round++) {
		T_EQ(nm_wire_arm(w), 0);
		T_EQ(poll(&pfd, 1, 0), 0);
		t_echo_send(ping_sock, ECHO_ID, (uint16_t)(3000 + round));
		T_EQ(poll(&pfd, 1, 3000), 1);		/* the reader woke us */
		usleep(2000);
		T_EQ(nm_wire_arm(w), 1);		/* a frame waits: do not sleep */
		recv_echo(w, (uint16_t)(3000 + round));
	}
	T_EQ(nm_wire_arm(w), 0);
	T_EQ(poll(&pfd, 1, 50), 0);			/* quiet again */
}

static void check_tx(struct nm_wire *w)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(UDP_PORT) };
	const char order[] = "abCde";
	struct nm_wire_stats st0, st;
	uint8_t kmac[6];
	uint32_t len;
	int us;

	t_tap_kernel_mac(w, kmac);
	memcpy(&a.sin_addr, t_host_ip, 4);
	us = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	T_ASSERT(us >= 0);
	T_OK(bind(us, (struct sockaddr *)&a, sizeof(a)));
	T_OK(nm_wire_get_stats(w, &st0, sizeof(st0)));
	for (int round = 0; round < 50; round++) {
		nm_wire_tx_batch(w, true);
		t_tap_send_udp(w, kmac, UDP_PORT, 50, 'a');
		t_tap_send_udp(w, kmac, UDP_PORT, 60, 'b');
		t_tap_send_udp(w, kmac, UDP_PORT, 1000, 'C');	/* too large to queue */
		t_tap_send_udp(w, kmac, UDP_PORT, 70, 'd');
		t_tap_send_udp(w, kmac, UDP_PORT, 80, 'e');
		nm_wire_tx_batch(w, false);	/* d and e: the reader, woken */
		for (int i = 0; i < 5; i++)
			T_EQ(t_udp_tag(us, &len, 2000), order[i]);
		T_EQ(len, 80);
		if (round % 10 == 9)
			usleep(20000);	/* the reader asleep on the fd when the next comes */
	}
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.tx_frames - st0.tx_frames, 250);
	T_ASSERT(st.tx_batches - st0.tx_batches >= 50);	/* a+b before C, d+e after */
	T_EQ(st.tx_dropped, st0.tx_dropped);
	/* outside a batch a small frame goes at once */
	t_tap_send_udp(w, kmac, UDP_PORT, 40, 'f');
	T_EQ(t_udp_tag(us, &len, 2000), 'f');
	close(us);
}

struct t_bufs {
	struct nm_wire_rxbufs b;	/* first */
	int gets;
};

static int t_get(struct nm_wire_rxbufs *b, struct iovec *iov, unsigned max)
{
	(void)iov;
	(void)max;
	((struct t_bufs *)b)->gets++;
	return -ENOBUFS;
}

static void check_nic_rx(struct nm_wire *w)
{
	struct t_bufs tb = { .b = { .get = t_get, .prefer_copy = true } };
	uint64_t end = t_now_ms() + 3000;
	struct nm_wire_frame fr;

	t_echo_send(ping_sock, ECHO_ID, 4000);
	for (;;) {
		int r = nm_wire_rx(w, &tb.b, &fr);

		if (r == 0) {
			bool hit = fr.data && t_is_echo(fr.data, fr.len, ECHO_ID, 4000);

			T_ASSERT(fr.data != NULL);	/* lent */
			T_OK(nm_wire_consume(w));
			if (hit)
				break;
			continue;
		}
		T_EQ(r, -EAGAIN);
		T_ASSERT(t_now_ms() < end);
		usleep(1000);
	}
	T_EQ(tb.gets, 0);
}

static void *other_thread(void *arg)
{
	struct nm_wire *w = arg;

	for (uint16_t i = 0; i < 10; i++) {
		t_echo_send(ping_sock, ECHO_ID, (uint16_t)(2000 + i));
		recv_echo(w, (uint16_t)(2000 + i));
	}
	return NULL;
}

static void check_other_thread(struct nm_wire *w)
{
	pthread_t th;

	T_ASSERT(pthread_create(&th, NULL, other_thread, w) == 0);
	T_ASSERT(pthread_join(th, NULL) == 0);
	t_echo_send(ping_sock, ECHO_ID, 2500);
	recv_echo(w, 2500);
}

static void check_fork(struct nm_wire *w)
{
	uint64_t t0 = t_now_ms();
	int status;
	pid_t pid = fork();

	T_ASSERT(pid >= 0);
	if (pid == 0) {
		nm_wire_destroy(w);	/* no thread here to stop: must not wait */
		_exit(0);
	}
	T_EQ(waitpid(pid, &status, 0), pid);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	T_ASSERT(t_now_ms() - t0 < 2000);
	T_EQ(reader_threads(), 1);
	t_echo_send(ping_sock, ECHO_ID, 5000);	/* the parent's reader goes on */
	recv_echo(w, 5000);
}

static void check_reopen(void)
{
	for (int i = 0; i < 20; i++) {
		struct nm_wire *w = t_tap_open(true, NULL);
		const uint8_t *f;
		uint32_t len;
		uint64_t t0;

		T_EQ(reader_threads(), 0);
		T_ASSERT(nm_wire_peek(w, &f, &len, NULL) == -EAGAIN || len > 0);
		T_EQ(reader_threads(), 1);
		t0 = t_now_ms();
		nm_wire_destroy(w);
		T_ASSERT(t_now_ms() - t0 < 1000);
		T_EQ(reader_threads(), 0);
	}
}

static void check_gone(void)
{
	struct nm_wire *w = t_tap_open(true, NULL);
	struct pollfd pfd = { .fd = nm_wire_get_fd(w), .events = POLLIN };
	const uint8_t *f;
	uint32_t len;

	T_EQ(system("ip link del nmtap0"), 0);
	for (int i = 0; i < 3; i++) {
		int r = peek_wait(w, &f, &len, 3000);

		T_EQ(r, -ENOTCONN);
		T_ASSERT(strstr(nm_last_error(), "device is gone") != NULL);
		T_EQ(nm_wire_arm(w), 1);
		T_EQ(poll(&pfd, 1, 0), 1);
	}
	nm_wire_destroy(w);
}

int main(void)
{
	struct nm_wire_tap_params bad = { .ifname = "nmtap9" };
	struct nm_wire *w;
	int r;

	setenv("NM_TAP_IO", "thread", 1);
	r = t_enter_netns();
	if (r)
		return r;
	t_no_ipv6();
	T_EQ(reader_threads(), 0);
	w = t_tap_open(true, NULL);
	T_EQ(reader_threads(), 0);		/* open reads nothing */
	T_EQ(nm_wire_tap_io(w), NM_WIRE_TAP_IO_THREAD);
	T_EQ(nm_wire_tap_io(NULL), -EINVAL);
	T_ASSERT(nm_wire_can_lend(w));
	T_ASSERT(nm_wire_get_fd(w) >= 0);
	T_EQ(reader_threads(), 1);
	T_ASSERT(nm_wire_get_fd(w) != nm_wire_tap_fd(w));
	t_tap_neigh(w, AF_INET, t_our_ip);
	ping_sock = t_echo_sock();
	check_lend(w);
	check_stall(w);
	check_wake(w);
	check_tx(w);
	check_nic_rx(w);
	check_other_thread(w);
	check_fork(w);
	nm_wire_destroy(w);
	T_EQ(reader_threads(), 0);
	check_reopen();
	check_gone();

	setenv("NM_TAP_IO", "threads", 1);
	T_EQ(nm_wire_tap_open(&bad, &w), -EINVAL);
	T_ASSERT(strstr(nm_last_error(), "NM_TAP_IO=threads") != NULL);
	T_ASSERT(w == NULL);
	close(ping_sock);
	T_PASS();
}
