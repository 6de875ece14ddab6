/* SPDX-License-Identifier: MIT */
/*
 * The control endpoint: how every process of a `netmem run` reaches the
 * NIC's control plane, which lives in the one process that owns the NIC.
 *
 * netmem run names the endpoint in NETMEM_CTL ("netmem-RUNPID-NONCE"); two
 * abstract AF_UNIX SOCK_SEQPACKET names derive from it:
 *   "\0NETMEM_CTL"        listened on by the process that owns the NIC
 *                         (from its bring-up, and by a later owner after
 *                         a takeover);
 *   "\0NETMEM_CTL.first"  listened on by the run's first process (the
 *                         program netmem run started, its child; again
 *                         after its exec), so
 *                         that a helper it starts before any process owns
 *                         the NIC (ncdevmem runs ethtool first, a shell
 *                         runs ethtool before the program) finds someone
 *                         to bring the NIC up: the first process, with a
 *                         control-only NIC (up.c) that it hands over to the
 *                         first other process that wants the NIC.
 * A helper (a child, a program it execs, `sudo ethtool`) sends its request
 * to the owner's name, else to the first process's; one connection per
 * request.  A process answers its own requests when it owns the NIC or
 * may bring it up and is the first process (rt_nic_here).
 *
 * The server thread answers with a control-only NIC where this process has
 * none yet (rt_serving_set), and serves EP_OP_HANDOVER: another process of
 * the run asks for the NIC (up.c, rt_handover_give), and gets the NIC's
 * configuration (nic_conf.c) once this process no longer listens on the
 * owner's name.
 *
 * Who gets in: the server reads its peer's SO_PEERCRED and walks the
 * peer's parents (/proc/PID/stat) up to netmem run (RUNPID): only
 * processes of this run are served; any other gets EPERM for every
 * request, as the kernel admits only CAP_NET_ADMIN to these operations.
 *
 * The server is one thread (started with the first name bound) that
 * sleeps in poll on its listeners and connections and takes the stack
 * lock for each request only, so the data path never waits on a helper.
 *
 * exec: sudo and env -i clear the environment of the program they start;
 * execve() puts LD_PRELOAD and the NETMEM_* variables back where they are
 * missing, so `sudo ethtool` under netmem run is a helper of the run.  The
 * owner's execve() also hands the NIC's configuration to its new image
 * (NETMEM_NIC_CONF, a memfd).
 *
 * Messages: a request is struct ep_msg followed by in bytes; the answer is
 * struct ep_msg (ret, out) followed by out bytes.
 *
 * Workload: control path: a few requests per ethtool command.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "ctl/nl_sock.h"
#include "rt/rt_internal.h"
#include "util/fd.h"

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define EP_SEND_WAIT_S	2		/* at most, for a peer to take an answer */
#define EP_OP_NIC	1		/* rt_nic_serve(req, ...) */
/* RT_EP_NL_OPEN (2): the connection becomes a netlink socket of the owner;
 * RT_EP_NL_SEND (3): one send on it, answered by EP_OP_NL_DGRAM messages,
 * then the return; RT_EP_NL_CLOSE (5): the socket closed, then the answer
 * (nl_fwd.c) */
#define EP_OP_NL_DGRAM	4
#define EP_OP_HANDOVER	6		/* give the NIC to the asker (up.c), answered
					 * with its configuration (nic_conf.c) */
#define EP_OP_HANDBACK	7		/* the exiting owner's configuration, to the
					 * first process (up.c) */
#define EP_MAX_CONN	32
#define EP_TIMEOUT_S	30		/* a client waits this long for an answer */

struct ep_msg {
	uint32_t op;
	uint32_t in, cap, out;
	uint64_t req;
	int32_t ret;
	uint32_t pad;
};

