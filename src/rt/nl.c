/* SPDX-License-Identifier: MIT */
/*
 * AF_NETLINK sockets of the program: NETLINK_GENERIC and NETLINK_ROUTE
 * sockets answered by the emulated families (src/ctl/nl_sock.h) in the
 * process that owns the NIC, so a devmem program's hand-written generic
 * netlink, libmnl, ynl or iproute2-style requests reach netmem's NIC,
 * and requests about the kernel's interfaces still reach the kernel.
 *
 * The program's socket() makes a real kernel netlink socket, which stays
 * its fd (fstat, getsockname, bind and every option are the kernel's) and
 * carries what the kernel sends on its own: multicast notifications of
 * the groups the program joined.  The runtime follows the fd (struct
 * rt_nl, kind RT_NL) and answers what the program sends to the kernel
 * (destination portid 0) through the object: its bytes go to
 * nm_nl_sock_send(), its receives read the object's queue first, then
 * the kernel fd.  The socket's portid (bound on first use, as the kernel
 * autobinds on send), NETLINK_EXT_ACK, NETLINK_CAP_ACK,
 * NETLINK_GET_STRICT_CHK and the joined groups are read from the kernel
 * socket before each send, so the program's bind() and setsockopt() go to
 * the kernel unchanged.
 *
 * The first send brings the NIC up (as a netmem socket does); in a helper
 * process of the run (rt_nic_here() false) the socket is forwarded to the
 * owner instead (nl_fwd.c); where neither works, the socket stays the
 * kernel's alone.
 *
 * Readiness: poll(), ppoll(), select() and pselect() see the queued
 * replies (rt_nl_poll(), rt_nl_select()); a netlink socket in epoll is the
 * kernel fd's readiness only
 * (the replies to a request are queued inside the program's own send, so
 * a program that sends, then waits, finds them at once with poll or a
 * blocking recv).
 *
 * Locking: the object and the emulated socket under rt_lock (the NIC is
 * touched); a blocking receive sleeps without it.
 */
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <netmem/dmabuf.h>
#include <netmem/netdev.h>

#include "ctl/nl_sock.h"
#include "rt/rt_internal.h"
#include "util/fd.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define NL_MAX_SEND	(64u << 10)
#define NL_MAX_EPOLLS	8

struct rt_nl {
	struct rt_obj obj;		/* RT_NL */
	int fds;			/* fd numbers pointing here */
	int protocol;
	struct nm_nl_sock *s;		/* NULL until the first send */
	struct rt_nlfwd *fwd;		/* or: forwarded to the owner (a helper) */
	bool kernel_only;		/* this process cannot own the NIC */
	uint32_t max_rcv;		/* largest receive (forwarded: the owner
					 * cuts dump datagrams to it) */
	/* epoll: an eventfd of the runtime, readable exactly while the
	 * emulated socket is, registered beside the socket in each epoll
	 * that watches it, with the program's event data */
	int evfd;			/* -1 until an epoll watches */
	bool ev_on;
	int epfds[NL_MAX_EPOLLS], nep;
	struct rt_nl *next;		/* every followed socket */
};

static struct rt_nl *nls;

static struct rt_nl *nl_of(int fd)
{
	struct rt_obj *o = rt_fd_get(fd);

	return o && o->kind == RT_NL ? (struct rt_nl *)o : NULL;
}

/* The runtime answers netlink here: not inside its own calls, not in a
 * fork child (its copy of the emulated sockets is the parent's: there the
 * socket is the kernel's alone). */
static bool active(void)
{
	return rt.enabled && !rt.orphan && !rt_locked_here();
}

bool rt_nl_is(int fd)
{
	return active() && nl_of(fd) != NULL;
}

void rt_nl_track(int fd, int protocol)
{
	struct rt_nl *nl;

	if (protocol != NETLINK_GENERIC && protocol != NETLINK_ROUTE)
		return;
	nl = rt_obj_new(RT_NL, sizeof(*nl));
	if (!nl)
		return;		/* the kernel's alone */
	nl->protocol = protocol;
	nl->evfd = -1;
	rt_lock();
	if (rt_fd_set(fd, &nl->obj) == 0) {
		nl->fds = 1;
		nl->next = nls;
		nls = nl;
	} else {
		rt_obj_free(&nl->obj);
	}
	rt_unlock();
}

