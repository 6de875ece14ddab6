/* SPDX-License-Identifier: MIT */
/*
 * Who may plug into a cross-process shm wire: the creator checks each
 * connecting process's credentials (SO_PEERCRED) before it hands over
 * anything.  Forked children take other uids (root only: setresuid):
 *
 *   - a process of the creator's uid is admitted (runs without root too);
 *   - uid 65534 is refused by default: its connect returns -EACCES with a
 *     message naming both uids, a child speaking the rendezvous itself
 *     gets a refusal hello and no fd at all (the region memfd is never
 *     handed to it), on_refused hears of each with its pid and uid, and
 *     the creator goes on waiting: a root process then attaches;
 *   - allow_uids admits the uids listed (and only those: 65534 against a
 *     list of 1000 is refused, and create times out), allow_any_uid any;
 *   - a creator of uid 65534 admits root;
 *   - bad access parameters are -EINVAL.
 * Regression: any local user could attach to another user's wire.
 */
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "t_util.h"
#include <netmem/wire.h>

#define NOBODY	65534u
#define OTHER	12345u

static char name[32];

struct refusals {
	int n;
	pid_t pid[8];
	uid_t uid[8];
	int notify_fd;			/* a byte per refusal, or -1 */
};

static void on_refused(void *arg, pid_t pid, uid_t uid, gid_t gid)
{
	struct refusals *r = arg;

	(void)gid;
	if (r->n < 8) {
		r->pid[r->n] = pid;
		r->uid[r->n] = uid;
	}
	r->n++;
	if (r->notify_fd >= 0)
		(void)!write(r->notify_fd, "r", 1);
}

/* In a child: drop to uid (and gid uid, no supplementary groups). */
static void become(uid_t uid)
{
	if (uid == geteuid())
		return;
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid)) {
		perror("child: setresuid");
		_exit(3);
	}
}

/* In a child: wait for n bytes on fd (-1: none). */
static void wait_bytes(int fd, int n)
{
	char c;

	for (int i = 0; fd >= 0 && i < n; i++)
		if (read(fd, &c, 1) != 1)
			_exit(4);
}

/* A child that connects as uid (after n bytes on wait_fd) and checks the
 * answer: 0 (admitted; it then lets go) or -EACCES with a message naming
 * both uids.  Exit 0 when it got what it expected.  Children leave with
 * _exit: a process that changed uid cannot run LeakSanitizer's exit scan. */
static pid_t spawn_connect(uid_t uid, int want, int wait_fd, int n)
{
	pid_t pid = fork();
	char u[32];

	T_ASSERT(pid >= 0);
	if (pid)
		return pid;
	become(uid);
	wait_bytes(wait_fd, n);
	for (uint64_t end = t_now_ms() + 10000;;) {
		struct nm_wire *w;
		int r = nm_wire_shm_connect(name, 5000, &w);

		if (r == -ECONNREFUSED && t_now_ms() < end) {
			usleep(5000);
			continue;
		}
		if (r != want) {
			fprintf(stderr, "child uid %u: connect = %d, want %d: %s\n", (unsigned)uid, r,
				want, nm_last_error());
			_exit(1);
		}
		if (r == 0) {
			nm_wire_destroy(w);
			_exit(0);
		}
		snprintf(u, sizeof(u), "uid %u may not attach", (unsigned)uid);
		if (!strstr(nm_last_error(), "refused this process by its credentials") ||
		    !strstr(nm_last_error(), u) || !strstr(nm_last_error(), name)) {
			fprintf(stderr, "child uid %u: message: %s\n", (unsigned)uid, nm_last_error());
			_exit(1);
		}
		_exit(0);
	}
}

/* A child that speaks the rendezvous itself as uid: it must get the
 * refusal hello (16 bytes, status not 0) and no file descriptor, then the
 * end of the connection. */
static pid_t spawn_raw(uid_t uid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	pid_t pid = fork();
	uint32_t hello[4];
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { hello, sizeof(hello) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct pollfd pfd;
	ssize_t n;
	int fd;
	char c;

	T_ASSERT(pid >= 0);
	if (pid)
		return pid;
	become(uid);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			  (size_t)snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "netmem-shm-%s",
					   name));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	for (uint64_t end = t_now_ms() + 10000;
	     connect(fd, (struct sockaddr *)&sa, len) && t_now_ms() < end;)
		usleep(5000);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, 10000) != 1)
		_exit(5);
	n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	if (n != (ssize_t)sizeof(hello) || hello[0] != 0x4e4d5357u || hello[2] != 0 || !hello[3]) {
		fprintf(stderr, "raw child: hello of %zd bytes: %08x %u %u %u\n", n, hello[0],
			hello[1], hello[2], hello[3]);
		_exit(1);
	}
	if (msg.msg_controllen || CMSG_FIRSTHDR(&msg)) {
		fprintf(stderr, "raw child: the refusal came with %zu bytes of control (fds)\n",
			(size_t)msg.msg_controllen);
		_exit(1);
	}
	n = recv(fd, &c, 1, 0);
	_exit(n == 0 ? 0 : 6);
}