static struct {
	char name[96];			/* NETMEM_CTL, "" without netmem run */
	pid_t run_pid;			/* netmem run's pid, from the name */
	int first_fd, owner_fd;		/* listeners, -1 none */
	bool thread;			/* the server thread runs */
	pthread_mutex_t mu;		/* listeners and the thread's start */
	int wake[2];			/* a pipe: a new listener for the thread */
} ep = { .first_fd = -1, .owner_fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER,
	 .wake = { -1, -1 } };

/* ---- names ---------------------------------------------------------------------------- */

static socklen_t ep_addr(struct sockaddr_un *a, bool first)
{
	int n;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "%s%s", ep.name,
		     first ? ".first" : "");
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static int ep_listen(bool first)
{
	struct sockaddr_un a;
	socklen_t len = ep_addr(&a, first);
	int fd = REAL(socket)(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	if (REAL(bind)(fd, (struct sockaddr *)&a, len) < 0 || REAL(listen)(fd, 16) < 0) {
		int e = errno;

		REAL(close)(fd);
		return -e;
	}
	return nm_fd_lift(fd);
}

/* ---- who may use it ------------------------------------------------------------------- */

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	pid_t pp = -1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = REAL(read)(fd, buf, sizeof(buf) - 1);
	REAL(close)(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');	/* the command may hold spaces and parentheses */
	if (p && sscanf(p + 1, " %*c %d", &pp) != 1)
		pp = -1;
	return pp;
}

/* The peer (*pid) is netmem run or one of its descendants. */
static bool peer_of_run(int fd, pid_t *pid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	pid_t p;

	if (REAL(getsockopt)(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || cr.pid <= 0)
		return false;
	*pid = cr.pid;
	for (p = cr.pid; p > 1; p = parent_of(p))
		if (p == ep.run_pid)
			return true;
	return false;
}

/* ---- the server ---------------------------------------------------------------------- */

struct ep_conn {
	int fd;
	bool allowed;
	pid_t pid;			/* the peer's */
	struct nm_nl_sock *nl;		/* a forwarded netlink socket */
};

static void conn_close(struct ep_conn *c)
{
	if (c->nl) {
		rt_lock();
		nm_nl_sock_close(c->nl);	/* its bindings go, as the kernel's */
		rt_unlock();
		c->nl = NULL;
	}
	REAL(close)(c->fd);
	c->fd = -1;
}

/*
 * An answer to c.  A peer that does not read its answers must not stall
 * the server (and every other helper of the run with it): the connection's
 * sends wait EP_SEND_WAIT_S at most (SO_SNDTIMEO, set at accept), and a
 * send that fails closes the connection.  False when it did.
 */
static bool conn_send(struct ep_conn *c, struct iovec *iov, size_t n)
{
	if (c->fd >= 0 && REAL(sendmsg)(c->fd, &(struct msghdr){ .msg_iov = iov,
							       .msg_iovlen = n },
				     MSG_NOSIGNAL) >= 0)
		return true;
	if (c->fd >= 0)
		conn_close(c);
	return false;
}

/* A dma-buf fd a forwarded bind-rx names is the helper's number: a copy
 * of the helper's fd is looked up here. */
static int fwd_dmabuf(void *arg, int fd, struct nm_dmabuf **out)
{
	int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)(intptr_t)arg, 0), mine, r;

	if (pidfd < 0)
		return -EBADF;
	mine = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	REAL(close)(pidfd);
	if (mine < 0)
		return -EBADF;
	r = rt_nl_dmabuf(NULL, mine, out);
	REAL(close)(mine);
	return r;
}

/* Lock held: the helper's socket state onto the owner's socket. */
static void nl_state_apply(struct nm_nl_sock *s, const struct rt_ep_nl_state *st)
{
	static const int opts[] = { NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK };
	int v[3] = { st->ext_ack, st->cap_ack, st->strict };

	nm_nl_sock_bind(s, st->portid, st->groups);
	nm_nl_sock_set_recv_size(s, st->rcvlen);
	for (int i = 0; i < 3; i++)
		nm_nl_sock_setsockopt(s, opts[i], &v[i], sizeof(v[i]));
	for (uint32_t g = 1; g <= 32 * 32; g++)
		if (st->members[(g - 1) / 32] & (1u << ((g - 1) % 32)))
			nm_nl_sock_add_membership(s, g);
}

