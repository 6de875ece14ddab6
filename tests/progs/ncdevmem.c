/* SPDX-License-Identifier: MIT */
/*
 * nmp_ncdevmem: what the kernel's ncdevmem selftest server does, step by
 * step, written against glibc and the kernel's uAPI headers only (no
 * netmem header, no library): the program issue 16 says runs unchanged
 * under `netmem run`.
 *
 *	nmp_ncdevmem server IFNAME ADDR PORT BYTES [list]
 *		read channels and rings (ethtool netlink), turn tcp-data-split
 *		on (rings-set), `ethtool -X IFNAME equal S` and `ethtool -N
 *		IFNAME flow-type tcp4|tcp6 dst-ip ADDR dst-port PORT action S`
 *		(the command, through system()), a buffer from /dev/udmabuf,
 *		bind-rx of queues S.. (hand-written generic netlink), accept on
 *		an AF_INET6 socket (an IPv4 peer arrives v4-mapped), receive with
 *		recvmsg(MSG_SOCK_DEVMEM), validate every byte where it lies
 *		(the dma-buf between DMA_BUF_IOCTL_SYNC START and END, or the
 *		iov), return the tokens one by one (each SO_DEVMEM_DONTNEED
 *		must say 1), and delete the rule at the end.  The stream is
 *		connection 1's of prog.h (what `nmp_devmem send` sends).
 *		With `list` the buffer is one UDMABUF_CREATE_LIST of two
 *		memfds and separate ranges of one (A[0,q) B[q,3q) A[2q,...),
 *		holes in both files), and every dma-buf frag is validated a
 *		second time through the memfds' own mappings at the file
 *		offsets its buffer offset stands for.
 *	nmp_ncdevmem client IFNAME PEER PORT BYTES
 *		ncdevmem's TX side: a buffer from /dev/udmabuf written through
 *		its mapping (between DMA_BUF_IOCTL_SYNC START and END), bind-tx
 *		(hand-written generic netlink), connect, sendmsg with
 *		SCM_DEVMEM_DMABUF and MSG_ZEROCOPY (iov_base: the offset in the
 *		dma-buf), every send's completion read from MSG_ERRQUEUE.
 *	nmp_ncdevmem selftest IFNAME
 *		ncdevmem's no-address mode: binding no queues fails, binding
 *		with header split off fails, binding with it on succeeds, a
 *		channels-set that would drop a bound queue fails.
 *
 * Prints one line per step; exit 1 at the first failure.
 */
#include <linux/dma-buf.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/udmabuf.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "prog.h"
#include <poll.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#include "devmem_uapi.h"

/* The netdev family (Documentation/netlink/specs/netdev.yaml) and the
 * ethtool attributes newer than these headers, as ncdevmem's generated
 * ynl code carries them. */
enum { NETDEV_A_QUEUE_ID_ = 1, NETDEV_A_QUEUE_IFINDEX_, NETDEV_A_QUEUE_TYPE_ };
enum { NETDEV_A_DMABUF_IFINDEX_ = 1, NETDEV_A_DMABUF_QUEUES_, NETDEV_A_DMABUF_FD_,
       NETDEV_A_DMABUF_ID_ };
#define NETDEV_CMD_BIND_RX_	13
#define NETDEV_CMD_BIND_TX_	15
#define NETDEV_QUEUE_TYPE_RX_	0
#define ETHTOOL_A_RINGS_HDS_THRESH_	17

#define BUF_SIZE	(16u << 20)

/* ---- generic netlink, by hand ------------------------------------------------------ */

struct msg {
	struct nlmsghdr n;
	struct genlmsghdr g;
	uint8_t attrs[2048];
};

static uint32_t seq;
static char ack_msg[256];	/* the last refusal's extack text */

static void msg_init(struct msg *m, uint16_t type, uint8_t cmd)
{
	memset(m, 0, sizeof(*m));
	m->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->n.nlmsg_type = type;
	m->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	m->n.nlmsg_seq = ++seq;
	m->g.cmd = cmd;
	m->g.version = 1;
}

