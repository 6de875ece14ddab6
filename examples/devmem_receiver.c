/* SPDX-License-Identifier: MIT */
/*
 * A minimal devmem TCP receiver, written against the Linux devmem uAPI
 * (Documentation/networking/devmem.rst).
 *
 * Default build (netmem): the receiver brings up its own virtual NIC on a
 * cross-process shm wire named "devmem-example", binds a memfd dma-buf to
 * RX queue 1, steers port 5201 there and prints what arrives.  Run
 * examples/devmem_sender in another shell to feed it (no root needed).
 *
 * -DNM_KERNEL_DEVMEM: the same receive loop on real kernel devmem (Linux
 * 6.12+, a NIC with header split and flow steering, /dev/udmabuf):
 * socket calls are the kernel's (nm_recvmsg -> recvmsg, ...), the dma-buf
 * comes from /dev/udmabuf and bind-rx is a generic netlink request to the
 * "netdev" family, like ncdevmem.  Usage there: devmem_receiver IFNAME
 * QUEUE (steer the flow with ethtool -N first, as ncdevmem does).
 *
 * Either way the loop is: recvmsg(MSG_SOCK_DEVMEM) -> SCM_DEVMEM_DMABUF
 * cmsgs (offset, size, token) -> read the payload in the dma-buf ->
 * SO_DEVMEM_DONTNEED the tokens back.
 *
 * No wait is forever: --timeout SEC (default 60) bounds the wait for the
 * sender (its shm wire, here), for its connection (SO_RCVTIMEO on the
 * listener) and for each piece of data (SO_RCVTIMEO on the connection).
 * --help prints the usage; a wrong argument gets it on stderr, exit 2.
 * Every other failure is one line naming the call or the file that
 * failed, exit 1.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* memfd_create, F_ADD_SEALS */
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define PORT		5201
#define BUF_SIZE	(16u << 20)
#define TIMEOUT_S	60	/* --timeout's default */

struct opts {
	int timeout_s;		/* every wait's bound */
	const char *ifname;	/* kernel build: the NIC ... */
	uint32_t queue;		/* ... and its RX queue to bind */
};

#ifdef NM_KERNEL_DEVMEM
/* ---- the kernel: plain sockets, /dev/udmabuf, netlink bind-rx ---------- */
#include <linux/dma-buf.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/udmabuf.h>
#include <net/if.h>
#include <sys/ioctl.h>

#ifndef MSG_SOCK_DEVMEM
#define MSG_SOCK_DEVMEM 0x2000000
#define SO_DEVMEM_LINEAR 78
#define SCM_DEVMEM_LINEAR SO_DEVMEM_LINEAR
#define SO_DEVMEM_DMABUF 79
#define SCM_DEVMEM_DMABUF SO_DEVMEM_DMABUF
#define SO_DEVMEM_DONTNEED 80
struct dmabuf_cmsg { uint64_t frag_offset; uint32_t frag_size, frag_token, dmabuf_id, flags; };
struct dmabuf_token { uint32_t token_start, token_count; };
#endif
#define xsocket(st, d, t, p)	socket(d, t, p)
#define xbind			bind
#define xlisten			listen
#define xaccept			accept
#define xrecvmsg		recvmsg
#define xsetsockopt		setsockopt
#define xclose			close
#define errmsg()		strerror(errno)
#define ERR(r)			((r) < 0)
#define TIMED_OUT(r)		((r) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
#define PROG			"devmem_receiver_kernel"
typedef void stack_t_;

static char *buf_mem;
static int buf_fd;

/* Append one netlink attribute; returns the next free byte. */
static char *nla_put(char *p, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)p;

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy(p + NLA_HDRLEN, data, len);
	return p + NLA_ALIGN(a->nla_len);
}

/* One generic netlink request; returns the reply's length. */
static int genl_call(int fd, char *msg, size_t len, char *reply, size_t rlen)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)msg;
	int n;

	nh->nlmsg_len = (uint32_t)len;
	if (send(fd, msg, len, 0) < 0 || (n = (int)recv(fd, reply, rlen, 0)) < 0)
		return -errno;
	nh = (struct nlmsghdr *)reply;
	if (nh->nlmsg_type == NLMSG_ERROR)
		return ((struct nlmsgerr *)NLMSG_DATA(nh))->error ?: -EPROTO;
	return n;
}

