/* SPDX-License-Identifier: MIT */
/*
 * The socket calls that make, name, configure, share and end sockets:
 * socket, bind, listen, accept, accept4, connect, shutdown, close, dup,
 * dup2, dup3, fcntl, ioctl, getsockname, getpeername, getsockopt,
 * setsockopt, close_range.
 *
 * A TCP socket() is a kernel socket and a candidate (RS_CAND) until its
 * first bind, connect or listen, which the rule (rule.c) gives to the
 * kernel (the runtime forgets it: zero cost from then on) or to netmem
 * (migrate: a netmem socket on the stack, the options set so far
 * replayed, O_NONBLOCK taken from the kernel socket, which stays as the
 * fd's placeholder).  An accepted netmem connection gets a fresh kernel
 * TCP socket of its family as placeholder.  The placeholder's O_NONBLOCK
 * and FD_CLOEXEC are the socket's, so F_GETFL and F_GETFD answer from it.
 *
 * Sharing: dup, dup2, dup3 and F_DUPFD* point another fd at the same
 * socket object (rs->fds); the netmem socket closes with its last fd and
 * once no call is inside (rs->refs), as a kernel file does.
 *
 * Errors are the kernel's errnos: the library's -errno becomes errno.
 */
#include <fcntl.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <netmem/socket.h>

#include "rt/rt_internal.h"
#include "util/err.h"

/* ---- the object ---------------------------------------------------------------------- */

/* Lock held. */
static struct rt_sock *sock_new(int domain)
{
	struct rt_sock *rs = rt_obj_new(RT_SOCK, sizeof(*rs));

	if (rs) {
		rs->domain = domain;
		rs->sd = -1;
	}
	return rs;
}

/* Lock held: an object no fd ever named. */
static void sock_free(struct rt_sock *rs)
{
	rt_obj_free(&rs->obj);
}

/* Lock held: fd now names rs. */
static int sock_attach(int fd, struct rt_sock *rs)
{
	int r = rt_fd_set(fd, &rs->obj);

	if (r == 0) {
		rs->fds++;
		rs->refs++;
	}
	return r;
}

/* Lock held.  The netmem socket closes (SO_LINGER may wait: the lock is
 * released meanwhile, nothing refers to rs but this call). */
static void sock_destroy(struct rt_sock *rs)
{
	rt_event_forget(rs);
	if (rs->watchers)
		rt_epoll_sock_gone(rs);
	if (rs->state == RS_NM && rs->sd >= 0 && !rt.orphan) {
		nm_sock_set_owner(rs->so, NULL);
		nm_close(rs->sd);
	}
	while (rs->kregs) {
		struct rt_kreg *k = rs->kregs;

		rs->kregs = k->next;
		free(k);
	}
	free(rs->opts);
	free(rs->pend);
	sock_free(rs);
}

void rt_sock_put(struct rt_sock *rs)
{
	if (--rs->refs == 0)
		sock_destroy(rs);
}

/* Lock held: fd no longer names its object (close, or dup2 over it). */
static void fd_detach(int fd)
{
	struct rt_obj *o = rt_fd_get(fd);

	if (!o)
		return;
	rt_fd_clear(fd);
	if (o->kind == RT_SOCK) {
		struct rt_sock *rs = (struct rt_sock *)o;

		rs->fds--;
		rt_sock_put(rs);
	} else if (o->kind == RT_FILE) {
		rt_file_fd_gone((struct rt_file *)o);
	} else if (o->kind == RT_NL) {
		rt_nl_fd_gone(o);
	} else {
		rt_epoll_fd_gone((struct rt_epoll *)o);
	}
}

