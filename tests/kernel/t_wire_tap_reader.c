/* SPDX-License-Identifier: MIT */
/*
 * The TAP wire's reader-thread engine (src/nic/wire_tap_reader.c,
 * NM_TAP_IO=thread), with the kernel as the peer in the test's own
 * network namespace:
 *  1. the wire has one thread of its own ("nm-tap-rx"), started by the
 *     first receive-side call, not by open (netmem run holds the TAP open
 *     for its program and must not read the program's frames); the stack
 *     sleeps on an fd of the wire's (an epoll), not on the tun fd;
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
 *  5. transmit: inside a batch, while the reader is up (a flood of
 *     frames to read), small frames are queued for it and it writes them;
 *     while it sleeps they go at once; a large frame goes at once from
 *     the caller, after the ones queued before it; outside a batch a
 *     small frame goes at once; every frame reaches the kernel once, in
 *     order, and is counted;
 *  6. the NIC's way in: lent from the reader's slots; where the NIC
 *     prefers a copy (device memory) the reader stops and each next frame
 *     lands in the buffers get() offers, in order, the wire's fd waking
 *     the stack for them; lent again without the wish (or on a peek);
 *     frames in order under a wish that alternates call by call;
 *  7. another thread may drive the wire (the drop-in runtime's stack moves
 *     between threads): frames in order;
 *  8. a forked child that destroys its copy of the wire returns at once
 *     (it has no reader thread to stop) and the parent's reader goes on;
 *  9. destroy stops and joins the thread: 20 open/destroy cycles in a row,
 *     each destroy well under a second, no thread left behind;
 * 10. a TAP device deleted under the wire: every receive says ENOTCONN
 *     ("device is gone"), the fd stays readable for it;
 * 11. with an fd floor set (the drop-in runtime's, src/util/fd.h) the
 *     engine's own fds (eventfds, epoll) all lie above it;
 * 12. NM_TAP_IO with a value it does not know fails the open (EINVAL,
 *     saying which values it takes); unset, the engine is the reader
 *     thread where the opening thread may run on 2 CPUs or more, not
 *     where it may run on one.
 * Root only (77 without).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
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

static void recv_echo(struct nm_wire *w, uint16_t seq)
{
	t_tap_recv_echo(w, ECHO_ID, seq);
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
	/* every slot lent (however slowly a loaded machine reads them) ... */
	while (taken < NSLOTS) {
		r = peek_wait(w, &f, &len, 3000);
		T_ASSERT(r >= 0);
		if (t_is_echo(f, len, ECHO_ID, (uint16_t)(100 + seq)))
			seq++;
		nm_wire_hold(w);
		taken++;
	}
	/* ... and none more: the rest wait in tun */
	T_EQ(peek_wait(w, &f, &len, 300), -EAGAIN);
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

static _Atomic bool flood_on;

/* Echo requests as fast as the kernel takes them, so the reader is up. */
static void *flood(void *arg)
{
	uint64_t end = t_now_ms() + 10000;

	(void)arg;
	for (uint32_t i = 0; atomic_load(&flood_on) && t_now_ms() < end && i < 2000000; i++)
		t_echo_send(ping_sock, ECHO_ID + 1, (uint16_t)i);
	return NULL;
}

/* One batch: a, b (small), C (large: now, after a and b), d, e; every
 * datagram reaches the kernel once, in order.  Frames read meanwhile are
 * consumed, so the reader keeps its slots. */
static void tx_round(struct nm_wire *w, const uint8_t *kmac, int us)
{
	const char order[] = "abCde";
	const uint8_t *f;
	uint32_t len;

	nm_wire_tx_batch(w, true);
	t_tap_send_udp(w, kmac, UDP_PORT, 50, 'a');
	t_tap_send_udp(w, kmac, UDP_PORT, 60, 'b');
	t_tap_send_udp(w, kmac, UDP_PORT, 1000, 'C');	/* too large to queue */
	t_tap_send_udp(w, kmac, UDP_PORT, 70, 'd');
	t_tap_send_udp(w, kmac, UDP_PORT, 80, 'e');
	nm_wire_tx_batch(w, false);
	while (nm_wire_peek(w, &f, &len, NULL) >= 0)
		T_OK(nm_wire_consume(w));
	for (int i = 0; i < 5; i++)
		T_EQ(t_udp_tag(us, &len, 2000), order[i]);
	T_EQ(len, 80);
}

static void check_tx(struct nm_wire *w)
{
	struct nm_wire_stats st0, st;
	const uint8_t *f;
	uint64_t end;
	pthread_t th;
	uint8_t kmac[6];
	uint32_t len;
	int us, rounds = 0;

	t_tap_kernel_mac(w, kmac);
	us = t_udp_host_sock(UDP_PORT);
	/* the reader asleep: everything goes from this thread */
	T_OK(nm_wire_get_stats(w, &st0, sizeof(st0)));
	for (int i = 0; i < 20; i++)
		tx_round(w, kmac, us);
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.tx_frames - st0.tx_frames, 100);
	/* the reader busy with a flood: small frames are queued for it */
	atomic_store(&flood_on, true);
	T_ASSERT(pthread_create(&th, NULL, flood, NULL) == 0);
	end = t_now_ms() + 5000;
	do {
		tx_round(w, kmac, us);
		rounds++;
		T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	} while ((st.tx_batches - st0.tx_batches < 20 || rounds < 50) && t_now_ms() < end);
	atomic_store(&flood_on, false);
	T_ASSERT(pthread_join(th, NULL) == 0);
	printf("tx: %d rounds under a flood, %llu batches written by the reader\n", rounds,
	       (unsigned long long)(st.tx_batches - st0.tx_batches));
	T_ASSERT(st.tx_batches - st0.tx_batches >= 1);
	T_EQ(st.tx_frames - st0.tx_frames, 100 + 5 * (uint64_t)rounds);
	T_EQ(st.tx_dropped, st0.tx_dropped);
	/* outside a batch a small frame goes at once */
	t_tap_send_udp(w, kmac, UDP_PORT, 40, 'f');
	T_EQ(t_udp_tag(us, &len, 2000), 'f');
	close(us);
	while (peek_wait(w, &f, &len, 200) >= 0)	/* the rest of the flood */
		T_OK(nm_wire_consume(w));
}

