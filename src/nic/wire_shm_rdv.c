/* SPDX-License-Identifier: MIT */
/*
 * Shm wire rendezvous: how the two endpoints of a region come to be.
 *
 *  - nm_wire_shm_pair: both in this process.
 *  - nm_wire_shm_create(name): endpoint A.  Binds the abstract unix socket
 *    "\0netmem-shm-<name>" (so the name is taken while A lives: a second
 *    create gets -EADDRINUSE), accepts peers until one may attach (its
 *    credentials, wire_shm_access.c), sends that one a hello carrying the
 *    region memfd and both eventfds (SCM_RIGHTS), and returns once the
 *    peer acknowledged that it attached.  A peer that may not attach gets
 *    a hello without fds whose status says it was refused, and is closed;
 *    nothing of the wire ever reaches it.  Right after accepting the peer
 *    it admits, A shuts the listener down for reading: the name stays
 *    bound, later connects are refused (one racing into the backlog
 *    before that times out).
 *  - nm_wire_shm_connect(name): endpoint B.  No listener (or one that
 *    already has its peer): -ECONNREFUSED; refused by its credentials:
 *    -EACCES.  The region and its header are checked like any
 *    peer-supplied data (-EPROTO).
 *
 * References across processes (wire_shm_xref.c) are agreed in the same
 * exchange: a creator that allows them (no_refs clear, NM_SHM_REFS not 0)
 * makes the region with room for them and sends an offer right behind the
 * hello, in the same message; a connecting side that takes them (its
 * NM_SHM_REFS not 0, the region has the room) acknowledges with
 * NM_SHM_ACK_REFS instead of NM_SHM_ACK.  Peers from before references
 * stay compatible and get none: an old connecting side reads the hello
 * alone and acknowledges plainly (the offer stays unread), an old creator
 * sends no offer.
 *
 * The accepted connection stays open between the two endpoints; the
 * producer polls it when its ring stays full, so a dead peer process shows
 * up as -ENOTCONN.  A side that sends little (a receiver that only ACKs)
 * never fills its ring, so nm_wire_shm_peer_alive() polls the connection
 * on request: a peer process killed without a word is seen at once, and
 * its owner can destroy the wire and create the name again for the next
 * peer (one wire joins exactly two endpoints for its whole life).
 *
 * Timeouts are in milliseconds for the whole call; < 0 waits forever.
 *
 * Workload: once per wire, at setup.
 */
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "nic/wire_shm.h"
#include "util/err.h"
#include "util/fd.h"

#define NM_SHM_NAME_MAX		64
#define NM_SHM_SOCK_PREFIX	"netmem-shm-"
#define NM_SHM_HELLO_FDS	3	/* memfd, eventfd dir 0, eventfd dir 1 */
#define NM_SHM_ACK		'A'
#define NM_SHM_ACK_REFS		'R'	/* attached, and takes references */
#define NM_SHM_OFFER_MAGIC	0x4e4d5246u	/* "NMRF" */
#define NM_SHM_OFFER_REFS	0x1u
/* hello.status: 0 admitted, the fds come with it; else why not (no fds).
 * Creators before the access check sent 0 there (the field was reserved). */
#define NM_SHM_REFUSED_UID	1u

struct nm_shm_hello {
	uint32_t magic;
	uint32_t version;
	uint32_t nfds;
	uint32_t status;
};

/* Right behind an admitting hello, in the same message (so a peer that
 * reads one reads both), from creators that know references. */
struct nm_shm_offer {
	uint32_t magic;
	uint32_t flags;			/* NM_SHM_OFFER_* */
};

static int nm_shm_check_name(const char *name)
{
	size_t n;

	if (!name)
		return nm_err(EINVAL, "name is NULL");
	n = strnlen(name, NM_SHM_NAME_MAX + 1);
	if (n == 0 || n > NM_SHM_NAME_MAX)
		return nm_err(EINVAL, "name must be 1..%d characters", NM_SHM_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return nm_err(EINVAL, "name character %#x is not one of [A-Za-z0-9_.-]",
				      (unsigned char)c);
	}
	return 0;
}