/* Lock held: newfd names what oldfd names (the dup family). */
static void fd_share(int oldfd, int newfd)
{
	struct rt_obj *o = rt_fd_get(oldfd);

	fd_detach(newfd);
	if (!o)
		return;
	if (o->kind == RT_SOCK) {
		if (sock_attach(newfd, (struct rt_sock *)o) < 0)
			rt_note("fd %d: no memory to follow a dup of fd %d", newfd, oldfd);
	} else if (o->kind == RT_FILE) {
		rt_file_attach(newfd, (struct rt_file *)o);
	} else if (o->kind == RT_NL) {
		rt_nl_attach(newfd, o);
	} else {
		rt_epoll_attach(newfd, (struct rt_epoll *)o);
	}
}

struct rt_sock *rt_enter(int fd, int *err)
{
	struct rt_obj *o = rt_fd_get(fd);
	struct rt_sock *rs;

	*err = 0;
	if (!o || o->kind != RT_SOCK)
		return NULL;
	if (rt_locked_here()) {		/* a signal handler inside a call of ours */
		*err = EAGAIN;
		return NULL;
	}
	rt_lock();
	o = rt_fd_get(fd);
	if (!o || o->kind != RT_SOCK) {
		rt_unlock();
		return NULL;
	}
	rs = (struct rt_sock *)o;
	if (rs->state == RS_PENDING && !rt.dead) {
		/* the stack is coming: a blocking call waits for it */
		int r = 0;

		if (REAL(fcntl)(fd, F_GETFL) & O_NONBLOCK)
			r = -EAGAIN;
		rs->refs++;
		if (!r)
			r = rt_wait_up(rs);
		if (!r && rs->state == RS_NM)
			return rs;
		rt_sock_put(rs);
		rt_unlock();
		*err = r ? -r : ENETDOWN;
		return NULL;
	}
	if (rs->state == RS_NM && rs->sd >= 0 && !rt.dead && !rt.orphan) {
		rs->refs++;
		return rs;
	}
	if (rs->state == RS_ORPHAN || (rs->state == RS_NM && rt.orphan))
		*err = EBADFD;		/* a socket of the parent's stack (fork) */
	else if (rs->state == RS_NM)
		*err = EBADF;		/* the program is exiting */
	rt_unlock();
	return NULL;
}

void rt_leave(struct rt_sock *rs)
{
	rt_sock_put(rs);
	rt_unlock();
}

/* The socket behind fd if its state is one of mask's (1 << state), lock
 * held; NULL (lock released) otherwise. */
static struct rt_sock *state_enter(int fd, unsigned mask)
{
	struct rt_obj *o = rt_fd_get(fd);

	if (!o || o->kind != RT_SOCK || rt_locked_here())
		return NULL;
	rt_lock();
	o = rt_fd_get(fd);
	if (o && o->kind == RT_SOCK && (mask & (1u << ((struct rt_sock *)o)->state)))
		return (struct rt_sock *)o;
	rt_unlock();
	return NULL;
}

#define S_CAND		(1u << RS_CAND)
#define S_PENDING	(1u << RS_PENDING)

/* Lock held: a pending socket's record, made on first use. */
static struct rt_pend *pend_of(struct rt_sock *rs)
{
	if (!rs->pend) {
		rs->pend = calloc(1, sizeof(*rs->pend));
		if (rs->pend)
			rs->pend->backlog = -1;
	}
	return rs->pend;
}

/* Lock held: the candidate becomes pending (the stack is coming). */
static int cand_pend(struct rt_sock *rs)
{
	if (!pend_of(rs))
		return -ENOMEM;
	rs->state = RS_PENDING;
	return 0;
}

/* Lock held: the candidate goes to the kernel; the runtime forgets it. */
static void cand_forget(struct rt_sock *rs)
{
	int n = rt_fd_end();

	for (int fd = 0; fd < n && rs->fds; fd++)
		if (rt_fd_get(fd) == &rs->obj) {
			rt_fd_clear(fd);
			rs->fds--;
			rs->refs--;
		}
	if (rs->refs == 0)
		sock_destroy(rs);
}