/* The attribute type of the first attribute of a genl reply with that type. */
static const struct nlattr *genl_attr(const char *reply, int len, uint16_t type)
{
	const struct nlmsghdr *nh = (const void *)reply;
	const char *p = (const char *)NLMSG_DATA(nh) + GENL_HDRLEN, *end = reply + len;

	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const void *)p;

		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		p += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/* bind-rx (netdev family, NETDEV_CMD_BIND_RX = 13): the netlink socket fd
 * must stay open as long as the binding is wanted. */
static int bind_rx(int ifindex, int dmabuf_fd, uint32_t queue, uint32_t *id)
{
	char msg[512] = { 0 }, reply[8192], *p;
	struct genlmsghdr *g;
	const struct nlattr *a;
	uint16_t family;
	int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC), n;

	if (fd < 0)
		return -errno;
	/* resolve the family id of "netdev" */
	((struct nlmsghdr *)msg)->nlmsg_type = GENL_ID_CTRL;
	((struct nlmsghdr *)msg)->nlmsg_flags = NLM_F_REQUEST;
	g = NLMSG_DATA((struct nlmsghdr *)msg);
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	p = nla_put((char *)g + GENL_HDRLEN, CTRL_ATTR_FAMILY_NAME, "netdev", 7);
	n = genl_call(fd, msg, (size_t)(p - msg), reply, sizeof(reply));
	if (n < 0 || !(a = genl_attr(reply, n, CTRL_ATTR_FAMILY_ID))) {
		close(fd);
		return -ENOENT;		/* no "netdev" family: before Linux 6.12 */
	}
	memcpy(&family, (const char *)a + NLA_HDRLEN, 2);
	/* bind-rx: ifindex, fd, queues { id, type = rx } */
	memset(msg, 0, sizeof(msg));
	((struct nlmsghdr *)msg)->nlmsg_type = family;
	((struct nlmsghdr *)msg)->nlmsg_flags = NLM_F_REQUEST;
	g = NLMSG_DATA((struct nlmsghdr *)msg);
	g->cmd = 13;			/* NETDEV_CMD_BIND_RX */
	g->version = 1;
	p = (char *)g + GENL_HDRLEN;
	p = nla_put(p, 1, &ifindex, 4);		/* NETDEV_A_DMABUF_IFINDEX */
	p = nla_put(p, 3, &dmabuf_fd, 4);	/* NETDEV_A_DMABUF_FD */
	{
		char q[32], *qp = q;
		uint32_t type = 0;		/* NETDEV_QUEUE_TYPE_RX */

		qp = nla_put(qp, 1, &queue, 4);	/* NETDEV_A_QUEUE_ID */
		qp = nla_put(qp, 3, &type, 4);	/* NETDEV_A_QUEUE_TYPE */
		p = nla_put(p, 2 | NLA_F_NESTED, q, (uint16_t)(qp - q));	/* QUEUES */
	}
	n = genl_call(fd, msg, (size_t)(p - msg), reply, sizeof(reply));
	if (n < 0 || !(a = genl_attr(reply, n, 4))) {	/* NETDEV_A_DMABUF_ID */
		close(fd);
		return n < 0 ? n : -EPROTO;
	}
	memcpy(id, (const char *)a + NLA_HDRLEN, 4);
	return fd;	/* keep it open: closing it unbinds */
}

