/* SPDX-License-Identifier: MIT */
/*
 * A minimal devmem TCP sender (Linux devmem TX uAPI, netmem flavour): it
 * connects to examples/devmem_receiver over the shm wire "devmem-example",
 * binds a dma-buf for TX, writes payload into it once, and sends from it
 * with sendmsg(MSG_ZEROCOPY) and an SCM_DEVMEM_DMABUF cmsg naming the
 * binding; iov_base is an offset into the dma-buf, not a pointer.
 * Completions come back on the error queue (MSG_ERRQUEUE).
 *
 * No wait is forever: --timeout SEC (default 10) bounds the wait for the
 * receiver's wire (started before or after this sender), the connect, each
 * send (SO_SNDTIMEO) and the wait for the last completions.  --help prints
 * the usage; a wrong argument gets it on stderr, exit 2; every other
 * failure is one line naming the step that failed, exit 1.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* memfd_create */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <netmem/ctl.h>
#include <netmem/devmem.h>
#include <netmem/dmabuf.h>
#include <netmem/error.h>
#include <netmem/netdev.h>
#include <netmem/pci.h>
#include <netmem/socket.h>
#include <netmem/stack.h>
#include <netmem/wire.h>

#define PORT		5201
#define BUF_SIZE	(1u << 20)
#define TOTAL		(64u << 20)
#define TIMEOUT_S	10	/* --timeout's default */
#define PROG		"devmem_sender"

static int fail(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, nm_last_error());
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [--timeout SEC]\n"
		"  Send %u MiB with devmem TX to examples/devmem_receiver over the shm wire\n"
		"  devmem-example (port %d).\n"
		"  --timeout SEC  give up after SEC seconds without the receiver or without\n"
		"                 progress (default %d)\n"
		"  -h, --help     this text\n", TOTAL >> 20, PORT, TIMEOUT_S);
}

/* --timeout in seconds; 0 after --help; -1 on bad usage (said). */
static int parse_args(int argc, char **argv)
{
	int timeout_s = TIMEOUT_S;

	for (int i = 1; i < argc; i++) {
		char *end;
		long v;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--timeout")) {
			fprintf(stderr, PROG ": %s '%s'\n", argv[i][0] == '-' ? "unknown option" :
				"unexpected argument", argv[i]);
			goto err_usage;
		}
		v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
		if (i + 1 >= argc || *end || !argv[i + 1][0] || v < 1 || v > 86400) {
			fprintf(stderr, PROG ": --timeout wants seconds in [1, 86400]\n");
			goto err_usage;
		}
		timeout_s = (int)v;
		i++;
	}
	return timeout_s;

err_usage:
	usage(stderr);
	return -1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The receiver's wire; it may not be there yet: try until the deadline. */
static int connect_wire(int timeout_s, struct nm_wire **w)
{
	uint64_t end = now_ms() + (uint64_t)timeout_s * 1000;
	int r;

	while ((r = nm_wire_shm_connect("devmem-example", 1000, w)) == -ECONNREFUSED &&
	       now_ms() < end)
		usleep(20000);
	if (r == -ECONNREFUSED)
		fprintf(stderr, PROG ": no devmem_receiver waits on shm wire devmem-example "
			"(waited %d s; start examples/devmem_receiver)\n", timeout_s);
	else if (r < 0)
		fail("shm wire devmem-example");
	return r;
}