void rt_nl_attach(int fd, struct rt_obj *o)
{
	if (rt_fd_set(fd, o) == 0)
		((struct rt_nl *)o)->fds++;
}

/* Lock held: one fd fewer; the last one closes the emulated socket (its
 * bindings go, as the kernel's netdev_nl_sock_priv_destroy()). */
static void ev_sync_all(void);

void rt_nl_fd_gone(struct rt_obj *o)
{
	struct rt_nl *nl = (struct rt_nl *)o;

	if (--nl->fds > 0)
		return;
	for (struct rt_nl **p = &nls; *p; p = &(*p)->next)
		if (*p == nl) {
			*p = nl->next;
			break;
		}
	if (nl->evfd >= 0) {
		/* a fork child shares the parent's epolls: its registrations
		 * are the parent's to keep */
		for (int i = 0; i < nl->nep && !rt.orphan; i++)
			REAL(epoll_ctl)(nl->epfds[i], EPOLL_CTL_DEL, nl->evfd, NULL);
		rt_fd_priv_set(nl->evfd, false);
		REAL(close)(nl->evfd);
	}
	if (nl->s && !rt.orphan) {
		nm_nl_sock_close(nl->s);
		ev_sync_all();	/* its unbinding notified the others */
	}
	if (nl->fwd)
		rt_nlfwd_close(nl->fwd);
	rt_obj_free(&nl->obj);
}

/* ---- epoll: the eventfd mirror --------------------------------------------------------- */

/* Lock held: nl's eventfd readable iff its emulated socket is. */
/* Lock held: replies queued for the program. */
static bool nl_readable(const struct rt_nl *nl)
{
	return nl->fwd ? rt_nlfwd_readable(nl->fwd) : nl->s && nm_nl_sock_readable(nl->s);
}

static void ev_sync(struct rt_nl *nl)
{
	bool on = nl_readable(nl);
	uint64_t v = 1;

	if (nl->evfd < 0 || on == nl->ev_on)
		return;
	if (on ? REAL(write)(nl->evfd, &v, sizeof(v)) < 0 :
		 REAL(read)(nl->evfd, &v, sizeof(v)) < 0) {
		/* saturated, or drained already: the state is right either way */
	}
	nl->ev_on = on;
}

/* A request or a close can queue notifications on any socket. */
static void ev_sync_all(void)
{
	for (struct rt_nl *nl = nls; nl; nl = nl->next)
		ev_sync(nl);
}

int rt_nl_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	int r = REAL(epoll_ctl)(epfd, op, fd, ev);
	struct epoll_event mirror;
	struct rt_nl *nl;

	if (r < 0)
		return r;
	rt_lock();
	nl = nl_of(fd);
	if (nl && op == EPOLL_CTL_ADD && nl->evfd < 0) {
		nl->evfd = nm_fd_lift(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
		if (nl->evfd >= 0)
			rt_fd_priv_set(nl->evfd, true);
		nl->ev_on = false;
		ev_sync(nl);
	}
	if (nl && nl->evfd >= 0) {
		if (ev) {
			/* readable, with the program's flags and data */
			mirror = *ev;
			mirror.events &= EPOLLIN | EPOLLRDNORM | EPOLLET | EPOLLONESHOT |
					 EPOLLWAKEUP | EPOLLEXCLUSIVE;
		}
		if (REAL(epoll_ctl)(epfd, op, nl->evfd, ev ? &mirror : NULL) == 0) {
			if (op == EPOLL_CTL_ADD && nl->nep < NL_MAX_EPOLLS)
				nl->epfds[nl->nep++] = epfd;
			for (int i = 0; op == EPOLL_CTL_DEL && i < nl->nep; i++)
				if (nl->epfds[i] == epfd)
					nl->epfds[i--] = nl->epfds[--nl->nep];
		}
	}
	rt_unlock();
	return 0;
}

/* ---- the view: netmem's interface as the program sees it ----------------------------- */