/* Each step that fails says which call or file, in one line. */
static int setup(const struct opts *o, stack_t_ **st, uint32_t *dmabuf_id)
{
	struct udmabuf_create c = { .size = BUF_SIZE };
	int dev, memfd, fd, ifindex, r;

	(void)st;
	ifindex = (int)if_nametoindex(o->ifname);
	if (!ifindex) {
		fprintf(stderr, PROG ": interface %s: %s\n", o->ifname, strerror(errno));
		return -1;
	}
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, PROG ": open /dev/udmabuf: %s (the dma-buf comes from the kernel's "
			"udmabuf driver: modprobe udmabuf)\n", strerror(errno));
		return -1;
	}
	memfd = memfd_create("devmem-example", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, BUF_SIZE) < 0 ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		fprintf(stderr, PROG ": memfd for the dma-buf: %s\n", strerror(errno));
		return -1;
	}
	c.memfd = (uint32_t)memfd;
	fd = ioctl(dev, UDMABUF_CREATE, &c);
	if (fd < 0) {
		fprintf(stderr, PROG ": ioctl(/dev/udmabuf, UDMABUF_CREATE): %s\n", strerror(errno));
		return -1;
	}
	buf_fd = fd;
	buf_mem = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (buf_mem == MAP_FAILED) {
		fprintf(stderr, PROG ": mmap of the dma-buf: %s\n", strerror(errno));
		return -1;
	}
	r = bind_rx(ifindex, fd, o->queue, dmabuf_id);
	if (r < 0) {
		fprintf(stderr, PROG ": bind-rx of %s queue %u (netlink, netdev family): %s\n",
			o->ifname, o->queue, r == -ENOENT ? "the kernel has no netdev family "
			"(Linux 6.12+ has it)" : strerror(-r));
		return -1;
	}
	return 0;
}

/* Read a frag: the dma-buf is mmap'ed; bracket reads with DMA_BUF_IOCTL_SYNC. */
static const uint8_t *frag_begin(uint64_t off, uint32_t len)
{
	struct dma_buf_sync s = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };

	(void)len;
	ioctl(buf_fd, DMA_BUF_IOCTL_SYNC, &s);
	return (const uint8_t *)buf_mem + off;
}
static void frag_end(uint64_t off, uint32_t len)
{
	struct dma_buf_sync s = { DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ };

	(void)off;
	(void)len;
	ioctl(buf_fd, DMA_BUF_IOCTL_SYNC, &s);
}

#else
/* ---- netmem: the same calls, prefixed nm_, on our own stack ----------- */
#include <netmem/ctl.h>
#include <netmem/devmem.h>
#include <netmem/dmabuf.h>
#include <netmem/error.h>
#include <netmem/netdev.h>
#include <netmem/pci.h>
#include <netmem/socket.h>
#include <netmem/stack.h>
#include <netmem/wire.h>

#define xsocket			nm_socket
#define xbind			nm_bind
#define xlisten			nm_listen
#define xaccept			nm_accept
#define xrecvmsg		nm_recvmsg
#define xsetsockopt		nm_setsockopt
#define xclose			nm_close
#define errmsg()		nm_last_error()
#define ERR(r)			((r) < 0)
#define TIMED_OUT(r)		((r) == -EAGAIN)
#define PROG			"devmem_receiver"
typedef struct nm_stack stack_t_;

static struct nm_dmabuf *buf;

static int fail(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, nm_last_error());
	return -1;
}

/* Our NIC: one device, a shm wire, two queues (queue 1 bound), a stack.
 * Each step that fails says which, in one line. */