int main(int argc, char **argv)
{
	struct nm_netdev_params np = { .name = "nm1", .rx_queues = 1, .tx_queues = 1 };
	struct nm_iface_params ip = { .addr4 = "198.18.0.1/24" };
	struct nm_stack_params sp = { 0 };
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct nm_topo *topo;
	struct nm_wire *w;
	struct nm_netdev *nd;
	struct nm_stack *st;
	struct nm_ctl *ctl;
	struct nm_dmabuf *buf;
	uint32_t id;
	uint64_t sent = 0, sends = 0, done = 0, end;
	struct timeval tv;
	void *p;
	int memfd, sd, one = 1, timeout_s = parse_args(argc, argv);

	if (timeout_s <= 0)
		return timeout_s ? 2 : 0;
	/* our NIC on the receiver's wire, and a stack */
	if (nm_topo_create("rc0 { nic0 }", &topo) < 0 || nm_topo_get_device(topo, "nic0", &np.dev) < 0)
		return fail("topology");
	if (connect_wire(timeout_s, &w) < 0)
		return 1;
	np.wire = w;
	if (nm_netdev_create(&np, &nd) < 0 || nm_stack_create(&sp, &st) < 0)
		return fail("netdev/stack");
	ip.nd = nd;
	if (nm_stack_add_iface(st, &ip) < 0)
		return fail("interface");

	/* a dma-buf with the payload, bound for TX (bind-tx) */
	memfd = memfd_create("devmem-tx", MFD_ALLOW_SEALING);
	if (memfd < 0 || ftruncate(memfd, BUF_SIZE) < 0 || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0 ||
	    nm_udmabuf_create(memfd, 0, BUF_SIZE, 0, &buf) < 0)
		return fail("dma-buf");
	close(memfd);
	if (nm_dmabuf_begin_cpu_access(buf, 0, BUF_SIZE, NM_DMA_TO_DEVICE, &p) < 0)
		return fail("CPU window");
	for (uint32_t i = 0; i < BUF_SIZE; i++)
		((uint8_t *)p)[i] = (uint8_t)i;
	nm_dmabuf_end_cpu_access(buf, 0, BUF_SIZE, NM_DMA_TO_DEVICE);
	if (nm_ctl_open(&ctl) < 0 || nm_ctl_bind_tx(ctl, nm_netdev_ifindex(nd), buf, &id) < 0)
		return fail("bind-tx");

	/* connect and every send wait at most --timeout (SO_SNDTIMEO) */
	tv = (struct timeval){ timeout_s, 0 };
	sd = nm_socket(st, AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "198.18.0.2", &dst.sin_addr);
	if (sd < 0 || nm_setsockopt(sd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) < 0 ||
	    nm_setsockopt(sd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return fail("socket");
	if (nm_connect(sd, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		return fail("connect to 198.18.0.2 port 5201");
	while (sent < TOTAL) {
		char ctrl[CMSG_SPACE(sizeof(uint32_t))] = { 0 };
		/* iov_base: an offset into the dma-buf (4096 here), not a pointer */
		struct iovec iov = { (void *)(uintptr_t)4096, BUF_SIZE - 4096 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl,
				      .msg_controllen = sizeof(ctrl) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		ssize_t n;

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_DEVMEM_DMABUF;
		cm->cmsg_len = CMSG_LEN(sizeof(uint32_t));
		memcpy(CMSG_DATA(cm), &id, sizeof(id));
		n = nm_sendmsg(sd, &msg, MSG_ZEROCOPY);
		if (n == -EAGAIN) {
			fprintf(stderr, PROG ": sendmsg: no progress for %d s after %llu bytes (the "
				"receiver does not read)\n", timeout_s, (unsigned long long)sent);
			return 1;
		}
		if (n <= 0)
			return fail("sendmsg(SCM_DEVMEM_DMABUF, MSG_ZEROCOPY)");
		sent += (uint64_t)n;
		sends++;
	}
	/* every send completes once the receiver acknowledged its bytes */
	end = now_ms() + (uint64_t)timeout_s * 1000;
	while (done < sends) {
		if (now_ms() > end) {
			fprintf(stderr, PROG ": %llu of %llu sends completed within %d s (the "
				"receiver did not acknowledge the rest)\n", (unsigned long long)done,
				(unsigned long long)sends, timeout_s);
			return 1;
		}
		char c[CMSG_SPACE(sizeof(struct sock_extended_err) + 64)];
		struct msghdr m = { .msg_control = c, .msg_controllen = sizeof(c) };

		if (nm_recvmsg(sd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			nm_stack_poll(st, 10);
			continue;
		}
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
			struct sock_extended_err *ee = (struct sock_extended_err *)CMSG_DATA(cm);

			if (ee->ee_origin == SO_EE_ORIGIN_ZEROCOPY)
				done += ee->ee_data - ee->ee_info + 1;
		}
	}
	printf("sent %llu bytes from device memory in %llu sendmsg calls, all completed\n",
	       (unsigned long long)sent, (unsigned long long)sends);
	nm_close(sd);
	for (int i = 0; i < 100; i++)	/* let the FIN go out and be acked */
		nm_stack_poll(st, 10);
	return 0;
}