/* rt_internal.h: the view, under the number the run saw before */
int rt_nl_show(void)
{
	int u = nm_nl_user_ifindex(rt.nd);

	if (u > 0)
		return u;
	/* the number the run's programs saw before (a NIC replaced, or
	 * handed over: nic_conf.c), else a fresh one */
	u = nm_nl_view_add(rt.nd, rt.user_ifindex);
	if (u == -EEXIST)
		u = nm_nl_view_add(rt.nd, 0);
	if (u > 0 && rt_cfg.family)
		nm_nl_view_addr_add(u, rt_cfg.family, rt_cfg.ip, rt_cfg.plen);
	if (u > 0)
		rt.user_ifindex = u;
	return u;
}

int rt_nl_view(bool wait)
{
	int r;

	if (!rt.enabled)
		return -ENODEV;
	r = rt_up();
	if (r == -EINPROGRESS && wait)
		r = rt_wait_up(NULL);
	if (r == 0 && !rt.nd)
		r = -ENODEV;
	return r < 0 ? r : rt_nl_show();
}

/* ---- dma-bufs named by bind-rx/bind-tx ------------------------------------------------- */

/* A dma-buf fd of the program: a kernel dma-buf (imported), or a memfd
 * taken as the kernel's udmabuf takes one (sealed against shrinking, a page
 * multiple), for programs that make their buffer with memfd_create() where
 * /dev/udmabuf is not there. */
int rt_nl_dmabuf(void *arg, int fd, struct nm_dmabuf **out)
{
	int seals;
	off_t size;

	(void)arg;
	if (REAL(fcntl)(fd, F_GETFD) < 0)
		return -EBADF;
	if (rt_dmabuf_get(fd, out) == 0)	/* /dev/udmabuf, /dev/dma_heap (devfs.c) */
		return 0;
	if (nm_dmabuf_import_fd(fd, out) == 0)
		return 0;
	seals = REAL(fcntl)(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return -EINVAL;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0)
		return -EINVAL;
	return nm_udmabuf_create(fd, 0, (uint64_t)size, 0, out) < 0 ? -EINVAL : 0;
}

/* ---- the socket's state, read from the kernel socket ------------------------------------ */

static int opt_get(int fd, int opt)
{
	int v = 0;
	socklen_t l = sizeof(v);

	return REAL(getsockopt)(fd, SOL_NETLINK, opt, &v, &l) == 0 ? v : 0;
}

/* The portid (autobinding as the kernel does on send), the ack options and
 * the groups the program set on its kernel socket. */
static int state_of_kernel(int fd, struct rt_ep_nl_state *st)
{
	struct sockaddr_nl sa = { 0 };
	socklen_t l = sizeof(sa);

	memset(st, 0, sizeof(*st));
	if (REAL(getsockname)(fd, (struct sockaddr *)&sa, &l) < 0)
		return -errno;
	if (sa.nl_pid == 0) {
		struct sockaddr_nl any = { .nl_family = AF_NETLINK };

		if (REAL(bind)(fd, (struct sockaddr *)&any, sizeof(any)) < 0 && errno != EINVAL)
			return -errno;
		l = sizeof(sa);
		if (REAL(getsockname)(fd, (struct sockaddr *)&sa, &l) < 0)
			return -errno;
	}
	st->portid = sa.nl_pid;
	st->groups = sa.nl_groups;
	st->ext_ack = opt_get(fd, NETLINK_EXT_ACK);
	st->cap_ack = opt_get(fd, NETLINK_CAP_ACK);
	st->strict = opt_get(fd, NETLINK_GET_STRICT_CHK);
	l = sizeof(st->members);
	if (REAL(getsockopt)(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, st->members, &l) < 0)
		memset(st->members, 0, sizeof(st->members));
	return 0;
}

