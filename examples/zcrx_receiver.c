/* SPDX-License-Identifier: MIT */
/*
 * A minimal io_uring zero-copy receiver (zcrx), the flow of liburing's
 * examples/zcrx.c on netmem: register an interface queue with an area of
 * the application's memory and a refill ring, accept, RECV_ZC (multishot),
 * read each fragment where it landed in the area, hand its buffer back
 * through the refill ring.  The io_uring calls are liburing's renamed
 * io_uring_* -> nm_uring_* (<netmem/uring.h>), on the kernel's structures.
 *
 * The receiver brings up its own virtual NIC on the cross-process shm wire
 * "devmem-example" (two RX queues; the flow to port 5201 steered to queue
 * 1, which the ifq takes) and runs its stack on a thread of its own: the
 * application thread below only touches the rings.  Run
 * examples/devmem_sender in another shell to feed it (no root needed).
 *
 * --timeout SEC (default 60) bounds the wait for the sender and for each
 * piece of data; --help prints the usage; a wrong argument gets it on
 * stderr, exit 2; any other failure is one line naming the call, exit 1.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <netmem/error.h>
#include <netmem/netdev.h>
#include <netmem/pci.h>
#include <netmem/socket.h>
#include <netmem/stack.h>
#include <netmem/uring.h>
#include <netmem/wire.h>

#define PORT		5201
#define AREA_SIZE	(32u << 20)	/* the area: 32 MiB of our memory */
#define RQ_ENTRIES	8192u
#define RX_BUF_LEN	65536u		/* large chunks (the kernel's rx_buf_len) */
#define TIMEOUT_S	60
#define PROG		"zcrx_receiver"

static atomic_bool stop;

static int fail(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, nm_last_error());
	return -1;
}

/* The stack's own thread: the NIC, TCP and the rings' requests run here. */
static void *stack_thread(void *arg)
{
	struct nm_stack *st = arg;

	while (!atomic_load(&stop))
		nm_stack_poll(st, 10);
	return NULL;
}

/* NIC on the shm wire, stack, listener; header split for zcrx. */
static int setup(int timeout_s, struct nm_stack **st, struct nm_netdev **nd, int *lsd)
{
	struct nm_wire_shm_params wp = { .gso = true };
	struct nm_netdev_params np = { .name = "nm0", .rx_queues = 2, .tx_queues = 2 };
	struct nm_iface_params ip = { .addr4 = "198.18.0.2/24" };
	struct nm_flow_rule fr = { .id = NM_FLOW_ID_ANY, .flow_type = NM_FLOW_TCP4,
				   .dst_port = PORT, .dst_port_mask = 0xffff, .action = 1 };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct nm_ringparam rp;
	struct nm_topo *topo;
	struct nm_wire *w;
	int r;

	printf("waiting up to %d s for examples/devmem_sender on shm wire devmem-example\n",
	       timeout_s);
	fflush(stdout);
	if (nm_topo_create("rc0 { nic0 }", &topo) < 0 || nm_topo_get_device(topo, "nic0", &np.dev) < 0)
		return fail("topology");
	r = nm_wire_shm_create("devmem-example", &wp, timeout_s * 1000, &w);
	if (r == -ETIMEDOUT) {
		fprintf(stderr, PROG ": no sender attached to shm wire devmem-example within %d s "
			"(run examples/devmem_sender)\n", timeout_s);
		return -1;
	}
	if (r < 0)
		return fail("shm wire devmem-example");
	np.wire = w;
	if (nm_netdev_create(&np, nd) < 0)
		return fail("netdev");
	if (nm_netdev_get_ringparam(*nd, &rp) < 0)
		return fail("ringparam");
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;	/* zcrx needs header split */
	rp.hds_thresh = 0;
	if (nm_netdev_set_ringparam(*nd, &rp) < 0)
		return fail("header split");
	if (nm_stack_create(NULL, st) < 0)
		return fail("stack");
	ip.nd = *nd;
	if (nm_stack_add_iface(*st, &ip) < 0)
		return fail("interface 198.18.0.2/24");
	if (nm_netdev_flow_add(*nd, &fr) < 0 || nm_netdev_set_rss_equal(*nd, 0, 1) < 0)
		return fail("steering (ntuple rule, RSS)");
	*lsd = nm_socket(*st, AF_INET, SOCK_STREAM, 0);
	if (*lsd < 0 || nm_bind(*lsd, (struct sockaddr *)&a, sizeof(a)) < 0 || nm_listen(*lsd, 1) < 0)
		return fail("listen on port 5201");
	return 0;
}