static struct nlattr *attr(struct msg *m, uint16_t type, const void *p, size_t len)
{
	struct nlattr *a = (struct nlattr *)((uint8_t *)m + NLMSG_ALIGN(m->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((uint8_t *)a + NLA_HDRLEN, p, len);
	m->n.nlmsg_len = NLMSG_ALIGN(m->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static void attr_u32(struct msg *m, uint16_t type, uint32_t v)
{
	attr(m, type, &v, 4);
}

static void attr_u8(struct msg *m, uint16_t type, uint8_t v)
{
	attr(m, type, &v, 1);
}

static struct nlattr *nest(struct msg *m, uint16_t type)
{
	return attr(m, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct msg *m, struct nlattr *a)
{
	a->nla_len = (uint16_t)((uint8_t *)m + m->n.nlmsg_len - (uint8_t *)a);
}

/* An ethtool request's header: the device by ifindex. */
static void eth_header(struct msg *m, uint16_t type, int ifindex)
{
	struct nlattr *h = nest(m, type);

	attr_u32(m, ETHTOOL_A_HEADER_DEV_INDEX, (uint32_t)ifindex);
	nest_end(m, h);
}

/* Walk the attributes of [p, p + len): the payload of type t into *v. */
static bool find_attr(const uint8_t *p, int len, uint16_t t, const uint8_t **v, int *vlen)
{
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return false;
		if ((a->nla_type & NLA_TYPE_MASK) == t) {
			*v = p + NLA_HDRLEN;
			*vlen = a->nla_len - NLA_HDRLEN;
			return true;
		}
		len -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	return false;
}

static uint32_t get_u32(const uint8_t *p, int len, uint16_t t, uint32_t dflt)
{
	const uint8_t *v;
	int n;

	if (!find_attr(p, len, t, &v, &n) || n < 1)
		return dflt;
	if (n == 1)
		return *v;
	if (n == 2)
		return *(const uint16_t *)v;
	return *(const uint32_t *)v;
}

/* Send m, read until its ack: 0 or -errno (ack_msg: the extack text).
 * The answer's attributes into reply (if not NULL). */
static int talk(int fd, struct msg *m, uint8_t *reply, int *rlen)
{
	static uint8_t buf[65536];

	ack_msg[0] = 0;
	if (send(fd, m, m->n.nlmsg_len, 0) < 0)
		pp_die("netlink send: %s", strerror(errno));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n <= 0)
			pp_die("netlink recv: %s", n ? strerror(errno) : "EOF");
		for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != m->n.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				const uint8_t *p = (const uint8_t *)(e + 1), *v;
				int l;

				if (!(h->nlmsg_flags & NLM_F_CAPPED))
					p += e->msg.nlmsg_len - sizeof(e->msg);
				l = (int)((const uint8_t *)h + h->nlmsg_len - p);
				if ((h->nlmsg_flags & NLM_F_ACK_TLVS) &&
				    find_attr(p, l, NLMSGERR_ATTR_MSG, &v, &l))
					snprintf(ack_msg, sizeof(ack_msg), "%.*s", l, (const char *)v);
				return e->error;
			}
			if (reply && rlen) {
				int l = (int)h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

				if (l > 4096)
					l = 4096;
				memcpy(reply, (uint8_t *)NLMSG_DATA(h) + GENL_HDRLEN, (size_t)l);
				*rlen = l;
			}
		}
	}
}

static int nl_socket(void)
{
	int one = 1, fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		pp_die("socket(AF_NETLINK): %s", strerror(errno));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return fd;
}

static uint16_t family(int fd, const char *name)
{
	struct msg m;
	uint8_t r[4096];
	int rl = 0, e;

	msg_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	attr(&m, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	e = talk(fd, &m, r, &rl);
	if (e)
		pp_die("CTRL_CMD_GETFAMILY %s: %s", name, strerror(-e));
	return (uint16_t)get_u32(r, rl, CTRL_ATTR_FAMILY_ID, 0);
}

/* ---- the NIC through ethtool netlink ------------------------------------------------- */

static int nl, ifindex;
static uint16_t eth_id, netdev_id;
static const char *ifname;

/* An ethtool GET for the interface, its answer in r (what dies on a refusal). */
static void eth_get(uint8_t cmd, uint16_t header, uint8_t *r, int *rl, const char *what)
{
	struct msg m;
	int e;

	msg_init(&m, eth_id, cmd);
	eth_header(&m, header, ifindex);
	e = talk(nl, &m, r, rl);
	if (e)
		pp_die("%s: %s %s", what, strerror(-e), ack_msg);
}

static void channels(uint32_t *rx, uint32_t *combined)
{
	uint8_t r[4096];
	int rl = 0;

	eth_get(ETHTOOL_MSG_CHANNELS_GET, ETHTOOL_A_CHANNELS_HEADER, r, &rl, "channels-get");
	*rx = get_u32(r, rl, ETHTOOL_A_CHANNELS_RX_COUNT, 0);
	*combined = get_u32(r, rl, ETHTOOL_A_CHANNELS_COMBINED_COUNT, 0);
}

static int channels_set_rx(uint32_t rx)
{
	struct msg m;

	msg_init(&m, eth_id, ETHTOOL_MSG_CHANNELS_SET);
	eth_header(&m, ETHTOOL_A_CHANNELS_HEADER, ifindex);
	attr_u32(&m, ETHTOOL_A_CHANNELS_RX_COUNT, rx);
	return talk(nl, &m, NULL, NULL);
}

static uint32_t rings_split(uint32_t *rx)
{
	uint8_t r[4096];
	int rl = 0;

	eth_get(ETHTOOL_MSG_RINGS_GET, ETHTOOL_A_RINGS_HEADER, r, &rl, "rings-get");
	*rx = get_u32(r, rl, ETHTOOL_A_RINGS_RX, 0);
	return get_u32(r, rl, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, 0);
}

static int rings_set_split(bool on)
{
	struct msg m;

	msg_init(&m, eth_id, ETHTOOL_MSG_RINGS_SET);
	eth_header(&m, ETHTOOL_A_RINGS_HEADER, ifindex);
	attr_u8(&m, ETHTOOL_A_RINGS_TCP_DATA_SPLIT,
		on ? ETHTOOL_TCP_DATA_SPLIT_ENABLED : ETHTOOL_TCP_DATA_SPLIT_DISABLED);
	if (on)
		attr_u32(&m, ETHTOOL_A_RINGS_HDS_THRESH_, 0);
	return talk(nl, &m, NULL, NULL);
}

/* bind-rx of queues [first, first + n) on a netlink socket of its own
 * (closing it unbinds): 0 and *sock, *id; or -errno. */
static int bind_rx(int dmabuf, uint32_t first, uint32_t n, int *sock, uint32_t *id)
{
	struct msg m;
	uint8_t r[4096];
	int rl = 0, e, fd = nl_socket();

	msg_init(&m, netdev_id, NETDEV_CMD_BIND_RX_);
	attr_u32(&m, NETDEV_A_DMABUF_IFINDEX_, (uint32_t)ifindex);
	attr_u32(&m, NETDEV_A_DMABUF_FD_, (uint32_t)dmabuf);
	for (uint32_t q = first; q < first + n; q++) {
		struct nlattr *a = nest(&m, NETDEV_A_DMABUF_QUEUES_);

		attr_u32(&m, NETDEV_A_QUEUE_ID_, q);
		attr_u32(&m, NETDEV_A_QUEUE_TYPE_, NETDEV_QUEUE_TYPE_RX_);
		nest_end(&m, a);
	}
	e = talk(fd, &m, r, &rl);
	if (e) {
		close(fd);
		return e;
	}
	*id = get_u32(r, rl, NETDEV_A_DMABUF_ID_, 0);
	*sock = fd;
	return 0;
}

/* ---- the buffer: /dev/udmabuf -------------------------------------------------------- */

/* The list buffer's items: memfd k's range [foff, foff + len) is the
 * buffer's [boff, boff + len); map is the memfd's own mapping, whole. */
#define LIST_ITEMS 3
static struct list_item {
	int k;
	uint64_t foff, boff, len;
	uint8_t *map;
	uint32_t frags;
} list_items[LIST_ITEMS];
static bool list_mode;

static int udmabuf(size_t size, uint8_t **map)
{
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };
	int dev = open("/dev/udmabuf", O_RDWR), memfd, buf;

	if (dev < 0)
		pp_die("open /dev/udmabuf: %s", strerror(errno));
	memfd = memfd_create("nmp_ncdevmem", MFD_ALLOW_SEALING);
	if (memfd < 0 || ftruncate(memfd, (off_t)size) < 0 ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
		pp_die("memfd: %s", strerror(errno));
	c.memfd = (uint32_t)memfd;
	buf = ioctl(dev, UDMABUF_CREATE, &c);
	if (buf < 0)
		pp_die("UDMABUF_CREATE: %s", strerror(errno));
	*map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	if (*map == MAP_FAILED)
		pp_die("mmap the dma-buf: %s", strerror(errno));
	close(dev);
	close(memfd);
	return buf;
}

/* UDMABUF_CREATE_LIST of two memfds, q = 128 KiB: A[0,q) B[q,3q)
 * A[2q,2q+r), r = size - 3q, so A has a hole at [q,2q) and B at [0,q).
 * The first items are small: the page pool, its tokens returned at once,
 * keeps reusing the buffer's first pages, and every item must get some. */
static int udmabuf_list(size_t size, uint8_t **map)
{
	struct {
		struct udmabuf_create_list h;
		struct udmabuf_create_item it[LIST_ITEMS];
	} l = { .h = { .flags = UDMABUF_FLAGS_CLOEXEC, .count = LIST_ITEMS } };
	uint64_t q = 128 << 10, boff = 0;
	const struct { int k; uint64_t foff, len; } want[LIST_ITEMS] = {
		{ 0, 0, q }, { 1, q, 2 * q }, { 0, 2 * q, size - 3 * q } };
	const uint64_t fsize[2] = { size - q, 3 * q };
	int dev = open("/dev/udmabuf", O_RDWR), memfd[2], buf;
	uint8_t *fmap[2];

	if (dev < 0)
		pp_die("open /dev/udmabuf: %s", strerror(errno));
	for (int k = 0; k < 2; k++) {
		memfd[k] = memfd_create(k ? "nmp_ncdevmem B" : "nmp_ncdevmem A", MFD_ALLOW_SEALING);
		if (memfd[k] < 0 || ftruncate(memfd[k], (off_t)fsize[k]) < 0 ||
		    fcntl(memfd[k], F_ADD_SEALS, F_SEAL_SHRINK) < 0)
			pp_die("memfd: %s", strerror(errno));
		fmap[k] = mmap(NULL, fsize[k], PROT_READ | PROT_WRITE, MAP_SHARED, memfd[k], 0);
		if (fmap[k] == MAP_FAILED)
			pp_die("mmap memfd %d: %s", k, strerror(errno));
	}
	for (int i = 0; i < LIST_ITEMS; i++) {
		l.it[i] = (struct udmabuf_create_item){ .memfd = (uint32_t)memfd[want[i].k],
							.offset = want[i].foff, .size = want[i].len };
		list_items[i] = (struct list_item){ want[i].k, want[i].foff, boff, want[i].len,
						    fmap[want[i].k], 0 };
		boff += want[i].len;
	}
	buf = ioctl(dev, UDMABUF_CREATE_LIST, &l);
	if (buf < 0)
		pp_die("UDMABUF_CREATE_LIST: %s", strerror(errno));
	*map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	if (*map == MAP_FAILED)
		pp_die("mmap the dma-buf: %s", strerror(errno));
	close(dev);
	close(memfd[0]);
	close(memfd[1]);
	printf("udmabuf: a list of %d items over 2 memfds, %zu bytes\n", LIST_ITEMS, size);
	return buf;
}

/* The bytes [off, off + len) of the list buffer, through the memfds' own
 * mappings: the first that differs from the stream at pos, or -1. */
static int64_t list_check(uint64_t off, uint64_t len, uint64_t pos)
{
	for (int i = 0; i < LIST_ITEMS; i++) {
		struct list_item *it = &list_items[i];
		uint64_t s = off > it->boff ? off : it->boff;
		uint64_t e = off + len < it->boff + it->len ? off + len : it->boff + it->len;
		int64_t bad;

		if (s >= e)
			continue;
		it->frags++;
		bad = pp_check(1, pos + (s - off), it->map + it->foff + (s - it->boff), e - s);
		if (bad >= 0)
			return (int64_t)(s - off) + bad;
	}
	return -1;
}

static void sync_buf(int buf, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	if (ioctl(buf, DMA_BUF_IOCTL_SYNC, &s) < 0)
		pp_die("DMA_BUF_IOCTL_SYNC 0x%llx: %s", (unsigned long long)flags, strerror(errno));
}

/* ---- the ethtool command ------------------------------------------------------------- */

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st != 0)
		pp_die("'%s': status %d", cmd, st);
	printf("ran: %s\n", cmd);
}

