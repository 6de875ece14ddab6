/* SPDX-License-Identifier: MIT */
/*
 * nmp_nl: a devmem program's netlink, hand-written against glibc and the
 * kernel's headers only (as ncdevmem's is, without ynl): interface look-up
 * by name (if_nametoindex, getifaddrs), the generic netlink "netdev"
 * family found by name, dev-get / queue-get / napi-get dumps, bind-rx
 * refusals (errno and extack message), a binding made, seen by queue-get,
 * refused to a second socket, and undone when its socket closes.
 *
 *	nmp_nl netdev IFNAME	the steps above; "ok STEP" per step, exit 0
 *	nmp_nl family NAME	prints the family's id ("id N")
 *	nmp_nl rings IFNAME [on|off HDS]
 *				ethtool netlink rings-set of tcp-data-split
 *				and hds-thresh (given), then rings-get:
 *				"tcp-data-split N hds-thresh M" (the uAPI's
 *				values: 1 off, 2 on)
 *
 * Every refusal printed is checked here against the kernel's answer
 * (errno + extack text), so the program fails where netmem answers
 * otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The netdev family's values (Documentation/netlink/specs/netdev.yaml), as
 * a program carries them where its headers predate the family. */
enum { DEV_IFINDEX = 1 };
enum { QUEUE_ID = 1, QUEUE_IFINDEX, QUEUE_TYPE, QUEUE_NAPI_ID, QUEUE_DMABUF };
enum { NAPI_IFINDEX = 1 };
enum { DMABUF_IFINDEX = 1, DMABUF_QUEUES, DMABUF_FD, DMABUF_ID, DMABUF_RX_PAGE_SIZE };
enum { CMD_DEV_GET = 1, CMD_QUEUE_GET = 10, CMD_NAPI_GET = 11, CMD_BIND_RX = 13 };
/* ethtool netlink (linux/ethtool_netlink.h has these since 5.6) */
enum { ET_HEADER = 1, ET_HDR_INDEX = 1 };
enum { ET_RINGS_GET = 15, ET_RINGS_SET = 16, ET_CHANNELS_SET = 18 };
enum { ET_RINGS_TCP_DATA_SPLIT = 11, ET_RINGS_HDS_THRESH = 17 };
enum { ET_CHANNELS_RX_COUNT = 6 };

static int fails;

#define CHECK(c, ...)                                                          \
	do {                                                                   \
		if (!(c)) {                                                    \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);            \
			printf(__VA_ARGS__);                                   \
			printf("\n");                                          \
			fails++;                                               \
		}                                                              \
	} while (0)

struct req {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[1024];
};

static uint32_t seq;

static void genl_init(struct req *r, uint16_t fam, uint8_t cmd, uint16_t flags)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->n.nlmsg_type = fam;
	r->n.nlmsg_flags = NLM_F_REQUEST | flags;
	r->n.nlmsg_seq = ++seq;
	r->g.cmd = cmd;
	r->g.version = 1;
}

static struct nlattr *put(struct req *r, uint16_t type, const void *p, size_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, p, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static void put_u32(struct req *r, uint16_t type, uint32_t v)
{
	put(r, type, &v, 4);
}

static struct nlattr *nest(struct req *r, uint16_t type)
{
	return put(r, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct req *r, struct nlattr *a)
{
	a->nla_len = (uint16_t)((char *)r + r->n.nlmsg_len - (char *)a);
}

static int nl_open(void)
{
	int one = 1, fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0) {
		perror("socket(AF_NETLINK)");
		exit(2);
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return fd;
}

/* The payload of attribute type among a message's attributes, if it holds
 * at least len bytes; NULL: none. */
static const void *attr_data(const struct nlmsghdr *m, size_t hdr, uint16_t type, int len)
{
	const struct nlattr *a = (const void *)((const char *)m + NLMSG_HDRLEN + NLMSG_ALIGN(hdr));
	int rem = (int)m->nlmsg_len - NLMSG_HDRLEN - (int)NLMSG_ALIGN(hdr);

	for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len), a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len)))
		if ((a->nla_type & NLA_TYPE_MASK) == type && a->nla_len >= NLA_HDRLEN + len)
			return (const char *)a + NLA_HDRLEN;
	return NULL;
}