static bool rx_echo(struct nm_wire *w, struct t_tap_bufs *tb, uint16_t seq)
{
	return t_tap_rx_echo(w, tb, ECHO_ID, seq);
}

/* The NIC's wish, held for long enough to change the engine's mode (a
 * wish that flips from one call to the next does not). */
static void wish(struct nm_wire *w, struct t_tap_bufs *tb, bool copy)
{
	struct nm_wire_frame f;

	tb->b.prefer_copy = copy;
	for (int i = 0; i < 16; i++)
		T_EQ(nm_wire_rx(w, &tb->b, &f), -EAGAIN);
	usleep(10000);		/* the reader sees it */
}

/* Lent unless the NIC prefers a copy (device memory): then the reader
 * stops and each frame lands in the NIC's buffers, in order. */
static void check_nic_rx(struct nm_wire *w)
{
	static struct t_tap_bufs tb;
	struct pollfd pfd = { .fd = nm_wire_get_fd(w), .events = POLLIN };

	t_tap_bufs_init(&tb, false);
	t_echo_send(ping_sock, ECHO_ID, 4000);
	T_ASSERT(rx_echo(w, &tb, 4000));		/* lent */
	tb.b.prefer_copy = true;
	for (uint16_t i = 0; i < 20; i++)
		t_echo_send(ping_sock, ECHO_ID, (uint16_t)(4100 + i));
	/* those the reader read before it paused come lent, the rest through
	 * the NIC's buffers; all in order */
	for (uint16_t i = 0; i < 20; i++)
		rx_echo(w, &tb, (uint16_t)(4100 + i));
	for (int i = 0; i < 3; i++) {
		T_EQ(nm_wire_arm(w), 0);
		T_EQ(poll(&pfd, 1, 0), 0);
		t_echo_send(ping_sock, ECHO_ID, (uint16_t)(4200 + i));
		T_EQ(poll(&pfd, 1, 3000), 1);		/* the tun fd wakes us */
		T_ASSERT(!rx_echo(w, &tb, (uint16_t)(4200 + i)));	/* not read by the thread */
	}
	wish(w, &tb, false);
	t_echo_send(ping_sock, ECHO_ID, 4300);
	T_ASSERT(rx_echo(w, &tb, 4300));		/* lent again */
	/* a wish that alternates call by call: frames still in order (the
	 * mode stays as it is; that the switch is not made per call is not
	 * visible from here, only its cost would be) */
	for (uint16_t i = 0; i < 10; i++)
		t_echo_send(ping_sock, ECHO_ID, (uint16_t)(4500 + i));
	usleep(50000);
	for (uint16_t i = 0; i < 10; i++) {
		tb.b.prefer_copy = i % 2;
		T_ASSERT(rx_echo(w, &tb, (uint16_t)(4500 + i)));	/* lent */
	}
	wish(w, &tb, true);				/* paused again, then peek resumes */
	t_echo_send(ping_sock, ECHO_ID, 4400);
	T_ASSERT(!rx_echo(w, &tb, 4400));
	t_echo_send(ping_sock, ECHO_ID, 4401);
	recv_echo(w, 4401);
}

static void check_other_thread(struct nm_wire *w)
{
	t_tap_echo_other_thread(w, ping_sock, ECHO_ID, 2000, 10);
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

static void check_floor(void)
{
	t_tap_check_fd_floor(NM_WIRE_TAP_IO_THREAD);
}

/* The default engine follows the CPUs the opening thread may run on. */
static void check_default(void)
{
	cpu_set_t all, one;
	struct nm_wire *w;

	unsetenv("NM_TAP_IO");
	T_OK(sched_getaffinity(0, sizeof(all), &all));
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &all)) {
			CPU_SET(c, &one);
			break;
		}
	T_OK(sched_setaffinity(0, sizeof(one), &one));
	w = t_tap_open(true, NULL);
	T_ASSERT(nm_wire_tap_io(w) != NM_WIRE_TAP_IO_THREAD);
	nm_wire_destroy(w);
	T_OK(sched_setaffinity(0, sizeof(all), &all));
	w = t_tap_open(true, NULL);
	if (CPU_COUNT(&all) >= 2)
		T_EQ(nm_wire_tap_io(w), NM_WIRE_TAP_IO_THREAD);
	else
		printf("one CPU here: the reader thread's default not checked\n");
	nm_wire_destroy(w);
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
	check_floor();
	check_default();

	setenv("NM_TAP_IO", "threads", 1);
	T_EQ(nm_wire_tap_open(&bad, &w), -EINVAL);
	T_ASSERT(strstr(nm_last_error(), "NM_TAP_IO=threads") != NULL);
	T_ASSERT(w == NULL);
	close(ping_sock);
	T_PASS();
}