static void reap(pid_t pid)
{
	int st;

	T_EQ(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		T_FAIL("child %d: status %#x", (int)pid, st);
}

/* Create and hold name until a peer attached (or timeout_ms). */
static int create(struct nm_wire_shm_params *wp, struct refusals *ref, int timeout_ms)
{
	struct nm_wire *w;
	int r;

	wp->on_refused = on_refused;
	wp->on_refused_arg = ref;
	r = nm_wire_shm_create(name, wp, timeout_ms, &w);
	if (r == 0)
		nm_wire_destroy(w);
	return r;
}

int main(void)
{
	struct nm_wire_shm_params wp = { 0 };
	struct refusals ref = { .notify_fd = -1 };
	uid_t list[2] = { 1000, NOBODY };
	struct nm_wire *w;
	pid_t a, b, c;
	int p[2];

	snprintf(name, sizeof(name), "peercred-%d", (int)getpid());
	/* bad access parameters */
	wp.nr_allow_uids = 1;
	T_ERR(nm_wire_shm_create(name, &wp, 100, &w), -EINVAL);
	wp.allow_uids = list;
	wp.nr_allow_uids = NM_WIRE_SHM_ALLOW_MAX + 1;
	T_ERR(nm_wire_shm_create(name, &wp, 100, &w), -EINVAL);
	wp = (struct nm_wire_shm_params){ 0 };

	/* the creator's own uid: admitted, no refusal */
	a = spawn_connect(geteuid(), 0, -1, 0);
	T_OK(create(&wp, &ref, 10000));
	reap(a);
	T_EQ(ref.n, 0);
	if (geteuid() != 0) {
		printf("SKIP other uids: not root (the same-uid case passed)\n");
		return T_SKIP;
	}

	/* 65534, twice (the library, and by hand): refused, never given an
	 * fd; the creator goes on and admits root once both were refused */
	T_ASSERT(pipe(p) == 0);
	ref = (struct refusals){ .notify_fd = p[1] };
	a = spawn_connect(NOBODY, -EACCES, -1, 0);
	b = spawn_raw(NOBODY);
	c = spawn_connect(0, 0, p[0], 2);
	T_OK(create(&wp, &ref, 20000));
	reap(a);
	reap(b);
	reap(c);
	T_EQ(ref.n, 2);
	T_EQ(ref.uid[0], NOBODY);
	T_EQ(ref.uid[1], NOBODY);
	T_ASSERT((ref.pid[0] == a && ref.pid[1] == b) || (ref.pid[0] == b && ref.pid[1] == a));
	close(p[0]);
	close(p[1]);

	/* allowed by the list */
	ref = (struct refusals){ .notify_fd = -1 };
	wp.allow_uids = list;
	wp.nr_allow_uids = 2;
	a = spawn_connect(NOBODY, 0, -1, 0);
	T_OK(create(&wp, &ref, 10000));
	reap(a);
	T_EQ(ref.n, 0);
	/* ... and only the uids listed: create times out after the refusal */
	wp.nr_allow_uids = 1;		/* { 1000 } */
	a = spawn_connect(NOBODY, -EACCES, -1, 0);
	T_ERR(create(&wp, &ref, 1500), -ETIMEDOUT);
	reap(a);
	T_EQ(ref.n, 1);
	T_EQ(ref.uid[0], NOBODY);

	/* any uid */
	ref = (struct refusals){ .notify_fd = -1 };
	wp = (struct nm_wire_shm_params){ .allow_any_uid = true };
	a = spawn_connect(OTHER, 0, -1, 0);
	T_OK(create(&wp, &ref, 10000));
	reap(a);
	T_EQ(ref.n, 0);

	/* a creator of another uid admits root */
	wp = (struct nm_wire_shm_params){ 0 };
	a = fork();
	T_ASSERT(a >= 0);
	if (a == 0) {
		become(NOBODY);
		_exit(create(&wp, &ref, 10000) == 0 && ref.n == 0 ? 0 : 1);
	}
	for (uint64_t end = t_now_ms() + 10000;;) {
		int r = nm_wire_shm_connect(name, 5000, &w);

		if (r == -ECONNREFUSED && t_now_ms() < end) {
			usleep(5000);
			continue;
		}
		T_OK(r);
		nm_wire_destroy(w);
		break;
	}
	reap(a);
	T_PASS();
}