/* IORING_REGISTER_ZCRX_IFQ: the area and the refill ring, as liburing's
 * example sets them up. */
static int register_ifq(struct nm_uring *ring, struct nm_netdev *nd, uint8_t **area,
			struct nm_uring_zcrx_rq *rq, uint32_t *zcrx_id, uint64_t *token)
{
	static struct io_uring_zcrx_area_reg area_reg;
	static struct io_uring_region_desc rd;
	struct io_uring_zcrx_ifq_reg reg = { 0 };
	size_t ring_size = 4096 + RQ_ENTRIES * sizeof(struct io_uring_zcrx_rqe);
	void *ring_mem;

	*area = mmap(NULL, AREA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ring_mem = mmap(NULL, ring_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*area == MAP_FAILED || ring_mem == MAP_FAILED) {
		fprintf(stderr, PROG ": mmap: %s\n", strerror(errno));
		return -1;
	}
	area_reg = (struct io_uring_zcrx_area_reg){ .addr = (uintptr_t)*area, .len = AREA_SIZE };
	rd = (struct io_uring_region_desc){ .user_addr = (uintptr_t)ring_mem, .size = ring_size,
					    .flags = IORING_MEM_REGION_TYPE_USER };
	reg.if_idx = (uint32_t)nm_netdev_ifindex(nd);
	reg.if_rxq = 1;
	reg.rq_entries = RQ_ENTRIES;
	reg.rx_buf_len = RX_BUF_LEN;
	reg.area_ptr = (uintptr_t)&area_reg;
	reg.region_ptr = (uintptr_t)&rd;
	if (nm_uring_register_ifq(ring, &reg) < 0)
		return fail("register ifq");
	nm_uring_zcrx_rq_init(rq, ring_mem, &reg);
	*zcrx_id = reg.zcrx_id;
	*token = area_reg.rq_area_token;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [--timeout SEC]\n"
		"  Receive a TCP stream on port %d from examples/devmem_sender over the shm\n"
		"  wire devmem-example with io_uring zero-copy receive (start the sender in\n"
		"  another shell).\n"
		"  --timeout SEC  give up after SEC seconds without the sender, its\n"
		"                 connection or its next data (default %d)\n"
		"  -h, --help     this text\n", PORT, TIMEOUT_S);
}

static int parse_args(int argc, char **argv, int *timeout_s)
{
	*timeout_s = TIMEOUT_S;
	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 1;
		}
		if (!strcmp(argv[i], "--timeout")) {
			long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;

			if (i + 1 >= argc || *end || !argv[i + 1][0] || v < 1 || v > 86400) {
				fprintf(stderr, PROG ": --timeout wants seconds in [1, 86400]\n");
				usage(stderr);
				return 2;
			}
			*timeout_s = (int)v;
			i++;
			continue;
		}
		fprintf(stderr, PROG ": %s '%s'\n", argv[i][0] == '-' ? "unknown option" :
			"unexpected argument", argv[i]);
		usage(stderr);
		return 2;
	}
	return 0;
}

/* Wait for one CQE, at most timeout_s; NULL (said) on timeout or error. */
static struct io_uring_cqe *wait_cqe(struct nm_uring *ring, int timeout_s, const char *what)
{
	struct __kernel_timespec ts = { timeout_s, 0 };
	struct io_uring_cqe *cqe;
	int r = nm_uring_wait_cqe_timeout(ring, &cqe, &ts);