static socklen_t nm_shm_addr(const char *name, struct sockaddr_un *sa)
{
	size_t n = strlen(NM_SHM_SOCK_PREFIX) + strlen(name);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* sun_path[0] = '\0': the abstract namespace, no file to clean up */
	memcpy(sa->sun_path + 1, NM_SHM_SOCK_PREFIX, strlen(NM_SHM_SOCK_PREFIX));
	memcpy(sa->sun_path + 1 + strlen(NM_SHM_SOCK_PREFIX), name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static uint64_t nm_shm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline for poll(); -1: forever. */
static int nm_shm_left(int timeout_ms, uint64_t start)
{
	uint64_t el;

	if (timeout_ms < 0)
		return -1;
	el = nm_shm_now_ms() - start;
	return el >= (uint64_t)timeout_ms ? 0 : (int)((uint64_t)timeout_ms - el);
}

/* Wait for events on fd.  0 ready, -ETIMEDOUT, or -errno. */
static int nm_shm_wait(int fd, short events, int timeout_ms, uint64_t start, const char *what)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		int n = poll(&pfd, 1, nm_shm_left(timeout_ms, start));

		if (n > 0)
			return 0;
		if (n == 0)
			return nm_err(ETIMEDOUT, "%s: timed out after %d ms", what, timeout_ms);
		if (errno != EINTR)
			return nm_err_sys(errno, "%s: poll", what);
	}
}