static int nl_open(struct ep_conn *c, const struct rt_ep_nl_open *o)
{
	int r;

	if (c->nl)
		return nm_err(EINVAL, "control endpoint: the netlink socket is open");
	r = rt_nic_enter();
	if (r < 0)
		return r;
	r = rt_nl_view(true);
	if (r >= 0)
		r = nm_nl_sock_open(o->protocol, &c->nl);
	if (r >= 0)
		nm_nl_sock_set_dmabuf_lookup(c->nl, fwd_dmabuf, (void *)(intptr_t)c->pid);
	rt_unlock();
	return r < 0 ? r : 0;
}

/* One forwarded send: every datagram the socket then holds goes back, then
 * the send's return.  The datagrams are taken under the lock and sent
 * after it. */
static int nl_send(struct ep_conn *c, const struct rt_ep_nl_state *st, const void *buf,
		   size_t len)
{
	static uint8_t dg[1u << 17];
	struct ep_msg m = { .op = EP_OP_NL_DGRAM };
	struct iovec iov[2] = { { &m, sizeof(m) }, { NULL, 0 } };
	uint8_t *all = NULL, *p;
	size_t total = 0;
	ssize_t r, n;
	bool trunc, binds;
	int e;

	if (!c->nl)
		return nm_err(EINVAL, "control endpoint: no netlink socket open");
	/* a binding is more than control: the NIC that takes it must be the
	 * one on the wire (up.c; a control-only NIC cannot hand it over) */
	binds = nm_nl_sock_binds(c->nl, buf, len);
	if (binds)
		rt_serving_set(false);
	e = rt_nic_enter();
	if (binds)
		rt_serving_set(true);
	if (e < 0)
		return e;
	nl_state_apply(c->nl, st);
	r = nm_nl_sock_send(c->nl, buf, len);
	while ((n = nm_nl_sock_recv(c->nl, dg, sizeof(dg), 0, &trunc)) >= 0) {
		p = realloc(all, total + sizeof(uint32_t) + (size_t)n);
		if (!p)
			break;
		all = p;
		memcpy(all + total, &(uint32_t){ (uint32_t)n }, sizeof(uint32_t));
		memcpy(all + total + sizeof(uint32_t), dg, (size_t)n);
		total += sizeof(uint32_t) + (size_t)n;
	}
	rt_unlock();
	for (size_t off = 0; off < total;) {
		uint32_t l;

		memcpy(&l, all + off, sizeof(l));
		iov[1] = (struct iovec){ all + off + sizeof(l), l };
		m.out = l;
		if (!conn_send(c, iov, 2))
			break;
		off += sizeof(l) + l;
	}
	free(all);
	return (int)r;
}

/* Ours is the owner's name no longer: helpers find the new owner. */
static void ep_unown(void)
{
	pthread_mutex_lock(&ep.mu);
	if (ep.owner_fd >= 0)
		REAL(close)(ep.owner_fd);
	ep.owner_fd = -1;
	pthread_mutex_unlock(&ep.mu);
}

/* Another process of the run asks for the NIC: the listener goes before
 * the answer, so the new owner's bind of the name finds it free. */
static void serve_handover(struct ep_conn *c)
{
	static struct {
		struct ep_msg m;
		struct rt_nic_conf conf;
	} a;
	int r;

	rt_lock();
	r = rt_handover_give(c->pid, &a.conf);
	rt_unlock();
	if (r == 0)
		ep_unown();
	a.m = (struct ep_msg){ .op = EP_OP_NIC, .ret = r, .out = r < 0 ? 0 : sizeof(a.conf) };
	conn_send(c, &(struct iovec){ &a, sizeof(a.m) + a.m.out }, 1);
}