static int setup(const struct opts *o, stack_t_ **st, uint32_t *dmabuf_id)
{
	struct nm_wire_shm_params wp = { .gso = true };
	struct nm_netdev_params np = { .name = "nm0", .rx_queues = 2, .tx_queues = 2 };
	struct nm_iface_params ip = { .addr4 = "198.18.0.2/24" };
	struct nm_stack_params sp = { 0 };
	struct nm_queue_id q = { 1, NETDEV_QUEUE_TYPE_RX };
	struct nm_flow_rule fr = { .id = NM_FLOW_ID_ANY, .flow_type = NM_FLOW_TCP4,
				   .dst_port = PORT, .dst_port_mask = 0xffff, .action = 1 };
	struct nm_topo *topo;
	struct nm_ctl *ctl;
	struct nm_netdev *nd;
	struct nm_wire *w;
	int memfd, r;

	printf("waiting up to %d s for examples/devmem_sender on shm wire devmem-example\n",
	       o->timeout_s);
	fflush(stdout);
	if (nm_topo_create("rc0 { nic0 }", &topo) < 0 || nm_topo_get_device(topo, "nic0", &np.dev) < 0)
		return fail("topology");
	r = nm_wire_shm_create("devmem-example", &wp, o->timeout_s * 1000, &w);
	if (r == -ETIMEDOUT) {
		fprintf(stderr, PROG ": no sender attached to shm wire devmem-example within %d s "
			"(run examples/devmem_sender)\n", o->timeout_s);
		return -1;
	}
	if (r < 0)
		return fail("shm wire devmem-example");
	np.wire = w;
	if (nm_netdev_create(&np, &nd) < 0)
		return fail("netdev");
	if (nm_stack_create(&sp, st) < 0)
		return fail("stack");
	ip.nd = nd;
	if (nm_stack_add_iface(*st, &ip) < 0)
		return fail("interface 198.18.0.2/24");
	if (nm_netdev_flow_add(nd, &fr) < 0 || nm_netdev_set_rss_equal(nd, 0, 1) < 0)
		return fail("steering (ntuple rule, RSS)");
	/* the dma-buf: a sealed memfd, as /dev/udmabuf wants it */
	memfd = memfd_create("devmem-example", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, BUF_SIZE) < 0 ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		fprintf(stderr, PROG ": memfd for the dma-buf: %s\n", strerror(errno));
		return -1;
	}
	r = nm_udmabuf_create(memfd, 0, BUF_SIZE, 0, &buf);
	close(memfd);
	if (r < 0)
		return fail("udmabuf");
	if (nm_ctl_open(&ctl) < 0 ||
	    nm_ctl_bind_rx(ctl, nm_netdev_ifindex(nd), buf, &q, 1, dmabuf_id) < 0)
		return fail("bind-rx");
	return 0;	/* process exit tears it all down */
}

/* Read a frag: device memory is reachable only inside a CPU-access window. */
static const uint8_t *frag_begin(uint64_t off, uint32_t len)
{
	void *p;

	return nm_dmabuf_begin_cpu_access(buf, off, len, NM_DMA_FROM_DEVICE, &p) < 0 ? NULL : p;
}
static void frag_end(uint64_t off, uint32_t len)
{
	nm_dmabuf_end_cpu_access(buf, off, len, NM_DMA_FROM_DEVICE);
}
#endif

static void usage(FILE *f)
{
#ifdef NM_KERNEL_DEVMEM
	fprintf(f, "usage: " PROG " [--timeout SEC] IFNAME QUEUE\n"
		"  Receive a devmem TCP stream on port %d of IFNAME, payload in a udmabuf\n"
		"  bound to RX queue QUEUE (steer the flow there first: ethtool -N).\n", PORT);
#else
	fprintf(f, "usage: " PROG " [--timeout SEC]\n"
		"  Receive a devmem TCP stream on port %d from examples/devmem_sender over the\n"
		"  shm wire devmem-example (start the sender in another shell).\n", PORT);
#endif
	fprintf(f, "  --timeout SEC  give up after SEC seconds without the sender, its\n"
		"                 connection or its next data (default %d)\n"
		"  -h, --help     this text\n", TIMEOUT_S);
}