static void nm_shm_close_fds(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static int nm_shm_eventfds(int efd[2])
{
	efd[0] = nm_fd_lift(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
	efd[1] = nm_fd_lift(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
	if (efd[0] < 0 || efd[1] < 0) {
		int r = nm_err_sys(errno, "eventfd");

		nm_shm_close_fds(efd, 2);
		return r;
	}
	return 0;
}

/* Attach side `side` with its own copies of the eventfds (efd[d] is
 * signalled by direction d's producer). */
static int nm_shm_attach_dup(int memfd, int side, const int efd[2], int sock, int lsock,
			     const char *name, struct nm_wire **out)
{
	int tx = nm_fd_lift(fcntl(efd[side], F_DUPFD_CLOEXEC, 0));
	int rx = nm_fd_lift(fcntl(efd[!side], F_DUPFD_CLOEXEC, 0));
	int r;

	if (tx < 0 || rx < 0) {
		r = nm_err_sys(errno, "fcntl F_DUPFD_CLOEXEC of an eventfd");
		goto err_close;
	}
	r = nm__shm_attach(memfd, side, tx, rx, sock, lsock, name, out);
	if (r == 0)
		return 0;
err_close:
	if (tx >= 0)
		close(tx);
	if (rx >= 0)
		close(rx);
	return r;
}

/* Whether this side references payload (struct nm_wire_shm_params.no_refs). */
static bool nm_shm_pair_refs(const struct nm_wire_shm_params *p)
{
	return !p->no_refs && nm__shm_refs_env();
}

int nm_wire_shm_pair(const struct nm_wire_shm_params *p, struct nm_wire **a,
		     struct nm_wire **b)
{
	NM_API_CALL();
	int memfd, efd[2], r;

	if (!p || !a || !b)
		return nm_err(EINVAL, "params or out pointer is NULL");
	r = nm__shm_region_create(p, false, &memfd);
	if (r)
		return r;
	r = nm_shm_eventfds(efd);
	if (r)
		goto err_close_memfd;
	r = nm_shm_attach_dup(memfd, 0, efd, -1, -1, "pair", a);
	if (r)
		goto err_close_efd;
	r = nm_shm_attach_dup(memfd, 1, efd, -1, -1, "pair", b);
	if (r)
		goto err_destroy_a;
	if (nm_shm_pair_refs(p)) {
		r = nm__shm_refs_link(*a, *b);
		if (r)
			goto err_destroy_b;
	}
	nm_shm_close_fds(efd, 2);
	close(memfd);
	return 0;

err_destroy_b:
	nm_wire_destroy(*b);
	*b = NULL;
err_destroy_a:
	nm_wire_destroy(*a);
	*a = NULL;
err_close_efd:
	nm_shm_close_fds(efd, 2);
err_close_memfd:
	close(memfd);
	return r;
}

static int nm_shm_send_hello(int sock, int memfd, const int efd[2], bool offer)
{
	struct nm_shm_hello hello = { NM_SHM_MAGIC, NM_SHM_VERSION, NM_SHM_HELLO_FDS, 0 };
	struct nm_shm_offer of = { NM_SHM_OFFER_MAGIC, NM_SHM_OFFER_REFS };
	int fds[NM_SHM_HELLO_FDS] = { memfd, efd[0], efd[1] };
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} u;
	struct iovec iov[2] = { { &hello, sizeof(hello) }, { &of, sizeof(of) } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = offer ? 2 : 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	ssize_t want = (ssize_t)(sizeof(hello) + (offer ? sizeof(of) : 0));
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) != want)
		return nm_err_sys(errno ? errno : EIO, "sendmsg of the region");
	return 0;
}

static int nm_shm_accept(int lsock, int timeout_ms, uint64_t start, int *sock)
{
	int r = nm_shm_wait(lsock, POLLIN, timeout_ms, start, "waiting for a peer");

	if (r)
		return r;
	*sock = nm_fd_lift(accept4(lsock, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK));
	if (*sock < 0)
		return nm_err_sys(errno, "accept");
	return 0;
}

/* Tell a peer it may not attach: a hello with no fds.  Best effort: one
 * that does not read it sees the connection closed. */
static void nm_shm_send_refusal(int sock)
{
	struct nm_shm_hello hello = { NM_SHM_MAGIC, NM_SHM_VERSION, 0, NM_SHM_REFUSED_UID };

	(void)!send(sock, &hello, sizeof(hello), MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Accept peers until one may attach (wire_shm_access.c).  Each refused
 * one is told so and closed before anything of the wire is sent, and
 * p->on_refused hears of it; the wait goes on within timeout_ms. */
static int nm_shm_accept_admitted(int lsock, const struct nm_wire_shm_params *p, int timeout_ms,
				  uint64_t start, int *sock)
{
	for (;;) {
		struct ucred cred;
		int r = nm_shm_accept(lsock, timeout_ms, start, sock);

		if (r)
			return r;
		r = nm__shm_access_admit(p, *sock, &cred);
		if (r == 1)
			return 0;
		if (r == 0)
			nm_shm_send_refusal(*sock);
		close(*sock);
		*sock = -1;
		if (r < 0)
			return r;
		if (p->on_refused)
			p->on_refused(p->on_refused_arg, cred.pid, cred.uid, cred.gid);
	}
}

/* The peer's acknowledgement: 0 attached, 1 attached and takes the
 * references we offered. */
static int nm_shm_wait_ack(int sock, int timeout_ms, uint64_t start, bool offered)
{
	char ack = 0;
	ssize_t n;
	int r = nm_shm_wait(sock, POLLIN, timeout_ms, start, "waiting for the "
			    "peer to attach");

	if (r)
		return r;
	n = recv(sock, &ack, 1, 0);
	if (n == 1 && ack == NM_SHM_ACK_REFS && offered)
		return 1;
	if (n != 1 || ack != NM_SHM_ACK)
		return nm_err(ECONNRESET, "the peer left without attaching "
			      "(did it reject the region?)");
	return 0;
}

int nm_wire_shm_create(const char *name, const struct nm_wire_shm_params *p, int timeout_ms,
		       struct nm_wire **out)
{
	NM_API_CALL();
	uint64_t start = nm_shm_now_ms();
	struct sockaddr_un sa;
	socklen_t salen;
	int lsock, sock = -1, memfd, efd[2], r;
	struct nm_wire *w;
	bool offer;

	r = nm_shm_check_name(name);
	if (r)
		return r;
	if (!p || !out)
		return nm_err(EINVAL, "params or out pointer is NULL");
	r = nm__shm_access_check_params(p);
	if (r)
		return r;
	offer = nm_shm_pair_refs(p);
	r = nm__shm_region_create(p, offer, &memfd);
	if (r)
		return r;
	r = nm_shm_eventfds(efd);
	if (r)
		goto err_close_memfd;
	lsock = nm_fd_lift(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (lsock < 0) {
		r = nm_err_sys(errno, "socket(AF_UNIX)");
		goto err_close_efd;
	}
	salen = nm_shm_addr(name, &sa);
	if (bind(lsock, (struct sockaddr *)&sa, salen)) {
		r = errno == EADDRINUSE
			    ? nm_err(EADDRINUSE, "name \"%s\" is taken", name)
			    : nm_err_sys(errno, "bind \"%s\"", name);
		goto err_close_lsock;
	}
	if (listen(lsock, 1)) {
		r = nm_err_sys(errno, "listen");
		goto err_close_lsock;
	}
	r = nm_shm_accept_admitted(lsock, p, timeout_ms, start, &sock);
	if (r)
		goto err_close_lsock;
	/* Keep the name, refuse later peers.  Before the hello: once the peer
	 * has the region, nobody else may get in. */
	shutdown(lsock, SHUT_RD);
	r = nm_shm_attach_dup(memfd, 0, efd, sock, lsock, name, &w);
	if (r)
		goto err_close_sock;
	/* From here the endpoint owns sock and lsock. */
	r = nm_shm_send_hello(sock, memfd, efd, offer);
	if (r == 0)
		r = nm_shm_wait_ack(sock, timeout_ms, start, offer);
	if (r == 1)	/* both agreed to references */
		r = nm__shm_xref_enable(nm_shm_wire_of(w));
	if (r)
		goto err_destroy;
	nm_shm_close_fds(efd, 2);
	close(memfd);
	*out = w;
	return 0;

err_destroy:
	nm_wire_destroy(w);
	nm_shm_close_fds(efd, 2);
	close(memfd);
	return r;
err_close_sock:
	close(sock);
err_close_lsock:
	close(lsock);
err_close_efd:
	nm_shm_close_fds(efd, 2);
err_close_memfd:
	close(memfd);
	return r;
}

/* An fd the peer handed us must be what it claims to be. */
static bool nm_shm_is_eventfd(int fd)
{
	return nm_fd_is(fd, "anon_inode:[eventfd]", false);
}

/* The creator refused us by our credentials: say who refused whom. */
static int nm_shm_refused(int sock, const char *name)
{
	struct ucred c;

	if (nm__shm_peer_cred(sock, &c))
		return nm_err(EACCES, "the creator of \"%s\" refused this process "
			      "(uid %u) by its credentials", name, (unsigned)geteuid());
	return nm_err(EACCES, "the creator of \"%s\" (pid %d, uid %u) refused "
		      "this process by its credentials: uid %u may not attach (a creator admits "
		      "its own uid, root and the uids it allows)", name, (int)c.pid,
		      (unsigned)c.uid, (unsigned)geteuid());
}

/* Receive the hello (and the offer of references behind it, *offered);
 * fds[] are ours afterwards, on error all closed. */
static int nm_shm_recv_hello(int sock, const char *name, int fds[NM_SHM_HELLO_FDS],
			     bool *offered)
{
	struct nm_shm_hello hello;
	struct nm_shm_offer of = { 0 };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];	/* room to see extra fds */
		struct cmsghdr align;
	} u;
	struct iovec iov[2] = { { &hello, sizeof(hello) }, { &of, sizeof(of) } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	int got[8], ngot = 0, r = 0;
	ssize_t n;

	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return nm_err_sys(errno, "recvmsg of the region");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

		for (int i = 0; i < k && ngot < 8; i++)
			memcpy(&got[ngot++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	*offered = n == (ssize_t)(sizeof(hello) + sizeof(of)) &&
		   of.magic == NM_SHM_OFFER_MAGIC && (of.flags & NM_SHM_OFFER_REFS);
	if (n == 0)
		r = nm_err(ECONNRESET, "the creator closed the connection");
	else if ((n != (ssize_t)sizeof(hello) && !*offered) || hello.magic != NM_SHM_MAGIC)
		r = nm_err(EPROTO, "not a netmem shm hello");
	else if (hello.version != NM_SHM_VERSION)
		r = nm_err(EPROTO, "creator speaks version %u, we %u",
			   hello.version, NM_SHM_VERSION);
	else if (hello.status == NM_SHM_REFUSED_UID && !ngot)
		r = nm_shm_refused(sock, name);
	else if (hello.status)
		r = nm_err(EPROTO, "hello status %u", hello.status);
	else if ((msg.msg_flags & MSG_CTRUNC) || ngot != NM_SHM_HELLO_FDS ||
		 hello.nfds != NM_SHM_HELLO_FDS)
		r = nm_err(EPROTO, "hello carries %d fds, want %d", ngot,
			   NM_SHM_HELLO_FDS);
	else if (!nm_shm_is_eventfd(got[1]) || !nm_shm_is_eventfd(got[2]))
		r = nm_err(EPROTO, "hello fds 1 and 2 are not eventfds");
	if (r) {
		nm_shm_close_fds(got, ngot);
		return r;
	}
	for (int i = 0; i < NM_SHM_HELLO_FDS; i++)
		fds[i] = nm_fd_lift(got[i]);	/* they came in with the lowest numbers */
	return 0;
}

static int nm_shm_dial(const char *name, int timeout_ms, uint64_t start, int *out)
{
	struct sockaddr_un sa;
	socklen_t salen = nm_shm_addr(name, &sa);
	int sock = nm_fd_lift(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));

	if (sock < 0)
		return nm_err_sys(errno, "socket(AF_UNIX)");
	/* A non-blocking unix connect fails with EAGAIN while the listener's
	 * backlog is full; retry until the deadline. */
	while (connect(sock, (struct sockaddr *)&sa, salen)) {
		int e = errno;

		if (e == EINTR)
			continue;
		if (e == EAGAIN && nm_shm_left(timeout_ms, start) != 0) {
			usleep(1000);
			continue;
		}
		close(sock);
		if (e == ECONNREFUSED || e == ENOENT)
			return nm_err(ECONNREFUSED, "no wire named \"%s\" is "
				      "waiting for a peer", name);
		if (e == EAGAIN)
			return nm_err(ETIMEDOUT, "\"%s\" busy for %d ms", name,
				      timeout_ms);
		return nm_err_sys(e, "connect \"%s\"", name);
	}
	*out = sock;
	return 0;
}

int nm_wire_shm_connect(const char *name, int timeout_ms, struct nm_wire **out)
{
	NM_API_CALL();
	uint64_t start = nm_shm_now_ms();
	int sock = -1, fds[NM_SHM_HELLO_FDS], r;
	struct nm_wire *w;
	char ack = NM_SHM_ACK;
	bool offered = false;

	r = nm_shm_check_name(name);
	if (r)
		return r;
	if (!out)
		return nm_err(EINVAL, "out pointer is NULL");
	r = nm_shm_dial(name, timeout_ms, start, &sock);
	if (r)
		return r;
	r = nm_shm_wait(sock, POLLIN, timeout_ms, start, "waiting for the region");
	if (r)
		goto err_close_sock;
	r = nm_shm_recv_hello(sock, name, fds, &offered);
	if (r)
		goto err_close_sock;
	/* B transmits on direction 1 and receives on direction 0. */
	r = nm__shm_attach(fds[0], 1, fds[2], fds[1], sock, -1, name, &w);
	if (r)
		goto err_close_fds;
	close(fds[0]);
	/* the creator offered references and made room for them: take them
	 * unless this side says no (without memory for the table, say no) */
	if (offered && nm__shm_refs_env() && nm_shm_wire_of(w)->xref_off &&
	    !nm__shm_xref_enable(nm_shm_wire_of(w)))
		ack = NM_SHM_ACK_REFS;
	/* From here the endpoint owns sock and the eventfds. */
	if (send(sock, &ack, 1, MSG_NOSIGNAL) != 1) {
		r = nm_err(ECONNRESET, "the creator left during the handshake");
		nm_wire_destroy(w);
		return r;
	}
	*out = w;
	return 0;

err_close_fds:
	nm_shm_close_fds(fds, NM_SHM_HELLO_FDS);
err_close_sock:
	close(sock);
	return r;
}

/* The peer process closed the rendezvous connection: it destroyed its
 * endpoint or died (the kernel closes its sockets, even after SIGKILL). */
static bool nm_shm_sock_hung_up(int sock)
{
	struct pollfd pfd = { .fd = sock, .events = POLLRDHUP };

	if (poll(&pfd, 1, 0) != 1)
		return false;
	return pfd.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL);
}

int nm_wire_shm_peer_alive(struct nm_wire *w)
{
	NM_API_CALL();
	struct nm_shm_wire *ep;
	void *base;
	size_t size;
	int r;

	/* the region call validates w (an shm wire, alive) */
	if (!w)
		return nm_err(EINVAL, "wire is NULL");
	r = nm__wire_shm_region(w, &base, &size);
	if (r)
		return r;
	ep = nm_shm_wire_of(w);
	if (ep->peer_dead || !atomic_load_explicit(ep->peer_alive, memory_order_acquire))
		return 0;
	if (ep->sock >= 0 && nm_shm_sock_hung_up(ep->sock)) {
		/* latched: from now on xmit says -ENOTCONN at once */
		ep->peer_dead = true;
		return 0;
	}
	return 1;
}