static void serve_one(struct ep_conn *c)
{
	static uint8_t in[sizeof(struct ep_msg) + sizeof(struct rt_ep_nl_state) + RT_ETH_MAX];
	struct ep_msg *m = (struct ep_msg *)in;
	struct iovec iov[2];
	size_t out = 0;
	ssize_t n;
	int r;

	n = REAL(recv)(c->fd, in, sizeof(in), 0);
	if (n <= 0) {
		conn_close(c);
		return;
	}
	if ((size_t)n < sizeof(*m) || m->in != (size_t)n - sizeof(*m) ||
	    m->cap > RT_ETH_MAX || (m->op == EP_OP_NIC && m->in > m->cap)) {
		r = nm_err(EINVAL, "control endpoint: a malformed request");
	} else if (!c->allowed) {
		r = nm_err(EPERM, "control endpoint: the peer is not a process of this netmem "
			   "run");
	} else if (m->op == RT_EP_NL_OPEN && m->in == sizeof(struct rt_ep_nl_open)) {
		r = nl_open(c, (const struct rt_ep_nl_open *)(m + 1));
	} else if (m->op == RT_EP_NL_OPEN || m->op == RT_EP_NL_SEND) {
		r = m->op == RT_EP_NL_OPEN || m->in < sizeof(struct rt_ep_nl_state)
		    ? nm_err(EINVAL, "control endpoint: a malformed netlink request")
		    : nl_send(c, (const struct rt_ep_nl_state *)(m + 1),
			      (const uint8_t *)(m + 1) + sizeof(struct rt_ep_nl_state),
			      m->in - sizeof(struct rt_ep_nl_state));
	} else if (m->op == EP_OP_HANDOVER) {
		serve_handover(c);
		return;
	} else if (m->op == EP_OP_HANDBACK) {
		r = m->in == sizeof(struct rt_nic_conf) &&
		    rt_conf_valid((const struct rt_nic_conf *)(m + 1), m->in)
		    ? 0 : nm_err(EINVAL, "control endpoint: a malformed configuration");
		if (r == 0) {
			rt_lock();
			r = rt_handback_take(c->pid, (const struct rt_nic_conf *)(m + 1));
			rt_unlock();
		}
	} else if (m->op == RT_EP_NL_CLOSE) {
		/* the helper's close() waits for this: its bindings are gone
		 * before its next call, as the kernel's close is synchronous */
		if (c->nl) {
			rt_lock();
			nm_nl_sock_close(c->nl);
			rt_unlock();
			c->nl = NULL;
		}
		r = 0;
	} else if (m->op != EP_OP_NIC) {
		r = nm_err(EOPNOTSUPP, "control endpoint: request %u unknown", m->op);
	} else if ((r = rt_nic_enter()) == 0) {
		r = rt_nic_serve((unsigned long)m->req, m + 1, m->in, m->cap, &out);
		rt_unlock();
	}
	m->ret = r;
	m->out = (uint32_t)(r < 0 && out > m->cap ? 0 : out);
	iov[0] = (struct iovec){ m, sizeof(*m) };
	iov[1] = (struct iovec){ m + 1, m->out };
	m->op = EP_OP_NIC;
	conn_send(c, iov, 2);
}