int rt_sock_migrate(int fd, struct rt_sock *rs)
{
	int fl, sd, r;

	r = rt_up();
	if (r < 0)
		return r;
	fl = REAL(fcntl)(fd, F_GETFL);
	sd = nm_socket(rt.st, rs->domain, SOCK_STREAM | (fl >= 0 && (fl & O_NONBLOCK) ?
							 SOCK_NONBLOCK : 0), 0);
	if (sd < 0)
		return sd;
	for (int i = 0; i < rs->nr_opts; i++) {
		const struct rt_opt *o = &rs->opts[i];

		r = nm_setsockopt(sd, o->level, o->name, o->val, o->len);
		if (r < 0)
			rt_debug("fd %d: option %d/%d set before netmem took the socket: %s (ignored)",
				 fd, o->level, o->name, nm_last_error());
	}
	rs->sd = sd;
	rs->so = nm_sock_lookup(sd);
	nm_sock_set_owner(rs->so, rs);
	rs->state = RS_NM;
	rt_debug("fd %d: netmem's (descriptor %d)", fd, sd);
	return 0;
}

/* Lock held: the first netmem call failed; back to a candidate. */
static void cand_unmigrate(struct rt_sock *rs)
{
	rt_event_forget(rs);
	nm_sock_set_owner(rs->so, NULL);
	nm_close(rs->sd);
	rs->sd = -1;
	rs->so = NULL;
	rs->state = RS_CAND;
}

/* Lock held: the candidate is netmem's for good (its first call went
 * through): what it kept for the move goes. */
static void cand_settled(struct rt_sock *rs)
{
	free(rs->opts);
	rs->opts = NULL;
	rs->nr_opts = 0;
	rt_epoll_adopt(rs);
}

/* ---- socket ---------------------------------------------------------------------------- */

static bool is_tcp(int domain, int type, int protocol)
{
	return (domain == AF_INET || domain == AF_INET6) &&
	       (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_STREAM &&
	       (protocol == 0 || protocol == IPPROTO_TCP);
}

int socket(int domain, int type, int protocol)
{
	int fd = REAL(socket)(domain, type, protocol);
	struct rt_sock *rs;

	if (fd >= 0 && domain == AF_NETLINK && rt.enabled && !rt_locked_here()) {
		rt_nl_track(fd, protocol);
		return fd;
	}
	if (fd < 0 || !rt.enabled || !is_tcp(domain, type, protocol) || rt_locked_here())
		return fd;
	rt_lock();
	rs = sock_new(domain);
	/* without memory: a kernel socket the runtime does not follow */
	if (rs && sock_attach(fd, rs) < 0)
		sock_free(rs);
	rt_unlock();
	return fd;
}

/* ---- bind, listen, connect ---------------------------------------------------------------- */

int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct rt_sock *rs;
	int r, err;

	rs = state_enter(fd, S_CAND | S_PENDING);
	if (!rs) {
		rs = rt_enter(fd, &err);
		if (!rs)
			return err ? (int)rt_ret(-err) : REAL(bind)(fd, sa, len);
		r = nm_bind(rs->sd, sa, len);
		rt_leave(rs);
		return (int)rt_ret(r);
	}
	if (rs->state == RS_PENDING) {
		rt_unlock();
		return (int)rt_ret(-EINVAL);	/* bound already */
	}
	if (!sa || len < (socklen_t)sizeof(sa_family_t) ||
	    rt_rule_bind(sa, len, rs->dev, rt_may_own()) == RT_SIDE_KERNEL) {
		/* the kernel's; a bind it refuses leaves the socket unbound,
		 * and the next bind or connect decides again */
		r = REAL(bind)(fd, sa, len);
		err = errno;
		if (r == 0)
			cand_forget(rs);
		rt_unlock();
		errno = err;
		return r;
	}
	r = rt_sock_migrate(fd, rs);
	if (r == -EINPROGRESS) {
		/* the address's form is checked now, the rest when the stack
		 * is up (the placeholder never binds: it would hold the port
		 * in the kernel) */
		r = rt_pend_bind_form(rs->domain, sa, len);
		if (r == 0)
			r = rt_pend_bind_check(fd, rs, sa, false);
		if (r == 0 && len <= sizeof(rs->pend->addr))
			r = cand_pend(rs);
		if (r == 0) {
			memcpy(&rs->pend->addr, sa, len);
			rs->pend->alen = len;
		}
	} else if (r == 0) {
		r = nm_bind(rs->sd, sa, len);
		if (r < 0)
			cand_unmigrate(rs);
		else
			cand_settled(rs);
	}
	rt_unlock();
	return (int)rt_ret(r);
}