/* Lock held: that state onto the emulated socket. */
static int sync_from_kernel(int fd, struct rt_nl *nl)
{
	static const int opts[] = { NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK };
	struct rt_ep_nl_state st;
	int r = state_of_kernel(fd, &st), v[3];

	if (r < 0)
		return r;
	v[0] = st.ext_ack;
	v[1] = st.cap_ack;
	v[2] = st.strict;
	nm_nl_sock_bind(nl->s, st.portid, st.groups);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		nm_nl_sock_setsockopt(nl->s, opts[i], &v[i], sizeof(v[i]));
	for (uint32_t g = 1; g <= 32 * 32; g++)
		if (st.members[(g - 1) / 32] & (1u << ((g - 1) % 32)))
			nm_nl_sock_add_membership(nl->s, g);
	return 0;
}

/* Lock held: nl's emulated socket, made on first use; NULL when the
 * socket is the kernel's alone (this process cannot own the NIC). */
static struct nm_nl_sock *nl_sock(struct rt_nl *nl)
{
	if (!nl->s && !nl->fwd && !nl->kernel_only && !rt_nic_here()) {
		/* a helper: the owner answers, over the control endpoint */
		if (rt_nlfwd_open(nl->protocol, &nl->fwd) < 0) {
			nl->kernel_only = true;
			rt_debug("a netlink socket stays the kernel's: %s", nm_last_error());
		}
		return NULL;
	}
	if (!nl->s && !nl->fwd && !nl->kernel_only) {
		if (rt_nl_view(true) < 0 || nm_nl_sock_open(nl->protocol, &nl->s) < 0) {
			nl->kernel_only = true;
			rt_debug("a netlink socket stays the kernel's: %s", nm_last_error());
			return NULL;
		}
		nm_nl_sock_set_dmabuf_lookup(nl->s, rt_nl_dmabuf, NULL);
	}
	return nl->s;
}

/* ---- options ---------------------------------------------------------------------------- */

int rt_nl_setsockopt(int fd, int name, const void *val, socklen_t len)
{
	int r = REAL(setsockopt)(fd, SOL_NETLINK, name, val, len);
	struct rt_nl *nl;

	if (r < 0 || (name != NETLINK_ADD_MEMBERSHIP && name != NETLINK_DROP_MEMBERSHIP))
		return r;
	/* a group joined: the emulated socket (made now, the NIC brought
	 * up) hears netmem's events from here on */
	rt_lock();
	nl = nl_of(fd);
	if (nl && nl->protocol == NETLINK_GENERIC && nl_sock(nl)) {
		uint32_t g = 0;

		memcpy(&g, val, sizeof(g) <= len ? sizeof(g) : len);
		if (name == NETLINK_ADD_MEMBERSHIP)
			nm_nl_sock_add_membership(nl->s, g);
		else
			nm_nl_sock_drop_membership(nl->s, g);
	}
	rt_unlock();
	return 0;
}

/* ---- send ---------------------------------------------------------------------------------- */

/* The bytes msg's iovec holds, or -EFAULT for an iovec (or an entry of
 * it) that points nowhere, as the kernel's import_iovec() says. */
static ssize_t iov_total(const struct msghdr *msg)
{
	size_t t = 0;

	if (msg->msg_iovlen && !msg->msg_iov)
		return -EFAULT;
	for (size_t i = 0; i < msg->msg_iovlen; i++) {
		if (msg->msg_iov[i].iov_len && !msg->msg_iov[i].iov_base)
			return -EFAULT;
		t += msg->msg_iov[i].iov_len;
	}
	return (ssize_t)t;
}