/* The u32 attribute type of a message's attributes (-1: none). */
static int64_t attr_u32(const struct nlmsghdr *m, size_t hdr, uint16_t type)
{
	const uint32_t *p = attr_data(m, hdr, type, 4);

	return p ? (int64_t)*p : -1;
}

/* The u8 attribute type (-1: none). */
static int attr_u8(const struct nlmsghdr *m, size_t hdr, uint16_t type)
{
	const uint8_t *p = attr_data(m, hdr, type, 1);

	return p ? *p : -1;
}

struct answer {
	int error;			/* the ack's, 0 */
	char msg[256];			/* extack message */
	char reply[4096];		/* the last answer */
	int replies;
	int64_t want_attr;		/* dumps: count messages whose attr ... */
	uint16_t attr_type;
	int matches;
};

static void read_ack(const struct nlmsghdr *m, struct answer *a)
{
	const struct nlmsgerr *e = NLMSG_DATA(m);
	const char *p;
	int rem;

	a->error = e->error;
	if (!(m->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	p = (const char *)e + sizeof(*e);
	if (!(m->nlmsg_flags & NLM_F_CAPPED))
		p += e->msg.nlmsg_len - NLMSG_HDRLEN;
	rem = (int)((const char *)m + m->nlmsg_len - p);
	while (rem >= NLA_HDRLEN) {
		const struct nlattr *x = (const void *)p;

		if (x->nla_len < NLA_HDRLEN || x->nla_len > rem)
			break;
		if (x->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(a->msg, sizeof(a->msg), "%.*s", x->nla_len - NLA_HDRLEN,
				 p + NLA_HDRLEN);
		rem -= NLA_ALIGN(x->nla_len);
		p += NLA_ALIGN(x->nla_len);
	}
}

/* Send r, read until its ack or (a dump) its NLMSG_DONE. */
static void talk(int fd, struct req *r, struct answer *a)
{
	char buf[8192];
	int done = 0;

	int64_t want = a->want_attr;
	uint16_t type = a->attr_type;

	memset(a, 0, sizeof(*a));
	a->want_attr = want;
	a->attr_type = type;
	if (send(fd, r, r->n.nlmsg_len, 0) < 0) {
		perror("send");
		exit(2);
	}
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *m = (void *)buf;

		if (n <= 0) {
			perror("recv");
			exit(2);
		}
		for (; NLMSG_OK(m, n); m = NLMSG_NEXT(m, n)) {
			if (m->nlmsg_seq != r->n.nlmsg_seq)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR) {
				read_ack(m, a);
				done = 1;
			} else if (m->nlmsg_type == NLMSG_DONE) {
				done = 1;
			} else {
				a->replies++;
				if (m->nlmsg_len <= sizeof(a->reply))
					memcpy(a->reply, m, m->nlmsg_len);
				if (a->attr_type &&
				    attr_u32(m, GENL_HDRLEN, a->attr_type) == a->want_attr)
					a->matches++;
				if (!(r->n.nlmsg_flags & NLM_F_ACK) &&
				    !(r->n.nlmsg_flags & NLM_F_DUMP))
					done = 1;
			}
		}
	}
}

static uint16_t family(int fd, const char *name)
{
	struct req r;
	struct answer a = { 0 };
	const struct nlattr *x;
	int rem;

	genl_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	put(&r, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	talk(fd, &r, &a);
	if (a.error || !a.replies)
		return 0;
	x = (const void *)(a.reply + NLMSG_HDRLEN + GENL_HDRLEN);
	rem = (int)((struct nlmsghdr *)a.reply)->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	for (; rem >= NLA_HDRLEN && x->nla_len >= NLA_HDRLEN && x->nla_len <= rem;
	     rem -= NLA_ALIGN(x->nla_len), x = (const void *)((const char *)x + NLA_ALIGN(x->nla_len)))
		if (x->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(const uint16_t *)((const char *)x + NLA_HDRLEN);
	return 0;
}

static void bind_req(struct req *r, uint16_t fam, int ifx, int fd, const int *qs, int nq,
		     uint32_t page)
{
	genl_init(r, fam, CMD_BIND_RX, NLM_F_ACK);
	put_u32(r, DMABUF_IFINDEX, (uint32_t)ifx);
	put_u32(r, DMABUF_FD, (uint32_t)fd);
	for (int i = 0; i < nq; i++) {
		struct nlattr *q = nest(r, DMABUF_QUEUES);

		put_u32(r, QUEUE_ID, (uint32_t)qs[i]);
		put_u32(r, QUEUE_TYPE, 0);
		nest_end(r, q);
	}
	if (page)
		put_u32(r, DMABUF_RX_PAGE_SIZE, page);
}

/* The dma-buf binding on RX queue q of ifx, 0 if none. */
static int64_t queue_dmabuf(int fd, uint16_t fam, int ifx, int q)
{
	struct req r;
	struct answer a = { 0 };

	genl_init(&r, fam, CMD_QUEUE_GET, 0);
	put_u32(&r, QUEUE_IFINDEX, (uint32_t)ifx);
	put_u32(&r, QUEUE_ID, (uint32_t)q);
	put_u32(&r, QUEUE_TYPE, 0);
	talk(fd, &r, &a);
	if (a.error || !a.replies)
		return -1;
	int64_t d = attr_u32((void *)a.reply, GENL_HDRLEN, QUEUE_DMABUF);
	return d < 0 ? 0 : d;
}

static void et_init(struct req *r, uint16_t fam, uint8_t cmd, int ifx)
{
	struct nlattr *h;

	genl_init(r, fam, cmd, NLM_F_ACK);
	h = nest(r, ET_HEADER);
	put_u32(r, ET_HDR_INDEX, (uint32_t)ifx);
	nest_end(r, h);
}

/* ethtool -G IFNAME tcp-data-split on|off, over netlink: the ack's error. */
static int data_split(int fd, uint16_t et, int ifx, bool on, struct answer *a)
{
	struct req r;
	uint8_t v = on ? 2 : 1;

	et_init(&r, et, ET_RINGS_SET, ifx);
	put(&r, ET_RINGS_TCP_DATA_SPLIT, &v, 1);
	talk(fd, &r, a);
	return a->error;
}

static void refused(int fd, struct req *r, int err, const char *msg, const char *what)
{
	struct answer a = { 0 };

	talk(fd, r, &a);
	CHECK(a.error == -err && !strcmp(a.msg, msg), "%s: wanted %d \"%s\", got %d \"%s\"", what,
	      -err, msg, a.error, a.msg);
	printf("refused %s: %s \"%s\"\n", what, strerror(-a.error), a.msg);
}

static int run_netdev(const char *ifname)
{
	struct ifaddrs *ifa, *x;
	struct req r;
	struct answer a = { 0 };
	int ifx, fd, fd2, mfd, found = 0, nrx;
	uint16_t fam;

	ifx = (int)if_nametoindex(ifname);
	CHECK(ifx > 0, "if_nametoindex(%s): %s", ifname, strerror(errno));
	char back[IF_NAMESIZE] = "";
	CHECK(if_indextoname((unsigned)ifx, back) && !strcmp(back, ifname), "if_indextoname");
	printf("ok if_nametoindex\n");
	CHECK(getifaddrs(&ifa) == 0, "getifaddrs");
	for (x = ifa; x; x = x->ifa_next)
		if (!strcmp(x->ifa_name, ifname) && x->ifa_addr && x->ifa_addr->sa_family == AF_INET)
			found = 1;
	freeifaddrs(ifa);
	CHECK(found, "getifaddrs: no IPv4 address on %s", ifname);
	printf("ok getifaddrs\n");

	fd = nl_open();
	fam = family(fd, "netdev");
	CHECK(fam != 0, "no netdev family");
	printf("ok family\n");

	/* the answer is there when the request returns: poll, select and
	 * epoll see it (and epoll no longer once it is read) */
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ee = { .events = EPOLLIN, .data.u64 = 0x6e6c };
	CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ee) == 0, "epoll_ctl");
	for (int how = 0; how < 3; how++) {
		static const char *const names[] = { "poll", "select", "epoll" };
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct epoll_event got[4];
		fd_set rs;
		struct timeval tv = { 1, 0 };
		char buf[4096];
		int n;

		genl_init(&r, fam, CMD_DEV_GET, 0);
		put_u32(&r, DEV_IFINDEX, (uint32_t)ifx);
		CHECK(send(fd, &r, r.n.nlmsg_len, 0) == (ssize_t)r.n.nlmsg_len, "send");
		FD_ZERO(&rs);
		FD_SET(fd, &rs);
		if (how == 0)
			n = poll(&p, 1, 1000) == 1 && (p.revents & POLLIN);
		else if (how == 1)
			n = select(fd + 1, &rs, NULL, NULL, &tv) == 1 && FD_ISSET(fd, &rs);
		else
			n = epoll_wait(ep, got, 4, 1000) >= 1 && got[0].data.u64 == 0x6e6c &&
			    (got[0].events & EPOLLIN);
		CHECK(n, "%s: not readable", names[how]);
		CHECK(recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0, "recv after %s", names[how]);
		CHECK(epoll_wait(ep, got, 4, 0) == 0, "epoll still readable after the recv (%s)",
		      names[how]);
	}
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL) == 0, "EPOLL_CTL_DEL");
	close(ep);

	/* a reply longer than the buffer: recv says the bytes it copied and
	 * MSG_TRUNC, its whole length only when asked with MSG_TRUNC */
	{
		char small[16];
		struct iovec iv = { small, sizeof(small) };
		struct msghdr mh = { .msg_iov = &iv, .msg_iovlen = 1 };
		ssize_t whole, got;

		genl_init(&r, fam, CMD_DEV_GET, 0);
		put_u32(&r, DEV_IFINDEX, (uint32_t)ifx);
		CHECK(send(fd, &r, r.n.nlmsg_len, 0) == (ssize_t)r.n.nlmsg_len, "send");
		whole = recvmsg(fd, &mh, MSG_PEEK | MSG_TRUNC);
		CHECK(whole > (ssize_t)sizeof(small) && (mh.msg_flags & MSG_TRUNC),
		      "peek with MSG_TRUNC: %zd flags %#x", whole, mh.msg_flags);
		got = recvmsg(fd, &mh, MSG_PEEK);
		CHECK(got == (ssize_t)sizeof(small) && (mh.msg_flags & MSG_TRUNC),
		      "peek: %zd of %zd flags %#x", got, whole, mh.msg_flags);
		got = recvmsg(fd, &mh, 0);
		CHECK(got == (ssize_t)sizeof(small) && (mh.msg_flags & MSG_TRUNC),
		      "short recv: %zd of %zd flags %#x", got, whole, mh.msg_flags);
		CHECK(recv(fd, small, sizeof(small), MSG_DONTWAIT) < 0 && errno == EAGAIN,
		      "the truncated datagram is gone");
		printf("ok short recv\n");
	}

	/* a request and its reply over several iovecs (writev, readv): the
	 * bytes one buffer sends and receives, the reply's sequence apart */
	{
		char one[4096], many[4096];
		struct iovec out[2], in[3];
		ssize_t n1, n2;

		genl_init(&r, fam, CMD_DEV_GET, 0);
		put_u32(&r, DEV_IFINDEX, (uint32_t)ifx);
		CHECK(send(fd, &r, r.n.nlmsg_len, 0) == (ssize_t)r.n.nlmsg_len, "send");
		n1 = recv(fd, one, sizeof(one), MSG_DONTWAIT);
		CHECK(n1 > 24, "recv: %zd", n1);
		genl_init(&r, fam, CMD_DEV_GET, 0);
		put_u32(&r, DEV_IFINDEX, (uint32_t)ifx);
		out[0] = (struct iovec){ &r, 7 };
		out[1] = (struct iovec){ (char *)&r + 7, r.n.nlmsg_len - 7 };
		CHECK(writev(fd, out, 2) == (ssize_t)r.n.nlmsg_len, "writev: %s", strerror(errno));
		memset(many, 0, sizeof(many));
		in[0] = (struct iovec){ many, 5 };
		in[1] = (struct iovec){ many + 5, 11 };
		in[2] = (struct iovec){ many + 16, sizeof(many) - 16 };
		n2 = readv(fd, in, 3);
		CHECK(n2 == n1, "readv: %zd bytes, recv %zd", n2, n1);
		memcpy(many + 8, one + 8, 4);		/* nlmsg_seq */
		CHECK(!memcmp(one, many, (size_t)n1), "readv's bytes differ from recv's");
		printf("ok writev readv\n");
	}

	/* an iovec that points nowhere: EFAULT, as the kernel's import_iovec(),
	 * and the reply stays for the next recv */
	{
		struct msghdr bad = { .msg_iov = NULL, .msg_iovlen = 1 };
		char buf[4096];

		errno = 0;
		CHECK(sendmsg(fd, &bad, 0) < 0 && errno == EFAULT, "sendmsg, NULL iovec: %s",
		      strerror(errno));
		genl_init(&r, fam, CMD_DEV_GET, 0);
		put_u32(&r, DEV_IFINDEX, (uint32_t)ifx);
		CHECK(send(fd, &r, r.n.nlmsg_len, 0) == (ssize_t)r.n.nlmsg_len, "send");
		errno = 0;
		CHECK(recvmsg(fd, &bad, MSG_DONTWAIT) < 0 && errno == EFAULT,
		      "recvmsg, NULL iovec: %s", strerror(errno));
		CHECK(recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0, "the reply after the EFAULT");
		/* an address that is not NULL but maps nothing: the kernel's
		 * copy_from_user / copy_to_user fail with EFAULT; a received
		 * datagram is gone (netlink_recvmsg frees it either way) */
		void *nowhere = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct iovec biov[2] = { { buf, 8 }, { nowhere, 64 } };
		struct msghdr bad2 = { .msg_iov = biov, .msg_iovlen = 2 };

		CHECK(nowhere != MAP_FAILED, "mmap");
		errno = 0;
		CHECK(send(fd, nowhere, 64, 0) < 0 && errno == EFAULT, "send from PROT_NONE: %s",
		      strerror(errno));
		errno = 0;
		CHECK(sendmsg(fd, &bad2, 0) < 0 && errno == EFAULT,
		      "sendmsg, an iovec on PROT_NONE: %s", strerror(errno));
		genl_init(&r, fam, CMD_DEV_GET, 0);
		put_u32(&r, DEV_IFINDEX, (uint32_t)ifx);
		CHECK(send(fd, &r, r.n.nlmsg_len, 0) == (ssize_t)r.n.nlmsg_len, "send");
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		CHECK(poll(&pf, 1, 2000) == 1, "the reply is due");
		errno = 0;
		CHECK(recv(fd, nowhere, 4096, MSG_DONTWAIT) < 0 && errno == EFAULT,
		      "recv into PROT_NONE: %s", strerror(errno));
		errno = 0;
		CHECK(recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN,
		      "the reply is gone after recv's EFAULT: %s", strerror(errno));
		CHECK(send(fd, &r, r.n.nlmsg_len, 0) == (ssize_t)r.n.nlmsg_len, "send");
		CHECK(poll(&pf, 1, 2000) == 1, "the reply is due");
		errno = 0;
		CHECK(recvmsg(fd, &bad2, MSG_DONTWAIT) < 0 && errno == EFAULT,
		      "recvmsg, an iovec on PROT_NONE: %s", strerror(errno));
		CHECK(send(fd, &r, r.n.nlmsg_len, 0) == (ssize_t)r.n.nlmsg_len, "send");
		CHECK(recv(fd, buf, sizeof(buf), 0) > 0, "a reply after the EFAULTs");
		munmap(nowhere, 4096);
		printf("ok bad iovec\n");
	}
	printf("ok poll select epoll\n");
	/* a fork child's inherited socket is the kernel's alone: the kernel
	 * knows no such interface */
	pid_t pid = fork();
	if (pid == 0) {
		genl_init(&r, fam, CMD_DEV_GET, NLM_F_ACK);
		put_u32(&r, DEV_IFINDEX, (uint32_t)ifx);
		talk(fd, &r, &a);
		_exit(a.error == -ENODEV ? 0 : 1);
	}
	int st = 0;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the fork child's netlink: status %d", st);
	printf("ok fork child\n");

	/* dev-get dump: the kernel's lo and ours */
	genl_init(&r, fam, CMD_DEV_GET, NLM_F_DUMP);
	a.attr_type = DEV_IFINDEX;
	a.want_attr = ifx;
	talk(fd, &r, &a);
	CHECK(a.error == 0 && a.matches == 1 && a.replies >= 2, "dev-get dump: %d %d %d", a.error,
	      a.matches, a.replies);
	a.want_attr = 1;
	talk(fd, &r, &a);
	CHECK(a.matches == 1, "dev-get dump lacks lo");
	printf("ok dev-get dump\n");

	/* queue-get dump of ours: its RX queues */
	genl_init(&r, fam, CMD_QUEUE_GET, NLM_F_DUMP);
	put_u32(&r, QUEUE_IFINDEX, (uint32_t)ifx);
	a.attr_type = QUEUE_TYPE;
	a.want_attr = 0;
	talk(fd, &r, &a);
	nrx = a.matches;
	CHECK(a.error == 0 && nrx >= 2, "queue-get dump: %d rx queues", nrx);
	printf("ok queue-get dump\n");
	genl_init(&r, fam, CMD_NAPI_GET, NLM_F_DUMP);
	put_u32(&r, NAPI_IFINDEX, (uint32_t)ifx);
	a.attr_type = 0;
	talk(fd, &r, &a);
	CHECK(a.error == 0 && a.replies >= nrx, "napi-get dump: %d", a.replies);
	printf("ok napi-get dump\n");

	/* the buffer: a sealed memfd (where /dev/udmabuf would make a dma-buf) */
	mfd = memfd_create("nmp_nl", MFD_ALLOW_SEALING);
	CHECK(mfd >= 0 && ftruncate(mfd, 4 << 20) == 0 && fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0,
	      "memfd");

	int q1 = 1, q99 = 99;
	/* header split, as ncdevmem's self-test turns it: off, bind-rx is
	 * refused; on again */
	uint16_t et = family(fd, "ethtool");
	CHECK(et != 0, "no ethtool family");
	CHECK(data_split(fd, et, ifx, false, &a) == 0, "tcp-data-split off: %d \"%s\"", a.error, a.msg);
	bind_req(&r, fam, ifx, mfd, &q1, 1, 0);
	refused(fd, &r, EINVAL, "tcp-data-split is disabled", "header split off");
	CHECK(data_split(fd, et, ifx, true, &a) == 0, "tcp-data-split on: %d \"%s\"", a.error, a.msg);
	printf("ok header split\n");
	bind_req(&r, fam, ifx, mfd, NULL, 0, 0);
	refused(fd, &r, EINVAL, "", "bind-rx without queues");
	bind_req(&r, fam, ifx, mfd, &q1, 1, 12288);
	refused(fd, &r, EINVAL, "rx-page-size must be a power of 2", "rx-page-size 12288");
	bind_req(&r, fam, ifx, mfd, &q1, 1, 2048);
	refused(fd, &r, ERANGE, "integer out of range", "rx-page-size 2048");
	bind_req(&r, fam, ifx, mfd, &q99, 1, 0);
	refused(fd, &r, EINVAL, "", "queue 99");
	bind_req(&r, fam, ifx, 9999, &q1, 1, 0);
	refused(fd, &r, EBADF, "", "a closed fd");

	/* the binding */
	bind_req(&r, fam, ifx, mfd, &q1, 1, 8192);
	talk(fd, &r, &a);
	int64_t id = a.replies ? attr_u32((void *)a.reply, GENL_HDRLEN, DMABUF_ID) : -1;
	CHECK(a.error == 0 && id > 0, "bind-rx: %d \"%s\" id %lld", a.error, a.msg, (long long)id);
	CHECK(queue_dmabuf(fd, fam, ifx, 1) == id, "queue 1 does not show the binding");
	CHECK(queue_dmabuf(fd, fam, ifx, 0) == 0, "queue 0 shows a binding");
	printf("ok bind-rx\n");
	/* what the kernel refuses while a queue has a memory provider */
	CHECK(data_split(fd, et, ifx, false, &a) == -EINVAL &&
	      !strcmp(a.msg, "can't disable tcp-data-split while device has memory provider enabled"),
	      "tcp-data-split off while bound: %d \"%s\"", a.error, a.msg);
	et_init(&r, et, ET_CHANNELS_SET, ifx);
	put_u32(&r, ET_CHANNELS_RX_COUNT, 1);
	refused(fd, &r, EINVAL,
		"requested channel counts are too low for existing memory provider setting (1)",
		"a channel count dropping a bound queue");
	fd2 = nl_open();
	bind_req(&r, fam, ifx, mfd, &q1, 1, 0);
	refused(fd2, &r, EEXIST, "designated queue already memory provider bound",
		"a bound queue");
	/* the binding is fd's: closing it unbinds */
	close(fd);
	CHECK(queue_dmabuf(fd2, fam, ifx, 1) == 0, "queue 1 still bound after close");
	printf("ok close unbinds\n");
	bind_req(&r, fam, ifx, mfd, &q1, 1, 0);
	talk(fd2, &r, &a);
	CHECK(a.error == 0, "bind-rx after close: %d \"%s\"", a.error, a.msg);
	close(fd2);
	close(mfd);
	return fails ? 1 : 0;
}