int listen(int fd, int backlog)
{
	struct rt_sock *rs;
	int r, err;

	rs = state_enter(fd, S_CAND | S_PENDING);
	if (!rs) {
		rs = rt_enter(fd, &err);
		if (!rs)
			return err ? (int)rt_ret(-err) : REAL(listen)(fd, backlog);
		r = nm_listen(rs->sd, backlog);
		rt_leave(rs);
		return (int)rt_ret(r);
	}
	if (rs->state == RS_PENDING) {
		r = 0;
		if (rs->pend->alen && rs->pend->backlog < 0)
			r = rt_pend_bind_check(fd, rs, (struct sockaddr *)&rs->pend->addr, true);
		if (r == 0)
			rs->pend->backlog = backlog < 0 ? 0 : backlog;
		rt_unlock();
		return (int)rt_ret(r);
	}
	/* never bound: Linux binds a wildcard address first */
	if (rt_rule_listen(rs->dev, rt_may_own()) == RT_SIDE_KERNEL) {
		cand_forget(rs);
		rt_unlock();
		return REAL(listen)(fd, backlog);
	}
	r = rt_sock_migrate(fd, rs);
	if (r == -EINPROGRESS) {
		r = cand_pend(rs);
		if (r == 0)
			rs->pend->backlog = backlog < 0 ? 0 : backlog;
	} else if (r == 0) {
		r = nm_listen(rs->sd, backlog);
		if (r < 0)
			cand_unmigrate(rs);
		else
			cand_settled(rs);
	}
	rt_unlock();
	return (int)rt_ret(r);
}

/* Lock held: a connect on netmem's socket; counted when it is through. */
static int nm_connect_counted(struct rt_sock *rs, const struct sockaddr *sa, socklen_t len)
{
	int r = nm_connect(rs->sd, sa, len);

	if (r == 0)
		rt_stat_add(&rt.page->connections, 1);
	else if (r == -EINPROGRESS)
		rs->connecting = true;
	rt_event(rs);
	return r;
}

/* Lock held, released: the candidate connects through the kernel.  A
 * connect the kernel refuses at once (a bad address, a refused peer)
 * leaves the socket unconnected and a candidate still, as Linux lets it
 * bind or connect again; one that went through or goes on is the
 * kernel's for good. */