ssize_t rt_nl_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	const struct sockaddr_nl *to = msg ? msg->msg_name : NULL;
	struct nm_nl_sock *s;
	struct rt_nl *nl;
	size_t len, off = 0;
	uint8_t *buf;
	ssize_t r;

	if (!msg)
		return rt_ret(-EFAULT);
	/* to another socket, or to a group: the kernel's to deliver */
	if (to && msg->msg_namelen >= sizeof(*to) && to->nl_family == AF_NETLINK &&
	    (to->nl_pid || to->nl_groups))
		return REAL(sendmsg)(fd, msg, flags);
	if (to && msg->msg_namelen && (msg->msg_namelen < sizeof(*to) ||
				       to->nl_family != AF_NETLINK))
		return rt_ret(-EINVAL);
	r = iov_total(msg);
	if (r < 0)
		return rt_ret(r);
	len = (size_t)r;
	if (len > NL_MAX_SEND)
		return rt_ret(-EMSGSIZE);
	rt_lock();
	nl = nl_of(fd);
	s = nl ? nl_sock(nl) : NULL;
	if (!s && !(nl && nl->fwd)) {
		rt_unlock();
		return REAL(sendmsg)(fd, msg, flags);
	}
	/* gathered with the kernel's copy_from_user: an iovec that points
	 * at no memory is EFAULT, not a crash of the program */
	buf = malloc(len ? len : 1);
	if (!buf) {
		rt_unlock();
		return rt_ret(-ENOMEM);
	}
	for (size_t i = 0; i < msg->msg_iovlen; i++) {
		if (rt_user_copy(buf + off, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len,
				 false) < 0) {
			rt_unlock();
			free(buf);
			return rt_ret(-EFAULT);
		}
		off += msg->msg_iov[i].iov_len;
	}
	if (nl->fwd) {
		struct rt_ep_nl_state st;

		r = state_of_kernel(fd, &st);
		st.rcvlen = nl->max_rcv;
		if (r == 0)
			r = rt_nlfwd_send(nl->fwd, &st, buf, len);
	} else {
		r = sync_from_kernel(fd, nl);
		if (r == 0)
			r = nm_nl_sock_send(s, buf, len);
	}
	ev_sync_all();
	rt_unlock();
	free(buf);
	return rt_ret(r);
}

ssize_t rt_nl_send_buf(int fd, const void *buf, size_t len, int flags,
		       const struct sockaddr *sa, socklen_t salen)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_name = (void *)sa, .msg_namelen = sa ? salen : 0,
			    .msg_iov = &iov, .msg_iovlen = 1 };

	return rt_nl_sendmsg(fd, &m, flags);
}

/* ---- receive ----------------------------------------------------------------------------- */

/* Lock held: a datagram of the emulated socket into msg; -EAGAIN: none. */
static ssize_t recv_ours(struct rt_nl *nl, struct msghdr *msg, int flags)
{
	ssize_t r = iov_total(msg), got;
	size_t len, off = 0;
	bool trunc = false;
	uint8_t *tmp;

	if (r < 0)
		return r;
	len = (size_t)r;
	if (len > nl->max_rcv)
		nl->max_rcv = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	/* taken whole, then scattered with the kernel's copy_to_user: an
	 * iovec that points at no memory is EFAULT and, as in the kernel's
	 * netlink_recvmsg(), the datagram is gone (unless peeked) */
	tmp = malloc(len ? len : 1);
	if (!tmp)
		return -ENOMEM;
	r = nl->fwd ? rt_nlfwd_recv(nl->fwd, tmp, len, flags & (MSG_PEEK | MSG_TRUNC), &trunc)
		    : nm_nl_sock_recv(nl->s, tmp, len, flags & (MSG_PEEK | MSG_TRUNC), &trunc);
	got = (size_t)r < len ? r : (ssize_t)len;	/* r is the whole length with MSG_TRUNC */
	for (size_t i = 0; r >= 0 && i < msg->msg_iovlen && off < (size_t)got; i++) {
		size_t n = msg->msg_iov[i].iov_len;

		if (n > (size_t)got - off)
			n = (size_t)got - off;
		if (rt_user_copy(msg->msg_iov[i].iov_base, tmp + off, n, true) < 0)
			r = -EFAULT;
		off += n;
	}
	free(tmp);
	if (r < 0)
		return r;
	if (msg->msg_name && msg->msg_namelen >= sizeof(struct sockaddr_nl)) {
		struct sockaddr_nl from = { .nl_family = AF_NETLINK };	/* the kernel */

		memcpy(msg->msg_name, &from, sizeof(from));
		msg->msg_namelen = sizeof(from);
	} else if (msg->msg_name) {
		msg->msg_namelen = sizeof(struct sockaddr_nl);
	}
	msg->msg_controllen = 0;
	msg->msg_flags = trunc ? MSG_TRUNC : 0;
	return r;
}