/* `ethtool -N ...`: the rule's id, from "Added rule with ID N". */
static int add_rule(const char *addr, int port, uint32_t queue)
{
	char cmd[512], line[256];
	int id = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ethtool -N %s flow-type %s dst-ip %s dst-port %d action %u",
		 ifname, strchr(addr, ':') ? "tcp6" : "tcp4", addr, port, queue);
	p = popen(cmd, "r");
	if (!p)
		pp_die("popen: %s", strerror(errno));
	while (fgets(line, sizeof(line), p))
		sscanf(line, "Added rule with ID %d", &id);
	if (pclose(p) != 0 || id < 0)
		pp_die("'%s' added no rule", cmd);
	printf("ran: %s (rule %d)\n", cmd, id);
	return id;
}

/* ---- receive -------------------------------------------------------------------------- */

static void do_server(const char *addr, int port, uint64_t want)
{
	uint32_t rx, comb, ring, nq, start, id, tokens = 0, frags = 0;
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	uint8_t *mem, iobuf[65536];
	static uint8_t ctl[CMSG_SPACE(sizeof(struct dmabuf_cmsg)) * 64];
	uint64_t got = 0, linear = 0;
	int buf, bsock, ls, s, one = 1, rule;
	char peer[INET6_ADDRSTRLEN];
	socklen_t sl = sizeof(sa);

	channels(&rx, &comb);
	nq = rx + comb;
	printf("channels: %u rx, %u combined\n", rx, comb);
	if (nq < 2)
		pp_die("%u queues: binding needs 2", nq);
	ring = rings_split(&rx);
	printf("rings: rx %u, tcp-data-split %u\n", rx, ring);
	if (rings_set_split(true))
		pp_die("rings-set tcp-data-split on: %s", ack_msg);
	if (rings_split(&ring) != ETHTOOL_TCP_DATA_SPLIT_ENABLED)
		pp_die("tcp-data-split did not turn on");
	printf("tcp-data-split on\n");
	start = nq / 2;
	run("ethtool -X %s equal %u", ifname, start);
	rule = add_rule(addr, port, start);
	buf = list_mode ? udmabuf_list(BUF_SIZE, &mem) : udmabuf(BUF_SIZE, &mem);
	if (bind_rx(buf, start, nq - start, &bsock, &id))
		pp_die("bind-rx: %s", ack_msg);
	printf("bound queues %u..%u to dma-buf %u\n", start, nq - 1, id);
	ls = socket(AF_INET6, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1) < 0)
		pp_die("listen on [::]:%d: %s", port, strerror(errno));
	printf("listening on [::]:%d\n", port);
	fflush(stdout);
	s = accept(ls, (struct sockaddr *)&sa, &sl);
	if (s < 0)
		pp_die("accept: %s", strerror(errno));
	inet_ntop(AF_INET6, &sa.sin6_addr, peer, sizeof(peer));
	printf("accepted from %s\n", peer);
	for (;;) {
		struct iovec iov = { iobuf, sizeof(iobuf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
				     .msg_controllen = sizeof(ctl) };
		ssize_t n = recvmsg(s, &mh, MSG_SOCK_DEVMEM);
		size_t lin = 0;	/* linear bytes lie in the iov, in order */

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			pp_die("recvmsg(MSG_SOCK_DEVMEM): %s", strerror(errno));
		if (n == 0)
			break;
		if (mh.msg_flags & MSG_CTRUNC)
			pp_die("MSG_CTRUNC");
		sync_buf(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct dmabuf_cmsg d;
			struct dmabuf_token t;
			int64_t bad;

			if (c->cmsg_level != SOL_SOCKET || (c->cmsg_type != SCM_DEVMEM_DMABUF &&
							    c->cmsg_type != SCM_DEVMEM_LINEAR))
				continue;
			memcpy(&d, CMSG_DATA(c), sizeof(d));
			if (c->cmsg_type == SCM_DEVMEM_LINEAR) {
				if (lin + d.frag_size > (size_t)n)
					pp_die("linear frag past the %zd bytes received", n);
				bad = pp_check(1, got, iobuf + lin, d.frag_size);
				lin += d.frag_size;
				linear += d.frag_size;
			} else {
				if (d.dmabuf_id != id || d.frag_offset + d.frag_size > BUF_SIZE)
					pp_die("a frag of dma-buf %u at %llu", d.dmabuf_id,
					       (unsigned long long)d.frag_offset);
				bad = pp_check(1, got, mem + d.frag_offset, d.frag_size);
				if (bad < 0 && list_mode)
					bad = list_check(d.frag_offset, d.frag_size, got);
				t = (struct dmabuf_token){ d.frag_token, 1 };
				if (setsockopt(s, SOL_SOCKET, SO_DEVMEM_DONTNEED, &t, sizeof(t)) != 1)
					pp_die("SO_DEVMEM_DONTNEED of token %u did not return 1",
					       d.frag_token);
				tokens++;
				frags++;
			}
			if (bad >= 0)
				pp_die("byte %lld differs", (long long)bad);
			got += d.frag_size;
		}
		sync_buf(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	}
	close(s);
	close(ls);
	run("ethtool -N %s delete %d", ifname, rule);
	close(bsock);
	if (got != want)
		pp_die("%llu bytes, want %llu", (unsigned long long)got, (unsigned long long)want);
	if (list_mode)
		printf("list: dma-buf frags per item %u %u %u, each byte also validated through "
		       "its memfd\n", list_items[0].frags, list_items[1].frags, list_items[2].frags);
	printf("nmp_ncdevmem: %llu bytes, %u dma-buf frags, %llu linear, every byte validated, "
	       "%u tokens returned one by one\n", (unsigned long long)got, frags,
	       (unsigned long long)linear, tokens);
}

/* ---- transmit ---------------------------------------------------------------------------- */

/* The stream repeats every 251 bytes: a buffer of a multiple of 251 pages
 * holds it at any offset modulo its size. */
#define TX_SIZE		(251u * 4096u * 4u)
#define TX_CHUNK	(256u << 10)

static int bind_tx(int dmabuf, int *sock, uint32_t *id)
{
	struct msg m;
	uint8_t r[4096];
	int rl = 0, e, fd = nl_socket();

	msg_init(&m, netdev_id, NETDEV_CMD_BIND_TX_);
	attr_u32(&m, NETDEV_A_DMABUF_IFINDEX_, (uint32_t)ifindex);
	attr_u32(&m, NETDEV_A_DMABUF_FD_, (uint32_t)dmabuf);
	e = talk(fd, &m, r, &rl);
	if (e) {
		close(fd);
		return e;
	}
	*id = get_u32(r, rl, NETDEV_A_DMABUF_ID_, 0);
	*sock = fd;
	return 0;
}

static void do_client(const char *peer, int port, uint64_t bytes)
{
	uint32_t id, calls = 0, done = 0;
	uint64_t sent = 0, end;
	int buf, bsock, fd, one = 1;
	uint8_t *mem, b;

	buf = udmabuf(TX_SIZE, &mem);
	sync_buf(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	pp_fill(1, 0, mem, TX_SIZE);
	sync_buf(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	if (bind_tx(buf, &bsock, &id))
		pp_die("bind-tx: %s", ack_msg);
	printf("bound dma-buf %u for TX\n", id);
	fd = pp_connect(peer, port);
	if (setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) < 0)
		pp_die("SO_ZEROCOPY: %s", strerror(errno));
	while (sent < bytes) {
		uint64_t off = sent % TX_SIZE;
		size_t len = TX_CHUNK;
		uint8_t ctl[CMSG_SPACE(sizeof(uint32_t))] = { 0 };
		struct iovec iov;
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		ssize_t k;

		if (len > TX_SIZE - off)
			len = (size_t)(TX_SIZE - off);
		if (len > bytes - sent)
			len = (size_t)(bytes - sent);
		iov = (struct iovec){ (void *)(uintptr_t)off, len };
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_DEVMEM_DMABUF;
		c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
		memcpy(CMSG_DATA(c), &id, sizeof(id));
		k = sendmsg(fd, &m, MSG_ZEROCOPY | MSG_NOSIGNAL);
		if (k < 0 && errno != EINTR && errno != ENOBUFS)
			pp_die("sendmsg(SCM_DEVMEM_DMABUF, MSG_ZEROCOPY): %s", strerror(errno));
		if (k > 0) {
			sent += (uint64_t)k;
			calls++;
		}
		pp_zc_reap(fd, &done, calls);
	}
	if (shutdown(fd, SHUT_WR) < 0)
		pp_die("shutdown: %s", strerror(errno));
	for (end = pp_now_ms() + 10000; done < calls && pp_now_ms() < end;) {
		struct pollfd p = { .fd = fd, .events = 0 };

		poll(&p, 1, 10);
		pp_zc_reap(fd, &done, calls);
	}
	if (done != calls)
		pp_die("%u of %u sends completed within 10 s", done, calls);
	if (recv(fd, &b, 1, 0) != 0)
		pp_die("the receiver did not end the stream cleanly");
	close(fd);
	close(bsock);
	printf("nmp_ncdevmem client: %llu bytes from the dma-buf in %u sends, %u completions\n",
	       (unsigned long long)sent, calls, done);
}

/* ---- ncdevmem's no-address self-test ----------------------------------------------------- */

static void do_selftest(void)
{
	uint32_t rx, comb, nq, start, id;
	uint8_t *mem;
	int buf, bs, e;

	channels(&rx, &comb);
	nq = rx + comb;
	start = nq / 2;
	buf = udmabuf(BUF_SIZE, &mem);
	e = bind_rx(buf, start, 0, &bs, &id);
	if (e == 0)
		pp_die("binding no queues succeeded");
	printf("bind-rx of no queues: %s \"%s\"\n", strerror(-e), ack_msg);
	if (rings_set_split(false))
		pp_die("rings-set tcp-data-split off: %s", ack_msg);
	e = bind_rx(buf, start, nq - start, &bs, &id);
	if (e == 0)
		pp_die("binding with header split off succeeded");
	printf("bind-rx with header split off: %s \"%s\"\n", strerror(-e), ack_msg);
	if (rings_set_split(true))
		pp_die("rings-set tcp-data-split on: %s", ack_msg);
	e = bind_rx(buf, start, nq - start, &bs, &id);
	if (e)
		pp_die("bind-rx with header split on: %s \"%s\"", strerror(-e), ack_msg);
	printf("bind-rx with header split on: dma-buf %u\n", id);
	e = channels_set_rx(start);
	if (e == 0)
		pp_die("channels-set dropping bound queue %u succeeded", start);
	printf("channels-set rx %u (drops a bound queue): %s \"%s\"\n", start, strerror(-e),
	       ack_msg);
	e = rings_set_split(false);
	if (e == 0)
		pp_die("header split off while bound succeeded");
	printf("tcp-data-split off while bound: %s \"%s\"\n", strerror(-e), ack_msg);
	close(bs);
	printf("nmp_ncdevmem: selftest ok\n");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3 || (strcmp(argv[1], "server") && strcmp(argv[1], "client") &&
			 strcmp(argv[1], "selftest")) || (strcmp(argv[1], "selftest") && argc < 6))
		pp_die("usage: nmp_ncdevmem server IFNAME ADDR PORT BYTES [list] | client IFNAME "
		       "PEER PORT BYTES | selftest IFNAME");
	list_mode = argc > 6 && !strcmp(argv[6], "list");
	ifname = argv[2];
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex)
		pp_die("if_nametoindex(%s): %s", ifname, strerror(errno));
	nl = nl_socket();
	eth_id = family(nl, "ethtool");
	netdev_id = family(nl, "netdev");
	printf("%s: ifindex %d, ethtool family %u, netdev family %u\n", ifname, ifindex, eth_id,
	       netdev_id);
	if (!strcmp(argv[1], "selftest"))
		do_selftest();
	else if (!strcmp(argv[1], "client"))
		do_client(argv[3], atoi(argv[4]), strtoull(argv[5], NULL, 0));
	else
		do_server(argv[3], atoi(argv[4]), strtoull(argv[5], NULL, 0));
	return 0;
}