static int connect_kernel(int fd, struct rt_sock *rs, const struct sockaddr *sa, socklen_t len)
{
	int r, err;

	rs->refs++;
	rt_unlock();		/* a blocking connect takes its time */
	r = REAL(connect)(fd, sa, len);
	err = errno;
	rt_lock();
	if ((r == 0 || err == EINPROGRESS || err == EALREADY || err == EINTR ||
	     err == EISCONN) && rs->state == RS_CAND)
		cand_forget(rs);
	rt_sock_put(rs);
	rt_unlock();
	errno = err;
	return r;
}

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct rt_sock *rs;
	bool migrated;
	int r, err;

	rs = state_enter(fd, S_CAND | S_PENDING);
	if (!rs) {
		rs = rt_enter(fd, &err);
		if (!rs)
			return err ? (int)rt_ret(-err) : REAL(connect)(fd, sa, len);
		r = nm_connect_counted(rs, sa, len);
		rt_leave(rs);
		return (int)rt_ret(r);
	}
	if (rs->state == RS_CAND && (!sa || len < (socklen_t)sizeof(sa_family_t) ||
				     rt_rule_connect(sa, len, rs->dev) == RT_SIDE_KERNEL))
		return connect_kernel(fd, rs, sa, len);
	rs->refs++;	/* a blocking connect releases the lock while it waits */
	migrated = rs->state == RS_CAND;
	r = migrated ? rt_sock_migrate(fd, rs) : -EINPROGRESS;
	if (r == -EINPROGRESS) {
		/* the stack is coming: a non-blocking connect goes on when it
		 * is up, a blocking one waits for it here */
		if (REAL(fcntl)(fd, F_GETFL) & O_NONBLOCK) {
			r = sa && len <= sizeof(struct sockaddr_storage) ? 0 : -EINVAL;
			if (r == 0 && rs->state == RS_CAND)
				r = cand_pend(rs);
			if (r == 0) {
				memcpy(&rs->pend->peer, sa, len);
				rs->pend->plen = len;
				r = -EINPROGRESS;
			}
			goto out_put;
		}
		r = rt_wait_up(rs->state == RS_PENDING ? rs : NULL);
		if (r == 0 && rs->state == RS_CAND)
			r = rt_sock_migrate(fd, rs);
		if (r < 0 || rs->state != RS_NM) {
			r = r < 0 ? r : -ENETDOWN;
			goto out_put;
		}
	}
	if (r == 0) {
		r = nm_connect_counted(rs, sa, len);
		if (migrated && r < 0 && r != -EINPROGRESS && r != -EINTR && rs->fds)
			cand_unmigrate(rs);	/* unconnected: a later connect decides again */
		else
			cand_settled(rs);
	}
out_put:
	rt_sock_put(rs);
	rt_unlock();
	return (int)rt_ret(r);
}

/* ---- accept -------------------------------------------------------------------------------- */

static int do_accept(int fd, struct sockaddr *addr, socklen_t *len, int flags, bool four)
{
	struct rt_sock *rs, *c;
	int r, err, pfd, csd;

	rs = rt_enter(fd, &err);
	if (!rs) {
		if (err)
			return (int)rt_ret(-err);
		return four ? REAL(accept4)(fd, addr, len, flags) : REAL(accept)(fd, addr, len);
	}
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
		rt_leave(rs);
		return (int)rt_ret(-EINVAL);
	}
	/* the placeholder first: out of fds, the connection stays queued */
	pfd = REAL(socket)(rs->domain, SOCK_STREAM | flags, 0);
	if (pfd < 0) {
		err = errno;
		rt_leave(rs);
		return (int)rt_ret(-err);
	}
	c = sock_new(rs->domain);
	if (!c) {
		r = -ENOMEM;
		goto err_close_placeholder;
	}
	csd = nm_accept4(rs->sd, addr, len, flags & SOCK_NONBLOCK);
	if (csd < 0) {
		r = csd;
		goto err_free_sock;
	}
	c->state = RS_NM;
	c->sd = csd;
	c->so = nm_sock_lookup(csd);
	nm_sock_set_owner(c->so, c);
	if (sock_attach(pfd, c) < 0) {
		r = -ENOMEM;
		nm_sock_set_owner(c->so, NULL);
		nm_close(csd);
		goto err_free_sock;
	}
	rt_stat_add(&rt.page->connections, 1);
	rt_leave(rs);
	return pfd;

err_free_sock:
	sock_free(c);
err_close_placeholder:
	REAL(close)(pfd);
	rt_leave(rs);
	return (int)rt_ret(r);
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return do_accept(fd, addr, len, 0, false);
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	return do_accept(fd, addr, len, flags, true);
}

/* ---- shutdown, close, the dup family --------------------------------------------------------- */

