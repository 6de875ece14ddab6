/* SPDX-License-Identifier: MIT */
/*
 * The data calls on a netmem socket: send, sendto, sendmsg, sendmmsg,
 * write, writev, sendfile (from a file to a netmem socket); recv,
 * recvfrom, recvmsg, recvmmsg, read, readv.  Each takes the stack lock,
 * runs the library's call (whose wait loop sleeps without the lock when it
 * blocks: lock.c) and counts the payload for netmem run's summary.
 * recvmsg and sendmsg carry the devmem uAPI unchanged: MSG_SOCK_DEVMEM
 * with SCM_DEVMEM_DMABUF/LINEAR cmsgs, SCM_DEVMEM_DMABUF + MSG_ZEROCOPY
 * sends, MSG_ERRQUEUE completions.
 *
 * As on Linux: a send on a connection that can no longer send fails with
 * EPIPE and raises SIGPIPE in the calling thread unless MSG_NOSIGNAL (write
 * and writev always raise it); recvfrom and recvmsg report no peer address
 * (a TCP socket's msg_namelen is 0).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <netmem/socket.h>

#include "rt/rt_internal.h"

/* Lock released: the send's result, SIGPIPE raised when due. */
static ssize_t sent(ssize_t r, int flags)
{
	if (r == -EPIPE && !(flags & MSG_NOSIGNAL))
		rt_sigpipe();
	return rt_ret(r);
}

static ssize_t nm_send_counted(struct rt_sock *rs, const struct msghdr *msg, int flags)
{
	ssize_t r = nm_sendmsg(rs->sd, msg, flags);

	if (r > 0)
		rt_stat_add(&rt.page->bytes_out, (uint64_t)r);
	return r;
}

static ssize_t nm_recv_counted(struct rt_sock *rs, struct msghdr *msg, int flags)
{
	ssize_t r;

	flags &= ~MSG_CMSG_CLOEXEC;	/* no fds travel in TCP's cmsgs */
	r = nm_recvmsg(rs->sd, msg, flags);
	if (r > 0 && !(flags & (MSG_ERRQUEUE | MSG_PEEK)))	/* a peek is read again */
		rt_stat_add(&rt.page->bytes_in, (uint64_t)r);
	if (r >= 0 && !(flags & MSG_ERRQUEUE))
		msg->msg_namelen = 0;
	return r;
}

/* ---- send ----------------------------------------------------------------------------- */

static ssize_t send_iov(int fd, const struct iovec *iov, size_t n, int flags, bool *ours)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = n };
	struct rt_sock *rs;
	ssize_t r;
	int err;

	rs = rt_enter(fd, &err);
	*ours = rs || err;
	if (!rs)
		return err ? rt_ret(-err) : 0;
	r = nm_send_counted(rs, &m, flags);
	rt_leave(rs);
	return sent(r, flags);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct rt_obj *o = rt_fd_get(fd);
	struct iovec iov = { (void *)buf, len };
	bool ours;
	ssize_t r;

	if (!o)
		return REAL(send)(fd, buf, len, flags);
	if (o->kind == RT_NL && rt_nl_is(fd))
		return rt_nl_send_buf(fd, buf, len, flags, NULL, 0);
	if (len && !buf)
		return rt_ret(-EFAULT);
	r = send_iov(fd, &iov, 1, flags, &ours);
	return ours ? r : REAL(send)(fd, buf, len, flags);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *sa,
	       socklen_t salen)
{
	struct rt_obj *o = rt_fd_get(fd);
	struct iovec iov = { (void *)buf, len };
	bool ours;
	ssize_t r;

	if (!o)
		return REAL(sendto)(fd, buf, len, flags, sa, salen);
	if (o->kind == RT_NL && rt_nl_is(fd))
		return rt_nl_send_buf(fd, buf, len, flags, sa, salen);
	if (len && !buf)
		return rt_ret(-EFAULT);
	/* a connected TCP socket ignores the address, as Linux's does */
	r = send_iov(fd, &iov, 1, flags, &ours);
	return ours ? r : REAL(sendto)(fd, buf, len, flags, sa, salen);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	struct rt_obj *o = rt_fd_get(fd);
	struct iovec iov = { (void *)buf, len };
	bool ours;
	ssize_t r;

	if (!o)
		return REAL(write)(fd, buf, len);
	if (o->kind == RT_NL && rt_nl_is(fd))
		return rt_nl_send_buf(fd, buf, len, 0, NULL, 0);
	if (len && !buf)
		return rt_ret(-EFAULT);
	r = send_iov(fd, &iov, 1, 0, &ours);
	return ours ? r : REAL(write)(fd, buf, len);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	struct rt_obj *o = rt_fd_get(fd);
	bool ours;
	ssize_t r;

	if (!o)
		return REAL(writev)(fd, iov, n);
	if (n < 0 || n > IOV_MAX)
		return rt_ret(-EINVAL);
	if (o->kind == RT_NL && rt_nl_is(fd)) {
		struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n };

		return rt_nl_sendmsg(fd, &m, 0);
	}
	r = send_iov(fd, iov, (size_t)n, 0, &ours);
	return ours ? r : REAL(writev)(fd, iov, n);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct rt_sock *rs;
	ssize_t r;
	int err;

	rs = rt_enter(fd, &err);
	if (!rs && !err && rt_nl_is(fd))	/* not a socket of ours: one of netlink? */
		return rt_nl_sendmsg(fd, msg, flags);
	if (!rs)
		return err ? rt_ret(-err) : REAL(sendmsg)(fd, msg, flags);
	r = msg ? nm_send_counted(rs, msg, flags) : -EFAULT;
	rt_leave(rs);
	return sent(r, flags);
}

