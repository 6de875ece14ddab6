/* SPDX-License-Identifier: MIT */
/*
 * nmp_life: a connection's life around fork, exec and exit, written
 * against glibc and the kernel's headers only (the `netmem run` lifecycle
 * tests, tests/rt/life.sh).
 *
 *	nmp_life echo HOST PORT BYTES
 *		an echo client (the server echoes every byte: nmp_server) that
 *		forks halfway through: a child that only closes the inherited
 *		socket, one that tries to use it (under netmem run: EBADFD,
 *		docs/run.md), and one that execs `nmp_life newsock`; then the
 *		connection goes on and every byte that comes back is checked.
 *	nmp_life newsock HOST PORT FD
 *		closes FD (inherited), then connects a new socket to HOST:PORT:
 *		exit 0 when that is refused with EBUSY (a process that does
 *		not own netmem's NIC), 3 when it connects, 1 otherwise.
 *	nmp_life exit HOST PORT BYTES fin|rst
 *		connects, sends BYTES; with rst, waits until the peer's bytes
 *		are queued, unread; then returns from main without closing the
 *		socket: exit() is to close it (a FIN, or an RST for unread data).
 *	nmp_life hold HOST PORT
 *		connects, prints "connected", and waits to be killed.
 */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "prog.h"

#define CHUNK	65536

/* CHUNK-sized steps: send a chunk, read its echo back, check it. */
static void echo_range(int fd, uint64_t from, uint64_t to)
{
	static uint8_t out[CHUNK], in[CHUNK];

	for (uint64_t off = from; off < to;) {
		size_t n = to - off < CHUNK ? (size_t)(to - off) : CHUNK;
		int64_t bad;

		pp_fill(1, off, out, n);
		pp_send_all(fd, out, n);
		if (pp_recv_all(fd, in, n) != n)
			pp_die("the echo ended at %llu", (unsigned long long)off);
		bad = pp_check(1, off, in, n);
		if (bad >= 0)
			pp_die("echoed byte %lld wrong", (long long)bad);
		off += n;
	}
}

static int child_status(pid_t pid, const char *what)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		pp_die("waitpid (%s): %s", what, strerror(errno));
	if (!WIFEXITED(st))
		pp_die("the child that %s died of signal %d", what, WTERMSIG(st));
	return WEXITSTATUS(st);
}

/* A child that closes the inherited socket and exits. */
static void fork_close(int fd)
{
	pid_t pid = fork();

	if (pid < 0)
		pp_die("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(close(fd) == 0 ? 0 : 1);
	if (child_status(pid, "closes the socket") != 0)
		pp_die("close() of an inherited socket failed in the child");
}

/* A child that uses the inherited socket: every call refused, the same
 * errno each time (the parent's connection untouched). */
static void fork_use(int fd)
{
	pid_t pid = fork();
	int r;

	if (pid < 0)
		pp_die("fork: %s", strerror(errno));
	if (pid == 0) {
		char b = 'x';
		int e1, e2;

		if (send(fd, &b, 1, MSG_NOSIGNAL) >= 0)
			_exit(2);
		e1 = errno;
		if (recv(fd, &b, 1, MSG_DONTWAIT) >= 0)
			_exit(2);
		e2 = errno;
		_exit(e1 == EBADFD && e2 == EBADFD ? 0 : 3);
	}
	r = child_status(pid, "uses the socket");
	if (r != 0)
		pp_die("in a fork child, send/recv on the parent's socket: %s",
		       r == 2 ? "went through" : "not EBADFD");
}

/* A child that execs `nmp_life newsock`. */
static void fork_exec(int fd, const char *host, const char *port)
{
	char fds[16];
	pid_t pid;
	int r;

	snprintf(fds, sizeof(fds), "%d", fd);
	pid = fork();
	if (pid < 0)
		pp_die("fork: %s", strerror(errno));
	if (pid == 0) {
		execl("/proc/self/exe", "nmp_life", "newsock", host, port, fds, (char *)NULL);
		_exit(127);
	}
	r = child_status(pid, "execs");
	if (r == 3)
		pp_die("an exec'd child connected a socket of its own (wanted EBUSY)");
	if (r != 0)
		pp_die("the exec'd child failed (exit %d)", r);
}

static int echo_main(const char *host, const char *port, uint64_t bytes)
{
	int fd = pp_connect(host, (int)pp_num("PORT", port));
	uint8_t b;

	echo_range(fd, 0, bytes / 2);
	fork_close(fd);
	fork_use(fd);
	fork_exec(fd, host, port);
	echo_range(fd, bytes / 2, bytes);
	if (shutdown(fd, SHUT_WR) < 0)
		pp_die("shutdown: %s", strerror(errno));
	if (recv(fd, &b, 1, 0) != 0)
		pp_die("no clean end of stream after the echo");
	close(fd);
	printf("nmp_life echo: %llu bytes echoed across fork, use, exec: every byte checked\n",
	       (unsigned long long)bytes);
	return 0;
}

static int newsock_main(const char *host, const char *port, const char *fdarg)
{
	struct sockaddr_storage ss;
	socklen_t len = pp_addr(host, (int)pp_num("PORT", port), &ss);
	int fd;

	if (close((int)pp_num("FD", fdarg)) < 0)
		pp_die("close of the inherited fd: %s", strerror(errno));
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		pp_die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss, len) == 0)
		return 3;
	if (errno != EBUSY)
		pp_die("connect from an exec'd child: %s, wanted EBUSY", strerror(errno));
	close(fd);
	return 0;
}

static int exit_main(const char *host, const char *port, uint64_t bytes, const char *how)
{
	static uint8_t buf[CHUNK];
	int fd = pp_connect(host, (int)pp_num("PORT", port));

	for (uint64_t off = 0; off < bytes;) {
		size_t n = bytes - off < CHUNK ? (size_t)(bytes - off) : CHUNK;

		pp_fill(1, off, buf, n);
		pp_send_all(fd, buf, n);
		off += n;
	}
	if (!strcmp(how, "rst")) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 10000) != 1)
			pp_die("the peer sent nothing within 10 s");
	} else if (strcmp(how, "fin")) {
		pp_die("fin or rst, not '%s'", how);
	}
	printf("nmp_life exit: leaving with the socket open (%s)\n", how);
	return 0;		/* fd stays open: exit()'s to close */
}

static void __attribute__((noreturn)) hold_main(const char *host, const char *port)
{
	int fd = pp_connect(host, (int)pp_num("PORT", port));

	printf("connected (fd %d)\n", fd);
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 5 && !strcmp(argv[1], "echo"))
		return echo_main(argv[2], argv[3], (uint64_t)pp_num("BYTES", argv[4]));
	if (argc == 5 && !strcmp(argv[1], "newsock"))
		return newsock_main(argv[2], argv[3], argv[4]);
	if (argc == 6 && !strcmp(argv[1], "exit"))
		return exit_main(argv[2], argv[3], (uint64_t)pp_num("BYTES", argv[4]), argv[5]);
	if (argc == 4 && !strcmp(argv[1], "hold"))
		hold_main(argv[2], argv[3]);
	pp_die("usage: nmp_life echo|newsock|exit|hold ... (see tests/progs/life.c)");
}