int shutdown(int fd, int how)
{
	struct rt_sock *rs;
	int r, err;

	if ((rs = state_enter(fd, S_PENDING))) {
		rt_unlock();
		return (int)rt_ret(how < SHUT_RD || how > SHUT_RDWR ? -EINVAL : -ENOTCONN);
	}
	rs = rt_enter(fd, &err);
	if (!rs)
		return err ? (int)rt_ret(-err) : REAL(shutdown)(fd, how);
	r = nm_shutdown(rs->sd, how);
	rt_event(rs);
	rt_leave(rs);
	return (int)rt_ret(r);
}

/* The runtime's own fds survive a program's close(): see fdtab.c. */
static bool fd_protected(int fd)
{
	return rt.up && !rt.orphan && rt_fd_priv(fd);
}

int close(int fd)
{
	if (fd_protected(fd) && !rt_foreign())
		return 0;
	if (rt_fd_get(fd) && !rt_locked_here() && !rt_foreign()) {
		rt_lock();
		fd_detach(fd);
		rt_unlock();
	}
	return REAL(close)(fd);
}

int dup(int fd)
{
	int nfd = REAL(dup)(fd);

	if (nfd >= 0 && rt_fd_get(fd) && !rt_foreign()) {
		rt_lock();
		fd_share(fd, nfd);
		rt_unlock();
	}
	return nfd;
}

static int dup_onto(int oldfd, int newfd, int flags, bool three)
{
	int r;

	bool mine = (rt_fd_get(oldfd) || rt_fd_get(newfd) || fd_protected(newfd)) &&
		    !rt_foreign();

	if (mine && fd_protected(newfd) && newfd != oldfd)
		return (int)rt_ret(-EBUSY);
	r = three ? REAL(dup3)(oldfd, newfd, flags) : REAL(dup2)(oldfd, newfd);
	if (r < 0 || oldfd == newfd || !mine)
		return r;
	rt_lock();
	fd_share(oldfd, newfd);
	rt_unlock();
	return r;
}

int dup2(int oldfd, int newfd)
{
	return dup_onto(oldfd, newfd, 0, false);
}

int dup3(int oldfd, int newfd, int flags)
{
	return dup_onto(oldfd, newfd, flags, true);
}

int close_range(unsigned first, unsigned last, int flags)
{
	unsigned end = (unsigned)rt_fd_end();
	int r;

	if (!REAL(close_range))
		return (int)rt_ret(-ENOSYS);
	if (flags & CLOSE_RANGE_CLOEXEC || !end || first >= end || !rt.enabled || rt_foreign())
		return REAL(close_range)(first, last, flags);
	/* one fd at a time where the runtime has a say, the rest in one go */
	for (unsigned fd = first; fd <= last && fd < end; fd++) {
		if (fd_protected((int)fd))
			continue;
		if (flags & CLOSE_RANGE_UNSHARE) {
			r = REAL(close_range)(fd, fd, flags);
			if (r < 0)
				return r;
		} else {
			close((int)fd);
		}
	}
	if (last >= end)
		return REAL(close_range)(end > first ? end : first, last, flags);
	return 0;
}

/* ---- fcntl, ioctl -------------------------------------------------------------------------- */

static int do_fcntl(int fd, int cmd, void *arg)
{
	struct rt_sock *rs;
	int r, err;

	if (!rt_fd_get(fd))
		return REAL(fcntl)(fd, cmd, arg);
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		r = REAL(fcntl)(fd, cmd, arg);
		if (r >= 0 && rt_fd_get(fd) && !rt_foreign()) {
			rt_lock();
			fd_share(fd, r);
			rt_unlock();
		}
		return r;
	case F_SETFL:
		if ((rs = state_enter(fd, S_PENDING))) {	/* read again at the replay */
			r = REAL(fcntl)(fd, cmd, arg);
			rt_unlock();
			return r;
		}
		rs = rt_enter(fd, &err);
		if (!rs)
			return err ? (int)rt_ret(-err) : REAL(fcntl)(fd, cmd, arg);
		/* the placeholder keeps the flags F_GETFL reads */
		r = REAL(fcntl)(fd, F_SETFL, arg);
		if (r == 0)
			nm_fcntl(rs->sd, F_SETFL, (int)(intptr_t)arg);
		rt_leave(rs);
		return r;
	default:
		return REAL(fcntl)(fd, cmd, arg);
	}
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...);
int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