int sendmmsg(int fd, struct mmsghdr *vec, unsigned n, int flags)
{
	struct rt_sock *rs;
	ssize_t r = 0;
	unsigned i;
	int err;

	rs = rt_enter(fd, &err);
	if (!rs)
		return err ? (int)rt_ret(-err) : REAL(sendmmsg)(fd, vec, n, flags);
	if (n > UIO_MAXIOV)
		n = UIO_MAXIOV;
	for (i = 0; i < n; i++) {
		r = nm_send_counted(rs, &vec[i].msg_hdr, flags);
		if (r < 0)
			break;
		vec[i].msg_len = (unsigned)r;
	}
	rt_leave(rs);
	if (i > 0)
		return (int)i;	/* the error stays for the next call, as Linux leaves it */
	return (int)sent(r, flags);
}

/* ---- sendfile: a file's bytes to a netmem socket --------------------------------------- */

#define SENDFILE_CHUNK	(64u << 10)

/* Lock held.  Sends up to count bytes of in_fd from *pos (pread, pos not
 * NULL) or its file offset (read; the offset ends after what was sent). */
static ssize_t sendfile_nm(struct rt_sock *rs, int in_fd, off_t *pos, size_t count)
{
	uint8_t *buf = malloc(SENDFILE_CHUNK);
	off_t off = pos ? *pos : 0;
	ssize_t done = 0, r = 0;

	if (!buf)
		return -ENOMEM;
	while ((size_t)done < count) {
		size_t want = count - (size_t)done < SENDFILE_CHUNK ? count - (size_t)done
								  : SENDFILE_CHUNK;
		ssize_t got = pos ? pread(in_fd, buf, want, off) : REAL(read)(in_fd, buf, want);

		if (got < 0) {
			r = -errno;
			break;
		}
		if (got == 0)
			break;
		r = nm_send(rs->sd, buf, (size_t)got, 0);
		if (r > 0) {
			rt_stat_add(&rt.page->bytes_out, (uint64_t)r);
			done += r;
			off += r;
		}
		if (!pos && r < got) {
			/* give the file back what the socket did not take */
			lseek(in_fd, -(off_t)(got - (r > 0 ? r : 0)), SEEK_CUR);
		}
		if (r < got)
			break;
	}
	free(buf);
	if (pos)
		*pos = off;
	if (done > 0)
		return done;
	return r < 0 ? r : 0;
}

ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
	struct rt_sock *rs;
	ssize_t r;
	int err;

	if (rt_fd_get(in_fd)) {
		struct rt_obj *o = rt_fd_get(in_fd);

		if (o->kind == RT_SOCK && ((struct rt_sock *)o)->state == RS_NM)
			return rt_ret(-EINVAL);		/* in_fd must be mmap-able */
	}
	rs = rt_enter(out_fd, &err);
	if (!rs)
		return err ? rt_ret(-err) : REAL(sendfile)(out_fd, in_fd, offset, count);
	r = sendfile_nm(rs, in_fd, offset, count);
	rt_leave(rs);
	return sent(r, 0);
}

ssize_t sendfile64(int out_fd, int in_fd, off_t *offset, size_t count);
ssize_t sendfile64(int out_fd, int in_fd, off_t *offset, size_t count)
{
	return sendfile(out_fd, in_fd, offset, count);
}

/* ---- recv ------------------------------------------------------------------------------- */

/* rw: read or readv, where Linux's socket read returns 0 for no bytes
 * asked without asking TCP (recv asks: EAGAIN, or 0 once data is there).
 * A NULL buffer is the library's to find, when it copies. */