	if (r == -ETIME) {
		fprintf(stderr, PROG ": nothing for %d s waiting for %s\n", timeout_s, what);
		return NULL;
	}
	if (r < 0) {
		fail("wait for a CQE");
		return NULL;
	}
	return cqe;
}

int main(int argc, char **argv)
{
	struct nm_uring ring;
	struct nm_uring_zcrx_rq rq = { 0 };
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct nm_netdev *nd;
	struct nm_stack *st;
	uint64_t total = 0, sum = 0, token;
	uint32_t zcrx_id = 0;
	uint8_t *area;
	pthread_t th;
	int timeout_s, lsd = -1, sd, r;

	r = parse_args(argc, argv, &timeout_s);
	if (r)
		return r == 1 ? 0 : 2;
	if (setup(timeout_s, &st, &nd, &lsd) < 0)
		return 1;
	/* zcrx needs DEFER_TASKRUN (with SINGLE_ISSUER) and big CQEs */
	if (nm_uring_queue_init(st, 64, &ring, IORING_SETUP_SINGLE_ISSUER |
				IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQE32) < 0)
		return fail("queue_init"), 1;
	if (register_ifq(&ring, nd, &area, &rq, &zcrx_id, &token) < 0)
		return 1;
	if (pthread_create(&th, NULL, stack_thread, st))
		return fprintf(stderr, PROG ": pthread_create failed\n"), 1;

	sqe = nm_uring_get_sqe(&ring);
	nm_uring_prep_accept(sqe, lsd, NULL, NULL, 0);
	nm_uring_submit(&ring);
	if (!(cqe = wait_cqe(&ring, timeout_s, "a connection")))
		return 1;
	sd = cqe->res;
	nm_uring_cqe_seen(&ring, cqe);
	if (sd < 0) {
		fprintf(stderr, PROG ": accept: %s\n", strerror(-sd));
		return 1;
	}

	sqe = nm_uring_get_sqe(&ring);
	nm_uring_prep_recv_zc(sqe, sd, zcrx_id, 0);
	nm_uring_submit(&ring);
	for (;;) {
		const struct io_uring_zcrx_cqe *rcqe;
		const uint8_t *p;

		if (!(cqe = wait_cqe(&ring, timeout_s, "data")))
			return 1;
		if (!(cqe->flags & IORING_CQE_F_MORE)) {	/* the end: 0 at EOF */
			r = cqe->res;
			nm_uring_cqe_seen(&ring, cqe);
			if (r < 0) {
				fprintf(stderr, PROG ": RECV_ZC: %s\n", strerror(-r));
				return 1;
			}
			break;
		}
		/* the payload, where the NIC put it in our area: here, a checksum */
		rcqe = nm_uring_zcrx_cqe(cqe);
		p = area + (rcqe->off & ~IORING_ZCRX_AREA_MASK);
		for (int i = 0; i < cqe->res; i++)
			sum += p[i];
		total += (uint64_t)cqe->res;
		/* done with it: the buffer goes back through the refill ring */
		while (!nm_uring_zcrx_rq_put(&rq, rcqe->off, (uint32_t)cqe->res))
			nm_uring_zcrx_rq_commit(&rq);
		nm_uring_zcrx_rq_commit(&rq);
		nm_uring_cqe_seen(&ring, cqe);
	}
	(void)token;
	printf("received %llu bytes, byte sum %llu\n", (unsigned long long)total,
	       (unsigned long long)sum);
	sqe = nm_uring_get_sqe(&ring);
	nm_uring_prep_close(sqe, sd);
	nm_uring_submit_and_wait(&ring, 1);
	nm_uring_queue_exit(&ring);
	atomic_store(&stop, true);
	pthread_join(th, NULL);
	return 0;	/* process exit tears the rest down */
}