int ioctl(int fd, unsigned long req, ...)
{
	struct rt_sock *rs;
	va_list ap;
	void *arg;
	int r, err, v = 0;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (rt_file_ioctl(fd, req, arg, &r) ||	/* devices and dma-bufs (devfs.c) */
	    rt_nic_ioctl(fd, req, arg, &r))	/* netmem's interface (ioctl.c) */
		return r;
	if (req != FIONBIO && req != SIOCINQ && req != SIOCOUTQ && req != SIOCOUTQNSD &&
	    req != SIOCATMARK)
		return REAL(ioctl)(fd, req, arg);
	if ((rs = state_enter(fd, S_PENDING))) {	/* nothing queued yet */
		r = req == FIONBIO ? REAL(ioctl)(fd, req, arg) : arg ? 0 : -EFAULT;
		if (req != FIONBIO && arg)
			memcpy(arg, &v, sizeof(v));
		rt_unlock();
		return req == FIONBIO ? r : (int)rt_ret(r);
	}
	rs = rt_enter(fd, &err);
	if (!rs)
		return err ? (int)rt_ret(-err) : REAL(ioctl)(fd, req, arg);
	if (!arg) {
		r = -EFAULT;
	} else if (req == FIONBIO) {
		r = REAL(ioctl)(fd, FIONBIO, arg) < 0 ? -errno : 0;
		if (r == 0) {
			int fl = REAL(fcntl)(fd, F_GETFL);

			nm_fcntl(rs->sd, F_SETFL, fl & O_NONBLOCK);
		}
	} else {
		r = nm_sock_ioctl(rs->so, req, &v);
		if (r == 0)
			memcpy(arg, &v, sizeof(v));
	}
	rt_leave(rs);
	return (int)rt_ret(r);
}

/* ---- names and options ---------------------------------------------------------------------- */

int getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct rt_sock *rs;
	int r, err;

	if ((rs = state_enter(fd, S_PENDING))) {
		/* the address it was bound to (a listener never bound: the kernel's
		 * unbound answer) */
		if (!sa || !len) {
			r = -EFAULT;
		} else if (rs->pend->alen) {
			memcpy(sa, &rs->pend->addr, *len < rs->pend->alen ? *len : rs->pend->alen);
			*len = rs->pend->alen;
			r = 0;
		} else {
			r = REAL(getsockname)(fd, sa, len) < 0 ? -errno : 0;
		}
		rt_unlock();
		return (int)rt_ret(r);
	}
	rs = rt_enter(fd, &err);
	if (!rs)
		return err ? (int)rt_ret(-err) : REAL(getsockname)(fd, sa, len);
	r = nm_getsockname(rs->sd, sa, len);
	rt_leave(rs);
	return (int)rt_ret(r);
}

int getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct rt_sock *rs;
	int r, err;

	if ((rs = state_enter(fd, S_PENDING))) {
		rt_unlock();
		return (int)rt_ret(-ENOTCONN);
	}
	rs = rt_enter(fd, &err);
	if (!rs)
		return err ? (int)rt_ret(-err) : REAL(getpeername)(fd, sa, len);
	r = nm_getpeername(rs->sd, sa, len);
	rt_leave(rs);
	return (int)rt_ret(r);
}

/* SO_BINDTODEVICE's value names netmem's interface ("" or NUL-ended or not). */
static bool names_ours(const void *val, socklen_t len)
{
	char name[IFNAMSIZ] = { 0 };

	if (!val || len == 0)
		return false;
	memcpy(name, val, len < IFNAMSIZ - 1 ? len : IFNAMSIZ - 1);
	return !strcmp(name, rt_cfg.ifname);
}