static ssize_t recv_iov(int fd, struct iovec *iov, size_t n, int flags, bool rw, bool *ours)
{
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = n };
	struct rt_sock *rs;
	size_t total = 0;
	ssize_t r;
	int err;

	rs = rt_enter(fd, &err);
	*ours = rs || err;
	if (!rs)
		return err ? rt_ret(-err) : 0;
	for (size_t i = 0; rw && iov && i < n; i++)
		total += iov[i].iov_len;
	r = rw && !total ? 0 : nm_recv_counted(rs, &m, flags);
	rt_leave(rs);
	return rt_ret(r);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct rt_obj *o = rt_fd_get(fd);
	struct iovec iov = { buf, len };
	bool ours;
	ssize_t r;

	if (!o)
		return REAL(recv)(fd, buf, len, flags);
	if (o->kind == RT_NL && rt_nl_is(fd))
		return rt_nl_recv_buf(fd, buf, len, flags, NULL, NULL);
	r = recv_iov(fd, &iov, 1, flags, false, &ours);
	return ours ? r : REAL(recv)(fd, buf, len, flags);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa, socklen_t *salen)
{
	struct rt_obj *o = rt_fd_get(fd);
	struct iovec iov = { buf, len };
	bool ours;
	ssize_t r;

	if (!o)
		return REAL(recvfrom)(fd, buf, len, flags, sa, salen);
	if (o->kind == RT_NL && rt_nl_is(fd))
		return rt_nl_recv_buf(fd, buf, len, flags, sa, salen);
	r = recv_iov(fd, &iov, 1, flags, false, &ours);
	if (!ours)
		return REAL(recvfrom)(fd, buf, len, flags, sa, salen);
	if (r >= 0 && sa && salen)
		*salen = 0;	/* TCP names no sender */
	return r;
}

ssize_t read(int fd, void *buf, size_t len)
{
	struct rt_obj *o = rt_fd_get(fd);
	struct iovec iov = { buf, len };
	bool ours;
	ssize_t r;

	if (!o)
		return REAL(read)(fd, buf, len);
	if (o->kind == RT_NL && rt_nl_is(fd))
		return rt_nl_recv_buf(fd, buf, len, 0, NULL, NULL);
	r = recv_iov(fd, &iov, 1, 0, true, &ours);
	return ours ? r : REAL(read)(fd, buf, len);
}

ssize_t readv(int fd, const struct iovec *iov, int n)
{
	struct rt_obj *o = rt_fd_get(fd);
	bool ours;
	ssize_t r;

	if (!o)
		return REAL(readv)(fd, iov, n);
	if (n < 0 || n > IOV_MAX)
		return rt_ret(-EINVAL);
	if (o->kind == RT_NL && rt_nl_is(fd)) {
		struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n };

		return rt_nl_recvmsg(fd, &m, 0);
	}
	r = recv_iov(fd, (struct iovec *)iov, (size_t)n, 0, true, &ours);
	return ours ? r : REAL(readv)(fd, iov, n);
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct rt_sock *rs;
	ssize_t r;
	int err;

	rs = rt_enter(fd, &err);
	if (!rs && !err && rt_nl_is(fd))	/* not a socket of ours: one of netlink? */
		return rt_nl_recvmsg(fd, msg, flags);
	if (!rs)
		return err ? rt_ret(-err) : REAL(recvmsg)(fd, msg, flags);
	r = msg ? nm_recv_counted(rs, msg, flags) : -EFAULT;
	rt_leave(rs);
	return rt_ret(r);
}

int recvmmsg(int fd, struct mmsghdr *vec, unsigned n, int flags, struct timespec *timeout)
{
	uint64_t end = 0;
	struct rt_sock *rs;
	ssize_t r = 0;
	unsigned i;
	int err;

	rs = rt_enter(fd, &err);
	if (!rs)
		return err ? (int)rt_ret(-err) : REAL(recvmmsg)(fd, vec, n, flags, timeout);
	if (timeout)
		end = rt_now_us() + (uint64_t)timeout->tv_sec * 1000000u +
		      (uint64_t)timeout->tv_nsec / 1000u;
	if (n > UIO_MAXIOV)
		n = UIO_MAXIOV;
	for (i = 0; i < n; i++) {
		r = nm_recv_counted(rs, &vec[i].msg_hdr, flags);
		if (r < 0)
			break;
		vec[i].msg_len = (unsigned)r;
		if (r == 0) {	/* EOF: one message says so */
			i++;
			break;
		}
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		/* like Linux, the timeout is looked at between messages only */
		if (end && rt_now_us() >= end) {
			i++;
			break;
		}
	}
	rt_leave(rs);
	if (i > 0)
		return (int)i;
	return (int)rt_ret(r);
}
