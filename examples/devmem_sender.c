/* SPDX-License-Identifier: MIT */
/*
 * A minimal devmem TCP sender (Linux devmem TX uAPI, netmem flavour): it
 * connects to examples/devmem_receiver over the shm wire "devmem-example",
 * binds a dma-buf for TX, writes payload into it once, and sends from it
 * with sendmsg(MSG_ZEROCOPY) and an SCM_DEVMEM_DMABUF cmsg naming the
 * binding; iov_base is an offset into the dma-buf, not a pointer.
 * Completions come back on the error queue (MSG_ERRQUEUE).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
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

static int fail(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, nm_last_error());
	return 1;
}

int main(void)
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
	uint64_t sent = 0, sends = 0, done = 0;
	void *p;
	int memfd, sd, one = 1;

	/* our NIC on the receiver's wire, and a stack */
	if (nm_topo_create("rc0 { nic0 }", &topo) < 0 || nm_topo_device(topo, "nic0", &np.dev) < 0)
		return fail("topology");
	if (nm_wire_shm_connect("devmem-example", 10000, &w) < 0)
		return fail("shm wire devmem-example (start devmem_receiver first)");
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

	sd = nm_socket(st, AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "198.18.0.2", &dst.sin_addr);
	if (sd < 0 || nm_setsockopt(sd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) < 0 ||
	    nm_connect(sd, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		return fail("connect");
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
		if (n <= 0)
			return fail("sendmsg");
		sent += (uint64_t)n;
		sends++;
	}
	/* every send completes once the receiver acknowledged its bytes */
	while (done < sends) {
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