/* Lock held: remember a candidate's option for the move to netmem (its
 * last value only). */
static void cand_record(struct rt_sock *rs, int level, int name, const void *val, socklen_t len)
{
	struct rt_opt *o = NULL, *n;

	if (!val || len > sizeof(o->val))
		return;
	for (int i = 0; i < rs->nr_opts; i++)
		if (rs->opts[i].level == level && rs->opts[i].name == name)
			o = &rs->opts[i];
	if (!o) {
		n = realloc(rs->opts, (size_t)(rs->nr_opts + 1) * sizeof(*n));
		if (!n)
			return;
		rs->opts = n;
		o = &rs->opts[rs->nr_opts++];
		o->level = level;
		o->name = name;
	}
	o->len = len;
	memcpy(o->val, val, len);
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct rt_sock *rs;
	int r, err;

	if (level == SOL_NETLINK && rt_nl_is(fd))
		return rt_nl_setsockopt(fd, name, val, len);
	/* not netmem's yet: the kernel socket takes it, netmem gets it later */
	rs = state_enter(fd, S_CAND | S_PENDING);
	if (rs) {
		if (level == SOL_SOCKET && name == SO_BINDTODEVICE && names_ours(val, len)) {
			rs->dev = true;	/* the kernel has no such device: netmem's */
			rt_unlock();
			return 0;
		}
		if (rs->state == RS_PENDING && rs->pend->alen && level == IPPROTO_IPV6 &&
		    name == IPV6_V6ONLY) {
			/* bound (the placeholder is not: bind()): too late */
			rt_unlock();
			return (int)rt_ret(-EINVAL);
		}
		r = REAL(setsockopt)(fd, level, name, val, len);
		if (r == 0) {
			if (level == SOL_SOCKET && name == SO_BINDTODEVICE)
				rs->dev = false;
			else
				cand_record(rs, level, name, val, len);
		}
		rt_unlock();
		return r;
	}
	rs = rt_enter(fd, &err);
	if (!rs)
		return err ? (int)rt_ret(-err) : REAL(setsockopt)(fd, level, name, val, len);
	if (level == SOL_SOCKET && name == SO_BINDTODEVICE)
		r = !len || names_ours(val, len) || (val && !*(const char *)val)
		    ? 0 : -ENODEV;	/* a netmem socket stays on netmem's NIC */
	else
		r = nm_setsockopt(rs->sd, level, name, val, len);
	rt_leave(rs);
	return (int)rt_ret(r);
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct rt_sock *rs;
	int r, err;

	if (level == SOL_SOCKET && name == SO_BINDTODEVICE && val && len) {
		struct rt_obj *o = rt_fd_get(fd);

		if (o && o->kind == RT_SOCK && ((struct rt_sock *)o)->dev) {
			size_t n = strlen(rt_cfg.ifname) + 1;

			if (*len < n)
				return (int)rt_ret(-EINVAL);
			memcpy(val, rt_cfg.ifname, n);
			*len = (socklen_t)n;
			return 0;
		}
	}
	if ((rs = state_enter(fd, S_PENDING))) {	/* the kernel socket has them all */
		rt_unlock();
		return REAL(getsockopt)(fd, level, name, val, len);
	}
	rs = rt_enter(fd, &err);
	if (!rs)
		return err ? (int)rt_ret(-err) : REAL(getsockopt)(fd, level, name, val, len);
	if (level == SOL_SOCKET && name == SO_BINDTODEVICE) {
		r = len ? 0 : -EFAULT;
		if (len)
			*len = 0;
	} else {
		r = nm_getsockopt(rs->sd, level, name, val, len);
	}
	rt_leave(rs);
	return (int)rt_ret(r);
}