/* rings-set of tcp-data-split and hds-thresh (set), then rings-get. */
static int run_rings(const char *ifname, bool set, bool on, uint32_t hds)
{
	int ifx = (int)if_nametoindex(ifname), fd = nl_open();
	uint16_t et = family(fd, "ethtool");
	struct answer a = { 0 };
	struct req r;

	CHECK(ifx > 0 && et, "%s: ifindex %d, ethtool family %u", ifname, ifx, et);
	if (fails)
		return 1;
	if (set) {
		uint8_t v = on ? 2 : 1;

		et_init(&r, et, ET_RINGS_SET, ifx);
		put(&r, ET_RINGS_TCP_DATA_SPLIT, &v, 1);
		put_u32(&r, ET_RINGS_HDS_THRESH, hds);
		talk(fd, &r, &a);
		CHECK(a.error == 0, "rings-set: %d \"%s\"", a.error, a.msg);
	}
	et_init(&r, et, ET_RINGS_GET, ifx);
	r.n.nlmsg_flags = NLM_F_REQUEST;
	talk(fd, &r, &a);
	CHECK(a.error == 0 && a.replies == 1, "rings-get: %d \"%s\"", a.error, a.msg);
	if (!fails)
		printf("tcp-data-split %d hds-thresh %lld\n",
		       attr_u8((void *)a.reply, GENL_HDRLEN, ET_RINGS_TCP_DATA_SPLIT),
		       (long long)attr_u32((void *)a.reply, GENL_HDRLEN, ET_RINGS_HDS_THRESH));
	close(fd);
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "netdev"))
		return run_netdev(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "family")) {
		int fd = nl_open();
		uint16_t id = family(fd, argv[2]);

		printf("id %u\n", id);
		return id ? 0 : 1;
	}
	if (argc == 3 && !strcmp(argv[1], "rings"))
		return run_rings(argv[2], false, false, 0);
	if (argc == 5 && !strcmp(argv[1], "rings"))
		return run_rings(argv[2], true, !strcmp(argv[3], "on"),
				 (uint32_t)strtoul(argv[4], NULL, 0));
	fprintf(stderr, "usage: nmp_nl netdev IFNAME | family NAME | rings IFNAME [on|off HDS]\n");
	return 2;
}