static void accept_one(int lfd, struct ep_conn *conns)
{
	int fd = REAL(accept4)(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	fd = nm_fd_lift(fd);
	for (int i = 0; i < EP_MAX_CONN; i++) {
		if (conns[i].fd < 0) {
			REAL(setsockopt)(fd, SOL_SOCKET, SO_SNDTIMEO,
					 &(struct timeval){ .tv_sec = EP_SEND_WAIT_S },
					 sizeof(struct timeval));
			conns[i] = (struct ep_conn){ .fd = fd };
			conns[i].allowed = peer_of_run(fd, &conns[i].pid);
			return;
		}
	}
	REAL(close)(fd);	/* too many at once: the client sees its end close */
}

static void *server_main(void *arg)
{
	struct ep_conn conns[EP_MAX_CONN];
	struct pollfd p[3 + EP_MAX_CONN];
	sigset_t all;
	char b[16];

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	rt_serving_set(true);	/* a control-only NIC is enough here (up.c) */
	for (int i = 0; i < EP_MAX_CONN; i++)
		conns[i].fd = -1;
	for (;;) {
		nfds_t n = 0;

		pthread_mutex_lock(&ep.mu);
		p[n++] = (struct pollfd){ .fd = ep.wake[0], .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = ep.first_fd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = ep.owner_fd, .events = POLLIN };
		pthread_mutex_unlock(&ep.mu);
		for (int i = 0; i < EP_MAX_CONN; i++)
			p[n++] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
		if (REAL(poll)(p, n, -1) < 0)
			continue;
		if (p[0].revents)
			while (REAL(read)(ep.wake[0], b, sizeof(b)) > 0)
				;
		for (int k = 1; k <= 2; k++)
			if (p[k].revents & POLLIN)
				accept_one(p[k].fd, conns);
		for (int i = 0; i < EP_MAX_CONN; i++)
			if (conns[i].fd >= 0 && p[3 + i].revents)
				serve_one(&conns[i]);
	}
	return NULL;
}

/* ep.mu held: the thread runs (or is told of a new listener). */
static int server_kick(void)
{
	pthread_attr_t a;
	pthread_t t;
	int r;

	if (ep.thread)
		return REAL(write)(ep.wake[1], "x", 1) < 0 ? -errno : 0;
	if (pipe2(ep.wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	ep.wake[0] = nm_fd_lift(ep.wake[0]);
	ep.wake[1] = nm_fd_lift(ep.wake[1]);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &a, server_main, NULL);
	pthread_attr_destroy(&a);
	if (r)
		return -r;
	ep.thread = true;
	return 0;
}

void rt_endpoint_owner(void)
{
	int fd;

	if (!ep.name[0] || ep.owner_fd >= 0)
		return;
	fd = ep_listen(false);
	if (fd < 0) {
		rt_note("the control endpoint %s: %s; helper processes cannot reach the NIC",
			ep.name, strerror(-fd));
		return;
	}
	pthread_mutex_lock(&ep.mu);
	ep.owner_fd = fd;
	if (server_kick() < 0)
		rt_note("no thread for the control endpoint: helper processes cannot reach the NIC");
	pthread_mutex_unlock(&ep.mu);
}

bool rt_nic_here(void)
{
	if (rt.orphan)		/* a fork child: the NIC is the parent's */
		return false;
	if (rt.up || rt.ctl_only || !ep.name[0])
		return true;
	/* the first process, or one that owns the NIC without having
	 * brought it up (an owner's image after exec) */
	return (ep.first_fd >= 0 || atomic_load(&rt.page->owner_pid) == getpid()) &&
	       rt_may_own();
}

/* ---- the client ------------------------------------------------------------------------- */

static int ep_connect(bool first)
{
	struct sockaddr_un a;
	socklen_t len = ep_addr(&a, first);
	struct timeval tv = { .tv_sec = EP_TIMEOUT_S };
	int fd = REAL(socket)(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	fd = nm_fd_lift(fd);
	REAL(setsockopt)(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (REAL(connect)(fd, (struct sockaddr *)&a, len) < 0) {
		int e = errno;

		REAL(close)(fd);
		return -e;
	}
	return fd;
}

static int ep_ask(int fd, unsigned long req, void *buf, size_t in, size_t cap, size_t *out)
{
	struct ep_msg m = { .op = EP_OP_NIC, .in = (uint32_t)in, .cap = (uint32_t)cap,
			    .req = req };
	struct iovec iov[2] = { { &m, sizeof(m) }, { buf, in } };
	ssize_t n;

	if (REAL(sendmsg)(fd, &(struct msghdr){ .msg_iov = iov, .msg_iovlen = 2 },
			  MSG_NOSIGNAL) < 0)
		return -errno;
	iov[1].iov_len = cap;
	n = REAL(recvmsg)(fd, &(struct msghdr){ .msg_iov = iov, .msg_iovlen = 2 }, 0);
	if (n < 0)
		return errno == EAGAIN ? nm_err(ETIMEDOUT, "the control endpoint did not answer "
						"in %d s", EP_TIMEOUT_S) : -errno;
	if ((size_t)n < sizeof(m) || m.out > cap || (size_t)n != sizeof(m) + m.out)
		return nm_err(EPROTO, "the control endpoint's answer is malformed");
	*out = m.out;
	return m.ret;
}

/* The owner's connection: its name, else the first process's. */
static int ep_reach(void)
{
	int fd;

	if (!ep.name[0])
		return nm_err(ENODEV, "netmem's NIC is in another process and there is no "
			      "control endpoint (NETMEM_CTL: start the program with netmem run)");
	fd = ep_connect(false);
	if (fd == -ECONNREFUSED || fd == -ENOENT)
		fd = ep_connect(true);
	if (fd < 0)
		return nm_err(ENODEV, "no process of this netmem run serves netmem's NIC (%s)",
			      strerror(-fd));
	return fd;
}

/* Send one message, read the answer (op EP_OP_NIC) after the datagrams
 * (each to dgram()). */
static int ep_exchange(int fd, uint32_t op, const void *a, size_t alen, const void *b,
		       size_t blen, int (*dgram)(void *, const void *, size_t), void *arg)
{
	size_t cap = sizeof(struct ep_msg) + (1u << 17);
	struct ep_msg m = { .op = op, .in = (uint32_t)(alen + blen) };
	struct iovec iov[3] = { { &m, sizeof(m) }, { (void *)a, alen }, { (void *)b, blen } };
	struct ep_msg *rm;
	ssize_t n;
	int r;

	if (REAL(sendmsg)(fd, &(struct msghdr){ .msg_iov = iov, .msg_iovlen = 3 },
			  MSG_NOSIGNAL) < 0)
		return -errno;
	rm = malloc(cap);
	if (!rm)
		return -ENOMEM;
	for (;;) {
		n = REAL(recv)(fd, rm, cap, 0);
		if (n < 0) {
			r = errno == EAGAIN ? nm_err(ETIMEDOUT, "the control endpoint did not "
						     "answer in %d s", EP_TIMEOUT_S) : -errno;
			break;
		}
		if ((size_t)n < sizeof(*rm) || (size_t)n != sizeof(*rm) + rm->out) {
			r = nm_err(EPROTO, "the control endpoint's answer is malformed");
			break;
		}
		if (rm->op != EP_OP_NL_DGRAM) {
			r = rm->ret;
			break;
		}
		if (dgram)
			dgram(arg, rm + 1, rm->out);
	}
	free(rm);
	return r;
}

int rt_endpoint_handover(struct rt_nic_conf *conf)
{
	static struct {
		struct ep_msg m;
		struct rt_nic_conf conf;
	} a;
	struct ep_msg m = { .op = EP_OP_HANDOVER };
	int fd = ep_reach();
	ssize_t n;

	if (fd < 0)
		return fd;
	if (REAL(send)(fd, &m, sizeof(m), MSG_NOSIGNAL) < 0) {
		n = -errno;
		goto out_close;
	}
	n = REAL(recv)(fd, &a, sizeof(a), 0);
	if (n < 0)
		n = errno == EAGAIN ? nm_err(ETIMEDOUT, "the owner did not answer in %d s",
					     EP_TIMEOUT_S) : -errno;
	else if ((size_t)n < sizeof(a.m) || (size_t)n != sizeof(a.m) + a.m.out ||
		 (a.m.out && a.m.out != sizeof(a.conf)))
		n = nm_err(EPROTO, "the control endpoint's answer is malformed");
	else if (a.m.ret < 0)
		n = a.m.ret;
	else
		n = 0;
	if (n == 0)
		memcpy(conf, &a.conf, sizeof(*conf));
out_close:
	REAL(close)(fd);
	return (int)n;
}

void rt_endpoint_handback(const struct rt_nic_conf *conf)
{
	int fd, r;

	if (!ep.name[0] || ep.first_fd >= 0)
		return;		/* no run, or this is the first process */
	fd = ep_connect(true);
	if (fd < 0)
		return;
	/* an exit waits for it a little only: the first process's server is
	 * one thread, which may be busy */
	REAL(setsockopt)(fd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ .tv_sec = 2 },
			 sizeof(struct timeval));
	r = ep_exchange(fd, EP_OP_HANDBACK, conf, sizeof(*conf), NULL, 0, NULL, NULL);
	if (r < 0)
		rt_debug("the NIC's configuration stays with this process: %s", strerror(-r));
	REAL(close)(fd);
}

int rt_endpoint_open(uint32_t op, const void *req, size_t len, int *out)
{
	int fd = ep_reach(), r;

	if (fd < 0)
		return fd;
	r = ep_exchange(fd, op, req, len, NULL, 0, NULL, NULL);
	if (r < 0) {
		REAL(close)(fd);
		return r;
	}
	*out = fd;
	return 0;
}

ssize_t rt_endpoint_nl_send(int fd, const struct rt_ep_nl_state *st, const void *buf,
			    size_t len, int (*dgram)(void *, const void *, size_t), void *arg)
{
	if (len > RT_ETH_MAX)
		return nm_err(EMSGSIZE, "a netlink send of %zu bytes", len);
	return ep_exchange(fd, RT_EP_NL_SEND, st, sizeof(*st), buf, len, dgram, arg);
}

int rt_endpoint_nl_close(int fd)
{
	return ep_exchange(fd, RT_EP_NL_CLOSE, NULL, 0, NULL, 0, NULL, NULL);
}

int rt_endpoint_call(unsigned long req, void *buf, size_t in, size_t cap, size_t *out)
{
	int fd, r;

	*out = 0;
	if (in > RT_ETH_MAX || cap > RT_ETH_MAX)
		return nm_err(EINVAL, "a request of %zu bytes", in);
	fd = ep_reach();
	if (fd < 0)
		return fd;
	r = ep_ask(fd, req, buf, in, cap, out);
	REAL(close)(fd);
	return r;
}

/* ---- exec: the run's environment survives sudo and env -i --------------------------------- */

static char **saved_env;	/* LD_PRELOAD and NETMEM_* at the start */

static void env_save(void)
{
	extern char **environ;
	int n = 0, k = 0;

	for (char **e = environ; e && *e; e++)
		n++;
	saved_env = calloc((size_t)n + 1, sizeof(*saved_env));
	for (char **e = environ; saved_env && e && *e; e++)
		if (!strncmp(*e, "NETMEM_", 7) || !strncmp(*e, "LD_PRELOAD=", 11))
			saved_env[k++] = strdup(*e);
}

static bool env_has(char *const *envp, const char *kv)
{
	size_t klen = (size_t)(strchr(kv, '=') - kv) + 1;

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, kv, klen))
			return true;
	return false;
}

/* The owner execs (bash and dash run a script's last command so, and
 * `exec ./prog`): the NIC's configuration goes to the new image in a memfd
 * (nic_conf.c), and the run page says the image holds nothing yet, so
 * another process may ask it for the NIC.  Only in the runtime's own
 * process (never a vfork child's: rt_foreign()), so the statics are its. */
static struct {
	int fd;				/* the memfd, -1: nothing to hand on */
	bool was_ctl_only;		/* the run page said so before */
	char env[32];			/* NETMEM_NIC_CONF=fd */
} ex = { .fd = -1 };

static void exec_conf_save(void)
{
	static struct rt_nic_conf c;

	ex.fd = -1;
	if (!rt.enabled || rt_foreign() || rt.orphan ||
	    atomic_load(&rt.page->owner_pid) != getpid())
		return;
	rt_lock();
	if (rt.nd && rt_conf_save(&c) == 0)
		ex.fd = rt_conf_to_memfd(&c);
	else if (!rt.nd && rt_conf_has_pending)
		ex.fd = rt_conf_to_memfd(&rt_conf_pending);
	ex.was_ctl_only = atomic_load(&rt.page->ctl_only_pid) == getpid();
	atomic_store(&rt.page->ctl_only_pid, getpid());
	rt_unlock();
	snprintf(ex.env, sizeof(ex.env), "NETMEM_NIC_CONF=%d", ex.fd);
}

/* The exec failed: the process goes on as it was. */
static void exec_conf_undo(void)
{
	int32_t me = getpid();

	if (ex.fd < 0)
		return;
	REAL(close)(ex.fd);
	ex.fd = -1;
	if (!ex.was_ctl_only)
		atomic_compare_exchange_strong(&rt.page->ctl_only_pid, &me, 0);
}

/* vfork-safe (posix_spawn and dash run this in a child sharing the
 * parent's memory and stack): the new environment is built on the stack,
 * and the frame is not instrumented: a sanitizer's redzones poisoned
 * here by a child that never returns would stay in the parent's stack. */
__attribute__((no_sanitize_address))
int execve(const char *path, char *const argv[], char *const envp[])
{
	bool restore = ep.name[0] && saved_env && !env_has(envp, "NETMEM_CTL=");
	int n = 0, k = 0, r, err;

	exec_conf_save();
	if (!restore && ex.fd < 0)
		return REAL(execve)(path, argv, envp);
	for (char *const *e = envp; e && *e; e++)
		n++;
	for (char **s = saved_env; restore && *s; s++)
		n++;
	if (n > 65536) {
		exec_conf_undo();
		return REAL(execve)(path, argv, envp);
	}
	{
		char *env[n + 2];

		for (char *const *e = envp; e && *e; e++)
			if (strncmp(*e, "NETMEM_NIC_CONF=", 16))
				env[k++] = *e;
		env[k] = NULL;
		for (char **s = saved_env; restore && *s; s++)
			if (!env_has(env, *s)) {
				env[k++] = *s;
				env[k] = NULL;
			}
		if (ex.fd >= 0)
			env[k++] = ex.env;
		env[k] = NULL;
		r = REAL(execve)(path, argv, env);
	}
	err = errno;
	exec_conf_undo();
	errno = err;
	return r;
}

/* ---- start -------------------------------------------------------------------------------- */

/* A fork child: the listeners and the thread are the parent's. */
static void ep_child(void)
{
	if (ep.first_fd >= 0)
		REAL(close)(ep.first_fd);
	if (ep.owner_fd >= 0)
		REAL(close)(ep.owner_fd);
	if (ep.wake[0] >= 0) {
		REAL(close)(ep.wake[0]);
		REAL(close)(ep.wake[1]);
	}
	ep.first_fd = ep.owner_fd = ep.wake[0] = ep.wake[1] = -1;
	ep.thread = false;
	pthread_mutex_init(&ep.mu, NULL);
}

__attribute__((constructor(102))) static void ep_init(void)
{
	const char *v = getenv("NETMEM_CTL");
	int fd, pid;

	if (!rt.enabled || !v || !*v || strlen(v) >= sizeof(ep.name) - 8 ||
	    sscanf(v, "netmem-%d-", &pid) != 1 || pid <= 1)
		return;
	snprintf(ep.name, sizeof(ep.name), "%s", v);
	ep.run_pid = pid;
	env_save();
	pthread_atfork(NULL, NULL, ep_child);
	if (getppid() != ep.run_pid)
		return;		/* not the program netmem run started */
	fd = ep_listen(true);
	if (fd < 0)
		return;		/* another process of the run is the first */
	pthread_mutex_lock(&ep.mu);
	ep.first_fd = fd;
	if (server_kick() < 0) {
		REAL(close)(ep.first_fd);
		ep.first_fd = -1;
	}
	pthread_mutex_unlock(&ep.mu);
}