ssize_t rt_nl_recvmsg(int fd, struct msghdr *msg, int flags)
{
	bool nonblock = (flags & MSG_DONTWAIT) || (REAL(fcntl)(fd, F_GETFL) & O_NONBLOCK);

	if (!msg)
		return rt_ret(-EFAULT);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct rt_nl *nl;
		ssize_t r = -EAGAIN;

		rt_lock();
		nl = nl_of(fd);
		if (nl && nl_readable(nl)) {
			r = recv_ours(nl, msg, flags);
			ev_sync(nl);
		}
		rt_unlock();
		if (r != -EAGAIN)
			return rt_ret(r);
		/* the kernel's own: notifications, or the socket is the kernel's */
		r = REAL(recvmsg)(fd, msg, flags | MSG_DONTWAIT);
		if (r >= 0 || errno != EAGAIN || nonblock)
			return r;
		/* nothing yet: sleep on the kernel socket, looking at ours again
		 * now and then (another thread of the program may send) */
		if (REAL(poll)(&p, 1, 100) < 0 && errno == EINTR)
			return rt_ret(-EINTR);
	}
}

ssize_t rt_nl_recv_buf(int fd, void *buf, size_t len, int flags, struct sockaddr *sa,
		       socklen_t *salen)
{
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_name = sa, .msg_namelen = sa && salen ? *salen : 0,
			    .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r = rt_nl_recvmsg(fd, &m, flags);

	if (r >= 0 && sa && salen)
		*salen = m.msg_namelen;
	return r;
}

/* ---- poll ------------------------------------------------------------------------------- */

int rt_nl_poll(struct pollfd *fds, nfds_t n)
{
	bool any = false;
	int ready;

	if (!active())
		return -1;
	for (nfds_t i = 0; i < n && !any; i++)
		any = fds[i].fd >= 0 && nl_of(fds[i].fd);
	if (!any)
		return -1;
	rt_lock();
	any = false;
	for (nfds_t i = 0; i < n; i++) {
		struct rt_nl *nl = fds[i].fd >= 0 ? nl_of(fds[i].fd) : NULL;

		if (nl && nl_readable(nl) && (fds[i].events & POLLIN))
			any = true;
	}
	rt_unlock();
	if (!any)
		return -1;
	/* replies are queued: report them with whatever else is ready now */
	ready = REAL(poll)(fds, n, 0);
	if (ready < 0)
		return ready;
	rt_lock();
	for (nfds_t i = 0; i < n; i++) {
		struct rt_nl *nl = fds[i].fd >= 0 ? nl_of(fds[i].fd) : NULL;

		if (nl && nl_readable(nl) && (fds[i].events & POLLIN)) {
			if (!fds[i].revents)
				ready++;
			fds[i].revents |= (short)(POLLIN | (fds[i].events & POLLRDNORM));
		}
	}
	rt_unlock();
	return ready;
}

int rt_nl_select(int nfds, fd_set *r, fd_set *w, fd_set *e)
{
	struct timeval zero = { 0, 0 };
	fd_set ours;
	bool any = false;
	int n, end = nfds < FD_SETSIZE ? nfds : FD_SETSIZE;

	if (!active() || !r || nfds <= 0)
		return -1;
	/* as rt_nl_poll(): the stack lock only where the sets hold netlink */
	for (int fd = 0; fd < end && !any; fd++)
		any = FD_ISSET(fd, r) && nl_of(fd);
	if (!any)
		return -1;
	any = false;
	FD_ZERO(&ours);
	rt_lock();
	for (int fd = 0; fd < end; fd++) {
		struct rt_nl *nl = FD_ISSET(fd, r) ? nl_of(fd) : NULL;

		if (nl && nl_readable(nl)) {
			FD_SET(fd, &ours);
			any = true;
		}
	}
	rt_unlock();
	if (!any)
		return -1;
	/* replies are queued: report them with whatever else is ready now */
	n = REAL(select)(nfds, r, w, e, &zero);
	if (n < 0)
		return n;
	for (int fd = 0; fd < end; fd++)
		if (FD_ISSET(fd, &ours) && !FD_ISSET(fd, r)) {
			FD_SET(fd, r);
			n++;
		}
	return n;
}