/* 0: run; 1: --help printed; 2: bad usage (said, with the usage). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int pos = 0, i;

	*o = (struct opts){ .timeout_s = TIMEOUT_S };
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 1;
		}
		if (!strcmp(a, "--timeout")) {
			long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;

			if (i + 1 >= argc || *end || !argv[i + 1][0] || v < 1 || v > 86400) {
				fprintf(stderr, PROG ": --timeout wants seconds in [1, 86400]\n");
				goto err_usage;
			}
			o->timeout_s = (int)v;
			i++;
			continue;
		}
		if (a[0] == '-' && a[1]) {
			fprintf(stderr, PROG ": unknown option '%s'\n", a);
			goto err_usage;
		}
#ifdef NM_KERNEL_DEVMEM
		if (pos == 0) {
			o->ifname = a;
		} else if (pos == 1) {
			unsigned long q = strtoul(a, &end, 10);

			if (!*a || *end || q > 1023) {
				fprintf(stderr, PROG ": QUEUE '%s' is not a queue number\n", a);
				goto err_usage;
			}
			o->queue = (uint32_t)q;
		} else
#endif
		{
			fprintf(stderr, PROG ": unexpected argument '%s'\n", a);
			goto err_usage;
		}
		pos++;
	}
#ifdef NM_KERNEL_DEVMEM
	if (pos < 2) {
		fprintf(stderr, PROG ": needs IFNAME and QUEUE\n");
		goto err_usage;
	}
#endif
	(void)pos;
	return 0;

err_usage:
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	static char ctrl[64 << 10], linear[1 << 20];
	uint64_t total = 0, sum = 0;
	stack_t_ *st = NULL;
	struct timeval tv;
	struct opts o;
	uint32_t dmabuf_id;
	int lsd, sd, r;

	r = parse_args(argc, argv, &o);
	if (r)
		return r == 1 ? 0 : 2;
	if (setup(&o, &st, &dmabuf_id) < 0)
		return 1;
	/* every wait below ends after --timeout: accept, then each recvmsg */
	tv = (struct timeval){ o.timeout_s, 0 };
	lsd = xsocket(st, AF_INET, SOCK_STREAM, 0);
	if (ERR(lsd) || ERR(xbind(lsd, (struct sockaddr *)&a, sizeof(a))) || ERR(xlisten(lsd, 1)) ||
	    ERR(xsetsockopt(lsd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))) {
		fprintf(stderr, PROG ": listen on port %d: %s\n", PORT, errmsg());
		return 1;
	}
	sd = xaccept(lsd, NULL, NULL);
	if (TIMED_OUT(sd)) {
		fprintf(stderr, PROG ": no connection to port %d within %d s\n", PORT, o.timeout_s);
		return 1;
	}
	if (ERR(sd) || ERR(xsetsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))) {
		fprintf(stderr, PROG ": accept: %s\n", errmsg());
		return 1;
	}
	for (;;) {
		struct iovec iov = { linear, sizeof(linear) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl,
				      .msg_controllen = sizeof(ctrl) };
		struct cmsghdr *cm;
		ssize_t n = xrecvmsg(sd, &msg, MSG_SOCK_DEVMEM);

		if (n == 0)
			break;
		if (TIMED_OUT(n)) {
			fprintf(stderr, PROG ": no data for %d s after %llu bytes\n", o.timeout_s,
				(unsigned long long)total);
			return 1;
		}
		if (n < 0) {
			fprintf(stderr, PROG ": recvmsg(MSG_SOCK_DEVMEM): %s\n", errmsg());
			return 1;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct dmabuf_cmsg *dc = (struct dmabuf_cmsg *)CMSG_DATA(cm);
			struct dmabuf_token tok;
			const uint8_t *p;

			if (cm->cmsg_level != SOL_SOCKET)
				continue;
			if (cm->cmsg_type == SCM_DEVMEM_LINEAR) {
				/* header-split leftovers: copied into linear[] */
				total += dc->frag_size;
				continue;
			}
			if (cm->cmsg_type != SCM_DEVMEM_DMABUF || dc->dmabuf_id != dmabuf_id)
				continue;
			/* use the payload where it lies: here, a checksum */
			p = frag_begin(dc->frag_offset, dc->frag_size);
			for (uint32_t i = 0; p && i < dc->frag_size; i++)
				sum += p[i];
			frag_end(dc->frag_offset, dc->frag_size);
			total += dc->frag_size;
			/* done with it: the token goes back to the NIC's pool */
			tok = (struct dmabuf_token){ dc->frag_token, 1 };
			if (ERR(xsetsockopt(sd, SOL_SOCKET, SO_DEVMEM_DONTNEED, &tok, sizeof(tok)))) {
				fprintf(stderr, PROG ": setsockopt(SO_DEVMEM_DONTNEED): %s\n", errmsg());
				return 1;
			}
		}
	}
	printf("received %llu bytes, byte sum %llu\n", (unsigned long long)total,
	       (unsigned long long)sum);
	xclose(sd);
	xclose(lsd);
	return 0;
}
